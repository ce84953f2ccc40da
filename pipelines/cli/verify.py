"""``samverkan verify``: re-check every published snapshot's files against its manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.config import Settings
from pipelines.publish.verify import verify_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check published snapshots against their manifests",
        description="Re-read every file of every snapshot in the release store and compare "
        "size and sha256 with its manifest; report files the manifest does not list. "
        "Exit 0 when all match, 1 on any mismatch.",
    )
    p.add_argument(
        "store",
        nargs="?",
        default=None,
        help="release store folder (default: data/releases or SAMVERKAN_RELEASE_DIR)",
    )
    p.add_argument("--dataset", default=None, help="only this dataset")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    store = Path(args.store) if args.store else Settings.from_env().release_dir
    report = verify_store(store, args.dataset)
    for problem in report.problems:
        print(f"MISMATCH {problem}")
    if report.orphaned_staging:
        print(
            f"note: {len(report.orphaned_staging)} unfinished publish folder(s) in "
            f"{store / '.staging'} (never read; removed by the next publish)"
        )
    print(f"{len(report.checked)} snapshots checked in {store}, {len(report.problems)} problems")
    if not report.checked:
        print("no published snapshots found")
    return 0 if report.ok and report.checked else 1
