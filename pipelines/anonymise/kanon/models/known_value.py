"""k-anonymity against an attacker who also knows the sensitive value.

Why: an attacker who knows a person's quasi-identifiers and their sensitive value (the
reason for support, say) singles the person out if no one else in their class shares the
value, and then reads everything else released about them. This model asks that every
value present in a class is held by at least ``k`` records (subjects, in a subject-level
table). Monotone with generalisation and suppression: merging classes only adds holders.
"""

from __future__ import annotations

import numpy as np

from pipelines.anonymise.kanon.classes import Partition
from pipelines.anonymise.kanon.models.base import PrivacyModel
from pipelines.errors import SamverkanError


class KnownValueAnonymity(PrivacyModel):
    """Each sensitive value present in a class is held by at least ``k`` of its members."""

    def __init__(self, attribute: str, k: int = 2) -> None:
        if int(k) != k or k < 1:
            raise SamverkanError("k must be a whole number of at least 1", column=attribute)
        self.attribute = attribute
        self.k = int(k)
        self.min_class_size = self.k

    def _fewest(self, part: Partition) -> np.ndarray:
        values = part.values(self.attribute)
        fewest = np.full(part.n_classes, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(fewest, values.cls, values.count)
        return fewest

    def violating(self, part: Partition) -> np.ndarray:
        fewest = self._fewest(part)
        return (fewest < self.k) & (part.sizes > 0)

    def monotone(self, suppression: bool) -> bool:
        return True

    def describe(self) -> dict[str, object]:
        return {"model": "known-value-k-anonymity", "attribute": self.attribute, "k": self.k}

    def achieved(self, part: Partition, kept: np.ndarray) -> float | None:
        fewest = self._fewest(part)[kept & (part.sizes > 0)]
        return float(fewest.min()) if len(fewest) else None
