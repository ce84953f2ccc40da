"""Custom GX expectations the core library lacks. Imports GX: import only inside functions.

``expect_column_to_not_exist``: the named column is absent. Release suites use it so a
leaked identifier column fails with its own name, not only as a column-set mismatch.
Defining the class registers it with GX under its snake_case name.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations.expectation import BatchExpectation


class ExpectColumnToNotExist(BatchExpectation):
    """Expect the column to be absent from the table."""

    column: str

    metric_dependencies: ClassVar[tuple[str, ...]] = ("table.columns",)
    success_keys: ClassVar[tuple[str, ...]] = ("column",)
    domain_keys: ClassVar[tuple[str, ...]] = ("batch_id",)
    args_keys: ClassVar[tuple[str, ...]] = ("column",)

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        present = self.column in metrics["table.columns"]
        return {"success": not present, "result": {"observed_value": present}}
