"""Re-identification risk on hand-made classes, with and without a population."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.anonymise.kanon import anonymise
from pipelines.anonymise.kanon.risk import class_risk


def test_prosecutor_and_uniques():
    risk = class_risk(np.array([1, 2, 5]), k=2)
    assert risk["prosecutor"] == {"highest": 1.0, "average": 3 / 8}
    assert risk["journalist"]["population"] == "sample"
    assert risk["marketer"]["average"] == pytest.approx(3 / 8)
    assert risk["records_in_classes_below_k"] == pytest.approx(1 / 8)
    assert risk["sample_uniques"] == pytest.approx(1 / 8)


def test_journalist_and_marketer_with_population():
    risk = class_risk(np.array([1, 2]), k=2, population_sizes=np.array([4, 10]))
    assert risk["journalist"]["highest"] == pytest.approx(1 / 4)
    assert risk["journalist"]["average"] == pytest.approx((1 / 4 + 2 / 10) / 3)
    assert risk["marketer"]["average"] == pytest.approx((1 / 4 + 2 / 10) / 3)
    assert risk["prosecutor"]["highest"] == 1.0


def test_population_table_in_engine(tiny):
    table, hierarchies = tiny
    population = table.take(list(range(8)) * 3)  # every class three times as large
    result = anonymise(table, hierarchies, k=2, suppression_limit=0.25, population=population)
    risk = result.risk
    assert risk["journalist"]["population"] == "given"
    assert risk["journalist"]["highest"] == pytest.approx(risk["prosecutor"]["highest"] / 3)
    assert risk["input"]["sample_uniques"] == pytest.approx(4 / 8)
