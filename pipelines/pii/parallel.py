"""Detection over many texts, chunk by chunk, on every core.

``detect_many``, ``scrub_many`` and the leak scanner all come down to ``joined_findings``:
the texts are cut into chunks of about ``CHUNK_CHARS`` characters, each chunk is joined
with ``SEPARATOR`` and scanned once, and the findings come back in chunk order with offsets
into the joined chunk. With more than one worker and more than one chunk, the chunks go to
worker processes (``python -m pipelines.pii.worker``, one chunk in flight each, so memory
stays bounded) while this process does nothing but hand them out and collect answers.

``SAMVERKAN_PII_WORKERS`` sets the default number of worker processes (default: the number
of CPUs; 1 scans in the calling process).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.pii.detectors import CHUNK_CHARS, chunks, detect, detect_joined, join_texts
from pipelines.pii.detectors._text import SEPARATOR
from pipelines.pii.findings import Finding, Kind

WORKERS_ENV = "SAMVERKAN_PII_WORKERS"
#: Characters of an Arrow string array turned into Python strings at a time (``slices``).
SLICE_CHARS = 16 * CHUNK_CHARS


def default_workers() -> int:
    """Processes to scan with: ``SAMVERKAN_PII_WORKERS``, else the number of CPUs."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a whole number, not {value!r}") from None
    return os.cpu_count() or 1


def slices(arr: pa.Array, size: int = SLICE_CHARS) -> Iterator[pa.Array]:
    """Consecutive zero-copy slices of a string array holding about ``size`` characters
    (bytes, in fact) each: what callers turn into Python strings one at a time."""
    if len(arr) == 0:
        return
    lengths = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
    ends = np.cumsum(lengths.astype(np.int64) + 1)
    cuts = np.searchsorted(ends, np.arange(size, int(ends[-1]), size), side="right")
    start = 0
    for cut in [*dict.fromkeys(int(c) for c in cuts), len(arr)]:
        if cut > start:
            yield arr.slice(start, cut - start)
            start = cut


@dataclass(frozen=True, slots=True)
class Chunk:
    """Texts ``first`` to ``last`` (exclusive) joined with ``SEPARATOR``; findings carry
    offsets into ``joined``; ``starts[i]`` is where text ``first + i`` starts in it."""

    first: int
    last: int
    joined: str
    starts: list[int]
    findings: list[Finding]


class _Worker:
    """One ``pipelines.pii.worker`` process with at most one request in flight."""

    def __init__(self) -> None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.pii.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def send(self, texts: list[str], kinds: frozenset[Kind] | None) -> None:
        assert self.process.stdin is not None
        pickle.dump((texts, kinds), self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()

    def receive(self) -> list[Finding]:
        assert self.process.stdout is not None
        try:
            found = pickle.load(self.process.stdout)
        except EOFError:
            code = self.process.wait()
            raise RuntimeError(f"a PII detection worker stopped (exit code {code})") from None
        return [Finding(Kind(k), d, s, e) for k, d, s, e in found]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _chunk(first: int, last: int, texts: list[str], found: list[Finding]) -> Chunk:
    joined, starts = join_texts(texts)
    return Chunk(first, last, joined, starts, found)


class Workers:
    """Up to ``count`` worker processes, started when first needed and kept for the life of
    the ``with`` block, so a column scanned slice by slice starts them once."""

    def __init__(self, count: int | None = None) -> None:
        self.count = default_workers() if count is None else max(1, count)
        self._started: list[_Worker] = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def take(self, n: int) -> list[_Worker]:
        """``min(n, count)`` running workers."""
        while len(self._started) < min(n, self.count):
            self._started.append(_Worker())
        return self._started[: min(n, self.count)]

    def close(self) -> None:
        for worker in self._started:
            worker.close()
        self._started = []


def joined_findings(
    texts: Sequence[str],
    *,
    kinds: Iterable[Kind] | None = None,
    workers: int | Workers | None = None,
    size: int = CHUNK_CHARS,
) -> Iterator[Chunk]:
    """Each chunk of ``texts`` with its findings, in order. ``workers``: a number of
    processes, or running ``Workers`` to reuse. No text may hold ``SEPARATOR`` (the callers
    scan such rare texts one by one)."""
    wanted = None if kinds is None else frozenset(kinds)
    ranges = list(chunks(texts, size))
    if not isinstance(workers, Workers):
        if len(ranges) < 2 or (workers is not None and workers <= 1):
            workers = Workers(1)
        else:
            with Workers(workers) as own:
                yield from joined_findings(texts, kinds=kinds, workers=own, size=size)
            return
    if workers.count == 1 or not ranges:
        for first, last in ranges:
            joined, starts, found = detect_joined(list(texts[first:last]), kinds=wanted)
            yield Chunk(first, last, joined, starts, found)
        return
    pending: deque[tuple[int, int, _Worker]] = deque()
    todo = iter(ranges)
    for worker, (first, last) in zip(workers.take(len(ranges)), todo, strict=False):
        worker.send(list(texts[first:last]), wanted)
        pending.append((first, last, worker))
    while pending:
        first, last, worker = pending.popleft()
        found = worker.receive()
        nxt = next(todo, None)
        if nxt is not None:
            worker.send(list(texts[nxt[0] : nxt[1]]), wanted)
            pending.append((nxt[0], nxt[1], worker))
        yield _chunk(first, last, list(texts[first:last]), found)


def detect_many(
    texts: Sequence[str],
    *,
    kinds: Iterable[Kind] | None = None,
    workers: int | Workers | None = None,
    chunk_chars: int = CHUNK_CHARS,
) -> list[list[Finding]]:
    """``[detect(text) for text in texts]``, computed on joined chunks."""
    out: list[list[Finding]] = [[] for _ in texts]
    batch = list(texts)
    for i, text in enumerate(texts):
        if SEPARATOR in text:  # rare: such a text is scanned on its own
            out[i] = detect(text, kinds=kinds)
            batch[i] = ""
    for chunk in joined_findings(batch, kinds=kinds, workers=workers, size=chunk_chars):
        starts = chunk.starts
        for f in chunk.findings:
            i = bisect_right(starts, f.start) - 1
            at = starts[i]
            out[chunk.first + i].append(Finding(f.kind, f.detector, f.start - at, f.end - at))
    return out
