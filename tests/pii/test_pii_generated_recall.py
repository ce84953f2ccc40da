"""Recall on the generator's planted spans: every identifier the generator plants in free
text is found, as its own kind (issue 13: 1.0 on the generator's corpus)."""

from __future__ import annotations

from bench.pii import generated_texts, recall_table


def test_every_planted_identifier_is_found_as_its_kind(generated_sources) -> None:
    texts = generated_texts(generated_sources.data_dir)
    rows = recall_table(texts, show_misses=0)
    assert {label for label, *_ in rows} >= {"personnummer", "telefon", "adress", "namn"}
    assert {label: same for label, _, same, _ in rows if same < 1.0} == {}
