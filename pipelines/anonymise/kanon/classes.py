"""Equivalence classes of one transformation, computed on the frequency table.

Why: every privacy model and metric asks the same questions of a transformation (which
combinations fall into which class, how big is each class, which sensitive values does it
hold); this module answers them once per transformation with a numpy group-by over the
distinct combinations, never over the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from pipelines.anonymise.kanon.frequency import FrequencyTable
from pipelines.anonymise.kanon.grouping import group_columns, group_keys


@dataclass
class ClassValues:
    """Counts of one sensitive attribute per (class, value) present."""

    cls: np.ndarray
    value: np.ndarray
    count: np.ndarray
    n_values: int


@dataclass
class Partition:
    """The equivalence classes of the frequency table under ``node``."""

    table: FrequencyTable
    node: tuple[int, ...]
    class_of_combo: np.ndarray
    sizes: np.ndarray
    _values: dict[str, ClassValues] = field(default_factory=dict, repr=False)

    @property
    def n_classes(self) -> int:
        return len(self.sizes)

    def values(self, attribute: str) -> ClassValues:
        """Per-class distribution of a sensitive attribute (cached)."""
        cached = self._values.get(attribute)
        if cached is not None:
            return cached
        dist = self.table.sensitive[attribute]
        n_values = dist.n_values
        key = self.class_of_combo[dist.pair_combo] * n_values + dist.pair_value
        ids, keys = group_keys(key, self.n_classes * n_values)
        counts = np.bincount(ids, weights=dist.pair_count, minlength=len(keys))
        result = ClassValues(
            cls=keys // n_values,
            value=keys % n_values,
            count=counts.astype(np.int64),
            n_values=n_values,
        )
        self._values[attribute] = result
        return result


def partition(table: FrequencyTable, node: tuple[int, ...]) -> Partition:
    """Group the distinct combinations by their generalised values under ``node``."""
    columns = []
    cards = []
    for dim, level in enumerate(node):
        card = table.hierarchies[dim].cardinality(level)
        if card > 1:
            columns.append(table.generalised(dim, level))
            cards.append(card)
    if columns:
        ids, n = group_columns(columns, cards)
    else:
        ids, n = np.zeros(table.n_combos, dtype=np.int64), 1
    sizes = np.bincount(ids, weights=table.counts, minlength=n).astype(np.int64)
    return Partition(table=table, node=tuple(node), class_of_combo=ids, sizes=sizes)


@dataclass
class Evaluation:
    """A transformation checked against the privacy models.

    ``class_suppressed`` marks classes whose records are suppressed (too small, or failing
    any model). ``anonymous`` is true when their records fit the suppression limit.
    """

    partition: Partition
    class_suppressed: np.ndarray
    suppressed: int
    small_records: int
    anonymous: bool
    loss: float | None = None

    @property
    def node(self) -> tuple[int, ...]:
        return self.partition.node

    @cached_property
    def combo_suppressed(self) -> np.ndarray:
        """Per distinct combination: are its records suppressed?"""
        return self.class_suppressed[self.partition.class_of_combo]

    @property
    def kept_classes(self) -> int:
        return int((~self.class_suppressed).sum())

    @property
    def min_class(self) -> int:
        kept = self.partition.sizes[~self.class_suppressed]
        return int(kept.min()) if len(kept) else 0
