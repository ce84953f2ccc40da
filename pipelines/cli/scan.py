"""``samverkan scan PATH...``: look for personal data in files and folders."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipelines.pii.scan import scan_paths

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scan",
        help="scan files and folders for personal data (leak check)",
        description="Scan Parquet files (data, column statistics, file, schema and field "
        "metadata, column names), CSV, JSON, JSON Lines and text files, and folders "
        "recursively, for Swedish personal data: personnummer, samordningsnummer, "
        "organisationsnummer, names, phone numbers, e-mail and street addresses, "
        "fastighetsbeteckningar and registration numbers. Prints one line per finding "
        "(file, column or key, row, kind, detector) without the value, then a summary. "
        "Exit 0 when clean, 1 when anything is found, 2 when some input is unreadable.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    p.add_argument("--summary-only", action="store_true", help="print only the summary")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    report = scan_paths(list(args.paths))
    if not args.summary_only:
        for line in report.lines():
            print(line)
    for error in report.errors:
        log.error("unreadable: %s: %s", error.source, error.problem)
    for skipped in report.skipped:
        log.warning("skipped (binary, unknown type): %s", skipped)
    print(report.summary())
    return report.exit_code
