"""Name detector: lexicon, context cues, inflection and the words that are not names."""

from __future__ import annotations

import pytest

from pipelines.pii.detectors import namn


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in namn.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna Andersson ringde igen.", ["Anna Andersson"]),
        ("Andersson ringde igen.", ["Andersson"]),
        ("Träffade Karin idag.", ["Karin"]),
        ("Handläggare: Karin Lind-Karlsson", ["Karin Lind-Karlsson"]),
        ("Anna-Karin Berg har ansökt.", ["Anna-Karin Berg"]),
        ("Anna Lind Karlsson har ansökt.", ["Anna Lind Karlsson"]),
        ("Har fått Anderssons kontoutdrag.", ["Anderssons"]),
        ("Enligt Lars' hyresvärd", ["Lars'"]),
        ("Annas mamma ringde.", ["Annas"]),
        ("ANNA ANDERSSON har ringt", ["ANNA ANDERSSON"]),
        ("Kontakt med A. Andersson", ["A. Andersson"]),
        ("Per Berg kom inte.", ["Per Berg"]),
        ("Samtal med fru Berg.", ["Berg"]),
        ("Sökande heter Zlatan Ibrahimović.", ["Zlatan Ibrahimović"]),
        ("Kontakta Porfirio Somoza för mer", ["Porfirio Somoza"]),
        ("Anna Zetterqvist ringde", ["Anna Zetterqvist"]),
        ("pratade med anna andersson", ["anna andersson"]),
        ("Mvh Lotta", ["Lotta"]),
        ("Ring Per! Per svarade inte.", ["Per", "Per"]),
        ("Sökande heter Inga-Lill Lennartsson.", ["Inga-Lill Lennartsson"]),
        ("Över till Inga-Lill Nilsson-Fors från maj.", ["Inga-Lill Nilsson-Fors"]),
        ("Träffade Sven idag.", ["Sven"]),
        ("Sven ringde igen.", ["Sven"]),
    ],
)
def test_names(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "500 kr per månad",
        "Hans bror ringde.",  # "hans" = his
        "Inga barn i hushållet.",  # "inga" = no
        "Dags att förnya ansökan.",
        "Mina papper är inlämnade.",
        "Familjen bor i Flemingsberg och Segeltorp.",
        "Skogås, Trångsund, Vårby, Länna, Glömsta och Vistaberg",
        "Flyttat till Lund.",
        "Kontakta Försäkringskassan och Arbetsförmedlingen.",
        "Handläggare på Socialtjänsten",
        "Ansökan om ekonomiskt bistånd beviljas.",
        "Beslut fattat i juni enligt SoL.",
        "Hyran betalas i maj.",
        "Max 3 timmar per vecka.",
        "Sökande heter inget särskilt",
        "Skuld hos Svea Ekonomi sedan 2023.",  # a name-like word opening a company name
        "Målet ligger hos Svea hovrätt.",
    ],
)
def test_not_names(text: str) -> None:
    assert spans(text) == []


def test_a_lone_lower_case_surname_in_a_path_or_identifier_is_no_name() -> None:
    from pipelines.pii.detectors import detect

    for text in ("sqlite:////tmp/x/test_runs_green_with0/data.sqlite", "/srv/lindqvist_export/"):
        assert [f for f in detect(text) if f.kind.value == "namn"] == [], text
    assert [f.kind.value for f in detect("ringde lindqvist i morse")] == ["namn"]
