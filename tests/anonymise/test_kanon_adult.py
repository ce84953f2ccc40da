"""ARX 3.9's optima on the adult benchmark, reproduced exactly, and checked by pycanon."""

from __future__ import annotations

import pytest

from pipelines.anonymise.kanon import anonymise, privacy_models

ARX = [
    # metric, suppression limit, transformation, information loss, suppressed, classes
    ("loss", 0.0, [0, 4, 1, 2, 3, 2, 0, 0], 0.542210825407941, 0, 26),
    ("loss", 0.05, [0, 3, 0, 0, 2, 1, 1, 0], 0.17012279194738156, 1346, 397),
    ("entropy", 0.0, [1, 1, 1, 1, 3, 2, 2, 1], 324620.5269918692, 0, 30),
    ("entropy-nonmonotonic", 0.05, [0, 0, 1, 1, 2, 2, 2, 0], 180132.40848244698, 889, 647),
]


@pytest.mark.parametrize(("metric", "limit", "levels", "loss", "suppressed", "classes"), ARX)
def test_arx_optimum(adult, metric, limit, levels, loss, suppressed, classes, canon):
    table, hierarchies = adult
    result = anonymise(table, hierarchies, k=5, suppression_limit=limit, metric=metric)
    assert list(result.transformation.values()) == levels
    assert result.information_loss[result.metric] == pytest.approx(loss, rel=1e-9)
    assert result.suppressed_records == suppressed
    assert result.report()["classes"] == classes
    assert result.k_achieved >= 5
    # independent check of the release: pycanon, with the suppressed rows as one class
    release = result.table.to_pandas()
    qis = list(hierarchies)
    assert canon.k(release, qis) == result.k_achieved_release
    kept = release[~result.suppressed_rows]
    assert canon.k(kept, qis) == result.k_achieved
    assert len(release) == table.num_rows


def test_search_matches_exhaustive_with_suppression(adult):
    table, hierarchies = adult
    fast = anonymise(table, hierarchies, k=5, suppression_limit=0.05, metric="precision")
    slow = anonymise(
        table, hierarchies, k=5, suppression_limit=0.05, metric="precision", exhaustive=True
    )
    assert fast.transformation == slow.transformation
    assert fast.information_loss["precision"] == slow.information_loss["precision"]
    assert fast.details["search"]["evaluated"] < slow.details["search"]["evaluated"]


def test_l_diversity_checked_by_pycanon(adult, canon):
    table, hierarchies = adult
    models = privacy_models(k=5, l=3, sensitive=["occupation"])
    result = anonymise(
        table,
        hierarchies,
        k=None,
        models=models,
        sensitive=["occupation"],
        suppression_limit=0.02,
    )
    release = result.table.to_pandas()
    kept = release[~result.suppressed_rows]
    qis = list(hierarchies)
    assert canon.k(kept, qis) == result.k_achieved >= 5
    assert canon.l(kept, qis, "occupation") == result.report()["l_achieved"]["occupation"] >= 3


def test_entropy_l_diversity_checked_by_pycanon(adult, canon):
    table, hierarchies = adult
    models = privacy_models(k=5, l=2.5, l_variant="entropy", sensitive=["occupation"])
    result = anonymise(
        table,
        hierarchies,
        k=None,
        models=models,
        sensitive=["occupation"],
        suppression_limit=0.05,
    )
    kept = result.table.to_pandas()[~result.suppressed_rows]
    achieved = result.report()["entropy_l_achieved"]["occupation"]
    assert achieved >= 2.5
    assert canon.entropy_l(kept, list(hierarchies), "occupation") == int(achieved)
