"""scrub_text and scrub_array."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.pii.scrub import scrub_array, scrub_text

NOTE = (
    "Anna Andersson (880320-0016) ringde från 070-123 45 67 om Storgatan 5, 141 52 "
    "Huddinge och fastigheten Huddinge Kästa 1:23, bil ABC 123, mejl anna.a@exempel.se, "
    "bolaget 556036-0793 och samordningsnummer 701063-2391. Utbetalt 4 500 kr den "
    "2025-03-01, ärende BN 2025-000123."
)


def test_scrub_text_typed_placeholders_keep_the_rest() -> None:
    assert scrub_text(NOTE) == (
        "[NAMN] ([PERSONNUMMER]) ringde från [TELEFON] om [ADRESS] och fastigheten "
        "[FASTIGHET], bil [REGNR], mejl [E-POST], bolaget [ORGANISATIONSNUMMER] och "
        "samordningsnummer [SAMORDNINGSNUMMER]. Utbetalt 4 500 kr den 2025-03-01, "
        "ärende BN 2025-000123."
    )


def test_scrub_text_pseudonymises_person_numbers_with_canonical_form() -> None:
    seen: list[str] = []

    def pseudonym(pnr: str) -> str:
        seen.append(pnr)
        return "P-0001"

    out = scrub_text(
        "pnr 8803200016, även 19880320-0016. Anna ringde.", pseudonymise_personnummer=pseudonym
    )
    assert out == "pnr P-0001, även P-0001. [NAMN] ringde."
    assert seen == ["198803200016", "198803200016"]


def test_scrub_text_without_findings_is_unchanged() -> None:
    text = "Inga nya uppgifter, 4 500 kr utbetalt 2025-03-01."
    assert scrub_text(text) is text or scrub_text(text) == text


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()])
def test_scrub_array_keeps_type_length_and_nulls(arrow_type: pa.DataType) -> None:
    arr = pa.array(["Per Berg ringde", None, "Per Berg ringde", "inget här", ""], arrow_type)
    out = scrub_array(arr)
    assert out.type == arrow_type
    assert out.to_pylist() == ["[NAMN] ringde", None, "[NAMN] ringde", "inget här", ""]


def test_scrub_array_chunked_dictionary_and_view() -> None:
    chunked = pa.chunked_array([["Anna Andersson"], ["hej", None]])
    assert scrub_array(chunked).to_pylist() == ["[NAMN]", "hej", None]
    dictionary = pa.array(["Anna Andersson", "hej"]).dictionary_encode()
    assert scrub_array(dictionary).to_pylist() == ["[NAMN]", "hej"]
    view = pa.array(["Anna Andersson", None], pa.string_view())
    out = scrub_array(view)
    assert out.type == pa.string_view()
    assert out.to_pylist() == ["[NAMN]", None]


def test_scrub_array_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        scrub_array(pa.array([1, 2]))


def test_scrub_array_pseudonymiser() -> None:
    out = scrub_array(pa.array(["pnr 880320-0016"]), pseudonymise_personnummer=lambda p: f"<{p}>")
    assert out.to_pylist() == ["pnr <198803200016>"]
