"""Many texts at once (joined with the separator, in chunks, in worker processes) give
exactly what one text at a time gives: no finding depends on a neighbouring text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.pii.detectors import detect
from pipelines.pii.parallel import default_workers, detect_many, joined_findings
from pipelines.pii.scrub import scrub_many, scrub_text

# Pairs that would run into each other if the separator let context through: a cue at the
# end of one text and a name or number at the start of the next, a name split over two
# texts, a street name and its number, an e-mail address cut at the @, a repeated name.
BOUNDARY_TEXTS = [
    "Kunden heter",
    "Zlatan kom i dag.",
    "Ring",
    "0701234567 är bra.",
    "Anna",
    "Berg var här.",
    "Potthål vid Storgatan",
    "5 B, 141 52 Huddinge",
    "Skriv till anna.berg",
    "@huddinge.se",
    "Gisela Skog ringer.",
    "Skog och mark, Gisela är ett ord här.",
    "Fastigheten",
    "Kästa 1:23 gäller.",
    "12 000 kr och",
    "19121212-1212",
    "mobil",
    "0701234567",
    "",
    "innehåller\x00en NUL, Anna Berg 19121212-1212",
    "Per",
    "kontakta Per Berg, tel 08-123 456 78, per.berg@example.org, ABC 123, SHA256.",
]


def _generated_texts(settings: Settings) -> list[str]:
    path = settings.sources_dir / "kontaktcenter" / "kontakter.jsonl"
    texts = []
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            value = json.loads(line).get("beskrivning")
            if value:
                texts.append(value)
    return texts


def test_boundaries_do_not_leak_between_texts() -> None:
    assert detect_many(BOUNDARY_TEXTS, workers=1) == [detect(t) for t in BOUNDARY_TEXTS]
    assert scrub_many(BOUNDARY_TEXTS, workers=1) == [scrub_text(t) for t in BOUNDARY_TEXTS]


def test_each_text_alone_and_joined_agree_on_generated_descriptions(
    generated_sources: Settings,
) -> None:
    texts = _generated_texts(generated_sources)
    assert len(texts) > 1000
    one_by_one = [detect(t) for t in texts]
    assert sum(map(len, one_by_one)) > len(texts)  # the corpus is full of personal data
    assert detect_many(texts, workers=1) == one_by_one
    assert scrub_many(texts, workers=1) == [scrub_text(t) for t in texts]


def test_worker_processes_give_the_same_chunks(generated_sources: Settings) -> None:
    texts = _generated_texts(generated_sources)[:2000] + BOUNDARY_TEXTS[:-3]
    size = 20_000  # small chunks: many requests per worker
    serial = [
        (c.first, c.last, c.joined, c.findings)
        for c in joined_findings(texts, workers=1, size=size)
    ]
    parallel = [
        (c.first, c.last, c.joined, c.findings)
        for c in joined_findings(texts, workers=2, size=size)
    ]
    assert len(serial) > 4
    assert parallel == serial


def test_scrub_many_with_pseudonyms_in_workers(generated_sources: Settings) -> None:
    texts = _generated_texts(generated_sources)[:3000]

    def link(canonical: str) -> str:
        return f"[PN:{canonical[::-1]}]"

    expected = [scrub_text(t, pseudonymise_personnummer=link) for t in texts]
    assert any("[PN:" in t for t in expected)
    found = scrub_many(texts, pseudonymise_personnummer=link, workers=2, chunk_chars=50_000)
    assert found == expected


def test_workers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMVERKAN_PII_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("SAMVERKAN_PII_WORKERS", "0")
    assert default_workers() == 1
    monkeypatch.setenv("SAMVERKAN_PII_WORKERS", "many")
    with pytest.raises(ValueError, match="SAMVERKAN_PII_WORKERS"):
        default_workers()
