"""Run one expectation suite, plus the spec-derived expectations, on a table or Parquet file.

Great Expectations (GX Core 1.x) runs in-process on pandas frames in a fresh ephemeral
context, with progress bars and analytics off. No frame grows with the number of rows:
expectations that look at one row at a time (values in a set, between bounds, matching a
pattern, not null, column pairs ...) run on record batches of ``batch_rows`` rows holding
only the columns they read, indexed by their row numbers in the whole table, and their
per-batch results are merged into one (counts summed, ``mostly`` decided on the totals,
the first failing rows of the whole table); the row count is checked on a frame of no
columns with the table's row count, column names on a frame of no rows; any other
expectation (uniqueness, column aggregates) gets its own columns, whole. The full GX result,
which can hold unexpected values, goes only to ``report_path`` (raw zone); the caller gets
the value-free ``ValidationSummary``. GX is imported here lazily: importing it takes seconds.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.errors import SpecError
from pipelines.publish.parquet import BATCH_ROWS
from pipelines.specs.model import DatasetSpec, Tier
from pipelines.validate.derived import SuiteKind, derived_expectations
from pipelines.validate.suites import load_suite, suite_path
from pipelines.validate.summary import ValidationSummary, _raised, summarise

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)
# GX's documentation registry logs at INFO, when GX is imported, every data source method it
# skips (hundreds of lines): internal noise, kept out of every run's log.
logging.getLogger("great_expectations._docs_decorators").setLevel(logging.WARNING)

# SUMMARY gives counts and partial_unexpected_index_list (dataframe indexes) per expectation.
RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
ORDER_KEY = "samverkan_order"
# expectations that look only at column names or the row count, never at values
NAMES_ONLY = frozenset(
    {
        "expect_column_to_exist",
        "expect_column_to_not_exist",
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
    }
)
COLUMN_KEYS = ("column", "column_A", "column_B", "column_list")
ROW_COUNT = frozenset({"expect_table_row_count_to_equal", "expect_table_row_count_to_be_between"})
# map expectations whose verdict on a row depends on that row alone: run batch by batch
ROW_WISE = frozenset(
    {
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_null",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_match_like_pattern",
        "expect_column_values_to_not_match_like_pattern",
        "expect_column_values_to_match_like_pattern_list",
        "expect_column_values_to_not_match_like_pattern_list",
        "expect_column_values_to_match_strftime_format",
        "expect_column_values_to_be_dateutil_parseable",
        "expect_column_values_to_be_json_parseable",
        "expect_column_values_to_match_json_schema",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_in_set",
        "expect_select_column_values_to_be_unique_within_record",
        "expect_multicolumn_sum_to_equal",
    }
)


def suite_kind(spec: DatasetSpec, suite_name: str) -> SuiteKind:
    """Whether ``suite_name`` is the spec's raw or release suite."""
    if suite_name == spec.raw_suite:
        return "raw"
    if suite_name == spec.release_suite:
        return "release"
    raise SpecError(
        f"suite {suite_name} is neither the raw suite {spec.raw_suite} "
        f"nor the release suite {spec.release_suite}",
        dataset=spec.name,
    )


def _context() -> Any:
    """A fresh in-memory GX context: no files, no data docs, no progress bars, no analytics,
    no frame fingerprint."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame below this size with a full-frame hash (seconds per
    # million rows of text); nothing here uses the fingerprint, so never compute it.
    pandas_execution_engine.HASH_THRESHOLD = 0

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def build_expectation(item: dict[str, Any], order: int) -> Any:
    """A GX Expectation object from a ``{type, kwargs, meta}`` dict; GX checks the kwargs."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    import pipelines.validate.gx_custom  # noqa: F401  (registers custom expectations)

    meta = {**item.get("meta", {}), ORDER_KEY: order}
    config = ExpectationConfiguration(
        type=item["type"], kwargs=item["kwargs"], meta=meta, notes=item.get("notes")
    )
    return config.to_domain_obj()


def _reason(exc: Exception) -> str:
    """A short reason from GX's (pydantic) configuration errors: ``column: field required``."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            found = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors()]
        except (TypeError, KeyError):
            found = []
        if found:
            return "; ".join(dict.fromkeys(found))
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _build_suite(
    suite_name: str, file: Path, derived: list[dict[str, Any]], own: list[dict[str, Any]]
) -> Any:
    import great_expectations as gx

    expectations = [build_expectation(item, i) for i, item in enumerate(derived)]
    for number, item in enumerate(own, start=1):
        try:
            expectations.append(build_expectation(item, len(derived) + number - 1))
        except Exception as exc:  # GX raises several unrelated types for a bad configuration
            raise SpecError(
                f"expectation {number} ({item['type']}) is not valid for GX: {_reason(exc)}",
                file=str(file),
            ) from None
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    if len(suite.expectations) != len(expectations):  # GX logs and skips what it rejects
        raise SpecError("GX rejected an expectation of the suite", file=str(file))
    return suite


def columns_read(items: list[dict[str, Any]]) -> set[str] | None:
    """Columns whose values some expectation reads; None when one might read any column."""
    read: set[str] = set()
    for item in items:
        if item["type"] in NAMES_ONLY:
            continue
        refs = [item["kwargs"][key] for key in COLUMN_KEYS if key in item["kwargs"]]
        if not refs:
            return None
        for ref in refs:
            read.update(ref if isinstance(ref, list) else [ref])
    return read


def to_frame(table: pa.Table, read: set[str] | None) -> pd.DataFrame:
    """Arrow → pandas for GX, cheaply.

    Columns no expectation reads keep their name and type but become all-null: GX copies
    every column when it filters rows (and hashes the frame for a fingerprint), so long free
    text nobody checks would cost seconds per million rows. Strings stay Arrow-backed
    (pandas 3 ``str``) and dates become datetime64: measured faster under GX than
    ``types_mapper=pd.ArrowDtype``.
    """
    import pyarrow as pa

    if read is not None:
        for index, field in enumerate(table.schema):
            if field.name not in read:
                table = table.set_column(index, field, pa.nulls(table.num_rows, field.type))
    return table.to_pandas(date_as_object=False, split_blocks=True)


def _write_report(report_path: Path, result: dict[str, Any]) -> None:
    report_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = report_path.with_name(f".{report_path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str), "utf-8")
    tmp.replace(report_path)


class _Runner:
    """One GX context for all runs of one validation; each frame gets a data source and an
    asset of its own (so no batch or metric of one frame is ever taken for another's), and
    the data source is deleted after its run, with the batch its execution engine loaded."""

    def __init__(self, asset_name: str) -> None:
        self.context = _context()
        self.asset_name = asset_name
        self.runs = 0

    def run(self, suite: Any, frame: pd.DataFrame) -> dict[str, Any]:
        """Validate the frame; the GX result as a JSON-ready dict.

        GX's own Validator loads the batch once (``Batch.validate`` would load it twice).
        """
        from great_expectations.validator.v1_validator import Validator

        self.runs += 1
        source_name = f"samverkan-{self.runs}"
        source = self.context.data_sources.add_pandas(source_name)
        try:
            asset = source.add_dataframe_asset(self.asset_name)
            validator = Validator(
                batch_definition=asset.add_batch_definition_whole_dataframe("whole"),
                batch_parameters={"dataframe": frame},
                result_format=RESULT_FORMAT,
            )
            return validator.validate_expectation_suite(suite).to_json_dict()
        finally:
            self.context.data_sources.delete(source_name)
            # GX's batch objects refer to each other in cycles: collect them now, or every
            # batch of a large file stays in memory until the collector happens to run.
            gc.collect()


def _run(suite: Any, frame: pd.DataFrame, asset_name: str) -> dict[str, Any]:
    """Validate one frame in a fresh context."""
    return _Runner(asset_name).run(suite, frame)


class TableSource:
    """Batches and columns of an Arrow table in memory."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.schema = table.schema
        self.num_rows = table.num_rows

    def columns(self, names: list[str]) -> pa.Table:
        return self.table.select(names)

    def batches(self, names: list[str], batch_rows: int) -> Iterator[tuple[int, pa.Table]]:
        table = self.table.select(names)
        if table.num_rows == 0:
            yield 0, table
        for start in range(0, table.num_rows, batch_rows):
            yield start, table.slice(start, batch_rows)


class ParquetSource:
    """Batches and columns of a Parquet file, read as they are needed."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        meta = pq.read_metadata(self.path)
        self.schema = meta.schema.to_arrow_schema()
        self.num_rows = meta.num_rows

    def columns(self, names: list[str]) -> pa.Table:
        import pyarrow.parquet as pq

        return pq.read_table(self.path, columns=names)

    def batches(self, names: list[str], batch_rows: int) -> Iterator[tuple[int, pa.Table]]:
        from pipelines.publish.parquet import read_batches

        for start, table in read_batches(self.path, names, batch_rows):
            yield start, table.select(names) if names else table


def _order(expectation: Any) -> int:
    return int((expectation.meta or {}).get(ORDER_KEY, 0))


def _plan(items: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Positions of the suite's expectations by how they are run (see the module doc)."""
    groups: dict[str, list[int]] = {"names": [], "row_count": [], "rows": [], "whole": []}
    for i, item in enumerate(items):
        if item["type"] in ROW_COUNT:
            groups["row_count"].append(i)
        elif item["type"] in NAMES_ONLY:
            groups["names"].append(i)
        elif item["type"] in ROW_WISE:
            groups["rows"].append(i)
        else:
            groups["whole"].append(i)
    return groups


def _present(source: TableSource | ParquetSource, items: list[dict[str, Any]]) -> list[str]:
    """Columns of the table (in table order) some of ``items`` read; all when unknown."""
    read = columns_read(items)
    return [n for n in source.schema.names if read is None or n in read]


def _merged_rows(values: list[list[Any]]) -> list[Any]:
    return [v for batch in values for v in batch][: RESULT_FORMAT["partial_unexpected_count"]]


def merge_batch_results(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One expectation's results on consecutive batches (frames indexed by table row) as
    the result on the whole table: counts summed, ``mostly`` decided on the totals, the
    first failing rows and values of the whole table."""
    if len(results) == 1:
        return results[0]
    from great_expectations.expectations.expectation import _format_map_output

    for result in results:
        if _raised(result.get("exception_info")) or not isinstance(result.get("result"), dict):
            return result | {"success": False}
    details = [r["result"] for r in results]
    element = sum(int(d.get("element_count") or 0) for d in details)
    counted = [d.get("unexpected_count") for d in details]
    unexpected = None if any(c is None for c in counted) else sum(int(c) for c in counted)
    has_missing = all("missing_count" in d for d in details)
    missing = sum(int(d.get("missing_count") or 0) for d in details) if has_missing else None
    considered = element - (missing or 0)
    kwargs = (results[0].get("expectation_config") or {}).get("kwargs") or {}
    mostly = kwargs.get("mostly")
    mostly = 1.0 if mostly is None else float(mostly)
    if unexpected is None or element == 0 or considered == 0:
        success = all(bool(r.get("success")) for r in results)  # vacuous, as GX decides
    else:
        success = (considered - unexpected) / considered >= mostly
    values = [d.get("partial_unexpected_list") for d in details]
    formatted = _format_map_output(
        result_format={**RESULT_FORMAT, "include_unexpected_rows": False},
        success=success,
        element_count=element,
        nonnull_count=considered if has_missing else None,
        unexpected_count=unexpected,
        unexpected_list=None if any(v is None for v in values) else _merged_rows(values),
    )
    indexes = [d.get("partial_unexpected_index_list") or [] for d in details]
    formatted["result"]["partial_unexpected_index_list"] = _merged_rows(indexes)
    if not any("partial_unexpected_counts" in d for d in details):
        formatted["result"].pop("partial_unexpected_counts", None)
    return results[0] | {"success": success, "result": formatted["result"]}


def _statistics(results: list[dict[str, Any]]) -> dict[str, Any]:
    passed = sum(1 for r in results if r.get("success"))
    return {
        "evaluated_expectations": len(results),
        "successful_expectations": passed,
        "unsuccessful_expectations": len(results) - passed,
        "success_percent": 100.0 * passed / len(results) if results else None,
    }


def _validate(
    source: TableSource | ParquetSource,
    suite_name: str,
    *,
    spec: DatasetSpec,
    expectations_dir: Path,
    report_path: Path | None,
    tier: Tier | None,
    batch_rows: int,
) -> ValidationSummary:
    import great_expectations as gx
    import pandas as pd

    kind = suite_kind(spec, suite_name)
    file = suite_path(expectations_dir, suite_name)
    own = load_suite(file, suite_name)
    derived = derived_expectations(spec, kind, tier or spec.tier)
    items = derived + own

    started = time.perf_counter()
    built = _build_suite(suite_name, file, derived, own).expectations
    built = sorted(built, key=_order)  # GX keeps them in order; be sure
    runner = _Runner(spec.name)
    results: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}

    def run(group: list[int], frame: pd.DataFrame) -> dict[str, Any]:
        suite = gx.ExpectationSuite(name=suite_name, expectations=[built[i] for i in group])
        out = runner.run(suite, frame)
        meta.setdefault("meta", out.get("meta"))
        return out

    groups = _plan(items)
    if groups["names"]:
        frame = to_frame(source.schema.empty_table(), None)
        results += run(groups["names"], frame)["results"]
    if groups["row_count"]:
        frame = pd.DataFrame(index=pd.RangeIndex(source.num_rows))
        results += run(groups["row_count"], frame)["results"]
    if groups["whole"]:
        table = source.columns(_present(source, [items[i] for i in groups["whole"]]))
        results += run(groups["whole"], to_frame(table, None))["results"]
        del table
    batches = 0
    if groups["rows"]:
        per_batch: list[list[dict[str, Any]]] = []
        names = _present(source, [items[i] for i in groups["rows"]])
        for start, table in source.batches(names, batch_rows):
            frame = to_frame(table, None)
            frame.index = pd.RangeIndex(start, start + table.num_rows)
            per_batch.append(run(groups["rows"], frame)["results"])
            batches += 1
            del frame, table
        by_order: dict[int, list[dict[str, Any]]] = {}
        for batch_results in per_batch:
            for r in batch_results:
                by_order.setdefault(_result_order(r), []).append(r)
        results += [merge_batch_results(rs) for rs in by_order.values()]
    results.sort(key=_result_order)
    result = {
        "success": all(r.get("success") for r in results),
        "results": results,
        "suite_name": suite_name,
        "suite_parameters": {},
        "statistics": _statistics(results),
        "meta": (meta.get("meta") or {})
        | {"samverkan": {"rows": source.num_rows, "batch_rows": batch_rows, "batches": batches}},
        "id": None,
    }
    if report_path is not None:
        _write_report(Path(report_path), result)
    summary = summarise(suite_name, result["results"])
    log.info(
        "validated %s rows of %s with suite %s in %.1f s (%d GX runs): %d of %d expectations "
        "failed",
        source.num_rows,
        spec.name,
        suite_name,
        time.perf_counter() - started,
        runner.runs,
        summary.failed,
        summary.evaluated,
    )
    return summary


def _result_order(result: dict[str, Any]) -> int:
    return int((result.get("expectation_config") or {}).get("meta", {}).get(ORDER_KEY, 0))


def validate_table(
    table: pa.Table,
    suite_name: str,
    *,
    spec: DatasetSpec,
    expectations_dir: Path,
    report_path: Path | None = None,
    tier: Tier | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ValidationSummary:
    """Validate ``table`` with suite ``suite_name`` and the spec-derived expectations.

    Never raises on failed expectations (the caller decides); raises ``SpecError`` when the
    suite file is missing, unreadable or not a valid GX suite. ``tier`` (default: the
    spec's tier) decides which columns a release must have.
    """
    return _validate(
        TableSource(table),
        suite_name,
        spec=spec,
        expectations_dir=expectations_dir,
        report_path=report_path,
        tier=tier,
        batch_rows=batch_rows,
    )


def validate_parquet(
    path: Path,
    suite_name: str,
    *,
    spec: DatasetSpec,
    expectations_dir: Path,
    report_path: Path | None = None,
    tier: Tier | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ValidationSummary:
    """Like ``validate_table`` for a Parquet file, read a batch (or a column) at a time."""
    return _validate(
        ParquetSource(path),
        suite_name,
        spec=spec,
        expectations_dir=expectations_dir,
        report_path=report_path,
        tier=tier,
        batch_rows=batch_rows,
    )
