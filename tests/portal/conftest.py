"""A small release store built by the real pipeline, an access database, and a live portal.

Once per session, from the suite's generated sources: every dataset published to the open
tier; hemtjanst published twice more in the open tier (rows removed, then republished and
withdrawn) and for two projects (alpha twice, beta once), alpha's first release withdrawn.
Tests that change the store work on copies.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from pipelines.config import Settings

V1, V2, V3 = "2026-01-31", "2026-02-28", "2026-03-31"
KEYS = {"alpha": "alpha-test-key-0123456789abcdef", "beta": "beta-test-key-fedcba9876543210"}
WITHDRAW_REASON = "erasure request (test)"
PUBLIC_BASE_URL = "https://forskningsdata.huddinge.se"
PID = "doi:10.5072"


@dataclass
class World:
    settings: Settings
    store: Path
    published: dict[str, str] = field(default_factory=dict)  # open datasets -> version
    failed: dict[str, str] = field(default_factory=dict)  # dataset -> error line
    versions: tuple[str, str, str] = (V1, V2, V3)
    reason: str = WITHDRAW_REASON
    keys: dict[str, str] = field(default_factory=lambda: dict(KEYS))


def _metadata_wired() -> bool:
    import pipelines.run

    return "write_release_metadata" in inspect.getsource(pipelines.run)


def _release_tier_wired() -> bool:
    import pipelines.run

    return "tier=ctx.tier" in inspect.getsource(pipelines.run.validate_release)


@contextmanager
def project_tier_validation() -> Iterator[None]:
    """Until validate_release passes ``tier=ctx.tier``, validate project releases as such."""
    if _release_tier_wired():
        yield
        return
    import pipelines.run
    import pipelines.validate

    original_stage = pipelines.run.STAGE_FUNCTIONS["validate_release"]
    original_validate = pipelines.validate.validate_table

    def validate_release(ctx):  # type: ignore[no-untyped-def]
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(
                pipelines.validate,
                "validate_table",
                functools.partial(original_validate, tier=ctx.tier),
            )
            return original_stage(ctx)

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(pipelines.run.STAGE_FUNCTIONS, "validate_release", validate_release)
        yield


@contextmanager
def metadata_publishing() -> Iterator[None]:
    """Until pipelines.run passes ``extra_files``, add the metadata writer around its publish."""
    if _metadata_wired():
        yield
        return
    import pipelines.run
    from pipelines.metadata import portal_base_url, previous_snapshot, write_release_metadata
    from pipelines.specs import load_spec

    original = pipelines.run.publish_snapshot

    def publish_with_metadata(**kwargs):  # type: ignore[no-untyped-def]
        store, tier, dataset = kwargs["store"], kwargs["tier"], kwargs["dataset"]

        def extra(folder: Path, version: str) -> list[Path]:
            policy = kwargs["build_manifest"](version, [])["anonymisation"]
            return write_release_metadata(
                folder,
                spec=load_spec(dataset),
                version=version,
                tier=tier,
                data_files=sorted((folder / "data").glob("*.parquet")),
                previous=previous_snapshot(store, tier, dataset, version),
                base_url=portal_base_url(),
                policy=policy,
            )

        kwargs.setdefault("extra_files", extra)
        return original(**kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipelines.run, "publish_snapshot", publish_with_metadata)
        yield


def _drop_tail(csv_path: Path, share: float) -> None:
    """Keep the header and the first (1 - share) of the data lines."""
    lines = csv_path.read_bytes().splitlines(keepends=True)
    keep = 1 + int((len(lines) - 1) * (1 - share))
    csv_path.write_bytes(b"".join(lines[:keep]))


def run_one(
    settings: Settings,
    dataset: str,
    version: str,
    tier: str = "open",
    project: str | None = None,
    run_id: str | None = None,
    stages: tuple[str, ...] | None = None,
):  # type: ignore[no-untyped-def]
    from pipelines.run import STAGES, RunContext, run_dataset
    from pipelines.specs import load_spec

    ctx = RunContext(
        spec=load_spec(dataset),
        settings=settings,
        run_id=run_id or f"{version}-{project or tier}",
        version=version,
        tier=tier,
        project=project,
    )  # type: ignore[arg-type]
    return run_dataset(ctx, stages or STAGES)


@pytest.fixture(scope="session")
def world(generated_sources: Settings, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Sources shared with the whole suite (tests/conftest.py), copied to be changed here."""
    base = tmp_path_factory.mktemp("portal") / "data"
    shutil.copytree(generated_sources.data_dir, base)
    with metadata_publishing(), project_tier_validation(), pytest.MonkeyPatch.context() as mp:
        # published as production would: a public base URL and a DOI prefix (DataCite's test)
        mp.setenv("SAMVERKAN_PUBLIC_BASE_URL", PUBLIC_BASE_URL)
        mp.setenv("SAMVERKAN_PID", PID)
        return _build_world(Settings.from_env(base))


def _build_world(settings: Settings) -> World:
    from pipelines.metadata.versions import withdraw
    from pipelines.specs import dataset_names

    found = World(settings=settings, store=settings.release_dir)
    for name in dataset_names():
        result = run_one(settings, name, V1)
        if result.ok:
            found.published[name] = V1
        else:
            found.failed[name] = result.error or "failed"
    assert "hemtjanst" in found.published, found.failed.get("hemtjanst")
    with pytest.MonkeyPatch.context() as mp:
        for project, key in KEYS.items():
            mp.setenv(f"SAMVERKAN_PSEUDONYM_KEY_{project.upper()}", key)
        for project in KEYS:
            result = run_one(settings, "hemtjanst", V1, "project", project)
            assert result.ok, result.error
        csv = settings.sources_dir / "hemtjanst" / "hemtjanst_export.csv"
        _drop_tail(csv, 0.1)
        for tier, project in (("open", None), ("project", "alpha")):
            result = run_one(settings, "hemtjanst", V2, tier, project)
            assert result.ok, result.error
    # V3: V2's release published again under a new version (the publish stage alone), then
    # withdrawn, as after an erasure request.
    result = run_one(settings, "hemtjanst", V3, run_id=f"{V2}-open", stages=("publish",))
    assert result.ok and result.publish and result.publish["version"] == V3, result.error
    withdraw(found.store, "open", "hemtjanst", V3, WITHDRAW_REASON, by="test")
    withdraw(found.store, "project/alpha", "hemtjanst", V1, WITHDRAW_REASON, by="test")
    return found


@pytest.fixture(scope="session")
def access_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from pipelines.access.db import open_access_db

    path = tmp_path_factory.mktemp("access") / "access.sqlite"
    return open_access_db(f"sqlite:///{path}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    host: str
    port: int
    engine: Engine
    store: Path


@pytest.fixture(scope="session")
def live_portal(world: World, access_engine: Engine) -> Iterator[LiveServer]:
    """The portal served by uvicorn in a thread on 127.0.0.1 and a free port."""
    from pipelines.portal.app import create_app
    from pipelines.portal.ratelimit import FailureLimiter
    from pipelines.portal.server import portal_config

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    limiter = FailureLimiter(limit=100_000)  # the access tests refuse many tokens on purpose
    app = create_app(world.store, access_db=access_engine, base_url=url, limiter=limiter)
    server = uvicorn.Server(
        portal_config(app, "127.0.0.1", port, head_timeout=2, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "portal did not start"
        time.sleep(0.05)
    yield LiveServer(url, "127.0.0.1", port, access_engine, world.store)
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Tokens:
    alpha: str
    alpha_id: str
    expired: str
    revoked: str
    beta: str  # approved project without a grant on hemtjanst
    pending: str  # project not approved


@pytest.fixture(scope="session")
def tokens(access_engine: Engine) -> Tokens:
    """Projects, grants and tokens for every case of the access matrix."""
    from sqlalchemy import update

    from pipelines.access import projects
    from pipelines.access import tokens as tok
    from pipelines.access.db import now
    from pipelines.access.db import tokens as token_table

    projects.create_project(access_engine, "alpha", "Hemtjänst och hälsa")
    projects.grant(access_engine, "alpha", "hemtjanst")
    projects.create_project(access_engine, "beta", "Utan beviljande")
    projects.create_project(access_engine, "delta", "Ej godkänt", approved=False)
    projects.grant(access_engine, "delta", "hemtjanst")
    alpha = tok.issue(access_engine, "alpha", "Ada Forskare", days=30)
    expired = tok.issue(access_engine, "alpha", "Ada Forskare", days=1)
    with access_engine.begin() as conn:
        conn.execute(
            update(token_table)
            .where(token_table.c.id == expired.id)
            .values(expires_at=now() - dt.timedelta(minutes=1))
        )
    revoked = tok.issue(access_engine, "alpha", "Bo Forskare", days=30)
    tok.revoke(access_engine, revoked.id)
    beta = tok.issue(access_engine, "beta", "Cy Forskare", days=30)
    pending = tok.issue(access_engine, "delta", "Di Forskare", days=30)
    return Tokens(alpha.token, alpha.id, expired.token, revoked.token, beta.token, pending.token)
