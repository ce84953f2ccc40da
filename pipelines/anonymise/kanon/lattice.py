"""The lattice of full-domain generalisation levels, stored as a dense numpy array.

Why: the search needs every node's levels (to compute bounds for all nodes at once), and
must mark whole up-sets and down-sets as (non-)anonymous when monotonicity allows. With
one axis per quasi-identifier, the up-set of a node is the slice ``[l0:, l1:, …]`` and the
down-set ``[:l0+1, :l1+1, …]``, so marking is a single numpy slice assignment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.errors import SamverkanError

#: Largest lattice the engine accepts (nodes).
MAX_NODES = 20_000_000


class Lattice:
    """Nodes are tuples of levels; node index = C-order position in ``shape``."""

    def __init__(self, levels: Sequence[int]) -> None:
        self.shape = tuple(int(n) for n in levels)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        if self.size > MAX_NODES:
            raise SamverkanError(
                f"the generalisation lattice has {self.size} nodes, more than {MAX_NODES}; "
                "use fewer quasi-identifiers or hierarchies with fewer levels"
            )
        self.top = tuple(n - 1 for n in self.shape)
        strides = [1] * len(self.shape)
        for dim in range(len(self.shape) - 2, -1, -1):
            strides[dim] = strides[dim + 1] * self.shape[dim + 1]
        #: Index step of one level up in each attribute.
        self.strides = tuple(strides)
        self._nodes: np.ndarray | None = None

    @property
    def dims(self) -> int:
        return len(self.shape)

    def nodes(self) -> np.ndarray:
        """All nodes as rows of levels, in index order (small ints: big lattices fit)."""
        if self._nodes is None:
            dtype = np.int8 if max(self.shape) <= 127 else np.int32
            grid = np.indices(self.shape, dtype=dtype)
            self._nodes = np.ascontiguousarray(grid.reshape(self.dims, -1).T)
        return self._nodes

    def index(self, node: Sequence[int]) -> int:
        return sum(int(level) * stride for level, stride in zip(node, self.strides, strict=True))

    def node(self, index: int) -> tuple[int, ...]:
        return tuple(int(x) for x in np.unravel_index(index, self.shape))

    def mark_up(self, status: np.ndarray, node: Sequence[int], value: int) -> None:
        """Raise the node and every coarser node to at least ``value`` (status shaped like
        the lattice)."""
        view = status[tuple(slice(level, None) for level in node)]
        np.maximum(view, value, out=view)

    def mark_down(self, status: np.ndarray, node: Sequence[int], value: int) -> None:
        """Set ``value`` on the node and every finer node."""
        status[tuple(slice(0, level + 1) for level in node)] = value

    def successors(self, node: Sequence[int]) -> list[tuple[int, ...]]:
        """Nodes one level coarser in one attribute."""
        out = []
        for dim, level in enumerate(node):
            if level < self.shape[dim] - 1:
                nxt = list(node)
                nxt[dim] += 1
                out.append(tuple(nxt))
        return out
