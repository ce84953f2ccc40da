"""Street address, fastighetsbeteckning and registration-number detectors."""

from __future__ import annotations

import pytest

from pipelines.pii.detectors import adress, fastighet, regnr


def spans(module, text: str) -> list[str]:
    return [text[f.start : f.end] for f in module.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bor på Storgatan 5.", "Storgatan 5"),
        ("Bor på Storgatan 5, 141 52 Huddinge.", "Storgatan 5, 141 52 Huddinge"),
        ("Ny adress Kästavägen 12 B 14152 Huddinge", "Kästavägen 12 B 14152 Huddinge"),
        ("Hembesök på Anna Lindhs väg 4, lgh 1102 i dag", "Anna Lindhs väg 4, lgh 1102"),
        ("Sankt Eriks gata 2", "Sankt Eriks gata 2"),
        ("bor på storgatan 12b sedan mars", "storgatan 12b"),
        ("Flyttar till Kyrkgränd 14 142 77 den 1 april", "Kyrkgränd 14 142 77"),
        ("Glömstavägen 45, 141 40 Huddinge", "Glömstavägen 45, 141 40 Huddinge"),
        ("Lägenheten på Ann-Mari Göranssons gata 62 har fukt", "Ann-Mari Göranssons gata 62"),
    ],
)
def test_addresses(text: str, expected: str) -> None:
    assert spans(adress, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Storgatan utan nummer",
        "postnummer 141 52 Huddinge",
        "Använd ingången 2",
        "på vägen 3 gånger",
        "Uppgången 3",
        "Vägen 2025 blir lång",
        "enligt 4 kap. 1 § SoL",
        "Mötet hölls på Kommunalvägen 28, kommunens huvudkontor.",  # a public building
    ],
)
def test_address_negatives(text: str) -> None:
    assert spans(adress, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bygglov för Huddinge Kästa 1:23.", "Huddinge Kästa 1:23"),
        ("Bygglov för Kästa 1:23.", "Kästa 1:23"),
        ("Gäller HUDDINGE STUVSTA 4:567", "HUDDINGE STUVSTA 4:567"),
        ("Tomten Stora Vårby 2:14 säljs", "Stora Vårby 2:14"),
        ("Fastighetsbeteckning: Backen 18:57", "Backen 18:57"),
        ("Ägaren till Solrosen 12:45 har", "Solrosen 12:45"),
        ("på fastigheten Huddinge Fittja gård 15:18.", "Huddinge Fittja gård 15:18"),
    ],
)
def test_fastighet(text: str, expected: str) -> None:
    assert spans(fastighet, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "SFS 2001:453",
        "SOU 2018:88",
        "Bilaga 2:3 saknas",
        "Mötet kl. 13:30",
        "Hembesök 13:30 hos",
        "Flemingsberg 13:30-14:00",
        "kl 10:30",
        "Kapitel 4:2",
    ],
)
def test_fastighet_negatives(text: str) -> None:
    assert spans(fastighet, text) == []


@pytest.mark.parametrize("plate", ["ABC 123", "ABC123", "ABC 12D", "XYZ 99A", "GWH 84D"])
def test_regnr(plate: str) -> None:
    assert spans(regnr, f"Bilen {plate} står fel.") == [plate]


@pytest.mark.parametrize(
    "text",
    [
        "SEK 500",
        "BOX 123",
        "TEL 070 123 45 67",
        "BN 2025-000123",
        "KC-2025-000001",
        "ABC 12O",  # O is never the last character
        "AIQ 123",  # I, Q and V are never used
        "ÅÄÖ 123",
        "abc 123",
        "ABCD 123",
        "ABC 1234",
        "kontrollsumma SHA256",
        "SHA-512 och AES 256",
        "enligt RFC 822 och ISO 639",
    ],
)
def test_regnr_negatives(text: str) -> None:
    assert spans(regnr, text) == []
