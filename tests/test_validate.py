"""Tests for pipelines.validate: shipped suites, spec-derived expectations, value-free summaries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipelines.config import REPO_ROOT
from pipelines.errors import SpecError
from pipelines.specs import load_spec
from pipelines.specs.model import DatasetSpec
from pipelines.validate import ExpectationOutcome, ValidationSummary, validate_table

EXPECTATIONS = REPO_ROOT / "expectations"
DATASETS = ["ekonomiskt_bistand", "hemtjanst", "bygglov", "kontaktcenter", "kolada"]
N = 12
PLANTED = "19121212-1212"  # Skatteverket-style test number; must never leave the raw zone
DISTRICTS = ["Flemingsberg", "Segeltorp", "Skogås", "Vårby", "Trångsund", "Länna"]
HEX = "a3" * 32

ARROW_TYPES = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
}


def _table(
    spec: DatasetSpec, data: dict[str, list[Any]], strings: frozenset[str] | set[str] = frozenset()
) -> pa.Table:
    """Columns typed per spec; names in ``strings`` and names not in the spec as text."""
    types = {c.name: ARROW_TYPES[c.type] for c in spec.columns}
    arrays = [
        pa.array(values, type=pa.string() if name in strings else types.get(name, pa.string()))
        for name, values in data.items()
    ]
    return pa.table(arrays, names=list(data))


def _raw_data(dataset: str) -> dict[str, list[Any]]:
    import datetime as dt

    i = range(N)
    day = dt.date(2024, 3, 1)
    if dataset == "ekonomiskt_bistand":
        return {
            "utbetalning_id": [1000 + k for k in i],
            "personnummer": [f"19{60 + k:02d}0101-{2380 + k}" for k in i],
            "namn": ["Anna Andersson"] * N,
            "hushall_id": [f"H{k:06d}" for k in i],
            "manad": ["2025-03"] * N,
            "belopp": [2000.0 + 1500 * k for k in i],
            "kon": ["K", "M"] * (N // 2),
            "alder": [18 + 6 * k for k in i],
            "antal_barn": [k % 5 for k in i],
            "hushallstyp": ["ensamstaende_utan_barn", "sammanboende_med_barn"] * (N // 2),
            "fodelseland": ["Sverige", "Utrikes"] * (N // 2),
            "forsorjningshinder": ["arbetsloshet", "sjukdom", "ovrigt"] * (N // 3),
            "stadsdel": [DISTRICTS[k % 6] for k in i],
            "postnummer": ["141 52", "14139", "143 40"] * (N // 3),
            "anteckning": [None] * N,
        }
    if dataset == "hemtjanst":
        return {
            "personnummer": [f"19{30 + k:02d}0505-{4410 + k}" for k in i],
            "namn": ["Bertil Berg"] * N,
            "kon": ["Kvinna", "Man"] * (N // 2),
            "alder": [65 + 3 * k for k in i],
            "stadsdel": [DISTRICTS[k % 6] for k in i],
            "insatstyp": ["personlig omvårdnad", "service", "trygghetslarm", "matdistribution"]
            * (N // 4),
            "beslutsdatum": [day] * N,
            "startdatum": [day + dt.timedelta(days=7)] * N,
            "slutdatum": [None, day + dt.timedelta(days=90)] * (N // 2),
            "manad": ["2025-01"] * N,
            "beviljade_timmar": [10.5 * k for k in i],
            "utforda_timmar": [9.0 * k for k in i],
            "utforare": ["Egen regi", "Privat utförare"] * (N // 2),
            "avslutsorsak": [None] * N,
        }
    if dataset == "bygglov":
        return {
            "diarienummer": [f"BN 2025-{k:06d}" for k in i],
            "sokande_id": ["556677-8899", "19800101-1238"] * (N // 2),
            "sokande_typ": ["organisation", "privatperson"] * (N // 2),
            "sokande_namn": ["Bygg AB", "Cecilia Ceder"] * (N // 2),
            "fastighetsbeteckning": ["Huddinge Kästa 1:23"] * N,
            "adress": ["Storgatan 1"] * N,
            "postnummer": ["141 46"] * N,
            "arendetyp": ["nybyggnad", "tillbyggnad", "rivning"] * (N // 3),
            "inkom_datum": [day] * N,
            "beslut_datum": [day + dt.timedelta(days=30), None] * (N // 2),
            "beslut": ["beviljat", None] * (N // 2),
            "handlaggningsdagar": [30, None] * (N // 2),
            "avgift": [12000.0, None] * (N // 2),
        }
    if dataset == "kontaktcenter":
        moment = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)
        return {
            "kontakt_id": [f"KC-{k:07d}" for k in i],
            "tidpunkt": [moment + dt.timedelta(hours=k) for k in i],
            "kanal": ["telefon", "e-post", "e-tjänst", "besök"] * (N // 4),
            "kategori": ["Avfall", "Skola"] * (N // 2),
            "stadsdel": [DISTRICTS[k % 6] for k in i],
            "beskrivning": ["Ringde om sophämtning"] * N,
            "losningstid_min": [5 * k for k in i],
            "kontakt_namn": ["Dan Dahl"] * N,
            "kontakt_telefon": ["070-123 45 67"] * N,
            "kontakt_epost": ["dan@example.se"] * N,
        }
    assert dataset == "kolada"
    return {
        "kpi": ["N01951", "N11004", "N00945", "U21468"] * 3,
        "municipality": ["0126"] * N,
        "period": [2022] * 4 + [2023] * 4 + [2024] * 4,
        "gender": ["T"] * N,
        "count": [1] * N,
        "status": [None] * N,
        "value": [113000.0 + k for k in i],
    }


def _release_data(dataset: str, tier: str = "open") -> tuple[dict[str, list[Any]], set[str]]:
    """A release-shaped table: identifiers gone (or pseudonyms), quasi-identifiers as labels."""
    data = _raw_data(dataset)
    spec = load_spec(dataset)
    labels: dict[str, dict[str, list[Any]]] = {
        "ekonomiskt_bistand": {
            "alder": ["18-37", "38-57", "58-77", "78+"] * (N // 4),
            "antal_barn": ["0", "1+"] * (N // 2),
            "postnummer": ["*"] * N,
            "kon": ["K", "M", "*"] * (N // 3),
        },
        "hemtjanst": {
            "alder": ["60-79", "80+"] * (N // 2),
            "beslutsdatum": ["2024"] * N,
            "startdatum": ["2024", "*"] * (N // 2),
            "slutdatum": [None, "*"] * (N // 2),
        },
        "bygglov": {
            "postnummer": ["141"] * N,
            "inkom_datum": ["2024-03"] * N,
            "beslut_datum": ["2024-04", None] * (N // 2),
            "handlaggningsdagar": ["0-29", "180+"] * (N // 2),
        },
        "kontaktcenter": {"tidpunkt": ["2025-03"] * N, "losningstid_min": ["0-14", "*"] * (N // 2)},
        "kolada": {},
    }[dataset]
    out: dict[str, list[Any]] = {}
    for col in spec.columns:
        if col.role == "free_text" and (
            col.action == "drop" or (tier == "open" and not col.open_tier)
        ):
            continue
        if col.role == "direct_identifier":
            if tier == "project" and col.action == "pseudonymise":
                out[col.name] = [HEX] * N
            continue
        if col.role == "quasi_identifier":
            out[col.name] = labels.get(
                col.name, [None if v is None else str(v) for v in data[col.name]]
            )
        else:
            out[col.name] = data[col.name]
    qis = {c.name for c in spec.columns if c.role == "quasi_identifier"}
    return out, qis


def _validate(dataset: str, kind: str, table: pa.Table, **kw: Any) -> ValidationSummary:
    spec = load_spec(dataset)
    suite = spec.raw_suite if kind == "raw" else spec.release_suite
    return validate_table(table, suite, spec=spec, expectations_dir=EXPECTATIONS, **kw)


def _outcome(
    summary: ValidationSummary, expectation: str, column: str | None
) -> ExpectationOutcome:
    found = [o for o in summary.outcomes if o.expectation == expectation and o.column == column]
    assert found, f"no {expectation} on {column} in {summary.failure_line()}"
    return found[0]


# --------------------------------------------------------------------------- passing data
@pytest.mark.parametrize("dataset", DATASETS)
def test_raw_suite_passes_on_good_data(dataset: str, capfd: pytest.CaptureFixture[str]) -> None:
    spec = load_spec(dataset)
    summary = _validate(dataset, "raw", _table(spec, _raw_data(dataset)))
    assert summary.success, summary.failure_line()
    assert summary.failed == 0
    assert summary.evaluated == len(summary.outcomes) > len(spec.columns)
    assert "Calculating Metrics" not in capfd.readouterr().err  # progress bars are off


@pytest.mark.parametrize("dataset", DATASETS)
def test_release_suite_passes_on_good_data(dataset: str) -> None:
    spec = load_spec(dataset)
    data, qis = _release_data(dataset)
    summary = _validate(dataset, "release", _table(spec, data, strings=qis))
    assert summary.success, summary.failure_line()


def test_project_tier_release_needs_pseudonyms() -> None:
    spec = load_spec("ekonomiskt_bistand")
    data, qis = _release_data("ekonomiskt_bistand", tier="project")
    good = _validate(
        "ekonomiskt_bistand", "release", _table(spec, data, strings=qis), tier="project"
    )
    assert good.success, good.failure_line()

    data["personnummer"] = [HEX] * (N - 1) + [PLANTED]  # an identifier left unhashed
    bad = _validate(
        "ekonomiskt_bistand", "release", _table(spec, data, strings=qis), tier="project"
    )
    assert not bad.success
    hashed = _outcome(bad, "expect_column_values_to_match_regex", "personnummer")
    assert (hashed.success, hashed.unexpected_count, hashed.first_failing_rows) == (False, 1, [N])
    assert PLANTED not in json.dumps(bad.to_dict()) + bad.failure_line()

    # the same pseudonym columns in an open-tier release are a leak
    open_tier = _validate("ekonomiskt_bistand", "release", _table(spec, data, strings=qis))
    assert not open_tier.success
    assert not _outcome(open_tier, "expect_column_to_not_exist", "personnummer").success


# --------------------------------------------------------------------------- failing data
def test_failures_name_column_and_rows_but_no_values(tmp_path: Path) -> None:
    spec = load_spec("ekonomiskt_bistand")
    data = _raw_data("ekonomiskt_bistand")
    data["manad"][2] = None  # row 3: null in a nullable: false column
    data["manad"][9] = None  # row 10
    data["belopp"][4] = 999_999.0  # row 5: out of range
    data["kon"][6] = PLANTED  # row 7: a personnummer in the sex column
    report = tmp_path / "raw" / "report.json"
    summary = _validate("ekonomiskt_bistand", "raw", _table(spec, data), report_path=report)

    assert not summary.success
    assert summary.failed == 3  # regex and range checks ignore nulls
    null = _outcome(summary, "expect_column_values_to_not_be_null", "manad")
    assert (null.success, null.unexpected_count, null.first_failing_rows) == (False, 2, [3, 10])
    assert null.element_count == N
    rng = _outcome(summary, "expect_column_values_to_be_between", "belopp")
    assert (rng.success, rng.unexpected_count, rng.first_failing_rows) == (False, 1, [5])
    sex = _outcome(summary, "expect_column_values_to_be_in_set", "kon")
    assert (sex.success, sex.first_failing_rows) == (False, [7])

    line = summary.failure_line()
    assert line.startswith(f"suite ekonomiskt_bistand.raw: 3 of {summary.evaluated} expectations")
    assert "not_null on column manad (2 rows, first row 3)" in line
    assert "between on column belopp (1 row, first row 5)" in line
    assert "\n" not in line
    dumped = json.dumps(summary.to_dict())
    assert PLANTED not in dumped and PLANTED not in line
    assert "999999" not in dumped and "999999" not in line

    full = report.read_text(encoding="utf-8")
    assert PLANTED in full  # the raw-zone report keeps GX's unexpected values
    assert json.loads(full)["success"] is False


def test_missing_column_fails_by_name() -> None:
    spec = load_spec("hemtjanst")
    data = _raw_data("hemtjanst")
    del data["alder"]
    summary = _validate("hemtjanst", "raw", _table(spec, data))
    assert not summary.success
    assert not _outcome(summary, "expect_column_to_exist", "alder").success
    ranged = _outcome(summary, "expect_column_values_to_be_between", "alder")
    assert not ranged.success and ranged.raised
    assert "between on column alder (could not be evaluated)" in summary.failure_line()


def test_extra_identifier_column_in_release_fails() -> None:
    spec = load_spec("kontaktcenter")
    data, qis = _release_data("kontaktcenter")
    data["kontakt_telefon"] = ["070-123 45 67"] * N  # dropped identifier that leaked through
    data["epost"] = ["x@example.se"] * N  # an identifier-like column the spec never declared
    summary = _validate("kontaktcenter", "release", _table(spec, data, strings=qis))
    assert not summary.success
    failed = {(o.expectation, o.column) for o in summary.outcomes if not o.success}
    assert failed == {
        ("expect_table_columns_to_match_set", None),
        ("expect_column_to_not_exist", "kontakt_telefon"),
        ("expect_column_to_not_exist", "epost"),
    }
    assert "070-123" not in json.dumps(summary.to_dict())


def test_ungeneralised_quasi_identifier_fails_release() -> None:
    spec = load_spec("bygglov")  # dates: level auto with min_level 1 (month or coarser)
    data, qis = _release_data("bygglov")
    data["inkom_datum"] = ["2024-03-01"] * N  # a day is finer than allowed
    data["beslut_datum"][4] = "2024-04-02"  # row 5
    summary = _validate("bygglov", "release", _table(spec, data, strings=qis))
    received = _outcome(summary, "expect_column_values_to_match_regex", "inkom_datum")
    assert (received.success, received.unexpected_count) == (False, N)
    decided = _outcome(summary, "expect_column_values_to_match_regex", "beslut_datum")
    assert (decided.success, decided.unexpected_count, decided.first_failing_rows) == (
        False,
        1,
        [5],
    )


# --------------------------------------------------------------------------- suite files
def test_missing_suite_file_is_a_spec_error(tmp_path: Path) -> None:
    spec = load_spec("kolada")
    with pytest.raises(SpecError, match=r"kolada\.raw\.json"):
        validate_table(
            _table(spec, _raw_data("kolada")), "kolada.raw", spec=spec, expectations_dir=tmp_path
        )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "kolada.raw"}', "list of expectations"),
        ('{"name": "other", "expectations": []}', "does not match"),
        ('{"name": "kolada.raw", "expectations": [{"kwargs": {}}]}', "needs a type"),
        (
            '{"name": "kolada.raw", "expectations": [{"type": "expect_no_such_thing"}]}',
            "expectation 1 \\(expect_no_such_thing\\) is not valid",
        ),
        (
            '{"name": "kolada.raw", "expectations": [{"type": '
            '"expect_column_values_to_be_between", "kwargs": {"colum": "x"}}]}',
            "is not valid for GX: column: field required; colum: extra fields",
        ),
    ],
)
def test_bad_suite_file_is_a_spec_error(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "kolada.raw.json").write_text(content, encoding="utf-8")
    spec = load_spec("kolada")
    with pytest.raises(SpecError, match=problem) as info:
        validate_table(
            _table(spec, _raw_data("kolada")), "kolada.raw", spec=spec, expectations_dir=tmp_path
        )
    assert "kolada.raw.json" in str(info.value)


def test_suite_name_must_belong_to_the_spec() -> None:
    spec = load_spec("kolada")
    with pytest.raises(SpecError, match="neither the raw suite"):
        validate_table(
            _table(spec, _raw_data("kolada")),
            "bygglov.raw",
            spec=spec,
            expectations_dir=EXPECTATIONS,
        )


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_dataset_has_both_suites(dataset: str) -> None:
    for kind in ("raw", "release"):
        path = EXPECTATIONS / f"{dataset}.{kind}.json"
        suite = json.loads(path.read_text(encoding="utf-8"))
        assert suite["name"] == f"{dataset}.{kind}"
        assert any(
            e["type"] == "expect_table_row_count_to_be_between" for e in suite["expectations"]
        )


# --------------------------------------------------------------------------- summary, import
def test_failure_line_and_to_dict() -> None:
    outcomes = [
        ExpectationOutcome("expect_column_values_to_not_be_null", "a", False, 40, 3, [17, 20, 31]),
        ExpectationOutcome("expect_table_row_count_to_be_between", None, False, None, None, []),
        ExpectationOutcome("expect_column_values_to_be_in_set", "b", True, 40, 0, []),
    ]
    summary = ValidationSummary("x.raw", False, 3, 2, outcomes)
    assert summary.failure_line() == (
        "suite x.raw: 2 of 3 expectations failed: not_null on column a (3 rows, first row 17); "
        "table_row_count_between"
    )
    assert summary.to_dict()["outcomes"][0]["first_failing_rows"] == [17, 20, 31]
    passed = ValidationSummary("x.raw", True, 1, 0, outcomes[2:])
    assert passed.failure_line() == "suite x.raw: all 1 expectations passed"


def test_importing_the_package_does_not_import_gx() -> None:
    code = "import sys, pipelines.validate; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


def test_only_columns_some_expectation_reads_are_handed_over() -> None:
    from pipelines.validate.runner import columns_read

    items = [
        {"type": "expect_column_to_exist", "kwargs": {"column": "anteckning"}},
        {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a"]}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
        {
            "type": "expect_column_pair_values_a_to_be_greater_than_b",
            "kwargs": {"column_A": "b", "column_B": "c"},
        },
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["d", "e"]}},
    ]
    assert columns_read(items) == {"a", "b", "c", "d", "e"}
    unknown_table_level = {"type": "expect_table_row_count_to_equal_other_table", "kwargs": {}}
    assert columns_read([*items, unknown_table_level]) is None  # then every column is kept
