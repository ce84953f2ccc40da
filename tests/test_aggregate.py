"""Aggregate tables: margins recomputed, suppressed cells unrecoverable, cell keys stable."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.optimize import LinearConstraint, milp

from pipelines.anonymise.aggregate import MARGIN, build_aggregate, build_aggregates, p_table
from pipelines.config import Settings
from pipelines.errors import SpecError
from pipelines.specs import load_spec
from pipelines.specs.model import Aggregate, DatasetSpec

KEY = b"a-cell-key-secret-for-the-tests!"
TEXT = {"sv": "x", "en": "x"}


def _aggregate(**fields: object) -> Aggregate:
    data = {
        "name": "demo",
        "dimensions": ["stadsdel", "manad"],
        "measures": [{"count": "records", "name": "antal"}, {"sum": "belopp"}],
        "protection": {"method": "threshold", "min_count": 5},
    } | fields
    return Aggregate.model_validate(data)


def _raw(n: int = 600, seed: int = 1, districts: int = 5, months: int = 6) -> pa.Table:
    """Skewed counts so that some cells are small, some zero."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(districts * months, 0.6))
    cell = rng.choice(districts * months, size=n, p=weights)
    return pa.table(
        {
            "hushall_id": [f"HH-{rng.integers(0, n // 2)}" for _ in range(n)],
            "stadsdel": [f"S{c // months}" for c in cell],
            "manad": [f"2025-{c % months + 1:02d}" for c in cell],
            "belopp": rng.uniform(100, 20000, n).round(2),
        }
    )


# ------------------------------------------------------------------ independent helpers
def _truth(raw: pa.Table, dims: list[str]) -> pd.DataFrame:
    """Every cell and margin recomputed from the raw rows with pandas."""
    frame = raw.to_pandas()
    parts = []
    for keep in itertools.product((True, False), repeat=len(dims)):
        by = [d for d, k in zip(dims, keep, strict=True) if k]
        grouped = frame.groupby(by, dropna=False) if by else frame.groupby(lambda _: 0)
        part = pd.DataFrame(
            {
                "antal": grouped.size(),
                "sum_belopp": grouped["belopp"].sum(),
                "hushall": grouped["hushall_id"].nunique(),
            }
        ).reset_index()
        for d, k in zip(dims, keep, strict=True):
            if not k:
                part[d] = MARGIN
        parts.append(part[[*dims, "antal", "sum_belopp", "hushall"]])
    return pd.concat(parts, ignore_index=True)


def _joined(table: pa.Table, raw: pa.Table, dims: list[str]) -> pd.DataFrame:
    published = table.to_pandas()
    truth = _truth(raw, dims)
    out = published.merge(truth, on=dims, how="left", suffixes=("", "_true"))
    for column in ("antal_true", "sum_belopp_true", "hushall_true"):
        if column in out:
            out[column] = out[column].fillna(0)
    return out


def _lines(frame: pd.DataFrame, dims: list[str]) -> Iterator[tuple[list[int], int]]:
    """Every line of the table: (interior row positions, total row position)."""
    for dim in dims:
        others = [d for d in dims if d != dim]
        groups = frame.groupby(others, dropna=False) if others else [((), frame)]
        for _, group in groups:
            total = group.index[group[dim] == MARGIN]
            yield list(group.index[group[dim] != MARGIN]), int(total[0])


def _system(frame: pd.DataFrame, dims: list[str], hidden: list[int]) -> np.ndarray:
    """Line equations over the suppressed cells (coefficients only)."""
    where = {row: i for i, row in enumerate(hidden)}
    rows = []
    for interior, total in _lines(frame, dims):
        coef = np.zeros(len(hidden))
        for row in interior:
            if row in where:
                coef[where[row]] += 1
        if total in where:
            coef[where[total]] -= 1
        if coef.any():
            rows.append(coef)
    return np.array(rows).reshape(len(rows), len(hidden))


def _check_unrecoverable(frame: pd.DataFrame, dims: list[str], measure: str) -> None:
    """No suppressed cell follows from the published cells and margins.

    1. every line holds 0 or at least 2 suppressed cells;
    2. no suppressed cell is a linear combination of published figures (rank test);
    3. every suppressed cell can move by +1 or -1 with integer partner moves that keep
       every line's sum and every suppressed count at least 1 (a small integer programme).
    """
    hidden = [int(i) for i in frame.index[frame["suppressed"]]]
    for interior, total in _lines(frame, dims):
        marked = int(frame.loc[[*interior, total], "suppressed"].sum())
        assert marked != 1, "a line with a single suppressed cell"
    if not hidden:
        return
    a = _system(frame, dims, hidden)
    rank = np.linalg.matrix_rank(a)
    x = frame.loc[hidden, measure].to_numpy(dtype=float)
    for i in range(len(hidden)):
        unit = np.zeros((1, len(hidden)))
        unit[0, i] = 1
        assert np.linalg.matrix_rank(np.vstack([a, unit])) > rank, "cell is determined"
        movable = False
        for sign in (1, -1):
            low = 1 - x
            high = np.full(len(hidden), np.inf)
            low[i] = high[i] = sign
            if x[i] + sign < 1:
                continue
            found = milp(
                c=np.zeros(len(hidden)),
                constraints=[LinearConstraint(a, 0, 0)],
                integrality=np.ones(len(hidden)),
                bounds=(low, high),
            )
            movable |= found.status == 0
        assert movable, "a suppressed cell cannot move: its value follows from the margins"


# ------------------------------------------------------------------ threshold
def test_every_published_margin_matches_the_raw_data() -> None:
    raw = _raw()
    measures = [
        {"count": "records", "name": "antal"},
        {"sum": "belopp"},
        {"count_distinct": "hushall_id", "name": "hushall"},
    ]
    table, report = build_aggregate(raw, _aggregate(measures=measures), key=KEY)
    frame = _joined(table, raw, ["stadsdel", "manad"])
    assert len(frame) == (5 + 1) * (6 + 1) == report["cells"]
    shown = frame[~frame["suppressed"]]
    assert (shown["antal"] == shown["antal_true"]).all()
    assert np.allclose(shown["sum_belopp"], shown["sum_belopp_true"])
    assert (shown["hushall"] == shown["hushall_true"]).all()
    hidden = frame.loc[frame["suppressed"], ["antal", "sum_belopp", "hushall"]]
    assert hidden.isna().all().all()
    grand = frame[(frame["stadsdel"] == MARGIN) & (frame["manad"] == MARGIN)]
    assert int(grand["antal_true"].iloc[0]) == raw.num_rows


def test_small_cells_are_suppressed_and_none_can_be_recovered() -> None:
    raw = _raw()
    table, report = build_aggregate(raw, _aggregate(), key=KEY)
    frame = _joined(table, raw, ["stadsdel", "manad"])
    small = (frame["antal_true"] > 0) & (frame["antal_true"] < 5)
    assert small.any() and frame.loc[small, "suppressed"].all()
    assert not frame.loc[frame["antal_true"] == 0, "suppressed"].any()  # zeros shown
    protection = report["protection"]
    assert protection["primary_suppressed"] == int(small.sum())
    assert protection["secondary_suppressed"] >= 1
    assert protection["primary_suppressed"] + protection["secondary_suppressed"] == int(
        frame["suppressed"].sum()
    )
    _check_unrecoverable(frame, ["stadsdel", "manad"], "antal_true")


def test_a_single_small_cell_gets_a_partner_in_its_row_and_column() -> None:
    rows = (
        [("A", "1")] * 3
        + [("A", "2")] * 9
        + [("A", "3")] * 10
        + [("B", "1")] * 8
        + [("B", "2")] * 12
        + [("B", "3")] * 20
        + [("C", "1")] * 7
        + [("C", "2")] * 30
        + [("C", "3")] * 6
    )
    raw = pa.table(
        {
            "stadsdel": [r[0] for r in rows],
            "manad": [r[1] for r in rows],
            "belopp": [100.0] * len(rows),
            "hushall_id": [str(i) for i in range(len(rows))],
        }
    )
    table, report = build_aggregate(raw, _aggregate(), key=KEY)
    frame = _joined(table, raw, ["stadsdel", "manad"])
    hidden = set(map(tuple, frame.loc[frame["suppressed"], ["stadsdel", "manad"]].values))
    assert ("A", "1") in hidden and report["protection"]["primary_suppressed"] == 1
    assert ("A", "2") in hidden and ("C", "1") in hidden  # smallest partners
    assert ("C", "3") in hidden  # closes the rectangle
    _check_unrecoverable(frame, ["stadsdel", "manad"], "antal_true")


def test_cells_forced_to_one_are_not_left_alone() -> None:
    # Row A holds two cells of 1 and nothing else small: with its total published they
    # could only be 1 and 1, so another cell must go too.
    rows = (
        [("A", "1"), ("A", "2")] + [("A", "3")] * 40 + [("B", m) for m in "123" for _ in range(20)]
    )
    raw = pa.table(
        {
            "stadsdel": [r[0] for r in rows],
            "manad": [r[1] for r in rows],
            "belopp": [50.0] * len(rows),
            "hushall_id": [str(i) for i in range(len(rows))],
        }
    )
    table, _ = build_aggregate(raw, _aggregate(), key=KEY)
    frame = _joined(table, raw, ["stadsdel", "manad"])
    assert int(frame["suppressed"].sum()) > 2
    _check_unrecoverable(frame, ["stadsdel", "manad"], "antal_true")


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_three_dimensions_every_slice_and_margin_line_is_protected(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = _raw(400, seed=seed, districts=4, months=3).append_column(
        "kon", pa.array(rng.choice(["K", "M"], 400))
    )
    dims = ["stadsdel", "manad", "kon"]
    table, _ = build_aggregate(raw, _aggregate(dimensions=dims), key=KEY)
    frame = _joined(table, raw, dims)
    assert len(frame) == 5 * 4 * 3
    shown = frame[~frame["suppressed"]]
    assert (shown["antal"] == shown["antal_true"]).all()
    assert ((shown["antal"] == 0) | (shown["antal"] >= 5)).all()
    _check_unrecoverable(frame, dims, "antal_true")


def test_households_count_distinct_and_margins_are_not_sums() -> None:
    raw = _raw(800, seed=5)
    aggregate = _aggregate(
        unit="hushall_id",
        measures=[
            {"count_distinct": "hushall_id", "name": "hushall"},
            {"count": "records", "name": "antal"},
        ],
    )
    table, _ = build_aggregate(raw, aggregate, key=KEY)
    frame = _joined(table, raw, ["stadsdel", "manad"])
    shown = frame[~frame["suppressed"]]
    assert (shown["hushall"] == shown["hushall_true"]).all()
    assert (shown["antal"] == shown["antal_true"]).all()
    small = (frame["hushall_true"] > 0) & (frame["hushall_true"] < 5)
    assert frame.loc[small, "suppressed"].all()
    _check_unrecoverable(frame, ["stadsdel", "manad"], "antal_true")


def test_ekonomiskt_bistand_aggregate_on_generated_data(generated_sources: Settings) -> None:
    from pipelines.extract import extract_batches

    spec = load_spec("ekonomiskt_bistand")
    raw = pa.Table.from_batches(list(extract_batches(spec, generated_sources)))
    [(name, table, report)] = build_aggregates(raw, spec, key=KEY)
    assert name == "hushall_per_stadsdel_manad"
    assert table.column_names == [
        "stadsdel",
        "manad",
        "hushall",
        "utbetalningar",
        "belopp_kr",
        "suppressed",
    ]
    truth = _truth(raw, ["stadsdel", "manad"]).rename(
        columns={"antal": "antal_true", "sum_belopp": "sum_true", "hushall": "hushall_true"}
    )
    frame = table.to_pandas().merge(truth, on=["stadsdel", "manad"], how="left")
    frame[["antal_true", "sum_true", "hushall_true"]] = frame[
        ["antal_true", "sum_true", "hushall_true"]
    ].fillna(0)
    shown = frame[~frame["suppressed"]]
    assert (shown["hushall"] == shown["hushall_true"]).all()
    assert (shown["utbetalningar"] == shown["antal_true"]).all()
    assert np.allclose(shown["belopp_kr"], shown["sum_true"])
    assert ((shown["hushall"] == 0) | (shown["hushall"] >= 5)).all()
    small = (frame["hushall_true"] > 0) & (frame["hushall_true"] < 5)
    assert frame.loc[small, "suppressed"].all()
    _check_unrecoverable(frame, ["stadsdel", "manad"], "antal_true")
    text = json.dumps(report)
    assert "HH-" not in text and "Flemingsberg" not in text
    assert report["protection"]["method"] == "threshold"


# ------------------------------------------------------------------ cell key
def _care(n: int = 500, seed: int = 9, people: int = 150) -> pa.Table:
    rng = np.random.default_rng(seed)
    person = rng.integers(0, people, n)
    return pa.table(
        {
            "personnummer": [f"19{p:06d}-{p % 10000:04d}" for p in person],
            "stadsdel": [f"S{p % 4}" for p in person],
            "kon": ["K" if p % 3 else "M" for p in person],
            "alder": [int(60 + (p * 7) % 40) for p in person],
        }
    )


def _care_spec() -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "care",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "jsonl", "path": "x.jsonl"},
            "columns": [
                {
                    "name": "personnummer",
                    "type": "string",
                    "role": "direct_identifier",
                    "action": "pseudonymise",
                    "description": TEXT,
                },
                {
                    "name": "stadsdel",
                    "type": "string",
                    "role": "quasi_identifier",
                    "hierarchy": ["*"],
                    "level": 0,
                    "description": TEXT,
                },
                {
                    "name": "kon",
                    "type": "string",
                    "role": "quasi_identifier",
                    "hierarchy": ["*"],
                    "level": 0,
                    "description": TEXT,
                },
                {
                    "name": "alder",
                    "type": "int",
                    "role": "quasi_identifier",
                    "level": "auto",
                    "hierarchy": [{"band": 10, "min": 0}, "*"],
                    "description": TEXT,
                },
            ],
            "aggregates": [
                {
                    "name": "brukare",
                    "dimensions": ["stadsdel", "kon", {"column": "alder", "level": 1}],
                    "unit": "personnummer",
                    "measures": [
                        {"count_distinct": "personnummer", "name": "brukare"},
                        {"count": "records", "name": "rader"},
                    ],
                    "protection": {"method": "cell_key", "max_noise": 2, "small_count": 2},
                }
            ],
        }
    )


def _published(raw: pa.Table, key: bytes = KEY) -> pd.DataFrame:
    spec = _care_spec()
    table, _ = build_aggregate(raw, spec.aggregates[0], key=key, spec=spec)
    return table.to_pandas().set_index(["stadsdel", "kon", "alder"])


def test_cell_key_noise_is_bounded_and_hides_small_counts() -> None:
    only_women = pa.table(
        {
            "personnummer": [f"18{i:06d}-0000" for i in range(8)],
            "stadsdel": ["S7"] * 8,
            "kon": ["K"] * 8,
            "alder": [65] * 8,
        }
    )
    raw = pa.concat_tables([_care(), only_women])  # S7 has empty cells
    spec = _care_spec()
    table, report = build_aggregate(raw, spec.aggregates[0], key=KEY, spec=spec)
    frame = table.to_pandas()
    truth = raw.to_pandas().assign(
        alder=lambda f: (
            (f["alder"] // 10 * 10).astype(str) + "-" + (f["alder"] // 10 * 10 + 9).astype(str)
        )
    )
    true = truth.groupby(["stadsdel", "kon", "alder"])["personnummer"].nunique()
    merged = frame.set_index(["stadsdel", "kon", "alder"]).join(true.rename("true"))
    merged["true"] = merged["true"].fillna(0)
    interior = merged[~merged.index.to_frame().eq(MARGIN).any(axis=1)]
    assert (interior["true"] == 0).any()
    assert (interior.loc[interior["true"] == 0, "brukare"] == 0).all()  # zeros stay zero
    assert ((interior["brukare"] - interior["true"]).abs() <= 2).all()
    assert not frame["brukare"].isin([1, 2]).any() and not frame["rader"].isin([1, 2]).any()
    assert (frame["brukare"] >= 0).all()
    protection = report["protection"]
    assert protection["method"] == "cell_key" and protection["max_noise"] == 2
    assert protection["additive"] is False
    assert "suppressed" not in frame.columns
    assert "1900" not in json.dumps(report)


def test_the_same_cell_gets_the_same_noise_in_every_release() -> None:
    raw = _care()
    first = _published(raw)
    # another release: rows in another order plus records of other people elsewhere
    extra = _care(200, seed=11, people=40)
    extra = extra.set_column(0, "personnummer", pa.array([f"20{i:06d}-0000" for i in range(200)]))
    extra = extra.set_column(1, "stadsdel", pa.array(["S9"] * 200))
    order = np.random.default_rng(0).permutation(raw.num_rows)
    second = _published(pa.concat_tables([raw.take(order), extra]).combine_chunks())
    same = [i for i in first.index if i[0] not in (MARGIN, "S9")]
    assert len(same) > 20
    pd.testing.assert_frame_equal(first.loc[same], second.loc[same])
    assert (second.loc["S9"]["brukare"] > 0).any()


def test_another_secret_gives_other_noise() -> None:
    raw = _care()
    assert not _published(raw).equals(_published(raw, key=b"another-secret-of-32-bytes-long!"))


def test_p_table_rows_are_distributions_that_never_show_small_counts() -> None:
    table = p_table(2, 2)
    for count, (offsets, cumulative) in table.items():
        assert cumulative[-1] == 1 << 32 and list(cumulative) == sorted(cumulative)
        outputs = [count + d for d in offsets]
        assert all(o == 0 or o > 2 for o in outputs) and all(abs(d) <= 2 for d in offsets)
        probs = np.diff([0, *cumulative]) / (1 << 32)
        if count != 3:  # 3 cannot go down without showing 1 or 2: slightly biased
            assert abs(float(np.dot(probs, offsets))) < 1e-6


def test_a_generalised_dimension_needs_the_spec_and_cell_keys_a_secret() -> None:
    spec = _care_spec()
    with pytest.raises(SpecError, match="needs the dataset spec"):
        build_aggregate(_care(), spec.aggregates[0], key=KEY)
    with pytest.raises(SpecError, match="needs a secret"):
        build_aggregate(_care(), spec.aggregates[0], key=None, spec=spec)
    table, _ = build_aggregate(_raw(), _aggregate(), key=None)  # threshold: no secret
    assert table.num_rows == 42


# ------------------------------------------------------------------ spec validation
def test_aggregate_declarations_are_validated() -> None:
    with pytest.raises(ValueError, match="counts only"):
        _aggregate(unit="hushall_id", protection={"method": "cell_key"})
    with pytest.raises(ValueError, match="needs a unit"):
        _aggregate(measures=[{"count": "records"}], protection={"method": "cell_key"})
    with pytest.raises(ValueError, match="exactly one"):
        _aggregate(measures=[{"count": "records", "sum": "belopp"}])
    base = _care_spec().model_dump(by_alias=True)
    base["aggregates"][0]["dimensions"] = ["nope"]
    with pytest.raises(ValueError, match="not a column"):
        DatasetSpec.model_validate(base)
    base["aggregates"][0]["dimensions"] = ["personnummer"]
    with pytest.raises(ValueError, match="identifier"):
        DatasetSpec.model_validate(base)
