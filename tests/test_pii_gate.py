"""The release gate runs the PII scanner over the candidate and the finished snapshot."""

from __future__ import annotations

import json

from pipelines.config import Settings
from pipelines.publish.store import list_snapshots
from pipelines.run import RunContext, run_dataset
from pipelines.specs import load_spec


def _kontaktcenter_keeping_free_text():
    spec = load_spec("kontaktcenter")
    columns = [
        c.model_copy(update={"role": "keep", "action": None}) if c.name == "beskrivning" else c
        for c in spec.columns
    ]
    return spec.model_copy(update={"columns": columns})


def test_free_text_kept_by_mistake_is_blocked_before_publish(sources: Settings) -> None:
    spec = _kontaktcenter_keeping_free_text()
    result = run_dataset(RunContext(spec=spec, settings=sources, run_id="r", version="v1"))
    assert not result.ok
    assert "PII gate" in result.error and "column beskrivning" in result.error
    assert list_snapshots(sources.release_dir) == []
    report = next(sources.raw_dir.rglob("pii_findings_release_candidate.json"))
    findings = json.loads(report.read_text())
    assert {f["kind"] for f in findings} >= {"personnummer", "namn", "telefon"}
    planted = {
        json.loads(line)["value"]
        for line in sources.planted_identifiers_path().read_text().splitlines()
    }
    assert not any(v in report.read_text() for v in planted if len(v) > 6)
    assert not any(v in result.error for v in planted if len(v) > 6)


def test_identifier_in_snapshot_metadata_is_blocked(sources: Settings) -> None:
    spec = load_spec("kolada")
    text = spec.description.model_copy(update={"sv": "Kontakt: 19121212-1212"})
    spec = spec.model_copy(update={"description": text})
    result = run_dataset(RunContext(spec=spec, settings=sources, run_id="r", version="v1"))
    assert not result.ok and "snapshot files" in result.error
    assert "19121212" not in result.error
    assert list_snapshots(sources.release_dir) == []
    assert not any((sources.release_dir / ".staging").iterdir())
