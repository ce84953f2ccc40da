"""Data subjects: who a record belongs to, and each subject's reference record.

Why: municipal registers hold many records per person (months, decisions). Privacy is
counted over people, so the policy needs a subject code per record (from the spec's
``subject.columns``; a record with a missing key is a subject of its own) and, for columns
whose value must be the same on all of a subject's records (``per_subject``), the record
the value is taken from: the subject's first record by ``subject.order_by``, then by
source order. Codes and row numbers only; no value leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.kanon.grouping import group_columns
from pipelines.specs.model import DatasetSpec

RawColumn = Callable[[str], pa.Array | pa.ChunkedArray]


def _codes(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int, np.ndarray]:
    """(code per record, cardinality, is missing) of one column."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    missing = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    codes = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, max(len(encoded.dictionary), 1), missing


def subject_codes(raw_column: RawColumn, spec: DatasetSpec, records: int) -> np.ndarray | None:
    """A dense subject code ``0..S-1`` per record, or None when each record is its own
    subject. Records with any key column missing are each a subject of their own."""
    names = spec.subject_columns
    if not names:
        return None
    columns, cards = [], []
    missing = np.zeros(records, dtype=bool)
    for name in names:
        codes, card, absent = _codes(raw_column(name))
        columns.append(codes)
        cards.append(card)
        missing |= absent
    if missing.any():  # a record without a key: its own subject, never merged with another
        columns.append(np.where(missing, np.arange(records, dtype=np.int64), 0))
        cards.append(records)
    ids, _ = group_columns(columns, cards)
    # renumber by first appearance, so codes do not depend on value order
    _, first = np.unique(ids, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[ids]


def reference_rows(subjects: np.ndarray, raw_column: RawColumn, order_by: list[str]) -> np.ndarray:
    """Per subject, the row number of its reference record: its first record ordered by
    ``order_by`` (missing values last), then by position in the source."""
    records = len(subjects)
    keys: list[np.ndarray] = [np.arange(records)]
    for name in reversed(order_by):
        column = raw_column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        # a stable sort: equal values keep source order, which is the next key anyway
        order = pc.array_sort_indices(column, order="ascending", null_placement="at_end")
        rank = np.empty(records, dtype=np.int64)
        rank[order.to_numpy(zero_copy_only=False)] = np.arange(records, dtype=np.int64)
        keys.append(rank)
    keys.append(subjects)
    order = np.lexsort(keys)
    sorted_subjects = subjects[order]
    starts = np.r_[True, sorted_subjects[1:] != sorted_subjects[:-1]]
    reference = np.empty(int(subjects.max()) + 1 if records else 0, dtype=np.int64)
    reference[sorted_subjects[starts]] = order[starts]
    return reference


def at_reference(
    column: pa.Array | pa.ChunkedArray, subjects: np.ndarray, reference: np.ndarray
) -> pa.Array:
    """The column with every record's value replaced by its subject's reference value."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.take(pa.array(reference[subjects]))
