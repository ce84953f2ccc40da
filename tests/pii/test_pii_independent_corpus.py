"""Recall and false positives on the independent corpus (``independent_corpus.py``)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from pipelines.pii import detect
from tests.pii import independent_corpus
from tests.pii.independent_corpus import build

GOAL = 0.99
# Names reach 0.949 here: a foreign first name and a foreign surname with no cue ("Emir
# Popescu meddelar", "1. Nasrin Popescu"), in capitals or lower case ("MIRELA DEMIR", "ngozi
# tesfaye"), or "Yilmaz, Aylin" without a cue are still missed. Two capitalised unknown
# words alone were tried as a name and dropped: kept columns hold organisations ("Förenade
# Care").
NAME_FLOOR = 0.94
FALSE_POSITIVE_GOAL = 0.01


@pytest.fixture(scope="module")
def corpus() -> tuple[list[independent_corpus.Note], list[independent_corpus.Note]]:
    return build(seed=13, dirty=2000, clean=2000)


def recall(notes: list[independent_corpus.Note]) -> dict[str, float]:
    total: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    for note in notes:
        findings = detect(note.text)
        for label, start, end in note.spans:
            total[label] += 1
            hit[label] += any(
                f.start <= start and f.end >= end and f.kind.value == label for f in findings
            )
    return {label: hit[label] / total[label] for label in total}


def test_corpus_is_deterministic_and_annotated() -> None:
    a, b = build(seed=3, dirty=50, clean=50), build(seed=3, dirty=50, clean=50)
    assert [n.text for n in a[0] + a[1]] == [n.text for n in b[0] + b[1]]
    assert all(n.spans for n in a[0]) and not any(n.spans for n in a[1])
    for note in a[0]:
        for _, start, end in note.spans:
            assert note.text[start:end].strip() == note.text[start:end] != ""


def test_corpus_is_written_apart_from_the_generator() -> None:
    # Nothing of the project (generator, lexicons, detectors) goes into the corpus.
    tree = ast.parse(Path(independent_corpus.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(str(name).startswith("pipelines") for name in imported)


def test_recall_per_kind(corpus) -> None:
    dirty, _ = corpus
    per_kind = recall(dirty)
    assert len(per_kind) == 10
    low = {k: round(v, 4) for k, v in per_kind.items() if k != "namn" and v < GOAL}
    assert low == {}
    assert per_kind["namn"] >= NAME_FLOOR


@pytest.mark.xfail(strict=True, reason="issue 13: names outside the lexicon without context")
def test_name_recall_reaches_the_goal(corpus) -> None:
    dirty, _ = corpus
    assert recall(dirty)["namn"] >= GOAL


def test_false_positives_on_clean_notes(corpus) -> None:
    _, clean = corpus
    flagged = sum(1 for note in clean if detect(note.text))
    assert flagged / len(clean) <= FALSE_POSITIVE_GOAL
