"""Free text under the same policy as the columns beside it.

The PII scrub takes identifiers out of a note, but a note also repeats what the columns
generalise or suppress: a day-precise date where the date columns are cut to the month,
the district of a row whose district is ``*``. This module brings released text to the
columns' policy:

- dates are generalised to the coarsest level of the release's date columns (``day``,
  ``month``, ``quarter`` or ``year``; ``month`` when the spec has no date column, as a
  monthly register's period): ``2025-01-14`` -> ``2025-01``, ``den 14 januari`` ->
  ``januari``, ``14/1`` -> ``januari``; at ``year`` level to the year, at ``*`` to
  ``[DATUM]``; a quarter level is treated as ``year`` (never finer than the spec);
- on a row where a text quasi-identifier is released as ``*``, every value of that column
  (e.g. every district name) is replaced by ``[<COLUMN>]``; on a row where a date
  quasi-identifier is ``*``, every date in the text becomes ``[DATUM]``;
- special-category words (GDPR art. 9; health) are counted per column for the report the
  data protection officer reviews; the counts say how many texts mention a term, no text.

Patterns run in Arrow's RE2 over whole columns, so the cost is a few passes per batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.generalise import SUPPRESSED
from pipelines.specs.model import Column, DatasetSpec, Tier

DateLevel = str  # "day" | "month" | "year" | "*"
_ORDER = {"day": 0, "month": 1, "year": 2, "*": 3}
_NAMES = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]
_MONTH = (
    r"(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|nov|dec)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_DAY2 = r"(?:0[1-9]|[12]\d|3[01])"
_DATUM = "[DATUM]"
#: Most place or category values are longer; shorter ones (sex codes) are not scrubbed.
MIN_VALUE_CHARS = 4
#: A column with more distinct values is not a list of names (nothing is scrubbed).
MAX_VALUES = 2000

#: Special-category terms (GDPR art. 9) by category: label -> RE2 pattern (lower case).
SPECIAL_CATEGORIES: dict[str, dict[str, str]] = {
    "health": {
        "sjukskriven/sjukskrivning": r"sjukskriv",
        "läkarintyg": r"läkarintyg",
        "sjukdom": r"sjukdom",
        "diagnos": r"diagnos",
        "psykisk ohälsa": r"psykisk\w*\s+ohälsa",
        "psykiatri": r"psykiatri",
        "depression": r"depression",
        "missbruk": r"missbruk",
        "beroende": r"beroende(?:vård|problem|mottagning)",
        "sjukhus": r"sjukhus",
        "vårdcentral": r"vårdcentral",
        "funktionsnedsättning": r"funktionsnedsättning|funktionshinder",
        "medicin": r"medicin",
    }
}


def _rules(level: DateLevel) -> list[tuple[str, str]]:
    """(pattern, replacement) in the order they run, for one level (not ``day``)."""
    month, year, star = level == "month", level == "year", level == "*"

    def pick(m: str, y: str) -> str:
        return m if month else y if year else _DATUM

    iso = rf"\b(\d{{4}})-(0[1-9]|1[0-2])-{_DAY2}(?:[T ]\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?)?\b"
    rules = [(iso, pick(r"\1-\2", r"\1"))]
    for sep in (r"\.", r"/", "-"):
        tail = sep if sep == r"\." else r"[/-]"
        rules += [
            (rf"\b{_DAY}{sep}([1-9]){tail}(\d{{4}})\b", pick(r"\2-0\1", r"\2")),
            (rf"\b{_DAY}{sep}(1[0-2]|0[1-9]){tail}(\d{{4}})\b", pick(r"\2-\1", r"\2")),
        ]
    named = rf"(?i)\b(?:den\s+)?{_DAY}(?::?[ae])?\s+({_MONTH})\b\.?"
    rules += [
        (rf"{named}\s*(\d{{4}})\b", pick(r"\1 \2", r"\2")),
        (named, pick(r"\1", _DATUM)),
    ]
    for number, name in enumerate(_NAMES, start=1):
        rules.append((rf"(?i)\b(?:den\s+)?{_DAY}/0?{number}\b", pick(name, _DATUM)))
    if year or star:
        rules += [
            (rf"(?i)\b({_MONTH})\.?\s+(\d{{4}})\b", pick("", r"\2")),
            (r"\b(\d{4})-(0[1-9]|1[0-2])\b", pick("", r"\1")),
        ]
    return rules


def generalise_text_dates(values: pa.Array, level: DateLevel) -> pa.Array:
    """``values`` with every date written no finer than ``level``."""
    if level == "day" or len(values) == 0:
        return values
    for pattern, replacement in _rules(level):
        values = pc.replace_substring_regex(values, pattern, replacement)
    return values


def _step_level(step: Any) -> DateLevel:
    if isinstance(step, dict) and "date" in step:
        unit = str(step["date"])
        return "year" if unit == "quarter" else unit
    return "*"


def date_level(spec: DatasetSpec, tier: Tier, levels: dict[str, int]) -> DateLevel:
    """The coarsest released level of the spec's date columns (``month`` without any)."""
    from pipelines.anonymise.policy import is_released

    found: list[DateLevel] = []
    for c in spec.columns:
        if c.type not in ("date", "timestamp") or not is_released(c, tier):
            continue
        level = levels.get(c.name, 0) if c.role == "quasi_identifier" else 0
        hierarchy = c.hierarchy or []
        found.append("day" if level == 0 else _step_level(hierarchy[level - 1]))
    return max(found, key=_ORDER.__getitem__) if found else "month"


def _value_pattern(values: list[str]) -> str | None:
    """One pattern for every value and every part of a compound name ("Sjödalen" of
    "Sjödalen-Fullersta"), longest first, as whole words (a genitive s allowed)."""
    if len(values) > MAX_VALUES:
        return None
    parts = {p for v in values for p in re.split(r"[-\s]+", v)} | set(values)
    names = sorted({p for p in parts if len(p) >= MIN_VALUE_CHARS}, key=len, reverse=True)
    if not names:
        return None
    words = "|".join(re.escape(v) for v in names)
    # not inside a placeholder of the scrubber ("[TELEFON]" stays as it is)
    return rf"(?i)(^|[^\pL\pN\[])(?:{words})s?($|[^\pL\pN\]])"


@dataclass
class TextPolicy:
    """The text rules of one spec and tier; ``apply`` runs them on a released batch and
    adds to ``report`` (value-free counts), which the plan's report holds."""

    text_columns: list[str]
    level: DateLevel
    places: dict[str, str]  # quasi-identifier -> pattern of its values
    report: dict[str, Any] = field(default_factory=dict)
    date_qis: list[str] = field(default_factory=list)  # a row with one at '*': no dates

    @classmethod
    def build(
        cls,
        spec: DatasetSpec,
        tier: Tier,
        levels: dict[str, int],
        raw_column: Callable[[str], pa.Array | pa.ChunkedArray],
    ) -> TextPolicy | None:
        from pipelines.anonymise.policy import is_released

        texts = [c.name for c in spec.columns if c.role == "free_text" and is_released(c, tier)]
        if not texts:
            return None
        places: dict[str, str] = {}
        for c in spec.columns:
            if _is_text_qi(c) and is_released(c, tier):
                distinct = pc.unique(raw_column(c.name)).to_pylist()
                pattern = _value_pattern([str(v) for v in distinct if v is not None])
                if pattern:
                    places[c.name] = pattern
        level = date_level(spec, tier, levels)
        report = {
            name: {
                "date_level": level,
                "texts_with_dates_generalised": 0,
                "texts_with_suppressed_values_scrubbed": 0,
                "scrubbed_values_of": sorted(places),
                "special_categories": {
                    cat: dict.fromkeys(terms, 0) for cat, terms in SPECIAL_CATEGORIES.items()
                },
            }
            for name in texts
        }
        date_qis = [
            c.name
            for c in spec.columns
            if c.role == "quasi_identifier"
            and c.type in ("date", "timestamp")
            and is_released(c, tier)
        ]
        return cls(texts, level, places, report, date_qis)

    def apply(self, table: pa.Table) -> pa.Table:
        """The released batch with its text columns under the policy."""
        for name in self.text_columns:
            values = table.column(name).combine_chunks()
            figures = self.report[name]
            dated = generalise_text_dates(values, self.level)
            hidden = _starred(table, self.date_qis)
            if hidden is not None:  # the row's date is suppressed: so are dates in its text
                dated = pc.if_else(hidden, generalise_text_dates(values, "*"), dated)
            figures["texts_with_dates_generalised"] += _changed(values, dated)
            scrubbed = dated
            for column, pattern in self.places.items():
                if column not in table.column_names:
                    continue
                starred = pc.fill_null(pc.equal(table.column(column), SUPPRESSED), False)
                label = f"[{column.upper()}]"
                replaced = scrubbed
                for _ in range(2):  # a second pass for names next to each other
                    replaced = pc.replace_substring_regex(replaced, pattern, rf"\1{label}\2")
                scrubbed = pc.if_else(starred, replaced, scrubbed)
            figures["texts_with_suppressed_values_scrubbed"] += _changed(dated, scrubbed)
            lowered = pc.utf8_lower(scrubbed)
            for category, terms in SPECIAL_CATEGORIES.items():
                counts = figures["special_categories"][category]
                for term, pattern in terms.items():
                    hits = pc.match_substring_regex(lowered, pattern)
                    counts[term] += int(pc.sum(pc.fill_null(hits, False)).as_py() or 0)
            index = table.column_names.index(name)
            table = table.set_column(index, name, scrubbed)
        return table


def _starred(table: pa.Table, columns: list[str]) -> pa.Array | None:
    """Rows where any of ``columns`` is released as ``*`` (None without columns)."""
    mask = None
    for name in columns:
        starred = pc.fill_null(pc.equal(table.column(name), SUPPRESSED), False)
        mask = starred if mask is None else pc.or_(mask, starred)
    return mask


def _is_text_qi(column: Column) -> bool:
    return column.role == "quasi_identifier" and column.type == "string"


def _changed(before: pa.Array, after: pa.Array) -> int:
    differs = pc.fill_null(pc.not_equal(before, after), False)
    return int(pc.sum(differs).as_py() or 0)
