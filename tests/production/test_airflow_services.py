"""The real Airflow services on PostgreSQL run every dataset's DAG, driven by the REST API.

No ``dag.test()`` here: ``airflow api-server``, ``scheduler`` and ``dag-processor`` run as
processes on free loopback ports with a fresh metadata database on the test PostgreSQL
server, the LocalExecutor and the SimpleAuthManager (a user with a password; its JWT from
``/auth/token``). Each DAG is unpaused and triggered through ``/api/v2`` with a logical
date; a backfill of two past intervals publishes one snapshot per interval, and
reprocessing one of them publishes nothing new. The source database is reached through
the Airflow connection ``samverkan_source_db`` (the ``SAMVERKAN_SOURCE_DB_URL`` given to
the services points nowhere). Every process is ended at the end, none left over.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("airflow", reason="apache-airflow is not installed")

from pipelines.config import Settings
from pipelines.publish.store import list_snapshots
from pipelines.publish.verify import verify_store

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

REPO = Path(__file__).resolve().parents[2]
AIRFLOW = [sys.executable, "-m", "airflow"]
LOGICAL = "2026-01-31"
BACKFILL = ("2023-01-01", "2024-06-30")  # @yearly: intervals 2023-01-01 and 2024-01-01
TOTAL_SECONDS = 600
USER, PASSWORD = "admin", secrets.token_urlsafe(12)
AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def metadata_db() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server, dropped afterwards."""
    url = os.environ.get("SAMVERKAN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("SAMVERKAN_TEST_POSTGRES_URL is not set (no PostgreSQL for the metadata DB)")
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(url)
    admin = server.set(drivername="postgresql", database="postgres")
    name = f"samverkan_airflow_test_{uuid.uuid4().hex[:8]}"
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Stack:
    """The Airflow processes this test started, and how to talk to the API server."""

    def __init__(self, home: Path, env: dict[str, str], port: int) -> None:
        self.home, self.env, self.port = home, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.token = ""

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [*AIRFLOW, *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.home,
        )

    def stop(self) -> list[int]:
        """End every process (and their children); returns the pids still alive after."""
        import psutil

        family: list[psutil.Process] = []
        for proc in self.procs.values():
            try:
                parent = psutil.Process(proc.pid)
                family += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        _, alive = psutil.wait_procs(family, timeout=30)
        for leftover in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                leftover.kill()
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        _, alive = psutil.wait_procs(family, timeout=10)
        return [p.pid for p in alive]

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")

    def api(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.request(method, "/api/v2" + path, body)
        assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def logs(self) -> str:
        """The services' log tails and the failed tasks' logs, for a failing assertion."""
        parts = []
        for name in self.procs:
            text = (self.home / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name}.log\n" + "\n".join(text.splitlines()[-25:]))
        for path in sorted((self.home / "logs").rglob("*.log"))[-10:]:
            text = path.read_text(errors="replace")
            if "error" in text.lower():
                parts.append(f"--- {path.relative_to(self.home)}\n{text[-3000:]}")
        return "\n".join(parts)


def _wait(what: str, check, deadline: float, stack: Stack, every: float = 3.0):  # type: ignore[no-untyped-def]
    while True:
        result = check()
        if result:
            return result
        for name, proc in stack.procs.items():
            assert proc.poll() is None, f"{name} exited while waiting for {what}\n{stack.logs()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{stack.logs()}"
        time.sleep(every)


def _fail_on_task_failure(stack: Stack, dag_id: str, run_id: str) -> None:
    tasks = stack.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    for ti in tasks["task_instances"]:
        if ti["state"] in ("failed", "up_for_retry", "upstream_failed"):
            pytest.fail(
                f"{dag_id} {run_id}: task {ti['task_id']} {ti['state']}: "
                f"{_task_error(stack, dag_id, run_id, ti['task_id'])}"
            )


def _task_error(stack: Stack, dag_id: str, run_id: str, task_id: str) -> str:
    """The exception line the task logged (a SamverkanError's: no values)."""
    folder = stack.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    for path in sorted(folder.glob("attempt=*.log"), reverse=True):
        for line in path.read_text(errors="replace").splitlines():
            if '"error_detail"' in line:
                detail = json.loads(line).get("error_detail") or [{}]
                return f"{detail[0].get('exc_type')}: {detail[0].get('exc_value')}"
    return "(no error in the task log)"


def _environment(home: Path, db_url: str, data: Settings, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SAMVERKAN_"))}
    source = {
        "conn_type": "sqlite",
        "host": str((data.sources_dir / "verksamhet.sqlite").resolve()),
    }
    return env | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": db_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        # no runs of the DAGs' own schedules: only the ones this test creates (API, backfill)
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "PYTHONPATH": str(REPO),
        "SAMVERKAN_DATA_DIR": str(data.data_dir.resolve()),
        # the library would read this; the task takes the Airflow connection instead
        "SAMVERKAN_SOURCE_DB_URL": "sqlite:////nonexistent/no-such-source.sqlite",
        "AIRFLOW_CONN_SAMVERKAN_SOURCE_DB": json.dumps(source),
        "AIRFLOW_VAR_SAMVERKAN_PSEUDONYM_KEY": secrets.token_urlsafe(24),
    }


def test_real_airflow_services_run_every_dag_and_a_backfill(
    metadata_db: str, tmp_path: Path
) -> None:
    from pipelines.specs import dataset_names
    from pipelines.synth.generate import generate_all

    data = Settings.from_env(tmp_path / "data")
    generate_all(data, seed=11, rows=3000)  # as tests/conftest.py: k holds
    home = tmp_path / "airflow-home"
    home.mkdir()
    (home / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    port = _free_port()
    env = _environment(home, metadata_db, data, port)
    started = time.monotonic()
    subprocess.run(
        [*AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    stack = Stack(home, env, port)
    try:
        stack.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port))
        stack.start("scheduler", "scheduler")
        stack.start("dag-processor", "dag-processor")
        deadline = time.monotonic() + TOTAL_SECONDS

        def token() -> str | None:
            try:
                status, answer = stack.request(
                    "POST", "/auth/token", {"username": USER, "password": PASSWORD}
                )
            except OSError:
                return None
            return answer["access_token"] if status == 201 else None

        stack.token = _wait("the API server's token", token, deadline, stack)
        dag_ids = sorted(f"samverkan_{n}" for n in dataset_names())

        def parsed() -> bool:
            listed = stack.api("GET", "/dags?dag_id_pattern=samverkan_&limit=100")
            return {d["dag_id"] for d in listed["dags"]} >= set(dag_ids)

        _wait("the DAGs to be parsed", parsed, deadline, stack)
        run_id = f"api__{LOGICAL}"
        for dag_id in dag_ids:
            stack.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})
            stack.api(
                "POST",
                f"/dags/{dag_id}/dagRuns",
                {"logical_date": f"{LOGICAL}T00:00:00Z", "dag_run_id": run_id},
            )
        backfill = stack.api(
            "POST",
            "/backfills",
            {
                "dag_id": "samverkan_kolada",
                "from_date": f"{BACKFILL[0]}T00:00:00Z",
                "to_date": f"{BACKFILL[1]}T00:00:00Z",
                "max_active_runs": 1,
            },
        )

        def states() -> dict[str, str] | None:
            found = {d: stack.api("GET", f"/dags/{d}/dagRuns/{run_id}")["state"] for d in dag_ids}
            for dag_id, state in found.items():
                if state != "success":  # the data is fixed: any retry is a real failure
                    _fail_on_task_failure(stack, dag_id, run_id)
            return found if set(found.values()) == {"success"} else None

        _wait("every DAG run to succeed", states, deadline, stack)

        def backfill_done(backfill_id: int):  # type: ignore[no-untyped-def]
            return lambda: stack.api("GET", f"/backfills/{backfill_id}")["completed_at"]

        _wait("the backfill", backfill_done(backfill["id"]), deadline, stack)
        store = data.release_dir
        kolada = {s.version: s.manifest() for s in list_snapshots(store, "kolada")}
        assert {"2023-01-01", "2024-01-01", LOGICAL} <= set(kolada), sorted(kolada)

        again = stack.api(
            "POST",
            "/backfills",
            {
                "dag_id": "samverkan_kolada",
                "from_date": f"{BACKFILL[0]}T00:00:00Z",
                "to_date": f"{BACKFILL[0]}T00:00:00Z",
                "max_active_runs": 1,
                "reprocess_behavior": "completed",
            },
        )
        _wait("the reprocessing backfill", backfill_done(again["id"]), deadline, stack)
        published = stack.api(
            "GET",
            "/dags/samverkan_kolada/dagRuns/backfill__2023-01-01T00:00:00+00:00"
            "/taskInstances/publish/xcomEntries/return_value",
        )["value"]
        took = time.monotonic() - started
    finally:
        leftovers = stack.stop()
    assert leftovers == [], f"processes left running: {leftovers}"

    assert published["version"] == "2023-01-01" and published["created"] is False
    after = {s.version: s.manifest() for s in list_snapshots(store, "kolada")}
    assert after == kolada  # reprocessing an interval changed and added nothing
    snapshots = list_snapshots(store)
    for name in dataset_names():
        assert any(s.dataset == name and s.version == LOGICAL for s in snapshots), name
    report = verify_store(store)
    assert report.ok, report.problems
    print(f"real Airflow services: {len(snapshots)} snapshots verified in {took:.0f}s")
