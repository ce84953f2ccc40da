"""One audit row per project-tier view and per download, written after the reply is sent.

``Audited`` wraps a response: it passes the reply through, counts the status and the body
bytes really sent, and then appends the row (in a worker thread), so a ranged, refused or
failed reply is logged as it went out. ``audited_view`` does this for project pages and
API routes, whose token check leaves its decision on ``request.state.access``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from pipelines.access import audit

log = logging.getLogger(__name__)

OUTCOMES = {
    200: "granted",
    206: "granted",
    304: "not_modified",
    400: "bad_request",
    404: "not_found",
    410: "withdrawn",
    416: "range_not_satisfiable",
}


def outcome_for(status: int, refused: str | None = None) -> str:
    return refused or OUTCOMES.get(status, "error" if status >= 500 else f"status_{status}")


class Audited:
    """An ASGI reply that writes its audit row once it has been sent (or has failed)."""

    def __init__(
        self,
        response: Response,
        engine: Engine,
        entry: dict[str, Any],
        refused: str | None = None,
        skip: bool = False,
    ) -> None:
        self.response, self.engine, self.entry = response, engine, entry
        self.refused, self.skip = refused, skip
        self.status_code = response.status_code
        self.headers = response.headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, sent, written = 500, 0, False

        async def write() -> None:
            nonlocal written
            written = True
            if self.skip:
                return
            row = audit.attempt(
                **self.entry,
                nbytes=sent if status < 300 and scope.get("method") != "HEAD" else 0,
                status=status,
                outcome=outcome_for(status, self.refused),
            )
            await run_in_threadpool(audit.record, self.engine, row)

        async def counting(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
                if not message.get("more_body", False):
                    await write()  # before the client sees the end: the row is there first
            await send(message)

        try:
            await self.response(scope, receive, counting)
        finally:
            if not written:
                await write()


def view_entry(request: Request) -> dict[str, Any]:
    params = request.path_params
    project = params.get("project")
    decision = getattr(request.state, "access", None)
    return {
        "tier": f"project/{project}",
        "project": project,
        "dataset": params.get("dataset"),
        "version": params.get("version"),
        "file": request.url.path,
        "token_id": decision.token_id if decision else None,
    }


def audited_view(
    endpoint: Callable[[Request], Response],
) -> Callable[[Request], Awaitable[Audited]]:
    """A project page or API route, run in a worker thread and audited like a download."""

    @functools.wraps(endpoint)
    async def view(request: Request) -> Audited:
        response = await run_in_threadpool(endpoint, request)
        decision = getattr(request.state, "access", None)
        refused = decision.outcome if decision is not None and not decision.allowed else None
        first_block = getattr(request.state, "first_block", True)
        return Audited(
            response,
            request.app.state.access_db,
            view_entry(request),
            refused,
            skip=refused == "rate_limited" and not first_block,
        )

    return view
