"""Generalisation steps for quasi-identifiers, declared as a ladder in the spec.

A quasi-identifier's ``hierarchy`` is a list of steps from fine to coarse; level 0 is the
value itself, level N applies step N. Steps are plain data so a spec needs no Python:

- ``{band: 10, min: 18, top: 80}``   numbers to bands "18-27", "<18", "80+"
- ``{top_code: 3}``                  numbers kept below 3, "3+" from 3
- ``{prefix: 3}``                    text cut to its first characters ("141 52" -> "141")
- ``{date: day|month|quarter|year}`` dates and timestamps to "2025-03-01" / "2025-03" /
                                     "2025-Q1" / "2025"
- ``{map: {value: group, ...}}``     text looked up in a table
- ``"*"``                            everything suppressed

Every level's output is text, so a generalised column is always a string column, and the
same functions give the engine the hierarchy of each distinct value.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.errors import SpecError

SUPPRESSED = "*"


def _as_text(values: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(values.type):
        return pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")
    if pa.types.is_date(values.type):
        return pc.strftime(values, format="%Y-%m-%d")
    return pc.cast(values, pa.string())


def _band(values: pa.Array, width: int, low: int, top: int | None) -> pa.Array:
    numbers = pc.cast(values, pa.int64())
    # Integer division truncates toward zero; values below ``low`` get their own label.
    start = pc.add(pc.multiply(pc.divide(pc.subtract(numbers, low), width), width), low)
    end = pc.subtract(pc.add(start, width), 1)
    label = pc.binary_join_element_wise(pc.cast(start, pa.string()), pc.cast(end, pa.string()), "-")
    label = pc.if_else(pc.less(numbers, low), pa.scalar(f"<{low}"), label)
    if top is not None:
        label = pc.if_else(pc.greater_equal(numbers, top), pa.scalar(f"{top}+"), label)
    return label


def _date(values: pa.Array, unit: str) -> pa.Array:
    if pa.types.is_timestamp(values.type) and values.type.tz is not None:
        values = pc.local_timestamp(pc.cast(values, pa.timestamp("us", tz="Europe/Stockholm")))
    if not (pa.types.is_timestamp(values.type) or pa.types.is_date(values.type)):
        raise SpecError("a date step needs a date or timestamp column")
    if unit == "quarter":
        year = pc.cast(pc.year(values), pa.string())
        quarter = pc.cast(pc.quarter(values), pa.string())
        return pc.binary_join_element_wise(year, quarter, "-Q")
    fmt = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}.get(unit)
    if fmt is None:
        raise SpecError(f"unknown date step {unit!r} (day, month, quarter or year)")
    return pc.strftime(values, format=fmt)


def apply_step(values: pa.Array, step: Any) -> pa.Array:
    """Apply one generalisation step; nulls stay null."""
    if step == SUPPRESSED:
        return pc.if_else(pc.is_valid(values), pa.scalar(SUPPRESSED), pa.scalar(None, pa.string()))
    if not isinstance(step, dict) or len(step.keys() - {"min", "top"}) != 1:
        raise SpecError(f"unknown generalisation step {step!r}")
    if "band" in step:
        return _band(values, int(step["band"]), int(step.get("min", 0)), step.get("top"))
    if "top_code" in step:
        top = int(step["top_code"])
        numbers = pc.cast(values, pa.int64())
        return pc.if_else(
            pc.greater_equal(numbers, top), pa.scalar(f"{top}+"), pc.cast(numbers, pa.string())
        )
    if "prefix" in step:
        return pc.utf8_slice_codeunits(_as_text(values), 0, int(step["prefix"]))
    if "date" in step:
        return _date(values, str(step["date"]))
    if "map" in step:
        mapping = {str(k): str(v) for k, v in dict(step["map"]).items()}
        text = _as_text(values)
        keys = pa.array(list(mapping.keys()))
        index = pc.index_in(text, value_set=keys)
        mapped = pc.take(pa.array(list(mapping.values())), index)
        unmapped = pc.and_(pc.is_valid(text), pc.is_null(index))
        if pc.any(unmapped).as_py():
            raise SpecError("a value has no entry in the map step of its hierarchy")
        return mapped
    raise SpecError(f"unknown generalisation step {step!r}")


def generalise(values: pa.Array, hierarchy: list[Any], level: int) -> pa.Array:
    """The column at ``level`` of its hierarchy, as text (level 0: the value as text)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if level == 0:
        return _as_text(values)
    return apply_step(values, hierarchy[level - 1])


def hierarchy_table(values: pa.Array, hierarchy: list[Any]) -> list[pa.Array]:
    """Every level of the hierarchy for the given (typically distinct) values."""
    return [generalise(values, hierarchy, level) for level in range(len(hierarchy) + 1)]
