"""The classes of misses found on notes nobody here wrote (issue 13): phone numbers in
brackets, first names outside the lexicon, addresses without a street word."""

from __future__ import annotations

import pytest

from pipelines.pii import detect, scrub_text


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind.value, text[f.start : f.end]) for f in detect(text)]


@pytest.mark.parametrize(
    "text, number",
    [
        ("i telefon (0701234567) i går", "0701234567"),
        ("nås på (08-123 45 67).", "08-123 45 67"),
        ("sms (+46701234567)", "+46701234567"),
        ("(070-123 45 67)", "070-123 45 67"),
        ("Mobil(0046 70 123 45 67), hem", "0046 70 123 45 67"),
        ("(+46 (0)8-123 456 78)", "+46 (0)8-123 456 78"),
    ],
)
def test_phone_numbers_in_brackets(text: str, number: str) -> None:
    # The bracket stays outside the finding, so scrubbing keeps the text's brackets.
    assert found(text) == [("telefon", number)]


def test_bracketed_phone_scrubbed_inside_its_brackets() -> None:
    assert scrub_text("i telefon (0701234567) i går") == "i telefon ([TELEFON]) i går"


@pytest.mark.parametrize(
    "text, name",
    [
        ("Ingvald Lindqvist meddelar att hen är sjuk.", "Ingvald Lindqvist"),
        ("Samtal med Aylin Yilmaz om hyran.", "Aylin Yilmaz"),
        ("ägaren Zoran Demir har inte svarat", "Zoran Demir"),
        ("Besök av Emir Osmani, tel 08-123 456 78", "Emir Osmani"),
        ("Brev till Lindqvist, Ingvald om beslutet", "Lindqvist, Ingvald"),
        ("Hälsningar\nN. Petrović\nSocialsekreterare", "N. Petrović"),
        ("Handl. Dragana Tesfaye", "Dragana Tesfaye"),
        ("Enligt Zoran Hedlund-Rahimi har familjen flyttat.", "Zoran Hedlund-Rahimi"),
        ("möte med ingvald lindqvist i dag", "ingvald lindqvist"),
        ("Enligt Tesfaye, Bogdan har familjen flyttat.", "Tesfaye, Bogdan"),
        ("kontakt med linnea hägg via mejl", "linnea hägg"),
    ],
)
def test_names_outside_the_lexicon_carried_by_context(text: str, name: str) -> None:
    assert ("namn", name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Samtal med Försäkringskassan om sjukpenning.",
        "Möte med Region Stockholm i dag.",
        "Enligt 4 kap. 1 § SoL ska beslutet omprövas.",
        "Kontakt med handläggare på Arbetsförmedlingen.",
        "möte med hans fru i dag",
        "samtal med mamma och pappa",
    ],
)
def test_context_alone_makes_no_name(text: str) -> None:
    assert [k for k, _ in found(text) if k == "namn"] == []


@pytest.mark.parametrize(
    "text, address",
    [
        ("Bor på Glömsta 12A sedan i våras.", "Glömsta 12A"),
        ("flyttat till Länna 4", "Länna 4"),
        ("hembesök glömsta 24b kl 10", "glömsta 24b"),
        ("Ny adress: Bergs allé 4", "Bergs allé 4"),
        ("Adress: lönnallé 7", "lönnallé 7"),
        ("Bor på Länna 4, 142 52 Huddinge.", "Länna 4, 142 52 Huddinge"),
        ("Adress\nGlömsta 12A\n141 52 Huddinge", "Glömsta 12A\n141 52 Huddinge"),
        ("Ny adress: Kvarngatan 58, 14176 TULLINGE", "Kvarngatan 58, 14176 TULLINGE"),
    ],
)
def test_addresses_without_a_street_word_and_their_postcode(text: str, address: str) -> None:
    assert ("adress", address) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "flyttade till Sjödalen 2019, arbetslös sedan dess",
        "Klienten har bott i Glömsta 3 år.",
        "Buss 172 mot Skogås går varje kvart.",
        "Besök i Vårby centrum 2024-09-16.",
    ],
)
def test_place_and_number_that_are_not_addresses(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("fastigheten fullersta 8:25 ägs av modern", "fastighet", "fullersta 8:25"),
        ("bilen erm 27c är avställd", "regnr", "erm 27c"),
        ("Id-nr: 0808661946 (samordningsnummer)", "samordningsnummer", "0808661946"),
        ("pnr 0108115186 enligt blanketten", "personnummer_ogiltig_kontrollsiffra", "0108115186"),
        ("tel.nr 0311631287 / mobil", "telefon", "0311631287"),
    ],
)
def test_lower_case_and_cue_decided_forms(text: str, kind: str, value: str) -> None:
    assert (kind, value) in found(text)


def test_lower_case_three_letters_and_digits_without_vehicle_word() -> None:
    assert found("ca 300 kr och sid 123") == []
