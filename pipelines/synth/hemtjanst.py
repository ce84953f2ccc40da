"""Synthetic home-care system export: ``hemtjanst/hemtjanst_export.csv``.

Shaped like Excel's "CSV" from a Swedish locale, because that is what the care system's
monthly export is: Windows-1252, ``;`` delimiter, decimal comma, CRLF line endings. One row
per decision (beslut om insats) and reporting month in January 2024 to December 2025,
people having one to three decisions of different types; decisions may have started before
the window and end with an Avslutsorsak. Ålder is the age on the first day of Månad.
"""

from __future__ import annotations

import numpy as np

from pipelines.synth import identity as ident
from pipelines.synth.common import Job
from pipelines.synth.dates import (
    EXTRACTION_DATE,
    WINDOW_MONTHS,
    WINDOW_START,
    age_on,
    birth_for_age,
    iso,
    month_labels,
    month_start,
)
from pipelines.synth.planted import PlantedLog, SpanLog
from pipelines.synth.pools import DISTRICTS, build_pools, districts
from pipelines.synth.writers import csv_file, decimal_comma

NAME = "hemtjanst"
FREE_TEXT_COLUMN = None
PATH = "hemtjanst/hemtjanst_export.csv"
HEADER = (
    "Personnummer",
    "Namn",
    "Kön",
    "Ålder",
    "Stadsdel",
    "Insatstyp",
    "Beslutsdatum",
    "Startdatum",
    "Slutdatum",
    "Månad",
    "Beviljade timmar",
    "Utförda timmar",
    "Utförare",
    "Avslutsorsak",
)
SERVICES = ("personlig omvårdnad", "service", "trygghetslarm", "matdistribution")
_SERVICE_P = np.array([0.35, 0.30, 0.25, 0.10])
_HOURS_MEDIAN = np.array([28.0, 6.0, 0.5, 2.0])  # granted hours per month
_HOURS_SPREAD = np.array([0.7, 0.5, 0.6, 0.3])
PROVIDERS = ("Egen regi", "Attendo", "Vardaga", "Förenade Care")
_PROVIDER_P = np.array([0.40, 0.25, 0.20, 0.15])
END_REASONS = (
    "Avliden",
    "Flyttat till särskilt boende",
    "Behov upphört",
    "Eget önskemål",
    "Flyttat från kommunen",
)
_END_P = np.array([0.35, 0.30, 0.15, 0.10, 0.10])
# Older districts weigh more in home care (weights in DISTRICTS order).
_DISTRICT_W = np.array([0.07, 0.11, 0.17, 0.13, 0.16, 0.09, 0.06, 0.05, 0.05, 0.11])


def _decisions(rng: np.random.Generator, rows: int) -> dict[str, np.ndarray]:
    """Decisions (person, type, dates, months in the window) giving exactly ``rows`` rows."""
    window_first = WINDOW_START.astype("datetime64[D]")
    parts: list[dict[str, np.ndarray]] = []
    total, people = 0, 0
    while total < rows:
        n_people = max(rows // 12, 50)
        per_person = rng.choice([1, 2, 3], size=n_people, p=[0.6, 0.3, 0.1])
        person = np.repeat(np.arange(people, people + n_people), per_person)
        people += n_people
        n = len(person)
        kind = rng.choice(len(SERVICES), size=n, p=_SERVICE_P)
        # a person's decisions have different types: the first one's, then the next ones
        first = np.r_[True, person[1:] != person[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        kind = (kind[group_start] + np.arange(n) - group_start) % len(SERVICES)
        decided = np.datetime64("2021-01-01") + rng.integers(0, 1810, size=n)
        started = decided + rng.integers(0, 22, size=n)
        ends = rng.random(n) < 0.45
        ended = started + 14 + rng.exponential(260, size=n).astype(np.int64)
        ended = np.where(ends & (ended <= EXTRACTION_DATE), ended, np.datetime64("NaT"))
        first_m = np.maximum((started.astype("datetime64[M]") - WINDOW_START).astype(np.int64), 0)
        last_day = np.where(np.isnat(ended), EXTRACTION_DATE, ended)
        last_m = np.minimum(
            (last_day.astype("datetime64[M]") - WINDOW_START).astype(np.int64), WINDOW_MONTHS - 1
        )
        months = np.where(last_day >= window_first, last_m - first_m + 1, 0)
        months = np.maximum(months, 0)
        keep = months > 0
        parts.append(
            {
                "person": person[keep],
                "kind": kind[keep],
                "decided": decided[keep],
                "started": started[keep],
                "ended": ended[keep],
                "first_m": first_m[keep],
                "months": months[keep],
            }
        )
        total += int(months[keep].sum())
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    cum = np.cumsum(out["months"])
    n = int(np.searchsorted(cum, rows)) + 1
    out = {k: v[:n].copy() for k, v in out.items()}
    out["months"][-1] -= int(cum[n - 1]) - rows
    # renumber the people who kept at least one decision: 0..P-1 in order of appearance
    _, first_seen, inverse = np.unique(out["person"], return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_seen))
    out["person"] = order[inverse]
    return out


def generate(job: Job, planted: PlantedLog, spans: SpanLog) -> tuple[int, str]:
    """Write the export CSV; returns rows written and the file path."""
    del spans  # no free text in this export
    rng = job.rng(NAME)
    pools = build_pools(job.seed)
    d = _decisions(rng, job.rows)
    n_people = int(d["person"].max()) + 1

    # people: mostly 65-100 on 1 January 2024, some younger with disabilities
    old = rng.random(n_people) < 0.87
    age = np.where(
        old,
        np.minimum(65 + rng.gamma(4.0, 4.5, size=n_people).astype(np.int64), 101),
        rng.integers(20, 65, size=n_people),
    )
    male = rng.random(n_people) < np.where(old, 0.36, 0.5)
    birth = birth_for_age(rng, age, np.full(n_people, WINDOW_START.astype("datetime64[D]")))
    coordination = rng.random(n_people) < 0.005
    pnr = ident.person_numbers(rng, birth, male, coordination)
    first = pools.first_names(rng, male)
    last = pools.last_names(rng, n_people)
    name = np.array([f"{f} {la}" for f, la in zip(first, last, strict=True)], dtype=object)
    district = districts(rng, n_people, _DISTRICT_W)

    n_dec = len(d["person"])
    provider = rng.choice(len(PROVIDERS), size=n_dec, p=_PROVIDER_P)
    end_reason = rng.choice(len(END_REASONS), size=n_dec, p=_END_P)
    granted = _HOURS_MEDIAN[d["kind"]] * np.exp(rng.normal(0, _HOURS_SPREAD[d["kind"]], size=n_dec))
    dec_text = {
        "decided": np.array(iso(d["decided"]), dtype=object),
        "started": np.array(iso(d["started"]), dtype=object),
        "ended": np.array(iso(d["ended"]), dtype=object),
    }
    has_end = ~np.isnat(d["ended"])

    # rows: each decision's months in order, people in order of first appearance
    row_dec = np.repeat(np.arange(n_dec), d["months"])
    offset = np.arange(job.rows) - np.repeat(np.cumsum(d["months"]) - d["months"], d["months"])
    row_month = d["first_m"][row_dec] + offset

    labels = np.array(month_labels(), dtype=object)
    sex = np.array(["Kvinna", "Man"], dtype=object)
    services = np.array(SERVICES, dtype=object)
    providers = np.array(PROVIDERS, dtype=object)
    reasons = np.array(END_REASONS, dtype=object)
    district_names = np.array([x.name for x in DISTRICTS], dtype=object)
    pnr_text = np.array(pnr.canonical, dtype=object)
    path = job.settings.sources_dir / PATH
    with csv_file(path, encoding="cp1252", delimiter=";", lineterminator="\r\n") as out:
        out.writerow(HEADER)
        for number, (lo, hi) in enumerate(job.chunks(), start=1):
            crng = job.rng(NAME, number)
            dec = row_dec[lo:hi]
            m = row_month[lo:hi]
            p = d["person"][dec]
            hours = np.round(granted[dec] * crng.uniform(0.9, 1.1, size=hi - lo), 1)
            done = np.round(hours * crng.uniform(0.7, 1.02, size=hi - lo), 1)
            columns = [
                pnr_text[p].tolist(),
                name[p].tolist(),
                sex[male[p].astype(int)].tolist(),
                age_on(birth[p], month_start(m)).tolist(),
                district_names[district[p]].tolist(),
                services[d["kind"][dec]].tolist(),
                dec_text["decided"][dec].tolist(),
                dec_text["started"][dec].tolist(),
                dec_text["ended"][dec].tolist(),
                labels[m].tolist(),
                decimal_comma(hours.tolist()),
                decimal_comma(done.tolist()),
                providers[provider[dec]].tolist(),
                np.where(has_end[dec], reasons[end_reason[dec]], "").tolist(),
            ]
            out.writerows(zip(*columns, strict=True))

    centenarian = birth <= np.datetime64("1925-12-31")  # 100 or more by the end of 2025
    planted.add_person_numbers(pnr.canonical, pnr.coordination, centenarian)
    planted.add("name", name.tolist())
    return job.rows, str(path)
