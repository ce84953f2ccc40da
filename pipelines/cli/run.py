"""``samverkan run``: run dataset pipelines in-process, with progress and a summary line each."""

from __future__ import annotations

import argparse
import logging

from pipelines.config import Settings
from pipelines.errors import SamverkanError
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
    version = args.snapshot_version or today_version()
    import datetime as dt

    run_id = args.run_id or f"{version}_{dt.datetime.now(dt.UTC).strftime('%H%M%S')}"
    failures = 0
    results = []
    for name in names:
        spec = load_spec(name)
        ctx = RunContext(
            spec=spec,
            settings=settings,
            run_id=run_id,
            version=version,
            tier=args.tier,
            project=args.project,
        )
        result = run_dataset(ctx)
        results.append(result)
        failures += not result.ok
        log.info("%s", result.summary_line())
    print()
    for result in results:
        print(result.summary_line())
    if len(results) > 1:
        print(
            f"{len(results) - failures} of {len(results)} datasets published or unchanged"
            + (f", {failures} failed" if failures else "")
        )
    return 1 if failures else 0
