"""The admin commands: withdraw, project, grant, token, audit, and serve."""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.access import audit
from pipelines.access.db import open_access_db
from pipelines.access.decide import authorise
from pipelines.cli import access, serve, withdraw
from pipelines.cli import verify as verify_cli
from pipelines.errors import SamverkanError
from pipelines.publish.store import read_latest

HARNESS = (
    "import argparse, sys\n"
    "from pipelines.cli import serve\n"
    "p = argparse.ArgumentParser(); serve.register(p.add_subparsers())\n"
    "a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))\n"
)


def _run(module, argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def store_copy(world, tmp_path: Path) -> Path:
    target = tmp_path / "releases"
    shutil.copytree(world.store, target)
    return target


def test_withdraw_marks_beside_the_snapshot_and_moves_latest(store_copy, world, capsys) -> None:
    v1, v2, _ = world.versions
    assert (
        _run(
            withdraw,
            [
                "withdraw",
                "hemtjanst",
                v2,
                "--reason",
                "error in source month",
                "--store",
                str(store_copy),
            ],
        )
        == 0
    )
    out = capsys.readouterr().out
    assert f"latest is now {v1}" in out
    marker = store_copy / "open" / "hemtjanst" / f"{v2}.withdrawn.json"
    assert json.loads(marker.read_text(encoding="utf-8"))["reason"] == "error in source month"
    assert read_latest(store_copy, "open", "hemtjanst") == v1
    assert _run(verify_cli, ["verify", str(store_copy)]) == 0  # snapshots untouched
    store = ["--store", str(store_copy)]
    with pytest.raises(SamverkanError, match="already withdrawn"):
        _run(withdraw, ["withdraw", "hemtjanst", v2, "--reason", "again", *store])
    with pytest.raises(SamverkanError, match="no published version"):
        _run(withdraw, ["withdraw", "hemtjanst", "1999-01-01", "--reason", "x", *store])
    with pytest.raises(SamverkanError, match="needs a reason"):
        _run(withdraw, ["withdraw", "hemtjanst", v1, "--reason", " ", *store])
    assert (
        _run(
            withdraw,
            ["withdraw", "hemtjanst", v1, "--reason", "all gone", "--store", str(store_copy)],
        )
        == 0
    )
    assert read_latest(store_copy, "open", "hemtjanst") is None


def test_withdraw_a_project_release(store_copy, world) -> None:
    v2 = world.versions[1]
    assert (
        _run(
            withdraw,
            [
                "withdraw",
                "hemtjanst",
                v2,
                "--project",
                "alpha",
                "--reason",
                "erasure",
                "--store",
                str(store_copy),
            ],
        )
        == 0
    )
    assert (store_copy / "project" / "alpha" / "hemtjanst" / f"{v2}.withdrawn.json").is_file()


def test_project_grant_token_and_audit_commands(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'access.sqlite'}"
    db = ["--access-db", url]
    assert _run(access, ["project", "create", "gamma", "--title", "Test", *db]) == 0
    assert _run(access, ["project", "create", "epsilon", "--pending", *db]) == 0
    with pytest.raises(SamverkanError, match="exists already"):
        _run(access, ["project", "create", "gamma", *db])
    with pytest.raises(SamverkanError, match="project name"):
        _run(access, ["project", "create", "Bad Name", *db])
    assert _run(access, ["grant", "gamma", "hemtjanst", *db]) == 0
    with pytest.raises(SamverkanError, match="no spec"):
        _run(access, ["grant", "gamma", "nosuch", *db])
    capsys.readouterr()
    assert (
        _run(
            access, ["token", "issue", "gamma", "--researcher", "Eva Forskare", "--days", "30", *db]
        )
        == 0
    )
    captured = capsys.readouterr()
    token = captured.out.strip()  # stdout holds the token alone: TOKEN=$(samverkan token ...)
    token_id = captured.err.split()[2]
    assert token.startswith(f"svk_{token_id}_") and "\n" not in token
    engine = open_access_db(url)
    raw = (tmp_path / "access.sqlite").read_bytes()
    assert token.encode() not in raw and token.split("_", 2)[2].encode() not in raw
    assert authorise(engine, f"Bearer {token}", "gamma", "hemtjanst").allowed
    assert _run(access, ["project", "list", *db]) == 0
    listing = capsys.readouterr().out
    assert "gamma\tapproved\themtjanst" in listing and "epsilon\tpending" in listing
    assert _run(access, ["token", "list", *db]) == 0
    assert token_id in capsys.readouterr().out
    assert _run(access, ["token", "revoke", token_id, *db]) == 0
    decision = authorise(engine, f"Bearer {token}", "gamma", "hemtjanst")
    assert (decision.allowed, decision.outcome) == (False, "revoked_token")
    with pytest.raises(SamverkanError, match="no active token"):
        _run(access, ["token", "revoke", token_id, *db])
    assert _run(access, ["grant", "gamma", "hemtjanst", "--revoke", *db]) == 0
    audit.record(
        engine,
        audit.attempt(
            tier="project/gamma",
            dataset="hemtjanst",
            version="v",
            file="data/part-00000.parquet",
            status=401,
            outcome="revoked_token",
            token_id=token_id,
            project="gamma",
        ),
    )
    capsys.readouterr()
    assert _run(access, ["audit", *db]) == 0
    printed = capsys.readouterr().out
    assert token_id in printed and "revoked_token" in printed and "1 entries" in printed
    assert _run(access, ["audit", "--json", "--project", "gamma", *db]) == 0
    entry = json.loads(capsys.readouterr().out.splitlines()[0])
    assert entry["outcome"] == "revoked_token" and entry["status"] == 401


def test_serve_command_serves_the_store(world, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [
        sys.executable,
        "-c",
        HARNESS,
        "serve",
        "--port",
        str(port),
        "--store",
        str(world.store),
        "--access-db",
        f"sqlite:///{tmp_path / 'a.sqlite'}",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/datasets") as r:
                    body = json.loads(r.read())
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.2)
        assert {d["id"] for d in body["datasets"]} == set(world.published)
        assert body["datasets"][0]["url"].startswith(f"http://127.0.0.1:{port}/datasets/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(SamverkanError, match="does not exist"):
        _run(serve, ["serve", "--store", str(tmp_path / "nothing")])
