"""What a detector reports: the kind of personal data, which detector saw it, and where.

A ``Finding`` never holds the matched text, only offsets into the text it was found in (and,
for the leak scanner, the file, the column or key and the row), so findings can be logged,
printed and stored outside the raw zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise


class Kind(StrEnum):
    """Kinds of personal data; the value is the Swedish label used in reports."""

    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"
    # A real birth date with a wrong check digit: a mistyped number still points at a person.
    PERSONNUMMER_OGILTIG = "personnummer_ogiltig_kontrollsiffra"
    SAMORDNINGSNUMMER_OGILTIG = "samordningsnummer_ogiltig_kontrollsiffra"
    ORGANISATIONSNUMMER = "organisationsnummer"
    NAMN = "namn"
    TELEFON = "telefon"
    EPOST = "e-post"
    ADRESS = "adress"
    FASTIGHET = "fastighet"
    REGNR = "regnr"

    @property
    def placeholder(self) -> str:
        """The typed placeholder that replaces a finding of this kind, e.g. ``[E-POST]``."""
        return f"[{self.value.upper()}]"


# When findings of different kinds overlap, the higher-ranked kind keeps its span.
# Checked numbers first: they are the most certain and the most identifying.
RANK: dict[Kind, int] = {
    Kind.PERSONNUMMER: 100,
    Kind.SAMORDNINGSNUMMER: 99,
    Kind.ORGANISATIONSNUMMER: 98,
    Kind.EPOST: 90,
    Kind.TELEFON: 80,
    # Below a phone number: an unchecked 07x number is more likely a mistyped phone number.
    Kind.PERSONNUMMER_OGILTIG: 75,
    Kind.SAMORDNINGSNUMMER_OGILTIG: 74,
    Kind.ADRESS: 70,
    Kind.FASTIGHET: 60,
    Kind.REGNR: 50,
    Kind.NAMN: 40,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: ``text[start:end]`` of the text it was found in.

    ``source``, ``where`` and ``row`` are set by the leak scanner (file, column or key, and
    the 0-based row or line); detectors leave them empty.
    """

    kind: Kind
    detector: str
    start: int
    end: int
    source: str | None = None
    where: str | None = None
    row: int | None = None

    def located(self, *, source: str | None, where: str | None, row: int | None) -> Finding:
        """The same finding placed in a file, column or key, and row."""
        return replace(self, source=source, where=where, row=row)


def resolve_overlaps(findings: Iterable[Finding], text: str | None = None) -> list[Finding]:
    """Non-overlapping findings in text order.

    Overlapping findings of one kind merge into one spanning them all. Across kinds the
    higher-ranked kind (then the longer finding) keeps its span and the other is cut back
    to what lies outside it, so every character some detector flagged stays covered; with
    ``text`` given, cut pieces lose spaces and commas at their edges.
    """
    ordered = sorted(findings, key=_start)
    if all(a.end <= b.start for a, b in pairwise(ordered)):  # nothing overlaps
        if text is None:
            return [f for f in ordered if f.end > f.start]
        kept = []
        for f in ordered:
            if f.end > f.start and (text[f.start] in _EDGE or text[f.end - 1] in _EDGE):
                f = _trim(f, text)
            if f is not None and f.end > f.start:
                kept.append(f)
        return kept
    accepted: list[Finding] = []
    for group in _overlapping_groups(_merge_same_kind(ordered)):
        accepted.extend(_resolve_group(group, text))
    return sorted(accepted, key=lambda f: f.start)


def _overlapping_groups(findings: list[Finding]) -> Iterator[list[Finding]]:
    """Groups of findings that overlap one another (directly or through others): what one
    group keeps never depends on another, so each is resolved on its own."""
    group: list[Finding] = []
    end = -1
    for finding in sorted(findings, key=_start):
        if group and finding.start >= end:
            yield group
            group = []
        group.append(finding)
        end = max(end, finding.end) if len(group) > 1 else finding.end
    if group:
        yield group


def _resolve_group(group: list[Finding], text: str | None) -> list[Finding]:
    """Higher rank first (then longer): each finding keeps what earlier ones left free."""
    if len(group) == 1:
        piece = group[0] if text is None else _trim(group[0], text)
        return [] if piece is None or piece.end <= piece.start else [piece]
    accepted: list[Finding] = []
    for finding in sorted(group, key=lambda f: (-RANK[f.kind], -(f.end - f.start), f.start)):
        pieces = [finding]
        for other in accepted:
            pieces = [part for piece in pieces for part in _cut(piece, other)]
        for piece in pieces:
            if text is not None:
                piece = _trim(piece, text)
            if piece is not None and piece.end > piece.start:
                accepted.append(piece)
    return accepted


def _start(finding: Finding) -> int:
    return finding.start


def _merge_same_kind(findings: Iterable[Finding]) -> list[Finding]:
    out: list[Finding] = []
    last_by_kind: dict[Kind, int] = {}
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        i = last_by_kind.get(finding.kind)
        if i is not None and finding.start < out[i].end:
            if finding.end > out[i].end:
                out[i] = replace(out[i], end=finding.end)
            continue
        last_by_kind[finding.kind] = len(out)
        out.append(finding)
    return out


def _cut(piece: Finding, other: Finding) -> list[Finding]:
    """``piece`` minus the span of ``other``: zero, one or two pieces."""
    if other.end <= piece.start or other.start >= piece.end:
        return [piece]
    parts = []
    if piece.start < other.start:
        parts.append(replace(piece, end=other.start))
    if other.end < piece.end:
        parts.append(replace(piece, start=other.end))
    return parts


_EDGE = " \t\r\n\u00a0\u202f,;:-\u2013"


def _trim(piece: Finding, text: str) -> Finding | None:
    start, end = piece.start, piece.end
    if start < end and text[start] not in _EDGE and text[end - 1] not in _EDGE:
        return piece
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    if start == end:
        return None
    return replace(piece, start=start, end=end)
