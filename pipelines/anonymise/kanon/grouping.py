"""Group-by on integer code columns: the one hot loop of the engine.

Why a module of its own: building the frequency table, evaluating a transformation and
rolling up sensitive values all reduce to "which rows share the same tuple of codes".
Codes are packed into one int64 key (mixed radix); small key spaces use a dense remap,
large ones pandas' hash factorize. Key spaces beyond int64 are compressed as they grow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_MAX_SPACE = 1 << 62
_DENSE_LIMIT = 1 << 22


def dense_ids(key: np.ndarray, space: int) -> tuple[np.ndarray, int]:
    """Group ids for keys in ``[0, space)`` (ids follow key order)."""
    present = np.zeros(space, dtype=bool)
    present[key] = True
    remap = np.cumsum(present, dtype=np.int64)
    n = int(remap[-1]) if space else 0
    remap -= 1
    return remap[key], n


def group_ids(key: np.ndarray, space: int) -> tuple[np.ndarray, int]:
    """Group ids ``0..n-1`` for non-negative int64 keys below ``space``."""
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64), 0
    if space <= max(4 * len(key), 1 << 16) and space <= _DENSE_LIMIT:
        return dense_ids(key, space)
    codes, uniques = pd.factorize(key, sort=False)
    return codes.astype(np.int64, copy=False), len(uniques)


def group_keys(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`group_ids` but returns the distinct key of every group instead of n."""
    if space <= max(4 * len(key), 1 << 16) and space <= _DENSE_LIMIT:
        present = np.zeros(space, dtype=bool)
        present[key] = True
        uniques = np.flatnonzero(present)
        remap = np.cumsum(present, dtype=np.int64) - 1
        return remap[key], uniques
    codes, uniques = pd.factorize(key, sort=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=np.int64)


def unpack(keys: np.ndarray, cardinalities: Sequence[int]) -> np.ndarray:
    """Inverse of :func:`pack` when no compression happened: (len(keys), D) codes."""
    out = np.zeros((len(keys), len(cardinalities)), dtype=np.int64)
    rest = keys.copy()
    for dim in range(len(cardinalities) - 1, -1, -1):
        card = cardinalities[dim]
        if card <= 1:
            continue
        rest, out[:, dim] = np.divmod(rest, card)
    return out


def fits(cardinalities: Sequence[int]) -> bool:
    """Whether :func:`pack` keeps the exact mixed-radix key (no compression)."""
    space = 1
    for card in cardinalities:
        space *= max(card, 1)
    return space <= _MAX_SPACE


def pack(columns: Sequence[np.ndarray], cardinalities: Sequence[int]) -> tuple[np.ndarray, int]:
    """Pack code columns into one key; returns (key, key space).

    Columns whose cardinality is 1 are skipped. When the space would pass 2**62 the key
    built so far is replaced by its group ids, so the result always fits in int64.
    """
    if not columns:
        raise ValueError("nothing to pack")
    key: np.ndarray | None = None
    space = 1
    for column, card in zip(columns, cardinalities, strict=True):
        if card <= 1:
            continue
        if key is None:
            key = column.astype(np.int64, copy=True)
            space = card
            continue
        if space * card > _MAX_SPACE:
            key, space = group_ids(key, space)
        key *= card
        key += column
        space *= card
    if key is None:
        return np.zeros(len(columns[0]), dtype=np.int64), 1
    return key, space


def group_columns(
    columns: Sequence[np.ndarray], cardinalities: Sequence[int]
) -> tuple[np.ndarray, int]:
    """Group ids of the rows of the given code columns."""
    key, space = pack(columns, cardinalities)
    return group_ids(key, space)


def first_index(ids: np.ndarray, n: int) -> np.ndarray:
    """Index of the first row of every group."""
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    result = order[starts]
    if len(result) != n:  # pragma: no cover - ids must be dense
        raise ValueError("group ids are not dense")
    return result
