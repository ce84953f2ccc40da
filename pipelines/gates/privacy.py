"""The privacy gate: re-checks the release candidate per data subject, as an attacker would.

Why its own module: the anonymisation step decides; this gate checks what was written,
reading the candidate's columns one at a time and joining each released record back to
its source record (the raw zone keeps the source row of every candidate record, since
releases are shuffled). It checks, counting distinct data subjects:
- every class of released quasi-identifier values holds at least k subjects (the class of
  suppressed records, all ``*``, aside);
- a subject whose records are suppressed is suppressed on all of them, and at most the
  suppression limit of subjects is;
- ``per_subject`` columns carry one value per subject; l-diversity counts subjects;
- the release order says nothing of the source order (rank correlation about 0);
- attacker (a), who knows every released categorical and date column of a person, singles
  out at most ``attacker_unique_limit`` of the subjects (open tier; the report names the
  columns that make them unique); attacker (b), who also knows the measures, is reported.
Every figure is a count or a share; no value leaves the raw zone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.anonymise.generalise import SUPPRESSED
from pipelines.anonymise.policy import release_columns
from pipelines.anonymise.row_order import read_source_rows
from pipelines.anonymise.subjects import subject_codes
from pipelines.errors import ValidationFailed
from pipelines.publish.parquet import read_column
from pipelines.specs.model import DatasetSpec, Tier

#: Below this many records the order check is not meaningful.
ORDER_CHECK_MIN = 200
#: Largest absolute rank correlation between release and source positions accepted.
ORDER_LIMIT = 0.1


def _codes(path: Path, name: str) -> tuple[np.ndarray, int, np.ndarray]:
    """(code of every row, number of codes, is ``*``) of one candidate column."""
    column = read_column(path, name).combine_chunks()
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    dictionary = encoded.dictionary
    if pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type):
        starred = pc.fill_null(pc.equal(dictionary, SUPPRESSED), False)
        star = np.append(starred.to_numpy(zero_copy_only=False), False)
    else:
        star = np.zeros(len(dictionary) + 1, dtype=bool)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, len(dictionary), star[codes]


def _combine(key: np.ndarray, codes: np.ndarray, cardinality: int) -> np.ndarray:
    key = key * max(cardinality, 1) + codes
    _, dense = np.unique(key, return_inverse=True)  # dense again: never overflows
    return dense.astype(np.int64).reshape(-1)


def _subjects_per_key(key: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    """Per row: how many distinct subjects share its key."""
    n_subjects = int(subjects.max()) + 1 if len(subjects) else 1
    pairs = np.unique(key * n_subjects + subjects)
    per_key = np.bincount(pairs // n_subjects, minlength=int(key.max()) + 1 if len(key) else 0)
    return per_key[key]


def _unique_subjects(key: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    """Per subject: does one of its rows carry a key no other subject has?"""
    n_subjects = int(subjects.max()) + 1 if len(subjects) else 0
    alone = _subjects_per_key(key, subjects) == 1
    unique = np.zeros(n_subjects, dtype=bool)
    unique[subjects[alone]] = True
    return unique


def attacker_drill(
    columns: dict[str, tuple[np.ndarray, int]], subjects: np.ndarray
) -> dict[str, Any]:
    """Share of subjects singled out by an attacker who knows ``columns`` of a person
    (codes per released row); and per column, the share left if it were not released."""
    n_subjects = int(subjects.max()) + 1 if len(subjects) else 0
    if not columns or not n_subjects:
        return {"columns": list(columns), "subjects_unique": 0, "unique_share": 0.0}

    def key_of(names: list[str]) -> np.ndarray:
        key = np.zeros(len(subjects), dtype=np.int64)
        for name in names:
            codes, cardinality = columns[name]
            key = _combine(key, codes, cardinality)
        return key

    names = list(columns)
    present = len(np.unique(subjects))  # the subjects with a record in the release
    unique = _unique_subjects(key_of(names), subjects)
    report: dict[str, Any] = {
        "columns": names,
        "subjects_unique": int(unique.sum()),
        "unique_share": float(unique.sum() / present),
    }
    if unique.any() and len(names) > 1:
        without = {
            name: float(
                _unique_subjects(key_of([n for n in names if n != name]), subjects).sum() / present
            )
            for name in names
        }
        report["unique_share_without"] = dict(sorted(without.items(), key=lambda kv: kv[1]))
    return report


def _fail(spec: DatasetSpec, problem: str) -> ValidationFailed:
    return ValidationFailed(f"privacy gate: {problem}", dataset=spec.name)


def privacy_gate(
    spec: DatasetSpec,
    tier: Tier,
    candidate: Path,
    extract: Path,
    source_rows_path: Path,
    transformation: dict[str, int],
) -> dict[str, Any]:
    """Check the candidate (see the module docstring); return the value-free report."""
    released = release_columns(spec, tier)
    expected = [c.name for c in released]
    if pq.read_schema(candidate).names != expected:
        raise _fail(spec, "release candidate has unexpected columns")
    rows = pq.read_metadata(candidate).num_rows
    policy = spec.anonymisation
    if rows == 0:
        return {"k_checked": None, "suppressed_records": 0, "unit": "subjects"}

    source_rows = read_source_rows(source_rows_path)
    records = pq.read_metadata(extract).num_rows
    if (
        len(source_rows) != rows
        or len(np.unique(source_rows)) != rows
        or (rows and (source_rows.min() < 0 or source_rows.max() >= records))
    ):
        raise _fail(spec, "the candidate's source rows do not match its records")
    by_subject = bool(spec.subject_columns)
    subject_of_source = subject_codes(lambda n: read_column(extract, n), spec, int(records))
    if subject_of_source is None:
        subject_of_source = np.arange(records, dtype=np.int64)
    subjects = subject_of_source[source_rows]
    # records left out of the candidate (blank: every value suppressed) are suppressed ones
    left_out = np.ones(records, dtype=bool)
    left_out[source_rows] = False
    n_subjects = int(subject_of_source.max()) + 1
    report: dict[str, Any] = {
        "unit": "subjects" if by_subject else "records",
        "subjects": n_subjects,
        "records": int(records),
        "released_records": int(rows),
    }

    # release order against source order
    if rows >= ORDER_CHECK_MIN:
        rho = float(np.corrcoef(np.arange(rows), source_rows)[0, 1])
        report["order_rank_correlation"] = round(rho, 4)
        if abs(rho) > ORDER_LIMIT:
            raise _fail(spec, f"release order follows the source order (correlation {rho:.2f})")

    qis = [c for c in released if c.role == "quasi_identifier"]
    levels = {c.name: transformation.get(c.name) for c in qis}
    coded: dict[str, tuple[np.ndarray, int]] = {}
    if qis:
        key = np.zeros(rows, dtype=np.int64)
        starred_all = np.ones(rows, dtype=bool)
        for column in qis:
            codes, cardinality, starred = _codes(candidate, column.name)
            coded[column.name] = (codes, cardinality)
            starred_all &= starred
            key = _combine(key, codes, cardinality)
            if column.per_subject and by_subject:
                pairs = len(np.unique(subjects * (cardinality + 1) + codes))
                if pairs != len(np.unique(subjects)):
                    raise _fail(spec, f"column {column.name} varies within a subject (per_subject)")
        tops = [
            levels[c.name] is not None and levels[c.name] >= len(c.hierarchy or []) for c in qis
        ]
        suppressed_rows = starred_all if not all(tops) else np.zeros(rows, dtype=bool)
        suppressed_subject = np.zeros(n_subjects, dtype=bool)
        suppressed_subject[subjects[suppressed_rows]] = True
        suppressed_subject[subject_of_source[left_out]] = True
        partial = suppressed_subject[subjects] & ~suppressed_rows
        if partial.any():
            raise _fail(
                spec,
                f"{int(np.unique(subjects[partial]).size)} subject(s) are suppressed on some "
                "records but not on all",
            )
        kept = ~suppressed_rows
        if kept.any():
            per_row = _subjects_per_key(key[kept], subjects[kept])
            k_checked = int(per_row.min())
        else:
            k_checked = None
        share = float(suppressed_subject.mean())
        report |= {
            "k_checked": k_checked,
            "suppressed_subjects": int(suppressed_subject.sum()),
            "suppressed_records": int(suppressed_rows.sum() + left_out.sum()),
            "records_left_out": int(left_out.sum()),
            "suppressed_share": share,
        }
        if k_checked is not None and k_checked < policy.k:
            raise _fail(spec, f"a class holds {k_checked} data subject(s), below k={policy.k}")
        if share > policy.suppression_limit + 1e-12:
            raise _fail(
                spec,
                f"{share:.1%} of data subjects suppressed, above the limit "
                f"{policy.suppression_limit:.1%}",
            )
        if policy.l_diversity and policy.l_variant == "distinct" and kept.any():
            l_checked: dict[str, int] = {}
            for column in released:
                if column.role != "sensitive":
                    continue
                codes, cardinality, _ = _codes(candidate, column.name)
                coded[column.name] = (codes, cardinality)  # attackers (a)/(b) reuse it
                # distinct (class, value) pairs, counted per class (classes are dense codes)
                pairs = np.unique(key[kept] * (cardinality + 1) + codes[kept])
                per_class = np.bincount(pairs // (cardinality + 1))
                l_checked[column.name] = int(per_class[per_class > 0].min())
                if l_checked[column.name] < policy.l_diversity:
                    raise _fail(
                        spec,
                        f"a class holds {l_checked[column.name]} distinct value(s) of "
                        f"{column.name}, below l={policy.l_diversity}",
                    )
            report["l_checked"] = l_checked
    else:
        report |= {"k_checked": None, "suppressed_subjects": 0, "suppressed_records": 0}

    # attackers (a) and (b): everything released but free text and pseudonyms; (b) adds measures
    known_a: dict[str, tuple[np.ndarray, int]] = {}
    measures: dict[str, tuple[np.ndarray, int]] = {}
    for column in released:
        if column.role in ("free_text", "direct_identifier"):
            continue
        if column.name not in coded:
            codes, cardinality, _ = _codes(candidate, column.name)
            coded[column.name] = (codes, cardinality)
        (measures if column.role == "measure" else known_a)[column.name] = coded[column.name]
    attacker_a = attacker_drill(known_a, subjects)
    attacker_a["attacker"] = "knows every released categorical and date column of a person"
    attacker_b = attacker_drill({**known_a, **measures}, subjects)
    attacker_b["attacker"] = "knows every released column of a person but free text"
    attacker_a["limit"] = policy.attacker_unique_limit
    report["attacker_a"] = attacker_a
    report["attacker_b"] = attacker_b
    # blocks where the spec declares its data subject (every shipped spec does); a spec
    # without one gets the figures only
    personal = spec.subject is not None and spec.subject.personal_data
    if tier == "open" and personal and attacker_a["unique_share"] > policy.attacker_unique_limit:
        worst = list(attacker_a.get("unique_share_without", {}))[:3]
        raise _fail(
            spec,
            f"{attacker_a['unique_share']:.1%} of data subjects are unique to an attacker who "
            f"knows every released categorical and date column (limit "
            f"{policy.attacker_unique_limit:.1%}); most singling out: {', '.join(worst)}",
        )
    return report
