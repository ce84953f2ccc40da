"""Apply a dataset spec's anonymisation policy to the extracted table.

Direct identifiers are dropped (open tier) or replaced by project pseudonyms (project
tier); free text is dropped, or scrubbed and put under the columns' policy
(``text_policy``) in the tiers it ships in. The quasi-identifiers go to the k-anonymity engine
(``pipelines.anonymise.kanon``) with a hierarchy built from each column's spec ladder:
a fixed ``level`` pins the column to exactly that level, ``level: auto`` lets the engine
search (between ``min_level`` and ``max_level``) for the transformation of least
information loss that meets k, l and t within the suppression limit. Suppressed records
keep their row with ``*`` in every quasi-identifier. If the policy cannot be met, nothing
is released. The report is value-free and carries the engine's report and a linkage drill.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.generalise import generalise
from pipelines.anonymise.kanon import Hierarchy, PolicyUnattainable, anonymise, privacy_models
from pipelines.anonymise.kanon.models import KnownValueAnonymity
from pipelines.anonymise.kanon.result import AnonymisationResult
from pipelines.anonymise.kanon.risk import class_risk
from pipelines.anonymise.linkage import linkage_drill_columns
from pipelines.anonymise.pseudonym import PseudonymKey, pseudonymise_array, pseudonymise_value
from pipelines.anonymise.subjects import at_reference, reference_rows, subject_codes
from pipelines.anonymise.text_policy import TextPolicy
from pipelines.errors import SamverkanError, SpecError, ValidationFailed
from pipelines.specs.model import Column, DatasetSpec, Tier

#: Reads one raw column by name (all records), e.g. ``table.column`` or a Parquet reader.
RawColumn = Callable[[str], pa.Array | pa.ChunkedArray]

#: Distinct values on which a ladder is checked to be a tree (a banded domain is smaller).
TREE_CHECK = 100_000


@dataclass(frozen=True)
class PolicyResult:
    table: pa.Table
    report: dict[str, Any]  # value-free: levels, counts, shares, risk figures


def is_released(column: Column, tier: Tier) -> bool:
    """Whether a column appears in the release of the given tier. Free text is in the
    project tier only, unless the spec opts the column into the open tier."""
    if column.role == "direct_identifier":
        return tier == "project" and column.action == "pseudonymise"
    if column.role == "free_text":
        return column.action == "scrub" and (tier == "project" or column.open_tier)
    return True


def release_columns(spec: DatasetSpec, tier: Tier) -> list[Column]:
    return [c for c in spec.columns if is_released(c, tier)]


def qi_hierarchy(values: pa.Array | pa.ChunkedArray, column: Column) -> tuple[pa.Array, Hierarchy]:
    """The column at its lowest allowed level (text) and the engine hierarchy above it.

    The hierarchy has one row per distinct label at the lowest level and one level per
    allowed spec level, so engine level ``i`` is spec level ``low + i``; a fixed level
    gives a one-level hierarchy the engine cannot move. Missing values are a value of
    their own (missing at every level). The ladder is applied to distinct values only:
    the lowest level to all of them, the higher levels to one value per lowest-level
    label, after checking on up to ``TREE_CHECK`` values that the ladder is a tree.
    """
    encoded, hierarchy = qi_encoded(values, column)
    return encoded.dictionary_decode(), hierarchy


def qi_encoded(
    values: pa.Array | pa.ChunkedArray, column: Column
) -> tuple[pa.DictionaryArray, Hierarchy]:
    """Like ``qi_hierarchy``, the lowest level as a dictionary array (an int32 per record)."""
    assert column.hierarchy is not None
    ladder = column.hierarchy
    low, high = column.level_range
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary
    labels = generalise(distinct, ladder, low)
    label_codes = pc.dictionary_encode(labels)
    text = pa.DictionaryArray.from_arrays(
        pc.take(label_codes.indices, encoded.indices), label_codes.dictionary
    )
    first = _first_of_each(label_codes.indices.to_numpy(zero_copy_only=False))
    representatives = distinct.take(pa.array(first))
    rows = [label_codes.dictionary.to_pylist()]
    for level in range(low + 1, high + 1):
        rows.append(generalise(representatives, ladder, level).to_pylist())
    _check_tree(distinct.slice(0, TREE_CHECK), ladder, low, high, column.name)
    table = [list(r) for r in zip(*rows, strict=True)]
    if values.null_count:
        table.append([None] * (high - low + 1))
    return text, Hierarchy(table, name=column.name)


def _first_of_each(codes: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each code 0..n-1."""
    first = np.full(int(codes.max()) + 1 if len(codes) else 0, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _check_tree(values: pa.Array, ladder: list[Any], low: int, high: int, name: str) -> None:
    """Every group at one level must fall into exactly one group at the next."""
    if high <= low or len(values) == 0:
        return
    levels = [generalise(values, ladder, level) for level in range(low, high + 1)]
    frame = pd.DataFrame({i: level.to_pandas() for i, level in enumerate(levels)})
    frame = frame.astype(object).where(frame.notna(), None).drop_duplicates()
    for i in range(len(levels) - 1):
        if frame[[i, i + 1]].drop_duplicates()[i].duplicated().any():
            raise SpecError(
                "the hierarchy is not a tree: a group at one level falls into several groups "
                "at the next; align the band limits of its steps",
                column=name,
            )


def _transform_column(
    table: pa.Table, column: Column, key: PseudonymKey | None, spec: DatasetSpec
) -> pa.Array:
    values = table.column(column.name)
    if column.role == "direct_identifier":
        if key is None:
            raise SpecError("project-tier release needs a pseudonym key", dataset=spec.name)
        return pseudonymise_array(key, values)
    if column.role == "free_text":
        from pipelines.pii.scrub import scrub_array

        link = None
        if key is not None and column.text_personnummer == "pseudonym":
            # Project tier: the person's own project pseudonym, so notes link to records.
            def link(pnr: str) -> str:
                return f"[PN:{pseudonymise_value(key, pnr)}]"

        for label, pattern in column.scrub_patterns.items():
            values = pc.replace_substring_regex(values, pattern, f"[{label}]")
        return scrub_array(values, pseudonymise_personnummer=link)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if column.role == "measure" and column.round_to is not None:
        step = column.round_to
        rounded = pc.multiply(pc.round(pc.divide(pc.cast(values, pa.float64()), step)), step)
        return pc.cast(rounded, values.type, safe=False)
    return values


def _plain(value: Any) -> Any:
    """JSON-ready copy: numpy scalars and arrays to Python numbers and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _requirements(spec: DatasetSpec, tier: Tier) -> dict[str, Any]:
    policy = spec.anonymisation
    return {
        "tier": tier,
        "k_required": policy.k,
        "l_required": policy.l_diversity,
        "l_variant": policy.l_variant if policy.l_diversity else None,
        "t_required": policy.t,
        "t_distance": policy.t_distance if policy.t else None,
        "suppression_limit": policy.suppression_limit,
        "metric": policy.metric,
    }


def _unattainable(spec: DatasetSpec, records: int, subjects: int | None = None) -> ValidationFailed:
    policy = spec.anonymisation
    models = [f"k={policy.k}"]
    if policy.l_diversity:
        models.append(f"{policy.l_variant} l={policy.l_diversity}")
    if policy.t:
        models.append(f"t={policy.t} ({policy.t_distance} distance)")
    allowed = int(np.floor(policy.suppression_limit * records))
    return ValidationFailed(
        "anonymisation policy cannot be met: no generalisation within the spec's hierarchy "
        f"levels satisfies {', '.join(models)} with at most {allowed} of {records} "
        f"{'records' if subjects is None else 'data subjects'} suppressed "
        f"(suppression limit {policy.suppression_limit:.1%}); coarsen the "
        "hierarchies, use level: auto, or raise the suppression limit",
        dataset=spec.name,
    )


def _run_engine(
    raw_column: RawColumn,
    spec: DatasetSpec,
    qis: list[Column],
    sensitive: list[str],
    subjects: np.ndarray | None = None,
    tier: Tier = "open",
) -> tuple[AnonymisationResult, dict[str, Any]]:
    """Search the transformation with the engine; the report uses spec levels.

    The engine gets only the quasi-identifiers (at their lowest level, dictionary-encoded)
    and the sensitive attributes l and t guard, read one column at a time; it keeps what
    the release needs to be written later a batch at a time (``result.labels``).
    """
    policy = spec.anonymisation
    hierarchies: dict[str, Hierarchy] = {}
    columns: dict[str, pa.Array] = {}
    for column in qis:
        try:
            columns[column.name], hierarchies[column.name] = qi_encoded(
                raw_column(column.name), column
            )
        except SamverkanError as exc:
            raise SpecError(exc.problem, dataset=spec.name, column=column.name) from None
    guarded = sensitive if (policy.l_diversity or policy.t) else []
    known = _known_values(spec, tier)
    for name in dict.fromkeys([*guarded, *known]):
        columns[name] = raw_column(name)
    table = pa.table(columns)
    del columns
    models = (
        privacy_models(
            k=None,
            l=policy.l_diversity,
            l_variant=policy.l_variant,
            t=policy.t,
            t_distance=policy.t_distance,
            sensitive=guarded,
        )
        if guarded
        else []
    )
    # attacker (a) knows the sensitive codes too: no value may single a subject out
    models += [KnownValueAnonymity(name, 2) for name in known]
    guarded = list(dict.fromkeys([*guarded, *known]))
    try:
        result = anonymise(
            table,
            hierarchies,
            k=policy.k,
            models=models,
            sensitive=guarded,
            suppression_limit=policy.suppression_limit,
            metric=policy.metric,
            recode_table=False,
            subjects=subjects,
        )
    except PolicyUnattainable:
        units = int(subjects.max()) + 1 if subjects is not None and len(subjects) else None
        raise _unattainable(spec, table.num_rows if units is None else units, units) from None
    except SamverkanError as exc:
        raise ValidationFailed(
            f"anonymisation failed: {exc.problem}", dataset=spec.name, column=exc.location.column
        ) from None
    result.table = table.schema.empty_table()  # the records are not needed any more
    engine = _plain(result.report())
    levels = {c.name: c.level_range[0] + result.transformation[c.name] for c in qis}
    engine["transformation"] = levels
    return result, engine


def _no_qi_report(records: int, k: int, units: int | None = None) -> dict[str, Any]:
    """Without quasi-identifiers the whole table is one class."""
    size = records if units is None else units
    return {
        "transformation": {},
        "records": records,
        "suppressed_records": 0,
        "suppressed_subjects": 0 if units is not None else None,
        "k_achieved": size or None,
        "classes": 1 if size else 0,
        "information_loss": {},
        "risk": _plain(class_risk(np.array([size] if size else []), k))
        | {"unit": "records" if units is None else "subjects"},
    }


def _known_values(spec: DatasetSpec, tier: Tier) -> list[str]:
    """Coded sensitive columns of an open release of a spec that declares its data subject
    (with personal data): attacker (a) of the privacy gate knows them, so the engine keeps
    every value held by two subjects or more."""
    if tier != "open" or spec.subject is None or not spec.subject.personal_data:
        return []
    return [
        c.name
        for c in release_columns(spec, tier)
        if c.role == "sensitive" and c.type in ("string", "bool", "date")
    ]


def policy_input_columns(spec: DatasetSpec, tier: Tier) -> list[str]:
    """The raw columns ``plan_policy`` reads: released quasi-identifiers, the sensitive
    attributes l and t guard, and the public attributes of the linkage drill."""
    kept = release_columns(spec, tier)
    names = [c.name for c in kept if c.role == "quasi_identifier"]
    if spec.anonymisation.l_diversity or spec.anonymisation.t:
        names += [c.name for c in kept if c.role == "sensitive"]
    names += spec.anonymisation.public_attributes
    names += _known_values(spec, tier)
    if spec.subject is not None:
        names += spec.subject.columns + spec.subject.order_by
        names += [c.name for c in kept if c.per_subject]
    return list(dict.fromkeys(names))


def _subject_report(spec: DatasetSpec, subjects: np.ndarray | None, records: int) -> dict:
    """What the release protects: the subject, its key columns and how many there are."""
    subject = spec.subject
    per_subject = [c.name for c in spec.columns if c.per_subject]
    return {
        "unit": "subjects" if subjects is not None else "records",
        "key_columns": spec.subject_columns,
        "each_record_its_own_subject": subjects is None,
        "description": subject.description.model_dump()
        if subject and subject.description
        else None,
        "subjects": int(subjects.max()) + 1 if subjects is not None and len(subjects) else records,
        "records": records,
        "per_subject_columns": per_subject,
        "reference_record": (
            f"first record by {', '.join(subject.order_by) or 'source order'}"
            if per_subject and subject
            else None
        ),
        "rule": "every figure counts distinct subjects; a subject in a class that fails the "
        "policy is suppressed on all of its records"
        if subjects is not None
        else "each record is its own subject",
    }


@dataclass
class PolicyPlan:
    """The outcome of the policy's first pass: the transformation, which records are
    suppressed, and the (value-free) report. ``release_batch`` then writes any range of
    records, so the release can be produced one record batch at a time."""

    spec: DatasetSpec
    tier: Tier
    key: PseudonymKey | None
    kept: list[Column]
    records: int
    report: dict[str, Any]
    engine: AnonymisationResult | None
    #: subject code per record (None: each record its own subject)
    subjects: np.ndarray | None = None
    #: per_subject sensitive columns: each subject's value (index: subject code)
    subject_values: dict[str, pa.Array] | None = None
    text: TextPolicy | None = None  # dates and suppressed values in released free text

    @property
    def batch_columns(self) -> list[str]:
        """The raw columns ``release_batch`` reads (quasi-identifiers come from the plan)."""
        values = self.subject_values or {}
        return [c.name for c in self.kept if c.role != "quasi_identifier" and c.name not in values]

    def _column(self, batch: pa.Table, column: Column, start: int, stop: int) -> pa.Array:
        if column.role == "quasi_identifier":
            return self.qi_labels(column.name, start, stop)
        values = self.subject_values or {}
        if column.name in values and self.subjects is not None:
            return values[column.name].take(pa.array(self.subjects[start:stop]))
        return _transform_column(batch, column, self.key, self.spec)

    def qi_labels(self, name: str, start: int = 0, stop: int | None = None) -> pa.Array:
        """Released values of quasi-identifier ``name`` for records ``start:stop``."""
        if self.engine is None:  # no records: still a text column, as a release would have
            return pa.array([], pa.string())
        return self.engine.labels(name, start, self.records if stop is None else stop)

    def release_batch(self, batch: pa.Table, start: int) -> pa.Table:
        """The release of raw records ``start:start + len(batch)`` (``batch`` holds at
        least ``batch_columns``)."""
        stop = start + batch.num_rows
        arrays = [self._column(batch, c, start, stop) for c in self.kept]
        table = pa.table(arrays, names=[c.name for c in self.kept])
        return self.text.apply(table) if self.text is not None else table


def plan_policy(
    raw_column: RawColumn,
    records: int,
    spec: DatasetSpec,
    *,
    tier: Tier = "open",
    key: PseudonymKey | None = None,
) -> PolicyPlan:
    """First pass: the transformation, suppression and report from the columns of
    ``policy_input_columns`` only (``raw_column(name)`` reads one, ``records`` long)."""
    policy = spec.anonymisation
    kept = release_columns(spec, tier)
    if key is None and any(c.role == "direct_identifier" for c in kept):
        raise SpecError("project-tier release needs a pseudonym key", dataset=spec.name)
    qis = [c for c in kept if c.role == "quasi_identifier"]
    sensitive = [c.name for c in kept if c.role == "sensitive"]

    subjects = subject_codes(raw_column, spec, records) if records else None
    subject_values: dict[str, pa.Array] = {}
    column_of = raw_column
    if subjects is not None and any(c.per_subject for c in kept):
        assert spec.subject is not None
        reference = reference_rows(subjects, raw_column, spec.subject.order_by)
        per_subject = {c.name for c in kept if c.per_subject}

        def column_of(name: str) -> pa.Array | pa.ChunkedArray:
            values = raw_column(name)
            if name in per_subject:
                return at_reference(values, subjects, reference)
            return values

        for c in kept:
            if c.per_subject and c.role == "sensitive":
                column = raw_column(c.name)
                if isinstance(column, pa.ChunkedArray):
                    column = column.combine_chunks()
                subject_values[c.name] = column.take(pa.array(reference))

    result: AnonymisationResult | None = None
    if qis and records:
        result, engine = _run_engine(column_of, spec, qis, sensitive, subjects, tier)
    else:
        units = int(subjects.max()) + 1 if subjects is not None and len(subjects) else None
        engine = _no_qi_report(records, policy.k, units)
    levels: dict[str, int] = engine["transformation"]
    suppressed = int(engine["suppressed_records"])
    n_subjects = int(subjects.max()) + 1 if subjects is not None and len(subjects) else records
    suppressed_subjects = int(engine["suppressed_subjects"]) if subjects is not None else suppressed

    report: dict[str, Any] = {
        **_requirements(spec, tier),
        "subject": _subject_report(spec, subjects, records),
        "records": records,
        "subjects": n_subjects,
        "suppressed_records": suppressed,
        "suppressed_subjects": suppressed_subjects,
        "suppressed_share": suppressed_subjects / n_subjects if n_subjects else 0.0,
        "suppressed_records_share": suppressed / records if records else 0.0,
        "k_achieved": engine["k_achieved"] if records - suppressed else None,
        "equivalence_classes": engine["classes"],
        "transformation": levels,
        "quasi_identifiers": {
            c.name: {
                "level": levels[c.name],
                "step": c.hierarchy[levels[c.name] - 1] if levels.get(c.name) else None,
                "mode": "auto" if c.level == "auto" else "fixed",
                "allowed_levels": list(c.level_range),
            }
            for c in qis
            if c.hierarchy is not None and c.name in levels
        },
        "information_loss": engine["information_loss"],
        "information_loss_basis": "relative to each quasi-identifier's lowest allowed level",
        "risk": engine["risk"],
        "dropped_columns": [c.name for c in spec.columns if not is_released(c, tier)],
        "pseudonymised_columns": [c.name for c in kept if c.role == "direct_identifier"],
        "pseudonym_key_id": key.key_id if key and tier == "project" else None,
    }
    for name in ("l_achieved", "entropy_l_achieved"):
        if name in engine:
            report[name] = engine[name]
    if "l_achieved" in report:
        report["l_achieved"] = {
            n: None if v is None else int(v) for n, v in report["l_achieved"].items()
        }
    t_values = {n: v for n, v in engine.items() if n.startswith("t_achieved")}
    if t_values:
        report["t_achieved"] = next(iter(t_values.values()))
    # The engine's own report, less what the top level already carries.
    report["engine"] = {n: v for n, v in engine.items() if n not in ("information_loss", "risk")}
    plan = PolicyPlan(
        spec=spec,
        tier=tier,
        key=key,
        kept=kept,
        records=records,
        report=report,
        engine=result,
        subjects=subjects,
        subject_values=subject_values or None,
    )
    plan.text = TextPolicy.build(spec, tier, levels, raw_column)
    if plan.text is not None:
        report["free_text"] = plan.text.report
    if policy.public_attributes and records:
        report["linkage_drill"] = linkage_drill_columns(
            raw_column, plan.qi_labels, records, spec, levels=levels, subjects=subjects
        )
    return plan


def apply_policy(
    table: pa.Table, spec: DatasetSpec, *, tier: Tier = "open", key: PseudonymKey | None = None
) -> PolicyResult:
    """The policy on a table in memory: ``plan_policy`` and one ``release_batch``."""
    started = time.perf_counter()
    plan = plan_policy(table.column, table.num_rows, spec, tier=tier, key=key)
    released = plan.release_batch(table, 0)
    plan.report["runtime_s"] = time.perf_counter() - started
    return PolicyResult(table=released, report=plan.report)
