"""The contract every privacy model fulfils.

Why: the search treats models alike. A model says, per equivalence class, whether the
class violates it (its records are then suppressed), which class size it implies, and
whether "satisfied" carries over to coarser transformations (monotonicity), which decides
how much of the lattice the search may prune.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from pipelines.anonymise.kanon.classes import Partition


class PrivacyModel(ABC):
    """A privacy model checked class by class."""

    #: Classes smaller than this always violate the model.
    min_class_size: int = 1
    #: The sensitive attribute the model protects, if any.
    attribute: str | None = None

    @abstractmethod
    def violating(self, part: Partition) -> np.ndarray:
        """Boolean per class: does the class violate the model?"""

    @abstractmethod
    def monotone(self, suppression: bool) -> bool:
        """Whether a transformation satisfying the model implies its coarser ones do.

        ``suppression`` tells whether records may be suppressed (limit above zero).
        """

    @abstractmethod
    def describe(self) -> dict[str, object]:
        """JSON-ready description for reports."""

    def achieved(self, part: Partition, kept: np.ndarray) -> float | None:
        """The model's parameter achieved over the kept classes (None if not defined)."""
        return None
