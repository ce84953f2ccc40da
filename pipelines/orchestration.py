"""What Airflow needs from the library, kept light enough for DAG parsing.

``dag_configs`` reads the spec files with nothing but PyYAML, so the scheduler's DAG
processor parses a DAG file in milliseconds; ``run_stage`` is what a task calls, and only
it imports the heavy parts (pyarrow, Great Expectations, ...), inside the worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parent / "specs"


@dataclass(frozen=True)
class DagConfig:
    dataset: str
    title: str
    cron: str | None
    start_date: dt.datetime
    retries: int
    retry_delay: dt.timedelta
    catchup: bool
    tier: str
    tags: tuple[str, ...]


def dag_configs(spec_dir: Path = SPEC_DIR) -> list[DagConfig]:
    """Scheduling facts of every spec (full validation happens in the tasks)."""
    configs = []
    for path in sorted(spec_dir.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        schedule = raw.get("schedule") or {}
        start = dt.date.fromisoformat(str(schedule.get("start_date", "2025-01-01")))
        configs.append(
            DagConfig(
                dataset=path.stem,
                title=(raw.get("title") or {}).get("en", path.stem),
                cron=schedule.get("cron", "@monthly"),
                start_date=dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC),
                retries=int(schedule.get("retries", 2)),
                retry_delay=dt.timedelta(minutes=int(schedule.get("retry_delay_minutes", 5))),
                catchup=bool(schedule.get("catchup", False)),
                tier=str(raw.get("tier", "open")),
                tags=("samverkan", str(raw.get("tier", "open"))),
            )
        )
    return configs


def version_for(logical_date: dt.datetime | None, run_after: dt.datetime | None) -> str:
    """Snapshot version of an Airflow run: its logical date (or, for manual runs, run_after)."""
    when = logical_date or run_after or dt.datetime.now(dt.UTC)
    return when.date().isoformat()


def run_stage(dataset: str, stage: str, *, run_id: str, version: str) -> dict[str, Any]:
    """Run one stage of one dataset's pipeline; returns the stage's value-free summary."""
    from pipelines.config import Settings  # noqa: PLC0415 - heavy imports stay in the worker
    from pipelines.run import STAGE_FUNCTIONS, RunContext  # noqa: PLC0415
    from pipelines.specs import load_spec  # noqa: PLC0415

    ctx = RunContext(
        spec=load_spec(dataset), settings=Settings.from_env(), run_id=run_id, version=version
    )
    return STAGE_FUNCTIONS[stage](ctx)
