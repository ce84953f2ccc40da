"""Equivalence classes of one transformation, computed on the frequency table.

Why: every privacy model and metric asks the same questions of a transformation (which
combinations fall into which class, how big is each class, which sensitive values does it
hold); this module answers them once per transformation with a numpy group-by over the
distinct combinations, never over the records.

With data subjects (a subject-level frequency table) a class's size is the number of
distinct subjects among its combinations, and a subject suppressed anywhere is suppressed
everywhere: ``evaluate`` in the search restricts a partition to the combinations of the
subjects still released (``restricted``) until no class falls below the models.
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
    #: Combinations still released (None: all); sizes and values count only these.
    active: np.ndarray | None = None
    _values: dict[str, ClassValues] = field(default_factory=dict, repr=False)

    def restricted(self, active: np.ndarray) -> Partition:
        """The same classes counted over the combinations in ``active`` only."""
        sizes = class_sizes(self.table, self.class_of_combo, self.n_classes, active)
        return Partition(self.table, self.node, self.class_of_combo, sizes, active)

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
        weights = dist.pair_count
        subject_of_combo = self.table.subject_of_combo
        if self.active is not None:
            keep = self.active[dist.pair_combo]
            key, weights = key[keep], weights[keep]
            pair_combo = dist.pair_combo[keep]
        else:
            pair_combo = dist.pair_combo
        if subject_of_combo is not None:
            # a value counts the distinct subjects holding it in the class
            n_subjects = max(self.table.n_subjects, 1)
            distinct = np.unique(key * n_subjects + subject_of_combo[pair_combo])
            key = distinct // n_subjects
            weights = np.ones(len(key), dtype=np.int64)
        ids, keys = group_keys(key, self.n_classes * n_values)
        counts = np.bincount(ids, weights=weights, minlength=len(keys))
        result = ClassValues(
            cls=keys // n_values,
            value=keys % n_values,
            count=counts.astype(np.int64),
            n_values=n_values,
        )
        self._values[attribute] = result
        return result


def class_sizes(
    table: FrequencyTable, class_of_combo: np.ndarray, n: int, active: np.ndarray | None = None
) -> np.ndarray:
    """Records per class, or distinct subjects per class for a subject-level table,
    counting only the ``active`` combinations when given."""
    subject_of_combo = table.subject_of_combo
    if subject_of_combo is None:
        weights = table.counts if active is None else np.where(active, table.counts, 0)
        return np.bincount(class_of_combo, weights=weights, minlength=n).astype(np.int64)
    ids = class_of_combo if active is None else class_of_combo[active]
    subjects = subject_of_combo if active is None else subject_of_combo[active]
    if table.n_combos == table.n_subjects:  # one combination per subject
        return np.bincount(ids, minlength=n).astype(np.int64)
    n_subjects = max(table.n_subjects, 1)
    distinct = np.unique(ids.astype(np.int64) * n_subjects + subjects)
    return np.bincount(distinct // n_subjects, minlength=n).astype(np.int64)


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
    sizes = class_sizes(table, ids, n)
    return Partition(table=table, node=tuple(node), class_of_combo=ids, sizes=sizes)


@dataclass
class Evaluation:
    """A transformation checked against the privacy models.

    ``class_suppressed`` marks classes whose records are suppressed (too small, or failing
    any model). ``anonymous`` is true when their records fit the suppression limit.
    ``suppressed`` and ``small_records`` count what the limit counts: records, or
    subjects in a subject-level table, where ``subject_suppressed`` marks each combination
    of a suppressed subject (in whichever class it lies).
    """

    partition: Partition
    class_suppressed: np.ndarray
    suppressed: int
    small_records: int
    anonymous: bool
    loss: float | None = None
    subject_suppressed: np.ndarray | None = None

    @property
    def node(self) -> tuple[int, ...]:
        return self.partition.node

    @cached_property
    def combo_suppressed(self) -> np.ndarray:
        """Per distinct combination: are its records suppressed?"""
        if self.subject_suppressed is not None:
            return self.subject_suppressed
        return self.class_suppressed[self.partition.class_of_combo]

    @property
    def suppressed_records(self) -> int:
        """Records whose quasi-identifiers are suppressed."""
        if not self.suppressed:
            return 0
        return int(self.partition.table.counts[self.combo_suppressed].sum())

    @property
    def kept_classes(self) -> int:
        return int((~self.class_suppressed).sum())

    @property
    def min_class(self) -> int:
        kept = self.partition.sizes[~self.class_suppressed]
        return int(kept.min()) if len(kept) else 0
