"""The detectors, one module per kind of personal data, and ``detect`` that runs them all.

Each detector module has ``NAME``, ``KIND`` and ``find(text) -> Iterator[Finding]``. A
detector that can only match text with a digit, an ``@`` or a capital letter is skipped
cheaply for texts without one.

``detect_joined`` finds the same for many texts at once, much faster: it joins them with
``SEPARATOR`` and runs each detector once over the joined text, so the cost is per match
instead of per text and detector (every detector stops its look at the context at the
separator). ``pipelines.pii.parallel`` cuts a column into chunks of ``CHUNK_CHARS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

from pipelines.pii.detectors import (
    adress,
    epost,
    fastighet,
    namn,
    organisationsnummer,
    personnummer,
    personnummer_ogiltig,
    regnr,
    samordningsnummer,
    samordningsnummer_ogiltig,
    telefon,
)
from pipelines.pii.detectors._text import SEPARATOR
from pipelines.pii.findings import Finding, Kind, resolve_overlaps


@dataclass(frozen=True)
class Detector:
    """One detector: its name, the kind it reports and what a text needs to be worth trying."""

    name: str
    kind: Kind
    find: Callable[[str], Iterator[Finding]]
    needs: re.Pattern[str] | None  # None: always run


_DIGIT = re.compile(r"\d")
_AT = re.compile(r"@|\(at\)|\[at\]")

DETECTORS: tuple[Detector, ...] = (
    Detector(personnummer.NAME, personnummer.KIND, personnummer.find, _DIGIT),
    Detector(samordningsnummer.NAME, samordningsnummer.KIND, samordningsnummer.find, _DIGIT),
    Detector(
        personnummer_ogiltig.NAME, personnummer_ogiltig.KIND, personnummer_ogiltig.find, _DIGIT
    ),
    Detector(
        samordningsnummer_ogiltig.NAME,
        samordningsnummer_ogiltig.KIND,
        samordningsnummer_ogiltig.find,
        _DIGIT,
    ),
    Detector(organisationsnummer.NAME, organisationsnummer.KIND, organisationsnummer.find, _DIGIT),
    Detector(epost.NAME, epost.KIND, epost.find, _AT),
    Detector(telefon.NAME, telefon.KIND, telefon.find, _DIGIT),
    Detector(adress.NAME, adress.KIND, adress.find, _DIGIT),
    Detector(fastighet.NAME, fastighet.KIND, fastighet.find, _DIGIT),
    Detector(regnr.NAME, regnr.KIND, regnr.find, _DIGIT),
    Detector(namn.NAME, namn.KIND, namn.find, None),
)
CHECKED_NUMERIC_KINDS = frozenset({Kind.PERSONNUMMER, Kind.SAMORDNINGSNUMMER})
NUMERIC_KINDS = CHECKED_NUMERIC_KINDS | {Kind.PERSONNUMMER_OGILTIG, Kind.SAMORDNINGSNUMMER_OGILTIG}


def detect(text: str, *, kinds: Iterable[Kind] | None = None) -> list[Finding]:
    """All personal data in ``text``: non-overlapping findings in text order."""
    if not text:
        return []
    wanted = None if kinds is None else frozenset(kinds)
    found: list[Finding] = []
    present: dict[re.Pattern[str], bool] = {}  # each `needs` pattern searched once
    for detector in DETECTORS:
        if wanted is not None and detector.kind not in wanted:
            continue
        needs = detector.needs
        if needs is not None:
            ok = present.get(needs)
            if ok is None:
                ok = present[needs] = needs.search(text) is not None
            if not ok:
                continue
        found.extend(detector.find(text))
    # One finding is trimmed too, as it would be among others when texts are joined.
    return resolve_overlaps(found, text) if found else found


#: Characters per joined chunk in ``detect_many``: large enough that the per-chunk cost
#: vanishes, small enough that the chunk and its lower-cased copies stay a few megabytes.
CHUNK_CHARS = 1 << 20


def chunks(texts: Sequence[str], size: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """``(first, past_last)`` index ranges of ``texts`` holding about ``size`` characters."""
    first, chars = 0, 0
    for i, text in enumerate(texts):
        chars += len(text) + 1
        if chars >= size:
            yield first, i + 1
            first, chars = i + 1, 0
    if first < len(texts):
        yield first, len(texts)


def detect_joined(
    texts: Sequence[str], *, kinds: Iterable[Kind] | None = None
) -> tuple[str, list[int], list[Finding]]:
    """Findings in ``texts`` joined with ``SEPARATOR``: the joined text, where each text
    starts in it, and the findings with offsets into the joined text. No text may contain
    the separator."""
    joined, starts = join_texts(texts)
    return joined, starts, detect(joined, kinds=kinds)


def join_texts(texts: Sequence[str]) -> tuple[str, list[int]]:
    """``texts`` joined with ``SEPARATOR``, and where each text starts in the result."""
    starts = [0, *accumulate(len(t) + 1 for t in texts)][:-1] if texts else []
    return SEPARATOR.join(texts), starts
