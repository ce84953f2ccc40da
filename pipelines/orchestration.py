"""What Airflow needs from the library, kept light enough for DAG parsing.

``dag_configs`` reads the spec files with nothing but PyYAML, so the scheduler's DAG
processor parses a DAG file in milliseconds; ``run_stage`` is what a task calls, and only
it imports the heavy parts (pyarrow, Great Expectations, ...), inside the worker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.errors import SamverkanError, SpecError

if TYPE_CHECKING:
    from pipelines.config import Settings
    from pipelines.run import RunContext

SPEC_DIR = Path(__file__).resolve().parent / "specs"
SOURCE_CONN_ID = "samverkan_source_db"
OBJECT_STORE_CONN_ID = "samverkan_object_store"
KEY_VARIABLE = "samverkan_pseudonym_key"
CELL_KEY_SCOPE = "cellkey"  # the open tier's cell-key secret for protected aggregates


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
    backoff: float = 2.0  # extract: exponential back-off multiplier between retries
    max_retry_delay: dt.timedelta = dt.timedelta(hours=1)
    error: str | None = None  # the spec is invalid: the DAG only reports this


def _broken(dataset: str, error: SpecError) -> DagConfig:
    """A DAG for an invalid spec: unscheduled, failing with the spec error when triggered."""
    return DagConfig(
        dataset=dataset,
        title=f"invalid spec: {error.one_line()}",
        cron=None,
        start_date=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        retries=0,
        retry_delay=dt.timedelta(0),
        catchup=False,
        tier="open",
        tags=("samverkan", "invalid-spec"),
        error=error.one_line(),
    )


def dag_configs(spec_dir: Path = SPEC_DIR) -> list[DagConfig]:
    """Scheduling facts of every spec, read once through the spec model.

    A spec that does not validate gives a DAG of its own that reports why, so one bad
    file neither hides the other datasets' DAGs nor parses into tasks that all fail.
    """
    from pipelines.specs import load_spec_file  # pydantic only: light enough to parse DAGs

    configs = []
    for path in sorted(spec_dir.glob("*.yaml")):
        try:
            spec = load_spec_file(path)
        except SpecError as exc:
            configs.append(_broken(path.stem, exc))
            continue
        schedule = spec.schedule
        start = dt.date.fromisoformat(schedule.start_date)
        configs.append(
            DagConfig(
                dataset=spec.name,
                title=spec.title.en,
                cron=schedule.cron,
                start_date=dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC),
                retries=schedule.retries,
                retry_delay=dt.timedelta(minutes=schedule.retry_delay_minutes),
                catchup=schedule.catchup,
                tier=spec.tier,
                tags=("samverkan", spec.tier),
                backoff=schedule.retry_exponential_backoff,
                max_retry_delay=dt.timedelta(minutes=schedule.max_retry_delay_minutes),
            )
        )
    return configs


def version_for(logical_date: dt.datetime | None, run_after: dt.datetime | None) -> str:
    """Snapshot version of an Airflow run: its logical date (or, for manual runs, run_after)."""
    when = logical_date or run_after or dt.datetime.now(dt.UTC)
    return when.date().isoformat()


def in_airflow_task() -> bool:
    """True inside a running Airflow task (its context is set); cheap outside Airflow."""
    if "airflow.sdk" not in sys.modules:
        return False
    try:
        from airflow.sdk import get_current_context

        get_current_context()
    except Exception:
        return False
    return True


def _variable(name: str) -> str | None:
    from airflow.sdk import Variable

    value = Variable.get(name, default=None)
    return str(value) if value not in (None, "") else None


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:  # AirflowNotFoundException and friends: not configured
        return None


def _mask(value: str | None) -> None:
    if value and "airflow.sdk" in sys.modules:
        from airflow.sdk.log import mask_secret

        mask_secret(value)


def variable_suffix(project: str | None) -> str:
    """``_<project>`` for per-project variables: lower case, non-alphanumerics as ``_``."""
    return f"_{re.sub(r'[^A-Za-z0-9]', '_', project).lower()}" if project else ""


def sqlalchemy_url(conn: Any) -> str:
    """A SQLAlchemy URL from an Airflow connection (``postgres`` -> psycopg 3)."""
    extra = conn.extra_dejson or {}
    if extra.get("sqlalchemy_url"):
        return str(extra["sqlalchemy_url"])
    kind = (conn.conn_type or "").lower()
    driver = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}.get(kind, kind)
    if driver == "sqlite":
        return f"sqlite:///{conn.host}"
    from sqlalchemy.engine import URL

    url = URL.create(
        driver,
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
    )
    return url.render_as_string(hide_password=False)


def s3_options(conn: Any) -> dict[str, Any]:
    """s3fs options from an Airflow ``aws`` connection (login/password, extra endpoint)."""
    extra = conn.extra_dejson or {}
    options: dict[str, Any] = {}
    if conn.login:
        options["key"] = conn.login
    if conn.password:
        options["secret"] = conn.password
    endpoint = extra.get("endpoint_url") or (extra.get("service_config") or {}).get("s3", {}).get(
        "endpoint_url"
    )
    if endpoint:
        options["endpoint_url"] = endpoint
    if extra.get("region_name"):
        options["client_kwargs"] = {"region_name": extra["region_name"]}
    return options


def airflow_settings(
    settings: Settings,
    project: str | None = None,
    *,
    variable: Callable[[str], str | None] = _variable,
    connection: Callable[[str], Any | None] = _connection,
) -> Settings:
    """``settings`` with the secrets Airflow holds (any secrets backend, or the environment's
    ``AIRFLOW_VAR_*``/``AIRFLOW_CONN_*``): Variable ``samverkan_pseudonym_key[_<project>]``
    (and ``..._key_id``; ``_cellkey`` for the aggregates' cell key), Connections
    ``samverkan_source_db`` and ``samverkan_object_store``.
    What Airflow does not hold stays as the environment set it. Values are masked in task
    logs and never logged here."""
    from pipelines.anonymise.pseudonym import KEY_ENV, KEY_ID_ENV, _env_name

    keys = dict(settings.pseudonym_keys)
    for scope in dict.fromkeys([None, project, CELL_KEY_SCOPE]):
        secret = variable(f"{KEY_VARIABLE}{variable_suffix(scope)}")
        if not secret:
            continue
        _mask(secret)
        keys[_env_name(KEY_ENV, scope)] = secret
        key_id = variable(f"{KEY_VARIABLE}_id{variable_suffix(scope)}")
        if key_id:
            keys[_env_name(KEY_ID_ENV, scope)] = key_id
        else:  # no id variable: derive the id from the key, so a rotation changes it
            keys[_env_name(KEY_ID_ENV, scope)] = ""
    changes: dict[str, Any] = {"pseudonym_keys": keys}
    source = connection(SOURCE_CONN_ID)
    if source is not None:
        _mask(source.password)
        changes["source_db_url"] = sqlalchemy_url(source)
        _mask(changes["source_db_url"])
    updated = dataclasses.replace(settings, **changes)
    store = connection(OBJECT_STORE_CONN_ID)
    if store is not None:
        _mask(store.password)
        updated = updated.with_storage_options(s3_options(store))
    return updated


@contextmanager
def raw_zone_mirror(ctx: RunContext) -> Iterator[None]:
    """With the raw zone on an object store, a stage works in a local mirror of its run
    folder: fetched before, written back after (also when the stage fails)."""
    if ctx.settings.raw_is_local:
        yield
        return
    from pipelines.run import safe_id
    from pipelines.storage import download_tree, sync_tree

    storage = ctx.settings.raw_store()
    run_rel = f"{ctx.spec.name}/runs/{safe_id(ctx.run_id)}"
    quarantine_rel = f"{ctx.spec.name}/quarantine/{safe_id(ctx.run_id)}"
    shutil.rmtree(ctx.work_dir, ignore_errors=True)
    download_tree(storage, run_rel, ctx.work_dir)
    try:
        yield
    finally:
        sync_tree(ctx.work_dir, storage, run_rel)
        sync_tree(ctx.quarantine_dir, storage, quarantine_rel, delete=False)
        shutil.rmtree(ctx.work_dir, ignore_errors=True)
        shutil.rmtree(ctx.quarantine_dir, ignore_errors=True)


def run_stage(
    dataset: str,
    stage: str,
    *,
    run_id: str,
    version: str,
    tier: str = "open",
    project: str | None = None,
    secrets_from_airflow: bool | None = None,
) -> dict[str, Any]:
    """Run one stage of one dataset's pipeline; returns the stage's value-free summary.

    Inside an Airflow task (or with ``secrets_from_airflow=True``) keys and credentials come
    from Airflow's variables and connections; elsewhere from ``SAMVERKAN_*`` variables.
    """
    from pipelines.config import Settings
    from pipelines.run import STAGE_FUNCTIONS, RunContext
    from pipelines.specs import load_spec

    with retry_only_transient():
        settings = Settings.from_env()
        from_airflow = in_airflow_task() if secrets_from_airflow is None else secrets_from_airflow
        if from_airflow:
            settings = airflow_settings(settings, project)
        ctx = RunContext(
            spec=load_spec(dataset),
            settings=settings,
            run_id=run_id,
            version=version,
            tier=tier,
            project=project,
        )  # type: ignore[arg-type]
        with raw_zone_mirror(ctx):
            return STAGE_FUNCTIONS[stage](ctx)


def fail_fast(exc: SamverkanError) -> BaseException:
    """What a task raises for a failure no retry can fix: Airflow's no-retry failure.

    Its message is the error's own line, so the alert names the real reason (not the
    ``FileNotFoundError`` a retry of a quarantined extract would meet).
    """
    try:
        from airflow.sdk.exceptions import AirflowFailException
    except ImportError:  # the library runs without Airflow too
        return exc
    return AirflowFailException(exc.one_line())


@contextmanager
def retry_only_transient() -> Iterator[None]:
    """Let transient errors (and unexpected ones) retry; fail every other SamverkanError now."""
    try:
        yield
    except SamverkanError as exc:
        if exc.retryable:
            raise
        raise fail_fast(exc) from None


def granted_projects(dataset: str) -> list[str]:
    """Approved projects holding a grant on the dataset (read in the worker, not at parse)."""
    from pipelines.access.db import open_access_db
    from pipelines.access.projects import list_projects

    engine = open_access_db()
    try:
        return [p.name for p in list_projects(engine) if p.approved and dataset in p.datasets]
    finally:
        engine.dispose()


def run_project_release(dataset: str, project: str, *, run_id: str, version: str) -> dict[str, Any]:
    """Every stage of one project's pseudonymised release of the dataset."""
    summary: dict[str, Any] = {}
    from pipelines.run import STAGES

    for stage in STAGES:
        summary = run_stage(
            dataset,
            stage,
            run_id=f"{run_id}-{project}",
            version=version,
            tier="project",
            project=project,
        )
    return summary
