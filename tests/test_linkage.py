"""Linkage drill: an attacker with public-register facts against the release."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from pipelines.anonymise.generalise import generalise
from pipelines.anonymise.linkage import linkage_drill, release_level
from pipelines.anonymise.policy import apply_policy
from pipelines.errors import SamverkanError
from pipelines.specs.model import DatasetSpec

TEXT = {"sv": "x", "en": "x"}


def _spec(k: int, public: list[str], limit: float = 0.2) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "drill",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "jsonl", "path": "x.jsonl"},
            "anonymisation": {"k": k, "suppression_limit": limit, "public_attributes": public},
            "columns": [
                {
                    "name": "pnr",
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
                    "hierarchy": [{"band": 5, "min": 0}, {"band": 20, "min": 0}, "*"],
                    "level": "auto",
                },
                {
                    "name": "kon",
                    "type": "string",
                    "role": "quasi_identifier",
                    "hierarchy": ["*"],
                    "level": 0,
                    "description": TEXT,
                },
                {
                    "name": "stadsdel",
                    "type": "string",
                    "role": "quasi_identifier",
                    "hierarchy": ["*"],
                    "level": "auto",
                    "description": TEXT,
                },
                {"name": "belopp", "type": "float", "role": "sensitive", "description": TEXT},
            ],
        }
    )


def _raw(n: int = 400, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "pnr": [f"19{i:06d}-0000" for i in range(n)],
            "alder": rng.integers(18, 95, n),
            "kon": rng.choice(["K", "M"], n),
            "stadsdel": rng.choice(["Flemingsberg", "Vårby", "Segeltorp", None], n),
            "belopp": rng.uniform(0, 20000, n),
        }
    )


def _brute_force(
    raw: pa.Table, release: pa.Table, spec: DatasetSpec, levels: dict[str, int]
) -> dict[str, Any]:
    """The drill's figures by looping over people and release records."""
    names = spec.anonymisation.public_attributes
    known = [
        tuple(
            generalise(raw.column(a), spec.column(a).hierarchy or [], levels[a]).to_pylist()[i]
            for a in names
        )
        for i in range(raw.num_rows)
    ]
    published = list(zip(*(release.column(a).to_pylist() for a in names), strict=True))
    n = raw.num_rows
    unique = correct = below_k = matched = 0
    expected = expected_correct = 0.0
    for i, key in enumerate(known):
        candidates = [j for j, row in enumerate(published) if row == key]
        c = len(candidates)
        matched += c >= 1
        unique += c == 1
        below_k += 1 <= c < spec.anonymisation.k
        correct += candidates == [i]
        expected += 1 / c if c else 0.0
        expected_correct += 1 / c if i in candidates else 0.0
    return {
        "matched_share": matched / n,
        "matched_uniquely_share": unique / n,
        "matched_below_k_share": below_k / n,
        "unique_matches_correct_share": correct / unique if unique else None,
        "expected_reidentification_share": expected / n,
        "expected_correct_reidentification_share": expected_correct / n,
    }


@pytest.mark.parametrize("k", [1, 2, 5])
def test_drill_figures_match_a_brute_force_attack(k: int) -> None:
    spec = _spec(k, ["alder", "kon", "stadsdel"])
    raw = _raw()
    result = apply_policy(raw, spec)
    levels = result.report["transformation"]
    drill = linkage_drill(raw, result.table, spec, levels=levels)
    expected = _brute_force(raw, result.table, spec, levels)
    for name, value in expected.items():
        assert drill[name] == pytest.approx(value), name
    assert drill["performed"] and drill["records"] == raw.num_rows
    assert result.report["linkage_drill"] == drill
    if k == 1:  # exact ages: many people are singled out, and correctly
        assert drill["matched_uniquely_share"] > 0.1
        assert drill["unique_matches_correct_share"] == 1.0
    else:  # k-anonymous on all three: nobody is singled out
        assert drill["matched_uniquely_share"] == 0.0
        assert drill["matched_below_k_share"] == 0.0


def test_fewer_public_attributes_single_out_fewer_people() -> None:
    raw = _raw()
    spec_all = _spec(1, ["alder", "kon", "stadsdel"])
    spec_sex = _spec(1, ["kon"])
    release = apply_policy(raw, spec_all).table
    levels = apply_policy(raw, spec_all).report["transformation"]
    assert linkage_drill(raw, release, spec_sex, levels=levels)["matched_uniquely_share"] == 0.0
    assert linkage_drill(raw, release, spec_all, levels=levels)["matched_uniquely_share"] > 0.0


def test_levels_are_read_off_the_release_when_not_given() -> None:
    spec = _spec(5, ["alder", "kon", "stadsdel"])
    raw = _raw()
    result = apply_policy(raw, spec)
    levels = result.report["transformation"]
    assert {a: release_level(raw, result.table, spec, a) for a in levels} == levels
    assert linkage_drill(raw, result.table, spec) == linkage_drill(
        raw, result.table, spec, levels=levels
    )


def test_suppressed_people_are_not_matched() -> None:
    spec = _spec(3, ["alder", "kon"], limit=1.0)
    raw = pa.table(
        {
            "pnr": ["a", "b", "c", "d"],
            "alder": [30, 31, 32, 70],
            "kon": ["K"] * 4,
            "stadsdel": ["X"] * 4,
            "belopp": [1.0] * 4,
        }
    )
    release = raw.select(["alder", "kon", "stadsdel", "belopp"])
    release = release.set_column(0, "alder", pa.array(["30-34"] * 3 + ["*"]))
    release = release.set_column(1, "kon", pa.array(["K"] * 3 + ["*"]))
    release = release.set_column(2, "stadsdel", pa.array(["X"] * 3 + ["*"]))
    drill = linkage_drill(raw, release, spec, levels={"alder": 1, "kon": 0})
    assert drill["matched_share"] == 0.75
    assert drill["matched_uniquely_share"] == 0.0
    assert drill["expected_reidentification_share"] == pytest.approx(3 * (1 / 3) / 4)


def test_the_drill_report_holds_no_value() -> None:
    spec = _spec(1, ["alder", "kon", "stadsdel"])
    raw = _raw(50)
    drill = apply_policy(raw, spec).report["linkage_drill"]
    text = json.dumps(drill)
    for value in ("Flemingsberg", "Vårby", "19000001"):
        assert value not in text
    texts = {v for v in drill.values() if isinstance(v, str)}
    assert texts == {drill["attacker"]}  # every other figure is a number, name or level
    assert drill["public_attributes"] == ["alder", "kon", "stadsdel"]
    assert all(isinstance(v, int) for v in drill["levels"].values())


def test_raw_and_release_must_line_up() -> None:
    spec = _spec(5, ["kon"])
    raw = _raw(20)
    with pytest.raises(SamverkanError, match="row for row"):
        linkage_drill(raw, raw.slice(0, 10), spec, levels={"kon": 0})


def test_without_public_attributes_nothing_is_attempted() -> None:
    spec = _spec(2, [])
    raw = _raw(60)
    release = apply_policy(raw, spec)
    assert "linkage_drill" not in release.report
    assert linkage_drill(raw, release.table, spec)["performed"] is False
