"""Free text follows the columns' policy: project tier only unless opted in, dates no finer
than the date columns, suppressed districts not named, health words counted for review.

The checks on releases use their own patterns (pandas and ``re`` on the published notes
against the source), not the module's.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError

from pipelines.anonymise.text_policy import generalise_text_dates
from pipelines.config import Settings
from pipelines.run import RunContext, run_dataset
from pipelines.specs import load_spec
from pipelines.specs.model import Column, DatasetSpec

MONTHS = r"(?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)"
DAY_PRECISE = [
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}/\d{1,2}\b"),
    re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"),
    re.compile(rf"\b\d{{1,2}}(?::[ae])?\s+{MONTHS}", re.IGNORECASE),
]


def _day_precise(text: object) -> bool:
    return isinstance(text, str) and any(p.search(text) for p in DAY_PRECISE)


# ------------------------------------------------------------------ dates, in small
@pytest.mark.parametrize(
    ("text", "month", "year"),
    [
        ("inkom 2025-01-14.", "inkom 2025-01.", "inkom 2025."),
        ("den 14 januari 2025 ringde", "januari 2025 ringde", "2025 ringde"),
        ("besök 14 jan", "besök jan", "besök [DATUM]"),
        ("sjukskriven till 14/1", "sjukskriven till januari", "sjukskriven till [DATUM]"),
        ("möte 3/11 och 1.3.2025", "möte november och 2025-03", "möte [DATUM] och 2025"),
        ("samtal 2025-01-14T10:22:05", "samtal 2025-01", "samtal 2025"),
        ("den 2:a mars", "mars", "[DATUM]"),
    ],
)
def test_dates_in_text_are_generalised_to_the_level(text: str, month: str, year: str) -> None:
    values = pa.array([text])
    assert generalise_text_dates(values, "month").to_pylist() == [month]
    assert generalise_text_dates(values, "year").to_pylist() == [year]
    assert generalise_text_dates(values, "day").to_pylist() == [text]
    assert not _day_precise(generalise_text_dates(values, "month")[0].as_py())


def test_text_that_is_no_date_is_left_alone() -> None:
    text = "Dnr BN 2025-000123, tel 08-123 456 78, kl. 10.15, 4 500 kr"
    assert generalise_text_dates(pa.array([text]), "month").to_pylist() == [text]


def test_open_tier_is_only_for_scrubbed_free_text() -> None:
    text = {"sv": "x", "en": "x"}
    Column(
        name="t", type="string", role="free_text", action="scrub", open_tier=True, description=text
    )
    with pytest.raises(ValidationError):
        Column(name="t", type="string", role="keep", open_tier=True, description=text)
    with pytest.raises(ValidationError):
        Column(
            name="t",
            type="string",
            role="free_text",
            action="drop",
            open_tier=True,
            description=text,
        )


# ------------------------------------------------------------------ releases
def _source(settings: Settings) -> pd.DataFrame:
    with sqlite3.connect(settings.sources_dir / "verksamhet.sqlite") as con:
        return pd.read_sql("select * from ekonomiskt_bistand", con)


def _opted_in() -> DatasetSpec:
    spec = load_spec("ekonomiskt_bistand")
    columns = [
        c.model_copy(update={"open_tier": True}) if c.name == "anteckning" else c
        for c in spec.columns
    ]
    return spec.model_copy(update={"columns": columns})


def _run(settings: Settings, spec: DatasetSpec, run_id: str, **tier: str) -> Path:
    ctx = RunContext(spec=spec, settings=settings, run_id=run_id, version="2026-01-31", **tier)  # type: ignore[arg-type]
    result = run_dataset(ctx)
    assert result.ok, result.error
    return Path(result.publish["path"])


def test_free_text_is_not_in_the_open_tier_unless_opted_in(sources: Settings) -> None:
    for name in ("ekonomiskt_bistand", "kontaktcenter"):
        folder = _run(sources, load_spec(name), f"open-{name}")
        columns = pd.read_parquet(folder / "data").columns
        free = [c.name for c in load_spec(name).columns if c.role == "free_text"]
        assert free and not set(free) & set(columns)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert set(free) <= set(manifest["anonymisation"]["dropped_columns"])


def test_opted_in_notes_follow_the_columns_policy(sources: Settings) -> None:
    source = _source(sources)
    assert source["anteckning"].map(_day_precise).mean() > 0.2  # the test has something to find
    folder = _run(sources, _opted_in(), "open-notes")
    release = pd.read_parquet(folder / "data")
    notes = release["anteckning"]
    assert notes.notna().sum() > 100
    assert not notes.map(_day_precise).any()

    # a suppressed row's note names no district
    districts = sorted(source["stadsdel"].dropna().unique(), key=len, reverse=True)
    named = re.compile("|".join(re.escape(d) for d in districts), re.IGNORECASE)
    hidden = release[release["stadsdel"] == "*"]
    assert len(hidden) > 0
    assert not hidden["anteckning"].dropna().map(lambda t: bool(named.search(t))).any()
    assert source["anteckning"].dropna().map(lambda t: bool(named.search(t))).any()

    # health words are counted for the review, as many as the published notes hold
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    figures = manifest["anonymisation"]["free_text"]["anteckning"]
    assert figures["date_level"] == "month"
    health = figures["special_categories"]["health"]
    expected = notes.dropna().str.lower().str.contains("sjukskriv").sum()
    assert expected > 0 and health["sjukskriven/sjukskrivning"] == expected
    assert health["läkarintyg"] == notes.dropna().str.lower().str.contains("läkarintyg").sum()


def test_project_tier_notes_have_month_dates(sources: Settings, monkeypatch) -> None:
    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY_ALPHA", "alpha-project-secret-0123456789")
    spec = load_spec("ekonomiskt_bistand")
    folder = _run(sources, spec, "project-notes", tier="project", project="alpha")
    notes = pd.read_parquet(folder / "data")["anteckning"].dropna()
    assert len(notes) > 100 and not notes.map(_day_precise).any()


def test_a_suppressed_row_loses_its_dates_and_district_in_the_text() -> None:
    from pipelines.anonymise.text_policy import TextPolicy

    spec = load_spec("kontaktcenter")  # tidpunkt: a timestamp quasi-identifier
    districts = pa.chunked_array([["Flemingsberg", "Vårby", "Länna", "Sjödalen-Fullersta"]])
    policy = TextPolicy.build(spec, "project", {"tidpunkt": 1}, lambda name: districts)
    assert policy is not None and policy.level == "day"  # level 1 of tidpunkt is the day
    note = (
        "Boende i Vårby ringde 2025-01-14 om snöröjning vid Sjödalens skola, "
        "återkoppling den 3 februari."
    )
    released = pa.table(
        {
            "tidpunkt": ["2025-01-14", "*", "2025-01-14"],
            "stadsdel": ["Vårby", "Vårby", "*"],
            "beskrivning": [note, note, note],
        }
    )
    out = policy.apply(released).column("beskrivning").to_pylist()
    assert out[0] == note  # day level, district shown: nothing to hide
    assert "Vårby" in out[1] and not _day_precise(out[1]) and "2025" not in out[1]
    assert "Vårby" not in out[2] and "[STADSDEL]" in out[2] and "2025-01-14" in out[2]
    assert "Sjödalen" not in out[2]
    figures = policy.report["beskrivning"]
    assert figures["texts_with_dates_generalised"] == 1
    assert figures["texts_with_suppressed_values_scrubbed"] == 1
