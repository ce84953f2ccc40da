"""User-facing errors that name where a problem is, never the offending value.

Every failure a data engineer can cause with bad input or configuration is raised as a
``SamverkanError``. Its message is built only from the dataset, file, row and column and a
description of what is wrong; raw cell values must never be put into it (product rule 1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Location:
    """Where a problem was found. Every field is optional; none may hold a data value."""

    dataset: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        parts = []
        if self.dataset:
            parts.append(f"dataset {self.dataset}")
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class SamverkanError(Exception):
    """An error with a one-line message safe to show a user and to log.

    ``retryable`` says whether running the same step again may succeed: only a source or
    object store that did not answer is (``TransientError``); bad data, a bad spec or a
    refused release fails the same way every time, so an Airflow task fails at once.
    """

    exit_code = 2
    retryable = False

    def __init__(self, problem: str, location: Location | None = None, **where: object) -> None:
        self.problem = problem
        self.location = location or Location(**where)  # type: ignore[arg-type]
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.location.describe()
        return f"{where}: {self.problem}" if where else self.problem


class TransientError(SamverkanError):
    """A source system or object store did not answer; the same step may succeed later."""

    retryable = True


class SpecError(SamverkanError):
    """A dataset spec is missing, unreadable or invalid."""


class ExtractError(SamverkanError):
    """A source could not be read into well-typed Arrow data."""


class ValidationFailed(SamverkanError):
    """A Great Expectations suite or the privacy gate rejected the data."""

    exit_code = 3


class PublishError(SamverkanError):
    """A snapshot could not be published, or an existing one conflicts."""
