"""The value-free summary of a Great Expectations run: what failed, where, never with what.

GX results can carry unexpected values; these dataclasses keep only expectation names,
column names, counts and row numbers, so a summary may go into logs, manifests and errors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_ROWS = 5  # row numbers kept per failed expectation


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result. Holds no data values, ever."""

    expectation: str  # GX type, e.g. "expect_column_values_to_not_be_null"
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    first_failing_rows: list[int] = field(default_factory=list)  # 1-based data rows, up to 5
    raised: bool = False  # GX could not evaluate it (e.g. the column is missing)

    @property
    def short_name(self) -> str:
        """A readable name: ``expect_column_values_to_not_be_null`` → ``not_null``."""
        name = self.expectation.removeprefix("expect_").removeprefix("column_values_to_")
        name = name.removeprefix("be_").replace("_to_be_", "_").replace("_be_", "_")
        return name

    def describe(self) -> str:
        """``not_null on column a (3 rows, first row 17)``: names and numbers only."""
        text = self.short_name
        if self.column:
            text += f" on column {self.column}"
        if self.raised:
            return text + " (could not be evaluated)"
        if self.unexpected_count:
            rows = "row" if self.unexpected_count == 1 else "rows"
            text += f" ({self.unexpected_count} {rows}"
            if self.first_failing_rows:
                text += f", first row {self.first_failing_rows[0]}"
            text += ")"
        return text


@dataclass(frozen=True)
class ValidationSummary:
    """The outcome of one suite on one table."""

    suite: str
    success: bool
    evaluated: int
    failed: int
    outcomes: list[ExpectationOutcome]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def failure_line(self) -> str:
        """One line naming every failed expectation, its column and first failing row."""
        if self.failed == 0:
            return f"suite {self.suite}: all {self.evaluated} expectations passed"
        failures = "; ".join(o.describe() for o in self.outcomes if not o.success)
        return (
            f"suite {self.suite}: {self.failed} of {self.evaluated} expectations failed: {failures}"
        )


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if isinstance(kwargs.get("column"), str):
        return kwargs["column"]
    pair = [kwargs.get("column_A"), kwargs.get("column_B")]
    if all(isinstance(c, str) for c in pair):
        return ", ".join(pair)  # type: ignore[arg-type]
    if isinstance(kwargs.get("column_list"), list):
        return ", ".join(str(c) for c in kwargs["column_list"])
    return None


def _raised(exception_info: Any) -> bool:
    """GX reports exceptions either flat or keyed by metric id; look at both shapes."""
    if not isinstance(exception_info, dict):
        return False
    if "raised_exception" in exception_info:
        return bool(exception_info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception") for v in exception_info.values())


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rows(result: dict[str, Any]) -> list[int]:
    """Dataframe indexes of failing rows (0-based, RangeIndex) → 1-based row numbers."""
    indexes = result.get("partial_unexpected_index_list") or []
    numbers = sorted({int(i) for i in indexes if isinstance(i, int) and not isinstance(i, bool)})
    return [i + 1 for i in numbers[:MAX_ROWS]]


def outcome_from_result(result: dict[str, Any]) -> ExpectationOutcome:
    """Keep the names and numbers of one GX ExpectationValidationResult (as a JSON dict)."""
    config = result.get("expectation_config") or {}
    details = result.get("result") or {}
    unexpected = _int_or_none(details.get("unexpected_count"))
    return ExpectationOutcome(
        expectation=str(config.get("type", "unknown")),
        column=_column_of(config.get("kwargs") or {}),
        success=bool(result.get("success")),
        element_count=_int_or_none(details.get("element_count")),
        unexpected_count=unexpected,
        first_failing_rows=_rows(details) if unexpected else [],
        raised=_raised(result.get("exception_info")),
    )


def summarise(suite: str, results: list[dict[str, Any]]) -> ValidationSummary:
    """Build the value-free summary from GX result dicts (already in suite order)."""
    outcomes = [outcome_from_result(r) for r in results]
    failed = sum(1 for o in outcomes if not o.success)
    return ValidationSummary(
        suite=suite,
        success=failed == 0,
        evaluated=len(outcomes),
        failed=failed,
        outcomes=outcomes,
    )
