"""Bounded memory: the stages stream record batches and give what whole-table runs give.

Anonymise in two passes (quasi-identifiers first, then the extract batch by batch) writes
the same release as the policy on the whole table; validation in batches reports failing
rows by their row number in the whole table and decides ``mostly`` on the totals; the PII
scan per batch reports rows of the whole file; codebook statistics read in batches equal
those of the whole column; a release written in batches is byte for byte the same file.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.anonymise.kanon import anonymise as kanon_anonymise
from pipelines.anonymise.kanon import privacy_models
from pipelines.anonymise.kanon.models import KnownValueAnonymity
from pipelines.anonymise.policy import apply_policy, qi_hierarchy
from pipelines.anonymise.subjects import at_reference, reference_rows, subject_codes
from pipelines.config import REPO_ROOT, Settings
from pipelines.gates import pii_scan as _pii_scan
from pipelines.metadata.stats import column_stats, file_column_stats, read_column
from pipelines.publish.layout import release_layout
from pipelines.publish.parquet import ReleaseWriter, read_batches, write_release_parquet
from pipelines.run import RunContext, anonymise, extract
from pipelines.specs import load_spec
from pipelines.validate import validate_parquet, validate_table

EXPECTATIONS = REPO_ROOT / "expectations"
DATASET = "ekonomiskt_bistand"


def _without_timings(report: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in report.items() if k != "runtime_s"}
    out["engine"] = {k: v for k, v in report["engine"].items() if k not in ("runtime_s", "search")}
    return out


def _in_source_order(ctx: RunContext) -> pa.Table:
    """The shuffled candidate back in extract order (through the raw zone's row map)."""
    source_rows = pq.read_table(ctx.source_rows_path).column("source_row").to_numpy()
    return pq.read_table(ctx.candidate_path).take(pa.array(np.argsort(source_rows)))


def _extracted(sources: Settings, tier: str = "open", batch_rows: int = 317) -> RunContext:
    settings = dataclasses.replace(sources, batch_rows=batch_rows)
    ctx = RunContext(
        spec=load_spec(DATASET),
        settings=settings,
        run_id=f"stream-{tier}",
        version="2026-01-01",
        tier=tier,  # type: ignore[arg-type]
        project="demo" if tier == "project" else None,
    )
    extract(ctx)
    return ctx


# ------------------------------------------------------------------------------ anonymise
@pytest.mark.parametrize("tier", ["open", "project"])
def test_streamed_anonymise_equals_the_whole_table_policy(
    sources: Settings, tier: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY_DEMO", "k" * 64)
    ctx = _extracted(sources, tier)
    raw = pq.read_table(ctx.extract_path)
    assert raw.num_rows > 5 * ctx.settings.batch_rows  # several batches
    report = anonymise(ctx)

    key = ctx.pseudonym_key if tier == "project" else None
    whole = apply_policy(raw, ctx.spec, tier=tier, key=key)  # type: ignore[arg-type]
    # the candidate leaves out blank records (every value suppressed)
    kept_rows = np.sort(pq.read_table(ctx.source_rows_path).column("source_row").to_numpy())
    assert len(kept_rows) == whole.table.num_rows - report["blank_records_left_out"]
    whole = dataclasses.replace(whole, table=whole.table.take(pa.array(kept_rows)))
    streamed = _in_source_order(ctx)
    # coded columns are stored dictionary-typed; their values are the whole-table policy's
    layout = release_layout(ctx.spec)
    assert streamed.schema.remove_metadata().equals(layout.apply(whole.table.schema))
    plain = streamed.cast(whole.table.schema.with_metadata(streamed.schema.metadata))
    assert plain.equals(whole.table.replace_schema_metadata(streamed.schema.metadata))
    # the case where order and suppression matter (on this small extract the open tier
    # generalises instead of suppressing; the project tier suppresses)
    assert report["suppressed_records"] > 0 or tier == "open"
    run_only = ("aggregates", "blank_records_left_out", "levels_kept_from_previous_version")
    kept = {k: v for k, v in report.items() if k not in run_only}
    assert _without_timings(kept) == _without_timings(whole.report)
    assert json.loads(json.dumps(report)) == report  # still a JSON-ready, value-free report
    assert pq.read_metadata(ctx.candidate_path).metadata[b"samverkan.tier"] == tier.encode()


def test_streamed_quasi_identifiers_equal_the_engine_recoding_the_whole_table(
    sources: Settings,
) -> None:
    """An independent path: the engine generalises and stars the whole table itself."""
    ctx = _extracted(sources)
    anonymise(ctx)
    raw = pq.read_table(ctx.extract_path)
    spec = ctx.spec
    policy = spec.anonymisation
    assert spec.subject is not None
    subjects = subject_codes(raw.column, spec, raw.num_rows)
    reference = reference_rows(subjects, raw.column, spec.subject.order_by)
    qis = [c for c in spec.columns if c.role == "quasi_identifier"]
    columns, hierarchies = {}, {}
    for column in qis:
        values = raw.column(column.name)
        if column.per_subject:
            values = at_reference(values, subjects, reference)
        columns[column.name], hierarchies[column.name] = qi_hierarchy(values, column)
    sensitive = [c.name for c in spec.columns if c.role == "sensitive"]
    for name in sensitive:
        columns[name] = raw.column(name)
    models = privacy_models(k=policy.k, l=policy.l_diversity, sensitive=sensitive)
    result = kanon_anonymise(
        pa.table(columns),
        hierarchies,
        k=None,
        models=[*models, *(KnownValueAnonymity(name, 2) for name in sensitive)],
        sensitive=sensitive,
        suppression_limit=policy.suppression_limit,
        metric=policy.metric,
        subjects=subjects,
    )
    streamed = _in_source_order(ctx).select([c.name for c in qis])
    kept_rows = np.sort(pq.read_table(ctx.source_rows_path).column("source_row").to_numpy())
    result.table = result.table.take(pa.array(kept_rows))  # blank records are left out
    for column in qis:
        expected = result.table.column(column.name)
        released = streamed.column(column.name).cast(expected.type)  # stored dictionary-typed
        assert released.equals(expected), column.name


def test_batches_are_written_as_the_whole_table_would_be(tmp_path: Path) -> None:
    table = pa.table({"a": list(range(2500)), "b": [f"x{i % 37}" for i in range(2500)]})
    write_release_parquet(table, tmp_path / "whole.parquet", {"k": "v"})
    with ReleaseWriter(tmp_path / "batches.parquet", {"k": "v"}) as writer:
        for start in range(0, table.num_rows, 300):
            writer.write(table.slice(start, 300))
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "batches.parquet").read_bytes()
    starts = [start for start, _ in read_batches(tmp_path / "whole.parquet", ["b"], 1000)]
    assert starts == [0, 1000, 2000]


# ------------------------------------------------------------------------------ validation
def _release_like(rows: int) -> tuple[pa.Table, Any]:
    spec = load_spec("kontaktcenter")
    kanal = ["telefon"] * rows
    return (
        pa.table(
            {
                "kanal": kanal,
                "losningstid_min": [5] * rows,
                "kontakt_id": list(range(rows)),
                "tidpunkt": ["2025-03"] * rows,
                "stadsdel": ["Flemingsberg"] * rows,
                "kontakt_epost": ["a@b.se"] * rows,
                "kontakt_telefon": ["08-123456"] * rows,
            }
        ),
        spec,
    )


def _outcome(summary: Any, expectation: str, column: str) -> Any:
    return next(o for o in summary.outcomes if o.expectation == expectation and o.column == column)


def test_batched_validation_reports_a_failing_row_by_its_row_in_the_whole_table(
    tmp_path: Path,
) -> None:
    spec = load_spec("kontaktcenter")
    table = pa.table({c.name: pa.nulls(1000, pa.string()) for c in spec.columns})
    good, _ = _release_like(1000)
    for name in good.column_names:
        table = table.set_column(table.schema.get_field_index(name), name, good.column(name))
    kanal = good.column("kanal").to_pylist()
    kanal[734] = "brevduva"  # in the eighth batch of 100
    table = table.set_column(table.schema.get_field_index("kanal"), "kanal", pa.array(kanal))
    ids = table.column("kontakt_id").to_pylist()
    ids[950] = ids[12]  # a duplicate across batches
    table = table.set_column(
        table.schema.get_field_index("kontakt_id"), "kontakt_id", pa.array(ids)
    )
    pq.write_table(table, tmp_path / "extract.parquet", row_group_size=300)

    report = tmp_path / "full.json"
    summaries = [
        validate_table(table, spec.raw_suite, spec=spec, expectations_dir=EXPECTATIONS),
        validate_table(
            table, spec.raw_suite, spec=spec, expectations_dir=EXPECTATIONS, batch_rows=100
        ),
        validate_parquet(
            tmp_path / "extract.parquet",
            spec.raw_suite,
            spec=spec,
            expectations_dir=EXPECTATIONS,
            batch_rows=100,
            report_path=report,
        ),
    ]
    assert summaries[0].to_dict() == summaries[1].to_dict() == summaries[2].to_dict()
    summary = summaries[2]
    assert not summary.success
    in_set = _outcome(summary, "expect_column_values_to_be_in_set", "kanal")
    assert (in_set.success, in_set.unexpected_count, in_set.first_failing_rows) == (
        False,
        1,
        [735],  # 1-based
    )
    assert in_set.element_count == 1000
    unique = _outcome(summary, "expect_column_values_to_be_unique", "kontakt_id")
    assert (unique.success, unique.unexpected_count, unique.first_failing_rows) == (
        False,
        2,
        [13, 951],
    )
    rows = next(o for o in summary.outcomes if o.expectation.startswith("expect_table_row_count"))
    assert rows.success
    full = json.loads(report.read_text(encoding="utf-8"))
    assert full["statistics"]["unsuccessful_expectations"] == summary.failed == 2
    assert full["meta"]["samverkan"]["batches"] == 10


def test_mostly_is_decided_on_the_whole_table_not_per_batch() -> None:
    spec = load_spec("kontaktcenter")
    table, _ = _release_like(1000)
    tidpunkt = table.column("tidpunkt").to_pylist()
    for row in range(100, 108):  # 8 of 1000 missing (mostly 0.99 holds), all in one batch
        tidpunkt[row] = None
    table = table.set_column(3, "tidpunkt", pa.array(tidpunkt))
    table = table.append_column("anteckning", pa.nulls(1000, pa.string()))
    for column in spec.columns:
        if column.name not in table.column_names:
            table = table.append_column(column.name, pa.nulls(1000, pa.string()))
    summary = validate_table(
        table, spec.raw_suite, spec=spec, expectations_dir=EXPECTATIONS, batch_rows=100
    )
    not_null = [
        o
        for o in summary.outcomes
        if o.expectation == "expect_column_values_to_not_be_null" and o.column == "tidpunkt"
    ]
    assert [(o.success, o.unexpected_count, o.first_failing_rows[:1]) for o in not_null] == [
        (True, 8, [101])
    ]


# ------------------------------------------------------------------------------ PII scan
def test_pii_scan_per_batch_reports_rows_of_the_whole_file(tmp_path: Path) -> None:
    notes = ["inget att rapportera"] * 1000
    notes[812] = "ring 19121212-1212 imorgon"
    path = tmp_path / "candidate.parquet"
    write_release_parquet(pa.table({"anteckning": notes}), path, {"samverkan.dataset": "x"})
    findings = _pii_scan(path, batch_rows=250)
    assert findings and {f.row for f in findings} == {812}
    assert {f.where for f in findings} == {"column anteckning"}


# ------------------------------------------------------------------------------ statistics
@pytest.mark.parametrize("counts_allowed", [True, False])
def test_file_statistics_equal_the_whole_column(tmp_path: Path, counts_allowed: bool) -> None:
    import datetime as dt

    n = 2600
    table = pa.table(
        {
            "text": [None if i % 11 == 0 else f"v{i % 29}" for i in range(n)],
            "few": [i % 4 for i in range(n)],
            "many": [i * 7 % 1001 for i in range(n)],
            "money": [None if i % 13 == 0 else (i % 97) * 13.25 for i in range(n)],
            "flag": [i % 3 == 0 for i in range(n)],
            "day": [dt.date(2020 + i % 5, 1 + i % 12, 1 + i % 28) for i in range(n)],
            "empty": pa.nulls(n, pa.string()),
        }
    )
    files = [tmp_path / "part-00000.parquet", tmp_path / "part-00001.parquet"]
    pq.write_table(table.slice(0, 1500), files[0], row_group_size=400)
    pq.write_table(table.slice(1500), files[1], row_group_size=400)
    for name in table.column_names:
        expected = column_stats(read_column(files, name), counts_allowed=counts_allowed)
        got = file_column_stats(files, name, counts_allowed=counts_allowed, batch_rows=333)
        assert got == expected, name
