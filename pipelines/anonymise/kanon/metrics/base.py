"""The contract every information-loss metric fulfils, and ARX's shared conventions.

Why: the search needs from a metric its value for an evaluated transformation, optionally
a cheap lower bound for every lattice node (to prune without evaluating), and whether the
value can only grow with generalisation (to skip coarser anonymous nodes). ARX's
generalisation/suppression factor and its rounding live here so every metric applies
them the same way.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.frequency import FrequencyTable

#: ARX compares information loss after flooring to 10 decimals.
_ROUND = 1e10
LN2 = math.log(2.0)


def arx_round(value: float | np.ndarray) -> float | np.ndarray:
    """ARX's ``Metric.round``: floor to 10 decimals."""
    return np.floor(np.asarray(value) * _ROUND) / _ROUND


def gs_factors(gs_factor: float) -> tuple[float, float]:
    """(generalisation factor, suppression factor) from ARX's gs-factor in [0, 1]."""
    if not 0.0 <= gs_factor <= 1.0:
        raise ValueError("gs_factor must lie in [0, 1]")
    s_factor = 2.0 * gs_factor if gs_factor < 0.5 else 1.0
    g_factor = 1.0 if gs_factor <= 0.5 else 1.0 - 2.0 * (gs_factor - 0.5)
    return g_factor, s_factor


def max_classes(table: FrequencyTable, nodes: np.ndarray) -> np.ndarray:
    """Upper bound on the number of classes of every node (float)."""
    log_space = np.zeros(len(nodes))
    for dim, hierarchy in enumerate(table.hierarchies):
        cards = np.array([hierarchy.cardinality(lv) for lv in range(hierarchy.levels)])
        log_space += np.log(cards[nodes[:, dim]].astype(np.float64))
    space = np.exp(np.minimum(log_space, 700.0))
    return np.minimum(space, float(table.n_combos))


class Metric(ABC):
    """An information-loss metric (lower is better)."""

    name: str = "metric"
    #: True when ``value`` equals the lower bound for every node (no evaluation needed).
    bound_is_exact: bool = False

    def prepare(self, table: FrequencyTable) -> None:
        """Precompute what does not depend on the transformation."""
        self.table = table

    @abstractmethod
    def value(self, ev: Evaluation) -> float:
        """Information loss of an evaluated transformation."""

    @abstractmethod
    def monotone(self, suppression: bool) -> bool:
        """Whether the loss can only grow with generalisation among anonymous nodes."""

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray | None:
        """A lower bound of the loss for every node (rows of levels), or None."""
        return None
