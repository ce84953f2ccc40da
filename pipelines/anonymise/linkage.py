"""Linkage drill: can an attacker with public-register facts single out release records?

The attacker knows, for every person in the raw extract, the attributes the spec lists in
``anonymisation.public_attributes`` (birth year or age, sex, district: facts found in
public registers) at their original values. They generalise them exactly as the release
did and look each person up among the release records. The drill reports how many people
match exactly one release record, how many match fewer than k, and the expected share
re-identified when the attacker picks one of the matching records at random. Raw and
release rows are in the same order, so the drill also knows which matches are correct.
The result holds shares and counts only, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.generalise import SUPPRESSED, generalise
from pipelines.anonymise.kanon.grouping import fits, group_columns, pack
from pipelines.errors import SamverkanError
from pipelines.specs.model import DatasetSpec


def _text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return pc.cast(column, pa.string())


def _same(left: pa.Array, right: pa.Array) -> np.ndarray:
    """Elementwise equality where two missing values are equal."""
    equal = pc.fill_null(pc.equal(left, right), False).to_numpy(zero_copy_only=False)
    both_null = pc.and_(pc.is_null(left), pc.is_null(right)).to_numpy(zero_copy_only=False)
    return equal | both_null


def release_level(raw: pa.Table, release: pa.Table, spec: DatasetSpec, name: str) -> int:
    """The lowest level of ``name``'s ladder that reproduces its unsuppressed release values."""
    column = spec.column(name)
    ladder = column.hierarchy or []
    published = _text(release.column(name))
    compared = pc.fill_null(pc.not_equal(published, SUPPRESSED), True)
    compared = compared.to_numpy(zero_copy_only=False)
    if not compared.any():
        return len(ladder)
    for level in range(len(ladder) + 1):
        known = generalise(raw.column(name), ladder, level)
        if _same(known, published)[compared].all():
            return level
    raise SamverkanError(
        "the release does not match any level of the column's hierarchy",
        dataset=spec.name,
        column=name,
    )


def _generalise_distinct(
    column: pa.Array | pa.ChunkedArray, ladder: list[object], level: int
) -> pa.Array:
    """``generalise`` applied to the distinct values only, then spread over the rows."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    labels = generalise(encoded.dictionary, ladder, level)
    return pc.take(labels, encoded.indices)


def _unified_codes(attacker: pa.Array, published: pa.Array) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of both sides in one code space (missing is a value), and its size."""
    a = pc.dictionary_encode(attacker, null_encoding="encode")
    p = pc.dictionary_encode(published, null_encoding="encode")
    both = pc.dictionary_encode(
        pa.concat_arrays([a.dictionary, p.dictionary]), null_encoding="encode"
    )
    index = both.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    split = len(a.dictionary)
    codes_a = index[:split][a.indices.to_numpy(zero_copy_only=False)]
    codes_p = index[split:][p.indices.to_numpy(zero_copy_only=False)]
    return codes_a, codes_p, len(both.dictionary)


def _class_keys(
    attacker: list[pa.Array], published: list[pa.Array]
) -> tuple[np.ndarray, np.ndarray]:
    """Class keys of the attacker's and the release's records, comparable across both."""
    return _keys_from_codes(
        [_unified_codes(a, p) for a, p in zip(attacker, published, strict=True)]
    )


def _keys_from_codes(
    columns: list[tuple[np.ndarray, np.ndarray, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """Class keys from each column's ``_unified_codes``."""
    codes_a = [a for a, _, _ in columns]
    codes_p = [p for _, p, _ in columns]
    cards = [n for _, _, n in columns]
    if fits(cards):
        return pack(codes_a, cards)[0], pack(codes_p, cards)[0]
    records = len(codes_a[0])
    combined = [np.concatenate([a, p]) for a, p in zip(codes_a, codes_p, strict=True)]
    ids, _ = group_columns(combined, cards)
    return ids[:records], ids[records:]


def linkage_drill(
    raw: pa.Table,
    release: pa.Table,
    spec: DatasetSpec,
    *,
    levels: Mapping[str, int] | None = None,
) -> dict[str, object]:
    """Match every raw record's public attributes against the release (value-free figures).

    ``levels`` gives the release level of each public attribute (as in the policy report's
    ``transformation``); without it the levels are read off the release.
    """
    names = list(spec.anonymisation.public_attributes)
    if release.num_rows != raw.num_rows:
        raise SamverkanError(
            "the linkage drill needs the raw extract and the release row for row",
            dataset=spec.name,
        )
    if levels is None:
        levels = {n: release_level(raw, release, spec, n) for n in names}
    return linkage_drill_columns(
        lambda n: raw.column(n), lambda n: release.column(n), raw.num_rows, spec, levels=levels
    )


def linkage_drill_columns(
    raw_column: Callable[[str], pa.Array | pa.ChunkedArray],
    release_column: Callable[[str], pa.Array | pa.ChunkedArray],
    records: int,
    spec: DatasetSpec,
    *,
    levels: Mapping[str, int],
    subjects: np.ndarray | None = None,
) -> dict[str, object]:
    """The drill from one column at a time (``raw_column(name)``, ``release_column(name)``,
    both ``records`` long and row for row), so only the public attributes are in memory.

    With ``subjects`` (a code per record) the attacker targets people: a person's
    candidates are the distinct subjects among the release records matching what the
    attacker knows of any one of the person's records, and every figure is a share of
    subjects (``subject_*``) beside the record-level figures."""
    names = list(spec.anonymisation.public_attributes)
    report: dict[str, object] = {
        "attacker": "knows the public attributes of every person at their original values "
        "and generalises them as the release did",
        "public_attributes": names,
        "levels": {n: int(levels[n]) for n in names},
        "records": records,
    }
    if not names or records == 0:
        return report | {"performed": False}

    codes = []
    for n in names:  # one column pair as text at a time; only its codes are kept
        known = _text(
            _generalise_distinct(raw_column(n), spec.column(n).hierarchy or [], levels[n])
        )
        a, p, cardinality = _unified_codes(known, _text(release_column(n)))
        del known
        codes.append((a.astype(np.int32), p.astype(np.int32), cardinality))
    attacker, published = _keys_from_codes(codes)
    del codes
    keys, counts = np.unique(published, return_counts=True)
    where = np.minimum(np.searchsorted(keys, attacker), len(keys) - 1)
    candidates = np.where(keys[where] == attacker, counts[where], 0)
    matched = candidates >= 1
    unique = candidates == 1
    own_class = published == attacker  # the person's own release record is a candidate
    below_k = matched & (candidates < spec.anonymisation.k)
    inverse = np.zeros(records)
    inverse[matched] = 1.0 / candidates[matched]
    uniques = int(unique.sum())
    if subjects is not None:
        report |= _subject_figures(attacker, published, subjects, spec.anonymisation.k)
    return report | {
        "performed": True,
        "matched_share": float(matched.mean()),
        "matched_uniquely": uniques,
        "matched_uniquely_share": float(unique.mean()),
        "matched_below_k_share": float(below_k.mean()),
        "unique_matches_correct_share": (
            float((unique & own_class).sum() / uniques) if uniques else None
        ),
        "expected_reidentification_share": float(inverse.sum() / records),
        "expected_correct_reidentification_share": float(inverse[own_class].sum() / records),
    }


def distinct_subjects_per_key(
    keys: np.ndarray, subjects: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct keys, number of distinct subjects holding each)."""
    n_subjects = int(subjects.max()) + 1 if len(subjects) else 1
    distinct_keys, inverse = np.unique(keys, return_inverse=True)
    pairs = np.unique(inverse.astype(np.int64) * n_subjects + subjects)
    counts = np.bincount(pairs // n_subjects, minlength=len(distinct_keys))
    return distinct_keys, counts


def _subject_figures(
    attacker: np.ndarray, published: np.ndarray, subjects: np.ndarray, k: int
) -> dict[str, object]:
    """Per person: the fewest distinct subjects the attacker is left with, over the
    person's records (a suppressed or unmatched record leaves no candidate)."""
    keys, counts = distinct_subjects_per_key(published, subjects)
    where = np.minimum(np.searchsorted(keys, attacker), len(keys) - 1)
    candidates = np.where(keys[where] == attacker, counts[where], 0)
    n_subjects = int(subjects.max()) + 1 if len(subjects) else 0
    big = np.iinfo(np.int64).max
    fewest = np.full(n_subjects, big, dtype=np.int64)
    np.minimum.at(fewest, subjects, np.where(candidates >= 1, candidates, big))
    matched = fewest < big
    unique = fewest == 1
    inverse = np.zeros(n_subjects)
    inverse[matched] = 1.0 / fewest[matched]
    return {
        "subjects": n_subjects,
        "subject_matched_share": float(matched.mean()) if n_subjects else 0.0,
        "subjects_singled_out": int(unique.sum()),
        "subjects_singled_out_share": float(unique.mean()) if n_subjects else 0.0,
        "subjects_below_k_share": float((matched & (fewest < k)).mean()) if n_subjects else 0.0,
        "subject_expected_reidentification_share": float(inverse.mean()) if n_subjects else 0.0,
    }
