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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.anonymise.aggregate_input import RULE, AggregateInputs
from pipelines.anonymise.policy import PolicyPlan, plan_policy
from pipelines.anonymise.pseudonym import PseudonymKey, load_key
from pipelines.anonymise.row_order import collect, release_seed, shuffled, write_source_rows
from pipelines.config import Settings
from pipelines.errors import SamverkanError, ValidationFailed
from pipelines.extract import extract_to_parquet
from pipelines.publish.layout import release_layout
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

STAGES = (
    "extract",
    "validate_raw",
    "anonymise",
    "validate_release",
    "pii_gate",
    "privacy_gate",
    "publish",
)
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
    def source_rows_path(self) -> Path:
        """Raw zone: the extract row of every candidate record (the release is shuffled)."""
        return self.work_dir / "candidate_rows.parquet"

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
            release_layout(ctx.spec),
        )
        reports.append(report)
    shutil.rmtree(inputs.folder, ignore_errors=True)
    return reports


def _release_memory() -> None:
    """Hand memory Arrow's allocator keeps after a pass or batch back to the system, so the
    next one (or numpy, which allocates elsewhere) can use it."""
    pa.default_memory_pool().release_unused()


def _levels_of_previous_version(ctx: RunContext) -> tuple[DatasetSpec, dict[str, int]]:
    """The spec with every ``level: auto`` quasi-identifier pinned at the level the previous
    version of this dataset released it at, when its ladder is unchanged: levels do not
    drift from version to version unless the spec (or the data, see ``anonymise``) makes
    them."""
    from pipelines.metadata.changelog import released_levels
    from pipelines.metadata.versions import previous_snapshot

    tier_folder = ctx.tier if ctx.tier == "open" else f"project/{ctx.project}"
    previous = previous_snapshot(ctx.settings.release_dir, tier_folder, ctx.spec.name, ctx.version)
    if previous is None:
        return ctx.spec, {}
    before = released_levels(previous)
    pinned: dict[str, int] = {}
    columns = []
    for column in ctx.spec.columns:
        old = before.get(column.name)
        if column.role == "quasi_identifier" and column.level == "auto" and old:
            low, high = column.level_range
            if old["levels"] == len(column.hierarchy or []) and low <= old["level"] <= high:
                pinned[column.name] = int(old["level"])
                column = column.model_copy(
                    update={"level": int(old["level"]), "min_level": None, "max_level": None}
                )
        columns.append(column)
    return ctx.spec.model_copy(update={"columns": columns}), pinned


def anonymise(ctx: RunContext) -> dict[str, Any]:
    """Two passes over the extract. The first reads only the quasi-identifiers (and the
    sensitive and public attributes the policy needs) and decides the transformation and
    the suppressed records; the second transforms the extract a record batch at a time
    and writes the candidate in a keyed random order (row_order: the same rows and values
    as a whole-table run, the source row of each kept in the raw zone). The protected
    aggregates are counted from the released batches, then built
    once the plan's memory is freed."""
    started = time.perf_counter()
    source = ctx.extract_path
    key = _key(ctx, ctx.project) if ctx.tier == "project" else None
    records = pq.read_metadata(source).num_rows
    pinned_spec, pinned = _levels_of_previous_version(ctx)
    try:
        plan = plan_policy(
            lambda name: read_column(source, name), records, pinned_spec, tier=ctx.tier, key=key
        )
    except ValidationFailed:
        if not pinned:
            raise
        # the previous levels no longer meet the policy on this data: search again (the
        # changelog then names every level that changed)
        pinned = {}
        plan = plan_policy(
            lambda name: read_column(source, name), records, ctx.spec, tier=ctx.tier, key=key
        )
    plan.report["levels_kept_from_previous_version"] = pinned
    metadata = {
        "samverkan.dataset": ctx.spec.name,
        "samverkan.tier": ctx.tier,
        "samverkan.licence": ctx.spec.licence,
    }
    _release_memory()
    inputs = _aggregate_inputs(ctx, plan)
    columns = list(dict.fromkeys(plan.batch_columns + (inputs.raw_columns if inputs else [])))
    seed = release_seed(
        _key(ctx, "roworder").secret,
        ctx.spec.name,
        ctx.tier,
        ctx.project or "",
        ctx.version,
    )

    def released_batches(plan: PolicyPlan) -> Iterator[tuple[int, pa.Table]]:
        for start, batch in read_batches(source, columns, ctx.settings.batch_rows):
            released = plan.release_batch(batch, start)
            if inputs is not None:
                # row i of ``released`` is row i of ``batch`` here (the unit id is read
                # from the raw batch); the release's rows are shuffled after this point
                inputs.add(released, batch)
            yield start, released
            del released
            _release_memory()

    blank: list[int] = []
    pieces = shuffled(
        released_batches(plan),
        plan.records,
        seed,
        ctx.work_dir / "shuffle",
        ctx.settings.batch_rows,
        dropped=blank,
    )
    with ReleaseWriter(ctx.candidate_path, metadata, release_layout(ctx.spec)) as writer:
        write_source_rows(ctx.source_rows_path, collect(pieces, writer.write))
    if inputs is not None:
        inputs.close()
    _release_memory()
    report = plan.report
    report["blank_records_left_out"] = sum(blank)
    report["runtime_s"] = time.perf_counter() - started
    del plan
    _release_memory()
    aggregates = _aggregates(ctx, inputs)
    return ctx.record("anonymise", report | ({"aggregates": aggregates} if aggregates else {}))


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
    ctx.record("validate_release", summary.to_dict())
    if not summary.success:
        raise ValidationFailed(
            f"release validation failed: {summary.failure_line()}", dataset=ctx.spec.name
        )
    _release_memory()
    return summary.to_dict()


def privacy_gate(ctx: RunContext) -> dict[str, Any]:
    """Per-subject re-check of the candidate joined back to its source (pipelines.gates)."""
    from pipelines.gates import privacy_gate as check

    policy = ctx.recorded("anonymise")
    try:
        report = check(
            ctx.spec,
            ctx.tier,
            ctx.candidate_path,
            ctx.extract_path,
            ctx.source_rows_path,
            policy.get("transformation", {}),
        )
    except ValidationFailed:
        ctx.record("privacy_gate", {"passed": False})
        raise
    _release_memory()
    return ctx.record("privacy_gate", report | {"passed": True})


def pii_gate(ctx: RunContext) -> dict[str, Any]:
    """No personal data in any cell or metadata of the candidate (pipelines.gates)."""
    from pipelines.gates import pii_gate as scan

    summary = scan(ctx.spec.name, ctx.candidate_path, ctx.work_dir, ctx.settings.batch_rows)
    _release_memory()
    return ctx.record("pii_gate", summary)


def publish(ctx: RunContext) -> dict[str, Any]:
    extracted = ctx.recorded("extract")
    raw = ctx.recorded("validate_raw")
    policy = ctx.recorded("anonymise")
    release = ctx.recorded("validate_release") | {
        "privacy_gate": ctx.recorded("privacy_gate"),
        "pii_scan": ctx.recorded("pii_gate"),
    }
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
        from pipelines.gates import raise_on_findings

        raise_on_findings(ctx.spec.name, ctx.work_dir, report.findings, "snapshot files")

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
    "privacy_gate": privacy_gate,
    "pii_gate": pii_gate,
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
    suppressed: int | None = None  # data subjects suppressed (records, without a subject key)
    subjects: int | None = None

    def summary_line(self) -> str:
        if not self.ok:
            return f"{self.dataset}: FAILED after {self.seconds:.1f}s: {self.error}"
        assert self.publish is not None
        state = "published" if self.publish["created"] else "unchanged (already published)"
        return (
            f"{self.dataset}: {state} {self.publish['version']}, {self.rows_in} rows in, "
            f"{self.publish['rows']} released, {self.suppressed or 0} of {self.subjects} "
            "data subjects suppressed, "
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
                result.suppressed = out.get("suppressed_subjects", out.get("suppressed_records"))
                result.subjects = out.get("subjects", out.get("records"))
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
