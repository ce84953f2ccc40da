"""The audit log: one appended row per download attempt, granted or refused."""

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


def record(engine: Engine, entry: AuditEntry) -> None:
    values = entry.__dict__ | {"file": (entry.file or "")[:MAX_FILE] or None}
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
