"""Re-identification risk of a set of equivalence classes (prosecutor, journalist, marketer).

Why: every release carries a disclosure-risk report. With f the size of a record's class
in the release and F the size of the matching class in the population:
- prosecutor (the attacker knows the target is in the release): record risk 1/f;
  highest = 1/min f, average = classes / records;
- journalist (the target is somewhere in the population): record risk 1/F;
  highest = 1/min F, average = mean over records of 1/F;
- marketer (re-identify as many as possible): expected share re-identified = mean over
  records of 1/F (equals the prosecutor average when no population is given);
- the share of records in classes smaller than k and of sample uniques (classes of one).
Without a population table F = f (the sample stands for the population) and the report
says so. Suppressed records are not in any class: they carry no quasi-identifier value.
"""

from __future__ import annotations

import numpy as np


def class_risk(
    sizes: np.ndarray, k: int, population_sizes: np.ndarray | None = None
) -> dict[str, object]:
    """Risk figures for classes of ``sizes`` records (population class sizes optional)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    records = float(sizes.sum())
    if records == 0:
        zero = {"highest": 0.0, "average": 0.0}
        return {
            "prosecutor": dict(zero),
            "journalist": {**zero, "population": "sample" if population_sizes is None else "given"},
            "marketer": {"average": 0.0},
            "records_in_classes_below_k": 0.0,
            "sample_uniques": 0.0,
            "records": 0,
            "classes": 0,
        }
    if population_sizes is None:
        pop = sizes
        population = "sample"
    else:
        pop = np.maximum(np.asarray(population_sizes, dtype=np.float64), sizes)
        population = "given"
    journalist_avg = float((sizes / pop).sum() / records)
    return {
        "prosecutor": {"highest": float(1.0 / sizes.min()), "average": len(sizes) / records},
        "journalist": {
            "highest": float(1.0 / pop.min()),
            "average": journalist_avg,
            "population": population,
        },
        "marketer": {"average": journalist_avg},
        "records_in_classes_below_k": float(sizes[sizes < k].sum() / records),
        "sample_uniques": float(sizes[sizes == 1].sum() / records),
        "records": int(records),
        "classes": len(sizes),
    }
