"""Aggregate tables for the open tier, with small-cell protection.

A spec's ``aggregates`` declare counts and sums by chosen dimensions (e.g. households per
district and month). A run counts them from the RELEASED rows (``aggregate_input``): an
aggregate of the raw records minus the microdata beside it would give the count and sums
of the rows whose values the policy hid. Cells span the full cross product of the
dimension categories (``*`` for suppressed values is one of them) with margins: every
dimension gets a ``Totalt`` category, so the table holds every sub-total and the grand
total. Zero cells are published as zero. Two protections:

- ``threshold``: a cell counting 0 < n < ``min_count`` units is suppressed (every measure
  null, ``suppressed`` true). Secondary suppression then makes sure no suppressed cell can
  be recovered from the published cells and margins: along every line of the table (all
  cells that differ in one dimension, plus their total) there are either no suppressed
  cells or at least two, and never only cells that must all be 1; finally a linear
  programme per suppressed cell (the attacker's audit) checks that its value is not
  determined by the published figures, and suppresses more until none is.
- ``cell_key`` (as SCB and ABS): each unit gets a record key from a keyed hash of its
  identifier; a cell's key is the sum of its units' record keys modulo 2**32; the noise is
  read from a fixed p-table by (count, cell key). The same cell therefore gets the same
  noise in every release, zeros stay zero and counts 1..``small_count`` are never
  published. Margins are perturbed as cells of their own, so tables are not additive.
  Measures the microdata already discloses (record counts of released rows) stay exact,
  and the counts of one cell agree (``_consistent_counts``): never zero units beside
  positive records, never more units than records.

The report names the method, its parameters and how many cells were protected; it holds no
data value (the aggregate table itself is the published output).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.generalise import generalise
from pipelines.anonymise.pseudonym import PseudonymKey, pseudonymise_array
from pipelines.errors import SpecError
from pipelines.specs.model import (
    Aggregate,
    CellKeyProtection,
    DatasetSpec,
    Measure,
    ThresholdProtection,
)

MARGIN = "Totalt"
KEY_SPACE = 1 << 32
MAX_CELLS = 1_000_000
_AUDIT_ROUNDS = 100


# ------------------------------------------------------------------------------ the cube
#: Reads one raw column by name: aggregates of a large extract read (and free) one column
#: at a time instead of holding a table.
ColumnReader = Callable[[str], pa.Array | pa.ChunkedArray]
RawColumns = pa.Table | ColumnReader


def _reader(raw: RawColumns) -> ColumnReader:
    """A column reader for ``raw``."""
    return raw.column if isinstance(raw, pa.Table) else raw


@dataclass
class Cube:
    """Every measure over the full cross product of categories, margins last per axis."""

    dimensions: list[str]
    categories: list[list[str | None]]
    values: dict[str, np.ndarray]  # measure name -> value per cell (C order over shape)
    units: np.ndarray  # protected count per cell (distinct units, or records)
    cell_keys: np.ndarray | None  # per cell, for the cell key method

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(c) + 1 for c in self.categories)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def lines(self) -> list[np.ndarray]:
        """Every additive line: rows of cell indices, the line's total in the last column."""
        index = np.arange(self.size).reshape(self.shape)
        out = []
        for axis, n in enumerate(self.shape):
            out.append(np.moveaxis(index, axis, -1).reshape(-1, n))
        return out


def _codes(array: pa.Array) -> tuple[np.ndarray, list[str | None]]:
    """Category code per row (categories sorted, missing last) and the categories."""
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    dictionary = encoded.dictionary.to_pylist()
    order = sorted(range(len(dictionary)), key=lambda i: (dictionary[i] is None, dictionary[i]))
    rank = np.empty(len(dictionary), dtype=np.int64)
    rank[order] = np.arange(len(dictionary))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return rank[codes] if len(codes) else codes, [dictionary[i] for i in order]


def _value_codes(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dense code per row (-1 where missing) and the distinct values."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64), encoded.dictionary


def _distinct_pairs(cells: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Sorted distinct (cell, value) keys; missing values left out (few copies: it runs
    over every record)."""
    valid = codes >= 0
    if valid.all():
        pairs = cells * max(n, 1)
        pairs += codes
    else:
        pairs = cells[valid] * max(n, 1)
        pairs += codes[valid]
    del valid
    if not len(pairs):
        return pairs
    pairs.sort()
    keep = np.empty(len(pairs), dtype=bool)
    keep[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=keep[1:])
    return pairs[keep]


def _cell_keys(pairs: np.ndarray, n_units: int, unit_keys: np.ndarray, size: int) -> np.ndarray:
    """Sum of the record keys of each cell's distinct units, modulo 2**32 (exact ints)."""
    out = np.zeros(size, dtype=np.int64)
    if len(pairs):
        cell_of_pair = pairs // max(n_units, 1)
        keys = unit_keys[pairs % max(n_units, 1)]
        starts = np.flatnonzero(np.r_[True, cell_of_pair[1:] != cell_of_pair[:-1]])
        out[cell_of_pair[starts]] = np.add.reduceat(keys, starts) % KEY_SPACE
    return out


def _dimension_column(
    read: ColumnReader, name: str, level: int, spec: DatasetSpec | None, aggregate: str
) -> pa.Array:
    ladder: list[Any] = []
    if level:
        if spec is None:
            raise SpecError(
                f"aggregate {aggregate}: a generalised dimension needs the dataset spec",
                column=name,
            )
        ladder = spec.column(name).hierarchy or []
    return generalise(read(name), ladder, level)


def build_cube(
    raw: RawColumns,
    aggregate: Aggregate,
    *,
    spec: DatasetSpec | None = None,
    key: bytes | None = None,
    generalised: bool = False,
) -> Cube:
    """Measures for every cell and margin, computed from the rows (a table, or a reader
    of one column at a time).

    ``key`` (the cell-key secret) turns on cell keys, derived from the unit column;
    ``generalised`` says the dimension columns already hold their published labels.
    """
    read = _reader(raw)
    dims = aggregate.dimension_list
    codes, categories = [], []
    for dim in dims:
        level = 0 if generalised else dim.level
        column = _dimension_column(read, dim.column, level, spec, aggregate.name)
        c, cats = _codes(column)
        del column
        if MARGIN in cats:
            raise SpecError(
                f"aggregate {aggregate.name}: a category is named like the margin",
                column=dim.column,
            )
        codes.append(c)
        categories.append(cats)
    shape = tuple(len(c) + 1 for c in categories)
    size = math.prod(shape)
    if size > MAX_CELLS:
        raise SpecError(f"aggregate {aggregate.name} would have more than {MAX_CELLS} cells")
    strides = [math.prod(shape[i + 1 :]) for i in range(len(shape))]

    unit_codes = unit_keys = None
    n_units = 0
    if aggregate.unit is not None:
        unit_codes, distinct = _value_codes(read(aggregate.unit))
        n_units = len(distinct)
        if key is not None:
            unit_keys = record_keys(distinct, key)
    measure_data = {}
    for m in aggregate.measures:
        if m.kind == "sum":
            data = pc.fill_null(read(str(m.column)), 0).to_numpy().astype(np.float64)
            measure_data[m.output_name] = data
        elif m.kind == "count_distinct" and m.column != aggregate.unit:
            value_codes, distinct = _value_codes(read(str(m.column)))
            measure_data[m.output_name] = (value_codes, len(distinct))

    values = {m.output_name: np.zeros(size) for m in aggregate.measures}
    units = np.zeros(size, dtype=np.int64)
    cell_keys = np.zeros(size, dtype=np.int64) if unit_keys is not None else None
    rows = len(codes[0])  # a spec aggregate has at least one dimension
    for margins in itertools.product((False, True), repeat=len(dims)):
        cells = np.zeros(rows, dtype=np.int64)
        for axis, is_margin in enumerate(margins):
            coord = len(categories[axis]) if is_margin else codes[axis]
            cells += np.asarray(coord, dtype=np.int64) * strides[axis]
        records = np.bincount(cells, minlength=size)
        touched = np.zeros(size, dtype=bool)
        touched[cells] = True
        unit_pairs = None
        if unit_codes is not None:
            unit_pairs = _distinct_pairs(cells, unit_codes, n_units)
        for m in aggregate.measures:
            name = m.output_name
            if m.kind == "count":
                part = records
            elif m.kind == "sum":
                part = np.bincount(cells, weights=measure_data[name], minlength=size)
            elif m.column == aggregate.unit and unit_pairs is not None:
                part = np.bincount(unit_pairs // max(n_units, 1), minlength=size)
            else:
                c, n = measure_data[name]
                part = np.bincount(_distinct_pairs(cells, c, n) // max(n, 1), minlength=size)
            values[name][touched] = part[touched]
        if unit_pairs is None:
            units[touched] = records[touched]
        else:
            per_cell = np.bincount(unit_pairs // max(n_units, 1), minlength=size)
            units[touched] = per_cell[touched]
            if cell_keys is not None and unit_keys is not None:
                keys = _cell_keys(unit_pairs, n_units, unit_keys, size)
                cell_keys[touched] = keys[touched]
    return Cube(
        dimensions=[d.column for d in dims],
        categories=categories,
        values=values,
        units=units,
        cell_keys=cell_keys,
    )


# ------------------------------------------------------------------------------ threshold
def _partner(line: np.ndarray, suppressed: np.ndarray, units: np.ndarray) -> int | None:
    """The cell to suppress next in a line: smallest non-zero interior cell, else the total."""
    interior = line[:-1]
    free = interior[~suppressed[interior] & (units[interior] > 0)]
    if len(free):
        return int(free[np.lexsort((free, units[free]))[0]])
    total = int(line[-1])
    return None if suppressed[total] else total


def _line_rule(cube: Cube, suppressed: np.ndarray) -> int:
    """Suppress until no line shows a single suppressed cell or only forced ones."""
    added = 0
    lines = cube.lines()
    additive = [
        cube.units[block[:, :-1]].sum(axis=1) == cube.units[block[:, -1]] for block in lines
    ]
    changed = True
    while changed:
        changed = False
        for block, sums_up in zip(lines, additive, strict=True):
            counts = suppressed[block].sum(axis=1)
            for row in np.flatnonzero(counts >= 1):
                line = block[row]
                if not _line_exposed(line, suppressed, cube.units, bool(sums_up[row])):
                    continue
                cell = _partner(line, suppressed, cube.units)
                if cell is not None:
                    suppressed[cell] = True
                    added += 1
                    changed = True
    return added


def _line_exposed(
    line: np.ndarray, suppressed: np.ndarray, units: np.ndarray, additive: bool
) -> bool:
    """Whether the line alone gives a suppressed cell away."""
    marks = suppressed[line]
    count = int(marks.sum())
    if count == 1:
        return True
    total = int(line[-1])
    if suppressed[total] or not additive:
        return False
    hidden = int(units[total] - units[line[:-1]][~marks[:-1]].sum())
    return hidden <= count  # every hidden interior cell is forced to exactly 1 (or 0)


def _equations(
    cube: Cube, values: np.ndarray, suppressed: np.ndarray, position: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The additive lines through suppressed cells as ``A x = b`` over the hidden cells."""
    rows, rhs = [], []
    hidden = int(suppressed.sum())
    for block in cube.lines():
        sums = values[block[:, :-1]].sum(axis=1)
        additive = np.isclose(sums, values[block[:, -1]], rtol=1e-9, atol=1e-6)
        for line in block[additive & suppressed[block].any(axis=1)]:
            sign = np.r_[np.ones(len(line) - 1), -1.0]
            marks = suppressed[line]
            coef = np.zeros(hidden)
            np.add.at(coef, position[line[marks]], sign[marks])
            rows.append(coef)
            rhs.append(-float((sign[~marks] * values[line[~marks]]).sum()))
    return np.array(rows).reshape(len(rows), hidden), np.array(rhs)


def _certified(direction: np.ndarray, x: np.ndarray, low: np.ndarray) -> float:
    """Width of x_j's range along one direction (``direction[j] == 1``) within the bounds."""
    slack = low - x
    up, down = direction > 1e-12, direction < -1e-12
    t_low = float(np.max(slack[up] / direction[up], initial=-np.inf))
    t_high = float(np.min(slack[down] / direction[down], initial=np.inf))
    return t_high - t_low


def exposed_cells(cube: Cube, suppressed: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Suppressed cells whose value an attacker can pin down for some measure.

    The attacker knows every published cell and margin, that each line adds up (where it
    does in the data) and that a suppressed cell holds at least one unit. A count is
    exposed when its feasible range is narrower than 1, a sum when it is a single value.
    A direction in the null space of the equations certifies most cells at once; the
    rest get a linear programme (minimum and maximum).
    """
    from scipy.linalg import null_space
    from scipy.optimize import linprog

    hidden = np.flatnonzero(suppressed)
    position = np.full(cube.size, -1)
    position[hidden] = np.arange(len(hidden))
    bad = np.zeros(len(hidden), dtype=bool)
    programmes = 0
    for name, values in {"units": cube.units.astype(np.float64), **cube.values}.items():
        a_eq, b_eq = _equations(cube, values, suppressed, position)
        if not len(a_eq):
            continue
        x = values[hidden]
        integral = name == "units" or bool(np.allclose(values, np.round(values)))
        low = np.where(x >= 1, 1.0, 0.0) if integral else np.zeros(len(hidden))
        needed = np.full(len(hidden), 1.0 - 1e-7) if integral else 1e-6 * (1.0 + np.abs(x))
        basis = null_space(a_eq)
        bounds = list(zip(low, [None] * len(hidden), strict=True))
        free = np.zeros(len(hidden), dtype=bool)  # shown to move by at least ``needed``
        for i in range(len(hidden)):
            weight = basis[i] if basis.size else np.zeros(0)
            if not weight.size or np.linalg.norm(weight) < 1e-9:
                bad[i] = True  # a linear combination of published figures
                continue
            direction = basis @ weight
            free[i] = _certified(direction / direction[i], x, low) >= needed[i]
        for i in np.flatnonzero(~free & ~bad):
            for sign in (1.0, -1.0):
                if free[i]:
                    break
                goal = np.zeros(len(hidden))
                goal[i] = sign
                found = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                programmes += 1
                if found.status == 0:  # every vertex is feasible: it frees all it moves
                    free |= np.abs(found.x - x) >= needed
            bad[i] |= not free[i]
    return hidden[bad], {"cells_checked": len(hidden), "linear_programmes": programmes}


def _hide_with_partner(cube: Cube, suppressed: np.ndarray, cell: int) -> None:
    """Suppress one more cell in a line through ``cell`` (everything if none is left)."""
    for block in cube.lines():
        line = block[np.flatnonzero((block == cell).any(axis=1))[0]]
        partner = _partner(line, suppressed, cube.units)
        if partner is not None:
            suppressed[partner] = True
            return
    suppressed |= cube.units > 0


def threshold_suppression(cube: Cube, min_count: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Primary and secondary suppression; returns the mask and value-free figures."""
    primary = (cube.units > 0) & (cube.units < min_count)
    suppressed = primary.copy()
    _line_rule(cube, suppressed)
    rounds, checks = 0, {"cells_checked": 0, "linear_programmes": 0}
    while suppressed.any():
        rounds += 1
        exposed, checks = exposed_cells(cube, suppressed)
        if not len(exposed):
            break
        if rounds == _AUDIT_ROUNDS:  # pragma: no cover - give up safely: hide every count
            suppressed |= cube.units > 0
            break
        for cell in exposed:
            _hide_with_partner(cube, suppressed, int(cell))
        _line_rule(cube, suppressed)
    return suppressed, {
        "primary_suppressed": int(primary.sum()),
        "secondary_suppressed": int((suppressed & ~primary).sum()),
        "audit": {
            "method": "per suppressed cell and measure, its feasible range given every "
            "published cell and additive line and at least one unit per suppressed cell",
            "rounds": rounds,
            **checks,
        },
    }


# ------------------------------------------------------------------------------ cell key
def _kernel(max_noise: int) -> dict[int, float]:
    weights = {d: float((max_noise + 1 - abs(d)) ** 2) for d in range(-max_noise, max_noise + 1)}
    total = sum(weights.values())
    return {d: w / total for d, w in weights.items()}


def _tilted(count: int, outputs: list[int], prior: list[float]) -> list[float]:
    """Prior tilted by exp(theta * m) so that the mean output is ``count`` if it can be."""

    def dist(theta: float) -> list[float]:
        top = max(outputs)
        raw = [p * math.exp(theta * (m - top)) for m, p in zip(outputs, prior, strict=True)]
        total = sum(raw)
        return [r / total for r in raw]

    lo, hi = -1.5, 1.5  # bounded: near a forbidden range the row stays noisy, not exact
    for _ in range(200):
        mid = (lo + hi) / 2
        mean = sum(m * p for m, p in zip(outputs, dist(mid), strict=True))
        if mean < count:
            lo = mid
        else:
            hi = mid
    return dist((lo + hi) / 2)


@lru_cache(maxsize=16)
def p_table(max_noise: int, small_count: int) -> dict[int, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Fixed p-table: count -> (noise values, cumulative thresholds in [0, 2**32]).

    Row ``max_noise + small_count + 1`` holds for every larger count. Outputs never fall
    in 1..small_count and never below zero; the distribution is unbiased where the
    allowed outputs permit it.
    """
    kernel = _kernel(max_noise)
    last = max_noise + small_count + 1
    table = {}
    for count in range(1, last + 1):
        outputs = [
            count + d for d in kernel if count + d >= 0 and not 1 <= count + d <= small_count
        ]
        if count <= small_count and 0 not in outputs:
            outputs.insert(0, 0)
        prior = [kernel.get(m - count, min(kernel.values())) for m in outputs]
        probs = _tilted(count, outputs, prior)
        cumulative, running = [], 0.0
        for p in probs:
            running += round(p, 12)
            cumulative.append(min(KEY_SPACE, round(running * KEY_SPACE)))
        cumulative[-1] = KEY_SPACE
        table[count] = (tuple(m - count for m in outputs), tuple(cumulative))
    return table


def p_table_digest(max_noise: int, small_count: int) -> str:
    text = json.dumps(sorted(p_table(max_noise, small_count).items()))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def cell_key_noise(
    counts: np.ndarray, cell_keys: np.ndarray, protection: CellKeyProtection
) -> np.ndarray:
    """Noise for every cell from the p-table row of its count, at its cell key."""
    table = p_table(protection.max_noise, protection.small_count)
    last = max(table)
    noise = np.zeros(len(counts), dtype=np.int64)
    for i in np.flatnonzero(counts > 0):
        offsets, cumulative = table[min(int(counts[i]), last)]
        noise[i] = offsets[int(np.searchsorted(cumulative, int(cell_keys[i]), side="right"))]
    return noise


def record_keys(units: pa.Array, key: bytes) -> np.ndarray:
    """Record key in [0, 2**32) of every unit identifier: keyed HMAC-SHA256, first 32 bits.

    Identifiers are normalised first (as for pseudonyms), so one person's written forms
    share a key.
    """
    digests = pseudonymise_array(PseudonymKey("cell-key", key), units)
    return np.array([int(h[:8], 16) for h in digests.to_pylist()], dtype=np.int64)


# ------------------------------------------------------------------------------ output
def _table(
    cube: Cube, measures: list[Measure], published: dict[str, np.ndarray], mask: np.ndarray | None
) -> pa.Table:
    grids = np.indices(cube.shape).reshape(len(cube.shape), -1)
    columns: dict[str, pa.Array] = {}
    for axis, name in enumerate(cube.dimensions):
        labels = pa.array([*cube.categories[axis], MARGIN], pa.string())
        columns[name] = pc.take(labels, pa.array(grids[axis]))
    for m in measures:
        values = published[m.output_name]
        if m.kind == "sum":
            columns[m.output_name] = pa.array(np.round(values, 6), pa.float64(), mask=mask)
        else:
            columns[m.output_name] = pa.array(np.round(values).astype(np.int64), mask=mask)
    if mask is not None:
        columns["suppressed"] = pa.array(mask)
    return pa.table(columns)


def _consistent_counts(
    cube: Cube,
    aggregate: Aggregate,
    protection: CellKeyProtection,
    disclosed: set[str],
) -> tuple[dict[str, np.ndarray], int]:
    """Cell-key counts that agree with each other within every cell.

    The unit count gets the p-table noise at the cell's key. A measure the microdata
    beside the table already discloses (``disclosed``) is published exactly: noise on it
    would only be read off against the microdata, and it would tell the attacker the
    cell key. Other counts get noise at the same cell key. Then, per cell: no count is
    positive where the unit count is zero, a zero unit count beside records becomes
    ``small_count + 1`` (it hides a small count, as zero would, but stays consistent),
    and no count exceeds the record count nor falls below the unit count where it is
    the record count.
    """
    assert cube.cell_keys is not None
    noisy_units = cube.units + cell_key_noise(cube.units, cube.cell_keys, protection)
    published: dict[str, np.ndarray] = {}
    perturbed = 0
    records_name: str | None = None
    for m in aggregate.measures:
        true = np.round(cube.values[m.output_name]).astype(np.int64)
        if m.output_name in disclosed:
            published[m.output_name] = true
        elif m.kind == "count_distinct" and m.column == aggregate.unit:
            published[m.output_name] = noisy_units.copy()
        else:
            published[m.output_name] = true + cell_key_noise(true, cube.cell_keys, protection)
        if m.kind == "count":
            records_name = m.output_name
    records = published.get(records_name) if records_name else None
    if records is not None:
        if records_name in disclosed:
            lifted = np.minimum(records, protection.small_count + 1)
            noisy_units = np.where((noisy_units == 0) & (records > 0), lifted, noisy_units)
            noisy_units = np.where(records == 0, 0, np.minimum(noisy_units, records))
        else:
            records[:] = np.where(noisy_units == 0, 0, np.maximum(records, noisy_units))
    for m in aggregate.measures:
        name = m.output_name
        if name in disclosed:
            continue
        values = published[name]
        if m.kind == "count_distinct" and m.column == aggregate.unit:
            values[:] = noisy_units
        elif m.kind == "count_distinct":
            values[:] = np.where(noisy_units == 0, 0, values)
            if records is not None:
                values[:] = np.minimum(values, records)
        perturbed += int((values != np.round(cube.values[name])).sum())
    return published, perturbed


def build_aggregate(
    raw: RawColumns,
    aggregate: Aggregate,
    *,
    key: bytes | None,
    spec: DatasetSpec | None = None,
    records: int | None = None,
    levels: dict[str, int] | None = None,
    disclosed: set[str] | None = None,
    basis: str = "raw records",
) -> tuple[pa.Table, dict[str, Any]]:
    """The protected aggregate table and its value-free report.

    ``raw`` holds the rows counted (spec column names), as a table or as a reader of one
    column at a time (then ``records`` gives its row count); ``key`` is the secret for
    cell keys (threshold protection needs none); ``spec`` supplies the ladders of
    generalised dimensions. ``levels`` says the dimensions are already at these levels
    (rows from the release candidate, see ``aggregate_input``); ``disclosed`` names the
    measures the microdata beside the table already gives exactly (published without
    noise); ``basis`` is stated in the report.
    """
    protection = aggregate.protection
    cell_key = isinstance(protection, CellKeyProtection)
    if cell_key and not key:
        raise SpecError(
            f"aggregate {aggregate.name}: the cell key method needs a secret key",
            dataset=spec.name if spec else None,
        )
    cube = build_cube(
        raw, aggregate, spec=spec, key=key if cell_key else None, generalised=levels is not None
    )
    level_of = levels or {d.column: d.level for d in aggregate.dimension_list}
    report: dict[str, Any] = {
        "name": aggregate.name,
        "basis": basis,
        "dimensions": [
            {
                "column": d.column,
                "level": level_of[d.column],
                "step": spec.column(d.column).hierarchy[level_of[d.column] - 1]  # type: ignore[index]
                if level_of[d.column] and spec is not None
                else None,
            }
            for d in aggregate.dimension_list
        ],
        "measures": [
            {
                "name": m.output_name,
                "kind": m.kind,
                "column": m.column,
                "disclosed_by_microdata": m.output_name in (disclosed or set()),
            }
            for m in aggregate.measures
        ],
        "unit": aggregate.unit or "records",
        "margin_label": MARGIN,
        "cells": cube.size,
        "records": raw.num_rows if isinstance(raw, pa.Table) else records,
    }
    if isinstance(protection, ThresholdProtection):
        mask, figures = threshold_suppression(cube, protection.min_count)
        table = _table(cube, aggregate.measures, cube.values, mask)
        report["protection"] = {
            "method": "threshold",
            "min_count": protection.min_count,
            "secondary": "every table line holds 0 or at least 2 suppressed cells, none "
            "forced; audited by linear programming",
            **figures,
        }
        return table, report
    published, perturbed = _consistent_counts(cube, aggregate, protection, disclosed or set())
    report["protection"] = {
        "method": "cell_key",
        "max_noise": protection.max_noise,
        "small_count": protection.small_count,
        "p_table": p_table_digest(protection.max_noise, protection.small_count),
        "record_key": "keyed HMAC of the unit identifier under the cell-key secret, first 32 bits",
        "cell_key": "sum of the record keys of the cell's units modulo 2**32",
        "consistency": "one cell key per cell for every measure; measures the microdata "
        "discloses are exact; no count is positive beside zero units, and unit counts never "
        "exceed record counts",
        "additive": False,
        "perturbed_cells": perturbed,
    }
    return _table(cube, aggregate.measures, published, None), report


def build_aggregates(
    raw: pa.Table, spec: DatasetSpec, *, key: bytes | None
) -> list[tuple[str, pa.Table, dict[str, Any]]]:
    """Every aggregate the spec declares: (name, table, report)."""
    return [(a.name, *build_aggregate(raw, a, key=key, spec=spec)) for a in spec.aggregates]
