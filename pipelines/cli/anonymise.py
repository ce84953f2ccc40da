"""``samverkan anonymise``: run the k-anonymity engine on one CSV or Parquet file.

Why: lets a data engineer or the DPO try a policy on a file outside the pipeline and get
the same release and report the pipeline would produce. The engine does the work; this
module only reads the input (CSV delimiter detected, every column read as text so codes
keep their leading zeros), parses the options and writes OUT.parquet and REPORT.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipelines.csvtext import detect_delimiter, detect_encoding, header_line
from pipelines.errors import SamverkanError
from pipelines.specs.model import AnonymisationPolicy

if TYPE_CHECKING:
    from pipelines.anonymise.kanon import Hierarchy

log = logging.getLogger(__name__)

METRIC_CHOICES = ("loss", "entropy", "entropy-nonmonotonic", "discernibility", "aec", "precision")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "anonymise",
        help="find the optimal k-anonymous generalisation of a file (ARX-compatible)",
        description="Generalise the quasi-identifiers of INPUT through their hierarchies "
        "to the transformation of least information loss that satisfies k-anonymity "
        "(and l-diversity / t-closeness for sensitive columns) with at most the given "
        "share of records suppressed. Hierarchies use ARX's CSV format.",
    )
    parser.add_argument("input", metavar="INPUT", help="CSV (delimiter detected) or Parquet")
    parser.add_argument(
        "--qi",
        action="append",
        required=True,
        metavar="NAME=HIERARCHY.csv",
        help="a quasi-identifier and its hierarchy file; repeat, in order",
    )
    parser.add_argument("--sensitive", action="append", default=[], metavar="NAME")
    parser.add_argument(
        "--subject",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column(s) keying the data subject (e.g. a personal identity number): every "
        "figure then counts distinct subjects and a subject is suppressed on all its rows; "
        "the column is left out of OUT. Without it each row is its own subject",
    )
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--l", type=float, default=None, help="l-diversity of sensitive columns")
    parser.add_argument("--l-variant", choices=("distinct", "entropy"), default="distinct")
    parser.add_argument("--t", type=float, default=None, help="t-closeness of sensitive columns")
    parser.add_argument("--t-distance", choices=("equal", "ordered"), default="equal")
    parser.add_argument(
        "--suppression-limit",
        type=float,
        default=AnonymisationPolicy().suppression_limit,
        help="share of records (of data subjects with --subject) that may be suppressed "
        "(default, as in a spec: %(default)s)",
    )
    parser.add_argument("--metric", choices=METRIC_CHOICES, default="loss")
    parser.add_argument(
        "--population", default=None, help="population file (same QI columns) for journalist risk"
    )
    parser.add_argument("--hierarchy-delimiter", default=";")
    parser.add_argument("--out", required=True, metavar="OUT.parquet")
    parser.add_argument("--report", required=True, metavar="REPORT.json")
    parser.set_defaults(handler=handle)


SNIFF_BYTES = 1 << 16


def _dialect(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file, by the rules every samverkan reader uses."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    encoding = detect_encoding(head, complete=len(head) < SNIFF_BYTES)
    return encoding, detect_delimiter(header_line(head.decode(encoding, errors="replace")))


def read_table(path: Path) -> pa.Table:
    """Read CSV (all columns as text, empty cells missing) or Parquet."""
    if not path.exists():
        raise SamverkanError("file not found", file=str(path))
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pq.read_table(path)
        encoding, delimiter = _dialect(path)
        with path.open(newline="", encoding=encoding) as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
        if not header:
            raise SamverkanError("CSV has no header row", file=str(path))
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8" if "utf" in encoding else encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as exc:
        kind = type(exc).__name__
        raise SamverkanError(f"cannot read input ({kind})", file=str(path)) from None


def _parse_qis(specs: list[str], delimiter: str) -> dict[str, Hierarchy]:
    from pipelines.anonymise.kanon import Hierarchy

    result = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise SamverkanError("--qi must be NAME=HIERARCHY.csv")
        if name in result:
            raise SamverkanError("quasi-identifier given twice", column=name)
        result[name] = Hierarchy.from_csv(file, name=name, delimiter=delimiter)
    return result


def handle(args: argparse.Namespace) -> int:
    from pipelines.anonymise.kanon import anonymise, privacy_models

    source = Path(args.input)
    quasi_identifiers = _parse_qis(args.qi, args.hierarchy_delimiter)
    table = read_table(source)
    population = read_table(Path(args.population)) if args.population else None
    models = privacy_models(
        k=args.k,
        l=args.l,
        l_variant=args.l_variant,
        t=args.t,
        t_distance=args.t_distance,
        sensitive=args.sensitive,
    )
    subjects = None
    if args.subject:
        from pipelines.anonymise.kanon.grouping import group_columns

        missing = [name for name in args.subject if name not in table.column_names]
        if missing:
            raise SamverkanError(
                "subject column not in the input", file=str(source), column=missing[0]
            )
        codes, cards = [], []
        for name in args.subject:
            encoded = pc.dictionary_encode(
                table.column(name).combine_chunks(), null_encoding="encode"
            )
            codes.append(encoded.indices.to_numpy(zero_copy_only=False).astype("int64"))
            cards.append(max(len(encoded.dictionary), 1))
        subjects, _ = group_columns(codes, cards)
    result = anonymise(
        table,
        quasi_identifiers,
        k=None,
        models=models,
        sensitive=args.sensitive,
        suppression_limit=args.suppression_limit,
        metric=args.metric,
        population=population,
        source=str(source),
        subjects=subjects,
    )
    if args.subject:
        result.table = result.table.drop_columns(args.subject)
    out = Path(args.out)
    report_path = Path(args.report)
    for path in (out, report_path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path == out:
                pq.write_table(result.table, out)
            else:
                path.write_text(json.dumps(result.report(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise SamverkanError(f"cannot write output ({exc.strerror})", file=str(path)) from None
    levels = ",".join(str(v) for v in result.transformation.values())
    log.info(
        "anonymised %d records%s: transformation %s, %d records suppressed, %s %.6g",
        result.records,
        f" of {result.details.get('subjects')} subjects" if args.subject else "",
        levels,
        result.suppressed_records,
        result.metric,
        result.information_loss[result.metric],
    )
    print(json.dumps({"transformation": result.transformation, "out": str(out)}))
    return 0
