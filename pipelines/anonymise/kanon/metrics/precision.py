"""Precision (ARX's MetricMDNMPrecision, arithmetic mean; and monotone MetricMDPrecision).

Per quasi-identifier: a kept record costs level / height (times the generalisation
factor), a suppressed record costs the suppression factor; normalised by the records and
averaged over the attributes. The monotone variant ignores suppression.
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.metrics.base import Metric, gs_factors


class PrecisionMetric(Metric):
    """Precision; ``monotonic=True`` ignores suppression."""

    def __init__(self, monotonic: bool = False, gs_factor: float = 0.5) -> None:
        self.monotonic = monotonic
        self.name = "precision_monotonic" if monotonic else "precision"
        self.bound_is_exact = monotonic
        self.g_factor, self.s_factor = gs_factors(gs_factor)

    def _relative(self, dim: int, level: int | np.ndarray) -> np.ndarray:
        height = self.table.hierarchies[dim].height
        return (
            np.asarray(level, dtype=np.float64) / height
            if height
            else np.zeros_like(np.asarray(level, dtype=np.float64))
        )

    def per_attribute(self, ev: Evaluation) -> list[float]:
        n = float(self.table.n_records)
        suppressed = 0.0 if self.monotonic else float(ev.suppressed)
        kept = n - suppressed
        return [
            float((kept * self._relative(d, lv) * self.g_factor + suppressed * self.s_factor) / n)
            for d, lv in enumerate(ev.node)
        ]

    def value(self, ev: Evaluation) -> float:
        values = self.per_attribute(ev)
        return float(sum(v / len(values) for v in values))

    def monotone(self, suppression: bool) -> bool:
        return self.monotonic or not suppression

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray:
        dims = nodes.shape[1]
        result = np.zeros(len(nodes))
        for dim in range(dims):
            rel = self._relative(dim, nodes[:, dim]) * self.g_factor
            if not self.monotonic:
                rel = np.minimum(rel, self.s_factor)
            result = result + rel / dims
        return result
