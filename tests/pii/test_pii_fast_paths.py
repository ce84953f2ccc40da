"""The detectors' fast paths (anchored searches, memo, translate table, overlap fast path)
give what the plain regular expressions and the general code give."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.pii.detectors import (
    adress,
    detect,
    epost,
    namn,
    personnummer,
    regnr,
    samordningsnummer,
    telefon,
)
from pipelines.pii.detectors._idnumber import find_id_numbers, parse_id_number
from pipelines.pii.findings import Finding, Kind, resolve_overlaps

FILLER = "Ärendet gäller snöröjning, Planen 3 och Vägen 2:a delen. " * 40


def spans(module, text: str) -> list[str]:
    return [text[f.start : f.end] for f in module.find(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Bor på Storgatan 5 och jobbar på Kästavägen 12 B, 141 52 Huddinge.",
        "Ingången 3 är stängd; familjen bor på Sjövägen 4." + FILLER + "Anna Lindhs väg 4",
        FILLER + "Felanmälan vid storgatan 7, lgh 1102" + FILLER,
        "Sankt Eriks Norra Lilla gata 2 och Anna Lindhs väg 4, 141 52 Huddinge.",
        "Planen 3 tim, vägen 12 kr, trappan 2.",
        "",
    ],
)
def test_address_search_near_endings_matches_plain_finditer(text: str) -> None:
    plain = [(m.start(), m.end()) for m in adress._ADDRESS.finditer(text)]
    assert [(m.start(), m.end()) for m in adress._matches(text)] == plain


def test_email_far_into_a_long_text() -> None:
    local = "a" * 64
    text = FILLER + f"Mejla {local}@example.se eller x.y@huddinge.se (at) ingen."
    assert spans(epost, text) == [f"{local}@example.se", "x.y@huddinge.se"]


def test_phone_after_country_code_with_narrow_space() -> None:
    number = "+\u202f46 70 123 45 67"
    assert spans(telefon, f"{FILLER}Nås på {number} efter lunch.") == [number]


def test_regnr_after_other_capitals() -> None:
    assert spans(regnr, f"SEK 500, BOX 123 och LSS. {FILLER}Bilen ABC 12D står kvar.") == [
        "ABC 12D"
    ]


def _valid(date: str) -> str:
    return next(f"{date}{s:04d}" for s in range(10000) if parse_id_number(None, date, f"{s:04d}"))


def test_id_number_memo_never_answers_for_another_text() -> None:
    person, coordination = _valid("811228"), _valid("811288")
    assert spans(personnummer, f"Pnr {person}") == [person]
    assert spans(samordningsnummer, f"Pnr {person}") == []
    assert spans(samordningsnummer, f"Snr {coordination}") == [coordination]
    assert spans(personnummer, f"Snr {coordination}") == []


def test_id_numbers_with_an_explicit_today_are_not_memoised() -> None:
    number = _valid("240115")
    text = f"Född {number}"
    assert [n.canonical for n in find_id_numbers(text)] == [f"20{number}"]
    assert list(find_id_numbers(text, today=dt.date(2023, 1, 1))) != list(find_id_numbers(text))


def test_mobile_number_after_contact_details_is_a_phone_number() -> None:
    number = _valid("070661")
    text = f"Kontaktuppgifter: {number}, a.b@example.se."
    assert [(f.kind, text[f.start : f.end]) for f in detect(text)] == [
        (Kind.TELEFON, number),
        (Kind.EPOST, "a.b@example.se"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inga-Lill Mohamed vill prata med handläggare.", ["Inga-Lill Mohamed"]),
        ("Vattenläcka vid Industrigränd 106. Inga-Lill Ismail ringde.", ["Inga-Lill Ismail"]),
        ("Anna\u3000Andersson ringde", ["Anna", "Andersson"]),  # beyond the translate table
        ("Anna–Andersson ringde", ["Anna", "Andersson"]),
        ("Kontakt med\nA. Andersson", ["A. Andersson"]),
    ],
)
def test_names_through_the_fast_scan(text: str, expected: list[str]) -> None:
    assert [text[f.start : f.end] for f in namn.find(text)] == expected


def test_translate_table_agrees_with_the_regex() -> None:
    sample = "".join(chr(i) for i in range(0x20, namn._TABLE_END, 7))
    assert sample.translate(namn._TO_SPACE) == namn._NON_LETTER.sub(" ", sample)


def test_disjoint_findings_are_trimmed_like_cut_ones() -> None:
    text = "Ring , 070-123 45 67 eller Anna."
    comma_first = Finding(Kind.TELEFON, "telefon", 5, 20)
    name = Finding(Kind.NAMN, "namn", 27, 31)
    assert [(f.start, f.end) for f in resolve_overlaps([name, comma_first], text)] == [
        (7, 20),
        (27, 31),
    ]
    assert resolve_overlaps([name, comma_first]) == [comma_first, name]
