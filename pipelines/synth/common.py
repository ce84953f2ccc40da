"""What every dataset generator gets: the job parameters and seeded random streams.

Each dataset draws from its own streams, derived from the seed and the dataset name, and
each chunk of rows from a stream of its own. So a dataset's output depends only on seed and
rows: generating one dataset alone gives the same bytes as generating all five.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from pipelines.config import Settings

CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class Job:
    """Parameters of one generator run for one dataset."""

    settings: Settings
    seed: int
    rows: int
    db_url: str | None = None
    chunk_rows: int = CHUNK_ROWS
    kolada_per_page: int = 25

    def rng(self, dataset: str, stream: int = 0) -> np.random.Generator:
        """The numpy generator of one stream (0: structure, 1+: chunk number) of a dataset."""
        return np.random.default_rng([self.seed, zlib.crc32(dataset.encode()), stream])

    def chunks(self, total: int | None = None) -> list[tuple[int, int]]:
        """``(start, stop)`` row ranges of at most ``chunk_rows`` rows."""
        total = self.rows if total is None else total
        return [(s, min(s + self.chunk_rows, total)) for s in range(0, total, self.chunk_rows)]


def kronor(amount: float) -> str:
    """An amount as written in Swedish prose: ``4 500 kr``."""
    return f"{round(amount):,}".replace(",", " ") + " kr"


MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
