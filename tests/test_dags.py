"""The Airflow DAGs: they import cleanly and lightly, and every one runs green in dag.test()."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("airflow", reason="apache-airflow is not installed")

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
HEAVY = ("pyarrow", "pandas", "great_expectations", "duckdb", "numpy", "pipelines.run")

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private Airflow home on SQLite, migrated once for this module."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = os.environ | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return home


def _airflow_env(home: Path, data_dir: Path | None = None) -> dict[str, str]:
    env = os.environ | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "PYTHONPATH": str(REPO),
    }
    if data_dir:
        env["SAMVERKAN_DATA_DIR"] = str(data_dir)
    return env


def test_dag_file_imports_nothing_heavy() -> None:
    probe = (
        "import sys, runpy, json, time\n"
        "import airflow.sdk\n"
        "before = set(sys.modules)\n"
        "t = time.perf_counter()\n"
        f"runpy.run_path({str(DAGS / 'samverkan_datasets.py')!r})\n"
        "print(json.dumps({'new': sorted(set(sys.modules) - before),"
        " 'seconds': time.perf_counter() - t}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PYTHONPATH": str(REPO)},
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in result["new"] if m.split(".")[0] in HEAVY or m in HEAVY]
    assert heavy == [], f"DAG file imports heavy modules at parse time: {heavy}"
    print(f"DAG file parse (after airflow.sdk): {result['seconds'] * 1000:.0f} ms")


DAGBAG_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
print(json.dumps({{
    "errors": {{k: v.splitlines()[-1] for k, v in bag.import_errors.items()}},
    "dags": {{d: {{"tasks": [t.task_id for t in dag.topological_sort()],
                  "outlets": [str(o.uri) for t in dag.tasks for o in t.outlets],
                  "retries": dag.default_args.get("retries")}}
             for d, dag in bag.dags.items()}},
}}))
"""


def test_dagbag_has_one_dag_per_spec_and_no_import_errors(airflow_home: Path) -> None:
    from pipelines.specs import dataset_names

    out = subprocess.run(
        [sys.executable, "-c", DAGBAG_PROBE.format(dags=str(DAGS))],
        capture_output=True,
        text=True,
        env=_airflow_env(airflow_home),
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    bag = json.loads(out.stdout.strip().splitlines()[-1])
    assert bag["errors"] == {}
    assert set(bag["dags"]) == {f"samverkan_{n}" for n in dataset_names()}
    for dag_id, dag in bag["dags"].items():
        assert dag["tasks"] == [
            "extract",
            "validate_raw",
            "anonymise",
            "validate_release",
            "pii_gate",
            "privacy_gate",
            "publish",
            "projects_with_grant",
            "project_release",
        ], dag_id
        dataset = dag_id.removeprefix("samverkan_")
        assert dag["outlets"] == [f"samverkan://releases/open/{dataset}"]
    assert bag["dags"]["samverkan_ekonomiskt_bistand"]["retries"] == 3


DAG_TEST_PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
states = {{}}
for dag_id in sorted(bag.dags):
    run = bag.get_dag(dag_id).test()
    states[dag_id] = str(run.state)
print(json.dumps(states))
"""


@pytest.mark.slow
def test_every_dag_runs_green_with_dag_test(airflow_home: Path, sources, tmp_path) -> None:
    from pipelines.access import projects
    from pipelines.access.db import default_url, open_access_db
    from pipelines.publish.store import list_snapshots
    from pipelines.publish.verify import verify_store

    # One approved project with a grant on kolada: its DAG also builds a project release.
    engine = open_access_db(default_url(sources))
    projects.create_project(engine, "alpha", "Nyckeltal")
    projects.grant(engine, "alpha", "kolada")
    engine.dispose()
    out = subprocess.run(
        [sys.executable, "-c", DAG_TEST_PROBE.format(dags=str(DAGS))],
        capture_output=True,
        text=True,
        env=_airflow_env(airflow_home, sources.data_dir),
        timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    states = json.loads(out.stdout.strip().splitlines()[-1])
    failures = [
        line
        for line in out.stdout.splitlines() + out.stderr.splitlines()
        if "FAILED" in line or "error" in line.lower()
    ]
    assert states and set(states.values()) == {"success"}, (states, failures[-15:])
    snapshots = list_snapshots(sources.release_dir)
    assert {s.dataset for s in snapshots} == {d.removeprefix("samverkan_") for d in states}
    assert verify_store(sources.release_dir).ok
    project = [s for s in snapshots if s.tier.startswith("project")]
    assert [(s.tier, s.dataset) for s in project] == [("project/alpha", "kolada")]


FAILING_RUN_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder={dags!r}).get_dag("samverkan_kolada")
assert dag.default_args["retries"] >= 1
run = dag.test()
print(json.dumps({{
    "state": str(run.state),
    "tasks": {{ti.task_id: [str(ti.state), ti.try_number] for ti in run.get_task_instances()}},
}}))
"""


@pytest.mark.slow
def test_a_failure_no_retry_can_fix_ends_the_task_in_one_try(
    airflow_home: Path, sources, tmp_path
) -> None:
    """A corrupt saved Kolada page fails extract once, though the DAG allows retries."""
    page = sorted((sources.sources_dir / "kolada").glob("page-*.json"))[0]
    page.write_text("{ not json", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", FAILING_RUN_PROBE.format(dags=str(DAGS))],
        capture_output=True,
        text=True,
        env=_airflow_env(airflow_home, sources.data_dir),
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["state"] == "failed"
    assert result["tasks"]["extract"] == ["failed", 1]
    assert "page is not valid JSON" in out.stdout + out.stderr
    assert "FileNotFoundError" not in out.stdout + out.stderr
