"""t-closeness of a sensitive attribute with the earth mover's distance (as ARX defines it).

Each class's value distribution lies within ``t`` of the whole table's distribution.
Equal distance: half the L1 distance. Ordered distance: the L1 distance of the cumulative
distributions along the values' natural order, divided by (number of values - 1).
Both distances are convex, so the model is monotone with generalisation; with suppression
it is not (a merge can pull a close class away), and the search stays exact there.
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Partition
from pipelines.anonymise.kanon.models.base import PrivacyModel
from pipelines.errors import SamverkanError

#: Largest dense (classes x values) block used by the ordered distance.
_BLOCK_CELLS = 1 << 22


def equal_distance(part: Partition, attribute: str) -> np.ndarray:
    """EMD with equal ground distance per class."""
    values = part.values(attribute)
    totals = part.table.sensitive[attribute].totals.astype(np.float64)
    q = totals / totals.sum()
    p = values.count / part.sizes[values.cls].astype(np.float64)
    qv = q[values.value]
    diff = np.bincount(values.cls, weights=np.abs(p - qv), minlength=part.n_classes)
    covered = np.bincount(values.cls, weights=qv, minlength=part.n_classes)
    return 0.5 * (diff + 1.0 - covered)


def ordered_distance(part: Partition, attribute: str) -> np.ndarray:
    """EMD with ordered ground distance per class (values in their natural order)."""
    values = part.values(attribute)
    totals = part.table.sensitive[attribute].totals.astype(np.float64)
    m = len(totals)
    if m <= 1:
        return np.zeros(part.n_classes)
    q = totals / totals.sum()
    order = np.argsort(values.cls, kind="stable")
    cls, val, cnt = values.cls[order], values.value[order], values.count[order]
    out = np.empty(part.n_classes)
    block = max(1, _BLOCK_CELLS // m)
    starts = np.searchsorted(cls, np.arange(0, part.n_classes, block))
    bounds = [*starts.tolist(), len(cls)]
    for b, first in enumerate(range(0, part.n_classes, block)):
        rows = min(block, part.n_classes - first)
        lo, hi = bounds[b], bounds[b + 1]
        local = cls[lo:hi] - first
        share = cnt[lo:hi] / part.sizes[cls[lo:hi]]
        dense = np.bincount(local * m + val[lo:hi], weights=share, minlength=rows * m)
        dense = dense.reshape(rows, m) - q
        out[first : first + rows] = np.abs(np.cumsum(dense, axis=1)).sum(axis=1)
    return out / (m - 1)


class TCloseness(PrivacyModel):
    """Each class's distribution of ``attribute`` within ``t`` of the overall one."""

    def __init__(self, attribute: str, t: float, distance: str = "equal") -> None:
        if not 0 <= t <= 1:
            raise SamverkanError("t must lie in [0, 1]", column=attribute)
        if distance not in ("equal", "ordered"):
            raise SamverkanError("t-closeness distance must be equal or ordered", column=attribute)
        self.attribute = attribute
        self.t = float(t)
        self.distance = distance

    def distances(self, part: Partition) -> np.ndarray:
        if self.distance == "equal":
            return equal_distance(part, self.attribute)
        return ordered_distance(part, self.attribute)

    def violating(self, part: Partition) -> np.ndarray:
        return self.distances(part) > self.t + 1e-12

    def monotone(self, suppression: bool) -> bool:
        return not suppression

    def describe(self) -> dict[str, object]:
        return {
            "model": "t-closeness",
            "attribute": self.attribute,
            "t": self.t,
            "distance": self.distance,
        }

    def achieved(self, part: Partition, kept: np.ndarray) -> float | None:
        d = self.distances(part)[kept]
        return float(d.max()) if len(d) else None
