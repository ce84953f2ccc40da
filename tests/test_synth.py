"""The synthetic source systems: formats, valid identifiers, determinism and the side files.

The side files are what the leak tests and the PII recall measurements trust, so these
tests check them against the sources themselves: every direct-identifier value in a source
is listed, and every span points at a listed value.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import sqlite3
import uuid
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from stdnum import luhn
from stdnum.se import orgnr, personnummer

from pipelines.cli import generate as cli_generate
from pipelines.config import Settings
from pipelines.errors import SamverkanError
from pipelines.specs.model import DatasetSpec
from pipelines.synth import identity as ident
from pipelines.synth.generate import DATASETS, generate_all
from pipelines.synth.planted import spans_path
from pipelines.synth.pools import DISTRICTS

ROWS = 500
SEED = 11
SPECS = Path(__file__).resolve().parent.parent / "pipelines" / "specs"
PNR_PATTERNS = {
    "YYYYMMDD-NNNN": r"\d{8}-\d{4}",
    "YYYYMMDDNNNN": r"\d{12}",
    "YYMMDD-NNNN": r"\d{6}-\d{4}",
    "YYMMDDNNNN": r"\d{10}",
    "YYYYMMDD NNNN": r"\d{8} \d{4}",
    "YYMMDD NNNN": r"\d{6} \d{4}",
}


def _settings(base: Path) -> Settings:
    return Settings.from_env(base / "data")


@pytest.fixture(scope="module")
def run_a(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _settings(tmp_path_factory.mktemp("synth_a"))
    generate_all(settings, seed=SEED, rows=ROWS)
    return settings


@pytest.fixture(scope="module")
def run_b(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _settings(tmp_path_factory.mktemp("synth_b"))
    generate_all(settings, seed=SEED, rows=ROWS)
    return settings


def _file_hashes(settings: Settings) -> dict[str, str]:
    roots = {"sources": settings.sources_dir, "raw": settings.raw_dir}
    out = {}
    for label, root in roots.items():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix != ".sqlite":
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[f"{label}/{path.relative_to(root)}"] = digest
    return out


def _db_rows(settings: Settings) -> list[tuple]:
    engine = sa.create_engine(settings.source_db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT * FROM ekonomiskt_bistand ORDER BY 1")).all()
    finally:
        engine.dispose()


def _planted(settings: Settings) -> list[dict]:
    text = settings.planted_identifiers_path().read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _planted_values(settings: Settings, dataset: str) -> set[str]:
    return {p["value"] for p in _planted(settings) if p["dataset"] == dataset}


def _spans(settings: Settings) -> list[dict]:
    text = spans_path(settings.planted_identifiers_path()).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _hemtjanst(settings: Settings) -> list[dict[str, str]]:
    raw = (settings.sources_dir / "hemtjanst/hemtjanst_export.csv").read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))


def _bygglov(settings: Settings) -> list[dict[str, str]]:
    text = (settings.sources_dir / "bygglov/bygglov_arenden.csv").read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _contacts(settings: Settings) -> list[dict]:
    text = (settings.sources_dir / "kontaktcenter/kontakter.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _valid_person_number(value: str) -> bool:
    """Personnummer per stdnum; samordningsnummer (day + 60) by date and Luhn check."""
    if personnummer.is_valid(value):
        return True
    compact = re.sub(r"[-+ ]", "", value)
    if len(compact) not in (10, 12) or not compact.isdigit():
        return False
    ten = compact[-10:]
    year = int(compact[:4]) if len(compact) == 12 else 2000
    try:
        dt.date(year, int(ten[2:4]), int(ten[4:6]) - 60)
    except ValueError:
        return False
    return luhn.is_valid(ten)


# ------------------------------------------------------------------ determinism
def test_same_seed_gives_identical_files_and_rows(run_a: Settings, run_b: Settings) -> None:
    hashes = _file_hashes(run_a)
    assert len(hashes) >= 6  # 3 exports, >= 2 Kolada pages, 2 side files
    assert hashes == _file_hashes(run_b)
    rows = _db_rows(run_a)
    assert len(rows) == ROWS
    assert rows == _db_rows(run_b)


def test_another_seed_gives_other_data(run_a: Settings, tmp_path: Path) -> None:
    other = _settings(tmp_path)
    generate_all(other, seed=SEED + 1, rows=ROWS, datasets=["bygglov"])
    mine = (run_a.sources_dir / "bygglov/bygglov_arenden.csv").read_bytes()
    assert (other.sources_dir / "bygglov/bygglov_arenden.csv").read_bytes() != mine


def test_one_dataset_alone_is_byte_identical_and_keeps_other_side_lines(
    run_a: Settings, tmp_path: Path
) -> None:
    alone = _settings(tmp_path)
    generate_all(alone, seed=SEED, rows=ROWS, datasets=["hemtjanst"])
    path = "hemtjanst/hemtjanst_export.csv"
    assert (alone.sources_dir / path).read_bytes() == (run_a.sources_dir / path).read_bytes()
    planted = alone.planted_identifiers_path().read_text(encoding="utf-8").splitlines()
    full = run_a.planted_identifiers_path().read_text(encoding="utf-8").splitlines()
    assert planted == [line for line in full if '"dataset": "hemtjanst"' in line]

    # regenerating another dataset keeps the hemtjanst lines, in dataset order
    generate_all(alone, seed=SEED, rows=ROWS, datasets=["ekonomiskt_bistand"])
    lines = alone.planted_identifiers_path().read_text(encoding="utf-8").splitlines()
    datasets = [json.loads(line)["dataset"] for line in lines]
    assert datasets == sorted(datasets, key=DATASETS.index)
    assert set(datasets) == {"ekonomiskt_bistand", "hemtjanst"}
    assert [line for line in lines if '"dataset": "hemtjanst"' in line] == planted


# ------------------------------------------------------------------ file formats
def test_hemtjanst_is_an_excel_style_export(run_a: Settings) -> None:
    raw = (run_a.sources_dir / "hemtjanst/hemtjanst_export.csv").read_bytes()
    header = (
        "Personnummer;Namn;Kön;Ålder;Stadsdel;Insatstyp;Beslutsdatum;Startdatum;Slutdatum;"
        "Månad;Beviljade timmar;Utförda timmar;Utförare;Avslutsorsak\r\n"
    )
    assert raw.startswith(header.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # å, ä, ö are single Windows-1252 bytes
    assert raw.count(b"\n") == raw.count(b"\r\n") == ROWS + 1
    rows = _hemtjanst(run_a)
    assert len(rows) == ROWS
    for row in rows:
        assert len(row) == 14 and None not in row
        assert re.fullmatch(r"\d{8}-\d{4}", row["Personnummer"])
        assert row["Kön"] in ("Kvinna", "Man")
        assert row["Insatstyp"] in (
            "personlig omvårdnad",
            "service",
            "trygghetslarm",
            "matdistribution",
        )
        assert re.fullmatch(r"\d+,\d", row["Beviljade timmar"])
        assert re.fullmatch(r"\d+,\d", row["Utförda timmar"])
        assert re.fullmatch(r"202[45]-\d\d", row["Månad"])
        for col in ("Beslutsdatum", "Startdatum"):
            dt.date.fromisoformat(row[col])
        assert (row["Slutdatum"] == "") == (row["Avslutsorsak"] == "")
        assert row["Stadsdel"] in {d.name for d in DISTRICTS}
    ages = [int(r["Ålder"]) for r in rows]
    assert sum(65 <= a <= 103 for a in ages) / len(ages) > 0.7
    assert any(r["Slutdatum"] == "" for r in rows) and any(r["Slutdatum"] for r in rows)


def test_bygglov_is_utf8_with_bom_comma_and_lf(run_a: Settings) -> None:
    raw = (run_a.sources_dir / "bygglov/bygglov_arenden.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"diarienummer,sokande_id,sokande_typ,sokande_namn,")
    assert b"\r" not in raw
    assert raw.splitlines()[0].decode("utf-8-sig") == (
        "diarienummer,sokande_id,sokande_typ,sokande_namn,fastighetsbeteckning,adress,"
        "postnummer,arendetyp,inkom_datum,beslut_datum,beslut,handlaggningsdagar,avgift"
    )
    rows = _bygglov(run_a)
    assert len(rows) == ROWS
    assert any('"' in line for line in raw.decode("utf-8-sig").splitlines())  # quoted commas
    orgs = 0
    for row in rows:
        assert re.fullmatch(r"BN 20\d\d-\d{6}", row["diarienummer"])
        assert re.fullmatch(r"Huddinge [A-ZÅÄÖ][\w ]* \d+:\d+", row["fastighetsbeteckning"])
        assert re.fullmatch(r"14[123] \d\d", row["postnummer"])
        if row["sokande_typ"] == "organisation":
            orgs += 1
            assert re.fullmatch(r"\d{6}-\d{4}", row["sokande_id"])
            assert orgnr.is_valid(row["sokande_id"])
        else:
            assert row["sokande_typ"] == "privatperson"
            assert personnummer.is_valid(row["sokande_id"])
        pending = row["beslut"] == "pågående"
        assert (row["beslut_datum"] == "") == pending
        assert (row["handlaggningsdagar"] == "") == pending
        if not pending:
            received = dt.date.fromisoformat(row["inkom_datum"])
            decided = dt.date.fromisoformat(row["beslut_datum"])
            assert (decided - received).days == int(row["handlaggningsdagar"])
            assert re.fullmatch(r"\d+\.\d\d", row["avgift"])
    assert 0.2 < orgs / ROWS < 0.4
    numbers = [r["diarienummer"] for r in rows]
    assert len(set(numbers)) == ROWS


def test_kontaktcenter_lines_have_the_crm_shape(run_a: Settings) -> None:
    contacts = _contacts(run_a)
    assert len(contacts) == ROWS
    keys = [
        "kontakt_id",
        "tidpunkt",
        "kanal",
        "kategori",
        "stadsdel",
        "beskrivning",
        "losningstid_min",
        "kontakt",
    ]
    stamps = []
    for c in contacts:
        assert list(c) == keys
        assert re.fullmatch(r"KC-202[45]-\d{6}", c["kontakt_id"])
        stamp = dt.datetime.fromisoformat(c["tidpunkt"])
        assert c["tidpunkt"][-6:] in ("+01:00", "+02:00")
        stamps.append(stamp)
        assert c["kanal"] in ("telefon", "e-post", "e-tjänst", "besök")
        assert isinstance(c["losningstid_min"], int) and c["losningstid_min"] >= 1
        assert set(c["kontakt"]) == {"namn", "telefon", "epost"}
    assert stamps == sorted(stamps)
    summer = [c for c in contacts if c["tidpunkt"][5:7] == "07"]
    assert summer and all(c["tidpunkt"].endswith("+02:00") for c in summer)
    assert any(c["kontakt"]["telefon"] is None for c in contacts)
    assert len({c["kontakt_id"] for c in contacts}) == ROWS


def test_kolada_pages_chain(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    spec = DatasetSpec.model_validate(yaml.safe_load((SPECS / "kolada.yaml").read_text()))
    for per_page, pages_expected in ((25, 2), (7, 6), (50, 1)):
        generate_all(settings, seed=SEED, rows=10, datasets=["kolada"], kolada_per_page=per_page)
        files = sorted((settings.sources_dir / "kolada").glob("page-*.json"))
        assert [f.name for f in files] == [f"page-{i:04d}.json" for i in range(1, len(files) + 1)]
        assert len(files) == pages_expected
        pages = [json.loads(f.read_text(encoding="utf-8")) for f in files]
        entries = [v for p in pages for v in p["values"]]
        assert len(entries) == 40
        assert all(p["count"] == 40 for p in pages)
        assert all(len(p["values"]) <= per_page for p in pages)
        assert pages[-1]["next_page"] is None
        for number, page in enumerate(pages[:-1], start=2):
            assert page["next_page"] == (
                f"http://api.kolada.se{spec.source.api_path}?page={number}&per_page={per_page}"
            )
    assert {(e["kpi"], e["period"]) for e in entries} == {
        (k, y) for k in ("N01951", "N11004", "N00945", "U21468") for y in range(2015, 2025)
    }
    for e in entries:
        assert e["municipality"] == "0126"
        assert [v["gender"] for v in e["values"]] == ["T", "K", "M"]
        if e["kpi"] == "N01951":
            t, k, m = (v["value"] for v in e["values"])
            assert 100_000 < t < 120_000 and k + m == t


# ------------------------------------------------------------------ ekonomiskt_bistand
def test_ekonomiskt_bistand_table(run_a: Settings) -> None:
    path = run_a.source_db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        info = conn.execute("PRAGMA table_info(ekonomiskt_bistand)").fetchall()
        rows = conn.execute("SELECT * FROM ekonomiskt_bistand ORDER BY utbetalning_id").fetchall()
    assert [(c[1], c[2]) for c in info] == [
        ("utbetalning_id", "INTEGER"),
        ("personnummer", "TEXT"),
        ("namn", "TEXT"),
        ("hushall_id", "TEXT"),
        ("manad", "TEXT"),
        ("belopp", "REAL"),
        ("kon", "TEXT"),
        ("alder", "INTEGER"),
        ("antal_barn", "INTEGER"),
        ("hushallstyp", "TEXT"),
        ("fodelseland", "TEXT"),
        ("forsorjningshinder", "TEXT"),
        ("stadsdel", "TEXT"),
        ("postnummer", "TEXT"),
        ("anteckning", "TEXT"),
    ]
    assert [r[0] for r in rows] == list(range(1, ROWS + 1))
    districts = {d.name: d.postcodes for d in DISTRICTS}
    months = []
    for (
        _,
        pnr,
        namn,
        hh,
        manad,
        belopp,
        kon,
        alder,
        barn,
        typ,
        land,
        hinder,
        stadsdel,
        postnr,
        _note,
    ) in rows:
        assert re.fullmatch(r"\d{8}-\d{4}", pnr) and _valid_person_number(pnr)
        assert re.fullmatch(r"\S+ \S+", namn)
        assert re.fullmatch(r"HH-\d{7}", hh)
        assert "2024-01" <= manad <= "2025-12"
        months.append(manad)
        assert 2000 <= belopp <= 25000 and round(belopp, 2) == belopp
        assert kon in ("K", "M")
        assert kon == ("M" if int(pnr[-2]) % 2 else "K")
        born = dt.date(int(pnr[:4]), int(pnr[4:6]), int(pnr[6:8]) % 60)
        first = dt.date(int(manad[:4]), int(manad[5:]), 1)
        expected = first.year - born.year - ((first.month, first.day) < (born.month, born.day))
        assert alder == expected and 18 <= alder <= 90
        assert 0 <= barn <= 6 and (barn == 0 if typ.endswith("utan_barn") else True)
        if typ.endswith("med_barn"):
            assert barn >= 1
        assert typ in (
            "ensamstaende_utan_barn",
            "ensamstaende_med_barn",
            "sammanboende_utan_barn",
            "sammanboende_med_barn",
            "ovriga",
        )
        assert land in ("Sverige", "Utrikes")
        assert hinder in (
            "arbetsloshet",
            "sjukdom",
            "foraldraledighet",
            "otillracklig_inkomst",
            "saknar_ratt_till_ersattning",
            "ovrigt",
        )
        assert postnr in districts[stadsdel]
    assert months == sorted(months)  # payment ids are chronological
    households = Counter(r[3] for r in rows)
    assert len(households) < ROWS / 3 and max(households.values()) > 3  # a panel
    per_hh = {}
    for r in rows:
        assert per_hh.setdefault(r[3], r[1]) == r[1]  # one applicant per household


def test_samordningsnummer_are_about_three_percent(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    generate_all(settings, seed=SEED, rows=20_000, datasets=["ekonomiskt_bistand"])
    engine = sa.create_engine(settings.source_db_url)
    with engine.connect() as conn:
        pnrs = (
            conn.execute(sa.text("SELECT DISTINCT personnummer FROM ekonomiskt_bistand"))
            .scalars()
            .all()
        )
    engine.dispose()
    coordination = [p for p in pnrs if int(p[6:8]) > 60]
    assert 0.015 < len(coordination) / len(pnrs) < 0.05
    for p in coordination:
        assert not personnummer.is_valid(p)  # stdnum reads the day literally
        assert _valid_person_number(p)


# ------------------------------------------------------------------ identifiers
def test_identifier_helpers_make_valid_numbers() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    births = np.datetime64("1930-01-01") + rng.integers(0, 30_000, size=5_000)
    male = rng.random(5_000) < 0.5
    numbers = ident.person_numbers(rng, births, male)
    assert len(set(numbers.canonical)) == 5_000
    for canonical, is_male in zip(numbers.canonical, male.tolist(), strict=True):
        for form in ident.all_written_forms(canonical):
            assert personnummer.is_valid(form), form
        assert personnummer.get_gender(canonical) == ("M" if is_male else "F")
    assert ident.all_written_forms("19250101-1234", centenarian=True)[-1] == "250101+1234"
    for number in ident.organisation_numbers(rng, 2_000):
        assert orgnr.is_valid(number) and int(number[2]) >= 2
    for phone in ident.phone_numbers(rng, 200):
        forms = ident.all_phone_forms(phone)
        assert re.fullmatch(r"0(8-\d{3} \d{3} \d\d|7\d-\d{3} \d\d \d\d)", forms[0])
        assert re.fullmatch(r"\+46 \d{1,2} [\d ]+", forms[3])
        assert len({re.sub(r"\D", "", f.replace("+46 ", "0")) for f in forms}) == 1


def test_identifiers_in_all_sources_are_valid(run_a: Settings) -> None:
    for row in _hemtjanst(run_a):
        assert _valid_person_number(row["Personnummer"])
    for row in _bygglov(run_a):
        checker = orgnr if row["sokande_typ"] == "organisation" else personnummer
        assert checker.is_valid(row["sokande_id"])
    for entry in _planted(run_a):
        if entry["kind"] in ("personnummer", "samordningsnummer"):
            assert _valid_person_number(entry["value"]), entry["dataset"]
        elif entry["kind"] == "organisationsnummer":
            assert orgnr.is_valid(entry["value"])
        elif entry["kind"] == "email":
            domain = entry["value"].rsplit("@", 1)[1]
            assert domain.endswith((".example", "example.com", "example.net", "example.org"))
        assert entry["synthetic"] is True


def test_every_direct_identifier_value_is_in_the_side_file(run_a: Settings) -> None:
    """What a leak test searches for covers every DI value the sources hold."""
    specs = {
        name: DatasetSpec.model_validate(yaml.safe_load((SPECS / f"{name}.yaml").read_text()))
        for name in DATASETS
    }
    sources: dict[str, list[dict]] = {
        "hemtjanst": _hemtjanst(run_a),
        "bygglov": _bygglov(run_a),
        "kontaktcenter": _contacts(run_a),
    }
    engine = sa.create_engine(run_a.source_db_url)
    with engine.connect() as conn:
        result = conn.execute(sa.text("SELECT * FROM ekonomiskt_bistand"))
        sources["ekonomiskt_bistand"] = [dict(r._mapping) for r in result]
    engine.dispose()
    checked = 0
    for name, rows in sources.items():
        planted = _planted_values(run_a, name)
        for column in specs[name].columns_with_role("direct_identifier"):
            for row in rows:
                value = row
                for part in column.source_name.split("."):
                    value = value[part]
                if value is None or isinstance(value, int):  # utbetalning_id: a serial
                    continue
                assert value in planted, f"{name}.{column.name} value not in the side file"
                checked += 1
    assert checked > ROWS * 8


def test_free_text_spans_point_at_planted_values(run_a: Settings) -> None:
    spans = _spans(run_a)
    engine = sa.create_engine(run_a.source_db_url)
    with engine.connect() as conn:
        notes = (
            conn.execute(
                sa.text("SELECT anteckning FROM ekonomiskt_bistand ORDER BY utbetalning_id")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    texts = {
        ("ekonomiskt_bistand", "anteckning"): notes,
        ("kontaktcenter", "beskrivning"): [c["beskrivning"] for c in _contacts(run_a)],
    }
    planted = {(p["dataset"], p["kind"], p["value"]) for p in _planted(run_a)}
    assert {(s["dataset"], s["column"]) for s in spans} == set(texts)
    forms: Counter[str] = Counter()
    for s in spans:
        text = texts[(s["dataset"], s["column"])][s["row"]]
        value = text[s["start"] : s["end"]]
        assert (s["dataset"], s["kind"], value) in planted, s
        if s["kind"] in ("personnummer", "samordningsnummer"):
            form = next(f for f, p in PNR_PATTERNS.items() if re.fullmatch(p, value))
            forms[form] += 1
    assert set(forms) == set(PNR_PATTERNS)  # every written form occurs in free text
    for dataset, column in texts:
        kinds = {s["kind"] for s in spans if s["dataset"] == dataset}
        assert {"name", "personnummer", "phone", "email", "address"} <= kinds, column
    # most notes carry identifiers, some are clean
    for key, values in texts.items():
        with_spans = {s["row"] for s in spans if (s["dataset"], s["column"]) == key}
        share = len(with_spans) / len(values)
        assert 0.6 < share < 0.95, key


def test_side_file_lists_every_form_of_each_number(run_a: Settings) -> None:
    values = _planted_values(run_a, "hemtjanst")
    for row in _hemtjanst(run_a)[:50]:
        canonical = row["Personnummer"]
        for form in ident.all_written_forms(canonical):
            assert form in values
    lines = run_a.planted_identifiers_path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines))


# ------------------------------------------------------------------ errors and CLI
def test_bad_arguments_raise_user_errors(tmp_path: Path) -> None:
    with pytest.raises(SamverkanError, match="unknown dataset"):
        generate_all(_settings(tmp_path), seed=1, rows=10, datasets=["nope"])
    with pytest.raises(SamverkanError, match="rows"):
        generate_all(_settings(tmp_path), seed=1, rows=0)


def test_database_errors_name_no_value(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody:secret-pw@127.0.0.1:1/none"
    with pytest.raises(SamverkanError) as caught:
        generate_all(
            _settings(tmp_path), seed=1, rows=10, datasets=["ekonomiskt_bistand"], db_url=url
        )
    assert "secret-pw" not in str(caught.value) and "ekonomiskt_bistand" in str(caught.value)


def test_cli_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="samverkan")
    cli_generate.register(parser.add_subparsers())
    args = parser.parse_args(
        [
            "generate",
            "--seed",
            "3",
            "--rows",
            "50",
            "--dataset",
            "bygglov",
            "--dataset",
            "kolada",
            "--data-dir",
            str(tmp_path / "d"),
        ]
    )
    assert args.handler(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in out] == [["bygglov", "50"], ["kolada", "40"]]
    assert (tmp_path / "d/sources/bygglov/bygglov_arenden.csv").exists()
    assert (tmp_path / "d/raw/_synth/planted_identifiers.jsonl").exists()
    with pytest.raises(SystemExit):
        parser.parse_args(["generate", "--rows", "0"])
    help_text = parser._subparsers._group_actions[0].choices["generate"].format_help()
    for option in ("--seed", "--rows", "--dataset", "--db-url", "--data-dir"):
        assert option in help_text


# ------------------------------------------------------------------ PostgreSQL
@pytest.mark.postgres
def test_postgres_source_gets_the_same_rows(run_a: Settings, tmp_path: Path) -> None:
    url = os.environ.get("SAMVERKAN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("SAMVERKAN_TEST_POSTGRES_URL is not set (no PostgreSQL for this test run)")
    schema = f"synth_test_{uuid.uuid4().hex[:8]}"  # private schema: other tests use public
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    scoped = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    scoped_url = scoped.render_as_string(hide_password=False)
    try:
        for _ in range(2):  # the second run drops and recreates the table
            generate_all(
                _settings(tmp_path),
                seed=SEED,
                rows=ROWS,
                datasets=["ekonomiskt_bistand"],
                db_url=scoped_url,
            )
        with admin.connect() as conn:
            rows = conn.execute(
                sa.text(f"SELECT * FROM {schema}.ekonomiskt_bistand ORDER BY utbetalning_id")
            ).all()
            kinds = dict(
                conn.execute(
                    sa.text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = :s AND table_name = 'ekonomiskt_bistand'"
                    ),
                    {"s": schema},
                ).all()
            )
        assert kinds["belopp"] == "double precision" and kinds["alder"] == "integer"
        assert [tuple(r) for r in rows] == [tuple(r) for r in _db_rows(run_a)]
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
