"""All detectors together: overlaps, and look-alikes that must not be flagged at all."""

from __future__ import annotations

import pytest

from pipelines.pii.detectors import detect
from pipelines.pii.findings import Finding, Kind, resolve_overlaps


def test_overlap_same_kind_merges() -> None:
    found = resolve_overlaps(
        [Finding(Kind.NAMN, "a", 0, 5), Finding(Kind.NAMN, "b", 3, 9)], "Anna Anderss"
    )
    assert [(f.start, f.end) for f in found] == [(0, 9)]


def test_overlap_higher_rank_keeps_its_span_and_the_other_is_cut() -> None:
    text = "Edström ABC 123"
    found = resolve_overlaps(
        [Finding(Kind.NAMN, "namn", 0, 11), Finding(Kind.REGNR, "regnr", 8, 15)], text
    )
    assert [(f.kind, text[f.start : f.end]) for f in found] == [
        (Kind.NAMN, "Edström"),
        (Kind.REGNR, "ABC 123"),
    ]


def test_address_wins_over_name_inside_it() -> None:
    text = "Bor på Anna Lindhs väg 4."
    assert [(f.kind, text[f.start : f.end]) for f in detect(text)] == [
        (Kind.ADRESS, "Anna Lindhs väg 4")
    ]


def test_detect_kinds_filter() -> None:
    text = "Anna Andersson 880320-0016"
    assert [f.kind for f in detect(text, kinds={Kind.PERSONNUMMER})] == [Kind.PERSONNUMMER]


@pytest.mark.parametrize(
    "text",
    [
        "Utbetalt 4 500 kr den 2025-03-01.",
        "Kostnaden 12 345,50 kr avser tandvård.",
        "Totalt 1 250 000 kronor under 2024.",
        "Ansökan inkom 01.03.2025 via post.",
        "Beslut i ärende BN 2025-000123, se även KC-2025-000001.",
        "Dnr SN 2024/123 och ärende 2025-00042.",
        "Fakturanummer 1234567890 och OCR 5560360793.",
        "Normen för 2025 är 6 090 kr.",
        "Postnummer 141 52 gäller hela området.",
        "Beviljas enligt SoL 4 kap. 1 § (SFS 2001:453).",
        "Möte kl. 13:30 i Flemingsberg, sedan 14.15 i Segeltorp.",
        "Skogås, Trångsund, Vårby, Länna, Glömsta och Vistaberg har snöröjts.",
        "Inga nya uppgifter. Hans ansökan är komplett.",
        "Återkommer på måndag efter samtal med Försäkringskassan.",
        "Bygglov beviljat, avgift 12 500 kr, handläggningstid 21 dagar.",
        "Sökande har 3 barn och arbetar 20 timmar i veckan.",
        "Bostadsbidraget har ökat med 4,5 % sedan 2023.",
        "Hyran 8 250:- betalas senast den 25:e.",
        "Kvitto nr 40211873 bifogat.",
        "SEK 3 500 utbetalas i april.",
    ],
)
def test_clean_case_note_language_has_no_findings(text: str) -> None:
    assert detect(text) == [], [(f.kind, text[f.start : f.end]) for f in detect(text)]
