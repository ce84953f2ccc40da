"""The codebook of a release: what every column is and what its released values look like.

The study: unit of analysis (and the data subject the policy counts), population, temporal
coverage (from the data) and geographic coverage, the source system. For each released
column: name, label, type, role, description in Swedish and English, unit, the
generalisation applied (from the spec's hierarchy and level, in words), every value of a
coded column with its count and sv/en label, the typed missing codes with their counts
(``*`` suppressed; null unknown, not applicable or pending), and statistics computed on
the release data (see ``stats``). Aggregate tables are documented the same way, with their
dimensions, measures and protection. Written as ``codebook.json`` for programs,
``codebook.md`` for people and ``codebook.ddi.xml`` (DDI-Codebook 2.5, see ``ddi``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.metadata.labels import SUPPRESSED, missing_codes, value_label
from pipelines.metadata.stats import file_column_stats, read_column
from pipelines.publish.layout import is_coded
from pipelines.specs.model import Column, DatasetSpec

CODEBOOK_FORMAT = "samverkan-codebook/2"
MUNICIPALITY = {"code": "0126", "sv": "Huddinge kommun", "en": "Huddinge Municipality"}
SUPPRESSED_CELL = {
    "sv": "undertryckt cell (för få enheter, eller sekundärt undertryckt)",
    "en": "suppressed cell (too few units, or secondary suppression)",
}
SUPPRESSED_FLAG = {
    "sv": "Sant där cellens mått är undertryckta",
    "en": "True where the cell's measures are suppressed",
}


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


def _value_counts(files: list[Path], name: str) -> tuple[dict[Any, int], int]:
    """(count per non-missing value, null count) of one column over ``files``."""
    values = read_column(files, name)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    counts = {
        c["values"]: int(c["counts"]) for c in pc.value_counts(values.drop_null()).to_pylist()
    }
    return counts, int(values.null_count)


def _coding(
    col: Column | None, files: list[Path], name: str, generalisation: dict[str, Any]
) -> dict[str, Any]:
    """Categories (every value, count and label) and typed missing codes with counts."""
    codes = missing_codes(col)
    if col is None or not is_coded(col):
        return {"missing_codes": codes}
    counts, nulls = _value_counts(files, name)
    level = generalisation.get("level")
    categories = [
        {"value": value, "count": n, "label": value_label(col, value, level)}
        for value, n in sorted(counts.items(), key=lambda kv: str(kv[0]))
        if value != SUPPRESSED
    ]
    for code in codes:
        code["count"] = counts.get(SUPPRESSED, 0) if code["kind"] == "suppressed" else nulls
    return {"categories": categories, "missing_codes": codes}


def _columns(
    spec: DatasetSpec, files: list[Path], policy: dict[str, Any] | None
) -> list[dict[str, Any]]:
    columns = []
    for field in pq.read_schema(files[0]):
        col = spec_column(spec, field.name)
        general = generalisation(col, policy)
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
                "label": col.label.model_dump() if col and col.label else None,
                "generalisation": general,
                "statistics": file_column_stats(
                    files, field.name, counts_allowed=col is None or _counts_allowed(col)
                ),
            }
            | _coding(col, files, field.name, general)
        )
    return columns


def build_codebook(
    *,
    spec: DatasetSpec,
    tier: str,
    version: str,
    data_files: list[Path],
    policy: dict[str, Any] | None = None,
    aggregate_files: list[Path] | None = None,
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
        "description": {"sv": spec.description.sv, "en": spec.description.en},
        "study": study(spec, policy),
        "rows": sum(pq.read_metadata(p).num_rows for p in main),
        "columns": _columns(spec, main, policy) if main else [],
        "other_tables": {
            name: {
                "rows": sum(pq.read_metadata(p).num_rows for p in files),
                "columns": _columns(spec, files, policy),
            }
            for name, files in tables.items()
        },
        "aggregate_tables": {
            path.stem: aggregate_table(spec, path, policy) for path in aggregate_files or []
        },
    }


def _text(value: Any) -> dict[str, str] | None:
    return {"sv": value.sv, "en": value.en} if value is not None else None


def study(spec: DatasetSpec, policy: dict[str, Any] | None) -> dict[str, Any]:
    """What the data is about: unit of analysis, subject, population, coverage, source."""
    subject = (policy or {}).get("subject")
    return {
        "unit_of_analysis": _text(spec.coverage.unit_of_analysis),
        "subject": subject if isinstance(subject, str | dict) else None,
        "population": _text(spec.coverage.population),
        "geographic_coverage": dict(MUNICIPALITY),
        "temporal_column": spec.coverage.temporal_column,
        "source_system": _text(spec.coverage.source_system),
        "source_kind": spec.source.kind,
    }


def aggregate_table(spec: DatasetSpec, path: Path, policy: dict[str, Any] | None) -> dict:
    """One aggregate table: what it counts, by what, how it is protected, its columns."""
    aggregate = next((a for a in spec.aggregates if a.name == path.stem), None)
    out: dict[str, Any] = {
        "rows": pq.read_metadata(path).num_rows,
        "columns": _columns(spec, [path], policy),
    }
    if aggregate is not None:
        measures = []
        for m in aggregate.measures:
            what = {
                "count": {"sv": "antal poster", "en": "number of records"},
                "sum": {"sv": f"summa av {m.column}", "en": f"sum of {m.column}"},
                "count_distinct": {
                    "sv": f"antal olika {m.column}",
                    "en": f"number of distinct {m.column}",
                },
            }[m.kind]
            unit = spec.column(m.column).unit if m.kind == "sum" and m.column else None
            measures.append({"name": m.output_name, "kind": m.kind, "text": what, "unit": unit})
        out |= {
            "description": _text(aggregate.description),
            "dimensions": [d.model_dump() for d in aggregate.dimension_list],
            "measures": measures,
            "unit": aggregate.unit,
            "protection": aggregate.protection.model_dump(),
        }
        for col in out["columns"]:
            found = next((m for m in measures if m["name"] == col["name"]), None)
            if found is not None:
                col["description"] = found["text"]
                col["role"] = "measure"
                col["unit"] = found["unit"]
                nulls = col["statistics"]["nulls"]
                col["missing_codes"] = [
                    {"code": None, "kind": "suppressed", "count": nulls, **SUPPRESSED_CELL}
                ]
            elif col["name"] == "suppressed":
                col["description"] = SUPPRESSED_FLAG
                col["missing_codes"] = []
    return out


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _stats_lines(stats: dict[str, Any], coded: bool) -> list[str]:
    lines = [
        f"- rows / rader: {stats['rows']}, nulls / saknas: {stats['nulls']}, "
        f"distinct / unika: {stats['distinct']}"
    ]
    if stats.get("kind") == "withheld":
        lines.append("- values withheld (pseudonyms or free text) / värden visas inte")
    for key in ("min", "max", "mean"):
        if key in stats:
            lines.append(f"- {key}: {_cell(stats[key])}")
    if stats.get("top_values") and not coded:
        lines += ["", "| value / värde | count / antal |", "|---|---:|"]
        lines += [f"| {_cell(t['value'])} | {t['count']} |" for t in stats["top_values"]]
        if stats.get("other_count"):
            lines.append(f"| (other / övriga) | {stats['other_count']} |")
    return lines


def _coding_lines(col: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if col.get("categories") is not None:
        lines += [
            "",
            "| value / värde | label (sv) | label (en) | count / antal |",
            "|---|---|---|---:|",
        ]
        for cat in col["categories"]:
            label = cat["label"] or {"sv": "", "en": ""}
            lines.append(
                f"| {_cell(cat['value'])} | {_cell(label['sv'])} | {_cell(label['en'])} "
                f"| {cat['count']} |"
            )
    codes = col.get("missing_codes") or []
    if codes:
        lines += ["", "Missing codes / Koder för saknade värden:"]
        for code in codes:
            shown = "`*`" if code["code"] == "*" else "empty / tomt (null)"
            count = f" ({code['count']})" if "count" in code else ""
            lines.append(f"- {shown}{count}: {code['en']} / {code['sv']}")
    return lines


def _column_section(col: dict[str, Any], level: str) -> list[str]:
    gen = col["generalisation"]
    label = col.get("label")
    return [
        "",
        f"{level} `{col['name']}`" + (f" {label['en']} / {label['sv']}" if label else ""),
        "",
        f"- type / typ: `{col['type']}`; role / roll: {col['role']}"
        + (f"; unit / enhet: {col['unit']}" if col.get("unit") else ""),
        f"- sv: {col['description']['sv']}",
        f"- en: {col['description']['en']}",
        f"- generalisation / generalisering: {gen['text']['en']} / {gen['text']['sv']}",
        *_stats_lines(col["statistics"], col.get("categories") is not None),
        *_coding_lines(col),
    ]


def _study_lines(codebook: dict[str, Any]) -> list[str]:
    info = codebook.get("study") or {}
    lines = ["", "## Study / Studie", ""]
    for key, title in (
        ("unit_of_analysis", "Unit of analysis / Analysenhet"),
        ("population", "Population / Population"),
        ("source_system", "Source system / Källsystem"),
    ):
        if info.get(key):
            lines.append(f"- {title}: {info[key]['en']} / {info[key]['sv']}")
    if info.get("subject"):
        lines.append(f"- Data subject / Registrerad: {info['subject']}")
    geo = info.get("geographic_coverage")
    if geo:
        lines.append(f"- Geographic coverage / Geografisk täckning: {geo['en']} ({geo['code']})")
    temporal = (codebook.get("coverage") or {}).get("temporal")
    if temporal:
        lines.append(
            f"- Temporal coverage / Tidsmässig täckning: {temporal['start']} – {temporal['end']}"
        )
    lines += [
        "- `*` means suppressed: the value was withheld or generalised away by anonymisation "
        "because too few people share it. / `*` betyder undertryckt: värdet döljs av "
        "anonymiseringen eftersom för få personer delar det.",
    ]
    return lines


def render_markdown(codebook: dict[str, Any]) -> str:
    """The codebook for people: the study, then one section per column and table."""
    out = [
        f"# Codebook / Kodbok: {codebook['title']['en']} / {codebook['title']['sv']}",
        "",
        f"Dataset `{codebook['dataset']}`, version {codebook['version']}, "
        f"tier {codebook['tier']}, {codebook['rows']} rows.",
        "Statistics are computed on the released data. / Statistiken är beräknad på de "
        "utlämnade uppgifterna.",
        *_study_lines(codebook),
        "",
        "## Variables / Variabler",
    ]
    for col in codebook["columns"]:
        out += _column_section(col, "###")
    for name, table in codebook.get("other_tables", {}).items():
        out += ["", f"## Table / Tabell `{name}` ({table['rows']} rows)"]
        for col in table["columns"]:
            out += _column_section(col, "###")
    for name, table in codebook.get("aggregate_tables", {}).items():
        out += ["", f"## Aggregate table / Aggregerad tabell `{name}` ({table['rows']} rows)"]
        if table.get("description"):
            out += ["", f"{table['description']['en']} / {table['description']['sv']}"]
        if table.get("protection"):
            protection = ", ".join(f"{k}={v}" for k, v in table["protection"].items())
            out.append(f"- protection / skydd: {protection}; suppressed cells are empty")
        for col in table["columns"]:
            out += _column_section(col, "###")
    return "\n".join(out) + "\n"
