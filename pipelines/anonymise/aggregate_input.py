"""The rows an aggregate table is counted from: the release candidate, not the raw extract.

An aggregate published beside open microdata must not tell more than the microdata: if
it counted the raw records, "aggregate minus microdata" would give the count and the sums
of the rows whose district the policy hid, cell by cell. So every dimension is taken
from the RELEASED value of its column: a dimension never finer than the released level
(a coarser spec level is applied to the released rows), a suppressed value (``*``) is a
category of its own, and sums and record counts are those of the released rows. Only the
unit identifier (e.g. a household id, which the open tier drops) is read from the raw
batch, to count distinct units; it stays in the raw zone.

``AggregateInputs`` is fed during the policy's second pass, batch by batch, with the
released batch and the raw batch it came from (same rows, same order), and writes one
Parquet file per aggregate in the raw zone; ``build_aggregate`` then reads those files a
column at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.anonymise.generalise import SUPPRESSED, generalise
from pipelines.errors import SpecError
from pipelines.specs.model import Aggregate, DatasetSpec

#: How the manifest states the rule (value-free).
RULE = (
    "computed from the released rows: every dimension at its released level or coarser, "
    "suppressed values ('*') as a category of their own, record counts and sums those of "
    "the released rows; only the unit count uses the (unpublished) unit identifier"
)


def dimension_levels(
    aggregate: Aggregate, spec: DatasetSpec, released_levels: dict[str, int]
) -> dict[str, int]:
    """The level each dimension is published at: the spec's, or the released level when
    the release is coarser (an aggregate never shows a finer value than the microdata)."""
    return {
        d.column: max(d.level, released_levels.get(d.column, 0)) for d in aggregate.dimension_list
    }


def _dimension(
    released: pa.Array, raw: pa.Array, ladder: list[Any], level: int, at: int
) -> pa.Array:
    """``released`` (at level ``at``) brought to ``level``. Coarsening is applied to the raw
    value, which the hierarchy (a tree) maps to the same group as the released label; rows
    released as ``*`` or missing keep that."""
    if level == at:
        return pc.cast(released, pa.string())
    coarse = generalise(raw, ladder, level)
    starred = pc.fill_null(pc.equal(released, SUPPRESSED), False)
    coarse = pc.if_else(starred, pa.scalar(SUPPRESSED), coarse)
    return pc.if_else(pc.is_null(released), pa.scalar(None, pa.string()), coarse)


class AggregateInputs:
    """Collects, batch by batch, what each of a spec's aggregates counts."""

    def __init__(
        self,
        spec: DatasetSpec,
        released_columns: list[str],
        released_levels: dict[str, int],
        folder: Path,
    ) -> None:
        self.spec = spec
        self.released = set(released_columns)
        self.released_levels = dict(released_levels)
        self.folder = folder
        self._writers: dict[str, pq.ParquetWriter] = {}
        for aggregate in spec.aggregates:
            for d in aggregate.dimension_list:
                if d.column not in self.released:
                    raise SpecError(
                        f"aggregate {aggregate.name}: dimension is not a released column",
                        dataset=spec.name,
                        column=d.column,
                    )
            for m in aggregate.measures:
                if m.kind == "sum" and m.column not in self.released:
                    raise SpecError(
                        f"aggregate {aggregate.name}: a sum needs a released column",
                        dataset=spec.name,
                        column=m.column,
                    )

    @property
    def raw_columns(self) -> list[str]:
        """Raw columns ``add`` needs beyond the released batch: units, distinct counts of
        unreleased columns and the raw values of dimensions coarsened further."""
        names: list[str] = []
        for aggregate in self.spec.aggregates:
            if aggregate.unit:
                names.append(aggregate.unit)
            names += [
                str(m.column)
                for m in aggregate.measures
                if m.kind == "count_distinct" and m.column not in self.released
            ]
            levels = dimension_levels(aggregate, self.spec, self.released_levels)
            names += [c for c, lvl in levels.items() if lvl != self.released_levels.get(c, 0)]
        return list(dict.fromkeys(names))

    def levels(self, aggregate: Aggregate) -> dict[str, int]:
        return dimension_levels(aggregate, self.spec, self.released_levels)

    def disclosed(self, aggregate: Aggregate) -> set[str]:
        """Measures the open microdata already gives exactly: record counts, sums and
        distinct counts of released columns."""
        return {
            m.output_name
            for m in aggregate.measures
            if m.kind in ("count", "sum")
            or (m.column in self.released and m.column != aggregate.unit)
        }

    def _columns(self, aggregate: Aggregate, released: pa.Table, raw: pa.Table) -> pa.Table:
        columns: dict[str, pa.Array] = {}
        for column, level in self.levels(aggregate).items():
            at = self.released_levels.get(column, 0)
            ladder = self.spec.column(column).hierarchy or []
            raw_values = raw.column(column) if level != at else None
            columns[column] = _dimension(
                released.column(column).combine_chunks(),
                raw_values.combine_chunks() if raw_values is not None else pa.array([]),
                ladder,
                level,
                at,
            )
        wanted = [aggregate.unit] if aggregate.unit else []
        wanted += [str(m.column) for m in aggregate.measures if m.column]
        for name in dict.fromkeys(wanted):
            if name in columns:
                continue
            source = released if name in self.released and name != aggregate.unit else raw
            if name == aggregate.unit and name not in raw.column_names:
                source = released
            columns[name] = source.column(name).combine_chunks()
        return pa.table(columns)

    def add(self, released: pa.Table, raw: pa.Table) -> None:
        """One batch: ``released`` is the release of exactly the rows of ``raw``."""
        if released.num_rows != raw.num_rows:
            raise SpecError(
                "aggregate inputs: released and raw batch differ in rows", dataset=self.spec.name
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        for aggregate in self.spec.aggregates:
            table = self._columns(aggregate, released, raw)
            writer = self._writers.get(aggregate.name)
            if writer is None:
                writer = pq.ParquetWriter(self.path(aggregate.name), table.schema)
                self._writers[aggregate.name] = writer
            writer.write_table(table)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
