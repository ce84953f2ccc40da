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
    ranged = http.get(f"/files/open/hemtjanst/{v1}/{DATA}", headers={"Range": "bytes=100-"})
    assert ranged.status_code == 206 and ranged.content == expected[100:]
    assert ranged.headers["content-range"] == f"bytes 100-{len(expected) - 1}/{len(expected)}"
    other = http.get(
        f"/files/open/hemtjanst/{v1}/{DATA}", headers={"Range": "bytes=0-9", "If-Range": '"x"'}
    )
    assert other.status_code == 200 and other.content == expected
    outside = http.get(
        f"/files/open/hemtjanst/{v1}/{DATA}", headers={"Range": f"bytes={len(expected)}-"}
    )
    assert outside.status_code == 416
    rows = audit.entries(engine)[:4]
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


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", (0, 9)),
        ("bytes=90-", (90, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=50-500", (50, 99)),
        ("bytes=0-1,5-9", None),
        ("items=0-1", None),
        (None, None),
    ],
)
def test_one_byte_range_of_a_remote_file(header, expected) -> None:
    from pipelines.portal.remote import byte_range

    assert byte_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0", "bytes=9-3"])
def test_unsatisfiable_ranges_of_a_remote_file(header) -> None:
    from pipelines.portal.remote import Unsatisfiable, byte_range

    with pytest.raises(Unsatisfiable):
        byte_range(header, 100)
