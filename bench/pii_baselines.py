"""Baseline PII detectors for ``bench/pii.py --compare``, run in their own venv (.venv-bench).

    .venv-bench/bin/python bench/pii_baselines.py TEXTS.json OUT.json [--repeat 2]

Reads a JSON list of texts, runs the baseline over every text and writes, as JSON, its
name and version, its configuration, CPU seconds and texts per CPU second, and the
findings per text as ``[entity, start, end]``. It never imports the project.

Presidio (``presidio-analyzer``) runs fully offline: no spaCy model can be installed here
(the Swedish ones are not on PyPI), so its NLP engine is a blank ``spacy.blank("sv")``
pipeline (tokenizer only, no NER, so no PERSON or LOCATION findings) and only pattern
recognizers run: its Swedish personnummer and organisationsnummer recognizers, e-mail, and
phone numbers (python-phonenumbers, region SE). tldextract, which Presidio's e-mail check
uses, is pointed at its bundled public-suffix snapshot so it never reaches for the network.
Both of Presidio's entry points are timed: ``AnalyzerEngine.analyze`` one text at a time
and ``BatchAnalyzerEngine.analyze_iterator`` (spaCy's ``pipe``).

scrubadub is the fallback named by the issue; it is not needed while Presidio runs.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

# Swedish context words for the phone recognizer (Presidio's own are English).
PHONE_CONTEXT = ["telefon", "tel", "mobil", "mobilnummer", "nummer", "numret", "ring", "nås"]
BATCH_SIZE = 256


def presidio_analyzer() -> tuple[Any, dict[str, Any]]:
    """An offline Presidio AnalyzerEngine for Swedish, and a description of its setup."""
    import spacy
    import tldextract

    # Presidio's e-mail recognizer calls tldextract.extract, which by default fetches the
    # public-suffix list over the network; use the snapshot that ships with tldextract.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        PhoneRecognizer,
        SeOrganisationsnummerRecognizer,
        SePersonnummerRecognizer,
    )

    class BlankSwedishNlpEngine(SpacyNlpEngine):
        """SpacyNlpEngine over ``spacy.blank("sv")``: tokens, no model to download."""

        def load(self) -> None:
            self.nlp = {"sv": spacy.blank("sv")}

    nlp_engine = BlankSwedishNlpEngine(models=[{"lang_code": "sv", "model_name": "blank:sv"}])
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["sv"])
    recognizers = [
        SePersonnummerRecognizer(),
        SeOrganisationsnummerRecognizer(),
        EmailRecognizer(supported_language="sv"),
        PhoneRecognizer(supported_language="sv", supported_regions=("SE",), context=PHONE_CONTEXT),
    ]
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["sv"])
    setup = {
        "nlp_engine": f'spacy.blank("sv") (spaCy {version("spacy")}), no NER model',
        "recognizers": [type(r).__name__ for r in recognizers],
        "phone_regions": ["SE"],
        "score_threshold": 0,
    }
    return analyzer, setup


def run_presidio(texts: list[str], repeat: int = 1) -> dict[str, Any]:
    """Findings and CPU throughput of Presidio's analyzer on ``texts`` (the best of
    ``repeat`` passes of each entry point)."""
    from presidio_analyzer import BatchAnalyzerEngine

    analyzer, setup = presidio_analyzer()
    analyzer.analyze("Ring 070-123 45 67 eller skriv till a.b@example.se", language="sv")
    batch = BatchAnalyzerEngine(analyzer)
    one_by_one = batched = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for text in texts:
            analyzer.analyze(text, language="sv")
        one_by_one = min(one_by_one, time.process_time() - t0)

        t0 = time.process_time()
        results = batch.analyze_iterator(texts, language="sv", batch_size=BATCH_SIZE)
        batched = min(batched, time.process_time() - t0)

    n = len(texts)
    return {
        "baseline": "presidio",
        "package": f"presidio-analyzer {version('presidio-analyzer')}",
        "setup": setup,
        "texts": n,
        "passes": repeat,
        "cpu_seconds": {"analyze": one_by_one, "batch": batched},
        "texts_per_s": {"analyze": n / one_by_one, "batch": n / batched},
        "findings": [[[r.entity_type, r.start, r.end] for r in found] for found in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("texts", type=Path, help="JSON list of texts")
    parser.add_argument("out", type=Path, help="where to write the JSON result")
    parser.add_argument("--baseline", choices=["presidio"], default="presidio")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes; the best counts")
    args = parser.parse_args(argv)
    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    result = run_presidio(texts, max(1, args.repeat))
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
