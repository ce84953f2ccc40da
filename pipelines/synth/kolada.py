"""Synthetic saved pages of the Kolada v2 API: ``kolada/page-0001.json``, ``page-0002.json``...

Kolada is public aggregate data, so nothing is planted here. The pages have the API's shape
(``values``, ``count`` over all pages, ``next_page`` URL or null on the last page) for four
key figures for Huddinge (0126) in 2015-2024, with plausible values: a population growing
from about 104 000 to 115 000, split by gender. The meaning given to N11004, N00945 and
U21468 (a cost per inhabitant and two percentages) is illustrative. ``rows`` has no effect.
"""

from __future__ import annotations

import json

import numpy as np

from pipelines.synth.common import Job
from pipelines.synth.planted import PlantedLog, SpanLog

NAME = "kolada"
FREE_TEXT_COLUMN = None
FOLDER = "kolada"
MUNICIPALITY = "0126"
KPIS = ("N01951", "N11004", "N00945", "U21468")
YEARS = tuple(range(2015, 2025))
API_BASE = "http://api.kolada.se"


def api_path() -> str:
    """The API path these pages answer (matches the kolada spec's ``api_path``)."""
    years = ",".join(str(y) for y in YEARS)
    return f"/v2/data/kpi/{','.join(KPIS)}/municipality/{MUNICIPALITY}/year/{years}"


def _values(rng: np.random.Generator) -> list[dict]:
    entries = []
    t = np.arange(len(YEARS))
    population = np.rint(104_200 + 1_200 * t + rng.normal(0, 150, size=len(t)))
    series = {
        "N01951": (population, None),
        "N11004": (np.round(7_600 + 210 * t + rng.normal(0, 120, size=len(t)), 0), 0.04),
        "N00945": (np.round(63 + 0.6 * t + rng.normal(0, 0.8, size=len(t)), 1), 0.05),
        "U21468": (np.round(84 + 0.3 * t + rng.normal(0, 1.2, size=len(t)), 1), 0.03),
    }
    for kpi in KPIS:
        total, spread = series[kpi]
        for i, year in enumerate(YEARS):
            value = float(total[i])
            if spread is None:  # a count: women and men add up to the total
                women = float(np.rint(value * (0.497 + rng.normal(0, 0.001))))
                men = value - women
            else:
                decimals = 0 if kpi == "N11004" else 1
                women = round(value * (1 + rng.uniform(-spread, spread)), decimals)
                men = round(value * (1 + rng.uniform(-spread, spread)), decimals)
            entries.append(
                {
                    "kpi": kpi,
                    "municipality": MUNICIPALITY,
                    "period": year,
                    "values": [
                        {"gender": g, "count": 1, "status": "", "value": v}
                        for g, v in (("T", value), ("K", women), ("M", men))
                    ],
                }
            )
    return entries


def generate(job: Job, planted: PlantedLog, spans: SpanLog) -> tuple[int, str]:
    """Write the pages; returns the number of top-level values and the folder."""
    del planted, spans  # public aggregates: nothing to plant
    values = _values(job.rng(NAME))
    per_page = job.kolada_per_page
    folder = job.settings.sources_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("page-*.json"):
        stale.unlink()
    pages = [values[i : i + per_page] for i in range(0, len(values), per_page)]
    for number, page in enumerate(pages, start=1):
        last = number == len(pages)
        next_page = (
            None if last else f"{API_BASE}{api_path()}?page={number + 1}&per_page={per_page}"
        )
        body = {"values": page, "count": len(values), "next_page": next_page}
        path = folder / f"page-{number:04d}.json"
        path.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(values), str(folder)
