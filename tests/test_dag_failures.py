"""DAG tasks retry only what can succeed later; one bad spec fails only its own dataset."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.errors import SpecError, TransientError, ValidationFailed
from pipelines.orchestration import dag_configs, run_stage
from pipelines.specs import SPEC_DIR, load_spec_file

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    for path in SPEC_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def _break_a_column(spec_dir: Path) -> Path:
    """hemtjanst's spec with its fourth column given a type that does not exist."""
    import yaml

    path = spec_dir / "hemtjanst.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["columns"][3]["type"] = "number"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_spec_errors_name_the_column_not_its_index(spec_dir: Path) -> None:
    path = _break_a_column(spec_dir)
    import yaml

    name = yaml.safe_load(path.read_text(encoding="utf-8"))["columns"][3]["name"]
    with pytest.raises(SpecError) as caught:
        load_spec_file(path)
    assert f"columns[{name}].type" in str(caught.value)
    assert "columns.3" not in str(caught.value)


def test_retry_settings_are_read_once_through_the_model(spec_dir: Path) -> None:
    path = spec_dir / "bygglov.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nschedule:" in text
    path.write_text(
        text.replace(
            "\nschedule:\n",
            "\nschedule:\n  retry_exponential_backoff: 3\n  max_retry_delay_minutes: 7\n",
        ),
        encoding="utf-8",
    )
    spec = load_spec_file(path)  # the tasks' load_spec accepts what the DAG was built from
    assert spec.schedule.retry_exponential_backoff == 3
    [config] = [c for c in dag_configs(spec_dir) if c.dataset == "bygglov"]
    assert config.backoff == 3 and config.max_retry_delay.total_seconds() == 7 * 60


def test_a_bad_spec_gives_only_its_own_failing_config(spec_dir: Path) -> None:
    _break_a_column(spec_dir)
    configs = {c.dataset: c for c in dag_configs(spec_dir)}
    assert set(configs) == {p.stem for p in SPEC_DIR.glob("*.yaml")}
    assert configs["hemtjanst"].error and configs["hemtjanst"].cron is None
    assert all(c.error is None for name, c in configs.items() if name != "hemtjanst")


def _failing_stage(monkeypatch, exc: Exception) -> None:
    import pipelines.orchestration as orch
    import pipelines.run

    def stage(ctx):  # type: ignore[no-untyped-def]
        raise exc

    monkeypatch.setitem(pipelines.run.STAGE_FUNCTIONS, "validate_raw", stage)

    class _NoMirror:
        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc_info: object) -> None:
            return None

    monkeypatch.setattr(orch, "raw_zone_mirror", lambda ctx: _NoMirror())


def test_a_failure_no_retry_can_fix_fails_the_task_at_once(monkeypatch, settings) -> None:
    pytest.importorskip("airflow")
    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(settings.data_dir))
    error = ValidationFailed("raw suite failed: 2 expectations", dataset="hemtjanst")
    _failing_stage(monkeypatch, error)
    with pytest.raises(AirflowFailException) as caught:
        run_stage("hemtjanst", "validate_raw", run_id="r", version="v", secrets_from_airflow=False)
    assert str(caught.value) == error.one_line()


def test_a_transient_failure_is_left_to_airflow_to_retry(monkeypatch, settings) -> None:
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(settings.data_dir))
    error = TransientError("source database did not answer", dataset="hemtjanst")
    _failing_stage(monkeypatch, error)
    with pytest.raises(TransientError):
        run_stage("hemtjanst", "validate_raw", run_id="r", version="v", secrets_from_airflow=False)


def test_an_unknown_dataset_fails_at_once_with_the_spec_error() -> None:
    pytest.importorskip("airflow")
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException, match="no spec for dataset nosuch"):
        run_stage("nosuch", "extract", run_id="r", version="v", secrets_from_airflow=False)


DAGBAG_PROBE = """
import functools, json, pathlib
import pipelines.orchestration as orch
orch.dag_configs = functools.partial(orch.dag_configs, pathlib.Path({spec_dir!r}))
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
print(json.dumps({{
    "errors": bag.import_errors,
    "dags": {{d: {{"tasks": [t.task_id for t in dag.tasks], "description": dag.description,
                  }} for d, dag in bag.dags.items()}},
}}))
"""


@pytest.mark.airflow
def test_a_bad_spec_is_one_failing_dag_and_the_others_parse(spec_dir: Path, tmp_path) -> None:
    pytest.importorskip("airflow")
    _break_a_column(spec_dir)
    import os

    env = os.environ | {
        "PYTHONPATH": str(REPO),
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    probe = DAGBAG_PROBE.format(spec_dir=str(spec_dir), dags=str(REPO / "dags"))
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    bag = json.loads(out.stdout.strip().splitlines()[-1])
    assert bag["errors"] == {}
    assert len(bag["dags"]) == len(list(SPEC_DIR.glob("*.yaml")))
    broken = bag["dags"]["samverkan_hemtjanst"]
    assert broken["tasks"] == ["invalid_spec"] and "columns[" in broken["description"]
    assert bag["dags"]["samverkan_bygglov"]["tasks"][0] == "extract"
