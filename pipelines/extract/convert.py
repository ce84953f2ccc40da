"""Turn source text (or loosely typed source values) into the spec's Arrow types.

Exports from Swedish systems write numbers with decimal commas and space thousands
separators, dates as ISO, ``01.03.2025`` or Excel serial numbers. Conversion is vectorised
with pyarrow.compute; when a value cannot be converted the error names the row and column,
never the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.errors import ExtractError
from pipelines.specs.model import Column

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
}

_INT_RE = r"^[+-]?\d+$"
_FLOAT_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_SPACES = [
    "\u00a0",
    "\u202f",
    "\u2009",
    " ",
    "\u00ad",
]  # nbsp, narrow nbsp, thin, space, soft hyphen
_TRUE = ["true", "ja", "yes", "1", "sant"]
_FALSE = ["false", "nej", "no", "0", "falskt"]
_EXCEL_EPOCH_DAYS = -25569  # 1899-12-30 relative to 1970-01-01


@dataclass(frozen=True)
class Where:
    """Where a batch came from, for error messages: dataset, file and first row number."""

    dataset: str
    file: str
    first_row: int = 1  # row number (1-based, header not counted) of the batch's first row


def first_nul(text: pa.Array) -> int | None:
    """Index of the first value holding a NUL byte, or None (a memchr over the data buffer)."""
    data = text.buffers()[2] if text.type in (pa.string(), pa.binary()) else None
    if data is None or data.size == 0 or np.frombuffer(data, dtype=np.uint8).min() > 0:
        return None  # the buffer may hold bytes outside a slice: confirm value by value
    hits = pc.match_substring(text, "\x00")
    return pc.index(hits, True).as_py() if pc.any(hits).as_py() else None


def arrow_schema(columns: list[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in columns])


def _fail(where: Where, column: Column, bad: pa.Array, problem: str) -> ExtractError:
    """An error at the first True in ``bad``; the value itself is never included."""
    index = pc.index(bad, True).as_py()
    return ExtractError(
        problem,
        dataset=where.dataset,
        file=where.file,
        row=where.first_row + max(index, 0),
        column=column.source_name,
    )


def _blank_to_null(text: pa.Array) -> pa.Array:
    stripped = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def _remove_spaces(text: pa.Array) -> pa.Array:
    for space in _SPACES:
        text = pc.replace_substring(text, space, "")
    return text


def _check(text: pa.Array, converted: pa.Array, where: Where, column: Column, what: str) -> None:
    bad = pc.and_(pc.is_valid(text), pc.is_null(converted))
    if pc.any(bad).as_py():
        raise _fail(where, column, bad, f"value is not {what}")


def _to_int(text: pa.Array, where: Where, column: Column) -> pa.Array:
    clean = _remove_spaces(text)
    ok = pc.match_substring_regex(clean, _INT_RE)
    _check(text, pc.if_else(ok, clean, None), where, column, "a whole number")
    digits = pc.if_else(ok, clean, None)
    long = pc.fill_null(pc.greater(pc.utf8_length(digits), 18), False)
    if pc.any(long).as_py():  # 19+ digits: may not fit in 64 bits; check those few exactly
        for i in pc.indices_nonzero(long).to_pylist():
            if not -(2**63) <= int(digits[i].as_py()) < 2**63:
                raise _fail(
                    where,
                    column,
                    pc.equal(pa.array(range(len(text))), i),
                    "value is out of range for a whole number",
                )
    return pc.cast(digits, pa.int64())


def _check_finite(values: pa.Array, where: Where, column: Column) -> pa.Array:
    """Infinity and NaN are no measurements: name the row (``1e999`` overflows to inf)."""
    bad = pc.fill_null(pc.invert(pc.is_finite(values)), False)
    if pc.any(bad).as_py():
        raise _fail(where, column, bad, "value is out of range for a number")
    return values


def _to_float(text: pa.Array, where: Where, column: Column, decimal: str) -> pa.Array:
    clean = _remove_spaces(text)
    if decimal == ",":
        has_point = pc.match_substring(clean, ".")
        if pc.any(pc.and_(has_point, pc.match_substring(clean, ","))).as_py():
            clean = pc.replace_substring(clean, ".", "")  # 1.234,50: point as thousands mark
        clean = pc.replace_substring(clean, ",", ".")
    ok = pc.match_substring_regex(clean, _FLOAT_RE)
    _check(text, pc.if_else(ok, clean, None), where, column, f"a number (decimal mark {decimal!r})")
    return _check_finite(pc.cast(pc.if_else(ok, clean, None), pa.float64()), where, column)


# The day of the month as written, per format: pyarrow's strptime rolls impossible dates
# over (2025-02-30 becomes 2025-03-02), so the parsed day must equal the written one.
# The whole value must match too: strptime's %Y also takes ``22`` (year 0022).
_DAY_RE = {
    "%Y-%m-%d": r"^\d{4}-\d{1,2}-(?P<day>\d{1,2})$",
    "%d.%m.%Y": r"^(?P<day>\d{1,2})\.\d{1,2}\.\d{4}$",
    "%Y%m%d": r"^\d{6}(?P<day>\d{2})$",
}
DATE_FORMATS = "YYYY-MM-DD, DD.MM.YYYY, YYYYMMDD or an Excel day number"


def _strptime(text: pa.Array, fmt: str, unit: str) -> pa.Array:
    """``pc.strptime`` without roll-over: impossible dates become null, not other dates."""
    parsed = pc.strptime(text, format=fmt, unit=unit, error_is_null=True)
    if not pc.any(pc.is_valid(parsed)).as_py():
        return parsed
    if len(fmt) > 8:  # a timestamp: check its written date part (the day may shift in UTC)
        date_part = pc.utf8_slice_codeunits(pc.if_else(pc.is_valid(parsed), text, None), 0, 10)
        ok = pc.is_valid(_strptime(date_part, fmt[:8], "s"))
        return pc.if_else(ok, parsed, None)
    written = pc.struct_field(
        pc.extract_regex(pc.if_else(pc.is_valid(parsed), text, None), _DAY_RE[fmt]), 0
    )
    same = pc.equal(pc.cast(written, pa.int64()), pc.day(parsed))
    return pc.if_else(pc.fill_null(same, False), parsed, None)


def _iso_dates(text: pa.Array) -> pa.Array | None:
    """All values as ISO dates (pyarrow's cast checks the calendar), or None if any is not."""
    try:
        return pc.cast(text, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _to_date(text: pa.Array, where: Where, column: Column) -> pa.Array:
    fast = _iso_dates(text)  # the common case, and 4x faster than strptime
    if fast is not None:
        return fast
    result = _strptime(text, "%Y-%m-%d", "s")
    for fmt in ("%d.%m.%Y", "%Y%m%d"):  # not DD/MM/YYYY: MM/DD/YYYY reads the same
        missing = pc.and_(pc.is_valid(text), pc.is_null(result))
        if not pc.any(missing).as_py():
            break
        result = pc.coalesce(result, _strptime(text, fmt, "s"))
    dates = pc.cast(result, pa.date32())
    missing = pc.and_(pc.is_valid(text), pc.is_null(dates))
    if pc.any(missing).as_py():  # Excel serial day numbers, e.g. 45717
        serial_ok = pc.and_(missing, pc.match_substring_regex(text, r"^\d{5}$"))
        days = pc.cast(pc.if_else(serial_ok, text, None), pa.int32())
        from_serial = pc.add(days, pa.scalar(_EXCEL_EPOCH_DAYS, pa.int32())).view(pa.date32())
        dates = pc.coalesce(dates, from_serial)
    _check(text, dates, where, column, f"a date ({DATE_FORMATS})")
    return dates


def _plain_strptime(text: pa.Array, fmt: str, unit: str) -> pa.Array:
    return pc.strptime(text, format=fmt, unit=unit, error_is_null=True)


def _to_timestamp(text: pa.Array, where: Where, column: Column) -> pa.Array:
    # When every value starts with a valid ISO date, no format can roll a date over.
    valid_dates = _iso_dates(pc.utf8_slice_codeunits(text, 0, 10)) is not None
    strptime = _plain_strptime if valid_dates else _strptime
    result = None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"):
        parsed = strptime(text, fmt, "us")
        result = parsed if result is None else pc.coalesce(result, parsed)
    naive = None
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        parsed = strptime(text, fmt, "us")
        naive = parsed if naive is None else pc.coalesce(naive, parsed)
    # Local times without an offset are Swedish wall-clock times.
    local = pc.assume_timezone(
        naive, "Europe/Stockholm", ambiguous="earliest", nonexistent="earliest"
    )
    stamps = pc.coalesce(pc.cast(result, pa.timestamp("us", tz="UTC")), local)
    _check(text, stamps, where, column, "a timestamp (ISO 8601)")
    return pc.cast(stamps, pa.timestamp("us", tz="UTC"))


def _to_bool(text: pa.Array, where: Where, column: Column) -> pa.Array:
    lower = pc.utf8_lower(text)
    truth = pc.is_in(lower, pa.array(_TRUE))
    falsity = pc.is_in(lower, pa.array(_FALSE))
    value = pc.if_else(truth, True, pc.if_else(falsity, False, None))
    _check(text, value, where, column, "true/false (ja/nej)")
    return value


def convert_text(text: pa.Array, column: Column, where: Where, *, decimal: str = ".") -> pa.Array:
    """Convert a string array to the column's spec type; blanks become nulls."""
    text = _blank_to_null(pc.cast(text, pa.string()))
    match column.type:
        case "string":
            result = text
        case "int":
            result = _to_int(text, where, column)
        case "float":
            result = _to_float(text, where, column, decimal)
        case "date":
            result = _to_date(text, where, column)
        case "timestamp":
            result = _to_timestamp(text, where, column)
        case "bool":
            result = _to_bool(text, where, column)
    return result


def convert_any(values: pa.Array, column: Column, where: Where) -> pa.Array:
    """Convert values that may already be typed (SQL, JSON) to the column's spec type."""
    target = ARROW_TYPES[column.type]
    if values.type == target:
        return values
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), target)
    if column.type in ("int", "float") and (
        pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
    ):
        if column.type == "int" and pa.types.is_floating(values.type):
            whole = pc.equal(pc.floor(values), values)
            bad = pc.and_(pc.is_valid(values), pc.invert(whole))
            if pc.any(bad).as_py():
                raise _fail(where, column, pc.fill_null(bad, False), "value is not a whole number")
        return pc.cast(values, target)
    if column.type == "timestamp" and pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            values = pc.assume_timezone(
                values, "Europe/Stockholm", ambiguous="earliest", nonexistent="earliest"
            )
        return pc.cast(values, target)
    if column.type == "date" and pa.types.is_timestamp(values.type):
        return pc.cast(values, target)
    if column.type == "string" and not pa.types.is_string(values.type):
        if pa.types.is_large_string(values.type):
            return pc.cast(values, pa.string())
        if pa.types.is_nested(values.type):
            bad = pc.is_valid(values)
            raise _fail(where, column, bad, "expected text, found a nested JSON value")
        return pc.cast(values, pa.string())
    return convert_text(pc.cast(values, pa.string()), column, where)
