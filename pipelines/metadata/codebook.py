"""The codebook of a release: what every column is and what its released values look like.

For each released column: name, type, role, description in Swedish and English, unit, the
generalisation applied (from the spec's hierarchy and level, in words) and statistics
computed on the release data (see ``stats``). Written as ``codebook.json`` for programs and
``codebook.md`` for people.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipelines.metadata.stats import file_column_stats
from pipelines.specs.model import Column, DatasetSpec

CODEBOOK_FORMAT = "samverkan-codebook/1"


def describe_step(step: Any) -> dict[str, str]:
    """One generalisation step in words, Swedish and English."""
    if step == "*":
        return {"sv": "helt undertryckt (*)", "en": "fully suppressed (*)"}
    if isinstance(step, dict) and "band" in step:
        width, low, top = step["band"], step.get("min", 0), step.get("top")
        sv, en = f"intervall om {width} från {low}", f"bands of {width} from {low}"
        if top is not None:
            sv, en = sv + f", {top} och över som {top}+", en + f", {top} and above as {top}+"
        return {"sv": sv, "en": en}
    if isinstance(step, dict) and "top_code" in step:
        top = step["top_code"]
        return {"sv": f"värden från {top} som {top}+", "en": f"values from {top} as {top}+"}
    if isinstance(step, dict) and "prefix" in step:
        n = step["prefix"]
        return {"sv": f"de första {n} tecknen", "en": f"the first {n} characters"}
    if isinstance(step, dict) and "date" in step:
        unit = str(step["date"])
        sv = {"day": "dag", "month": "månad", "quarter": "kvartal", "year": "år"}.get(unit, unit)
        return {"sv": f"datum till {sv}", "en": f"dates to the {unit}"}
    if isinstance(step, dict) and "map" in step:
        groups = len(set(dict(step["map"]).values()))
        return {"sv": f"grupperat i {groups} grupper", "en": f"mapped to {groups} groups"}
    return {"sv": str(step), "en": str(step)}


def qi_generalisation(level: int, step: Any, levels: int | None = None) -> dict[str, Any]:
    """A quasi-identifier released at ``level`` of its hierarchy (``step`` is that level)."""
    if level == 0:
        text = {"sv": "ingen (värdet som insamlat)", "en": "none (value as collected)"}
    else:
        text = describe_step(step)
    note = {
        "sv": "poster i för små grupper visas som *",
        "en": "records in too small groups are shown as *",
    }
    return {
        "kind": "generalised",
        "level": level,
        "levels": levels,
        "step": step if level else None,
        "text": text,
        "note": note,
    }


def generalisation(column: Column | None, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    """What anonymisation did to a released column.

    A quasi-identifier's level comes from the run's policy report (the level the engine
    chose for ``level: auto``), else from the spec's fixed level.
    """
    if column is None:
        return {"kind": "derived", "text": {"sv": "beräknad", "en": "derived"}}
    if column.role == "quasi_identifier" and column.hierarchy is not None:
        chosen = ((policy or {}).get("quasi_identifiers") or {}).get(column.name)
        if chosen is not None:
            level = int(chosen.get("level") or 0)
        elif isinstance(column.level, int):
            level = column.level
        else:
            return {
                "kind": "generalised",
                "level": None,
                "levels": len(column.hierarchy),
                "step": None,
                "text": {
                    "sv": "nivå vald vid körningen (se manifestet)",
                    "en": "level chosen by the run (see the manifest)",
                },
            }
        step = column.hierarchy[level - 1] if level else None
        return qi_generalisation(level, step, len(column.hierarchy))
    if column.role == "direct_identifier":
        return {
            "kind": "pseudonymised",
            "text": {
                "sv": "nyckelad pseudonym (HMAC), unik för projektet",
                "en": "keyed pseudonym (HMAC), unique to the project",
            },
        }
    if column.role == "free_text":
        return {
            "kind": "scrubbed",
            "text": {
                "sv": "personuppgifter borttagna ur fritexten",
                "en": "personal data removed from the free text",
            },
        }
    return {"kind": "none", "text": {"sv": "ingen", "en": "none"}}


def _counts_allowed(column: Column) -> bool:
    return column.role not in ("direct_identifier", "free_text")


def spec_column(spec: DatasetSpec, name: str) -> Column | None:
    try:
        return spec.column(name)
    except KeyError:
        return None


def table_name(path: Path) -> str:
    """``part-00000.parquet`` -> ``part``: files of one table share the prefix."""
    return re.sub(r"-\d+$", "", path.stem)


def group_tables(data_files: list[Path]) -> dict[str, list[Path]]:
    tables: dict[str, list[Path]] = {}
    for path in sorted(data_files):
        tables.setdefault(table_name(path), []).append(path)
    return tables


def _columns(
    spec: DatasetSpec, files: list[Path], policy: dict[str, Any] | None
) -> list[dict[str, Any]]:
    columns = []
    for field in pq.read_schema(files[0]):
        col = spec_column(spec, field.name)
        columns.append(
            {
                "name": field.name,
                "type": str(field.type),
                "spec_type": col.type if col else None,
                "role": col.role if col else "derived",
                "unit": col.unit if col else None,
                "description": {"sv": col.description.sv, "en": col.description.en}
                if col
                else {"sv": "", "en": ""},
                "generalisation": generalisation(col, policy),
                "statistics": file_column_stats(
                    files, field.name, counts_allowed=col is None or _counts_allowed(col)
                ),
            }
        )
    return columns


def build_codebook(
    *,
    spec: DatasetSpec,
    tier: str,
    version: str,
    data_files: list[Path],
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The codebook of the main table (``part-*``) and of any other table in the release."""
    tables = group_tables(data_files)
    main = tables.pop("part", None) or (tables.pop(next(iter(tables))) if tables else [])
    return {
        "format": CODEBOOK_FORMAT,
        "dataset": spec.name,
        "version": version,
        "tier": tier,
        "title": {"sv": spec.title.sv, "en": spec.title.en},
        "rows": sum(pq.read_metadata(p).num_rows for p in main),
        "columns": _columns(spec, main, policy) if main else [],
        "other_tables": {
            name: {
                "rows": sum(pq.read_metadata(p).num_rows for p in files),
                "columns": _columns(spec, files, policy),
            }
            for name, files in tables.items()
        },
    }


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _stats_lines(stats: dict[str, Any]) -> list[str]:
    lines = [
        f"- rows / rader: {stats['rows']}, nulls / saknas: {stats['nulls']}, "
        f"distinct / unika: {stats['distinct']}"
    ]
    if stats.get("kind") == "withheld":
        lines.append("- values withheld (pseudonyms or free text) / värden visas inte")
    for key in ("min", "max", "mean"):
        if key in stats:
            lines.append(f"- {key}: {_cell(stats[key])}")
    if stats.get("top_values"):
        lines += ["", "| value / värde | count / antal |", "|---|---:|"]
        lines += [f"| {_cell(t['value'])} | {t['count']} |" for t in stats["top_values"]]
        if stats.get("other_count"):
            lines.append(f"| (other / övriga) | {stats['other_count']} |")
    return lines


def _column_section(col: dict[str, Any], level: str) -> list[str]:
    gen = col["generalisation"]
    return [
        "",
        f"{level} `{col['name']}`",
        "",
        f"- type / typ: `{col['type']}`; role / roll: {col['role']}"
        + (f"; unit / enhet: {col['unit']}" if col.get("unit") else ""),
        f"- sv: {col['description']['sv']}",
        f"- en: {col['description']['en']}",
        f"- generalisation / generalisering: {gen['text']['en']} / {gen['text']['sv']}",
        *_stats_lines(col["statistics"]),
    ]


def render_markdown(codebook: dict[str, Any]) -> str:
    """The codebook for people: one section per column."""
    out = [
        f"# Codebook / Kodbok: {codebook['title']['en']} / {codebook['title']['sv']}",
        "",
        f"Dataset `{codebook['dataset']}`, version {codebook['version']}, "
        f"tier {codebook['tier']}, {codebook['rows']} rows.",
        "Statistics are computed on the released data. / Statistiken är beräknad på de "
        "utlämnade uppgifterna.",
    ]
    for col in codebook["columns"]:
        out += _column_section(col, "##")
    for name, table in codebook.get("other_tables", {}).items():
        out += ["", f"## Table / Tabell `{name}` ({table['rows']} rows)"]
        for col in table["columns"]:
            out += _column_section(col, "###")
    return "\n".join(out) + "\n"
