"""Downloads over real HTTP: checksum headers, Range and resume, and reading Parquet by URL."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json

import pandas as pd
import polars as pl
import pyarrow.parquet as pq

DATA = "data/part-00000.parquet"


def _request(server, path: str, method: str = "GET", **headers: str):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, {k.lower(): v for k, v in response.getheaders()}


def _snapshot_file(world, version: str, rel: str = DATA):
    return world.store / "open" / "hemtjanst" / version / rel


def test_full_download_names_length_etag_and_sha256(live_portal, world) -> None:
    version = world.versions[0]
    expected = _snapshot_file(world, version).read_bytes()
    sha = hashlib.sha256(expected).hexdigest()
    status, body, headers = _request(live_portal, f"/files/open/hemtjanst/{version}/{DATA}")
    assert status == 200 and body == expected
    assert headers["content-length"] == str(len(expected))
    assert headers["etag"] == f'"{sha}"'
    assert headers["x-checksum-sha256"] == sha
    assert headers["digest"] == "sha-256=" + base64.b64encode(bytes.fromhex(sha)).decode()
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-type"] == "application/vnd.apache.parquet"
    # not immutable: a withdrawn version must stop being served from caches
    assert headers["cache-control"] == "public, no-cache"
    manifest = json.loads(_snapshot_file(world, version, "manifest.json").read_text())
    assert {"path": DATA, "bytes": len(expected), "sha256": sha} in manifest["files"]
    assert (
        headers["content-disposition"]
        == f'attachment; filename="hemtjanst-{version}-part-00000.parquet"'
    )


def test_every_listed_file_and_the_manifest_download_with_their_checksums(
    live_portal, world
) -> None:
    version = world.versions[1]
    folder = _snapshot_file(world, version, "")
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    assert "manifest.json" in files and "codebook.md" in files
    for rel in files:
        status, body, headers = _request(live_portal, f"/files/open/hemtjanst/{version}/{rel}")
        assert status == 200, rel
        assert hashlib.sha256(body).hexdigest() == headers["x-checksum-sha256"], rel


def test_range_requests_answer_206_with_the_right_bytes(live_portal, world) -> None:
    version = world.versions[0]
    data = _snapshot_file(world, version).read_bytes()
    size = len(data)
    url = f"/files/open/hemtjanst/{version}/{DATA}"
    for header, first, last in (
        ("bytes=0-99", 0, 99),
        (f"bytes=100-{size + 50}", 100, size - 1),
        ("bytes=-8", size - 8, size - 1),
        (f"bytes={size - 1}-", size - 1, size - 1),
    ):
        status, body, headers = _request(live_portal, url, Range=header)
        assert status == 206, header
        assert body == data[first : last + 1]
        assert headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert headers["content-length"] == str(last - first + 1)
    status, _, headers = _request(live_portal, url, Range=f"bytes={size}-")
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    status, body, headers = _request(live_portal, url, Range="bytes=0-1,5-9")
    assert status == 206 and headers["content-type"].startswith("multipart/byteranges")
    assert data[0:2] in body and data[5:10] in body
    status, body, _ = _request(live_portal, url, Range="bytes=0-9", If_Range='"other"')
    assert status == 200 and body == data  # the client holds another file: start over


def test_interrupted_download_resumes_and_the_sha256_matches(live_portal, world) -> None:
    url = f"/files/open/hemtjanst/{world.versions[0]}/{DATA}"
    conn = http.client.HTTPConnection(live_portal.host, live_portal.port, timeout=10)
    conn.request("GET", url)
    response = conn.getresponse()
    size = int(response.getheader("Content-Length"))
    etag = response.getheader("ETag")
    expected_sha = response.getheader("X-Checksum-SHA256")
    first = response.read(size // 2)  # the connection drops halfway
    conn.close()
    assert len(first) == size // 2
    status, rest, headers = _request(live_portal, url, Range=f"bytes={len(first)}-", If_Range=etag)
    assert status == 206
    assert headers["content-range"] == f"bytes {len(first)}-{size - 1}/{size}"
    assert hashlib.sha256(first + rest).hexdigest() == expected_sha


def test_head_and_conditional_requests(live_portal, world) -> None:
    url = f"/files/open/hemtjanst/{world.versions[0]}/{DATA}"
    status, body, headers = _request(live_portal, url, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == _snapshot_file(world, world.versions[0]).stat().st_size
    status, body, _ = _request(live_portal, url, If_None_Match=headers["etag"])
    assert status == 304 and body == b""


def test_latest_alias_follows_the_newest_version_not_withdrawn(live_portal, world) -> None:
    status, body, headers = _request(live_portal, f"/files/open/hemtjanst/latest/{DATA}")
    assert status == 200
    assert headers["x-samverkan-version"] == world.versions[1]
    assert body == _snapshot_file(world, world.versions[1]).read_bytes()
    assert headers["cache-control"] == "public, no-cache"


def test_pandas_and_polars_read_parquet_straight_from_the_portal(live_portal, world) -> None:
    version = world.versions[1]
    url = f"{live_portal.url}/files/open/hemtjanst/{version}/{DATA}"
    expected = pq.read_table(_snapshot_file(world, version))
    frame = pd.read_parquet(url)
    assert frame.shape == (expected.num_rows, expected.num_columns)
    assert list(frame.columns) == expected.column_names
    polars_frame = pl.read_parquet(url)
    assert polars_frame.shape == (expected.num_rows, expected.num_columns)
    assert polars_frame.columns == expected.column_names
    assert polars_frame.to_arrow().column("kon").to_pylist() == expected.column("kon").to_pylist()
