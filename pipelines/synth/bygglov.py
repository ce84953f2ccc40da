"""Synthetic building-permit case system export: ``bygglov/bygglov_arenden.csv``.

A UTF-8 export with a byte-order mark, ``,`` delimiter (fields with commas quoted), ``.``
decimals and LF line endings. Cases received 2023-2025 are numbered ``BN <year>-<serial>``
in order of arrival; about 30 % of applicants are organisations (valid organisationsnummer,
recurring firms), the rest private persons (personnummer). Cases still open on the
extraction date (31 December 2025) have ``beslut`` ``pågående`` and no decision date,
processing days or fee.
"""

from __future__ import annotations

import numpy as np

from pipelines.synth import identity as ident
from pipelines.synth.common import Job
from pipelines.synth.dates import EXTRACTION_DATE, birth_for_age, iso
from pipelines.synth.planted import PlantedLog, SpanLog
from pipelines.synth.pools import build_pools, districts, postcodes, property_designations
from pipelines.synth.writers import csv_file

NAME = "bygglov"
FREE_TEXT_COLUMN = None
PATH = "bygglov/bygglov_arenden.csv"
HEADER = (
    "diarienummer",
    "sokande_id",
    "sokande_typ",
    "sokande_namn",
    "fastighetsbeteckning",
    "adress",
    "postnummer",
    "arendetyp",
    "inkom_datum",
    "beslut_datum",
    "beslut",
    "handlaggningsdagar",
    "avgift",
)
# case type, share among private applicants, among organisations, fee range in SEK
CASE_TYPES = (
    ("nybyggnad enbostadshus", 0.10, 0.10, 18_000, 45_000),
    ("tillbyggnad", 0.22, 0.06, 8_000, 22_000),
    ("fasadändring", 0.12, 0.10, 3_000, 9_000),
    ("komplementbyggnad", 0.16, 0.03, 5_000, 12_000),
    ("attefallsåtgärd", 0.20, 0.01, 3_000, 6_500),
    ("rivningslov", 0.05, 0.10, 3_000, 10_000),
    ("marklov", 0.05, 0.08, 4_000, 12_000),
    ("skyltlov", 0.02, 0.17, 2_000, 6_000),
    ("nybyggnad flerbostadshus", 0.00, 0.20, 80_000, 420_000),
    ("ändrad användning", 0.08, 0.15, 6_000, 24_000),
)
DECISIONS = ("beviljat", "avslag", "avskrivet", "avvisat")
_DECISION_P = np.array([0.84, 0.06, 0.07, 0.03])


def generate(job: Job, planted: PlantedLog, spans: SpanLog) -> tuple[int, str]:
    """Write the case export CSV; returns rows written and the file path."""
    del spans  # no free text in this export
    rng = job.rng(NAME)
    pools = build_pools(job.seed)
    n = job.rows

    received = np.sort(np.datetime64("2023-01-02") + rng.integers(0, 1094, size=n))
    # a case arrives on a weekday: move Saturday/Sunday to Monday (1970-01-01 was a Thursday)
    weekday = (received.astype(np.int64) + 3) % 7
    received = received + np.where(weekday >= 5, 7 - weekday, 0)
    year = received.astype("datetime64[Y]").astype(np.int64) + 1970
    gaps = 1 + rng.geometric(0.6, size=n)  # other BN cases take numbers in between
    serial = np.empty(n, dtype=np.int64)
    for y in np.unique(year).tolist():
        sel = year == y
        serial[sel] = np.cumsum(gaps[sel])
    diarienummer = [f"BN {y}-{s:06d}" for y, s in zip(year.tolist(), serial.tolist(), strict=True)]

    org = rng.random(n) < 0.30
    private_p = np.array([c[1] for c in CASE_TYPES])
    org_p = np.array([c[2] for c in CASE_TYPES])
    case_type = np.where(
        org,
        rng.choice(len(CASE_TYPES), size=n, p=org_p / org_p.sum()),
        rng.choice(len(CASE_TYPES), size=n, p=private_p / private_p.sum()),
    )

    # applicants: private persons mostly once each, organisations recurring
    pi = np.flatnonzero(~org)
    p_male = rng.random(len(pi)) < 0.55
    p_age = rng.integers(25, 86, size=len(pi))
    on = received[pi].astype("datetime64[M]").astype("datetime64[D]")
    p_pnr = ident.person_numbers(rng, birth_for_age(rng, p_age, on), p_male)
    p_first = pools.first_names(rng, p_male)
    p_last = pools.last_names(rng, len(pi))
    n_org = max(5, n // 25)
    org_numbers = ident.organisation_numbers(rng, n_org)
    org_names = pools.companies[rng.integers(0, len(pools.companies), size=n_org)].tolist()
    oi = np.flatnonzero(org)
    org_pick = np.minimum(rng.zipf(1.6, size=len(oi)) - 1, n_org - 1)
    applicant_id = np.empty(n, dtype=object)
    applicant_name = np.empty(n, dtype=object)
    applicant_id[pi] = p_pnr.canonical
    applicant_name[pi] = [f"{f} {la}" for f, la in zip(p_first, p_last, strict=True)]
    applicant_id[oi] = np.array(org_numbers, dtype=object)[org_pick]
    applicant_name[oi] = np.array(org_names, dtype=object)[org_pick]

    district = districts(rng, n)
    postcode = postcodes(rng, district)
    prop = property_designations(rng, district)
    address = pools.street_addresses(rng, n)
    # a few addresses name a stairwell or flat: "Gatan 12, uppgång B" (quoted in the CSV)
    extra = rng.random(n) < 0.04
    suffix = rng.integers(1, 4, size=n).tolist()
    address = [
        f"{a}, uppgång {'ABC'[x - 1]}" if e else a
        for a, e, x in zip(address, extra.tolist(), suffix, strict=True)
    ]

    days = np.maximum(1, np.rint(rng.lognormal(np.log(38), 0.7, size=n))).astype(np.int64)
    decided = received + days
    pending = decided > EXTRACTION_DATE
    decision = rng.choice(len(DECISIONS), size=n, p=_DECISION_P)
    low = np.array([c[3] for c in CASE_TYPES])[case_type]
    high = np.array([c[4] for c in CASE_TYPES])[case_type]
    fee = low + rng.random(n) * (high - low)
    fee = np.where(decision >= 2, fee * 0.25, fee)  # written off / dismissed: part fee
    fee = np.round(fee, 2)

    decisions = np.array(DECISIONS, dtype=object)
    types = np.array([c[0] for c in CASE_TYPES], dtype=object)
    received_text = iso(received)
    decided_text = iso(np.where(pending, np.datetime64("NaT"), decided))
    path = job.settings.sources_dir / PATH
    with csv_file(path, encoding="utf-8-sig", delimiter=",", lineterminator="\n") as out:
        out.writerow(HEADER)
        for lo, hi in job.chunks():
            sl = slice(lo, hi)
            wait = pending[sl]
            columns = [
                diarienummer[sl],
                applicant_id[sl].tolist(),
                np.where(org[sl], "organisation", "privatperson").tolist(),
                applicant_name[sl].tolist(),
                prop[sl],
                address[sl],
                postcode[sl],
                types[case_type[sl]].tolist(),
                received_text[sl],
                decided_text[sl],
                np.where(wait, "pågående", decisions[decision[sl]]).tolist(),
                np.where(wait, "", days[sl].astype(str)).tolist(),
                np.where(wait, "", np.char.mod("%.2f", fee[sl])).tolist(),
            ]
            out.writerows(zip(*columns, strict=True))

    planted.add_person_numbers(p_pnr.canonical, p_pnr.coordination)
    used_orgs = sorted(set(org_pick.tolist()))
    planted.add("organisationsnummer", [org_numbers[i] for i in used_orgs])
    planted.add("organisationsnummer", [org_numbers[i].replace("-", "") for i in used_orgs])
    planted.add("name", applicant_name.tolist())
    planted.add("fastighetsbeteckning", prop)
    planted.add("address", address)
    planted.add("case_number", diarienummer)
    return n, str(path)
