"""Validation with Great Expectations 1.x: suites in ``expectations/<dataset>.<raw|release>.json``.

``validate_table`` (a table in memory) and ``validate_parquet`` (a file, read a record batch
at a time) run a suite plus the expectations that follow from the dataset spec and return a
``ValidationSummary`` without data values; the full GX result (which may hold values) is
written only where the caller asks, in the raw zone. Importing this package does not
import GX.
"""

from pipelines.validate.runner import validate_parquet, validate_table
from pipelines.validate.summary import ExpectationOutcome, ValidationSummary

__all__ = ["ExpectationOutcome", "ValidationSummary", "validate_parquet", "validate_table"]
