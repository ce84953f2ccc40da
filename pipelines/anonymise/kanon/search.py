"""Search of the generalisation lattice for the optimal anonymous transformation.

Why: this is the engine's decision. The search is exact: it returns the transformation of
least information loss among all nodes that satisfy every model with at most the allowed
records suppressed (ties: fewer generalisation steps, then lexical order).

How it avoids evaluating all nodes:
- Nodes are visited in order of the metric's lower bound; once a bound exceeds the best
  loss found, no later node can win and the search stops.
- When every model is monotone (k-anonymity and distinct l-diversity always; entropy
  l-diversity and t-closeness without suppression), anonymity is decided per unknown node
  by a binary search along a chain from the node to the top (as ARX's Flash does), and
  each evaluation tags the whole up-set (anonymous) or down-set (not anonymous).
- Records in classes smaller than the models' minimum class size only shrink with
  generalisation, so a node with too many of them tags its down-set as failed whatever
  the models.
- When the metric is monotone too (no suppression, or a monotone metric) a node already
  known anonymous is skipped: the evaluated node below it is at least as good. Likewise
  above an anonymous node that suppresses nothing (monotone models): coarser nodes
  suppress nothing either, and every metric grows with generalisation alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipelines.anonymise.kanon.classes import Evaluation, Partition, partition
from pipelines.anonymise.kanon.frequency import FrequencyTable
from pipelines.anonymise.kanon.lattice import Lattice
from pipelines.anonymise.kanon.metrics.base import Metric
from pipelines.anonymise.kanon.models.base import PrivacyModel

#: Status of a node known anonymous and no better than an evaluated node below it.
DOMINATED = 2


@dataclass
class SearchResult:
    """The optimum (None when no node satisfies the models) and search statistics."""

    best: Evaluation | None
    nodes: int
    evaluated: int
    strategy: str


def evaluate_node(
    table: FrequencyTable,
    node: Sequence[int],
    models: Sequence[PrivacyModel],
    max_suppressed: int,
) -> Evaluation:
    """Classes of ``node`` checked against every model."""
    part = partition(table, tuple(node))
    k_min = max((m.min_class_size for m in models), default=1)
    bad = part.sizes < k_min
    if table.by_subject:
        return _evaluate_subjects(table, part, bad, models, max_suppressed, k_min)
    small = int(part.sizes[bad].sum())
    if small > max_suppressed:
        return Evaluation(part, bad, small, small, anonymous=False)
    for model in models:
        bad |= model.violating(part)
    suppressed = int(part.sizes[bad].sum())
    return Evaluation(part, bad, suppressed, small, anonymous=suppressed <= max_suppressed)


def _subjects_in(table: FrequencyTable, part: Partition, bad: np.ndarray) -> np.ndarray:
    """Per subject: does it hold a combination in a ``bad`` class?"""
    hit = np.zeros(table.n_subjects, dtype=bool)
    combos = bad[part.class_of_combo]
    if part.active is not None:
        combos &= part.active
    hit[table.subject_of_combo[combos]] = True
    return hit


def _evaluate_subjects(
    table: FrequencyTable,
    part: Partition,
    bad: np.ndarray,
    models: Sequence[PrivacyModel],
    max_suppressed: int,
    k_min: int,
) -> Evaluation:
    """Subject-level evaluation: a subject in any violating class is suppressed on all its
    combinations, which shrinks the other classes it was in; repeated until no class
    violates a model. The suppressed set only grows, and it shrinks with generalisation
    (a coarse class that fails holds only fine classes that fail), so k-anonymity and
    distinct l-diversity stay monotone."""
    suppressed = _subjects_in(table, part, bad)
    small = int(suppressed.sum())
    if small > max_suppressed:
        return Evaluation(part, bad, small, small, anonymous=False, subject_suppressed=None)
    count = small
    while True:
        if count:
            part = part.restricted(~suppressed[table.subject_of_combo])
            bad = part.sizes < k_min
        for model in models:
            bad |= model.violating(part)
        more = _subjects_in(table, part, bad)
        new = int((more & ~suppressed).sum())
        if not new:
            break
        suppressed |= more
        count += new
        if count > max_suppressed:
            break
    combo_mask = suppressed[table.subject_of_combo]
    return Evaluation(
        part,
        bad,
        count,
        small,
        anonymous=count <= max_suppressed,
        subject_suppressed=combo_mask,
    )


class _Search:
    def __init__(
        self,
        table: FrequencyTable,
        models: Sequence[PrivacyModel],
        metric: Metric,
        max_suppressed: int,
    ) -> None:
        self.table = table
        self.models = list(models)
        self.metric = metric
        self.max_suppressed = max_suppressed
        self.lattice = Lattice([h.levels for h in table.hierarchies])
        suppression = max_suppressed > 0
        self.anon_monotone = all(m.monotone(suppression) for m in self.models)
        self.metric_monotone = metric.monotone(suppression)
        self.status = np.zeros(self.lattice.shape, dtype=np.int8)  # 1 anonymous, -1 not
        self.done = np.zeros(self.lattice.size, dtype=bool)
        self.evaluated = 0
        self.best: Evaluation | None = None
        self.best_key: tuple | None = None

    def _flat_status(self, index: int) -> int:
        return int(self.status.reshape(-1)[index])

    def evaluate(self, index: int) -> bool:
        node = self.lattice.node(index)
        ev = evaluate_node(self.table, node, self.models, self.max_suppressed)
        self.evaluated += 1
        self.done[index] = True
        if ev.anonymous:
            ev.loss = self.metric.value(ev)
            key = (ev.loss, sum(node), node)
            if self.best_key is None or key < self.best_key:
                self.best, self.best_key = ev, key
            if self.anon_monotone:
                # Without suppression here, coarser nodes suppress nothing either, and
                # every metric is monotone with generalisation alone: they cannot win.
                self.lattice.mark_up(self.status, node, DOMINATED if ev.suppressed == 0 else 1)
            else:
                self.status[node] = 1
        elif self.anon_monotone or ev.small_records > self.max_suppressed:
            self.lattice.mark_down(self.status, node, -1)
        else:
            self.status[node] = -1
        return ev.anonymous

    def _chain(self, index: int, bounds: np.ndarray) -> list[int]:
        """Path from the node to the top, raising the attribute with the lowest bound."""
        node = list(self.lattice.node(index))
        shape, strides = self.lattice.shape, self.lattice.strides
        chain = [index]
        while True:
            best_dim, best_bound = -1, 0.0
            for dim, level in enumerate(node):
                if level < shape[dim] - 1:
                    bound = bounds[index + strides[dim]]
                    if best_dim < 0 or bound < best_bound:
                        best_dim, best_bound = dim, bound
            if best_dim < 0:
                return chain
            node[best_dim] += 1
            index += strides[best_dim]
            chain.append(index)

    def _decide(self, index: int, bounds: np.ndarray) -> None:
        """Binary search on a chain for the lowest anonymous node (monotone models)."""
        chain = self._chain(index, bounds)
        lo, hi = 0, len(chain) - 1
        if self._flat_status(chain[hi]) == 0:
            self.evaluate(chain[hi])
        if self._flat_status(chain[hi]) < 1:
            return
        while lo < hi:
            mid = (lo + hi) // 2
            if self._flat_status(chain[mid]) == 0:
                self.evaluate(chain[mid])
            if self._flat_status(chain[mid]) >= 1:
                hi = mid
            else:
                lo = mid + 1

    def run(self, exhaustive: bool = False) -> SearchResult:
        nodes = self.lattice.nodes()
        bounds = None if exhaustive else self.metric.lower_bounds(nodes)
        if bounds is None:
            bounds = np.zeros(len(nodes))
        order = np.lexsort((nodes.sum(axis=1), bounds))
        if exhaustive:
            for index in order:
                self.evaluate(int(index))
            return SearchResult(self.best, self.lattice.size, self.evaluated, "exhaustive")
        flat = self.status.reshape(-1)
        chains = self.anon_monotone
        for index in order:
            index = int(index)
            if self.best_key is not None and bounds[index] > self.best_key[0]:
                break
            if self.done[index] or flat[index] == -1 or flat[index] == DOMINATED:
                continue
            if flat[index] == 1:
                if not self.metric_monotone:
                    self.evaluate(index)
                continue
            if chains:
                self._decide(index, bounds)
                if flat[index] == 1 and not self.done[index] and not self.metric_monotone:
                    self.evaluate(index)
            else:
                self.evaluate(index)
        strategy = "bounded chains" if chains else "bounded"
        return SearchResult(self.best, self.lattice.size, self.evaluated, strategy)


def search(
    table: FrequencyTable,
    models: Sequence[PrivacyModel],
    metric: Metric,
    max_suppressed: int,
    *,
    exhaustive: bool = False,
) -> SearchResult:
    """Find the optimal transformation (see module docstring)."""
    metric.prepare(table)
    return _Search(table, models, metric, max_suppressed).run(exhaustive=exhaustive)
