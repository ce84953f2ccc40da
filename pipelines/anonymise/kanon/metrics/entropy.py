"""ARX's non-uniform entropy (MetricMDNUEntropyPrecomputed and its non-monotonic variant).

Per quasi-identifier: ``-sum over original values a * log2(a / b)`` with ``a`` the records
holding the value and ``b`` the records holding its generalised label; summed over the
attributes. It is computed from the value counts of the whole table (ARX's "precomputed"
form; ARX's threshold only chooses how to compute it, never changes the value), so the
monotonic variant ignores suppression and is exact as a per-node bound. The non-monotonic
variant adds, per attribute, the entropy of the suppressed records' generalised values,
``-sum c * log2(c / suppressed)``, which makes it non-monotone with suppression.
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.frequency import FrequencyTable
from pipelines.anonymise.kanon.metrics.base import LN2, Metric, arx_round, gs_factors


def _log2(x: np.ndarray) -> np.ndarray:
    return np.log(x) / LN2  # as ARX computes it, for bit-near agreement


class EntropyMetric(Metric):
    """Non-uniform entropy; ``monotonic=False`` adds the loss of suppressed records."""

    def __init__(self, monotonic: bool = True, gs_factor: float = 0.5) -> None:
        self.monotonic = monotonic
        self.name = "entropy" if monotonic else "entropy_nonmonotonic"
        self.bound_is_exact = monotonic
        self.g_factor, self.s_factor = gs_factors(gs_factor)

    def prepare(self, table: FrequencyTable) -> None:
        super().prepare(table)
        self._raw: list[np.ndarray] = []
        self._bounds: list[np.ndarray] = []
        for dim, hierarchy in enumerate(table.hierarchies):
            a = table.value_counts(dim)
            present = a > 0
            raw = []
            for level in range(hierarchy.levels):
                codes = hierarchy.codes(level)
                b = np.bincount(codes, weights=a)[codes]
                raw.append(float((a[present] * _log2(a[present] / b[present])).sum()))
            raw_arr = np.array(raw) * self.g_factor
            self._raw.append(raw_arr)
            self._bounds.append(np.array([self._finish(r) for r in raw_arr]))

    @staticmethod
    def _finish(raw: float) -> float:
        return float(arx_round(-raw if raw != 0.0 else raw))

    def per_attribute(self, ev: Evaluation) -> list[float]:
        """Entropy loss of every quasi-identifier."""
        node = ev.node
        if self.monotonic or not ev.suppressed:
            return [float(self._bounds[d][lv]) for d, lv in enumerate(node)]
        table = self.table
        mask = ev.combo_suppressed
        counts = table.counts[mask].astype(np.float64)
        total = counts.sum()
        values = []
        for dim, level in enumerate(node):
            codes = table.generalised(dim, level)[mask]
            c = np.bincount(codes, weights=counts)
            c = c[c > 0]
            raw = self._raw[dim][level] + float((c * _log2(c / total)).sum()) * self.s_factor
            values.append(self._finish(raw))
        return values

    def value(self, ev: Evaluation) -> float:
        return float(sum(self.per_attribute(ev)))

    def monotone(self, suppression: bool) -> bool:
        return self.monotonic or not suppression

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray:
        result = np.zeros(len(nodes))
        for dim in range(nodes.shape[1]):
            result = result + self._bounds[dim][nodes[:, dim]]
        return result
