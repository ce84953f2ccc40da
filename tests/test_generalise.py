"""Generalisation steps from the spec's hierarchy ladder."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from pipelines.anonymise.generalise import generalise, hierarchy_table
from pipelines.errors import SpecError

AGE = [{"band": 5, "min": 18, "top": 78}, {"band": 20, "min": 18, "top": 78}, "*"]


def test_age_bands_with_floor_and_top_code() -> None:
    ages = pa.array([17, 18, 22, 23, 79, 80, 95, None])
    assert generalise(ages, AGE, 1).to_pylist() == [
        "<18",
        "18-22",
        "18-22",
        "23-27",
        "78+",
        "78+",
        "78+",
        None,
    ]
    assert generalise(ages, AGE, 2).to_pylist() == [
        "<18",
        "18-37",
        "18-37",
        "18-37",
        "78+",
        "78+",
        "78+",
        None,
    ]
    assert generalise(ages, AGE, 3).to_pylist() == ["*"] * 7 + [None]


def test_level_zero_is_the_value_as_text() -> None:
    assert generalise(pa.array([3, None]), AGE, 0).to_pylist() == ["3", None]


def test_dates_to_month_quarter_year() -> None:
    dates = pa.array([dt.date(2025, 3, 1), dt.date(2025, 12, 31)])
    ladder = [{"date": "month"}, {"date": "quarter"}, {"date": "year"}]
    assert generalise(dates, ladder, 1).to_pylist() == ["2025-03", "2025-12"]
    assert generalise(dates, ladder, 2).to_pylist() == ["2025-Q1", "2025-Q4"]
    assert generalise(dates, ladder, 3).to_pylist() == ["2025", "2025"]


def test_timestamps_use_swedish_local_dates() -> None:
    # 23:30 UTC on 31 March is already 1 April in Stockholm (summer time, UTC+2).
    stamps = pa.array(
        [dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC")
    )
    assert generalise(stamps, [{"date": "day"}], 1).to_pylist() == ["2025-04-01"]


def test_prefix_top_code_and_map() -> None:
    assert generalise(pa.array(["141 52", "143 30"]), [{"prefix": 3}], 1).to_pylist() == [
        "141",
        "143",
    ]
    assert generalise(pa.array([0, 2, 3, 6]), [{"top_code": 3}], 1).to_pylist() == [
        "0",
        "2",
        "3+",
        "3+",
    ]
    mapping = [{"map": {"Vårby": "Väst", "Skogås": "Öst"}}]
    assert generalise(pa.array(["Vårby", "Skogås"]), mapping, 1).to_pylist() == ["Väst", "Öst"]


def test_map_without_entry_is_a_spec_error_without_the_value() -> None:
    with pytest.raises(SpecError) as err:
        generalise(pa.array(["Hemligby"]), [{"map": {"Vårby": "Väst"}}], 1)
    assert "Hemligby" not in str(err.value)


def test_unknown_step_is_refused() -> None:
    with pytest.raises(SpecError):
        generalise(pa.array([1]), [{"round": 10}], 1)


def test_hierarchy_table_has_every_level() -> None:
    levels = hierarchy_table(pa.array([20, 40]), AGE)
    assert [lvl.to_pylist() for lvl in levels] == [
        ["20", "40"],
        ["18-22", "38-42"],
        ["18-37", "38-57"],
        ["*", "*"],
    ]
