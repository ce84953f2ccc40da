"""The portal's uvicorn server, with a deadline for each request's head.

uvicorn waits for a request's headers without limit until the first response (and after
a keep-alive response, as soon as one byte arrives), so a client sending its headers a
byte at a time holds a connection for as long as it likes. ``HeadDeadline`` closes a
connection whose request line and headers are not complete ``HEAD_TIMEOUT`` seconds after
it opened or after the previous response. In production the TLS proxy enforces the same
(``client_header_timeout``); this keeps ``samverkan serve`` safe on its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_TIMEOUT = 10.0


class HeadDeadline(H11Protocol):
    head_timeout = HEAD_TIMEOUT

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline: asyncio.TimerHandle | None = self.loop.call_later(
            self.head_timeout, self._head_too_slow
        )

    def _disarm(self) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
        self._head_deadline = None

    def _head_too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's head arrived whole
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()


def portal_config(
    app: Any, host: str, port: int, head_timeout: float = HEAD_TIMEOUT, **kw: Any
) -> uvicorn.Config:
    """uvicorn's configuration for the portal: h11 with the head deadline, no access log."""
    protocol = type("PortalHTTP", (HeadDeadline,), {"head_timeout": head_timeout})
    options: dict[str, Any] = {"log_level": "info", "access_log": False} | kw
    return uvicorn.Config(app, host=host, port=port, http=protocol, **options)
