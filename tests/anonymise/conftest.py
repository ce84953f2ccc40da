"""Shared fixtures for the k-anonymity engine tests: the adult benchmark and a tiny table."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from pipelines.anonymise.kanon import Hierarchy

MISSING = "\0missing"


def _prepared(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    # pycanon groups with pandas, which drops rows whose key holds a missing value;
    # a sentinel keeps those rows in their own class, as the engine counts them.
    out = frame[columns].astype(object).where(frame[columns].notna(), MISSING)
    return out.reset_index(drop=True)


def pycanon_k(frame: pd.DataFrame, qis: list[str]) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pycanon import anonymity

        return int(anonymity.k_anonymity(_prepared(frame, qis), qis))


def pycanon_l(frame: pd.DataFrame, qis: list[str], sensitive: str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pycanon import anonymity

        return int(anonymity.l_diversity(_prepared(frame, [*qis, sensitive]), qis, [sensitive]))


def pycanon_entropy_l(frame: pd.DataFrame, qis: list[str], sensitive: str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = _prepared(frame, [*qis, sensitive])
        from pycanon import anonymity

        return int(anonymity.entropy_l_diversity(data, qis, [sensitive]))


@pytest.fixture(scope="session")
def canon() -> SimpleNamespace:
    """pycanon's k, l and entropy-l of a frame (missing values as their own value)."""
    pytest.importorskip(
        "pycanon", reason="pycanon: pip install --no-deps -r requirements/nodeps.txt"
    )
    return SimpleNamespace(k=pycanon_k, l=pycanon_l, entropy_l=pycanon_entropy_l)


ADULT_QIS = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "salary-class",
]


SHIPPED_ADULT = Path(__file__).resolve().parents[1] / "data" / "adult"  # gzip, CC BY 4.0


def adult_dir() -> Path:
    """SAMVERKAN_ADULT_DIR when given, else the copy shipped with the tests."""
    env = os.environ.get("SAMVERKAN_ADULT_DIR")
    return Path(env) if env else SHIPPED_ADULT


def adult_csv(folder: Path) -> Path:
    plain = folder / "adult.csv"
    return plain if plain.exists() else folder / "adult.csv.gz"


@pytest.fixture(scope="session")
def adult() -> tuple[pa.Table, dict[str, Hierarchy]]:
    folder = adult_dir()
    if not adult_csv(folder).exists():
        pytest.skip(f"adult benchmark data not found in {folder}")
    table = pacsv.read_csv(adult_csv(folder), parse_options=pacsv.ParseOptions(delimiter=";"))
    hierarchies = {
        q: Hierarchy.from_csv(folder / f"adult_hierarchy_{q}.csv", name=q) for q in ADULT_QIS
    }
    return table, hierarchies


@pytest.fixture()
def tiny() -> tuple[pa.Table, dict[str, Hierarchy]]:
    """Eight records, two QIs (age 3 levels, sex 2 levels) and a sensitive diagnosis."""
    table = pa.table(
        {
            "age": ["20", "20", "25", "25", "30", "30", "35", "35"],
            "sex": ["M", "M", "M", "F", "F", "F", "F", "M"],
            "diag": ["a", "b", "a", "c", "a", "a", "b", "c"],
            "id": list(range(8)),
        }
    )
    age = Hierarchy(
        [
            ["20", "20-29", "*"],
            ["25", "20-29", "*"],
            ["30", "30-39", "*"],
            ["35", "30-39", "*"],
        ],
        name="age",
    )
    sex = Hierarchy.from_mapping({"M": ["*"], "F": ["*"]}, name="sex")
    return table, {"age": age, "sex": sex}
