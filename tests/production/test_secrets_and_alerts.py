"""Secrets from Airflow variables and connections, failure alerts, retries and versions.

``airflow_settings`` is fed fake variable and connection look-ups here (the real Airflow
path runs in test_airflow_services.py); alerts go to a webhook served on loopback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.config import Settings
from pipelines.errors import ExtractError
from pipelines.notify import failure_summary, on_task_failure, safe_reason
from pipelines.orchestration import airflow_settings, sqlalchemy_url, version_for

REPO = Path(__file__).resolve().parents[2]
KEY_1 = "first-secret-key-for-project-x"
KEY_2 = "rotated-secret-key-for-project-x"


def _conn(**fields):  # type: ignore[no-untyped-def]
    base = {
        "conn_type": None,
        "host": None,
        "login": None,
        "password": None,
        "schema": None,
        "port": None,
        "extra_dejson": {},
    }
    return SimpleNamespace(**(base | fields))


def _context(settings: Settings, project: str | None = "proj-x"):  # type: ignore[no-untyped-def]
    from pipelines.run import RunContext
    from pipelines.specs import load_spec

    return RunContext(
        spec=load_spec("hemtjanst"),
        settings=settings,
        run_id="r",
        version="v",
        tier="project",
        project=project,
    )


def test_keys_and_credentials_come_from_airflow_and_never_show(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    variables = {"samverkan_pseudonym_key_proj_x": KEY_1}
    connections = {
        "samverkan_source_db": _conn(
            conn_type="postgres",
            host="source-db",
            login="reader",
            password="s3cret-pw",
            schema="verksamhet",
            port=5432,
        ),
        "samverkan_object_store": _conn(
            conn_type="aws",
            login="AKIA",
            password="minio-secret",
            extra_dejson={"endpoint_url": "http://minio:9000"},
        ),
    }
    base = Settings.from_env(tmp_path / "data")
    settings = airflow_settings(base, "proj-x", variable=variables.get, connection=connections.get)
    assert settings.source_db_url == (
        "postgresql+psycopg://reader:s3cret-pw@source-db:5432/verksamhet"
    )
    assert settings.storage_options["secret"] == "minio-secret"
    key = _context(settings).pseudonym_key
    assert key.secret == KEY_1.encode() and key.key_id.startswith("pbkdf2:")
    for text in (repr(settings), repr(key), caplog.text):
        assert KEY_1 not in text and "s3cret-pw" not in text and "minio-secret" not in text

    variables["samverkan_pseudonym_key_proj_x"] = KEY_2  # rotation: a new key, a new id
    rotated = _context(
        airflow_settings(base, "proj-x", variable=variables.get, connection=connections.get)
    ).pseudonym_key
    assert rotated.key_id != key.key_id

    variables["samverkan_pseudonym_key_id_proj_x"] = "proj-x-2026"
    named = _context(
        airflow_settings(base, "proj-x", variable=variables.get, connection=connections.get)
    ).pseudonym_key
    assert named.key_id == "proj-x-2026"


def test_without_airflow_the_library_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.orchestration import in_airflow_task

    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY_PROJ_X", KEY_1)
    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY_ID_PROJ_X", "env-id")
    assert not in_airflow_task()
    key = _context(Settings.from_env(tmp_path / "data")).pseudonym_key
    assert key.secret == KEY_1.encode() and key.key_id == "env-id"
    # nothing in Airflow: the environment stays in force
    unchanged = airflow_settings(
        Settings.from_env(tmp_path / "data"),
        "proj-x",
        variable=lambda _: None,
        connection=lambda _: None,
    )
    assert _context(unchanged).pseudonym_key.key_id == "env-id"


def test_sqlite_and_explicit_connections() -> None:
    assert sqlalchemy_url(_conn(conn_type="sqlite", host="/srv/v.sqlite")) == (
        "sqlite:////srv/v.sqlite"
    )
    explicit = _conn(conn_type="generic", extra_dejson={"sqlalchemy_url": "mssql+pyodbc://x"})
    assert sqlalchemy_url(explicit) == "mssql+pyodbc://x"


def test_failure_summary_names_where_never_what() -> None:
    error = ExtractError(
        "value is not a number",
        dataset="hemtjanst",
        file="hemtjanst_export.csv",
        row=17,
        column="Beviljade timmar",
    )
    line = failure_summary(dataset="hemtjanst", task="extract", run_id="manual__1", exc=error)
    assert line == (
        "samverkan: dataset hemtjanst, task extract, run manual__1 failed: "
        "dataset hemtjanst, file hemtjanst_export.csv, row 17, column Beviljade "
        "timmar: value is not a number"
    )
    leaky = KeyError("19850101-1234")  # a library's message may hold a value: not sent
    assert "1985" not in safe_reason(leaky) and "KeyError" in safe_reason(leaky)
    assert safe_reason(ValueError("a\nb")) == "internal error (ValueError); details in the task log"
    assert "\n" not in failure_summary(dataset="d", task="t", run_id="r", exc="one\ntwo")


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_failure_callback_posts_one_line_to_the_webhook(
    webhook: tuple[str, list[dict]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = webhook
    monkeypatch.setenv("SAMVERKAN_ALERT_WEBHOOK", url)
    context = {
        "ti": SimpleNamespace(dag_id="samverkan_bygglov", task_id="extract"),
        "run_id": "scheduled__2026-01-31T00:00:00+00:00",
        "exception": ExtractError(
            "source file is empty", dataset="bygglov", file="bygglov_arenden.csv"
        ),
    }
    on_task_failure(context)
    assert len(received) == 1
    alert = received[0]
    assert alert["dataset"] == "bygglov" and alert["task"] == "extract"
    assert alert["text"] == (
        "samverkan: dataset bygglov, task extract, run scheduled__2026-01-31T00:00:00+00:00 "
        "failed: dataset bygglov, file bygglov_arenden.csv: source file is empty"
    )


def test_an_unreachable_webhook_does_not_fail_the_callback(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SAMVERKAN_ALERT_WEBHOOK", "http://127.0.0.1:9/nothing-listens")
    on_task_failure({"ti": SimpleNamespace(dag_id="samverkan_x", task_id="t"), "run_id": "r"})


def test_backfill_versions_come_from_the_logical_date() -> None:
    intervals = [dt.datetime(2025, m, 1, tzinfo=dt.UTC) for m in (1, 2, 3)]
    later = dt.datetime(2026, 11, 27, 8, tzinfo=dt.UTC)
    assert [version_for(d, later) for d in intervals] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert version_for(None, later) == "2026-11-27"  # a manual run without logical date


DAG_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
out = {{}}
for dag_id, dag in bag.dags.items():
    out[dag_id] = {{t.task_id: {{
        "backoff": float(t.retry_exponential_backoff or 0),
        "max_delay": t.max_retry_delay.total_seconds() if t.max_retry_delay else None,
        "retries": t.retries,
        "callback": [getattr(c, "__name__", str(c)) for c in (t.on_failure_callback or [])]
            if isinstance(t.on_failure_callback, list) else
            [getattr(t.on_failure_callback, "__name__", str(t.on_failure_callback))],
    }} for t in dag.tasks}}
print(json.dumps({{"errors": list(bag.import_errors), "dags": out}}))
"""


@pytest.mark.airflow
def test_dags_retry_extraction_with_back_off_and_alert_on_failure(tmp_path: Path) -> None:
    pytest.importorskip("airflow", reason="apache-airflow is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")} | {
        "AIRFLOW_HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    out = subprocess.run(
        [sys.executable, "-c", DAG_PROBE.format(dags=str(REPO / "dags"))],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["errors"] == [] and found["dags"]
    for dag_id, tasks in found["dags"].items():
        assert tasks["extract"]["backoff"] >= 2.0, dag_id
        assert tasks["extract"]["max_delay"] == 3600.0, dag_id
        assert tasks["validate_raw"]["backoff"] == 0.0, dag_id
        for task in tasks.values():
            assert task["callback"] == ["on_task_failure"], (dag_id, task)
