"""Slow down token guessing: a client with too many refused tokens waits (HTTP 429).

Counted per client address over a sliding window, in memory (one portal process; behind
several processes each counts its own share, which still bounds the guessing rate). Only
failed token checks count, so a researcher with a valid token is never slowed down.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 20
WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000


class FailureLimiter:
    """Failed attempts per client; a client over ``limit`` in ``window`` seconds is blocked."""

    def __init__(
        self,
        limit: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._reported: set[str] = set()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, client: str) -> tuple[int, bool] | None:
        """None when ``client`` may try; else (seconds to wait, first refusal of this block).

        Only the first refusal of a block needs an audit row: the rest are the same client
        knocking again, and logging each would let it fill the audit log.
        """
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if len(times) < self.limit:
                self._reported.discard(client)
                return None
            first = client not in self._reported
            self._reported.add(client)
            return max(1, math.ceil(times[-self.limit] + self.window - now)), first

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._failures) >= MAX_CLIENTS and client not in self._failures:
                self._failures = {
                    c: t for c, t in self._failures.items() if t and t[-1] > now - self.window
                }
            times = self._recent(client, now)
            times.append(now)
            self._failures[client] = times
