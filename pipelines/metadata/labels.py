"""Value labels and missing codes of a released column, in Swedish and English.

A code's label comes from the spec (``values``); a generalised quasi-identifier's labels
follow from its ladder step (``18-22``, ``78+``, ``<18``, ``141``...); names and dates
that label themselves (``self_labelled``) and plain numbers are their own labels. Missing
codes are typed: ``*`` is *suppressed* (withheld or generalised away by anonymisation), a
null is what the spec says it means (*unknown*, *not applicable* or *pending*).
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.specs.model import Column

SUPPRESSED = "*"
#: The margin category aggregate tables add to every dimension (anonymise.aggregate.MARGIN).
MARGIN = "Totalt"
MARGIN_LABEL = {"sv": "Totalt (alla kategorier)", "en": "Total (all categories)"}
MISSING_KINDS: dict[str, dict[str, str]] = {
    "suppressed": {
        "sv": "undertryckt: värdet döljs av anonymiseringen (för liten grupp)",
        "en": "suppressed: withheld by anonymisation (too small a group)",
    },
    "unknown": {"sv": "uppgift saknas", "en": "unknown (not recorded)"},
    "not_applicable": {"sv": "ej tillämpligt", "en": "not applicable"},
    "pending": {
        "sv": "ännu inte inträffat (t.ex. pågående ärende)",
        "en": "pending (e.g. not yet ended or decided)",
    },
}
_BAND = re.compile(r"^(\d+)-(\d+)$")


def _generalised(value: str) -> dict[str, str] | None:
    if match := _BAND.match(value):
        low, high = match.groups()
        return {"sv": f"{low}–{high}", "en": f"{low}–{high}"}
    if value.endswith("+") and value[:-1].isdigit():
        top = value[:-1]
        return {"sv": f"{top} eller mer", "en": f"{top} or more"}
    if value.startswith("<") and value[1:].isdigit():
        return {"sv": f"under {value[1:]}", "en": f"under {value[1:]}"}
    return None


def value_label(column: Column, value: Any, level: int | None) -> dict[str, str] | None:
    """The sv/en label of one released value of ``column``, or None when none is known."""
    text = str(value)
    if column.values and text in column.values:
        label = column.values[text]
        return {"sv": label.sv, "en": label.en}
    if text == MARGIN:
        return dict(MARGIN_LABEL)
    if column.self_labelled:
        return {"sv": text, "en": text}
    if column.type in ("int", "float"):  # a number, or its band once generalised
        return _generalised(text) or {"sv": text, "en": text}
    if column.type in ("date", "timestamp"):  # a date at the released precision
        return {"sv": text, "en": text}
    if column.role == "quasi_identifier" and level:
        step = column.hierarchy[level - 1] if column.hierarchy else None
        if isinstance(step, dict) and "prefix" in step:
            return {"sv": f"börjar på {text}", "en": f"starting {text}"}
        if isinstance(step, dict) and "map" in step:
            return {"sv": text, "en": text}  # the group names the spec maps to
        return _generalised(text) or {"sv": text, "en": text}
    return None


def missing_codes(column: Column | None) -> list[dict[str, Any]]:
    """The missing codes a column can hold, typed."""
    codes: list[dict[str, Any]] = []
    if column is not None and column.role == "quasi_identifier":
        codes.append({"code": SUPPRESSED, "kind": "suppressed", **MISSING_KINDS["suppressed"]})
    kind = column.missing if column is not None else "unknown"
    codes.append({"code": None, "kind": kind, **MISSING_KINDS[kind]})
    return codes
