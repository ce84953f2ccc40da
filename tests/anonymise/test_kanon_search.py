"""The pruned search returns exactly what exhaustive evaluation returns, for every metric
and for monotone and non-monotone model sets, on random small tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from pipelines.anonymise.kanon import Hierarchy, anonymise, privacy_models
from pipelines.anonymise.kanon.metrics import METRICS


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 200))
    columns, hierarchies = {}, {}
    for q in range(3):
        size = int(rng.integers(3, 9))
        values = [f"v{i}" for i in range(size)]
        rows = []
        for i, v in enumerate(values):
            rows.append([v, f"g{i // 2}", f"h{i // 4}", "*"])
        hierarchies[f"q{q}"] = Hierarchy(rows, name=f"q{q}")
        columns[f"q{q}"] = rng.choice(values, size=n, p=rng.dirichlet(np.ones(size)))
    columns["s"] = rng.choice(["x", "y", "z", "w"], size=n)
    return pa.table(columns), hierarchies


CASES = [
    ("k", dict(k=3)),
    ("distinct-l", dict(k=2, l=2)),
    ("entropy-l", dict(k=2, l=1.5, l_variant="entropy")),
    ("t-equal", dict(k=2, t=0.4)),
    ("t-ordered", dict(k=2, t=0.3, t_distance="ordered")),
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("case", "params"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("limit", [0.0, 0.1])
def test_pruned_equals_exhaustive(seed, case, params, limit):
    table, hierarchies = _random_case(seed)
    sensitive = ["s"] if len(params) > 1 else []
    models = privacy_models(sensitive=sensitive, **params)
    for metric in METRICS:
        results = []
        for exhaustive in (False, True):
            try:
                r = anonymise(
                    table,
                    hierarchies,
                    k=None,
                    models=models,
                    sensitive=sensitive,
                    suppression_limit=limit,
                    metric=metric,
                    exhaustive=exhaustive,
                )
                results.append((r.transformation, r.information_loss[r.metric]))
            except Exception as exc:  # both must fail alike
                results.append(type(exc).__name__)
        assert results[0] == results[1], (metric, results)
