"""Attack the open releases of `make run`'s data the way an outsider would, per person.

Independent of the engine: the source systems are read with pandas straight from their
files (not through our extractors), the release rows are joined back to their source rows
with the raw zone's row map, and every figure is computed with pandas group-bys.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.config import Settings

ROWS = 20000
SEED = 42
DATASETS = {
    # dataset: (subject key in the source, release columns an attacker cannot use)
    "hemtjanst": ("Personnummer", {"beviljade_timmar", "utforda_timmar"}),
    "ekonomiskt_bistand": ("hushall_id", {"belopp", "anteckning"}),
    "bygglov": ("sokande_id", {"avgift"}),
    "kontaktcenter": (None, {"beskrivning"}),
}


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from pipelines.run import RunContext, run_dataset
    from pipelines.specs import load_spec
    from pipelines.synth.generate import generate_all

    settings = Settings.from_env(tmp_path_factory.mktemp("attack") / "data")
    generate_all(settings, seed=SEED, rows=ROWS)
    for name in DATASETS:
        ctx = RunContext(load_spec(name), settings, run_id="attack", version="2026-01-01")
        result = run_dataset(ctx)
        assert result.ok, result.error
    return settings


def _source(settings: Settings, name: str) -> pd.DataFrame:
    root = settings.sources_dir
    if name == "hemtjanst":
        return pd.read_csv(
            root / "hemtjanst/hemtjanst_export.csv", sep=";", encoding="cp1252", decimal=","
        )
    if name == "ekonomiskt_bistand":
        with sqlite3.connect(root / "verksamhet.sqlite") as db:
            return pd.read_sql("SELECT * FROM ekonomiskt_bistand", db)
    if name == "bygglov":
        return pd.read_csv(root / "bygglov/bygglov_arenden.csv", encoding="utf-8-sig")
    return pd.read_json(root / "kontaktcenter/kontakter.jsonl", lines=True)


def _release(settings: Settings, name: str) -> tuple[pd.DataFrame, np.ndarray, dict]:
    folder = settings.release_dir / "open" / name / "2026-01-01"
    release = pd.concat(
        [pd.read_parquet(p) for p in sorted((folder / "data").glob("*.parquet"))]
    ).reset_index(drop=True)
    for column in release.select_dtypes("category").columns:  # coded columns, dictionary-typed
        release[column] = release[column].astype(object)
    rows_map = settings.raw_dir / name / "runs" / "attack" / "candidate_rows.parquet"
    source_rows = pq.read_table(rows_map).column("source_row").to_numpy()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return release, source_rows, manifest


def _joined(settings: Settings, name: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    source = _source(settings, name)
    release, source_rows, manifest = _release(settings, name)
    key = DATASETS[name][0]
    assert len(release) <= len(source)  # blank (fully suppressed) records are left out
    release["_subject"] = (
        source[key].to_numpy()[source_rows] if key else np.arange(len(source))[source_rows]
    )
    release["_source_row"] = source_rows
    return source, release, manifest


def _qis(manifest: dict) -> list[str]:
    return list(manifest["anonymisation"]["transformation"])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DATASETS))
def test_every_released_class_holds_k_distinct_people(make_run: Settings, name: str) -> None:
    _, release, manifest = _joined(make_run, name)
    k = manifest["anonymisation"]["k_required"]
    qis = _qis(manifest)
    starred = (release[qis].astype(str) == "*").all(axis=1)
    kept = release[~starred].fillna("<missing>")
    people = kept.groupby(qis)["_subject"].nunique()
    assert people.min() >= k, f"{name}: a class of {people.min()} people"
    # suppression hides a person on all of their rows, never on some; a record left out
    # of the release (nothing but suppressed values) is a suppressed one
    source = _source(make_run, name)
    key = DATASETS[name][0]
    people = source[key] if key else pd.Series(np.arange(len(source)))
    left_out = np.setdiff1d(np.arange(len(source)), release["_source_row"].to_numpy())
    suppressed = set(release.loc[starred, "_subject"]) | set(people.iloc[left_out])
    assert not suppressed & set(kept["_subject"])
    assert len(suppressed) <= manifest["anonymisation"]["suppression_limit"] * people.nunique()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DATASETS))
def test_release_order_says_nothing_of_the_source_order(make_run: Settings, name: str) -> None:
    _, release, _ = _joined(make_run, name)
    positions = np.arange(len(release))
    rho = pd.Series(positions).corr(pd.Series(release["_source_row"]), method="spearman")
    assert abs(rho) < 0.05
    # a person's rows are not contiguous any more
    if DATASETS[name][0]:
        runs = (release["_subject"] != release["_subject"].shift()).sum()
        assert runs > 0.9 * len(release) * (1 - 1 / release["_subject"].nunique())


def _band(age: pd.Series, width: int, low: int, top: int) -> pd.Series:
    start = ((age - low) // width) * width + low
    label = start.astype(int).astype(str) + "-" + (start + width - 1).astype(int).astype(str)
    label = label.where(age >= low, f"<{low}")
    return label.where(age < top, f"{top}+")


def _attacker_view(source: pd.DataFrame, name: str, levels: dict[str, int]) -> pd.DataFrame:
    """The public-register attacker's facts about every source row, generalised with
    the levels the manifest publishes (written here, not taken from the engine)."""
    if name in ("hemtjanst", "ekonomiskt_bistand"):
        cols = {"kon": "Kön", "alder": "Ålder", "stadsdel": "Stadsdel"}
        if name == "ekonomiskt_bistand":
            cols = {c: c for c in cols}
        view = pd.DataFrame({c: source[s] for c, s in cols.items()})
        ladders = {
            "hemtjanst": [(5, 0, 95), (10, 0, 90), (20, 0, 80)],
            "ekonomiskt_bistand": [(5, 18, 78), (10, 18, 78), (20, 18, 78)],
        }[name]
        level = levels["alder"]
        view["alder"] = (
            view["alder"].astype(str)
            if level == 0
            else "*"
            if level > len(ladders)
            else _band(view["alder"], *ladders[level - 1])
        )
        for column in ("kon", "stadsdel"):
            if levels[column]:
                view[column] = "*"
        return view
    if name == "bygglov":
        post = source["postnummer"].astype(str)
        return pd.DataFrame({"postnummer": post.str[:3] if levels["postnummer"] == 1 else post})
    raise AssertionError(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hemtjanst", "ekonomiskt_bistand", "bygglov"])
def test_public_register_attacker_singles_out_nobody(make_run: Settings, name: str) -> None:
    source, release, manifest = _joined(make_run, name)
    anonymisation = manifest["anonymisation"]
    public = anonymisation["linkage_drill"]["public_attributes"]
    view = _attacker_view(source, name, anonymisation["transformation"])[public]
    view["_subject"] = source[DATASETS[name][0]]
    candidates = (
        release[public].astype(str).assign(_s=release["_subject"]).groupby(public)["_s"].nunique()
    )
    looked_up = view.astype({c: str for c in public}).join(candidates, on=public)
    fewest = looked_up.groupby("_subject")["_s"].min()
    matched = fewest.dropna()
    assert (matched >= anonymisation["k_required"]).all(), f"{name}: {int((matched < 5).sum())}"
    assert matched.size > 0.9 * fewest.size  # the attacker does find the people's classes


def _unique_share(release: pd.DataFrame, columns: list[str]) -> float:
    people = release.fillna("<missing>").groupby(columns)["_subject"].transform("nunique")
    unique = release.loc[people == 1, "_subject"].nunique()
    return unique / release["_subject"].nunique()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DATASETS))
def test_attacker_knowing_every_categorical_column(make_run: Settings, name: str) -> None:
    _, release, manifest = _joined(make_run, name)
    hidden = DATASETS[name][1]
    known = [c for c in release.columns if not c.startswith("_") and c not in hidden]
    share_a = _unique_share(release, known)
    gate = manifest["validation"]["release"]["privacy_gate"]
    assert share_a <= manifest["anonymisation"].get("attacker_unique_limit", 0.01)
    assert gate["attacker_a"]["unique_share"] == pytest.approx(share_a)
    # attacker (b) also knows the measures: reported for the data protection officer
    measures = [
        c for c in hidden if c in release.columns and pd.api.types.is_numeric_dtype(release[c])
    ]
    share_b = _unique_share(release, known + measures)
    assert gate["attacker_b"]["unique_share"] == pytest.approx(share_b)


@pytest.mark.slow
def test_manifest_names_the_subject_and_counts_people(make_run: Settings) -> None:
    _, release, manifest = _joined(make_run, "hemtjanst")
    anonymisation = manifest["anonymisation"]
    assert anonymisation["subject"]["key_columns"] == ["personnummer"]
    assert anonymisation["subjects"] == release["_subject"].nunique()
    assert anonymisation["risk"]["unit"] == "subjects"
    assert any(f["path"].endswith(".parquet") for f in manifest["files"])
