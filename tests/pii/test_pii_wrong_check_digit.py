"""Personnummer and samordningsnummer with a real birth date and a wrong check digit
(issue 12, item 4): a mistyped number still points at one person."""

from __future__ import annotations

import pyarrow as pa
import pytest
from stdnum import luhn

from pipelines.pii import detect, scan_table, scrub_text
from pipelines.pii.findings import Kind

WRONG = Kind.PERSONNUMMER_OGILTIG
WRONG_COORDINATION = Kind.SAMORDNINGSNUMMER_OGILTIG


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind.value, text[f.start : f.end]) for f in detect(text)]


def test_the_numbers_of_the_issue_have_wrong_check_digits() -> None:
    assert not luhn.is_valid("4407317906")
    assert not luhn.is_valid("8503122384")


@pytest.mark.parametrize(
    "written",
    [
        "19440731-7906",
        "194407317906",
        "440731-7906",
        "4407317906",
        "440731 7906",
        "19440731 7906",
        "440731 - 7906",
        "440731\u20137906",
        "440731+7906",  # the plus of a centenarian: born 1844 is too old, 1944 with + not yet
        "850312-2384",
        "8503122384",
        "19850312-2384",
    ],
)
def test_every_written_form_is_found_and_scrubbed(written: str) -> None:
    text = f"Anteckning: klientens nummer {written} enligt blankett."
    if written == "440731+7906":
        # A plus means 100 or older: 1844 is before the oldest year, so it is no number.
        assert kinds(text) == []
        return
    assert kinds(text) == [(WRONG.value, written)]
    assert scrub_text(text) == f"Anteckning: klientens nummer {WRONG.placeholder} enligt blankett."


def test_samordningsnummer_with_wrong_check_digit() -> None:
    assert not luhn.is_valid("7010632392")
    for written in ("701063-2392", "7010632392", "19701063-2392", "19701063 2392"):
        assert kinds(f"Samordningsnr {written}.") == [(WRONG_COORDINATION.value, written)]


def test_valid_numbers_keep_their_own_kinds() -> None:
    assert kinds("pnr 880320-0016") == [("personnummer", "880320-0016")]
    assert kinds("snr 701063-2391") == [("samordningsnummer", "701063-2391")]


@pytest.mark.parametrize(
    "text",
    [
        "199913451234",  # month 13: not a date
        "19880230-1234",  # 30 February
        "880300-1234",  # day 0
        "880392-1234",  # day 92: not even a samordningsnummer
        "Summa 1 850 312 2384 kr",  # a grouped amount
        "Beloppet 1 850312 2384",  # a space-grouped longer number
        "556036-0794",  # an organisation number (month 60) with a wrong check digit
        "20880320-0016",  # born in the future
        "ärende BN 2025-000123",
        "Möte 2025-03-01 kl 10.00",
    ],
)
def test_not_a_date_is_not_a_mistyped_number(text: str) -> None:
    assert [k for k, _ in kinds(text) if k.endswith("ogiltig_kontrollsiffra")] == []


def test_organisation_number_stays_an_organisation_number() -> None:
    assert kinds("Bolaget 556036-0793") == [("organisationsnummer", "556036-0793")]


@pytest.mark.parametrize("written", ["0701234567", "070-123 45 67", "08-123 456 78"])
def test_phone_numbers_stay_phone_numbers(written: str) -> None:
    # 0701234567 reads as born 2007-01-23 with a wrong check digit: a phone number wins.
    assert kinds(f"Hon har nummer {written}.") == [("telefon", written)]
    assert kinds(f"Tel {written}") == [("telefon", written)]


def test_kept_column_is_found_by_the_scanner() -> None:
    table = pa.table(
        {
            "kommentar": pa.array(["19440731-7906"] * 3 + ["ok"]),
            "pnr_som_tal": pa.array([194407317906, 1, 2, 3], type=pa.int64()),
            "belopp": pa.array([4407317906, 8503122384, 120, 5], type=pa.int64()),
        }
    )
    found = scan_table(table, source="release.parquet")
    where = sorted((f.where, f.row, f.kind) for f in found)
    assert where == [
        ("column kommentar", 0, WRONG),
        ("column kommentar", 1, WRONG),
        ("column kommentar", 2, WRONG),
        ("column pnr_som_tal", 0, WRONG),
    ]  # ten-digit integers need a right check digit: one in fourteen has a date in front


def test_pseudonymiser_is_not_asked_for_a_mistyped_number() -> None:
    seen: list[str] = []
    out = scrub_text("pnr 850312-2384", pseudonymise_personnummer=lambda p: seen.append(p) or "P")
    assert out == f"pnr {WRONG.placeholder}"
    assert seen == []


def test_number_after_a_line_break_is_not_a_digit_group() -> None:
    # `$` matched before the newline: "12 \n" read as a group before the number.
    assert kinds("Rad 1: 12 \n199109264367") == [("personnummer", "199109264367")]
    assert kinds("Rad 1: 12 199109264367") == []  # a real space-grouped number
