"""One run of one dataset: extract -> validate raw -> anonymise -> validate release -> publish.

Each stage is a plain function of a ``RunContext`` that reads its input from and writes its
output to the run's folder in the raw zone, so the CLI can call them in a row and an
Airflow task can call exactly one of them in any worker, passing nothing but names. Each
stage records a value-free summary (``<stage>.json``) that the publish stage puts into the
manifest. Rerunning a stage overwrites its own output only; nothing is published before
the release gate has passed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.anonymise.aggregate_input import RULE, AggregateInputs
from pipelines.anonymise.generalise import SUPPRESSED
from pipelines.anonymise.policy import PolicyPlan, plan_policy, release_columns
from pipelines.anonymise.pseudonym import PseudonymKey, load_key
from pipelines.config import Settings
from pipelines.errors import SamverkanError, ValidationFailed
from pipelines.extract import extract_to_parquet
from pipelines.publish.manifest import build_manifest
from pipelines.publish.parquet import (
    ReleaseWriter,
    read_batches,
    read_column,
    sha256_file,
    write_release_parquet,
)
from pipelines.publish.snapshot import publish_snapshot
from pipelines.specs.model import DatasetSpec, Tier

log = logging.getLogger(__name__)

STAGES = ("extract", "validate_raw", "anonymise", "validate_release", "publish")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def today_version() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def safe_id(text: str) -> str:
    """A run id usable as a folder name on every filesystem."""
    return _SAFE.sub("_", text).strip("._") or "run"


@dataclass(frozen=True)
class RunContext:
    spec: DatasetSpec
    settings: Settings
    run_id: str
    version: str
    tier: Tier = "open"
    project: str | None = None

    @property
    def raw_root(self) -> Path:
        """The raw zone as a local folder: itself, or the local mirror of an object store."""
        return self.settings.raw_dir if self.settings.raw_is_local else self.settings.work_dir

    @property
    def work_dir(self) -> Path:
        return self.raw_root / self.spec.name / "runs" / safe_id(self.run_id)

    @property
    def extract_path(self) -> Path:
        return self.work_dir / "extract.parquet"

    @property
    def candidate_path(self) -> Path:
        return self.work_dir / "candidate.parquet"

    @property
    def quarantine_dir(self) -> Path:
        return self.raw_root / self.spec.name / "quarantine" / safe_id(self.run_id)

    @property
    def pseudonym_key(self) -> PseudonymKey:
        """This project's key: the settings' secrets source, the environment, a local file."""
        environ = dict(self.settings.pseudonym_environ())
        return load_key(self.project, environ, local_dir=self.raw_root / "_keys")

    def record(self, stage: str, summary: dict[str, Any]) -> dict[str, Any]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / f"{stage}.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        return summary

    def recorded(self, stage: str) -> dict[str, Any]:
        path = self.work_dir / f"{stage}.json"
        if not path.exists():
            raise SamverkanError(
                f"stage {stage} has not run for run {self.run_id}", dataset=self.spec.name
            )
        return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ stages
def extract(ctx: RunContext) -> dict[str, Any]:
    result = extract_to_parquet(ctx.spec, ctx.settings, ctx.extract_path)
    return ctx.record(
        "extract",
        {
            "rows": result.rows,
            "seconds": round(result.seconds, 3),
            "source": result.source,
            "extracted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )


def _quarantine(ctx: RunContext, summary_line: str) -> Path:
    target = ctx.quarantine_dir
    target.mkdir(parents=True, exist_ok=True)
    for name in (
        "extract.parquet",
        "raw_validation_full.json",
        "validate_raw.json",
        "extract.json",
    ):
        src = ctx.work_dir / name
        if src.exists():
            shutil.move(str(src), target / name)
    (target / "REPORT.txt").write_text(
        f"Dataset {ctx.spec.name}, run {ctx.run_id}: raw validation failed.\n"
        f"{summary_line}\n\nThe extract is kept here (raw zone) for inspection; nothing was "
        "published. Full Great Expectations results: raw_validation_full.json\n",
        encoding="utf-8",
    )
    return target


def validate_raw(ctx: RunContext) -> dict[str, Any]:
    from pipelines.validate import validate_parquet

    summary = validate_parquet(
        ctx.extract_path,
        ctx.spec.raw_suite,
        spec=ctx.spec,
        expectations_dir=ctx.settings.expectations_dir,
        report_path=ctx.work_dir / "raw_validation_full.json",
        batch_rows=ctx.settings.batch_rows,
    )
    _release_memory()
    ctx.record("validate_raw", summary.to_dict())
    if not summary.success:
        where = _quarantine(ctx, summary.failure_line())
        raise ValidationFailed(
            f"raw validation failed, extract quarantined in {where}: {summary.failure_line()}",
            dataset=ctx.spec.name,
        )
    return summary.to_dict()


def _key(ctx: RunContext, project: str | None) -> Any:
    return load_key(
        project, dict(ctx.settings.pseudonym_environ()), local_dir=ctx.raw_root / "_keys"
    )


def _aggregate_inputs(ctx: RunContext, plan: PolicyPlan) -> AggregateInputs | None:
    """The collector of what the open tier's aggregates count (None without any): the
    released rows, so no aggregate minus microdata recovers a suppressed value."""
    if ctx.tier != "open" or not ctx.spec.aggregates:
        return None
    folder = ctx.work_dir / "aggregate_inputs"
    shutil.rmtree(folder, ignore_errors=True)
    return AggregateInputs(
        ctx.spec, [c.name for c in plan.kept], plan.report["transformation"], folder
    )


def _aggregates(ctx: RunContext, inputs: AggregateInputs | None) -> list[dict[str, Any]]:
    """Protected aggregate tables (open tier) from the collected release rows, written
    beside the candidate in the raw zone; one input column in memory at a time."""
    if inputs is None:
        return []
    from pipelines.anonymise.aggregate import build_aggregate

    needs_key = any(a.protection.method == "cell_key" for a in ctx.spec.aggregates)
    key = _key(ctx, "cellkey").secret if needs_key else None
    folder = ctx.work_dir / "aggregates"
    shutil.rmtree(folder, ignore_errors=True)
    reports = []
    for aggregate in ctx.spec.aggregates:
        source = inputs.path(aggregate.name)
        table, report = build_aggregate(
            lambda name, source=source: read_column(source, name),
            aggregate,
            key=key,
            spec=ctx.spec,
            records=pq.read_metadata(source).num_rows,
            levels=inputs.levels(aggregate),
            disclosed=inputs.disclosed(aggregate),
            basis=RULE,
        )
        _release_memory()
        name = aggregate.name
        write_release_parquet(
            table,
            folder / f"{name}.parquet",
            {"samverkan.dataset": ctx.spec.name, "samverkan.aggregate": name},
        )
        reports.append(report)
    shutil.rmtree(inputs.folder, ignore_errors=True)
    return reports


def _release_memory() -> None:
    """Hand memory Arrow's allocator keeps after a pass or batch back to the system, so the
    next one (or numpy, which allocates elsewhere) can use it."""
    pa.default_memory_pool().release_unused()


def anonymise(ctx: RunContext) -> dict[str, Any]:
    """Two passes over the extract. The first reads only the quasi-identifiers (and the
    sensitive and public attributes the policy needs) and decides the transformation and
    the suppressed records; the second transforms the extract a record batch at a time
    and writes the candidate batch by batch (same rows, order and values as a whole-table
    run). The protected aggregates are counted from the released batches, then built
    once the plan's memory is freed."""
    started = time.perf_counter()
    source = ctx.extract_path
    key = _key(ctx, ctx.project) if ctx.tier == "project" else None
    plan = plan_policy(
        lambda name: read_column(source, name),
        pq.read_metadata(source).num_rows,
        ctx.spec,
        tier=ctx.tier,
        key=key,
    )
    metadata = {
        "samverkan.dataset": ctx.spec.name,
        "samverkan.tier": ctx.tier,
        "samverkan.licence": ctx.spec.licence,
    }
    _release_memory()
    inputs = _aggregate_inputs(ctx, plan)
    columns = plan.batch_columns + (inputs.raw_columns if inputs else [])
    with ReleaseWriter(ctx.candidate_path, metadata) as writer:
        for start, batch in read_batches(
            source, list(dict.fromkeys(columns)), ctx.settings.batch_rows
        ):
            released = plan.release_batch(batch, start)
            writer.write(released)
            if inputs is not None:
                # row i of ``released`` must be row i of ``batch`` (the unit id is read
                # from the raw batch): shuffle the release's row order after this point
                inputs.add(released, batch)
            del released
            _release_memory()
    if inputs is not None:
        inputs.close()
    report = plan.report
    report["runtime_s"] = time.perf_counter() - started
    del plan
    _release_memory()
    aggregates = _aggregates(ctx, inputs)
    return ctx.record("anonymise", report | ({"aggregates": aggregates} if aggregates else {}))


def _class_codes(path: Path, name: str) -> tuple[np.ndarray, int, np.ndarray]:
    """(code of every row, number of codes, is ``*``) of one column, missing a value."""
    column = read_column(path, name)
    encoded = pc.dictionary_encode(column.combine_chunks(), null_encoding="encode")
    starred = pc.fill_null(pc.equal(encoded.dictionary, SUPPRESSED), False)
    star = np.append(starred.to_numpy(zero_copy_only=False), False)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, len(encoded.dictionary), star[codes]


def _privacy_gate(ctx: RunContext, path: Path) -> dict[str, Any]:
    """Independent re-check of the release candidate: columns, k and suppression.

    Reads the candidate's schema, then its quasi-identifiers one column at a time."""
    expected = [c.name for c in release_columns(ctx.spec, ctx.tier)]
    if pq.read_schema(path).names != expected:
        raise ValidationFailed("release candidate has unexpected columns", dataset=ctx.spec.name)
    qis = [c.name for c in ctx.spec.columns if c.role == "quasi_identifier" and c.name in expected]
    policy = ctx.spec.anonymisation
    rows = pq.read_metadata(path).num_rows
    if not qis or rows == 0:
        return {"k_checked": None, "suppressed_records": 0}
    key = np.zeros(rows, dtype=np.int64)
    suppressed = np.ones(rows, dtype=bool)
    for name in qis:
        codes, cardinality, starred = _class_codes(path, name)
        suppressed &= starred
        key = key * max(cardinality, 1) + codes
        _, key = np.unique(key, return_inverse=True)  # dense again: never overflows
        key = key.astype(np.int64).reshape(-1)
        del codes, starred
    kept = key[~suppressed]
    k = int(np.bincount(kept)[np.unique(kept)].min()) if len(kept) else None
    share = float(suppressed.sum() / rows)
    if k is not None and k < policy.k:
        raise ValidationFailed(
            f"privacy gate: a class of {k} records is below k={policy.k}", dataset=ctx.spec.name
        )
    if share > policy.suppression_limit + 1e-12:
        raise ValidationFailed(
            f"privacy gate: {share:.1%} suppressed, above the limit {policy.suppression_limit:.1%}",
            dataset=ctx.spec.name,
        )
    return {"k_checked": k, "suppressed_records": int(suppressed.sum())}


def _pii_scan(path: Path, batch_rows: int) -> list[Any]:
    """PII findings in every cell, column name and schema metadata of a Parquet file, read
    a record batch at a time; rows are those of the whole file (0-based)."""
    from pipelines.pii.scan import scan_table

    findings: list[Any] = []
    for start, batch in read_batches(path, None, batch_rows):
        for finding in scan_table(batch, source=path.name):
            if finding.row is None:  # the schema: the same in every batch, report it once
                if start == 0:
                    findings.append(finding)
            else:
                findings.append(
                    finding.located(
                        source=finding.source, where=finding.where, row=start + finding.row
                    )
                )
        del batch
        _release_memory()
    return findings


def _pii_gate(ctx: RunContext, findings: list[Any], what: str) -> dict[str, Any]:
    """Block on any personal data found; the report (no values) stays in the raw zone."""
    by_kind: dict[str, int] = {}
    for finding in findings:
        by_kind[str(finding.kind)] = by_kind.get(str(finding.kind), 0) + 1
    if findings:
        report = ctx.work_dir / f"pii_findings_{what}.json"
        report.write_text(
            json.dumps(
                [
                    {
                        "kind": str(f.kind),
                        "detector": f.detector,
                        "where": f.where,
                        "row": f.row if f.row is None else f.row + 1,
                        "file": f.source,
                    }
                    for f in findings
                ],
                indent=2,
            ),
            encoding="utf-8",
        )
        first = findings[0]
        raise ValidationFailed(
            f"PII gate: {len(findings)} possible personal data finding(s) in the {what} "
            f"({', '.join(f'{k}: {n}' for k, n in sorted(by_kind.items()))}); first in "
            f"{first.where}"
            + (f", row {first.row + 1}" if first.row is not None else "")
            + f"; report in {report}",
            dataset=ctx.spec.name,
        )
    return {"findings": 0}


def validate_release(ctx: RunContext) -> dict[str, Any]:
    from pipelines.validate import validate_parquet

    summary = validate_parquet(
        ctx.candidate_path,
        ctx.spec.release_suite,
        spec=ctx.spec,
        expectations_dir=ctx.settings.expectations_dir,
        report_path=ctx.work_dir / "release_validation_full.json",
        tier=ctx.tier,
        batch_rows=ctx.settings.batch_rows,
    )
    if not summary.success:
        ctx.record("validate_release", summary.to_dict())
        raise ValidationFailed(
            f"release validation failed: {summary.failure_line()}", dataset=ctx.spec.name
        )
    _release_memory()
    gate = _privacy_gate(ctx, ctx.candidate_path)
    _release_memory()
    findings = _pii_scan(ctx.candidate_path, ctx.settings.batch_rows)
    _release_memory()
    pii = _pii_gate(ctx, findings, "release candidate")
    # The publish step copies this file byte for byte; its hash lets the snapshot scan skip it.
    pii["scanned_sha256"] = sha256_file(ctx.candidate_path)
    return ctx.record(
        "validate_release", summary.to_dict() | {"privacy_gate": gate, "pii_scan": pii}
    )


def publish(ctx: RunContext) -> dict[str, Any]:
    extracted = ctx.recorded("extract")
    raw = ctx.recorded("validate_raw")
    policy = ctx.recorded("anonymise")
    release = ctx.recorded("validate_release")
    meta = pq.read_metadata(ctx.candidate_path)
    schema = meta.schema.to_arrow_schema()

    def manifest(version: str, files: list[dict[str, Any]]) -> dict[str, Any]:
        return build_manifest(
            spec=ctx.spec,
            tier=ctx.tier,
            version=version,
            run_id=ctx.run_id,
            schema=schema,
            rows=meta.num_rows,
            files=files,
            validation={"raw": raw, "release": release},
            policy=policy,
            source=extracted["source"],
            extracted_at=extracted["extracted_at"],
        )

    def scan_snapshot(folder: Path) -> None:
        from pipelines.pii.scan import scan_paths

        # Every file is scanned except a data file identical to the candidate whose cells,
        # statistics' source values and metadata validate_release already scanned.
        scanned = release.get("pii_scan", {}).get("scanned_sha256")
        files = [
            p
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not (p.suffix == ".parquet" and sha256_file(p) == scanned)
        ]
        report = scan_paths(files)
        if report.errors or report.skipped:
            raise ValidationFailed(
                f"PII gate: {len(report.errors) + len(report.skipped)} snapshot file(s) could "
                "not be scanned",
                dataset=ctx.spec.name,
            )
        _pii_gate(ctx, report.findings, "snapshot files")

    tier_folder = ctx.tier if ctx.tier == "open" else f"project/{ctx.project}"
    from pipelines.metadata import (
        portal_base_url,
        previous_snapshot,
        write_release_metadata,
    )

    def metadata(folder: Path, version: str) -> list[Path]:
        aggregates = ctx.work_dir / "aggregates"
        if aggregates.exists() and any(aggregates.glob("*.parquet")):
            shutil.copytree(aggregates, folder / "aggregates")
        previous = previous_snapshot(ctx.settings.release_dir, tier_folder, ctx.spec.name, version)
        return write_release_metadata(
            folder,
            spec=ctx.spec,
            version=version,
            tier=tier_folder,
            data_files=sorted((folder / "data").glob("*.parquet")),
            previous=previous,
            base_url=portal_base_url(),
            policy=policy,
        )

    result = publish_snapshot(
        store=ctx.settings.release_dir,
        tier=tier_folder,
        dataset=ctx.spec.name,
        base_version=ctx.version,
        data_files=[ctx.candidate_path],
        build_manifest=manifest,
        extra_files=metadata,
        gate=scan_snapshot,
    )
    return ctx.record(
        "publish",
        {
            "path": str(result.path),
            "version": result.version,
            "created": result.created,
            "rows": meta.num_rows,
        },
    )


STAGE_FUNCTIONS: dict[str, Callable[[RunContext], dict[str, Any]]] = {
    "extract": extract,
    "validate_raw": validate_raw,
    "anonymise": anonymise,
    "validate_release": validate_release,
    "publish": publish,
}


# ------------------------------------------------------------------------------ whole run
@dataclass
class RunResult:
    dataset: str
    ok: bool
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    publish: dict[str, Any] | None = None
    error: str | None = None
    rows_in: int | None = None
    suppressed: int | None = None

    def summary_line(self) -> str:
        if not self.ok:
            return f"{self.dataset}: FAILED after {self.seconds:.1f}s: {self.error}"
        assert self.publish is not None
        state = "published" if self.publish["created"] else "unchanged (already published)"
        return (
            f"{self.dataset}: {state} {self.publish['version']}, {self.rows_in} rows in, "
            f"{self.publish['rows']} released, {self.suppressed or 0} suppressed, "
            f"{self.seconds:.1f}s -> {self.publish['path']}"
        )


def run_dataset(ctx: RunContext, stages: tuple[str, ...] = STAGES) -> RunResult:
    """Run the stages in order; a SamverkanError stops the run and is reported, not raised."""
    started = time.perf_counter()
    result = RunResult(dataset=ctx.spec.name, ok=False, seconds=0.0)
    try:
        for stage in stages:
            t0 = time.perf_counter()
            log.info("%s: %s ...", ctx.spec.name, stage.replace("_", " "))
            out = STAGE_FUNCTIONS[stage](ctx)
            result.stage_seconds[stage] = round(time.perf_counter() - t0, 3)
            if stage == "extract":
                result.rows_in = out["rows"]
            elif stage == "anonymise":
                result.suppressed = out.get("suppressed_records")
            elif stage == "publish":
                result.publish = out
        result.ok = True
    except SamverkanError as exc:
        result.error = exc.one_line()
    except Exception as exc:
        # Library messages may quote data: the traceback goes to the raw zone only.
        ctx.work_dir.mkdir(parents=True, exist_ok=True)
        details = ctx.work_dir / "internal_error.txt"
        details.write_text(traceback.format_exc(), encoding="utf-8")
        stage = next((s for s in stages if s not in result.stage_seconds), "?")
        result.error = (
            f"dataset {ctx.spec.name}: internal error ({type(exc).__name__}) in stage {stage}; "
            f"details (raw zone) in {details}"
        )
    result.seconds = time.perf_counter() - started
    return result
