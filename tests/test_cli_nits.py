"""Small CLI promises: scrub keeps the format, anonymise's default suppression is the
spec's, expired tokens show as expired, and an empty staging folder is no warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.cli.main import build_parser, main


def test_scrub_refuses_an_output_of_another_format(tmp_path: Path, capsys) -> None:
    src = tmp_path / "notes.csv"
    src.write_text("id,text\n1,hej\n", encoding="utf-8")
    out = tmp_path / "x.parquet"
    assert main(["scrub", str(src), "--columns", "text", "--out", str(out)]) == 2
    assert not out.exists()
    assert "--out must name a CSV file" in capsys.readouterr().err
    assert main(["scrub", str(src), "--columns", "text", "--out", str(tmp_path / "ok.csv")]) == 0


def test_anonymise_suppresses_like_a_spec_by_default() -> None:
    from pipelines.specs.model import AnonymisationPolicy

    args = build_parser().parse_args(
        ["anonymise", "in.csv", "--qi", "age=age.csv", "--out", "o.parquet", "--report", "r.json"]
    )
    assert args.suppression_limit == AnonymisationPolicy().suppression_limit == 0.05


def test_token_list_shows_expired_tokens_as_expired(tmp_path: Path, capsys) -> None:
    from sqlalchemy import update

    from pipelines.access import projects, tokens
    from pipelines.access.db import now, open_access_db
    from pipelines.access.db import tokens as table

    url = f"sqlite:///{tmp_path / 'access.sqlite'}"
    engine = open_access_db(url)
    projects.create_project(engine, "alpha", "t")
    old = tokens.issue(engine, "alpha", "Ada", days=1)
    fresh = tokens.issue(engine, "alpha", "Bo", days=1)
    with engine.begin() as conn:
        conn.execute(
            update(table).where(table.c.id == old.id).values(expires_at=now() - dt.timedelta(1))
        )
    assert main(["token", "list", "--access-db", url]) == 0
    states = {
        line.split("\t")[0]: line.split("\t")[-1] for line in capsys.readouterr().out.splitlines()
    }
    assert states == {old.id: "expired", fresh.id: "active"}


def test_verify_ignores_an_empty_staging_folder(published, tmp_path: Path, capsys) -> None:
    import shutil

    store = tmp_path / "releases"
    shutil.copytree(published.release_dir, store)
    (store / ".staging" / "project").mkdir(parents=True)
    assert main(["verify", str(store)]) == 0
    assert "unfinished publish" not in capsys.readouterr().out
    leftover = store / ".staging" / "open__demo__2026-01-31__1__abc" / "data"
    leftover.mkdir(parents=True)
    (leftover / "part-00000.parquet").write_bytes(b"PAR1")
    assert main(["verify", str(store)]) == 0
    assert "1 unfinished publish folder(s)" in capsys.readouterr().out
