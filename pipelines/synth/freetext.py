"""Free text with planted identifiers, built column-wise, and the offsets of every plant.

A note is a sequence of sentences; a sentence is a template with ``{slot}`` placeholders.
``compose`` fills one template for all rows that use it at once (numpy object arrays, so a
million notes take seconds, not minutes) and reports, for every slot whose value is an
identifier, the row, kind and character offsets: the spans file that measures PII
detector recall.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

_SLOT = re.compile(r"\{([a-z_0-9]+)\}")

# slot(name, rows) -> (values for those rows, kind): kind None (not an identifier), one kind
# for all rows, or an object array with a kind per row.
SlotFn = Callable[[str, np.ndarray], tuple[np.ndarray, "str | np.ndarray | None"]]


@dataclass(frozen=True)
class Template:
    """A sentence: ``head``, then for each slot its name and the literal text after it."""

    head: str
    steps: tuple[tuple[str, str, int], ...]  # (slot, literal after it, len(literal))
    text: str

    @property
    def slots(self) -> frozenset[str]:
        return frozenset(step[0] for step in self.steps)


def parse(text: str) -> Template:
    pieces = _SLOT.split(text)  # literal, slot, literal, slot, ..., literal
    literals, names = pieces[0::2], pieces[1::2]
    steps = tuple((n, lit, len(lit)) for n, lit in zip(names, literals[1:], strict=True))
    return Template(head=literals[0], steps=steps, text=text)


def parse_all(texts: Sequence[str]) -> tuple[Template, ...]:
    return tuple(parse(t) for t in texts)


def lengths(values: np.ndarray) -> np.ndarray:
    """Length of each string in an object array."""
    return np.fromiter(map(len, values), dtype=np.int64, count=len(values))


@dataclass
class Notes:
    """Composed texts (None where a row got no sentence) and their identifier spans."""

    text: np.ndarray  # object array of str | None
    span_row: np.ndarray  # int64, row within the batch
    span_kind: np.ndarray  # object array of kind names
    span_start: np.ndarray  # int64 character offsets
    span_end: np.ndarray


def compose(
    n: int,
    positions: Sequence[np.ndarray],
    templates: Sequence[Template],
    slot: SlotFn,
    sep: str = " ",
) -> Notes:
    """Texts for ``n`` rows: at each position a row gets ``templates[i]``, or nothing if -1.

    ``slot(name, rows)`` gives the values of one slot for the rows (indices into 0..n-1)
    that use a template containing it. Sentences are joined with ``sep``.
    """
    text = np.full(n, "", dtype=object)
    size = np.zeros(n, dtype=np.int64)
    rows_out: list[np.ndarray] = []
    kinds_out: list[np.ndarray] = []
    starts_out: list[np.ndarray] = []
    ends_out: list[np.ndarray] = []
    for chosen in positions:
        for t in np.unique(chosen[chosen >= 0]).tolist():
            rows = np.flatnonzero(chosen == t)
            template = templates[t]
            has_text = size[rows] > 0
            cursor = size[rows] + len(sep) * has_text + len(template.head)
            sentence = np.full(len(rows), template.head, dtype=object)
            for name, literal, literal_size in template.steps:
                values, kind = slot(name, rows)
                end = cursor + lengths(values)
                if kind is not None:
                    rows_out.append(rows)
                    kinds_out.append(
                        kind if isinstance(kind, np.ndarray) else np.full(len(rows), kind, object)
                    )
                    starts_out.append(cursor)
                    ends_out.append(end)
                sentence = sentence + values + literal if literal else sentence + values
                cursor = end + literal_size
            text[rows] = np.where(has_text, text[rows] + sep + sentence, sentence)
            size[rows] = cursor
    text[size == 0] = None
    if rows_out:
        span_row = np.concatenate(rows_out)
        span_start = np.concatenate(starts_out)
        order = np.lexsort((span_start, span_row))
        return Notes(
            text=text,
            span_row=span_row[order],
            span_kind=np.concatenate(kinds_out)[order],
            span_start=span_start[order],
            span_end=np.concatenate(ends_out)[order],
        )
    empty = np.empty(0, dtype=np.int64)
    return Notes(text, empty, np.empty(0, dtype=object), empty, empty)


def choose(
    rng: np.random.Generator, n: int, count: int, where: np.ndarray | None = None, offset: int = 0
) -> np.ndarray:
    """Random template indices ``offset .. offset+count-1`` where ``where`` holds, else -1."""
    picked = offset + rng.integers(0, count, size=n)
    return picked if where is None else np.where(where, picked, -1)
