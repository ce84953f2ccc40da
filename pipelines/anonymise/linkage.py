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

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.generalise import SUPPRESSED, generalise
from pipelines.anonymise.kanon.grouping import group_columns
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


def _class_ids(columns: list[pa.Array]) -> np.ndarray:
    """One dense id per distinct combination of the columns (missing is a value)."""
    codes, cards = [], []
    for column in columns:
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        codes.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64))
        cards.append(len(encoded.dictionary))
    ids, _ = group_columns(codes, cards)
    return ids


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
    records = raw.num_rows
    if release.num_rows != records:
        raise SamverkanError(
            "the linkage drill needs the raw extract and the release row for row",
            dataset=spec.name,
        )
    if levels is None:
        levels = {n: release_level(raw, release, spec, n) for n in names}
    report: dict[str, object] = {
        "attacker": "knows the public attributes of every person at their original values "
        "and generalises them as the release did",
        "public_attributes": names,
        "levels": {n: int(levels[n]) for n in names},
        "records": records,
    }
    if not names or records == 0:
        return report | {"performed": False}

    combined = [
        pa.concat_arrays(
            [
                _text(generalise(raw.column(n), spec.column(n).hierarchy or [], levels[n])),
                _text(release.column(n)),
            ]
        )
        for n in names
    ]
    ids = _class_ids(combined)
    attacker, published = ids[:records], ids[records:]
    candidates = np.bincount(published, minlength=int(ids.max()) + 1)[attacker]
    matched = candidates >= 1
    unique = candidates == 1
    own_class = published == attacker  # the person's own release record is a candidate
    below_k = matched & (candidates < spec.anonymisation.k)
    inverse = np.zeros(records)
    inverse[matched] = 1.0 / candidates[matched]
    uniques = int(unique.sum())
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
