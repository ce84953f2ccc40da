"""Expectations that follow from the dataset spec, added to every suite automatically.

Raw suites: every spec column exists and ``nullable: false`` columns have no nulls.
Release suites: the columns are exactly the release columns (spec columns minus dropped
direct identifiers and dropped free text; pseudonymised identifiers only in the project
tier, as 64-hex-character pseudonyms; free text only in the project tier unless a column
opts into the open tier), no dropped column is present, and each quasi-identifier holds
labels of a level it may be released at (or ``*`` when suppressed).
"""

from __future__ import annotations

from typing import Any, Literal

from pipelines.specs.model import Column, DatasetSpec, Tier

SuiteKind = Literal["raw", "release"]

PSEUDONYM_REGEX = r"^[0-9a-fA-F]{64}$"
SUPPRESSED = r"\*"
_DATE_LABELS = {
    "day": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}-\d{2}",
    "quarter": r"\d{4}-Q[1-4]",
    "year": r"\d{4}",
}
_BAND_LABEL = r"\d+-\d+|\d+\+|<\d+"  # "20-39", "80+", "<18" (anonymise.generalise)
_TOP_CODE_LABEL = r"\d+\+?"  # "0", "1", "3+"
# level 0 is the value itself as text (anonymise.generalise); text columns are unconstrained
_ORIGINAL_LABELS = {
    "int": r"-?\d+",
    "date": _DATE_LABELS["day"],
    "timestamp": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
}


def _expect(kind: str, meta_note: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"derived_from_spec": meta_note}}


def is_released(column: Column, tier: Tier) -> bool:
    """Whether a column survives anonymisation into a release of this tier."""
    if column.role == "direct_identifier":
        return column.action == "pseudonymise" and tier == "project"
    if column.role == "free_text":  # project tier only, unless opted into the open tier
        return column.action != "drop" and (tier == "project" or column.open_tier)
    return True


def release_columns(spec: DatasetSpec, tier: Tier) -> list[str]:
    return [c.name for c in spec.columns if is_released(c, tier)]


def _step_label(step: Any) -> str | None:
    """The (unanchored) pattern of the labels one hierarchy step produces; None if unknown."""
    if step == "*":
        return SUPPRESSED
    if not isinstance(step, dict):
        return None
    if step.get("date") in _DATE_LABELS:
        return _DATE_LABELS[step["date"]]
    if isinstance(step.get("prefix"), int):
        return rf".{{1,{step['prefix']}}}"
    if "band" in step:
        return _BAND_LABEL
    if "top_code" in step:
        return _TOP_CODE_LABEL
    return None


def qi_label_regex(column: Column) -> str | None:
    """Labels a quasi-identifier may hold in a release: those of any level it may be
    released at (a fixed level, or the range of ``level: auto``), or ``*``. None when a
    level in range is unconstrained (e.g. level 0 of a text column)."""
    if not column.hierarchy or column.level is None:
        return None
    low, high = column.level_range
    labels = [
        _ORIGINAL_LABELS.get(column.type)
        if level == 0
        else _step_label(column.hierarchy[level - 1])
        for level in range(low, high + 1)
    ]
    if any(label is None for label in labels):
        return None
    alternatives = "|".join(dict.fromkeys([*labels, SUPPRESSED]))  # type: ignore[list-item]
    return f"^(?:{alternatives})$"


def raw_expectations(spec: DatasetSpec) -> list[dict[str, Any]]:
    exps = [
        _expect("expect_column_to_exist", "column declared in spec", column=c.name)
        for c in spec.columns
    ]
    exps += [
        _expect("expect_column_values_to_not_be_null", "nullable: false", column=c.name)
        for c in spec.columns
        if not c.nullable
    ]
    return exps


def release_expectations(spec: DatasetSpec, tier: Tier) -> list[dict[str, Any]]:
    kept = [c for c in spec.columns if is_released(c, tier)]
    exps = [
        _expect(
            "expect_table_columns_to_match_set",
            f"release columns of the {tier} tier",
            column_set=[c.name for c in kept],
            exact_match=True,
        )
    ]
    exps += [
        _expect("expect_column_to_not_exist", f"{c.role} removed in the {tier} tier", column=c.name)
        for c in spec.columns
        if not is_released(c, tier)
    ]
    for col in kept:
        if not col.nullable:
            exps.append(
                _expect("expect_column_values_to_not_be_null", "nullable: false", column=col.name)
            )
        if col.role == "direct_identifier":
            exps.append(
                _expect(
                    "expect_column_values_to_match_regex",
                    "pseudonymised identifier",
                    column=col.name,
                    regex=PSEUDONYM_REGEX,
                )
            )
        elif col.role == "quasi_identifier" and (pattern := qi_label_regex(col)):
            exps.append(
                _expect(
                    "expect_column_values_to_match_regex",
                    "quasi-identifier labels of its allowed hierarchy levels",
                    column=col.name,
                    regex=pattern,
                )
            )
    return exps


def derived_expectations(spec: DatasetSpec, kind: SuiteKind, tier: Tier) -> list[dict[str, Any]]:
    return raw_expectations(spec) if kind == "raw" else release_expectations(spec, tier)
