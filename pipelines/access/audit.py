"""The audit log: one appended row per download attempt or project view, granted or refused.

Text fields come partly from the request (a refused path is logged as sent), so control
characters are escaped before they are stored: a row can neither forge a second row in a
tab-separated listing nor carry terminal escapes to whoever reads the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from pipelines.access.db import as_utc, audit, now

MAX_FILE = 300


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    token_id: str | None
    project: str | None
    tier: str
    dataset: str | None
    version: str | None
    file: str | None
    bytes: int
    status: int
    outcome: str


def printable(text: str | None) -> str | None:
    """``text`` with control characters (C0, DEL, C1, line separators) as ``\\xNN`` escapes."""
    if text is None:
        return None
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def record(engine: Engine, entry: AuditEntry) -> None:
    values = {k: printable(v) if isinstance(v, str) else v for k, v in entry.__dict__.items()} | {
        "file": (printable(entry.file) or "")[:MAX_FILE] or None
    }
    with engine.begin() as conn:
        conn.execute(insert(audit).values(**values))


def attempt(
    *,
    tier: str,
    dataset: str | None,
    version: str | None,
    file: str | None,
    status: int,
    outcome: str,
    token_id: str | None = None,
    project: str | None = None,
    nbytes: int = 0,
) -> AuditEntry:
    return AuditEntry(
        now(), token_id, project, tier, dataset, version, file, nbytes, status, outcome
    )


def entries(
    engine: Engine,
    *,
    limit: int | None = None,
    project: str | None = None,
    dataset: str | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` entries (all by default), oldest first."""
    query = select(audit).order_by(audit.c.id.desc())
    if project:
        query = query.where(audit.c.project == project)
    if dataset:
        query = query.where(audit.c.dataset == dataset)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AuditEntry(
            as_utc(r.at),
            r.token_id,
            r.project,
            r.tier,
            r.dataset,
            r.version,
            r.file,
            int(r.bytes),
            int(r.status),
            r.outcome,
        )
        for r in reversed(rows)
    ]
