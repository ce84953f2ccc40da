"""Bad source data is refused or reported, never read into something else silently."""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa
import pytest

from pipelines.config import Settings
from pipelines.errors import ExtractError
from pipelines.extract import extract_batches
from pipelines.specs.model import DatasetSpec

TEXT = {"sv": "x", "en": "x"}
COLUMNS = [("timmar", "Beviljade timmar", "float"), ("datum", "Beslutsdatum", "date")]


def _spec() -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "demo",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "csv", "path": "x.csv"},
            "anonymisation": {"k": 1},
            "columns": [
                {"name": n, "source": s, "type": t, "role": "keep", "description": TEXT}
                for n, s, t in COLUMNS
            ],
        }
    )


def _write(settings: Settings, text: str) -> None:
    path = settings.sources_dir / "x.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _read(settings: Settings) -> pa.Table:
    return pa.Table.from_batches(list(extract_batches(_spec(), settings)))


@pytest.mark.parametrize("written", ["06.06.22", "27/09/2023", "2023-9-27x", "230927"])
def test_dates_outside_the_listed_formats_are_refused(settings: Settings, written: str) -> None:
    _write(settings, f"Beviljade timmar;Beslutsdatum\n1,5;2023-09-27\n2,0;{written}\n")
    with pytest.raises(ExtractError) as caught:
        _read(settings)
    message = str(caught.value)
    assert caught.value.location.row == 2 and caught.value.location.column == "Beslutsdatum"
    assert "DD.MM.YYYY" in message and written not in message


def test_the_listed_date_formats_are_read(settings: Settings) -> None:
    _write(settings, "Beviljade timmar;Beslutsdatum\n1;27.09.2023\n2;20230927\n3;2023-09-27\n")
    assert _read(settings).column("datum").to_pylist() == [dt.date(2023, 9, 27)] * 3


def test_a_tab_separated_export_with_decimal_commas_is_read(settings: Settings) -> None:
    _write(settings, "Beviljade timmar\tBeslutsdatum\n1,5\t2023-09-27\n12,25\t2023-09-28\n")
    assert _read(settings).column("timmar").to_pylist() == [1.5, 12.25]


def test_a_comma_separated_export_keeps_decimal_points(settings: Settings) -> None:
    _write(settings, 'Beviljade timmar,Beslutsdatum\n1.5,2023-09-27\n"2",2023-09-28\n')
    assert _read(settings).column("timmar").to_pylist() == [1.5, 2.0]


def test_a_source_column_missing_from_the_spec_is_reported(settings: Settings, caplog) -> None:
    _write(settings, "Beviljade timmar;Personnummer;Beslutsdatum\n1,5;x;2023-09-27\n")
    with caplog.at_level(logging.WARNING, logger="pipelines.extract"):
        table = _read(settings)
    assert table.column_names == ["timmar", "datum"]
    [record] = [r for r in caplog.records if "not in the spec" in r.getMessage()]
    assert "Personnummer" in record.getMessage() and "file x.csv" in record.getMessage()
