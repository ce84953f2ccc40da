"""Synthetic citizen-service CRM export: ``kontaktcenter/kontakter.jsonl``.

One JSON object per contact in time order over 2024-2025, with id ``KC-<year>-<serial>``,
a local timestamp with the Stockholm UTC offset of that day (``+01:00`` or ``+02:00``),
channel, category, district, agent's description and time to resolution, and a nested
``kontakt`` object whose fields are sometimes null. About 85 % of the descriptions embed
identifiers in ordinary citizen-service prose (names, phone numbers, e-mail addresses,
personnummer in varied written forms, addresses, property designations, case numbers);
the rest are clean. Callers come from a population, so some people call more than once.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np

from pipelines.synth import identity as ident
from pipelines.synth import phrases
from pipelines.synth.common import Job
from pipelines.synth.dates import WINDOW_MONTHS, WINDOW_START, birth_for_age
from pipelines.synth.freetext import Notes, choose, compose, parse_all
from pipelines.synth.planted import PlantedLog, SpanLog
from pipelines.synth.pools import (
    DISTRICTS,
    build_pools,
    districts,
    postcodes,
    property_designations,
)

NAME = "kontaktcenter"
FREE_TEXT_COLUMN = "beskrivning"
PATH = "kontaktcenter/kontakter.jsonl"
CHANNELS = ("telefon", "e-post", "e-tjänst", "besök")
_CHANNEL_P = np.array([0.45, 0.25, 0.20, 0.10])

# category -> sentences naming the citizen's matter ({...} slots are filled per row)
_CATEGORY_TEXT: dict[str, list[str]] = {
    "Avfall och återvinning": [
        "{namn} ringer om att soptunnan inte har tömts på {adress}.",
        "Anmälan om felsorterat grovavfall vid {adress}, anmälare {namn}.",
    ],
    "Bygglov": [
        "Fråga om bygglov för altan på fastigheten {fastighet}. Sökande {namn}, {pnr}.",
        "{namn} undrar hur långt handläggningen av ärende {dnr} har kommit.",
    ],
    "Förskola och skola": [
        "Vårdnadshavare {namn} frågar om skolplacering för {barn} ({barn_pnr}).",
        "{namn} vill säga upp förskoleplatsen för {barn}, {barn_pnr}, från {datum}.",
    ],
    "Äldreomsorg": [
        "Dotter till {anhorig}, {anhorig_pnr}, vill ansöka om hemtjänst för sin mamma.",
        "{namn} ({pnr}) frågar om trygghetslarm och matdistribution.",
    ],
    "Ekonomiskt bistånd": [
        "{namn} {pnr} undrar när utbetalningen för {manad} kommer.",
        "{namn} vill boka tid med handläggare angående ansökan, pnr {pnr}.",
    ],
    "Gator och trafik": [
        "Trasig gatubelysning utanför {adress}. Anmälare {namn}.",
        "Potthål i vägen vid {adress}, anmält av {namn}.",
    ],
    "Parkering": [
        "{namn} ansöker om boendeparkering på {adress}.",
        "Fråga om parkeringstillstånd för rörelsehindrad, {namn}, {pnr}.",
    ],
    "Vatten och avlopp": [
        "Vattenläcka vid {adress}. {namn} vill bli uppringd.",
        "{namn} på fastigheten {fastighet} har frågor om VA-fakturan.",
    ],
    "Övrigt": [
        "{namn} vill prata med handläggare om sitt ärende {dnr}.",
        "{namn} ({pnr}) begär ut allmän handling i ärende {dnr}.",
    ],
}
_CATEGORY_P = np.array([0.16, 0.10, 0.14, 0.10, 0.12, 0.12, 0.08, 0.08, 0.10])
_CLEAN_TEXT: dict[str, list[str]] = {
    "Avfall och återvinning": ["Fråga om hämtschema för sommarstugor. Hänvisad till webben."],
    "Bygglov": ["Allmän fråga om vad som kräver bygglov. Besvarad direkt."],
    "Förskola och skola": ["Fråga om ansökningsperiod för skolval. Besvarad."],
    "Äldreomsorg": ["Allmän fråga om avgifter i äldreomsorgen. Skickat broschyr."],
    "Ekonomiskt bistånd": ["Fråga om riksnormen för {manad}. Besvarad."],
    "Gator och trafik": ["Fråga om när snöröjningen sker i {stadsdel}. Besvarad."],
    "Parkering": ["Fråga om avgiftsfri parkering i {stadsdel}. Besvarad."],
    "Vatten och avlopp": ["Fråga om vattnets hårdhet i {stadsdel}. Hänvisad till SRV."],
    "Övrigt": ["Fråga om öppettider på medborgarkontoret. Besvarad direkt."],
}
_CONTACT = [
    "Nås på {tel}.",
    "Vill ha svar till {epost}.",
    "Kontaktuppgifter: {tel}, {epost}.",
    "Ringer från {tel}, bor på {adress_full}.",
    "Återkoppling till {epost} senast {datum}.",
]
_OUTCOME = [
    "Ärendet vidarebefordrat till handläggare.",
    "Besvarat direkt.",
    "Felanmälan registrerad.",
    "Hänvisad till e-tjänsten.",
    "Återkoppling utlovad inom tre arbetsdagar.",
]
CATEGORIES = tuple(_CATEGORY_TEXT)
_TEXTS = (
    [t for c in CATEGORIES for t in _CATEGORY_TEXT[c]]
    + [t for c in CATEGORIES for t in _CLEAN_TEXT[c]]
    + _CONTACT
    + _OUTCOME
)
TEMPLATES = parse_all(_TEXTS)
_PER_CATEGORY = 2
_CLEAN_AT = _PER_CATEGORY * len(CATEGORIES)
_CONTACT_AT = _CLEAN_AT + len(CATEGORIES)
_OUTCOME_AT = _CONTACT_AT + len(_CONTACT)


def _last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def _utc_offsets() -> dict[int, str]:
    """Stockholm's UTC offset for each day number (days since 1970) in the window.

    EU summer time runs from the last Sunday of March to the last Sunday of October; the
    switch happens at night, before any contact of that day, so a day has one offset.
    """
    first = date(int(str(WINDOW_START)[:4]), 1, 1)
    out = {}
    for k in range(WINDOW_MONTHS // 12 * 366):
        day = first + timedelta(days=k)
        summer = _last_sunday(day.year, 3) <= day < _last_sunday(day.year, 10)
        out[(day - date(1970, 1, 1)).days] = "+02:00" if summer else "+01:00"
    return out


def _o(values: list) -> np.ndarray:
    return np.array(values, dtype=object)


class _Population:
    """The citizens who contact the municipality, drawn once; contacts pick from them."""

    def __init__(self, rng: np.random.Generator, size: int, seed: int) -> None:
        pools = build_pools(seed)
        on = np.full(size, WINDOW_START.astype("datetime64[D]"))
        male = rng.random(size) < 0.48
        age = rng.integers(18, 95, size=size)
        coordination = rng.random(size) < 0.02
        used = ident.UsedNumbers()
        self.pnr = ident.person_numbers(rng, birth_for_age(rng, age, on), male, coordination, used)
        self.pnr_text = _o(self.pnr.canonical)
        self.pnr_kind = phrases.person_kind(self.pnr.coordination)
        first = pools.first_names(rng, male)
        last = pools.last_names(rng, size)
        self.name = _o([f"{f} {la}" for f, la in zip(first, last, strict=True)])
        self.phone = _o(ident.phone_numbers(rng, size, 0.12))
        self.email = _o(ident.email_addresses(rng, first, last))
        self.district = districts(rng, size)
        postcode = postcodes(rng, self.district)
        street = pools.street_addresses(rng, size)
        towns = [d.town for d in DISTRICTS]
        self.street = _o(street)
        self.address_full = _o(
            [
                f"{s}, {p} {towns[d]}"
                for s, p, d in zip(street, postcode, self.district.tolist(), strict=True)
            ]
        )
        self.property = _o(property_designations(rng, self.district))
        year = (2023 + rng.integers(0, 3, size=size)).tolist()
        serial = rng.integers(1, 20_000, size=size).tolist()
        self.case_no = _o([f"KS {y}-{s:06d}" for y, s in zip(year, serial, strict=True)])
        # one child per person (for school questions), with the parent's last name
        c_male = rng.random(size) < 0.5
        c_birth = birth_for_age(rng, rng.integers(1, 16, size=size), on)
        self.child_pnr = ident.person_numbers(rng, c_birth, c_male, None, used)
        self.child_pnr_text = _o(self.child_pnr.canonical)
        c_first = pools.first_names(rng, c_male)
        self.child_name = _o([f"{f} {la}" for f, la in zip(c_first, last, strict=True)])
        self.used = np.zeros(size, dtype=bool)
        self.child_used = np.zeros(size, dtype=bool)

    def __len__(self) -> int:
        return len(self.name)


_TIME_OF_DAY = _o([f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)])


def _descriptions(
    rng: np.random.Generator,
    pop: _Population,
    who: np.ndarray,
    relative: np.ndarray,
    category: np.ndarray,
    month: np.ndarray,
) -> Notes:
    n = len(who)
    pii = rng.random(n) < 0.85
    positions = [
        np.where(
            pii,
            category * _PER_CATEGORY + rng.integers(0, _PER_CATEGORY, size=n),
            _CLEAN_AT + category,
        ),
        choose(rng, n, len(_CONTACT), pii & (rng.random(n) < 0.5), _CONTACT_AT),
        choose(rng, n, len(_OUTCOME), rng.random(n) < 0.7, _OUTCOME_AT),
    ]
    district_names = _o([d.name for d in DISTRICTS])

    def slot(name: str, rows: np.ndarray) -> tuple[np.ndarray, str | np.ndarray | None]:
        k = who[rows]
        if name in ("anhorig", "anhorig_pnr"):
            k = relative[rows]
        if name in ("barn", "barn_pnr"):
            pop.child_used[k] = True
        else:
            pop.used[k] = True
        if name in ("namn", "anhorig"):
            return pop.name[k], "name"
        if name in ("pnr", "anhorig_pnr"):
            return phrases.person_number_text(rng, pop.pnr_text[k]), pop.pnr_kind[k]
        if name == "tel":
            return phrases.phone_text(rng, pop.phone[k]), "phone"
        if name == "epost":
            return pop.email[k], "email"
        if name == "adress":
            return pop.street[k], "address"
        if name == "adress_full":
            return pop.address_full[k], "address"
        if name == "fastighet":
            return pop.property[k], "fastighetsbeteckning"
        if name == "dnr":
            return pop.case_no[k], "case_number"
        if name == "barn":
            return pop.child_name[k], "name"
        if name == "barn_pnr":
            return phrases.person_number_text(rng, pop.child_pnr_text[k]), "personnummer"
        if name == "stadsdel":
            return district_names[pop.district[k]], None
        if name == "manad":
            return phrases.month_text(month[rows]), None
        if name == "datum":
            return phrases.dates(rng, month[rows], later=1), None
        raise KeyError(name)

    return compose(n, positions, TEMPLATES, slot)


def generate(job: Job, planted: PlantedLog, spans: SpanLog) -> tuple[int, str]:
    """Write the JSON Lines export; returns rows written and the file path."""
    rng = job.rng(NAME)
    n = job.rows
    pop = _Population(rng, max(50, n // 2), job.seed)

    # when: weekdays 08-17 for phone calls and visits, any day 06-23 for e-mail and e-service
    channel = rng.choice(len(CHANNELS), size=n, p=_CHANNEL_P)
    first_day = int(WINDOW_START.astype("datetime64[D]").astype(np.int64))
    end_day = int((WINDOW_START + WINDOW_MONTHS).astype("datetime64[D]").astype(np.int64))
    day = rng.integers(first_day, end_day, size=n)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    office = (channel == 0) | (channel == 3)
    day = np.where(office & (weekday >= 5), day - (weekday - 4), day)  # weekend -> Friday
    day = np.maximum(day, first_day)
    second = np.where(
        office,
        rng.integers(8 * 3600, 17 * 3600, size=n),
        rng.integers(6 * 3600, 23 * 3600, size=n),
    )
    order = np.lexsort((second, day))
    channel, day, second = channel[order], day[order], second[order]
    dates = day.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    serial = np.arange(n) - np.searchsorted(year, year) + 1  # numbered per year
    month = (dates.astype("datetime64[M]") - WINDOW_START).astype(np.int64)
    offsets = _utc_offsets()
    offset_text = _o([offsets[d] for d in range(first_day, end_day)])
    stamp = _o(np.datetime_as_string(dates, unit="D").tolist()) + _TIME_OF_DAY[second]
    stamp = stamp + offset_text[day - first_day]
    ids = _o([f"KC-{y}-{s:06d}" for y, s in zip(year.tolist(), serial.tolist(), strict=True)])

    who = rng.integers(0, len(pop), size=n)
    relative = rng.integers(0, len(pop), size=n)
    category = rng.choice(len(CATEGORIES), size=n, p=_CATEGORY_P)
    district_names = _o([d.name for d in DISTRICTS])
    stadsdel = np.where(rng.random(n) < 0.06, None, district_names[pop.district[who]])
    anonymous = rng.random(n) < 0.08
    channels = _o(list(CHANNELS))
    categories = _o(list(CATEGORIES))

    path = job.settings.sources_dir / PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    dumps = json.dumps
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for number, (lo, hi) in enumerate(job.chunks(), start=1):
            crng = job.rng(NAME, number)
            m = hi - lo
            w, ch, anon = who[lo:hi], channel[lo:hi], anonymous[lo:hi]
            texts = _descriptions(crng, pop, w, relative[lo:hi], category[lo:hi], month[lo:hi])
            spans.add(lo + texts.span_row, texts.span_kind, texts.span_start, texts.span_end)
            pop.used[w[~anon]] = True
            name = np.where(~anon & (crng.random(m) < 0.85), pop.name[w], None)
            phone = np.where(
                ~anon & ((ch == 0) | (crng.random(m) < 0.4)),
                phrases.phone_text(crng, pop.phone[w]),
                None,
            )
            email = np.where(~anon & ((ch == 1) | (crng.random(m) < 0.3)), pop.email[w], None)
            mu = np.where(ch == 0, 2.2, 4.0)
            minutes = np.maximum(1, np.rint(crng.lognormal(mu, 0.9, size=m))).astype(np.int64)
            rows = zip(
                ids[lo:hi].tolist(),
                stamp[lo:hi].tolist(),
                channels[ch].tolist(),
                categories[category[lo:hi]].tolist(),
                stadsdel[lo:hi].tolist(),
                texts.text.tolist(),
                minutes.tolist(),
                name.tolist(),
                phone.tolist(),
                email.tolist(),
                strict=True,
            )
            out.writelines(
                dumps(
                    {
                        "kontakt_id": kid,
                        "tidpunkt": ts,
                        "kanal": kan,
                        "kategori": kat,
                        "stadsdel": sd,
                        "beskrivning": text,
                        "losningstid_min": mins,
                        "kontakt": {"namn": nm, "telefon": tel, "epost": mail},
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for kid, ts, kan, kat, sd, text, mins, nm, tel, mail in rows
            )

    planted.add("contact_id", ids.tolist())
    _record(planted, pop)
    return n, str(path)


def _record(planted: PlantedLog, pop: _Population) -> None:
    """Identifiers of the people who appear somewhere, in every written form."""
    used = np.flatnonzero(pop.used)
    child = np.flatnonzero(pop.child_used)
    planted.add_person_numbers(pop.pnr_text[used], pop.pnr.coordination[used])
    planted.add_person_numbers(pop.child_pnr_text[child])
    planted.add("name", pop.name[used].tolist())
    planted.add("name", pop.child_name[child].tolist())
    planted.add_phones(pop.phone[used].tolist())
    planted.add("email", pop.email[used].tolist())
    planted.add("address", pop.street[used].tolist())
    planted.add("address", pop.address_full[used].tolist())
    planted.add("fastighetsbeteckning", pop.property[used].tolist())
    planted.add("case_number", pop.case_no[used].tolist())
