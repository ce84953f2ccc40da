"""The portal on an S3 release store (moto's server on loopback), as in production."""

from __future__ import annotations

import hashlib

import pytest
from starlette.testclient import TestClient

from pipelines.access import audit
from pipelines.access.db import open_access_db
from pipelines.portal.app import create_app

DATA = "data/part-00000.parquet"


@pytest.fixture
def s3_store(s3, world, monkeypatch) -> str:
    """The session's release store uploaded to a fresh bucket; its s3:// URL."""
    monkeypatch.setenv("SAMVERKAN_S3_ENDPOINT_URL", s3.endpoint)
    bucket = s3.new_bucket()
    s3.fs().put(str(world.store) + "/", f"{bucket}/releases", recursive=True)
    return f"s3://{bucket}/releases"


def test_the_portal_serves_an_s3_store(s3_store, world, tmp_path) -> None:
    engine = open_access_db(f"sqlite:///{tmp_path / 'access.sqlite'}")
    http = TestClient(create_app(s3_store, access_db=engine, base_url="http://portal.test"))
    v1, v2, v3 = world.versions
    assert http.get("/healthz").json() == {"ok": True, "store": True}
    listed = {d["id"]: d for d in http.get("/api/v1/datasets").json()["datasets"]}
    assert listed["hemtjanst"]["latest_version"] == v2
    assert http.get("/datasets/hemtjanst").status_code == 200
    expected = (world.store / "open" / "hemtjanst" / v1 / DATA).read_bytes()
    response = http.get(f"/files/open/hemtjanst/{v1}/{DATA}")
    assert response.status_code == 200 and response.content == expected
    assert response.headers["x-checksum-sha256"] == hashlib.sha256(expected).hexdigest()
    assert response.headers["content-length"] == str(len(expected))
    head = http.head(f"/files/open/hemtjanst/{v1}/{DATA}")
    assert head.status_code == 200 and head.content == b""
    assert http.get(f"/files/open/hemtjanst/{v1}/manifest.json").status_code == 200
    assert http.get(f"/files/open/hemtjanst/{v3}/{DATA}").status_code == 410
    assert http.get(f"/api/v1/datasets/hemtjanst/versions/{v3}").status_code == 410
    rows = audit.entries(engine)
    assert [(r.status, r.bytes) for r in rows] == [
        (200, len(expected)),
        (200, 0),
        (200, rows[2].bytes),
        (410, 0),
    ]


def test_serve_refuses_a_placeholder_secret(world, monkeypatch, capsys) -> None:
    from pipelines.cli.main import main

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "change-me-samverkan-s3")
    assert main(["serve", "--store", str(world.store)]) == 2
    err = capsys.readouterr().err
    assert "AWS_SECRET_ACCESS_KEY" in err and "change-me-samverkan-s3" not in err


def test_serve_refuses_a_placeholder_in_the_access_db_url(world, capsys) -> None:
    from pipelines.cli.main import main

    url = "postgresql+psycopg://portal:change-me@db/access"
    assert main(["serve", "--store", str(world.store), "--access-db", url]) == 2
    err = capsys.readouterr().err
    assert "--access-db" in err and "change-me" not in err
