"""One Airflow DAG per dataset spec: extract -> validate raw -> anonymise -> validate release
-> publish, the publish task emitting the dataset's Asset.

Wiring only: every task calls one library function (``pipelines.orchestration.run_stage``)
that imports the heavy parts inside the worker and takes keys and credentials from
Airflow's variables and connections there (never here). The spec is read once, through
its model (``dag_configs``); an invalid spec gives only its own DAG, which reports the
error. Only a source or object store that did not answer is retried (extraction with
exponential back-off); any other failure ends the task at once with its own one-line
message, which the failure alert sends (``pipelines.notify``). The
snapshot version is the run's logical date, so a backfill publishes one snapshot per
interval and rerunning it changes nothing. After the open release, every approved project
holding a grant on the dataset gets its own pseudonymised release (one mapped task each).
Adding a spec file adds a DAG.
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from pipelines.notify import on_task_failure
from pipelines.orchestration import (
    DagConfig,
    dag_configs,
    granted_projects,
    run_project_release,
    run_stage,
    version_for,
)


def _run_ids() -> tuple[str, str]:
    context = get_current_context()
    dag_run = context["dag_run"]
    version = version_for(context.get("logical_date"), getattr(dag_run, "run_after", None))
    return dag_run.run_id, version


def _run(dataset: str, stage: str) -> dict:
    run_id, version = _run_ids()
    return run_stage(dataset, stage, run_id=run_id, version=version)


def release_asset(dataset: str, tier: str = "open") -> Asset:
    return Asset(name=f"samverkan.{tier}.{dataset}", uri=f"samverkan://releases/{tier}/{dataset}")


def build_invalid_spec_dag(config: DagConfig):
    """The DAG of a spec that does not validate: unscheduled, one task failing with why."""

    @dag(
        dag_id=f"samverkan_{config.dataset}",
        description=config.title,
        schedule=None,
        start_date=config.start_date,
        catchup=False,
        tags=list(config.tags),
        default_args={"retries": 0, "on_failure_callback": on_task_failure},
    )
    def pipeline():
        @task
        def invalid_spec() -> None:
            raise AirflowFailException(config.error or "invalid spec")

        invalid_spec()

    return pipeline()


def build_dag(config: DagConfig):
    if config.error is not None:
        return build_invalid_spec_dag(config)

    @dag(
        dag_id=f"samverkan_{config.dataset}",
        description=config.title,
        schedule=config.cron,
        start_date=config.start_date,
        catchup=config.catchup,
        max_active_runs=1,
        tags=list(config.tags),
        default_args={
            "retries": config.retries,
            "retry_delay": config.retry_delay,
            "on_failure_callback": on_task_failure,
        },
    )
    def pipeline():
        @task(retry_exponential_backoff=config.backoff, max_retry_delay=config.max_retry_delay)
        def extract() -> dict:
            return _run(config.dataset, "extract")

        @task
        def validate_raw(_: dict) -> dict:
            return _run(config.dataset, "validate_raw")

        @task
        def anonymise(_: dict) -> dict:
            return _run(config.dataset, "anonymise")

        @task
        def validate_release(_: dict) -> dict:
            return _run(config.dataset, "validate_release")

        # The gates' verdict cannot change on a retry: they fail once, with their own message.
        @task(retries=0)
        def privacy_gate(_: dict) -> dict:
            return _run(config.dataset, "privacy_gate")

        @task(retries=0)
        def pii_gate(_: dict) -> dict:
            return _run(config.dataset, "pii_gate")

        @task(outlets=[release_asset(config.dataset, config.tier)])
        def publish(_: dict) -> dict:
            return _run(config.dataset, "publish")

        @task
        def projects_with_grant(_: dict) -> list[str]:
            return granted_projects(config.dataset)

        @task
        def project_release(project: str) -> dict:
            run_id, version = _run_ids()
            return run_project_release(config.dataset, project, run_id=run_id, version=version)

        checked = validate_release(anonymise(validate_raw(extract())))
        published = publish(privacy_gate(pii_gate(checked)))
        project_release.expand(project=projects_with_grant(published))

    return pipeline()


for _config in dag_configs():
    globals()[f"samverkan_{_config.dataset}"] = build_dag(_config)
