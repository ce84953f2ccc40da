"""The spec-driven anonymisation policy: drops, pseudonyms, engine generalisation, suppression."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from pipelines.anonymise.policy import apply_policy, qi_hierarchy, release_columns
from pipelines.anonymise.pseudonym import PseudonymKey
from pipelines.config import Settings
from pipelines.errors import SpecError, ValidationFailed
from pipelines.specs import load_all_specs
from pipelines.specs.model import DatasetSpec

TEXT = {"sv": "x", "en": "x"}
REPORT_KEYS = {
    "suppressed_records",
    "k_achieved",
    "quasi_identifiers",
    "dropped_columns",
    "pseudonymised_columns",
    "pseudonym_key_id",
    "records",
    "transformation",
    "information_loss",
    "risk",
    "engine",
    "k_required",
    "suppression_limit",
}


def _spec(
    k: int = 3,
    limit: float = 0.2,
    l_div: int | None = None,
    *,
    alder: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
) -> DatasetSpec:
    age = {"hierarchy": [{"band": 10, "min": 0}, "*"], "level": 1} | (alder or {})
    return DatasetSpec.model_validate(
        {
            "name": "demo",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "jsonl", "path": "x.jsonl"},
            "anonymisation": {
                "k": k,
                "suppression_limit": limit,
                "l": l_div,
                "public_attributes": ["alder", "kon"],
            }
            | (policy or {}),
            "columns": [
                {
                    "name": "pnr",
                    "type": "string",
                    "role": "direct_identifier",
                    "action": "pseudonymise",
                    "description": TEXT,
                },
                {
                    "name": "namn",
                    "type": "string",
                    "role": "direct_identifier",
                    "action": "drop",
                    "description": TEXT,
                },
                {
                    "name": "alder",
                    "type": "int",
                    "role": "quasi_identifier",
                    "description": TEXT,
                    **age,
                },
                {
                    "name": "kon",
                    "type": "string",
                    "role": "quasi_identifier",
                    "hierarchy": ["*"],
                    "level": 0,
                    "description": TEXT,
                },
                {"name": "orsak", "type": "string", "role": "sensitive", "description": TEXT},
                {
                    "name": "notis",
                    "type": "string",
                    "role": "free_text",
                    "action": "drop",
                    "description": TEXT,
                },
            ],
        }
    )


def _table() -> pa.Table:
    n = 10
    return pa.table(
        {
            "pnr": [f"1985010{i}-0000" for i in range(n)],
            "namn": [f"Namn {i}" for i in range(n)],
            "alder": [21, 22, 23, 24, 25, 26, 27, 28, 31, 55],
            "kon": ["K", "K", "K", "K", "M", "M", "M", "M", "K", "M"],
            "orsak": ["a", "b", "c", "a", "b", "c", "a", "a", "b", "c"],
            "notis": ["ring 070-123 45 67"] * n,
        }
    )


def _k_independent(table: pa.Table, qis: list[str]) -> int:
    """k of the unsuppressed rows by pycanon (missing values as a value of their own)."""
    frame = table.select(qis).to_pandas()
    frame = frame[~(frame == "*").all(axis=1)].astype(object)
    frame = frame.where(frame.notna(), "\0missing").reset_index(drop=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pycanon import anonymity
        return int(anonymity.k_anonymity(frame, qis))
    except ImportError:
        return int(frame.groupby(qis, dropna=False).size().min())


# ----------------------------------------------------------------- identifiers and text
def test_open_tier_drops_identifiers_and_free_text() -> None:
    result = apply_policy(_table(), _spec())
    assert result.table.column_names == ["alder", "kon", "orsak"]
    assert result.report["dropped_columns"] == ["pnr", "namn", "notis"]


def test_project_tier_pseudonymises_with_key_id_in_report() -> None:
    key = PseudonymKey("k1", b"a-project-secret-of-enough-length")
    result = apply_policy(_table(), _spec(), tier="project", key=key)
    assert result.table.column_names[0] == "pnr"
    assert all(len(v) == 64 for v in result.table.column("pnr").to_pylist())
    assert result.report["pseudonym_key_id"] == "k1"
    assert result.report["pseudonymised_columns"] == ["pnr"]
    assert [c.name for c in release_columns(_spec(), "project")] == ["pnr", "alder", "kon", "orsak"]


def test_project_tier_without_key_is_refused() -> None:
    with pytest.raises(SpecError, match="pseudonym key"):
        apply_policy(_table(), _spec(), tier="project", key=None)


# ----------------------------------------------------------------- fixed levels
def test_small_classes_are_suppressed_with_stars_and_counted() -> None:
    result = apply_policy(_table(), _spec(k=3, limit=0.2))
    rows = result.table.to_pylist()
    assert rows[8] == {"alder": "*", "kon": "*", "orsak": "b"}  # 30-39 K: alone
    assert rows[9] == {"alder": "*", "kon": "*", "orsak": "c"}  # 50-59 M: alone
    assert result.report["suppressed_records"] == 2
    assert result.report["k_achieved"] == 4
    assert result.report["transformation"] == {"alder": 1, "kon": 0}
    kept = result.table.filter(pa.array([r["alder"] != "*" for r in rows]))
    sizes = kept.group_by(["alder", "kon"]).aggregate([([], "count_all")])["count_all"]
    assert min(sizes.to_pylist()) >= 3


def test_a_fixed_level_is_kept_even_when_coarser_would_suppress_less() -> None:
    result = apply_policy(_table(), _spec(k=3, limit=0.2))
    assert result.report["quasi_identifiers"]["alder"] == {
        "level": 1,
        "step": {"band": 10, "min": 0},
        "mode": "fixed",
        "allowed_levels": [1, 1],
    }
    assert set(result.table.column("alder").to_pylist()) == {"20-29", "*"}


def test_policy_that_cannot_be_met_fails_without_values() -> None:
    with pytest.raises(ValidationFailed, match="suppression limit") as err:
        apply_policy(_table(), _spec(k=5, limit=0.1))
    message = str(err.value)
    assert "dataset demo" in message and "k=5" in message
    assert "Namn" not in message and "1985" not in message and "20-29" not in message


# ----------------------------------------------------------------- automatic levels
def test_auto_level_searches_for_the_least_loss() -> None:
    spec = _spec(
        k=3,
        limit=0.0,
        alder={"hierarchy": [{"band": 10, "min": 0}, {"band": 40, "min": 0}, "*"], "level": "auto"},
    )
    result = apply_policy(_table(), spec)
    # band 10 leaves two singletons and nothing may be suppressed: 0-39 / 40-79 still
    # leaves 55 alone, so the only way is age "*" (kon is pinned at level 0).
    assert result.report["transformation"] == {"alder": 3, "kon": 0}
    assert result.report["quasi_identifiers"]["alder"]["mode"] == "auto"
    assert result.report["suppressed_records"] == 0
    assert set(result.table.column("alder").to_pylist()) == {"*"}
    assert _k_independent(result.table, ["alder", "kon"]) >= 3


def test_auto_level_with_suppression_prefers_the_finer_level() -> None:
    ages = [*range(20, 60), 85, 97]  # band 10 x sex gives classes of 5, two old outliers
    n = len(ages)
    table = pa.table(
        {
            "pnr": [f"p{i}" for i in range(n)],
            "namn": ["x"] * n,
            "alder": ages,
            "kon": ["K", "M"] * (n // 2),
            "orsak": ["a", "b", "c"] * (n // 3),
            "notis": [None] * n,
        }
    )
    spec = _spec(
        k=3,
        limit=0.05,
        alder={"hierarchy": [{"band": 10, "min": 0}, {"band": 40, "min": 0}, "*"], "level": "auto"},
    )
    result = apply_policy(table, spec)
    assert result.report["transformation"]["alder"] == 1
    assert result.report["suppressed_records"] == 2
    assert result.table.column("alder").to_pylist()[-2:] == ["*", "*"]
    assert _k_independent(result.table, ["alder", "kon"]) >= 3


def test_auto_level_stays_within_min_and_max_level() -> None:
    spec = _spec(
        k=1,
        limit=0.0,
        alder={
            "hierarchy": [{"band": 10, "min": 0}, {"band": 40, "min": 0}, "*"],
            "level": "auto",
            "min_level": 2,
            "max_level": 2,
        },
    )
    result = apply_policy(_table(), spec)
    assert result.report["transformation"]["alder"] == 2
    assert set(result.table.column("alder").to_pylist()) == {"0-39", "40-79"}


def test_missing_values_stay_missing_and_form_their_own_class() -> None:
    table = _table().set_column(2, "alder", pa.array([None] * 3 + [22, 23, 24, 25, 26, 27, 28]))
    table = table.set_column(3, "kon", pa.array(["K"] * 3 + ["M"] * 7))
    spec = _spec(
        k=3, limit=0.0, alder={"hierarchy": [{"band": 10, "min": 0}, "*"], "level": "auto"}
    )
    result = apply_policy(table, spec)
    ages = result.table.column("alder").to_pylist()
    # missing ages (all K) are a class of 3 of their own, kept missing (not starred)
    assert ages[:3] == [None, None, None]
    assert result.report["transformation"]["alder"] == 1
    assert result.report["suppressed_records"] == 0
    assert _k_independent(result.table, ["alder", "kon"]) >= 3


def test_hierarchy_of_a_column_has_one_row_per_value_and_a_missing_row() -> None:
    spec = _spec(alder={"hierarchy": [{"band": 10, "min": 0}, "*"], "level": "auto"})
    text, hierarchy = qi_hierarchy(pa.array([21, 22, None, 55]), spec.column("alder"))
    assert text.to_pylist() == ["21", "22", None, "55"]
    assert hierarchy.levels == 3 and hierarchy.size == 4
    rows = {tuple(r) for r in hierarchy.rows.tolist()}
    assert ("21", "20-29", "*") in rows and (None, None, None) in rows


def test_a_ladder_that_is_not_a_tree_is_a_spec_error() -> None:
    spec = _spec(
        alder={"hierarchy": [{"band": 5, "min": 0}, {"band": 10, "min": 3}, "*"], "level": "auto"}
    )
    with pytest.raises(SpecError, match="not a tree") as err:
        apply_policy(_table(), spec)
    assert "column alder" in str(err.value)


# ----------------------------------------------------------------- l and t
def test_l_diversity_suppresses_homogeneous_classes() -> None:
    table = _table().set_column(4, "orsak", pa.array(["a"] * 4 + ["b", "c", "a", "b", "x", "y"]))
    result = apply_policy(table, _spec(k=2, limit=0.7, l_div=2))
    rows = result.table.to_pylist()
    assert all(r["alder"] == "*" for r in rows[:4])  # 20-29 K all "a": not 2-diverse
    assert result.report["l_achieved"] == {"orsak": 3}


def test_entropy_l_and_t_closeness_reach_the_engine() -> None:
    spec = _spec(
        k=2, limit=0.5, l_div=2, policy={"l_variant": "entropy", "t": 0.5, "t_distance": "equal"}
    )
    result = apply_policy(_table(), spec)
    models = {m["model"] for m in result.report["engine"]["models"]}
    assert {"k-anonymity", "entropy-l-diversity", "t-closeness"} <= models
    assert result.report["t_required"] == 0.5 and result.report["l_variant"] == "entropy"
    assert result.report["t_achieved"]["orsak"] <= 0.5


# ----------------------------------------------------------------- the report
def test_report_has_the_keys_the_pipeline_reads_and_no_value() -> None:
    result = apply_policy(_table(), _spec(k=3, limit=0.2))
    report = result.report
    assert report.keys() >= REPORT_KEYS
    assert report["records"] == 10 and report["metric"] == "loss"
    assert set(report["risk"]) >= {"prosecutor", "journalist", "marketer"}
    assert report["engine"]["transformation"] == report["transformation"]
    drill = report["linkage_drill"]
    assert drill["public_attributes"] == ["alder", "kon"] and drill["records"] == 10
    text = json.dumps(report)  # JSON-ready as it is
    for value in ("Namn", "1985", "070-123", "20-29"):
        assert value not in text


def test_a_table_without_quasi_identifiers_is_one_class() -> None:
    spec = DatasetSpec.model_validate(
        {
            "name": "plain",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "jsonl", "path": "x.jsonl"},
            "anonymisation": {"k": 1},
            "columns": [{"name": "v", "type": "int", "role": "keep", "description": TEXT}],
        }
    )
    result = apply_policy(pa.table({"v": [1, 2, 3]}), spec)
    assert result.report["k_achieved"] == 3 and result.report["suppressed_records"] == 0
    assert result.table.num_rows == 3


# ----------------------------------------------------------------- specs
def test_level_auto_and_bounds_are_validated() -> None:
    with pytest.raises(ValueError, match="only for level: auto"):
        _spec(alder={"level": 1, "min_level": 1})
    with pytest.raises(ValueError, match="beyond"):
        _spec(alder={"level": "auto", "max_level": 5})
    with pytest.raises(ValueError, match="min_level is above"):
        _spec(alder={"level": "auto", "min_level": 2, "max_level": 1})
    with pytest.raises(ValueError, match="whole number"):
        _spec(l_div=2.5)  # type: ignore[arg-type]
    assert _spec(policy={"l": 1.5, "l_variant": "entropy"}).anonymisation.l_diversity == 1.5


def test_every_spec_loads_with_its_aggregates() -> None:
    specs = {s.name: s for s in load_all_specs()}
    assert {a.name for a in specs["ekonomiskt_bistand"].aggregates} == {
        "hushall_per_stadsdel_manad"
    }
    assert specs["hemtjanst"].aggregates[0].protection.method == "cell_key"
    autos = [c.name for s in specs.values() for c in s.columns if c.level == "auto"]
    assert "alder" in autos


# ----------------------------------------------------------------- realistic data
def test_every_dataset_meets_its_policy_on_generated_data(generated_sources: Settings) -> None:
    from pipelines.extract import extract_batches

    for spec in load_all_specs():
        raw = pa.Table.from_batches(list(extract_batches(spec, generated_sources)))
        result = apply_policy(raw, spec)
        report = result.report
        qis = [c.name for c in spec.columns if c.role == "quasi_identifier"]
        assert report["records"] == raw.num_rows == result.table.num_rows
        keys = spec.subject_columns
        people = (
            raw.select(keys).to_pandas().astype(str).agg("|".join, axis=1)
            if keys
            else pd.Series(range(raw.num_rows)).astype(str)
        )
        assert report["subjects"] == people.nunique()
        limit = spec.anonymisation.suppression_limit
        assert report["suppressed_subjects"] <= limit * report["subjects"]
        if qis:
            frame = result.table.select(qis).to_pandas().astype(object).fillna("\0missing")
            kept = ~(frame == "*").all(axis=1)
            per_class = people[kept].groupby([frame[q][kept] for q in qis]).nunique()
            assert per_class.min() >= spec.anonymisation.k, spec.name
            assert report["linkage_drill"].get("subjects_singled_out", 0) == 0
            assert report["linkage_drill"]["matched_uniquely_share"] == 0.0
        text = json.dumps(report)
        for column in spec.columns_with_role("direct_identifier"):
            for value in raw.column(column.name).slice(0, 20).to_pylist():
                if isinstance(value, str):  # serial numbers are too short to look for
                    assert value not in text, (spec.name, column.name)
        frame = pd.DataFrame(report["transformation"], index=[0])
        assert all(isinstance(v, int) for v in frame.iloc[0].tolist())
