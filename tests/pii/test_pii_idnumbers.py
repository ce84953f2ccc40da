"""Personnummer, samordningsnummer and organisationsnummer detectors."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.pii.detectors import organisationsnummer, personnummer, samordningsnummer
from pipelines.pii.detectors._idnumber import canonical_id_number, parse_id_number
from pipelines.pii.findings import Kind


def spans(module, text: str) -> list[str]:
    return [text[f.start : f.end] for f in module.find(text)]


# 880320-0016 is valid (stdnum's own example); 880320-0018 has a wrong check digit.
@pytest.mark.parametrize(
    "written",
    [
        "880320-0016",
        "8803200016",
        "19880320-0016",
        "198803200016",
        "880320 0016",
        "19880320 0016",
        "880320 - 0016",
        "880320\u20130016",  # en dash
        "880320\u00a00016",  # no-break space
    ],
)
def test_personnummer_every_written_form(written: str) -> None:
    text = f"Sökande ({written}) ringde."
    assert spans(personnummer, text) == [written]


def test_personnummer_plus_for_centenarians() -> None:
    # 120101+xxxx: born 1912, the plus says the person is 100 or older.
    nine = "120101123"
    check = next(d for d in "0123456789" if parse_id_number(None, "120101", "123" + d))
    assert spans(personnummer, f"pnr {nine[:6]}+{nine[6:]}{check}") == [f"{nine[:6]}+123{check}"]


@pytest.mark.parametrize(
    "text",
    [
        "880320-0018",  # wrong check digit
        "8803200018",
        "19880320-0018",
        "880230-0016",  # 30 February: impossible date (check digit aside)
        "881320-0017",  # month 13
        "880300-0014",  # day 0
        "21880320-0016",  # century 21: not a year anyone was born
        "20880320-0016",  # 2088: in the future
        "1234567890",  # Luhn-invalid ten digits
        "12880320-0016",  # twelve digits but no valid century
    ],
)
def test_personnummer_rejects_invalid(text: str) -> None:
    assert spans(personnummer, text) == []


def test_impossible_dates_even_with_valid_check_digit() -> None:
    for date in ("880230", "881320", "880300", "880932"):
        serial = next(s for s in (f"{i:04d}" for i in range(200)) if _luhn_ok(date + s))
        assert spans(personnummer, f"{date}-{serial}") == [], date


def _luhn_ok(digits: str) -> bool:
    from stdnum import luhn

    return luhn.is_valid(digits)


def test_personnummer_not_inside_longer_numbers() -> None:
    assert spans(personnummer, "198803200016123") == []
    assert spans(personnummer, "12198803200016") == []
    assert spans(personnummer, "1 880320 0016") == []  # a space-grouped longer number


def test_canonical_twelve_digits() -> None:
    today = dt.date(2025, 6, 1)
    assert canonical_id_number("880320-0016", today=today) == "198803200016"
    assert canonical_id_number("19880320-0016", today=today) == "198803200016"
    assert canonical_id_number("880320 0016", today=today) == "198803200016"
    assert canonical_id_number("nonsense", today=today) is None


def test_samordningsnummer() -> None:
    assert spans(samordningsnummer, "Samordningsnummer 701063-2391.") == ["701063-2391"]
    assert spans(samordningsnummer, "19701063-2391") == ["19701063-2391"]
    assert spans(samordningsnummer, "7010632391") == ["7010632391"]
    # It is not reported as a personnummer, and a personnummer is not one.
    assert spans(personnummer, "701063-2391") == []
    assert spans(samordningsnummer, "880320-0016") == []
    assert next(samordningsnummer.find("701063-2391")).kind is Kind.SAMORDNINGSNUMMER


def test_samordningsnummer_rejects_invalid() -> None:
    assert spans(samordningsnummer, "701063-2392") == []  # check digit
    assert spans(samordningsnummer, "700293-2391") == []  # day 93 - 60 = 33


@pytest.mark.parametrize("written", ["556036-0793", "5560360793", "212000-0142", "16556036-0793"])
def test_organisationsnummer(written: str) -> None:
    assert spans(organisationsnummer, f"Bolaget {written} har ansökt.") == [written]


@pytest.mark.parametrize(
    "text",
    [
        "556036-0794",  # wrong check digit
        "880320-0016",  # third digit below 2: a personnummer, not an organisation
        "0701234567",  # starts with 0
        "OCR 5560360793",  # a payment reference
    ],
)
def test_organisationsnummer_rejects(text: str) -> None:
    assert spans(organisationsnummer, text) == []


def test_mobile_number_after_phone_cue_is_not_a_personnummer() -> None:
    # 0701234567 would be valid as born 2007-01-23 if its check digit fit; find one that does.
    number = next(
        f"070123{s:04d}" for s in range(10000) if parse_id_number(None, "070123", f"{s:04d}")
    )
    assert spans(personnummer, f"Född {number}") == [number]
    assert spans(personnummer, f"tel {number}") == []
    assert spans(personnummer, f"{number} (mobil)") == []


def test_mobile_number_is_not_a_samordningsnummer() -> None:
    # 070675xxxx reads as a samordningsnummer for 2007-06-15 when the check digit fits.
    number = next(
        f"070675{s:04d}" for s in range(10000) if parse_id_number(None, "070675", f"{s:04d}")
    )
    assert spans(samordningsnummer, f"Id {number}") == [number]
    assert spans(samordningsnummer, f"Ringer från {number}, bor") == []
