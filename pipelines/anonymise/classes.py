"""Equivalence classes: rows that share every quasi-identifier value.

Each quasi-identifier is dictionary-encoded (missing values are a value of their own) and
the codes are combined into one integer key, so class sizes are
numpy operations over the whole column at once, not Python loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Classes:
    ids: np.ndarray  # class id of every row
    sizes: np.ndarray  # size of every class, indexed by class id

    @property
    def row_sizes(self) -> np.ndarray:
        return self.sizes[self.ids]


def _codes(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int]:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), len(encoded.dictionary)


def _combine(columns: list[pa.Array | pa.ChunkedArray], rows: int) -> np.ndarray:
    key = np.zeros(rows, dtype=np.int64)
    for column in columns:
        codes, cardinality = _codes(column)
        key = key * max(cardinality, 1) + codes
        # Re-densify so the mixed-radix key never overflows int64.
        _, key = np.unique(key, return_inverse=True)
        key = key.astype(np.int64)
    return key


def equivalence_classes(table: pa.Table, qi_names: list[str]) -> Classes:
    rows = table.num_rows
    if not qi_names:
        return Classes(ids=np.zeros(rows, dtype=np.int64), sizes=np.array([rows]))
    key = _combine([table.column(n) for n in qi_names], rows)
    _, ids, sizes = np.unique(key, return_inverse=True, return_counts=True)
    return Classes(ids=ids.astype(np.int64), sizes=sizes)

