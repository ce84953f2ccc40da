"""Generalisation hierarchies for quasi-identifiers, encoded as integer codes.

The engine never touches strings while it searches: a hierarchy is turned once into, per
level, an integer code for every original value (one row of the hierarchy). Generalising a
column to a level is then a numpy gather. Hierarchies load from ARX's CSV format as is
(``;``-separated, no header, one row per original value, columns level 0 … ``*``) or are
built from a mapping, so other code can derive them from its own generalisation rules.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.errors import SamverkanError

#: Level-0 labels that stand for a missing value in a hierarchy (ARX writes ``NULL``).
MISSING_LABELS = ("NULL", "")


class Hierarchy:
    """A full-domain generalisation hierarchy: ``rows[i][level]`` is value ``i`` at ``level``.

    Labels are strings; ``None`` is allowed as a label and means "missing" (used for the
    synthetic row that takes missing values when the hierarchy has none).
    """

    def __init__(
        self,
        rows: Sequence[Sequence[str | None]],
        *,
        name: str | None = None,
        source: str | None = None,
    ) -> None:
        self.name = name
        self.source = source
        if not rows:
            raise self._error("hierarchy has no rows")
        width = len(rows[0])
        if width < 1 or any(len(r) != width for r in rows):
            raise self._error("hierarchy rows have different numbers of levels")
        self._rows = np.empty((len(rows), width), dtype=object)
        for i, row in enumerate(rows):
            self._rows[i, :] = [None if v is None else str(v) for v in row]
        level0 = pd.Index(self._rows[:, 0])
        if level0.has_duplicates:
            raise self._error("hierarchy lists the same original value on several rows")
        self._codes: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []
        for level in range(width):
            codes, uniques = pd.factorize(self._rows[:, level], use_na_sentinel=False)
            self._codes.append(codes.astype(np.int64))
            labels = np.asarray(uniques, dtype=object)
            labels[pd.isna(labels)] = None
            self._labels.append(labels)
        for level in range(width - 1):
            parent = np.full(len(self._labels[level]), -1, dtype=np.int64)
            parent[self._codes[level]] = self._codes[level + 1]
            if not np.array_equal(parent[self._codes[level]], self._codes[level + 1]):
                raise self._error(
                    f"hierarchy is not a tree: a level-{level} group has several "
                    f"parents at level {level + 1}"
                )

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_csv(
        cls, path: str | Path, *, name: str | None = None, delimiter: str = ";"
    ) -> Hierarchy:
        """Load an ARX hierarchy file: no header, one row per original value."""
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
        except OSError as exc:
            raise SamverkanError(
                f"cannot read hierarchy ({exc.strerror})", file=str(path), column=name
            ) from None
        except UnicodeDecodeError:
            raise SamverkanError(
                "hierarchy is not UTF-8 text", file=str(path), column=name
            ) from None
        return cls(rows, name=name, source=str(path))

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[object, Sequence[object]], *, name: str | None = None
    ) -> Hierarchy:
        """Build from ``value -> [label at level 1, label at level 2, …]``.

        The key is the level-0 value; every list must have the same length.
        """
        rows = [
            [str(value), *[None if g is None else str(g) for g in gens]]
            for value, gens in mapping.items()
        ]
        return cls(rows, name=name, source=None)

    def with_missing_row(self) -> Hierarchy:
        """A copy with a row for missing values: missing below the top, top label at the top."""
        top = self._labels[-1]
        top_label = top[0] if len(top) == 1 else "*"
        extra = [None] * (self.levels - 1) + [top_label] if self.levels > 1 else [None]
        rows = [list(r) for r in self._rows] + [extra]
        return Hierarchy(rows, name=self.name, source=self.source)

    # -- properties ---------------------------------------------------------------------
    @property
    def levels(self) -> int:
        """Number of levels including level 0 (ARX's hierarchy width)."""
        return self._rows.shape[1]

    @property
    def height(self) -> int:
        """Highest generalisation level."""
        return self.levels - 1

    @property
    def size(self) -> int:
        """Number of rows (ARX's domain size)."""
        return self._rows.shape[0]

    @property
    def rows(self) -> np.ndarray:
        """The labels as an object array of shape (size, levels)."""
        return self._rows

    def codes(self, level: int) -> np.ndarray:
        """Row index -> dense integer code of its label at ``level``."""
        return self._codes[level]

    def labels(self, level: int) -> np.ndarray:
        """Code -> label at ``level`` (object array)."""
        return self._labels[level]

    def cardinality(self, level: int) -> int:
        """Number of distinct labels at ``level``."""
        return len(self._labels[level])

    @cached_property
    def shares(self) -> list[np.ndarray]:
        """Per level, row index -> share of the domain its label covers (ARX domain share)."""
        out = []
        for level in range(self.levels):
            counts = np.bincount(self._codes[level])
            out.append(counts[self._codes[level]] / float(self.size))
        return out

    @cached_property
    def missing_row(self) -> int:
        """Row that takes missing values, or -1."""
        for i, value in enumerate(self._rows[:, 0]):
            if value is None:
                return i
        index = pd.Index(self._rows[:, 0])
        for label in MISSING_LABELS:
            if label in index:
                return int(index.get_loc(label))
        return -1

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """Row index for each value (strings or None); -1 where not in the hierarchy.

        Missing values (None) map to the missing row if the hierarchy has one.
        """
        index = pd.Index(self._rows[:, 0], dtype=object)
        rows = index.get_indexer(pd.Index(values, dtype=object))
        missing = pd.isna(values)
        if missing.any():
            rows[np.asarray(missing)] = self.missing_row
        return rows.astype(np.int64)

    def _error(self, problem: str) -> SamverkanError:
        return SamverkanError(problem, file=self.source, column=self.name)

    def __repr__(self) -> str:
        return f"Hierarchy(name={self.name!r}, size={self.size}, levels={self.levels})"
