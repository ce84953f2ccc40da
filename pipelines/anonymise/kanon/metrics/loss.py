"""ARX's Loss metric (MetricMDNMLoss, ARX's default utility measure).

Per quasi-identifier, every kept record costs the share of the domain its generalised
value covers (the hierarchy rows under its label / all rows) times the generalisation
factor; a suppressed record costs 1 (with the default gs-factor 0.5). The sum is
normalised to [0, 1] per attribute, floored to 10 decimals, and the attributes are
aggregated with the geometric mean ``prod(v + 1) ** (1/n) - 1``.
The generalisation-only part is a lower bound that needs no grouping, which is what lets
the search prune without evaluating. Monotone with generalisation, not with suppression.
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.frequency import FrequencyTable
from pipelines.anonymise.kanon.metrics.base import Metric, arx_round, gs_factors

AGGREGATES = ("geometric", "arithmetic", "sum", "max")


def aggregate(values: list[np.ndarray] | list[float], how: str) -> np.ndarray:
    """ARX's aggregate functions over per-attribute values (elementwise for arrays)."""
    n = len(values)
    if how == "geometric":
        result = np.ones_like(np.asarray(values[0], dtype=np.float64))
        for v in values:
            result = result * np.power(np.asarray(v) + 1.0, 1.0 / n)
        return result - 1.0
    if how == "arithmetic":
        result = np.zeros_like(np.asarray(values[0], dtype=np.float64))
        for v in values:
            result = result + np.asarray(v) / n
        return result
    if how == "sum":
        result = np.zeros_like(np.asarray(values[0], dtype=np.float64))
        for v in values:
            result = result + np.asarray(v)
        return result
    if how == "max":
        return np.max(np.stack([np.asarray(v) for v in values]), axis=0)
    raise ValueError(f"unknown aggregate function {how}")


class LossMetric(Metric):
    """Loss with a gs-factor (0.5: generalisation and suppression weigh the same)."""

    name = "loss"

    def __init__(self, gs_factor: float = 0.5, aggregate: str = "geometric") -> None:
        if aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {AGGREGATES}")
        self.gs_factor = gs_factor
        self.g_factor, self.s_factor = gs_factors(gs_factor)
        self.aggregate = aggregate

    def prepare(self, table: FrequencyTable) -> None:
        super().prepare(table)
        n = float(table.n_records)
        self._n = n
        self._generalised: list[np.ndarray] = []
        self._bounds: list[np.ndarray] = []
        for dim, hierarchy in enumerate(table.hierarchies):
            counts = table.value_counts(dim)
            totals = np.array([counts @ share for share in hierarchy.shares]) * self.g_factor
            self._generalised.append(totals)
            self._bounds.append(
                np.array([self._normalise(t, dim) for t in totals], dtype=np.float64)
            )

    def _normalise(self, total: float, dim: int) -> float:
        size = self.table.hierarchies[dim].size
        low = self.g_factor * self._n / size
        span = self._n - low
        if span <= 0:
            return 0.0
        return float(arx_round(max((total - low) / span, 0.0)))

    def per_attribute(self, ev: Evaluation) -> list[float]:
        """Normalised loss of every quasi-identifier."""
        table = self.table
        node = ev.node
        mask = ev.combo_suppressed if ev.suppressed else None
        values = []
        for dim, level in enumerate(node):
            total = self._generalised[dim][level]
            if mask is not None:
                counts = table.counts[mask].astype(np.float64)
                share = table.hierarchies[dim].shares[level][table.combos[mask, dim]]
                part = counts * share
                total = total - self.g_factor * part.sum()
                if self.s_factor == 1.0:
                    total = total + counts.sum()
                else:
                    total = total + (part + self.s_factor * (counts - part)).sum()
            values.append(self._normalise(total, dim))
        return values

    def value(self, ev: Evaluation) -> float:
        return float(aggregate(self.per_attribute(ev), self.aggregate))

    def monotone(self, suppression: bool) -> bool:
        return not suppression

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray:
        parts = [self._bounds[dim][nodes[:, dim]] for dim in range(nodes.shape[1])]
        return aggregate(parts, self.aggregate)
