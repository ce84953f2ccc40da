"""``samverkan anonymise``: files in, release and report out, errors as one safe line."""

from __future__ import annotations

import argparse
import json

import pyarrow.parquet as pq
import pytest

from pipelines.cli import anonymise as cli
from pipelines.errors import SamverkanError


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli.register(sub)
    args = parser.parse_args(["anonymise", *argv])
    return args.handler(args)


@pytest.fixture()
def files(tmp_path):
    data = tmp_path / "in.csv"
    rows = ["age;sex;diag;pnr"]
    for i, (age, sex, diag) in enumerate(
        [
            ("20", "M", "a"),
            ("20", "M", "b"),
            ("25", "M", "a"),
            ("25", "F", "c"),
            ("30", "F", "a"),
            ("30", "F", "a"),
            ("35", "F", "b"),
            ("35", "M", "c"),
        ]
    ):
        rows.append(f"{age};{sex};{diag};0{i}")
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    age = tmp_path / "age.csv"
    age.write_text("20;20-29;*\n25;20-29;*\n30;30-39;*\n35;30-39;*\n", encoding="utf-8")
    sex = tmp_path / "sex.csv"
    sex.write_text("M;*\nF;*\n", encoding="utf-8")
    return tmp_path, data, age, sex


def test_cli_writes_release_and_report(files, capsys):
    folder, data, age, sex = files
    out, report = folder / "out.parquet", folder / "report.json"
    code = _run(
        [
            str(data),
            "--qi",
            f"age={age}",
            "--qi",
            f"sex={sex}",
            "--sensitive",
            "diag",
            "--k",
            "2",
            "--l",
            "2",
            "--suppression-limit",
            "0.25",
            "--metric",
            "loss",
            "--out",
            str(out),
            "--report",
            str(report),
        ]
    )
    assert code == 0
    body = json.loads(report.read_text())
    for key in (
        "transformation",
        "suppressed_records",
        "k_achieved",
        "information_loss",
        "risk",
        "runtime_s",
    ):
        assert key in body
    assert set(body["risk"]) >= {"prosecutor", "journalist", "marketer"}
    assert set(body["information_loss"]) >= {
        "loss",
        "entropy",
        "entropy_nonmonotonic",
        "discernibility",
        "aec",
        "precision",
    }
    table = pq.read_table(out)
    assert table.num_rows == 8
    assert table.column("pnr").to_pylist()[0] == "00"  # read as text: leading zero kept
    assert json.loads(capsys.readouterr().out)["transformation"] == body["transformation"]


def test_cli_parquet_input(files, tmp_path):
    _, data, age, sex = files
    parquet = tmp_path / "in.parquet"
    pq.write_table(cli.read_table(data), parquet)
    code = _run(
        [
            str(parquet),
            "--qi",
            f"age={age}",
            "--qi",
            f"sex={sex}",
            "--k",
            "2",
            "--suppression-limit",
            "0.25",
            "--out",
            str(tmp_path / "o.parquet"),
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 0


def test_cli_unknown_value_names_column_not_value(files):
    folder, data, age, sex = files
    age.write_text("20;20-29;*\n25;20-29;*\n30;30-39;*\n", encoding="utf-8")  # 35 missing
    with pytest.raises(SamverkanError) as err:
        _run(
            [
                str(data),
                "--qi",
                f"age={age}",
                "--qi",
                f"sex={sex}",
                "--k",
                "2",
                "--out",
                str(folder / "o.parquet"),
                "--report",
                str(folder / "r.json"),
            ]
        )
    message = err.value.one_line()
    assert "column age" in message and str(data) in message
    assert "35" not in message.replace(str(data), "").replace(str(age), "")
    assert "\n" not in message


def test_cli_missing_column(files):
    folder, data, age, _ = files
    with pytest.raises(SamverkanError, match="column nosuch"):
        _run(
            [
                str(data),
                "--qi",
                f"nosuch={age}",
                "--k",
                "2",
                "--out",
                str(folder / "o.parquet"),
                "--report",
                str(folder / "r.json"),
            ]
        )


def test_cli_subject_counts_people_and_leaves_the_key_out(tmp_path):
    """Two people with four records each at one age: k=2 by rows, k=1 by people."""
    data = tmp_path / "long.csv"
    rows = ["pnr;age"] + [f"p{p};{20 + 10 * p}" for p in range(2) for _ in range(4)]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    age = tmp_path / "age.csv"
    age.write_text("20;*\n30;*\n", encoding="utf-8")
    common = [str(data), "--qi", f"age={age}", "--k", "2", "--suppression-limit", "0"]
    by_row = tmp_path / "rows.json"
    assert _run([*common, "--out", str(tmp_path / "r.parquet"), "--report", str(by_row)]) == 0
    assert json.loads(by_row.read_text())["transformation"] == {"age": 0}
    by_person = tmp_path / "people.json"
    out = tmp_path / "p.parquet"
    code = _run([*common, "--subject", "pnr", "--out", str(out), "--report", str(by_person)])
    assert code == 0
    report = json.loads(by_person.read_text())
    assert report["transformation"] == {"age": 1}
    assert report["unit"] == "subjects"
    assert report["subjects"] == 2
    assert report["k_achieved"] == 2
    assert "pnr" not in pq.read_schema(out).names
