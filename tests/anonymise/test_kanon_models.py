"""Privacy models on a tiny table, against values computed by hand.

At node (age level 1, sex level 0) the tiny table has four classes:
(20-29, M) = diag {a, b, a}, (20-29, F) = {c}, (30-39, F) = {a, a, b}, (30-39, M) = {c};
overall distribution a 1/2, b 1/4, c 1/4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipelines.anonymise.kanon.classes import partition
from pipelines.anonymise.kanon.frequency import build_frequency_table
from pipelines.anonymise.kanon.models import (
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    TCloseness,
)
from pipelines.anonymise.kanon.models.ldiversity import entropy
from pipelines.anonymise.kanon.models.tcloseness import equal_distance, ordered_distance


@pytest.fixture()
def classes(tiny):
    table, hierarchies = tiny
    freq = build_frequency_table(table, hierarchies, ["diag"])
    part = partition(freq, (1, 0))
    # order classes by size then by whether they hold the value c, for stable assertions
    return part


def _by_size(part, values):
    order = np.lexsort((values, part.sizes))
    return part.sizes[order].tolist(), np.asarray(values)[order].tolist()


def test_k_anonymity(classes):
    assert sorted(classes.sizes.tolist()) == [1, 1, 3, 3]
    assert KAnonymity(2).violating(classes).sum() == 2
    assert KAnonymity(1).violating(classes).sum() == 0
    assert KAnonymity(4).violating(classes).sum() == 4


def test_distinct_l_diversity(classes):
    model = DistinctLDiversity("diag", 2)
    bad = model.violating(classes)
    assert classes.sizes[bad].tolist() == [1, 1]
    assert DistinctLDiversity("diag", 3).violating(classes).all()


def test_entropy_l_diversity(classes):
    h = entropy(classes, "diag")
    big = classes.sizes == 3
    expected = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert np.allclose(h[big], expected)
    assert np.allclose(h[~big], 0.0)
    # exp(H) = 1.8899: l = 1.88 holds for the big classes, l = 1.9 does not
    assert EntropyLDiversity("diag", 1.88).violating(classes).tolist() == (~big).tolist()
    assert EntropyLDiversity("diag", 1.9).violating(classes).all()


def test_t_closeness_equal_distance(classes):
    d = equal_distance(classes, "diag")
    big = classes.sizes == 3
    assert np.allclose(d[big], 0.25) and np.allclose(d[~big], 0.75)
    assert TCloseness("diag", 0.25).violating(classes).tolist() == (~big).tolist()


def test_t_closeness_ordered_distance(classes):
    d = ordered_distance(classes, "diag")
    big = classes.sizes == 3
    assert np.allclose(d[big], 5 / 24) and np.allclose(d[~big], 0.625)
    model = TCloseness("diag", 0.21, "ordered")
    assert model.violating(classes).tolist() == (~big).tolist()


def test_monotonicity_flags():
    assert KAnonymity(2).monotone(True) and DistinctLDiversity("d", 2).monotone(True)
    assert not EntropyLDiversity("d", 2).monotone(True)
    assert EntropyLDiversity("d", 2).monotone(False)
    assert not TCloseness("d", 0.2).monotone(True) and TCloseness("d", 0.2).monotone(False)
