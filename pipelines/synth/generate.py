"""Generate the synthetic source systems: one SQL table, three exports and Kolada pages.

``generate_all`` runs the chosen dataset generators (all five by default), each writing
where the real system would put its data under ``settings.sources_dir`` (or into the
source database), and collects what each planted into the side files in the raw zone.
The same seed and rows give byte-identical files and identical database rows.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

from pipelines.config import Settings
from pipelines.errors import SamverkanError
from pipelines.synth import bygglov, ekonomiskt_bistand, hemtjanst, kolada, kontaktcenter
from pipelines.synth.common import CHUNK_ROWS, Job
from pipelines.synth.planted import PlantedLog, SpanLog, merge_parts, spans_path
from pipelines.synth.writers import redact_url

log = logging.getLogger(__name__)

_MODULES: dict[str, ModuleType] = {
    "ekonomiskt_bistand": ekonomiskt_bistand,
    "hemtjanst": hemtjanst,
    "bygglov": bygglov,
    "kontaktcenter": kontaktcenter,
    "kolada": kolada,
}
DATASETS: tuple[str, ...] = tuple(_MODULES)


@dataclass(frozen=True)
class DatasetResult:
    """What one generator wrote. ``target`` names a file, folder or table, never a value."""

    dataset: str
    rows: int
    target: str
    seconds: float
    planted: int  # distinct identifier values recorded in the side file
    spans: int  # identifiers planted in free text


@dataclass(frozen=True)
class GenerateReport:
    """The outcome of one ``generate`` run."""

    seed: int
    rows: int
    datasets: tuple[DatasetResult, ...]
    planted_identifiers: Path
    planted_spans: Path
    seconds: float = 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["planted_identifiers"] = str(self.planted_identifiers)
        out["planted_spans"] = str(self.planted_spans)
        return out


def generate_all(
    settings: Settings,
    *,
    seed: int,
    rows: int,
    datasets: list[str] | None = None,
    db_url: str | None = None,
    kolada_per_page: int = 25,
    chunk_rows: int = CHUNK_ROWS,
) -> GenerateReport:
    """Generate the chosen datasets (default all) and update the planted-identifier files.

    ``rows`` is the row count of ekonomiskt_bistand, hemtjanst, bygglov and kontaktcenter;
    Kolada always has 4 key figures x 10 years, split into pages of ``kolada_per_page``.
    """
    names = _check(datasets, rows, kolada_per_page)
    job = Job(
        settings=settings,
        seed=seed,
        rows=rows,
        db_url=db_url,
        chunk_rows=chunk_rows,
        kolada_per_page=kolada_per_page,
    )
    side = settings.planted_identifiers_path()
    spans_file = spans_path(side)
    side.parent.mkdir(parents=True, exist_ok=True)
    id_parts: dict[str, Path] = {}
    span_parts: dict[str, Path] = {}
    results: list[DatasetResult] = []
    began = time.perf_counter()
    try:
        for name in names:
            results.append(_one(job, name, side.parent, id_parts, span_parts))
        merge_parts(side, id_parts, DATASETS)
        merge_parts(spans_file, span_parts, DATASETS)
    finally:
        for part in (*id_parts.values(), *span_parts.values()):
            part.unlink(missing_ok=True)
    return GenerateReport(
        seed=seed,
        rows=rows,
        datasets=tuple(results),
        planted_identifiers=side,
        planted_spans=spans_file,
        seconds=round(time.perf_counter() - began, 3),
    )


def _check(datasets: list[str] | None, rows: int, per_page: int) -> list[str]:
    if rows < 1:
        raise SamverkanError("rows must be at least 1")
    if per_page < 1:
        raise SamverkanError("Kolada per_page must be at least 1")
    if not datasets:
        return list(DATASETS)
    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        raise SamverkanError(
            f"unknown dataset {', '.join(unknown)}; choose from {', '.join(DATASETS)}"
        )
    return [d for d in DATASETS if d in datasets]


def _one(
    job: Job, name: str, folder: Path, id_parts: dict[str, Path], span_parts: dict[str, Path]
) -> DatasetResult:
    module = _MODULES[name]
    began = time.perf_counter()
    planted = PlantedLog(name)
    span_part = folder / f".{name}.spans.part"
    span_parts[name] = span_part
    with span_part.open("w", encoding="utf-8", newline="\n") as handle:
        spans = SpanLog(handle, name, getattr(module, "FREE_TEXT_COLUMN", "") or "")
        written, target = module.generate(job, planted, spans)
        spans.flush()
    id_part = folder / f".{name}.identifiers.part"
    id_parts[name] = id_part
    with id_part.open("w", encoding="utf-8", newline="\n") as handle:
        n_planted = planted.write(handle)
    if target.startswith("table "):
        target = f"{target} at {redact_url(job.db_url or job.settings.source_db_url)}"
    seconds = round(time.perf_counter() - began, 3)
    log.info("generated %s: %d rows -> %s (%.1f s)", name, written, target, seconds)
    return DatasetResult(
        dataset=name,
        rows=written,
        target=target,
        seconds=seconds,
        planted=n_planted,
        spans=spans.count,
    )
