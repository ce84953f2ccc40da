"""Phone-number and e-mail detectors."""

from __future__ import annotations

import pytest

from pipelines.pii.detectors import epost, telefon


def spans(module, text: str) -> list[str]:
    return [text[f.start : f.end] for f in module.find(text)]


@pytest.mark.parametrize(
    "number",
    [
        "08-123 456 78",
        "08-12 34 56",
        "08 123 456 78",
        "(08) 123 456 78",
        "031-12 34 56",
        "0480-123 45",
        "070-123 45 67",
        "070 123 45 67",
        "0701234567",
        "070-1234567",
        "073-123 45 67",
        "+46 70 123 45 67",
        "+46701234567",
        "+46 (0)70-123 45 67",
        "+46 8 123 456 78",
        "0046 70 123 45 67",
    ],
)
def test_phone_forms(number: str) -> None:
    assert spans(telefon, f"Nås på {number} efter lunch.") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "4 500 kr",
        "12 345,50",
        "1 050 000 000 kr",
        "2025-03-01",
        "01.03.2025",
        "01-03-2025",
        "BN 2025-000123",
        "KC-2025-000001",
        "postnummer 141 52",
        "år 2025",
        "kl. 08.30",
        "070-123 45",  # a mobile number needs ten digits
        "0701 kr",
        "0,5 %",
    ],
)
def test_phone_negatives(text: str) -> None:
    assert spans(telefon, text) == []


@pytest.mark.parametrize(
    "address",
    [
        "anna.andersson@huddinge.se",
        "per_k85@exempel.se",
        "åsa.öberg@företag.se",
        "x+tag@sub.domain.example",
    ],
)
def test_email(address: str) -> None:
    assert spans(epost, f"Mejla till {address}, tack.") == [address]


@pytest.mark.parametrize("text", ["@huddinge", "anna@", "kl 13@", "a@b", "pris 3 st @ 20 kr"])
def test_email_negatives(text: str) -> None:
    assert spans(epost, text) == []


def test_phone_followed_by_other_digits() -> None:
    text = "Tfn 090 267 30 07 - 731125-2147 (barn)"
    assert spans(telefon, text) == ["090 267 30 07"]
