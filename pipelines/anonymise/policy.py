"""Apply a dataset spec's anonymisation policy to the extracted table.

Direct identifiers are dropped (open tier) or replaced by project pseudonyms (project
tier); free text is dropped; quasi-identifiers are generalised to their declared level;
records in equivalence classes smaller than k (or less than l-diverse) are suppressed,
keeping their row with ``*`` in every quasi-identifier, up to the suppression limit. If the
policy cannot be met within the limit, nothing is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.classes import distinct_per_class, equivalence_classes
from pipelines.anonymise.generalise import SUPPRESSED, generalise
from pipelines.anonymise.pseudonym import PseudonymKey, pseudonymise_array
from pipelines.errors import SpecError, ValidationFailed
from pipelines.specs.model import Column, DatasetSpec, Tier


@dataclass(frozen=True)
class PolicyResult:
    table: pa.Table
    report: dict[str, Any]  # value-free: levels, counts, shares, risk figures


def is_released(column: Column, tier: Tier) -> bool:
    """Whether a column appears in the release of the given tier."""
    if column.role == "direct_identifier":
        return tier == "project" and column.action == "pseudonymise"
    if column.role == "free_text":
        return column.action == "scrub"
    return True


def release_columns(spec: DatasetSpec, tier: Tier) -> list[Column]:
    return [c for c in spec.columns if is_released(c, tier)]


def _transform_column(
    table: pa.Table, column: Column, tier: Tier, key: PseudonymKey | None, spec: DatasetSpec
) -> pa.Array:
    values = table.column(column.name)
    if column.role == "direct_identifier":
        if key is None:
            raise SpecError("project-tier release needs a pseudonym key", dataset=spec.name)
        return pseudonymise_array(key, values)
    if column.role == "free_text":
        raise SpecError(
            "free-text scrubbing is not available yet; use action: drop",
            dataset=spec.name,
            column=column.name,
        )
    if column.role == "quasi_identifier":
        assert column.hierarchy is not None and column.level is not None
        return generalise(values, column.hierarchy, column.level)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _risk(sizes: np.ndarray, records: int) -> dict[str, float]:
    if records == 0 or len(sizes) == 0:
        return {"prosecutor_max": 0.0, "prosecutor_avg": 0.0, "uniques_share": 0.0}
    return {
        "prosecutor_max": float(1.0 / sizes.min()),
        "prosecutor_avg": float(len(sizes) / records),
        "uniques_share": float((sizes == 1).sum() / records),
    }


def apply_policy(
    table: pa.Table, spec: DatasetSpec, *, tier: Tier = "open", key: PseudonymKey | None = None
) -> PolicyResult:
    policy = spec.anonymisation
    kept = release_columns(spec, tier)
    arrays = [_transform_column(table, c, tier, key, spec) for c in kept]
    released = pa.table(arrays, names=[c.name for c in kept])
    qi_names = [c.name for c in kept if c.role == "quasi_identifier"]
    sensitive = [c.name for c in kept if c.role == "sensitive"]
    records = released.num_rows

    classes = equivalence_classes(released, qi_names)
    row_sizes = classes.row_sizes
    before = _risk(classes.sizes, records)
    violating = row_sizes < policy.k
    if policy.l_diversity:
        for name in sensitive:
            diversity = distinct_per_class(classes, released.column(name))[classes.ids]
            violating |= diversity < policy.l_diversity
    suppressed = int(violating.sum())
    share = suppressed / records if records else 0.0
    if share > policy.suppression_limit:
        raise ValidationFailed(
            f"anonymisation policy cannot be met: {suppressed} of {records} records "
            f"({share:.1%}) fall in classes below k={policy.k}"
            + (f" or l={policy.l_diversity}" if policy.l_diversity else "")
            + f", above the suppression limit {policy.suppression_limit:.1%}; coarsen the "
            "hierarchy levels in the spec",
            dataset=spec.name,
        )
    if suppressed and qi_names:
        mask = pa.array(violating)
        for name in qi_names:
            column = released.column(name)
            index = released.schema.get_field_index(name)
            released = released.set_column(
                index, name, pc.if_else(mask, pa.scalar(SUPPRESSED), column)
            )

    kept_sizes = classes.sizes[np.unique(classes.ids[~violating])] if records else classes.sizes
    report: dict[str, Any] = {
        "tier": tier,
        "k_required": policy.k,
        "l_required": policy.l_diversity,
        "suppression_limit": policy.suppression_limit,
        "records": records,
        "suppressed_records": suppressed,
        "suppressed_share": share,
        "k_achieved": int(kept_sizes.min()) if len(kept_sizes) else None,
        "equivalence_classes": len(kept_sizes),
        "quasi_identifiers": {
            c.name: {"level": c.level, "step": c.hierarchy[c.level - 1] if c.level else None}
            for c in kept
            if c.role == "quasi_identifier" and c.hierarchy is not None and c.level is not None
        },
        "dropped_columns": [c.name for c in spec.columns if not is_released(c, tier)],
        "pseudonymised_columns": [c.name for c in kept if c.role == "direct_identifier"],
        "pseudonym_key_id": key.key_id if key and tier == "project" else None,
        "risk_before_suppression": before,
        "risk": _risk(kept_sizes, int(records - suppressed)),
    }
    if policy.l_diversity and sensitive:
        final = equivalence_classes(released.filter(pa.array(~violating)), qi_names)
        report["l_achieved"] = {
            n: int(distinct_per_class(final, released.filter(pa.array(~violating)).column(n)).min())
            for n in sensitive
        } if records - suppressed else {}
    return PolicyResult(table=released, report=report)
