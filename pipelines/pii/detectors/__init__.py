"""The detectors, one module per kind of personal data, and ``detect`` that runs them all.

Each detector module has ``NAME``, ``KIND`` and ``find(text) -> Iterator[Finding]``. A
detector that can only match text with a digit, an ``@`` or a capital letter is skipped
cheaply for texts without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pipelines.pii.detectors import (
    adress,
    epost,
    fastighet,
    namn,
    organisationsnummer,
    personnummer,
    regnr,
    samordningsnummer,
    telefon,
)
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
    Detector(organisationsnummer.NAME, organisationsnummer.KIND, organisationsnummer.find, _DIGIT),
    Detector(epost.NAME, epost.KIND, epost.find, _AT),
    Detector(telefon.NAME, telefon.KIND, telefon.find, _DIGIT),
    Detector(adress.NAME, adress.KIND, adress.find, _DIGIT),
    Detector(fastighet.NAME, fastighet.KIND, fastighet.find, _DIGIT),
    Detector(regnr.NAME, regnr.KIND, regnr.find, _DIGIT),
    Detector(namn.NAME, namn.KIND, namn.find, None),
)
NUMERIC_KINDS = frozenset({Kind.PERSONNUMMER, Kind.SAMORDNINGSNUMMER})


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
    return resolve_overlaps(found, text) if len(found) > 1 else found
