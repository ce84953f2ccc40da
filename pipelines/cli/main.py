"""Entry point of the ``samverkan`` command.

Each subcommand lives in its own module with ``register(subparsers)`` and a handler.
Errors the user can cause end here as one line on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from pipelines import __version__
from pipelines.errors import SamverkanError

EPILOG = """\
Typical use:
  samverkan generate --seed 42 --rows 20000   synthetic source systems under data/sources
  samverkan run --all                          extract, validate, anonymise, publish all
  samverkan verify                             re-check every published snapshot

Locations default to ./data (sources, raw, releases); override with SAMVERKAN_DATA_DIR,
SAMVERKAN_RAW_DIR, SAMVERKAN_RELEASE_DIR, SAMVERKAN_SOURCE_DB_URL (see README).
"""


def build_parser() -> argparse.ArgumentParser:
    from pipelines.cli import access, anonymise, generate, run, scan, scrub, serve, verify, withdraw

    parser = argparse.ArgumentParser(
        prog="samverkan",
        description="Share Huddinge kommun's operational data with researchers: extract, "
        "validate, anonymise and publish Parquet snapshots.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"samverkan {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in (generate, run, verify, anonymise, scrub, scan, serve, withdraw, access):
        module.register(sub)
    _quiet_everywhere(sub)
    return parser


def _quiet_everywhere(sub: argparse._SubParsersAction) -> None:
    """Accept ``-q`` after the command too (``samverkan run -q ...``), at every level."""
    for parser in {id(p): p for p in sub.choices.values()}.values():
        parser.add_argument(
            "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _quiet_everywhere(action)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Our progress at INFO; other libraries (GX, Airflow, ...) only from WARNING up.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("pipelines").setLevel(logging.WARNING if args.quiet else logging.INFO)
    try:
        return int(args.handler(args) or 0)
    except SamverkanError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if os.environ.get("SAMVERKAN_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}); set SAMVERKAN_DEBUG=1 to see the "
            "traceback (it may contain data values: keep it in the restricted zone)",
            file=sys.stderr,
        )
        return 70
    except KeyboardInterrupt:
        print("interrupted; nothing was published by the interrupted step", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
