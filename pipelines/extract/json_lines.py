"""Read JSON Lines exports as Arrow record batches; nested fields are addressed as ``a.b``.

The fast path is pyarrow's streaming JSON reader. When it rejects the file, a second pass
in plain Python finds the first bad line so the error can name it (pyarrow's own message
quotes data and counts rows per block).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson

from pipelines.errors import ExtractError
from pipelines.extract.convert import ARROW_TYPES, Where, arrow_schema, convert_any
from pipelines.specs.model import Column

BLOCK_BYTES = 16 << 20


def _read_type(column: Column) -> pa.DataType:
    # Dates and timestamps arrive as text in JSON; convert them ourselves.
    return pa.string() if column.type in ("date", "timestamp") else ARROW_TYPES[column.type]


def _nest(columns: list[Column]) -> pa.Schema:
    """The explicit read schema: ``a.b`` sources become struct fields."""
    tree: dict[str, object] = {}
    for col in columns:
        parts = col.source_name.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # type: ignore[assignment]
            if not isinstance(node, dict):
                raise ExtractError("source path collides with a plain field", column=col.name)
        node[parts[-1]] = _read_type(col)

    def build(node: dict[str, object]) -> list[pa.Field]:
        return [
            pa.field(k, pa.struct(build(v)) if isinstance(v, dict) else v)  # type: ignore[arg-type]
            for k, v in node.items()
        ]

    return pa.schema(build(tree))


def _struct_leaf(batch: pa.RecordBatch, path: str) -> pa.Array:
    """A nested leaf with nulls where any parent struct is null."""
    parts = path.split(".")
    array = batch.column(parts[0])
    for part in parts[1:]:
        assert isinstance(array, pa.StructArray)
        array = array.flatten()[array.type.get_field_index(part)]  # parent nulls propagate
    return array


def _locate_error(path: Path, columns: list[Column], dataset: str) -> ExtractError:
    """Find the first line that is not a JSON object with the expected field types."""
    label = path.name
    expected = {c.source_name: c for c in columns}
    with path.open("r", encoding="utf-8", errors="strict") as fh:
        line_no = 0
        try:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    return ExtractError(
                        "line is not valid JSON", dataset=dataset, file=label, row=line_no
                    )
                if not isinstance(obj, dict):
                    return ExtractError(
                        "line is not a JSON object", dataset=dataset, file=label, row=line_no
                    )
                for name, col in expected.items():
                    value: object = obj
                    for part in name.split("."):
                        value = value.get(part) if isinstance(value, dict) else None
                    if value is None:
                        continue
                    kind = col.type
                    ok = (
                        (kind in ("string", "date", "timestamp") and isinstance(value, str))
                        or (
                            kind == "int" and isinstance(value, int) and not isinstance(value, bool)
                        )
                        or (
                            kind == "float"
                            and isinstance(value, int | float)
                            and not isinstance(value, bool)
                        )
                        or (kind == "bool" and isinstance(value, bool))
                    )
                    if not ok:
                        return ExtractError(
                            f"value is not of type {kind}",
                            dataset=dataset,
                            file=label,
                            row=line_no,
                            column=name,
                        )
        except UnicodeDecodeError:
            return ExtractError(
                "file is not valid UTF-8 text", dataset=dataset, file=label, row=line_no + 1
            )
    return ExtractError("file could not be parsed as JSON Lines", dataset=dataset, file=label)


def read_jsonl_batches(path: Path, columns: list[Column], dataset: str) -> Iterator[pa.RecordBatch]:
    label = path.name
    if not path.exists():
        raise ExtractError("source file not found", dataset=dataset, file=str(path))
    if path.stat().st_size == 0:
        raise ExtractError("source file is empty", dataset=dataset, file=label)
    read_schema = _nest(columns)
    schema = arrow_schema(columns)
    rows_done = 0
    try:
        reader = pajson.open_json(
            path,
            read_options=pajson.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pajson.ParseOptions(
                explicit_schema=read_schema, unexpected_field_behavior="ignore"
            ),
        )
        for batch in reader:
            where = Where(dataset=dataset, file=label, first_row=rows_done + 1)
            arrays = [convert_any(_struct_leaf(batch, c.source_name), c, where) for c in columns]
            rows_done += batch.num_rows
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise _locate_error(path, columns, dataset) from None
