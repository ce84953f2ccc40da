"""Aggregates published beside microdata: the differencing attack recovers nothing.

The attack is written against the published files only (pandas on the release), and is
first shown to work: on an aggregate counted from the raw source (as releases did before)
it puts hidden rows back in their district, checked against the source.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.anonymise.aggregate import build_aggregate
from pipelines.config import Settings
from pipelines.specs import load_spec
from pipelines.specs.model import Aggregate
from tests.conftest import make_settings

VERSION = "2026-01-31"
TEXT = {"sv": "x", "en": "x"}


@pytest.fixture(scope="module")
def released(generated_sources: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from pipelines.run import RunContext, run_dataset

    base = tmp_path_factory.mktemp("aggregate_release") / "data"
    shutil.copytree(generated_sources.data_dir, base)
    settings = make_settings(base)
    for name in ("ekonomiskt_bistand", "hemtjanst"):
        ctx = RunContext(spec=load_spec(name), settings=settings, run_id="agg", version=VERSION)
        result = run_dataset(ctx)
        assert result.ok, result.error
    return settings


def _folder(settings: Settings, dataset: str) -> Path:
    return settings.release_dir / "open" / dataset / VERSION


# ------------------------------------------------------------------ the attack
def _ore(x: float) -> int:
    return round(x * 100)


def difference_attack(
    micro: pd.DataFrame, table: pd.DataFrame, max_combinations: int = 200_000
) -> list[tuple[int, str]]:
    """Aggregate minus microdata per (district, month), then a bounded subset-sum search
    among the rows whose district is hidden: (microdata row, district) for every row the
    search places (a unique subset of the month's unplaced hidden rows with that count and
    sum), repeated while it places more."""
    cells = table[
        (table["stadsdel"] != "Totalt")
        & (table["stadsdel"] != "*")
        & (table["manad"] != "Totalt")
        & ~table["suppressed"].astype(bool)
    ]
    shown = micro[micro["stadsdel"] != "*"].groupby(["stadsdel", "manad"])["belopp"]
    counts, sums = shown.size(), shown.sum()
    hidden = micro[micro["stadsdel"] == "*"]
    cents = {int(i): _ore(v) for i, v in hidden["belopp"].items()}
    by_month = {m: [int(i) for i in g.index] for m, g in hidden.groupby("manad")}
    residue = {}
    for row in cells.itertuples():
        key = (row.stadsdel, row.manad)
        n = int(row.utbetalningar) - int(counts.get(key, 0))
        if n > 0:
            residue[key] = (n, _ore(row.belopp_kr) - _ore(sums.get(key, 0.0)))
    placed: list[tuple[int, str]] = []
    taken: set[int] = set()
    progress = True
    while progress:
        progress = False
        for (district, month), (n, total) in list(residue.items()):
            pool = [i for i in by_month.get(month, []) if i not in taken]
            if math_comb(len(pool), n) > max_combinations:
                continue
            found = [
                combo
                for combo in itertools.combinations(pool, n)
                if abs(sum(cents[i] for i in combo) - total) <= n
            ]
            if len(found) == 1:
                placed += [(i, district) for i in found[0]]
                taken |= set(found[0])
                del residue[(district, month)]
                progress = True
    return placed


def math_comb(n: int, k: int) -> int:
    from math import comb

    return comb(n, k) if 0 <= k <= n else 0


def _source(settings: Settings) -> pd.DataFrame:
    with sqlite3.connect(settings.sources_dir / "verksamhet.sqlite") as con:
        return pd.read_sql("select * from ekonomiskt_bistand", con)


def test_the_attack_works_on_an_aggregate_of_the_raw_records(released: Settings) -> None:
    spec = load_spec("ekonomiskt_bistand")
    source = _source(released)
    # microdata as releases were before: month and district shown, the district of a few
    # records hidden (our release is coarser; this is the attack's positive control)
    rng = np.random.default_rng(1)
    micro = source[["manad", "stadsdel", "belopp"]].copy()
    micro.loc[rng.random(len(micro)) < 0.03, "stadsdel"] = "*"
    assert (micro["stadsdel"] == "*").sum() > 0, "no hidden district: the test proves nothing"
    raw = pa.Table.from_pandas(source, preserve_index=False)
    old, _ = build_aggregate(raw, spec.aggregates[0], key=None, spec=spec)
    placed = difference_attack(micro, old.to_pandas())
    assert placed, "the attack should recover hidden rows from a raw aggregate"
    truth = source.groupby(["manad", source["belopp"].map(_ore)])["stadsdel"].agg(set)
    for i, district in placed:
        assert district in truth[(micro.at[i, "manad"], _ore(micro.at[i, "belopp"]))]


def test_published_aggregate_minus_microdata_recovers_nothing(released: Settings) -> None:
    folder = _folder(released, "ekonomiskt_bistand")
    micro = pd.read_parquet(folder / "data")
    table = pd.read_parquet(folder / "aggregates" / "hushall_per_stadsdel_manad.parquet")
    assert difference_attack(micro, table) == []
    # every published cell equals the microdata exactly, the hidden district included
    shown = table[~table["suppressed"] & (table["stadsdel"] != "Totalt")]
    shown = shown[shown["manad"] != "Totalt"]
    grouped = micro.groupby(["stadsdel", "manad"])["belopp"].agg(["size", "sum"])
    merged = shown.join(grouped, on=["stadsdel", "manad"]).fillna({"size": 0, "sum": 0.0})
    assert (merged["utbetalningar"] == merged["size"]).all()
    assert np.allclose(merged["belopp_kr"], merged["sum"], atol=0.005)
    assert "*" in set(table["stadsdel"])
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert "computed from the released rows" in manifest


def test_cell_key_counts_agree_within_each_cell(released: Settings) -> None:
    folder = _folder(released, "hemtjanst")
    micro = pd.read_parquet(folder / "data")
    table = pd.read_parquet(folder / "aggregates" / "brukare_per_stadsdel_kon_alder.parquet")
    assert (table["brukare"] <= table["beslutsmanader"]).all()
    assert ((table["brukare"] == 0) == (table["beslutsmanader"] == 0)).all()
    assert not table["brukare"].isin([1, 2]).any()
    by_district = table[(table["kon"] == "Totalt") & (table["alder"] == "Totalt")]
    by_district = by_district[by_district["stadsdel"] != "Totalt"].set_index("stadsdel")
    expected = micro.groupby("stadsdel").size()
    assert by_district["beslutsmanader"].to_dict() == {
        d: int(expected.get(d, 0)) for d in by_district.index
    }


# ------------------------------------------------------------------ consistency, in small
def _small_cell_table(disclosed: set[str]) -> pd.DataFrame:
    """One person with 34 decision-months per cell: the unit count is small, records not."""
    rows = []
    for person in range(40):
        rows += [{"pnr": f"P{person}", "omrade": f"O{person}"}] * 34
    aggregate = Aggregate.model_validate(
        {
            "name": "demo",
            "dimensions": ["omrade"],
            "unit": "pnr",
            "measures": [
                {"count_distinct": "pnr", "name": "personer"},
                {"count": "records", "name": "rader"},
            ],
            "protection": {"method": "cell_key", "max_noise": 2, "small_count": 2},
        }
    )
    table, _ = build_aggregate(
        pa.Table.from_pylist(rows),
        aggregate,
        key=b"a-cell-key-secret-for-the-tests!",
        disclosed=disclosed,
    )
    return table.to_pandas()


def test_no_zero_people_beside_positive_records() -> None:
    frame = _small_cell_table(set())
    assert ((frame["personer"] == 0) == (frame["rader"] == 0)).all()
    assert (frame["personer"] <= frame["rader"]).all()
    assert not frame["personer"].isin([1, 2]).any()
    cells = frame[frame["omrade"] != "Totalt"]
    assert (cells["rader"] == 0).any(), "some one-person cells should be hidden entirely"


def test_records_the_microdata_discloses_stay_exact_and_lift_the_unit_count() -> None:
    frame = _small_cell_table({"rader"})
    cells = frame[frame["omrade"] != "Totalt"]
    assert (cells["rader"] == 34).all()
    assert (cells["personer"] == 3).all()  # 0 or 3 from the p-table, never 0 beside 34
    assert (frame["personer"] <= frame["rader"]).all()


def test_aggregates_counted_batch_by_batch_equal_those_of_the_whole_release(
    sources: Settings,
) -> None:
    import dataclasses

    import pyarrow.parquet as pq

    from pipelines.anonymise.aggregate_input import AggregateInputs
    from pipelines.run import RunContext, anonymise, extract

    settings = dataclasses.replace(sources, batch_rows=317)
    spec = load_spec("ekonomiskt_bistand")
    ctx = RunContext(spec=spec, settings=settings, run_id="agg-batches", version=VERSION)
    extract(ctx)
    report = anonymise(ctx)
    streamed = pq.read_table(ctx.work_dir / "aggregates" / "hushall_per_stadsdel_manad.parquet")

    # the candidate is shuffled: back in extract order, row for row with the raw records
    source_rows = pq.read_table(ctx.source_rows_path).column("source_row").to_numpy()
    release = pq.read_table(ctx.candidate_path).take(pa.array(np.argsort(source_rows)))
    release = release.cast(
        pa.schema(
            [
                pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
                for f in release.schema
            ]
        )
    )
    raw = pq.read_table(ctx.extract_path).take(pa.array(np.sort(source_rows)))
    inputs = AggregateInputs(
        spec, release.column_names, report["transformation"], ctx.work_dir / "whole"
    )
    inputs.add(release, raw)
    inputs.close()
    aggregate = spec.aggregates[0]
    whole, _ = build_aggregate(
        pq.read_table(inputs.path(aggregate.name)),
        aggregate,
        key=None,
        spec=spec,
        levels=inputs.levels(aggregate),
        disclosed=inputs.disclosed(aggregate),
    )
    streamed = streamed.replace_schema_metadata(None).cast(whole.schema)  # stored as dictionaries
    assert streamed.equals(whole)
    assert not (ctx.work_dir / "aggregate_inputs").exists()  # raw-zone scratch is removed


def test_a_dimension_is_never_finer_than_the_release_and_stars_stay_stars(
    tmp_path: Path,
) -> None:
    from pipelines.anonymise.aggregate_input import AggregateInputs

    spec = load_spec("hemtjanst")  # the aggregate asks alder at level 3 (20-year bands)
    aggregate = spec.aggregates[0]
    raw = pa.table(
        {
            "personnummer": ["a", "b", "c", "d"],
            "alder": [83, 67, 45, 91],
            "stadsdel": ["Vårby", "Vårby", "Länna", "Länna"],
            "kon": ["K", "M", "K", "M"],
        }
    )
    finer = raw.select(["stadsdel", "kon"]).append_column(
        "alder", pa.array(["80-84", "65-69", "*", "90-94"])
    )
    inputs = AggregateInputs(spec, finer.column_names, {"alder": 1}, tmp_path / "a")
    assert inputs.levels(aggregate)["alder"] == 3
    inputs.add(finer, raw)
    inputs.close()
    got = pd.read_parquet(inputs.path(aggregate.name))["alder"].tolist()
    assert got == ["80+", "60-79", "*", "80+"]

    coarser = raw.select(["stadsdel", "kon"]).append_column("alder", pa.array(["*"] * 4))
    inputs = AggregateInputs(spec, coarser.column_names, {"alder": 4}, tmp_path / "b")
    assert inputs.levels(aggregate)["alder"] == 4
    inputs.add(coarser, raw)
    inputs.close()
    assert pd.read_parquet(inputs.path(aggregate.name))["alder"].tolist() == ["*"] * 4
