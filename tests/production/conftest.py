"""Fixtures for the production-shaped tests: an S3 API on loopback (moto's server mode)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "samverkan-test",
    "AWS_SECRET_ACCESS_KEY": "samverkan-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3:
    endpoint: str
    env: dict[str, str]  # what a process needs to reach it

    def new_bucket(self) -> str:
        import fsspec

        name = f"samverkan-{uuid.uuid4().hex[:10]}"
        fs = fsspec.filesystem("s3", endpoint_url=self.endpoint, use_listings_cache=False)
        fs.mkdir(name)
        return name

    def fs(self):  # type: ignore[no-untyped-def]
        import fsspec

        return fsspec.filesystem("s3", endpoint_url=self.endpoint, use_listings_cache=False)


@pytest.fixture(scope="session")
def s3() -> Iterator[S3]:
    """moto's S3 served on 127.0.0.1 (a free port), with fake credentials in os.environ."""
    server_mod = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    pytest.importorskip("s3fs", reason="s3fs is not installed")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in FAKE_AWS}
    os.environ.update(FAKE_AWS)
    try:
        yield S3(endpoint, FAKE_AWS | {"SAMVERKAN_S3_ENDPOINT_URL": endpoint})
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
