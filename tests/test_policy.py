"""The spec-driven anonymisation policy: drops, pseudonyms, generalisation, suppression."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.anonymise.classes import equivalence_classes
from pipelines.anonymise.policy import apply_policy, release_columns
from pipelines.anonymise.pseudonym import PseudonymKey
from pipelines.errors import SpecError, ValidationFailed
from pipelines.specs.model import DatasetSpec

TEXT = {"sv": "x", "en": "x"}


def _spec(k: int = 3, limit: float = 0.2, l_div: int | None = None) -> DatasetSpec:
    return DatasetSpec.model_validate({
        "name": "demo", "title": TEXT, "description": TEXT,
        "source": {"kind": "jsonl", "path": "x.jsonl"},
        "anonymisation": {"k": k, "suppression_limit": limit, "l": l_div},
        "columns": [
            {"name": "pnr", "type": "string", "role": "direct_identifier",
             "action": "pseudonymise", "description": TEXT},
            {"name": "namn", "type": "string", "role": "direct_identifier", "action": "drop",
             "description": TEXT},
            {"name": "alder", "type": "int", "role": "quasi_identifier",
             "hierarchy": [{"band": 10, "min": 0}, "*"], "level": 1, "description": TEXT},
            {"name": "kon", "type": "string", "role": "quasi_identifier", "hierarchy": ["*"],
             "level": 0, "description": TEXT},
            {"name": "orsak", "type": "string", "role": "sensitive", "description": TEXT},
            {"name": "notis", "type": "string", "role": "free_text", "action": "drop",
             "description": TEXT},
        ],
    })


def _table() -> pa.Table:
    n = 10
    return pa.table({
        "pnr": [f"1985010{i}-0000" for i in range(n)],
        "namn": [f"Namn {i}" for i in range(n)],
        "alder": [21, 22, 23, 24, 25, 26, 27, 28, 31, 55],
        "kon": ["K", "K", "K", "K", "M", "M", "M", "M", "K", "M"],
        "orsak": ["a", "b", "c", "a", "b", "c", "a", "a", "b", "c"],
        "notis": ["ring 070-123 45 67"] * n,
    })


def test_open_tier_drops_identifiers_and_free_text() -> None:
    result = apply_policy(_table(), _spec())
    assert result.table.column_names == ["alder", "kon", "orsak"]
    assert result.report["dropped_columns"] == ["pnr", "namn", "notis"]


def test_small_classes_are_suppressed_with_stars_and_counted() -> None:
    result = apply_policy(_table(), _spec(k=3, limit=0.2))
    rows = result.table.to_pylist()
    assert rows[8] == {"alder": "*", "kon": "*", "orsak": "b"}  # 30-39 K: alone
    assert rows[9] == {"alder": "*", "kon": "*", "orsak": "c"}  # 50-59 M: alone
    assert result.report["suppressed_records"] == 2
    assert result.report["k_achieved"] == 4
    kept = result.table.filter(pa.array([r["alder"] != "*" for r in rows]))
    assert equivalence_classes(kept, ["alder", "kon"]).sizes.min() >= 3


def test_policy_that_cannot_be_met_fails_without_values() -> None:
    with pytest.raises(ValidationFailed, match="suppression limit") as err:
        apply_policy(_table(), _spec(k=5, limit=0.1))
    assert "Namn" not in str(err.value) and "1985" not in str(err.value)


def test_l_diversity_suppresses_homogeneous_classes() -> None:
    table = _table().set_column(4, "orsak", pa.array(["a"] * 4 + ["b", "c", "a", "b", "x", "y"]))
    result = apply_policy(table, _spec(k=2, limit=0.7, l_div=2))
    rows = result.table.to_pylist()
    assert all(r["alder"] == "*" for r in rows[:4])  # 20-29 K all "a": not 2-diverse
    assert result.report["l_achieved"] == {"orsak": 3}


def test_project_tier_pseudonymises_with_key_id_in_report() -> None:
    key = PseudonymKey("k1", b"a-project-secret-of-enough-length")
    result = apply_policy(_table(), _spec(), tier="project", key=key)
    assert result.table.column_names[0] == "pnr"
    assert all(len(v) == 64 for v in result.table.column("pnr").to_pylist())
    assert result.report["pseudonym_key_id"] == "k1"
    assert [c.name for c in release_columns(_spec(), "project")] == [
        "pnr", "alder", "kon", "orsak"]


def test_project_tier_without_key_is_refused() -> None:
    with pytest.raises(SpecError, match="pseudonym key"):
        apply_policy(_table(), _spec(), tier="project", key=None)
