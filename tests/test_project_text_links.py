"""Project tier: a personnummer in a case note becomes that person's project pseudonym."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.config import Settings
from pipelines.run import RunContext, run_dataset
from pipelines.specs import load_spec


def test_case_notes_link_to_the_pseudonymised_person(sources: Settings, monkeypatch) -> None:
    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY_ALPHA", "alpha-project-secret-0123456789")
    spec = load_spec("ekonomiskt_bistand")
    ctx = RunContext(
        spec=spec,
        settings=sources,
        run_id="p1",
        version="2026-01-31",
        tier="project",
        project="alpha",
    )
    result = run_dataset(ctx)
    assert result.ok, result.error
    table = pq.read_table(Path(result.publish["path"]) / "data" / "part-00000.parquet")
    people = set(table.column("personnummer").to_pylist())
    linked = [
        (pn, note)
        for pn, note in zip(
            table.column("personnummer").to_pylist(),
            table.column("anteckning").to_pylist(),
            strict=True,
        )
        if note and "[PN:" in note
    ]
    assert linked, "no personnummer in the notes became a pseudonym"
    in_text = {m for _, note in linked for m in re.findall(r"\[PN:([0-9a-f]{64})\]", note)}
    assert in_text & people  # notes point at pseudonymised people of the same release
    without_links = re.sub(r"\[PN:[0-9a-f]{64}\]", "", " ".join(n for _, n in linked))
    assert not re.search(r"\d{6}[-+]?\d{4}", without_links)
