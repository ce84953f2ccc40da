"""Discernibility (ARX's MetricSDNMDiscernability and the monotone DM*).

Each kept record costs the size of its class, each suppressed record the number of
records: ``sum kept c^2 + n * suppressed``. DM* ignores suppression: ``sum c^2`` over all
classes. Lower bound without grouping: with at most C classes, ``sum c^2 >= n^2 / C``
(Cauchy-Schwarz), and C is at most min(distinct combinations, product of cardinalities).
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.metrics.base import Metric, max_classes


class DiscernibilityMetric(Metric):
    """Discernibility; ``monotonic=True`` gives DM*."""

    def __init__(self, monotonic: bool = False) -> None:
        self.monotonic = monotonic
        self.name = "discernibility_star" if monotonic else "discernibility"

    def value(self, ev: Evaluation) -> float:
        sizes = ev.partition.sizes.astype(np.float64)
        if self.monotonic:
            return float((sizes * sizes).sum())
        kept = sizes[~ev.class_suppressed]
        n = float(self.table.n_records)
        return float((kept * kept).sum() + n * float(ev.suppressed))

    def monotone(self, suppression: bool) -> bool:
        return self.monotonic or not suppression

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray:
        n = float(self.table.n_records)
        classes = max_classes(self.table, nodes)
        bound = n * n / np.maximum(classes, 1.0)
        if not self.monotonic:
            bound = np.where(classes < 2, 0.75 * n * n, bound)
        return bound * (1 - 1e-12)
