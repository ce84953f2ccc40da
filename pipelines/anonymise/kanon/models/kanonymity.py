"""k-anonymity: every class holds at least k records.

Monotone with generalisation and with suppression: merging classes only grows them, so a
record in a class of size >= k stays in one.
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Partition
from pipelines.anonymise.kanon.models.base import PrivacyModel
from pipelines.errors import SamverkanError


class KAnonymity(PrivacyModel):
    """Each equivalence class holds at least ``k`` records."""

    def __init__(self, k: int) -> None:
        if int(k) != k or k < 1:
            raise SamverkanError("k must be a whole number of at least 1")
        self.k = int(k)
        self.min_class_size = self.k

    def violating(self, part: Partition) -> np.ndarray:
        return part.sizes < self.k

    def monotone(self, suppression: bool) -> bool:
        return True

    def describe(self) -> dict[str, object]:
        return {"model": "k-anonymity", "k": self.k}

    def achieved(self, part: Partition, kept: np.ndarray) -> float | None:
        sizes = part.sizes[kept]
        return float(sizes.min()) if len(sizes) else None
