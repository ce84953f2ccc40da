"""Benchmark one dataset's whole pipeline against the raw limit (read source, write Parquet).

For each size: generate the dataset (default ekonomiskt_bistand, the SQL source) in a
temporary folder, then ``--repeat`` times, each in a fresh child process, (a) run every
stage of ``pipelines.run.STAGE_FUNCTIONS`` in-process and (b) the raw limit: pyarrow reading
the same source and writing zstd Parquet with no other work. Medians are reported; peak
RSS is each child's own ``ru_maxrss`` (``os.wait4``). Imports are done before the clocks
start, in both children alike. Prints a table; writes one JSON file per size.

    .venv/bin/python bench/pipeline.py --rows 100000
    .venv/bin/python bench/pipeline.py --rows 100000 1000000 --repeat 3
    .venv/bin/python bench/pipeline.py --large          # 100k, 1M and 10M rows
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DEFAULT_SIZES = (100_000, 1_000_000)
LARGE = 10_000_000

sys.path.insert(0, str(REPO))
from pipelines.run import STAGES as STAGE_NAMES  # noqa: E402  (one list of stages)


# ------------------------------------------------------------------------------ children
def _vmhwm_kib() -> int | None:
    """This process's peak RSS since exec (``ru_maxrss`` also counts the forked parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _child_generate(data_dir: Path, dataset: str, rows_seed: str) -> dict[str, Any]:
    from pipelines.config import Settings
    from pipelines.synth.generate import generate_all

    rows, seed = (int(x) for x in rows_seed.split(":"))
    t0 = time.perf_counter()
    generate_all(Settings.from_env(data_dir), seed=seed, rows=rows, datasets=[dataset])
    return {"seconds": time.perf_counter() - t0}


def _child_pipeline(data_dir: Path, dataset: str, run_arg: str) -> dict[str, Any]:
    """Every stage (or those after ``:`` in ``run_arg``) in this process, timed.

    Imports happen before the clock starts.
    """
    run_id, _, only = run_arg.partition(":")
    import great_expectations  # noqa: F401 - its import alone takes seconds

    import pipelines.pii.scan
    import pipelines.pii.scrub
    import pipelines.validate  # noqa: F401
    from pipelines.config import Settings
    from pipelines.run import STAGE_FUNCTIONS, RunContext
    from pipelines.specs import load_spec

    settings = Settings.from_env(data_dir)
    ctx = RunContext(
        spec=load_spec(dataset), settings=settings, run_id=run_id, version="2026-01-01"
    )
    stages: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name, stage in STAGE_FUNCTIONS.items():
        if only and name not in only.split(","):
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        stage(ctx)
        stages[name] = time.perf_counter() - t0
        cpu[name] = time.process_time() - c0
    return {"stages": stages, "cpu": cpu}


def _child_baseline(data_dir: Path, dataset: str, out: Path) -> dict[str, Any]:
    """The raw limit: read the source with pyarrow (ADBC for SQL), write zstd Parquet."""
    import pyarrow.csv as pacsv
    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    from pipelines.config import Settings
    from pipelines.extract.csv_export import sniff
    from pipelines.extract.sql_table import adbc_target, resolve_url
    from pipelines.specs import load_spec
    from pipelines.specs.model import CsvSource, JsonLinesSource, SqlSource

    spec = load_spec(dataset)
    settings = Settings.from_env(data_dir)
    src = spec.source
    t0, c0 = time.perf_counter(), time.process_time()
    rows = 0
    reader: Any
    if isinstance(src, SqlSource):
        url = resolve_url(src, settings.source_db_url, dataset)
        target = adbc_target(url)
        if target is None:
            raise SystemExit("the raw limit needs an ADBC driver for the SQL source")
        kind, where = target
        if kind == "sqlite":
            import adbc_driver_sqlite.dbapi as driver

            conn = driver.connect(where)
        else:
            import adbc_driver_postgresql.dbapi as driver

            conn = driver.connect(where)
        cursor = conn.cursor()
        if kind == "sqlite":
            cursor.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": str(src.batch_rows)}
            )
        names = ", ".join(f'"{c.source_name}"' for c in spec.columns)
        cursor.execute(f'SELECT {names} FROM "{src.table}"')
        reader = cursor.fetch_record_batch()
    elif isinstance(src, CsvSource):
        path = settings.sources_dir / src.path
        dialect = sniff(path, src, dataset)
        encoding = "utf8" if dialect.encoding.startswith("utf-8") else dialect.encoding
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True),
        )
    elif isinstance(src, JsonLinesSource):
        reader = pajson.open_json(
            settings.sources_dir / src.path, read_options=pajson.ReadOptions(block_size=16 << 20)
        )
    else:
        raise SystemExit(f"no raw limit for source kind {src.kind}")
    writer = None
    for batch in reader:
        if writer is None:
            writer = pq.ParquetWriter(out, batch.schema, compression="zstd")
        writer.write_batch(batch)
        rows += batch.num_rows
    if writer is not None:
        writer.close()
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": rows}


class _TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._done.wait(0.2):
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
            except psutil.Error:
                return
            self.peak = max(self.peak, total)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=2)


def _run_child(args: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """Run this script as a child; return its JSON answer and its peak RSS in MiB.

    The peak is the child's own high-water mark since exec (``VmHWM``). The kernel's
    ``ru_maxrss`` of the child (``os.wait4``) is kept as ``ru_maxrss_mib``: on Linux it also
    counts the pages of the forked parent before exec, so it is only an upper bound.
    """
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        assert proc.stdout is not None
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read()[-4000:])
            raise SystemExit(f"child {args[0]} failed with exit code {proc.returncode}")
    answer = json.loads(out.strip().splitlines()[-1])
    answer["ru_maxrss_mib"] = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    # the child and the worker processes it started (PII detection), summed while running
    answer["tree_peak_rss_mib"] = round(sampler.peak / 2**20, 1)
    hwm = answer.pop("vmhwm_kib", None)
    return answer, (hwm / 1024 if hwm else usage.ru_maxrss / 1024)


# ------------------------------------------------------------------------------ parent
def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _machine(load_at_start: list[float]) -> dict[str, Any]:
    import psutil
    import pyarrow

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "pyarrow": pyarrow.__version__,
        "platform": platform.platform(),
        "loadavg_at_start": load_at_start,
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _source_bytes(settings: Any, dataset: str) -> int:
    from pipelines.specs import load_spec
    from pipelines.specs.model import SqlSource

    src = load_spec(dataset).source
    if isinstance(src, SqlSource):
        path = settings.sources_dir / "verksamhet.sqlite"
    else:
        path = settings.sources_dir / src.path
    return path.stat().st_size if path.exists() else 0


def bench_size(
    rows: int,
    *,
    dataset: str,
    repeat: int,
    seed: int,
    tmp_root: Path | None,
    sql_reader: str,
    keep: bool,
    stages: tuple[str, ...] = STAGE_NAMES,
) -> dict[str, Any]:
    from pipelines.config import Settings

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    base = Path(tempfile.mkdtemp(prefix=f"samverkan-bench-{rows}-", dir=tmp_root))
    try:
        settings = Settings.from_env(base / "data")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKAN_")}
        env["PYTHONPATH"] = str(REPO)
        print(f"[{rows:,} rows] generating {dataset} ...", file=sys.stderr, flush=True)
        generated, _ = _run_child(
            ["generate", str(settings.data_dir), dataset, f"{rows}:{seed}"], env
        )
        generated_s = generated["seconds"]
        if sql_reader != "auto":
            env["SAMVERKAN_SQL_READER"] = sql_reader
        runs: list[dict[str, Any]] = []
        baselines: list[dict[str, Any]] = []
        for r in range(1, repeat + 1):
            print(f"[{rows:,} rows] run {r}/{repeat}: pipeline ...", file=sys.stderr, flush=True)
            answer, rss = _run_child(
                ["pipeline", str(settings.data_dir), dataset, f"bench{r}:{','.join(stages)}"], env
            )
            answer["peak_rss_mib"] = rss
            runs.append(answer)
            shutil.rmtree(settings.release_dir, ignore_errors=True)
            shutil.rmtree(settings.raw_dir / dataset / "runs", ignore_errors=True)
            print(f"[{rows:,} rows] run {r}/{repeat}: raw limit ...", file=sys.stderr, flush=True)
            out = base / "baseline.parquet"
            answer, rss = _run_child(["baseline", str(settings.data_dir), dataset, str(out)], env)
            answer["peak_rss_mib"] = rss
            baselines.append(answer)
            out.unlink(missing_ok=True)
        stage_s = {name: _median([run["stages"][name] for run in runs]) for name in stages}
        stage_cpu = {name: _median([run["cpu"][name] for run in runs]) for name in stages}
        pipeline_s = _median([sum(run["stages"].values()) for run in runs])
        baseline_s = _median([b["seconds"] for b in baselines])
        return {
            "rows": rows,
            "dataset": dataset,
            "repeat": repeat,
            "stages": stage_s,
            "stages_timed": list(stages),
            "pipeline_s": pipeline_s,
            "baseline_s": baseline_s,
            "ratio": round(pipeline_s / baseline_s, 2) if baseline_s else None,
            "peak_rss_mib": round(max(run["peak_rss_mib"] for run in runs), 1),
            "peak_rss_mib_median": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
            "peak_rss_with_workers_mib": round(max(r["tree_peak_rss_mib"] for r in runs), 1),
            "baseline_peak_rss_mib": round(max(b["peak_rss_mib"] for b in baselines), 1),
            "stage_cpu_s": stage_cpu,
            "pipeline_cpu_s": _median([sum(run["cpu"].values()) for run in runs]),
            "baseline_cpu_s": _median([b["cpu"] for b in baselines]),
            "rows_per_s": round(rows / pipeline_s) if pipeline_s else None,
            "baseline_rows_per_s": round(rows / baseline_s) if baseline_s else None,
            "runs": runs,
            "baselines": baselines,
            "sql_reader": sql_reader,
            "source_bytes": _source_bytes(settings, dataset),
            "generated_s": round(generated_s, 1),
            "machine": _machine(load_at_start),
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    finally:
        if keep:
            print(f"kept {base}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


def print_table(results: list[dict[str, Any]]) -> None:
    head = [
        "rows",
        *STAGE_NAMES,
        "pipeline_s",
        "baseline_s",
        "ratio",
        "peak_rss_mib",
        "with_workers_mib",
        "cpu_s",
        "rows/s",
    ]
    lines = [head]
    for r in results:
        lines.append(
            [
                f"{r['rows']:,}",
                *(f"{r['stages'][s]:.2f}" if s in r["stages"] else "-" for s in STAGE_NAMES),
                f"{r['pipeline_s']:.2f}",
                f"{r['baseline_s']:.2f}",
                f"{r['ratio']:.2f}",
                f"{r['peak_rss_mib']:.0f}",
                f"{r.get('peak_rss_with_workers_mib', 0):.0f}",
                f"{r['pipeline_cpu_s']:.1f}",
                f"{r['rows_per_s']:,}",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for n, line in enumerate(lines):
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    if results:
        m = results[-1]["machine"]
        print(
            f"\n{results[-1]['dataset']}, medians of {results[-1]['repeat']} runs; "
            f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, "
            f"pyarrow {m['pyarrow']}; load average at start {m['loadavg_at_start']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, nargs="+", default=None, help="sizes to run (default: 100000 1000000)"
    )
    parser.add_argument("--large", action="store_true", help="also run 10 000 000 rows")
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="JSON output file (one size), or folder (default bench/results)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--dataset", default="ekonomiskt_bistand")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--tmp-dir",
        type=Path,
        default=None,
        help="where the generated data goes (10M rows need ~8 GB)",
    )
    parser.add_argument(
        "--sql-reader",
        choices=["auto", "adbc", "sqlalchemy"],
        default="auto",
        help="SQL extraction reader (sqlalchemy: the pre-ADBC reader)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    parser.add_argument(
        "--stages",
        default=",".join(STAGE_NAMES),
        help="comma-separated stages to time (default: all; e.g. extract for a "
        "size whose later stages do not fit in memory)",
    )
    parser.add_argument(
        "--child", nargs=4, metavar=("MODE", "DATA", "DATASET", "ARG"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.child:
        mode, data, dataset, arg = args.child
        if mode == "pipeline":
            answer = _child_pipeline(Path(data), dataset, arg)
        elif mode == "generate":
            answer = _child_generate(Path(data), dataset, arg)
        else:
            answer = _child_baseline(Path(data), dataset, Path(arg))
        answer["vmhwm_kib"] = _vmhwm_kib()
        print(json.dumps(answer))
        return 0

    sizes = list(args.rows or DEFAULT_SIZES)
    if args.large and LARGE not in sizes:
        sizes.append(LARGE)
    results = []
    for rows in sizes:
        result = bench_size(
            rows,
            dataset=args.dataset,
            repeat=args.repeat,
            seed=args.seed,
            tmp_root=args.tmp_dir,
            sql_reader=args.sql_reader,
            keep=args.keep,
            stages=tuple(s for s in STAGE_NAMES if s in args.stages.split(",")),
        )
        results.append(result)
        if args.json and args.json.suffix == ".json" and len(sizes) == 1:
            target = args.json
        else:
            folder = args.json or RESULTS
            suffix = "" if args.sql_reader == "auto" else f"_{args.sql_reader}"
            if args.stages != ",".join(STAGE_NAMES):
                suffix += "_" + args.stages.replace(",", "+")
            target = folder / f"pipeline_{args.dataset}_{rows}{suffix}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
