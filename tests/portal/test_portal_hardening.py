"""The portal as an attacker meets it: links, forged manifests, withdrawn versions, caches,
anonymous views, odd Range headers, control characters, token guessing and headers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipelines.access import audit
from pipelines.access.db import open_access_db
from pipelines.portal.app import create_app
from pipelines.portal.ratelimit import FailureLimiter

DATA = "data/part-00000.parquet"


@pytest.fixture
def store(world, tmp_path) -> Path:
    """A copy of the session's release store that a test may change."""
    copy = tmp_path / "releases"
    shutil.copytree(world.store, copy, symlinks=True)
    return copy


def _client(store: Path, tmp_path: Path, limiter: FailureLimiter | None = None):
    engine = open_access_db(f"sqlite:///{tmp_path / 'access.sqlite'}")
    app = create_app(store, access_db=engine, base_url="http://portal.test", limiter=limiter)
    return TestClient(app), engine


@pytest.fixture
def client(world, tmp_path):
    return _client(world.store, tmp_path)


def test_a_symlinked_file_in_an_open_snapshot_is_not_served(world, store, tmp_path) -> None:
    v1, v2, _ = world.versions
    target = store / "open" / "hemtjanst" / v1 / DATA
    target.unlink()
    target.symlink_to(store / "project" / "alpha" / "hemtjanst" / v2 / DATA)
    http, engine = _client(store, tmp_path)
    response = http.get(f"/files/open/hemtjanst/{v1}/{DATA}")
    assert response.status_code == 404 and b"PAR1" not in response.content
    [row] = audit.entries(engine)
    assert (row.status, row.outcome) == (404, "not_found")


def test_a_symlinked_version_or_dataset_folder_is_not_listed_or_served(
    world, store, tmp_path
) -> None:
    v2 = world.versions[1]
    project_folder = store / "project" / "alpha" / "hemtjanst"
    (store / "open" / "hemtjanst" / "2026-12-31").symlink_to(project_folder / v2)
    (store / "open" / "x").symlink_to(project_folder)
    http, _ = _client(store, tmp_path)
    assert http.get(f"/files/open/hemtjanst/2026-12-31/{DATA}").status_code == 404
    assert http.get(f"/files/open/x/{v2}/{DATA}").status_code == 404
    versions = [v["version"] for v in http.get("/api/v1/datasets/hemtjanst").json()["versions"]]
    assert "2026-12-31" not in versions
    assert "x" not in [d["id"] for d in http.get("/api/v1/datasets").json()["datasets"]]


def test_a_manifest_naming_another_folder_is_not_trusted(world, store, tmp_path) -> None:
    v2 = world.versions[1]
    shutil.copytree(store / "open" / "hemtjanst" / v2, store / "open" / "hemtjanst" / "2027-01-01")
    shutil.copytree(store / "open" / "hemtjanst", store / "open" / "hemtjanst_copy")
    http, _ = _client(store, tmp_path)
    assert http.get(f"/files/open/hemtjanst/2027-01-01/{DATA}").status_code == 404
    assert http.get(f"/files/open/hemtjanst_copy/{v2}/{DATA}").status_code == 404
    assert http.get("/api/v1/datasets/hemtjanst_copy").status_code == 404
    # the genuine folder still answers
    assert http.get(f"/files/open/hemtjanst/{v2}/{DATA}").status_code == 200


def test_withdrawn_versions_answer_410_everywhere_without_statistics(world, client) -> None:
    http, _ = client
    v3 = world.versions[2]
    for path in (
        f"/api/v1/datasets/hemtjanst/versions/{v3}",
        f"/datasets/hemtjanst/versions/{v3}",
        f"/files/open/hemtjanst/{v3}/{DATA}",
        f"/files/open/hemtjanst/{v3}/manifest.json",
    ):
        response = http.get(path)
        assert response.status_code == 410, path
        body = response.text
        assert world.reason in body, path
        for leak in ("codebook", "statistics", "rows", "sha256", "schema"):
            assert leak not in body, (path, leak)
    summary = http.get("/api/v1/datasets/hemtjanst").json()
    [withdrawn] = [v for v in summary["versions"] if v["version"] == v3]
    assert withdrawn["rows"] is None and withdrawn["withdrawn"]["reason"] == world.reason


def test_every_version_withdrawn_answers_410_for_latest(world, store, tmp_path) -> None:
    from pipelines.metadata.versions import withdraw

    for version in world.versions[:2]:
        withdraw(store, "open", "hemtjanst", version, "erasure", by="test")
    http, _ = _client(store, tmp_path)
    for path in (
        "/api/v1/datasets/hemtjanst",
        "/api/v1/datasets/hemtjanst/versions/latest",
        "/datasets/hemtjanst",
        f"/files/open/hemtjanst/latest/{DATA}",
    ):
        response = http.get(path)
        assert response.status_code == 410, path
        assert "statistics" not in response.text and "codebook" not in response.text


def test_open_files_must_be_revalidated_and_project_replies_are_not_stored(
    world, client, tokens
) -> None:
    http, engine = client
    from pipelines.access import projects
    from pipelines.access import tokens as tok

    projects.create_project(engine, "alpha", "t")
    projects.grant(engine, "alpha", "hemtjanst")
    token = tok.issue(engine, "alpha", "Ada", days=1).token
    v1 = world.versions[0]
    pinned = http.get(f"/files/open/hemtjanst/{v1}/{DATA}")
    assert pinned.status_code == 200
    assert pinned.headers["cache-control"] == "public, no-cache"
    again = http.get(
        f"/files/open/hemtjanst/{v1}/{DATA}", headers={"If-None-Match": pinned.headers["etag"]}
    )
    assert again.status_code == 304
    auth = {"Authorization": f"Bearer {token}"}
    for path in (
        "/projects/alpha/datasets/hemtjanst",
        "/api/v1/projects/alpha/datasets",
        "/api/v1/projects/alpha/datasets/hemtjanst",
        f"/files/project/alpha/hemtjanst/{world.versions[1]}/{DATA}",
    ):
        response = http.get(path, headers=auth)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "private, no-store", path


def test_anonymous_views_name_no_project(world, client) -> None:
    http, _ = client
    page = http.get("/").text
    assert "/projects/" not in page and "project: " not in page
    assert not re.search(r"\b(alpha|beta)\b", page)
    listed = http.get("/api/v1/datasets").json()["datasets"]
    assert listed and all(d["tier"] == "open" and d["project"] is None for d in listed)


def test_a_project_lists_only_the_datasets_it_holds_a_grant_on(world, client) -> None:
    http, engine = client
    from pipelines.access import projects
    from pipelines.access import tokens as tok

    projects.create_project(engine, "beta", "without grant")
    token = tok.issue(engine, "beta", "Cy", days=1).token
    response = http.get(
        "/api/v1/projects/beta/datasets", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.json() == {"datasets": []}
    projects.grant(engine, "beta", "hemtjanst")
    response = http.get(
        "/api/v1/projects/beta/datasets", headers={"Authorization": f"Bearer {token}"}
    )
    assert [d["id"] for d in response.json()["datasets"]] == ["hemtjanst"]
    assert "rows" in response.json()["datasets"][0]


def test_project_pages_and_api_views_are_audited(world, client) -> None:
    http, engine = client
    from pipelines.access import projects
    from pipelines.access import tokens as tok

    projects.create_project(engine, "alpha", "t")
    projects.grant(engine, "alpha", "hemtjanst")
    issued = tok.issue(engine, "alpha", "Ada", days=1)
    auth = {"Authorization": f"Bearer {issued.token}"}
    assert http.get("/projects/alpha/datasets/hemtjanst", headers=auth).status_code == 200
    assert http.get("/api/v1/projects/alpha/datasets/hemtjanst").status_code == 401
    v1 = world.versions[0]
    assert (
        http.get(
            f"/api/v1/projects/alpha/datasets/hemtjanst/versions/{v1}", headers=auth
        ).status_code
        == 410
    )
    rows = audit.entries(engine)
    assert [(r.tier, r.dataset, r.status, r.outcome) for r in rows] == [
        ("project/alpha", "hemtjanst", 200, "granted"),
        ("project/alpha", "hemtjanst", 401, "no_token"),
        ("project/alpha", "hemtjanst", 410, "withdrawn"),
    ]
    assert rows[0].token_id == issued.id and rows[1].token_id is None
    assert rows[0].file == "/projects/alpha/datasets/hemtjanst"


@pytest.mark.parametrize("header", ["bytes=" + "9" * 5000 + "-", "bytes=0-" + "1" * 5000])
def test_an_oversized_range_answers_416_and_is_audited(world, client, header) -> None:
    http, engine = client
    v1 = world.versions[0]
    response = http.get(f"/files/open/hemtjanst/{v1}/{DATA}", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"].startswith("bytes */")
    [row] = audit.entries(engine)
    assert (row.status, row.outcome, row.bytes) == (416, "range_not_satisfiable", 0)


def test_ranges_still_resume_and_are_audited_with_the_bytes_sent(world, client) -> None:
    http, engine = client
    v1 = world.versions[0]
    whole = (world.store / "open" / "hemtjanst" / v1 / DATA).read_bytes()
    response = http.get(f"/files/open/hemtjanst/{v1}/{DATA}", headers={"Range": "bytes=10-"})
    assert response.status_code == 206 and response.content == whole[10:]
    [row] = audit.entries(engine)
    assert (row.status, row.outcome, row.bytes) == (206, "granted", len(whole) - 10)


def test_control_characters_in_a_refused_path_are_stored_and_printed_escaped(
    world, client, tmp_path, capsys
) -> None:
    http, engine = client
    evil = "open/x%1b%5b31m%0d2026-01-01T00:00:00%09forged%09row%07"
    assert http.get(f"/files/{evil}").status_code == 400
    [row] = audit.entries(engine)
    assert row.file is not None and all(ch.isprintable() for ch in row.file)
    assert "\\x1b" in row.file and "\\r" in row.file

    from pipelines.cli.main import main

    db = f"sqlite:///{tmp_path / 'access.sqlite'}"
    assert main(["audit", "--access-db", db]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].count("\t") == 8 and lines[1] == "1 entries"


def test_repeated_failed_tokens_are_answered_429(world, tmp_path) -> None:
    now = [1000.0]
    limiter = FailureLimiter(limit=5, window=60, clock=lambda: now[0])
    http, engine = _client(world.store, tmp_path, limiter)
    path = f"/files/project/alpha/hemtjanst/{world.versions[1]}/{DATA}"
    bad = {"Authorization": "Bearer svk_aaaaaaaaaa_" + "A" * 43}
    statuses = [http.get(path, headers=bad).status_code for _ in range(9)]
    assert statuses == [401] * 5 + [429] * 4
    blocked = http.get("/api/v1/projects/alpha/datasets", headers=bad)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) == 60
    outcomes = [r.outcome for r in audit.entries(engine)]
    assert outcomes.count("rate_limited") == 1 and len(outcomes) == 6  # not one row per knock
    now[0] += 61
    assert http.get(path, headers=bad).status_code == 401


SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def test_every_reply_carries_security_headers(world, client) -> None:
    http, _ = client
    for path in (
        "/",
        "/api/v1/datasets",
        f"/files/open/hemtjanst/{world.versions[0]}/{DATA}",
        "/nosuch",
        "/static/style.css",
    ):
        response = http.get(path)
        for name, value in SECURITY.items():
            assert response.headers.get(name) == value, (path, name)
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp


def test_the_manifest_download_of_a_project_is_not_cached_nor_publicly_cacheable(
    world, client
) -> None:
    http, _ = client
    response = http.get(f"/files/project/alpha/hemtjanst/{world.versions[1]}/manifest.json")
    assert response.status_code == 401
    assert response.headers["cache-control"] == "private, no-store"
    assert json.loads(response.text)["error"] == "no_token"


def test_a_client_too_slow_with_its_headers_is_cut_off(live_portal) -> None:
    """The live portal runs with a 2 s head deadline (tests/portal/conftest.py)."""
    import socket
    import time

    with socket.create_connection((live_portal.host, live_portal.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        closed_after = None
        for _ in range(20):  # one more header line every half second, never the blank line
            time.sleep(0.5)
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                    closed_after = time.monotonic() - started
                    break
            except BlockingIOError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None and closed_after < 4, closed_after


def test_a_prompt_client_is_served_on_a_kept_alive_connection(live_portal) -> None:
    import http.client

    conn = http.client.HTTPConnection(live_portal.host, live_portal.port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        assert response.status == 200 and b'"ok":true' in response.read()
    conn.close()
