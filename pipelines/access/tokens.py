"""Researcher bearer tokens: issued once, stored only as a hash, with an expiry.

A token reads ``svk_<id>_<secret>``: the id is public (it names the token in the audit log
and in ``token revoke``), the secret is 32 random bytes. The database keeps the id, the
sha256 of the whole token, the project, the researcher and the dates, never the token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from pipelines.access.db import as_utc, now, tokens
from pipelines.access.projects import project_exists
from pipelines.errors import SamverkanError

PREFIX = "svk"
TOKEN = re.compile(r"^svk_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$")
MAX_DAYS = 366


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str  # shown once to the admin, never stored
    project: str
    researcher: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class TokenRecord:
    id: str
    project: str
    researcher: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def parse(token: str) -> str | None:
    """The token's id when it is well formed, else None."""
    match = TOKEN.match(token)
    return match.group(1) if match else None


def _new_token() -> tuple[str, str]:
    token_id = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()[:10]
    secret = secrets.token_urlsafe(32)
    return token_id, f"{PREFIX}_{token_id}_{secret}"


def issue(engine: Engine, project: str, researcher: str, days: int = 90) -> IssuedToken:
    if not project_exists(engine, project):
        raise SamverkanError(f"no project {project}")
    if not researcher.strip():
        raise SamverkanError("a token needs the researcher's name")
    if not 1 <= days <= MAX_DAYS:
        raise SamverkanError(f"a token lives 1 to {MAX_DAYS} days")
    token_id, token = _new_token()
    created = now()
    expires = created + dt.timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(
            insert(tokens).values(
                id=token_id,
                project=project,
                researcher=researcher.strip(),
                token_hash=token_hash(token),
                created_at=created,
                expires_at=expires,
            )
        )
    return IssuedToken(token_id, token, project, researcher.strip(), expires)


def revoke(engine: Engine, token_id: str) -> None:
    with engine.begin() as conn:
        result = conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )
    if result.rowcount == 0:
        raise SamverkanError(f"no active token {token_id}")


def _record(row) -> TokenRecord:  # type: ignore[no-untyped-def]
    return TokenRecord(
        row.id,
        row.project,
        row.researcher,
        as_utc(row.created_at),
        as_utc(row.expires_at),
        as_utc(row.revoked_at),
    )


def lookup(engine: Engine, token: str) -> TokenRecord | None:
    """The record of a presented token when its id exists and its secret matches."""
    token_id = parse(token)
    if token_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(tokens).where(tokens.c.id == token_id)).first()
    if row is None or not hmac.compare_digest(row.token_hash, token_hash(token)):
        return None
    return _record(row)


def list_tokens(engine: Engine, project: str | None = None) -> list[TokenRecord]:
    query = select(tokens).order_by(tokens.c.created_at)
    if project:
        query = query.where(tokens.c.project == project)
    with engine.connect() as conn:
        return [_record(r) for r in conn.execute(query).all()]
