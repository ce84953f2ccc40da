"""The engine with data subjects: classes count people, suppression hides a person everywhere.

The oracle here is written apart from the engine: pandas group-bys over the generalised
records, and a plain loop for the subject-level suppression fixpoint.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.anonymise.kanon import Hierarchy, anonymise
from pipelines.anonymise.kanon.frequency import build_frequency_table
from pipelines.anonymise.kanon.metrics import metric_by_name
from pipelines.anonymise.kanon.models import KAnonymity
from pipelines.anonymise.kanon.search import evaluate_node

AGES = list(range(20, 60))


def _age_hierarchy() -> Hierarchy:
    rows = [[str(a), f"{a // 5 * 5}", f"{a // 10 * 10}", f"{a // 20 * 20}", "*"] for a in AGES]
    return Hierarchy(rows, name="age")


def _zip_hierarchy(zips: list[str]) -> Hierarchy:
    return Hierarchy([[z, z[:3], z[:2], "*"] for z in zips], name="zip")


def _sex_hierarchy() -> Hierarchy:
    return Hierarchy([["K", "*"], ["M", "*"]], name="sex")


def longitudinal(seed: int, people: int = 60) -> tuple[pa.Table, np.ndarray, list[str]]:
    """People with 1-8 records each; age drifts on some, the zip code moves on a few."""
    rng = np.random.default_rng(seed)
    zips = [f"{a}{b}{c}" for a in "12" for b in "34" for c in "56"]
    rows = []
    for person in range(people):
        age = int(rng.integers(20, 55))
        sex = "K" if rng.random() < 0.5 else "M"
        zipcode = zips[int(rng.integers(0, len(zips)))]
        for month in range(int(rng.integers(1, 9))):
            if rng.random() < 0.15:
                age += 1
            if rng.random() < 0.05:
                zipcode = zips[int(rng.integers(0, len(zips)))]
            rows.append((person, str(age), sex, zipcode, month))
    frame = pd.DataFrame(rows, columns=["person", "age", "sex", "zip", "month"])
    table = pa.Table.from_pandas(frame[["age", "sex", "zip"]], preserve_index=False)
    return table, frame["person"].to_numpy(), zips


def _labels(hierarchy: Hierarchy, level: int, values: pd.Series) -> pd.Series:
    mapping = {row[0]: row[level] for row in hierarchy._rows}
    return values.map(mapping)


def oracle(
    table: pa.Table, subjects: np.ndarray, hierarchies: dict[str, Hierarchy], node, k: int
) -> set[int]:
    """Subjects suppressed at ``node``: any subject in a class of fewer than k distinct
    subjects, repeated over the subjects left until no class is too small."""
    frame = table.to_pandas()
    generalised = pd.DataFrame(
        {
            name: _labels(h, level, frame[name])
            for (name, h), level in zip(hierarchies.items(), node, strict=True)
        }
    )
    generalised["subject"] = subjects
    suppressed: set[int] = set()
    while True:
        alive = generalised[~generalised["subject"].isin(suppressed)]
        if alive.empty:
            return suppressed
        people = alive.groupby(list(hierarchies))["subject"].transform("nunique")
        small = set(alive.loc[people < k, "subject"])
        if not small:
            return suppressed
        suppressed |= small


def _hierarchies(zips: list[str]) -> dict[str, Hierarchy]:
    return {"age": _age_hierarchy(), "sex": _sex_hierarchy(), "zip": _zip_hierarchy(zips)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_node_suppresses_the_oracles_subjects(seed: int) -> None:
    table, subjects, zips = longitudinal(seed)
    hierarchies = _hierarchies(zips)
    freq = build_frequency_table(table, hierarchies, subjects=subjects)
    assert freq.n_units == len(set(subjects))
    for node in itertools.product(*(range(h.levels) for h in hierarchies.values())):
        ev = evaluate_node(freq, node, [KAnonymity(3)], max_suppressed=10**9)
        engine = {int(s) for s in np.unique(subjects[ev.combo_suppressed[freq.record_combo]])}
        assert engine == oracle(table, subjects, hierarchies, node, 3), node
        assert ev.suppressed == len(engine)


@pytest.mark.parametrize("seed", [4, 5])
def test_search_finds_the_brute_force_optimum_with_subjects(seed: int) -> None:
    table, subjects, zips = longitudinal(seed, people=80)
    hierarchies = _hierarchies(zips)
    k, limit = 3, 0.1
    result = anonymise(
        table, hierarchies, k=k, suppression_limit=limit, metric="loss", subjects=subjects
    )
    # brute force: every node the oracle accepts, its loss by the metric, the best one
    freq = build_frequency_table(table, hierarchies, subjects=subjects)
    metric = metric_by_name("loss")
    metric.prepare(freq)
    allowed = math.floor(limit * len(set(subjects)))
    best = None
    for node in itertools.product(*(range(h.levels) for h in hierarchies.values())):
        if len(oracle(table, subjects, hierarchies, node, k)) > allowed:
            continue
        ev = evaluate_node(freq, node, [KAnonymity(k)], allowed)
        assert ev.anonymous
        key = (metric.value(ev), sum(node), node)
        best = key if best is None or key < best else best
    assert best is not None
    assert tuple(result.transformation.values()) == best[2]
    assert result.details["unit"] == "subjects"
    assert result.details["suppressed_subjects"] <= allowed


def test_row_level_k_passes_where_subject_level_fails() -> None:
    """Ten people with five records each and a unique age: five records share every
    class (row-level k=5 holds at the original values) but each class is one person."""
    rows = [(person, str(20 + person), "K", "12345") for person in range(10) for _ in range(5)]
    frame = pd.DataFrame(rows, columns=["person", "age", "sex", "zip"])
    table = pa.Table.from_pandas(frame[["age", "sex", "zip"]], preserve_index=False)
    hierarchies = {
        "age": Hierarchy([[str(20 + p), "*"] for p in range(10)], name="age"),
        "sex": Hierarchy([["K", "*"]], name="sex"),
        "zip": Hierarchy([["12345", "*"]], name="zip"),
    }
    by_row = anonymise(table, hierarchies, k=5, suppression_limit=0.0)
    assert by_row.transformation == {"age": 0, "sex": 0, "zip": 0}
    by_person = anonymise(
        table, hierarchies, k=5, suppression_limit=0.0, subjects=frame["person"].to_numpy()
    )
    assert by_person.transformation["age"] == 1  # ages must go: each is one person
    assert by_person.k_achieved == 10
