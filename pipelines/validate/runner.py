"""Run one expectation suite, plus the spec-derived expectations, on an Arrow table.

Great Expectations (GX Core 1.x) runs in-process on a pandas frame in a fresh ephemeral
context, with progress bars and analytics off. The full GX result, which can hold
unexpected values, goes only to ``report_path`` (raw zone); the caller gets the value-free
``ValidationSummary``. GX is imported here lazily: importing it takes seconds.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.errors import SpecError
from pipelines.specs.model import DatasetSpec, Tier
from pipelines.validate.derived import SuiteKind, derived_expectations
from pipelines.validate.suites import load_suite, suite_path
from pipelines.validate.summary import ValidationSummary, summarise

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

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


def _run(suite: Any, frame: pd.DataFrame, asset_name: str) -> dict[str, Any]:
    """Validate the frame in a fresh context; the GX result as a JSON-ready dict.

    GX's own Validator loads the batch once (``Batch.validate`` would load it twice).
    """
    from great_expectations.validator.v1_validator import Validator

    asset = _context().data_sources.add_pandas("samverkan").add_dataframe_asset(asset_name)
    validator = Validator(
        batch_definition=asset.add_batch_definition_whole_dataframe("whole"),
        batch_parameters={"dataframe": frame},
        result_format=RESULT_FORMAT,
    )
    return validator.validate_expectation_suite(suite).to_json_dict()


def validate_table(
    table: pa.Table,
    suite_name: str,
    *,
    spec: DatasetSpec,
    expectations_dir: Path,
    report_path: Path | None = None,
    tier: Tier | None = None,
) -> ValidationSummary:
    """Validate ``table`` with suite ``suite_name`` and the spec-derived expectations.

    Never raises on failed expectations (the caller decides); raises ``SpecError`` when the
    suite file is missing, unreadable or not a valid GX suite. ``tier`` (default: the
    spec's tier) decides which columns a release must have.
    """
    kind = suite_kind(spec, suite_name)
    file = suite_path(expectations_dir, suite_name)
    own = load_suite(file, suite_name)
    derived = derived_expectations(spec, kind, tier or spec.tier)

    started = time.perf_counter()
    suite = _build_suite(suite_name, file, derived, own)
    result = _run(suite, to_frame(table, columns_read(derived + own)), spec.name)
    result["results"].sort(
        key=lambda r: (r.get("expectation_config") or {}).get("meta", {}).get(ORDER_KEY, 0)
    )
    if report_path is not None:
        _write_report(Path(report_path), result)
    summary = summarise(suite_name, result["results"])
    log.info(
        "validated %s rows of %s with suite %s in %.1f s: %d of %d expectations failed",
        table.num_rows,
        spec.name,
        suite_name,
        time.perf_counter() - started,
        summary.failed,
        summary.evaluated,
    )
    return summary
