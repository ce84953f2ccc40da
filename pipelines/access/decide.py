"""Whether a presented bearer token may download a project-tier dataset, and why not."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from pipelines.access.db import now
from pipelines.access.projects import get_project, has_grant
from pipelines.access.tokens import lookup, parse


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int  # HTTP status when refused (401 or 403), 200 when allowed
    outcome: str  # "granted" or why not, for the audit log
    token_id: str | None = None


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header; '' when malformed."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else ""


def authorise(engine: Engine, header: str | None, project: str, dataset: str | None) -> Decision:
    """Check token, project and (unless ``dataset`` is None) the grant, in that order."""
    token = bearer(header)
    if token is None:
        return Decision(False, 401, "no_token")
    token_id = parse(token)
    if token_id is None:
        return Decision(False, 401, "malformed_token")
    record = lookup(engine, token)
    if record is None:
        return Decision(False, 401, "unknown_token", token_id)
    if record.revoked_at is not None:
        return Decision(False, 401, "revoked_token", token_id)
    if record.expires_at <= now():
        return Decision(False, 401, "expired_token", token_id)
    if record.project != project:
        return Decision(False, 403, "wrong_project", token_id)
    found = get_project(engine, project)
    if found is None or not found.approved:
        return Decision(False, 403, "project_not_approved", token_id)
    if dataset is not None and not has_grant(engine, project, dataset):
        return Decision(False, 403, "no_grant", token_id)
    return Decision(True, 200, "granted", token_id)
