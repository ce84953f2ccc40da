"""``samverkan generate``: build the synthetic source systems a developer or CI runs against.

Real municipal data never comes near a developer machine; this command writes look-alike
sources (with identifiers planted where real ones would be) and the side files that let
tests check the pipeline removes them.
"""

from __future__ import annotations

import argparse
import logging

from pipelines.config import Settings
from pipelines.synth.generate import DATASETS, generate_all

log = logging.getLogger(__name__)

DESCRIPTION = """\
Generate deterministic synthetic source systems under the sources folder
(default data/sources):

  ekonomiskt_bistand  SQL table in the source database (SQLite by default)
  hemtjanst           hemtjanst/hemtjanst_export.csv  (Windows-1252, ';', decimal comma, CRLF)
  bygglov             bygglov/bygglov_arenden.csv     (UTF-8 with BOM, ',', LF)
  kontaktcenter       kontaktcenter/kontakter.jsonl   (JSON Lines, free text with PII)
  kolada              kolada/page-0001.json ...       (Kolada v2 API pages; public aggregates)

Every identifier planted (in every written form) is listed in
<raw>/_synth/planted_identifiers.jsonl, and every identifier planted in free text is
located in <raw>/_synth/planted_spans.jsonl. These files stay in the raw zone.
The same --seed and --rows give byte-identical files and identical database rows.
"""

EPILOG = """\
examples:
  samverkan generate                                   all five, 10 000 rows each
  samverkan generate --seed 7 --rows 200000 --dataset hemtjanst --dataset bygglov
  samverkan generate --db-url postgresql+psycopg://user@localhost:5432/sources
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``generate`` subcommand."""
    parser = subparsers.add_parser(
        "generate",
        help="write synthetic source systems and the planted-identifier side files",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--seed", type=int, default=42, metavar="N", help="random seed (default: 42)"
    )
    parser.add_argument(
        "--rows",
        type=_positive,
        default=10_000,
        metavar="N",
        help="rows for each of ekonomiskt_bistand, hemtjanst, bygglov and kontaktcenter "
        "(default: 10000; kolada has a fixed size)",
    )
    parser.add_argument(
        "--dataset",
        action="append",
        dest="datasets",
        choices=DATASETS,
        metavar="NAME",
        help=f"generate only this dataset; repeatable (choices: {', '.join(DATASETS)}; "
        "default: all). Side-file lines of other datasets are kept",
    )
    parser.add_argument(
        "--db-url",
        metavar="URL",
        help="SQLAlchemy URL of the source database for ekonomiskt_bistand (default: "
        "SAMVERKAN_SOURCE_DB_URL or sqlite:///<sources>/verksamhet.sqlite); the table is "
        "dropped and recreated",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="base folder for sources, raw zone and releases (default: SAMVERKAN_DATA_DIR "
        "or ./data)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the generator and print one line per dataset on stdout."""
    settings = Settings.from_env(args.data_dir)
    report = generate_all(
        settings,
        seed=args.seed,
        rows=args.rows,
        datasets=args.datasets,
        db_url=args.db_url,
    )
    for result in report.datasets:
        print(f"{result.dataset}\t{result.rows}\t{result.target}")
    log.info(
        "planted identifiers: %s; spans: %s (%.1f s in all)",
        report.planted_identifiers,
        report.planted_spans,
        report.seconds,
    )
    return 0
