"""A detection worker process: ``python -m pipelines.pii.worker``.

``pipelines.pii.parallel`` starts one per extra core and talks to it over its standard
input and output: each request is a pickled ``(texts, kinds)``, each answer the pickled
findings of those texts joined with ``SEPARATOR`` as ``(kind, detector, start, end)``
tuples. The worker exits when its input closes. A plain subprocess, not multiprocessing:
nothing of the caller (its ``__main__``, its threads) is imported or forked.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import BinaryIO

from pipelines.pii.detectors import detect_joined
from pipelines.pii.findings import Kind

Answer = list[tuple[str, str, int, int]]


def answer(texts: list[str], kinds: frozenset[Kind] | None) -> Answer:
    """The findings of ``texts`` joined with ``SEPARATOR``, as plain tuples."""
    _, _, found = detect_joined(texts, kinds=kinds)
    return [(f.kind.value, f.detector, f.start, f.end) for f in found]


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer requests until the input closes."""
    while True:
        try:
            texts, kinds = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(answer(texts, kinds), answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


def main() -> None:
    """Answer on a private copy of standard output; anything else written to standard
    output (by a library, even from C) goes to standard error instead of the answers."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
