"""Information-loss metrics on the tiny table, against values computed by hand.

Node (age level 1, sex level 0), k = 2, two records suppressed (the classes of one):
- Loss: age (6 * 2/4 + 2 - 2) / (8 - 2) = 0.5, sex (6 * 1/2 + 2 - 4) / (8 - 4) = 0.25,
  geometric mean sqrt(1.5 * 1.25) - 1;
- entropy: age 8 * -log2(1/2) = 8, sex 0; non-monotonic adds 2 + 2 for the suppressed;
- discernibility 3^2 + 3^2 + 8 * 2 = 34, DM* 9 + 1 + 9 + 1 = 20;
- AECS 8 / (2 kept classes + 1 suppressed group);
- precision: age (6 * 1/2 + 2) / 8, sex 2 / 8, mean 0.4375.
"""

from __future__ import annotations

import math

import pytest

from pipelines.anonymise.kanon.frequency import build_frequency_table
from pipelines.anonymise.kanon.lattice import Lattice
from pipelines.anonymise.kanon.metrics import (
    AECSMetric,
    DiscernibilityMetric,
    EntropyMetric,
    LossMetric,
    PrecisionMetric,
)
from pipelines.anonymise.kanon.models import KAnonymity
from pipelines.anonymise.kanon.search import evaluate_node

EXPECTED = [
    (LossMetric(), math.sqrt(1.5 * 1.25) - 1),
    (EntropyMetric(monotonic=True), 8.0),
    (EntropyMetric(monotonic=False), 12.0),
    (DiscernibilityMetric(monotonic=False), 34.0),
    (DiscernibilityMetric(monotonic=True), 20.0),
    (AECSMetric(), 8 / 3),
    (PrecisionMetric(monotonic=False), 0.4375),
    (PrecisionMetric(monotonic=True), 0.25),
]


@pytest.fixture()
def evaluated(tiny):
    table, hierarchies = tiny
    freq = build_frequency_table(table, hierarchies)
    ev = evaluate_node(freq, (1, 0), [KAnonymity(2)], max_suppressed=2)
    assert ev.anonymous and ev.suppressed == 2
    return freq, ev


@pytest.mark.parametrize(("metric", "expected"), EXPECTED, ids=lambda m: getattr(m, "name", ""))
def test_metric_value(evaluated, metric, expected):
    freq, ev = evaluated
    metric.prepare(freq)
    assert metric.value(ev) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("metric", "expected"), EXPECTED, ids=lambda m: getattr(m, "name", ""))
def test_lower_bound_never_exceeds_value(tiny, metric, expected):
    table, hierarchies = tiny
    freq = build_frequency_table(table, hierarchies)
    metric.prepare(freq)
    lattice = Lattice([h.levels for h in freq.hierarchies])
    bounds = metric.lower_bounds(lattice.nodes())
    for index, node in enumerate(lattice.nodes()):
        for limit in (0, 2, 8):
            ev = evaluate_node(freq, tuple(node), [KAnonymity(2)], limit)
            if ev.anonymous and bounds is not None:
                assert bounds[index] <= metric.value(ev) + 1e-12


def test_loss_without_suppression_is_generalisation_only(tiny):
    table, hierarchies = tiny
    freq = build_frequency_table(table, hierarchies)
    ev = evaluate_node(freq, (2, 1), [KAnonymity(2)], 0)
    metric = LossMetric()
    metric.prepare(freq)
    assert metric.value(ev) == pytest.approx(1.0)  # everything generalised to *
    ev0 = evaluate_node(freq, (0, 0), [KAnonymity(1)], 0)
    assert metric.value(ev0) == 0.0
