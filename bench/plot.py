"""Plot throughput and peak memory against size from ``bench/pipeline.py`` JSON files.

    .venv/bin/python bench/plot.py                       # bench/results/pipeline_*.json
    .venv/bin/python bench/plot.py a.json b.json --out bench/results/pipeline.png

One PNG per dataset (and SQL reader): left, rows per second of the whole pipeline and of
the raw limit; right, peak RSS of each. Sizes on a log axis.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use("Agg")

RESULTS = Path(__file__).resolve().parent / "results"


def load(paths: list[Path]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Results grouped by (dataset, sql_reader), sorted by rows."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "rows" not in data or "pipeline_s" not in data:
            continue
        timed = data.get("stages_timed") or list(data.get("stages", {}))
        partial = "" if len(timed) == 5 else "+".join(timed)  # e.g. extract only
        key = (
            data.get("dataset", "?"),
            data.get("sql_reader", "auto") + (f", {partial} only" if partial else ""),
        )
        groups[key].append(data)
    return {key: sorted(items, key=lambda d: d["rows"]) for key, items in groups.items()}


def plot(dataset: str, reader: str, results: list[dict[str, Any]], out: Path) -> Path:
    rows = [r["rows"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(rows, [r["rows"] / r["pipeline_s"] for r in results], "o-", label="pipeline")
    left.plot(
        rows,
        [r["rows"] / r["baseline_s"] for r in results],
        "s--",
        label="raw limit (read + zstd Parquet)",
    )
    for r in results:
        left.annotate(
            f"ratio {r['ratio']:.1f}",
            (r["rows"], r["rows"] / r["pipeline_s"]),
            textcoords="offset points",
            xytext=(4, -12),
            fontsize=8,
        )
    left.set(
        xscale="log",
        yscale="log",
        xlabel="rows",
        ylabel="rows per second",
        title="Throughput (median wall time)",
    )
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    right.plot(rows, [r["peak_rss_mib"] for r in results], "o-", label="pipeline")
    right.plot(
        rows,
        [r.get("peak_rss_with_workers_mib", float("nan")) for r in results],
        "^-",
        label="pipeline + PII worker processes",
    )
    right.plot(
        rows,
        [r.get("baseline_peak_rss_mib", float("nan")) for r in results],
        "s--",
        label="raw limit",
    )
    right.axhline(2048, color="grey", linestyle=":", label="2 GiB goal")
    right.set(xscale="log", xlabel="rows", ylabel="peak RSS (MiB)", title="Peak memory")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    machine = results[-1].get("machine", {})
    fig.suptitle(
        f"samverkan {dataset} (SQL reader: {reader}); {machine.get('cpus', '?')} CPUs, "
        f"{machine.get('memory_gib', '?')} GiB, {machine.get('cpu_model', '')}",
        fontsize=9,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "files", nargs="*", type=Path, help="JSON files (default: bench/results/pipeline_*.json)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="PNG path (default: bench/results/pipeline_<dataset>.png)",
    )
    args = parser.parse_args(argv)
    files = args.files or sorted(RESULTS.glob("pipeline_*.json"))
    groups = load(files)
    if not groups:
        print("no benchmark JSON files found; run bench/pipeline.py first", file=sys.stderr)
        return 1
    for (dataset, reader), results in sorted(groups.items()):
        suffix = (
            "" if reader == "auto" else "_" + "".join(c if c.isalnum() else "_" for c in reader)
        )
        out = (
            args.out
            if args.out and len(groups) == 1
            else (RESULTS / f"pipeline_{dataset}{suffix}.png")
        )
        print(plot(dataset, reader, results, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
