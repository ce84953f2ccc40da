"""l-diversity of a sensitive attribute: distinct and entropy variants (as ARX checks them).

Distinct: a class holds at least l different values; monotone with generalisation and
suppression (merging never loses a value). Entropy: the Shannon entropy (natural log) of
the class's value distribution is at least log(l), and the class holds at least ceil(l)
values; monotone with generalisation only (a mixture is at least as diverse as its least
diverse part, but with suppression a merge can pull a diverse class below the threshold).
"""

from __future__ import annotations

import math

import numpy as np

from pipelines.anonymise.kanon.classes import Partition
from pipelines.anonymise.kanon.models.base import PrivacyModel
from pipelines.errors import SamverkanError


def _check_l(l: float, attribute: str) -> None:  # noqa: E741 - l is the model's name
    if not l >= 1:
        raise SamverkanError("l must be at least 1", column=attribute)


def distinct_values(part: Partition, attribute: str) -> np.ndarray:
    """Number of distinct sensitive values per class."""
    values = part.values(attribute)
    return np.bincount(values.cls, minlength=part.n_classes)


def entropy(part: Partition, attribute: str) -> np.ndarray:
    """Shannon entropy (natural log) of the sensitive values per class."""
    values = part.values(attribute)
    f = values.count.astype(np.float64)
    flogf = np.bincount(values.cls, weights=f * np.log(f), minlength=part.n_classes)
    n = part.sizes.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.log(n) - flogf / n
    return np.where(n > 0, h, 0.0)


class DistinctLDiversity(PrivacyModel):
    """Each class holds at least ``l`` distinct values of ``attribute``."""

    def __init__(self, attribute: str, l: int) -> None:  # noqa: E741
        _check_l(l, attribute)
        self.attribute = attribute
        self.l = math.ceil(l)
        self.min_class_size = self.l

    def violating(self, part: Partition) -> np.ndarray:
        return distinct_values(part, self.attribute) < self.l

    def monotone(self, suppression: bool) -> bool:
        return True

    def describe(self) -> dict[str, object]:
        return {"model": "distinct-l-diversity", "attribute": self.attribute, "l": self.l}

    def achieved(self, part: Partition, kept: np.ndarray) -> float | None:
        counts = distinct_values(part, self.attribute)[kept]
        return float(counts.min()) if len(counts) else None


class EntropyLDiversity(PrivacyModel):
    """Each class has entropy of ``attribute`` of at least log(l) (and ceil(l) values)."""

    def __init__(self, attribute: str, l: float) -> None:  # noqa: E741
        _check_l(l, attribute)
        self.attribute = attribute
        self.l = float(l)
        self.min_class_size = math.ceil(l)

    def violating(self, part: Partition) -> np.ndarray:
        # ARX's test: sum f*ln f > n * (ln n - ln l)  <=>  H < ln l
        values = part.values(self.attribute)
        f = values.count.astype(np.float64)
        flogf = np.bincount(values.cls, weights=f * np.log(f), minlength=part.n_classes)
        n = part.sizes.astype(np.float64)
        with np.errstate(divide="ignore"):
            bound = n * (np.log(n) - math.log(self.l))
        too_few = distinct_values(part, self.attribute) < self.min_class_size
        return too_few | (flogf > bound)

    def monotone(self, suppression: bool) -> bool:
        return not suppression

    def describe(self) -> dict[str, object]:
        return {"model": "entropy-l-diversity", "attribute": self.attribute, "l": self.l}

    def achieved(self, part: Partition, kept: np.ndarray) -> float | None:
        h = entropy(part, self.attribute)[kept]
        return float(np.exp(h.min())) if len(h) else None
