"""Drill: kill -9 of the publish step at 20 seeded random points.

The earlier stages of one small run (bygglov, 3000 rows) are prepared once. A dry run of
``pipelines.run.publish`` in a forked child counts the publish step's own operations: calls
into ``pipelines.publish``/``pipelines.storage``/``shutil`` and the ``os`` calls that touch
the store (open, write, fsync, mkdir, rename, replace, unlink, rmdir). Then, 20 times, a
forked child publishes and sends itself SIGKILL at one of those operations, chosen by a
seeded random draw. After every kill: no partial snapshot is visible (``list_snapshots``
and ``verify_store``), and either nothing new or the complete snapshot is there (then the
next run changes nothing but ``LATEST``). A rerun then publishes, and no staging folder of
the dataset is left behind.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.config import Settings
from pipelines.publish.store import LATEST, STAGING, list_snapshots, read_latest
from pipelines.publish.verify import verify_store
from pipelines.run import STAGE_FUNCTIONS, STAGES, RunContext, publish
from pipelines.specs import load_spec

pytestmark = pytest.mark.slow

DATASET = "bygglov"
VERSION = "2026-03-31"
OLDER = "2026-01-31"
KILLS = 20
SEED = 20261127
_OS_CALLS = {
    os.open,
    os.write,
    os.fsync,
    os.mkdir,
    os.rename,
    os.replace,
    os.unlink,
    os.rmdir,
    os.makedirs,
    os.close,
}
_WATCHED = ("pipelines.publish", "pipelines.storage", "shutil")


def _publish_until(ctx: RunContext, kill_at: int, count_file: str) -> None:
    """Child: publish, and SIGKILL this process at operation ``kill_at`` (0: never)."""
    events = 0

    def hit() -> None:
        nonlocal events
        events += 1
        if events == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            if frame.f_globals.get("__name__", "").startswith(_WATCHED):
                hit()
        elif event == "c_call" and arg in _OS_CALLS:
            hit()

    sys.setprofile(profiler)
    try:
        publish(ctx)
    finally:
        sys.setprofile(None)
    Path(count_file).write_text(str(events))
    os._exit(0)


def _fork_publish(ctx: RunContext, kill_at: int, count_file: Path) -> int:
    proc = multiprocessing.get_context("fork").Process(
        target=_publish_until, args=(ctx, kill_at, str(count_file))
    )
    proc.start()
    proc.join(timeout=120)
    if proc.is_alive():
        proc.kill()
        proc.join()
        pytest.fail("a publish child hung")
    assert proc.exitcode is not None
    return proc.exitcode


def _visible(settings: Settings) -> dict[str, str]:
    return {
        s.version: (s.path / "manifest.json").read_text()
        for s in list_snapshots(settings.release_dir, DATASET)
    }


def _staging_of_dataset(settings: Settings) -> list[Path]:
    staging = settings.release_dir / STAGING
    return sorted(staging.glob(f"*__{DATASET}__*")) if staging.exists() else []


@pytest.fixture(scope="module")
def prepared(generated_sources: Settings, tmp_path_factory: pytest.TempPathFactory) -> RunContext:
    """A run of bygglov with every stage before publish done, and one older snapshot."""
    import pipelines.pii.scan  # noqa: F401 - imported before forking, not in the children

    base = tmp_path_factory.mktemp("publish-kill") / "data"
    shutil.copytree(generated_sources.data_dir, base)
    settings = Settings.from_env(base)
    spec = load_spec(DATASET)
    older = RunContext(spec=spec, settings=settings, run_id="older", version=OLDER)
    for stage in STAGES:
        STAGE_FUNCTIONS[stage](older)
    # The run under test: same data would be "unchanged", so make the data differ by
    # publishing a release candidate with one row fewer.
    ctx = RunContext(spec=spec, settings=settings, run_id="drill", version=VERSION)
    for stage in STAGES[:-1]:
        STAGE_FUNCTIONS[stage](ctx)
    import pyarrow.parquet as pq

    table = pq.read_table(ctx.candidate_path)
    pq.write_table(table.slice(1), ctx.candidate_path, compression="zstd")
    return ctx


def test_kill_minus_9_during_publish_at_20_random_points(
    prepared: RunContext, tmp_path: Path
) -> None:
    ctx = prepared
    settings = ctx.settings
    before = _visible(settings)
    latest_before = read_latest(settings.release_dir, "open", DATASET)
    assert list(before) == [OLDER]

    count_file = tmp_path / "count"
    assert _fork_publish(ctx, 0, count_file) == 0  # dry run: count the operations
    operations = int(count_file.read_text())
    assert operations > 20, operations
    published = _visible(settings)
    assert set(published) == {*before, VERSION}
    reference_manifest = published[VERSION]

    def reset() -> None:
        """Back to the state before the publish (a test-only undo of a whole snapshot)."""
        shutil.rmtree(settings.release_dir / "open" / DATASET / VERSION, ignore_errors=True)
        (settings.release_dir / "open" / DATASET / LATEST).write_text(f"{latest_before}\n")

    reset()
    rng = random.Random(SEED)
    points = sorted(rng.sample(range(1, operations + 1), KILLS))
    outcomes: dict[str, int] = {"nothing visible": 0, "complete snapshot visible": 0}
    for point in points:
        code = _fork_publish(ctx, point, count_file)
        assert code == -signal.SIGKILL, f"kill point {point} of {operations} was not reached"
        visible = _visible(settings)
        report = verify_store(settings.release_dir)
        assert report.ok, (point, report)
        assert set(visible) - set(before) <= {VERSION}, (point, visible.keys())
        for version, manifest in before.items():
            assert visible[version] == manifest  # older snapshots untouched
        if VERSION in visible:
            assert _strip_times(visible[VERSION]) == _strip_times(reference_manifest)
            outcomes["complete snapshot visible"] += 1
            # The next run recognises the identical data, changes nothing but LATEST.
            assert publish(ctx)["created"] is False
            assert _visible(settings) == visible
            assert read_latest(settings.release_dir, "open", DATASET) == VERSION
            reset()
        else:
            outcomes["nothing visible"] += 1
            assert read_latest(settings.release_dir, "open", DATASET) == latest_before

    # The next run publishes, and cleans up every staging folder the kills left.
    result = publish(ctx)
    assert result["version"] == VERSION and result["created"] is True
    assert set(_visible(settings)) == {*before, VERSION}
    assert read_latest(settings.release_dir, "open", DATASET) == VERSION
    assert verify_store(settings.release_dir).ok
    assert _staging_of_dataset(settings) == []
    print(f"{KILLS} kills at operations {points} of {operations}: {outcomes}")


def _strip_times(manifest: str) -> dict[str, Any]:
    """What must be equal between two publishes of the same data: rows and data files."""
    import json

    data = json.loads(manifest)
    files = [f for f in data["files"] if f["path"].startswith("data/")]
    return {"rows": data["rows"], "version": data.get("version"), "data": files}


def test_latest_is_repaired_after_a_kill_between_rename_and_latest(prepared: RunContext) -> None:
    """The one kill point that leaves a complete snapshot but a stale ``LATEST``."""
    ctx = prepared
    settings = ctx.settings
    shutil.rmtree(settings.release_dir / "open" / DATASET / VERSION, ignore_errors=True)
    (settings.release_dir / "open" / DATASET / LATEST).write_text(f"{OLDER}\n")

    def killed_at_latest() -> None:  # runs in the forked child only
        import pipelines.publish.snapshot as snapshot

        real = snapshot.write_text_atomic

        def write(path: Any, text: str) -> None:
            if path.name == LATEST:
                os.kill(os.getpid(), signal.SIGKILL)
            real(path, text)

        snapshot.write_text_atomic = write
        publish(ctx)
        os._exit(0)

    proc = multiprocessing.get_context("fork").Process(target=killed_at_latest)
    proc.start()
    proc.join(timeout=120)
    assert proc.exitcode == -signal.SIGKILL
    assert VERSION in _visible(settings)  # renamed into place, complete
    assert read_latest(settings.release_dir, "open", DATASET) == OLDER
    assert verify_store(settings.release_dir).ok
    publish(ctx)  # the next run
    assert read_latest(settings.release_dir, "open", DATASET) == VERSION
