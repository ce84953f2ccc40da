"""Shared fixtures: isolated data folders, one generated source set and one published store.

Generating and publishing once per session keeps the suite fast; tests that change data
make their own copies under tmp_path.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
TEST_ROWS = 3000
TEST_SEED = 7
KEPT_ENV = ("SAMVERKAN_TEST_POSTGRES_URL", "SAMVERKAN_ADULT_DIR")  # test inputs, not settings

for _name in list(os.environ):
    if _name.startswith("SAMVERKAN_") and _name not in KEPT_ENV:
        os.environ.pop(_name)


def make_settings(base: Path) -> Settings:
    return Settings.from_env(base)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def generated_sources(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Synthetic source systems generated once for the whole session (read-only for tests)."""
    from pipelines.synth.generate import generate_all

    settings = make_settings(tmp_path_factory.mktemp("generated") / "data")
    generate_all(settings, seed=TEST_SEED, rows=TEST_ROWS)
    return settings


@pytest.fixture
def sources(generated_sources: Settings, tmp_path: Path) -> Settings:
    """A private copy of the generated sources, free to break."""
    settings = make_settings(tmp_path / "data")
    shutil.copytree(generated_sources.sources_dir, settings.sources_dir)
    shutil.copytree(generated_sources.raw_dir, settings.raw_dir)
    return settings


@pytest.fixture(scope="session")
def published(generated_sources: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Every dataset run once through the whole pipeline (open tier)."""
    from pipelines.run import RunContext, run_dataset
    from pipelines.specs import load_all_specs

    base = tmp_path_factory.mktemp("published") / "data"
    shutil.copytree(generated_sources.data_dir, base)
    settings = make_settings(base)
    for spec in load_all_specs():
        ctx = RunContext(spec=spec, settings=settings, run_id="session", version="2026-01-31")
        result = run_dataset(ctx)
        assert result.ok, result.error
    return settings


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL server for tests (``.ci/run`` sets it); skip with a reason without it."""
    url = os.environ.get("SAMVERKAN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("SAMVERKAN_TEST_POSTGRES_URL is not set (no PostgreSQL for this test run)")
    return url


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
