"""The quasi-identifier frequency table that the lattice search works on.

Why: evaluating a transformation on rows costs O(rows); on the distinct combinations of
quasi-identifier values it costs O(distinct combinations). This module reads a table once
into that frequency table: per quasi-identifier the hierarchy row of every value, the count
of every distinct combination, the combination of every record (to write the output) and,
per sensitive attribute, the value distribution inside every combination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.kanon.grouping import (
    first_index,
    fits,
    group_ids,
    group_keys,
    pack,
    unpack,
)
from pipelines.anonymise.kanon.hierarchy import Hierarchy
from pipelines.errors import SamverkanError

#: Budget for cached generalised code columns (bytes).
CACHE_BYTES = 256 * 1024 * 1024


@dataclass
class SensitiveDistribution:
    """Distribution of one sensitive attribute within each QI combination.

    ``values`` are the distinct values in their natural order (numbers numerically,
    text lexically, missing last): that order is the ground order of ordered-distance
    t-closeness. ``pair_*`` hold one entry per (combination, value) present.
    """

    name: str
    values: list[object]
    pair_combo: np.ndarray
    pair_value: np.ndarray
    pair_count: np.ndarray
    totals: np.ndarray

    @property
    def n_values(self) -> int:
        return len(self.values)


@dataclass
class FrequencyTable:
    """Distinct QI combinations (as hierarchy row indices) with their counts."""

    names: list[str]
    hierarchies: list[Hierarchy]
    combos: np.ndarray
    counts: np.ndarray
    record_combo: np.ndarray
    sensitive: dict[str, SensitiveDistribution]
    #: Data subjects: the subject of every combination (then a combination is one
    #: subject's distinct QI values, and classes count distinct subjects), or None when
    #: every record is its own subject.
    subject_of_combo: np.ndarray | None = None
    n_subjects: int = 0
    _cache: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)
    _cache_bytes: int = field(default=0, repr=False)

    @property
    def n_records(self) -> int:
        return int(self.counts.sum())

    @property
    def by_subject(self) -> bool:
        return self.subject_of_combo is not None

    @property
    def n_units(self) -> int:
        """What privacy figures count: distinct subjects, or records."""
        return self.n_subjects if self.by_subject else self.n_records

    @property
    def n_combos(self) -> int:
        return len(self.counts)

    @property
    def dims(self) -> int:
        return len(self.names)

    def generalised(self, dim: int, level: int) -> np.ndarray:
        """Code of every combination's value of QI ``dim`` at ``level``."""
        if level == 0:
            return self.combos[:, dim]
        cached = self._cache.get((dim, level))
        if cached is not None:
            return cached
        codes = self.hierarchies[dim].codes(level)
        dtype = np.int32 if len(codes) < 2**31 else np.int64
        result = codes.astype(dtype)[self.combos[:, dim]]
        if self._cache_bytes + result.nbytes <= CACHE_BYTES:
            self._cache[(dim, level)] = result
            self._cache_bytes += result.nbytes
        return result

    def value_counts(self, dim: int) -> np.ndarray:
        """Records per hierarchy row of QI ``dim``."""
        size = self.hierarchies[dim].size
        return np.bincount(self.combos[:, dim], weights=self.counts, minlength=size)


def _as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Values as strings the way a hierarchy file writes them (39.0 -> "39")."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_floating(array.type):
        valid = pc.drop_null(array)
        if len(valid) == 0 or pc.all(pc.equal(pc.floor(valid), valid)).as_py():
            finite = pc.all(pc.is_finite(valid)).as_py() if len(valid) else True
            if finite:
                array = pc.cast(array, pa.int64())
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = pc.cast(array, pa.string())
    return array


def _encode(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode: (index per record, -1 for missing; dictionary)."""
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):  # pragma: no cover - arrays stay arrays
        encoded = encoded.combine_chunks()
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return indices.astype(np.int64, copy=False), encoded.dictionary


def _text_dictionary(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array] | None:
    """(index per record, -1 for missing; dictionary) of a text dictionary column whose
    dictionary holds no missing value; None for any other column."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(array.type):
        return None
    value_type = array.type.value_type
    if not (pa.types.is_string(value_type) or pa.types.is_large_string(value_type)):
        return None
    if array.dictionary.null_count:
        return None
    indices = pc.fill_null(array.indices, -1).to_numpy(zero_copy_only=False)
    return indices.astype(np.int64, copy=False), array.dictionary


def _qi_rows(
    table: pa.Table, name: str, hierarchy: Hierarchy, source: str | None
) -> tuple[np.ndarray, Hierarchy]:
    """Hierarchy row of every record of column ``name`` (extends the hierarchy if needed).

    A dictionary column of text (e.g. a quasi-identifier at its lowest level, encoded) is
    used as it is, without decoding a string per record.
    """
    column = table.column(name)
    encoded = _text_dictionary(column)
    if encoded is not None:
        indices, dictionary = encoded
    else:
        indices, dictionary = _encode(_as_text(column))
    rows_of_dict = hierarchy.lookup(np.asarray(dictionary.to_pylist(), dtype=object))
    unknown = rows_of_dict < 0
    if unknown.any():
        records = int(np.isin(indices, np.flatnonzero(unknown)).sum())
        raise SamverkanError(
            f"{records} record(s) hold values missing from the hierarchy "
            f"{hierarchy.source or '(in-memory)'}",
            file=source,
            column=name,
        )
    missing = indices < 0
    if missing.any() and hierarchy.missing_row < 0:
        hierarchy = hierarchy.with_missing_row()
    lookup = np.append(rows_of_dict, hierarchy.missing_row)
    if hierarchy.size < 2**31:  # half the memory per record
        lookup = lookup.astype(np.int32)
    return lookup[indices], hierarchy


def _sensitive(
    table: pa.Table, name: str, record_combo: np.ndarray, n_combos: int
) -> SensitiveDistribution:
    array = table.column(name).combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    indices, dictionary = _encode(array)
    order = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty(len(dictionary), dtype=np.int64)
    rank[order] = np.arange(len(dictionary))
    values: list[object] = [dictionary[int(i)].as_py() for i in order]
    n_values = len(values)
    value = np.where(indices < 0, n_values, rank[np.maximum(indices, 0)])
    if (indices < 0).any():
        values.append(None)
        n_values += 1
    key = record_combo * n_values + value
    ids, pair_key = group_keys(key, n_combos * n_values)
    counts = np.bincount(ids, minlength=len(pair_key)).astype(np.int64)
    totals = np.bincount(value, minlength=n_values).astype(np.int64)
    return SensitiveDistribution(
        name=name,
        values=values,
        pair_combo=pair_key // n_values,
        pair_value=pair_key % n_values,
        pair_count=counts,
        totals=totals,
    )


def build_frequency_table(
    table: pa.Table,
    quasi_identifiers: Mapping[str, Hierarchy],
    sensitive: Sequence[str] = (),
    *,
    source: str | None = None,
    subjects: np.ndarray | None = None,
) -> FrequencyTable:
    """Read ``table`` into the frequency table of its quasi-identifiers.

    ``subjects`` (a code ``0..S-1`` per record) makes the table subject-level: a
    combination is then one subject's distinct combination of QI values, so that a
    class can count the distinct subjects it holds."""
    if not quasi_identifiers:
        raise SamverkanError("no quasi-identifier given", file=source)
    for name in [*quasi_identifiers, *sensitive]:
        if name not in table.column_names:
            raise SamverkanError("column not in the input", file=source, column=name)
    overlap = set(quasi_identifiers) & set(sensitive)
    if overlap:
        raise SamverkanError(
            "column is both quasi-identifier and sensitive", file=source, column=min(overlap)
        )
    names = list(quasi_identifiers)
    rows: list[np.ndarray] = []
    hierarchies: list[Hierarchy] = []
    for name in names:
        record_rows, hierarchy = _qi_rows(table, name, quasi_identifiers[name], source)
        rows.append(record_rows)
        hierarchies.append(hierarchy)
    sizes = [h.size for h in hierarchies]
    if table.num_rows == 0:
        raise SamverkanError("the input has no records", file=source)
    subject_of_combo = None
    n_subjects = 0
    if subjects is not None:
        subjects = np.asarray(subjects, dtype=np.int64)
        if len(subjects) != table.num_rows or (len(subjects) and subjects.min() < 0):
            raise SamverkanError("subject codes do not match the records", file=source)
        n_subjects = int(subjects.max()) + 1 if len(subjects) else 0
        rows = [*rows, subjects]
        sizes = [*sizes, max(n_subjects, 1)]
    key, space = pack(rows, sizes)
    if subjects is not None:
        record_combo, n_combos = group_ids(key, space)
        first = first_index(record_combo, n_combos)
        combos = np.stack([r[first] for r in rows[:-1]], axis=1).astype(np.int64)
        subject_of_combo = subjects[first]
    elif fits(sizes):
        record_combo, keys = group_keys(key, space)
        n_combos = len(keys)
        combos = unpack(keys, sizes)
    else:
        record_combo, n_combos = group_ids(key, space)
        first = first_index(record_combo, n_combos)
        combos = np.stack([r[first] for r in rows], axis=1).astype(np.int64)
    counts = np.bincount(record_combo, minlength=n_combos).astype(np.int64)
    dists = {s: _sensitive(table, s, record_combo, n_combos) for s in sensitive}
    return FrequencyTable(
        names=names,
        hierarchies=hierarchies,
        combos=combos,
        counts=counts,
        record_combo=record_combo,
        sensitive=dists,
        subject_of_combo=subject_of_combo,
        n_subjects=n_subjects,
    )
