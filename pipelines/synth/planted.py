"""The generator's record of every identifier it planted, for leak tests and PII recall.

Two JSON Lines files live in the raw zone (``data/raw/_synth``), never in a release:

* ``planted_identifiers.jsonl``: ``{"dataset", "kind", "value", "synthetic": true}``, one
  line per distinct value per dataset and kind. Personnummer and samordningsnummer appear in
  every written form (``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``, ``YYMMDDNNNN`` and
  the spaced forms), phone numbers in every form, so a leak scan can search all of them.
* ``planted_spans.jsonl``: ``{"dataset", "column", "row", "kind", "start", "end"}`` for every
  identifier planted in free text. ``row`` is the 0-based record position in the source's
  natural order (file order; for SQL tables ordered by the id column, ``row = id - 1``);
  ``start``/``end`` are Python string (code point) offsets into the cell value.

A run writes each dataset's lines to a temporary part and then merges: lines of datasets
not regenerated are kept, so ``--dataset hemtjanst`` does not lose the other datasets' lines.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.atomic import replacing

KINDS: tuple[str, ...] = (
    "personnummer",
    "samordningsnummer",
    "organisationsnummer",
    "name",
    "phone",
    "email",
    "address",
    "fastighetsbeteckning",
    "household_id",
    "case_number",
    "contact_id",
)


def spans_path(identifiers_path: Path) -> Path:
    """The spans file next to the planted-identifier side file."""
    return identifiers_path.with_name("planted_spans.jsonl")


def _prefix(dataset: str) -> str:
    return '{"dataset": ' + json.dumps(dataset) + ", "


class PlantedLog:
    """Collects a dataset's planted identifiers by kind; deduplicated when written."""

    def __init__(self, dataset: str) -> None:
        self.dataset = dataset
        self._values: dict[str, list[pa.Array]] = {kind: [] for kind in KINDS}

    def add(self, kind: str, values: Iterable[str | None] | pa.Array) -> None:
        if kind not in self._values:
            raise ValueError(f"unknown identifier kind {kind}")
        if isinstance(values, pa.Array):
            array = values.cast(pa.string())
        else:
            array = pa.array(list(values), type=pa.string())
        if len(array):
            self._values[kind].append(array)

    def add_person_numbers(
        self,
        canonical: Iterable[str],
        coordination: Iterable[bool] | np.ndarray | None = None,
        centenarian: Iterable[bool] | np.ndarray | None = None,
    ) -> None:
        """Person numbers ``YYYYMMDD-NNNN`` in every written form (``identity.PNR_FORMS``).

        ``coordination`` marks samordningsnummer; ``centenarian`` adds ``YYMMDD+NNNN``.
        """
        numbers = pa.array(list(canonical), type=pa.string())
        n = len(numbers)
        if n == 0:
            return
        flags = np.zeros(n, dtype=bool)
        if coordination is not None:
            flags = np.asarray(list(coordination), dtype=bool)
        no_dash = pc.replace_substring(numbers, "-", "")
        spaced = pc.replace_substring(numbers, "-", " ")
        short = pc.utf8_slice_codeunits(numbers, 2)
        forms = [
            (numbers, flags),
            (no_dash, flags),
            (short, flags),
            (pc.utf8_slice_codeunits(no_dash, 2), flags),
            (spaced, flags),
            (pc.utf8_slice_codeunits(spaced, 2), flags),
        ]
        if centenarian is not None:
            old = np.asarray(list(centenarian), dtype=bool)
            plus = pc.replace_substring(short, "-", "+").filter(pa.array(old))
            forms.append((plus, flags[old]))
        for form, marks in forms:
            if marks.any():
                self.add("samordningsnummer", form.filter(pa.array(marks)))
            self.add("personnummer", form.filter(pa.array(~marks)))

    def add_phones(self, national: Iterable[str]) -> None:
        """Phone numbers written ``070-123 45 67`` in every form (``identity.PHONE_FORMS``)."""
        numbers = pa.array(list(national), type=pa.string())
        self.add("phone", numbers)
        self.add("phone", pc.replace_substring_regex(numbers, r"[- ]", ""))
        self.add("phone", pc.replace_substring(numbers, " ", ""))
        self.add("phone", pc.replace_substring_regex(numbers, r"^0(\d+)-", r"+46 \1 "))

    def write(self, out: TextIO) -> int:
        """Write distinct values, kinds in ``KINDS`` order, values in first-seen order."""
        prefix = _prefix(self.dataset)
        written = 0
        for kind in KINDS:
            chunks = self._values[kind]
            if not chunks:
                continue
            unique = pc.unique(pa.chunked_array(chunks, type=pa.string()))
            unique = unique.filter(pc.greater(pc.utf8_length(pc.fill_null(unique, "")), 0))
            head = pa.scalar(f'{prefix}"kind": "{kind}", "value": ')
            tail = pa.scalar(', "synthetic": true}\n')
            lines = pc.binary_join_element_wise(head, _json_strings(unique), tail, "")
            _write_joined(out, lines)
            written += len(lines)
        return written


def _json_strings(values: pa.Array) -> pa.Array:
    """Values as JSON string literals; plain ones are quoted in Arrow, others by ``json``."""
    needs_escape = pc.match_substring_regex(values, r'["\\\x00-\x1f]')
    quoted = pc.binary_join_element_wise('"', values, '"', "")
    if not pc.any(needs_escape).as_py():
        return quoted
    escaped = pa.array(
        [json.dumps(v, ensure_ascii=False) for v in values.to_pylist()], type=pa.string()
    )
    return pc.if_else(needs_escape, escaped, quoted)


def _write_joined(out: TextIO, lines: pa.Array, batch: int = 200_000) -> None:
    for start in range(0, len(lines), batch):
        piece = lines.slice(start, batch)
        as_list = pa.ListArray.from_arrays(pa.array([0, len(piece)], pa.int32()), piece)
        out.write(pc.binary_join(as_list, "")[0].as_py())


class SpanLog:
    """Writes span lines for one dataset and free-text column, a batch of rows at a time."""

    def __init__(self, out: TextIO, dataset: str, column: str) -> None:
        self._out = out
        self._head = pa.scalar(f'{_prefix(dataset)}"column": {json.dumps(column)}, "row": ')
        self.count = 0

    def add(self, row: np.ndarray, kind: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """Spans given as parallel arrays (row numbers already absolute)."""
        if len(row) == 0:
            return
        as_text = pa.string()
        lines = pc.binary_join_element_wise(
            self._head,
            pc.cast(pa.array(row, pa.int64()), as_text),
            ', "kind": "',
            pa.array(kind, as_text),
            '", "start": ',
            pc.cast(pa.array(start, pa.int64()), as_text),
            ', "end": ',
            pc.cast(pa.array(end, pa.int64()), as_text),
            "}\n",
            "",
        )
        _write_joined(self._out, lines)
        self.count += len(lines)

    def flush(self) -> None:
        self._out.flush()


def _sections(path: Path, order: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Byte range of each dataset's lines in a side file (grouped by dataset, as written)."""
    if not path.exists() or path.stat().st_size == 0:
        return {}
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        starts: dict[str, int] = {}
        for dataset in order:
            needle = _prefix(dataset).encode()
            pos = mm.find(needle)
            while pos > 0 and mm[pos - 1] != ord("\n"):  # only at the start of a line
                pos = mm.find(needle, pos + 1)
            if pos >= 0:
                starts[dataset] = pos
        size = mm.size()
    ordered = sorted(starts.items(), key=lambda item: item[1])
    ends = [start for _, start in ordered[1:]] + [size]
    return {name: (start, end) for (name, start), end in zip(ordered, ends, strict=True)}


def merge_parts(target: Path, parts: dict[str, Path], order: Iterable[str]) -> None:
    """Rebuild ``target`` in dataset ``order``: new parts replace those datasets' old lines.

    Lines of datasets without a new part are kept. The parts are consumed; the target is
    replaced atomically (a lone part on a fresh target is simply renamed into place).
    """
    order = list(order)
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = {d: r for d, r in _sections(target, order).items() if d not in parts}
    if not kept and len(parts) == 1:
        os.replace(next(iter(parts.values())), target)
        return
    with replacing(target) as tmp, tmp.open("wb") as out:
        old = target.open("rb") if kept else None
        try:
            for dataset in order:
                if dataset in parts:
                    with parts[dataset].open("rb") as part:
                        shutil.copyfileobj(part, out, 1 << 22)
                elif dataset in kept and old is not None:
                    start, end = kept[dataset]
                    old.seek(start)
                    remaining = end - start
                    while remaining > 0:
                        block = old.read(min(remaining, 1 << 22))
                        out.write(block)
                        remaining -= len(block)
        finally:
            if old is not None:
                old.close()
    for part in parts.values():
        part.unlink(missing_ok=True)
