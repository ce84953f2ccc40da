"""Average equivalence class size (ARX's MetricSDAECS).

``records / classes``, where kept classes count with ARX's factor and all suppressed
records together form one more class. Lower bound without grouping: the number of classes
is at most min(distinct combinations, product of cardinalities).
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.metrics.base import Metric, gs_factors, max_classes


class AECSMetric(Metric):
    """Average equivalence class size."""

    name = "aec"

    def __init__(self, gs_factor: float = 0.5) -> None:
        g, s = gs_factors(gs_factor)
        # ARX swaps the factors on purpose for this metric.
        self._kept_factor, self._suppressed_factor = s, g

    def value(self, ev: Evaluation) -> float:
        groups = ev.kept_classes * self._kept_factor
        if ev.suppressed:
            groups += self._suppressed_factor
        n = float(self.table.n_records)
        return n / groups if groups else float("inf")

    def monotone(self, suppression: bool) -> bool:
        return not suppression

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray:
        n = float(self.table.n_records)
        groups = max_classes(self.table, nodes) * self._kept_factor + self._suppressed_factor
        return n / groups * (1 - 1e-12)
