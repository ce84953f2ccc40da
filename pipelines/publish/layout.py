"""How each release column is stored in Parquet, decided from the spec's column roles.

Free text and pseudonyms carry no min/max statistics (a statistic is a value, and the
first and last scrubbed note or pseudonym say something a reader need not know); coded
columns (quasi-identifiers, sensitive and kept strings) are dictionary-typed, so R's arrow
and pandas read them as factors/categoricals instead of plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from pipelines.specs.model import Column, DatasetSpec

#: Roles whose values are never summarised in Parquet statistics.
NO_STATISTICS_ROLES = frozenset({"free_text", "direct_identifier"})
#: Roles whose string values are codes from a small set.
CODED_ROLES = frozenset({"quasi_identifier", "sensitive", "keep"})
DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True)
class ColumnLayout:
    """Columns written without statistics and columns written dictionary-typed."""

    no_statistics: frozenset[str] = field(default_factory=frozenset)
    dictionary: frozenset[str] = field(default_factory=frozenset)

    def statistics_for(self, schema: pa.Schema) -> bool | list[str]:
        """``write_statistics`` for pyarrow: True, or the columns that keep statistics."""
        if not self.no_statistics & set(schema.names):
            return True
        return [n for n in schema.names if n not in self.no_statistics]

    def apply(self, schema: pa.Schema) -> pa.Schema:
        """``schema`` with the coded string columns as ``dictionary<int32, string>``."""
        fields = []
        for f in schema:
            coded = f.name in self.dictionary and (
                pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            )
            fields.append(f.with_type(DICTIONARY) if coded else f)
        return pa.schema(fields, metadata=schema.metadata)


def is_coded(column: Column) -> bool:
    """A column whose released values are codes: a string (or generalised) coded role."""
    if column.role not in CODED_ROLES:
        return False
    return column.type == "string" or column.role == "quasi_identifier"


def release_layout(spec: DatasetSpec) -> ColumnLayout:
    """The Parquet layout of ``spec``'s release columns."""
    return ColumnLayout(
        no_statistics=frozenset(c.name for c in spec.columns if c.role in NO_STATISTICS_ROLES),
        dictionary=frozenset(c.name for c in spec.columns if is_coded(c)),
    )
