"""``samverkan run``: run dataset pipelines in-process, with progress and a summary line each."""

from __future__ import annotations

import argparse
import logging

from pipelines.config import Settings
from pipelines.errors import SamverkanError
from pipelines.portal.paths import VERSION
from pipelines.specs import dataset_names, load_spec

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="extract, validate, anonymise and publish datasets",
        description="Run the whole pipeline for one or more datasets in this process: "
        "extract from the source, validate with the raw suite, anonymise by the spec's "
        "policy, validate the release (GX suite + privacy gate), publish an immutable "
        "snapshot. Prints one summary line per dataset; exits non-zero if any failed.",
    )
    p.add_argument(
        "datasets",
        nargs="*",
        metavar="DATASET",
        help=f"dataset names (known: {', '.join(dataset_names())})",
    )
    p.add_argument("--all", action="store_true", help="run every dataset that has a spec")
    p.add_argument(
        "--version",
        dest="snapshot_version",
        default=None,
        help="snapshot version (default: today's date, e.g. 2026-11-27; "
        "identical data is not published twice, changed data gets .2, .3 ...)",
    )
    p.add_argument(
        "--run-id",
        default=None,
        help="run id naming the raw-zone work folder (default: version + time); "
        "rerunning with the same id is idempotent",
    )
    p.add_argument(
        "--tier",
        choices=["open", "project"],
        default="open",
        help="open: no pseudonyms; project: pseudonymised for one --project",
    )
    p.add_argument(
        "--project",
        default=None,
        help="research project for --tier project; its key comes from "
        "SAMVERKAN_PSEUDONYM_KEY_<PROJECT>",
    )
    p.add_argument(
        "--data-dir", default=None, help="base folder (default ./data or SAMVERKAN_DATA_DIR)"
    )
    p.set_defaults(handler=handle)


def check_version(version: str) -> str:
    """A version names a folder and a URL segment: letters, digits, '.', '_' and '-'."""
    if not VERSION.match(version):
        raise SamverkanError(
            "a version is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return version


def _check_project(project: str, settings: Settings) -> None:
    """A project-tier release only for a registered project (it gets a key of its own)."""
    from pipelines.access.db import default_url, open_access_db
    from pipelines.access.projects import project_exists

    engine = open_access_db(default_url(settings))
    try:
        if not project_exists(engine, project):
            raise SamverkanError(
                f"no project {project}; register it first: samverkan project create {project}"
            )
    finally:
        engine.dispose()


def handle(args: argparse.Namespace) -> int:
    from pipelines.run import RunContext, run_dataset, today_version  # heavy: only when running

    names = dataset_names() if args.all else args.datasets
    if not names:
        raise SamverkanError("name at least one DATASET, or use --all")
    if args.project:
        args.tier = "project"  # --project P alone means a project-tier release for P
    if args.tier == "project" and not args.project:
        raise SamverkanError("--tier project needs --project NAME")
    settings = Settings.from_env(args.data_dir)
    if args.project:
        _check_project(args.project, settings)
    version = check_version(args.snapshot_version or today_version())
    import datetime as dt

    run_id = args.run_id or f"{version}_{dt.datetime.now(dt.UTC).strftime('%H%M%S')}"
    lines: list[str] = []
    failures = 0
    for name in names:
        try:
            spec = load_spec(name)
        except SamverkanError as exc:  # a bad spec fails its dataset only
            line = f"{name}: FAILED: {exc.one_line()}"
            ok = False
        else:
            ctx = RunContext(
                spec=spec,
                settings=settings,
                run_id=run_id,
                version=version,
                tier=args.tier,
                project=args.project,
            )
            result = run_dataset(ctx)
            line, ok = result.summary_line(), result.ok
        lines.append(line)
        failures += not ok
        log.info("%s", line)
    print()
    for line in lines:
        print(line)
    if len(lines) > 1:
        print(
            f"{len(lines) - failures} of {len(lines)} datasets published or unchanged"
            + (f", {failures} failed" if failures else "")
        )
    return 1 if failures else 0
