"""Synthetic economic-assistance case system: the SQL table ``ekonomiskt_bistand``.

One row per monthly payment, households recurring over consecutive months (a panel) within
January 2024 to December 2025, payment ids in chronological order. ``alder`` is the main
applicant's age on the first day of the payment month, consistent with the birth date in
the personnummer; ``antal_barn`` is 0 for households "utan barn". About 80 % of the
case-worker notes (``anteckning``) carry planted identifiers: the applicant's, partner's and
a child's names and person numbers in varied written forms, phone numbers, e-mail, addresses,
case numbers, the household id and the case worker's name and phone, mixed with amounts,
dates and ordinary case language; 15 % are clean and 5 % empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from pipelines.synth import identity as ident
from pipelines.synth import phrases
from pipelines.synth.common import Job
from pipelines.synth.dates import WINDOW_MONTHS, age_on, birth_for_age, month_labels, month_start
from pipelines.synth.freetext import Notes, choose, compose, parse_all
from pipelines.synth.planted import PlantedLog, SpanLog
from pipelines.synth.pools import DISTRICTS, Pools, build_pools, districts, postcodes
from pipelines.synth.writers import write_table

NAME = "ekonomiskt_bistand"
FREE_TEXT_COLUMN = "anteckning"

HOUSEHOLD_TYPES = (
    "ensamstaende_utan_barn",
    "ensamstaende_med_barn",
    "sammanboende_utan_barn",
    "sammanboende_med_barn",
    "ovriga",
)
_TYPE_P = np.array([0.52, 0.20, 0.07, 0.14, 0.07])
_WITH_CHILDREN = np.array([False, True, False, True, False])
_COUPLE = np.array([False, False, True, True, False])
_MALE_P = np.array([0.62, 0.15, 0.60, 0.55, 0.50])

REASONS = (
    "arbetsloshet",
    "sjukdom",
    "foraldraledighet",
    "otillracklig_inkomst",
    "saknar_ratt_till_ersattning",
    "ovrigt",
)
_REASON_P = np.array([0.38, 0.22, 0.06, 0.14, 0.12, 0.08])
# Assistance is concentrated in some districts (weights in DISTRICTS order).
_DISTRICT_W = np.array([0.22, 0.05, 0.10, 0.14, 0.07, 0.06, 0.15, 0.02, 0.05, 0.09])


def table(metadata: sa.MetaData | None = None) -> sa.Table:
    """The source table's layout (REAL is double precision on PostgreSQL)."""
    real = sa.REAL().with_variant(sa.Double(), "postgresql")
    return sa.Table(
        NAME,
        metadata or sa.MetaData(),
        sa.Column("utbetalning_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("personnummer", sa.Text),
        sa.Column("namn", sa.Text),
        sa.Column("hushall_id", sa.Text),
        sa.Column("manad", sa.Text, nullable=False),
        sa.Column("belopp", real, nullable=False),
        sa.Column("kon", sa.Text),
        sa.Column("alder", sa.Integer),
        sa.Column("antal_barn", sa.Integer),
        sa.Column("hushallstyp", sa.Text),
        sa.Column("fodelseland", sa.Text),
        sa.Column("forsorjningshinder", sa.Text),
        sa.Column("stadsdel", sa.Text),
        sa.Column("postnummer", sa.Text),
        sa.Column("anteckning", sa.Text),
    )


# ------------------------------------------------------------------------ case notes
_OPENING = [
    "Besök av {namn} ({pnr}) som ansöker om försörjningsstöd för {manad}.",
    "Telefonsamtal med {namn}, {tel}, angående ansökan för {manad}.",
    "Ansökan om ekonomiskt bistånd inkom {datum} från {namn}, pnr {pnr}.",
    "{namn} {pnr} har lämnat in ansökan via e-tjänsten {datum}.",
    "Mejl från sökande ({epost}) med kompletterande underlag för {manad}.",
    "Återbesök med {namn}. Personnummer {pnr} kontrollerat mot folkbokföringen.",
    "Nybesök. Sökande: {namn}, {pnr}, {adress_full}.",
    "Ansökan för hushåll {hh} avseende {manad} mottagen {datum}.",
]
_MIDDLE = [
    "Sökande bor på {adress_full} och betalar {belopp} i hyra.",
    "Hyresavi på {belopp} bifogad, hyresvärd {foretag}.",
    "Nytt telefonnummer: {tel}.",
    "Kan nås på {tel} eller {epost}.",
    "Inskriven på Arbetsförmedlingen sedan {datum} och söker aktivt arbete.",
    "Läkarintyg inkom {datum}, sjukskriven 100 % till och med {datum_senare}.",
    "Kontoutdrag för tre månader saknas, komplettering begärd senast {datum_senare}.",
    "Folkbokförd på {adress_full} enligt Navet.",
    "Elräkning på {belopp} godkänns som skälig kostnad.",
    "Sökande uppger att hen flyttar till {adress} den {datum_senare}.",
    "Hushållet har fått {belopp} i bostadsbidrag som räknas som inkomst.",
    "Skuld till hyresvärden på {belopp}, kontakt tagen med budget- och skuldrådgivningen.",
]
_PARTNER = [
    "Sambon {partner} ({partner_pnr}) har fått avslag från Försäkringskassan.",
    "Medsökande {partner}, {partner_pnr}, har timanställning; lön {belopp} räknas in.",
    "Medsökande {partner} {partner_pnr} läser SFI på heltid.",
]
_CHILD = [
    "Barnet {barn} ({barn_pnr}) går i förskola i {stadsdel}.",
    "Ansökan om glasögon för {barn}, {barn_pnr}, kostnad {belopp}.",
    "Fritidsavgift för {barn} på {belopp} beviljas.",
]
_CLOSING = [
    "Beslut enligt 4 kap. 1 § SoL: beviljas {belopp}. Dnr {dnr}.",
    "Handläggare: {handlaggare}, {handlaggare_tel}.",
    "Ärendet {dnr} tas upp på arbetsgruppsmöte {datum}.",
    "Nästa besök bokat {datum_senare} kl. {klockslag}.",
    "Utbetalning {belopp} till konto, se dnr {dnr}.",
]
_CLEAN = [
    "Inga förändringar i hushållet sedan föregående månad.",
    "Underlaget är komplett och ansökan bedöms enligt riktlinjerna.",
    "Deltar i kommunens arbetsmarknadsinsats och följer planeringen.",
    "Riksnormen tillämpad, inga särskilda behov framkommer.",
    "Ingen inkomst redovisad för perioden.",
    "Fortsatt planering: aktivt arbetssökande, uppföljning om en månad.",
    "Beviljas enligt norm för {manad}.",
]
_GROUPS = (_OPENING, _MIDDLE, _PARTNER, _CHILD, _CLOSING, _CLEAN)
TEMPLATES = parse_all([t for group in _GROUPS for t in group])
_AT = dict(
    zip(
        ("opening", "middle", "partner", "child", "closing", "clean"),
        np.cumsum([0] + [len(g) for g in _GROUPS[:-1]]).tolist(),
        strict=True,
    )
)


def _o(values: list) -> np.ndarray:
    return np.array(values, dtype=object)


@dataclass
class _Households:
    """Household-level facts; row arrays index into these (object arrays hold strings)."""

    n: int
    type: np.ndarray
    children: np.ndarray
    male: np.ndarray
    birth: np.ndarray
    foreign: np.ndarray
    reason: np.ndarray
    district: np.ndarray
    base_amount: np.ndarray
    pnr: ident.PersonNumbers
    pnr_text: np.ndarray
    pnr_kind: np.ndarray
    name: np.ndarray
    hh_id: np.ndarray
    case_no: np.ndarray
    postcode: np.ndarray
    street: np.ndarray
    address_full: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    landlord: np.ndarray
    partner: np.ndarray  # index into partner arrays, -1 without partner
    partner_name: np.ndarray
    partner_pnr: ident.PersonNumbers
    partner_pnr_text: np.ndarray
    child: np.ndarray  # index into child arrays, -1 without children
    child_name: np.ndarray
    child_pnr: ident.PersonNumbers
    child_pnr_text: np.ndarray
    worker_name: np.ndarray
    worker_phone: np.ndarray


def _spells(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """First window month and number of months paid per household, summing to ``rows``.

    Spells may have begun before January 2024 or go on after December 2025 (only the months
    inside the window are rows), so every month has about as many payments.
    """
    starts: list[np.ndarray] = []
    months: list[np.ndarray] = []
    total = 0
    while total < rows:
        size = rows // 5 + 16
        length = np.minimum(rng.geometric(1 / 8, size=size), 36)
        begin = rng.integers(-length + 1, WINDOW_MONTHS)
        first = np.maximum(begin, 0)
        inside = np.minimum(begin + length, WINDOW_MONTHS) - first
        starts.append(first)
        months.append(inside)
        total += int(inside.sum())
    start, spells = np.concatenate(starts), np.concatenate(months)
    cum = np.cumsum(spells)
    n = int(np.searchsorted(cum, rows)) + 1
    start, spells = start[:n], spells[:n].copy()
    spells[-1] -= int(cum[n - 1]) - rows
    return start, spells


def _households(
    rng: np.random.Generator, pools: Pools, start: np.ndarray, spells: np.ndarray
) -> _Households:
    n = len(spells)
    htype = rng.choice(len(HOUSEHOLD_TYPES), size=n, p=_TYPE_P)
    children = np.where(
        _WITH_CHILDREN[htype],
        np.minimum(rng.geometric(0.5, size=n), 6),
        np.where(htype == 4, rng.choice([0, 0, 0, 1, 2], size=n), 0),
    )
    male = rng.random(n) < _MALE_P[htype]
    scale = np.where(_WITH_CHILDREN[htype], 6.5, 9.0)
    age = np.rint(18 + rng.gamma(2.2, scale)).astype(np.int64)
    age = np.clip(age, 18, 89 - (spells - 1) // 12)  # at most 90 in the last month
    first_day = month_start(start)
    birth = birth_for_age(rng, age, first_day)
    foreign = rng.random(n) < 0.55
    coordination = foreign & (rng.random(n) < 0.055)  # about 3 % samordningsnummer
    used = ident.UsedNumbers()
    pnr = ident.person_numbers(rng, birth, male, coordination, used)
    first = pools.first_names(rng, male)
    last = pools.last_names(rng, n)
    district = districts(rng, n, _DISTRICT_W)
    postcode = postcodes(rng, district)
    street = pools.street_addresses(rng, n)
    towns = [d.town for d in DISTRICTS]
    address_full = [
        f"{s}, {p} {towns[d]}" for s, p, d in zip(street, postcode, district.tolist(), strict=True)
    ]
    ids = rng.choice(max(9_999_999, 3 * n), size=n, replace=False) + 1
    case_seq = rng.choice(max(999_999, 3 * n), size=n, replace=False) + 1
    start_year = (2024 + start // 12).tolist()
    phone = ident.phone_numbers(rng, n, landline_share=0.1)
    email = ident.email_addresses(rng, first, last)
    landlord = pools.companies[rng.integers(0, len(pools.companies), size=n)]
    reason = rng.choice(len(REASONS), size=n, p=_REASON_P)
    base = rng.uniform(3500, 9000, size=n) + 2600 * children + 2800 * _COUPLE[htype]

    # the partner of a couple, and one child of a household with children
    pi = np.flatnonzero(_COUPLE[htype])
    p_male = np.where(rng.random(len(pi)) < 0.9, ~male[pi], male[pi])
    p_age = np.clip(age[pi] + rng.integers(-6, 7, size=len(pi)), 18, 89)
    p_pnr = ident.person_numbers(
        rng, birth_for_age(rng, p_age, first_day[pi]), p_male, coordination[pi], used
    )
    p_last = np.where(rng.random(len(pi)) < 0.5, _o(last)[pi], _o(pools.last_names(rng, len(pi))))
    p_name = [f"{f} {la}" for f, la in zip(pools.first_names(rng, p_male), p_last, strict=True)]
    partner = np.full(n, -1)
    partner[pi] = np.arange(len(pi))

    ci = np.flatnonzero(children > 0)
    c_male = rng.random(len(ci)) < 0.5
    c_age = np.minimum(rng.integers(0, 18, size=len(ci)), np.maximum(age[ci] - 16, 0))
    c_pnr = ident.person_numbers(rng, birth_for_age(rng, c_age, first_day[ci]), c_male, None, used)
    c_last = _o(last)[ci].tolist()
    c_name = [f"{f} {la}" for f, la in zip(pools.first_names(rng, c_male), c_last, strict=True)]
    child = np.full(n, -1)
    child[ci] = np.arange(len(ci))

    w_male = rng.random(40) < 0.3
    w_first, w_last = pools.first_names(rng, w_male), pools.last_names(rng, 40)
    w_numbers = rng.choice(100_000, size=40, replace=False).tolist()

    hh = _Households(
        n=n,
        type=htype,
        children=children,
        male=male,
        birth=birth,
        foreign=foreign,
        reason=reason,
        district=district,
        base_amount=base,
        pnr=pnr,
        pnr_text=_o(pnr.canonical),
        pnr_kind=phrases.person_kind(pnr.coordination),
        name=_o([f"{f} {la}" for f, la in zip(first, last, strict=True)]),
        hh_id=_o([f"HH-{i:07d}" for i in ids.tolist()]),
        case_no=_o([f"SN {y}-{s:06d}" for y, s in zip(start_year, case_seq.tolist(), strict=True)]),
        postcode=_o(postcode),
        street=_o(street),
        address_full=_o(address_full),
        phone=_o(phone),
        email=_o(email),
        landlord=landlord,
        partner=partner,
        partner_name=_o(p_name),
        partner_pnr=p_pnr,
        partner_pnr_text=_o(p_pnr.canonical),
        child=child,
        child_name=_o(c_name),
        child_pnr=c_pnr,
        child_pnr_text=_o(c_pnr.canonical),
        worker_name=_o([f"{f} {la}" for f, la in zip(w_first, w_last, strict=True)]),
        worker_phone=_o([f"08-535 {x // 100:03d} {x % 100:02d}" for x in w_numbers]),
    )
    return hh


def _notes(rng: np.random.Generator, hh: _Households, h: np.ndarray, m: np.ndarray) -> Notes:
    """Case notes for rows of households ``h`` in window months ``m``."""
    n = len(h)
    roll = rng.random(n)
    clean = (roll >= 0.05) & (roll < 0.20)
    full = roll >= 0.20
    at = _AT
    n_clean = len(_CLEAN)

    first_clean = rng.integers(0, n_clean, size=n)
    n_sentences = rng.integers(1, 4, size=n)
    clean_at = [
        np.where(clean & (n_sentences > k), at["clean"] + (first_clean + k) % n_clean, -1)
        for k in range(3)
    ]
    has_partner = hh.partner[h] >= 0
    has_child = hh.child[h] >= 0
    use_partner = has_partner & (rng.random(n) < 0.5)
    use_child = ~use_partner & has_child & (rng.random(n) < 0.4)
    second = np.select(
        [use_partner, use_child],
        [
            choose(rng, n, len(_PARTNER), offset=at["partner"]),
            choose(rng, n, len(_CHILD), offset=at["child"]),
        ],
        choose(rng, n, len(_MIDDLE), offset=at["middle"]),
    )
    third = choose(rng, n, len(_MIDDLE), full & (rng.random(n) < 0.5), at["middle"])
    third[third == second] = -1
    positions = [
        np.where(full, choose(rng, n, len(_OPENING), offset=at["opening"]), clean_at[0]),
        np.where(full, second, clean_at[1]),
        np.where(full, third, clean_at[2]),
        choose(rng, n, n_clean, full & (rng.random(n) < 0.3), at["clean"]),
        choose(rng, n, len(_CLOSING), full & (rng.random(n) < 0.6), at["closing"]),
    ]

    def slot(name: str, rows: np.ndarray) -> tuple[np.ndarray, str | np.ndarray | None]:
        k = h[rows]
        if name == "namn":
            return hh.name[k], "name"
        if name == "pnr":
            return phrases.person_number_text(rng, hh.pnr_text[k]), hh.pnr_kind[k]
        if name == "tel":
            return phrases.phone_text(rng, hh.phone[k]), "phone"
        if name == "epost":
            return hh.email[k], "email"
        if name == "adress":
            return hh.street[k], "address"
        if name == "adress_full":
            return hh.address_full[k], "address"
        if name == "hh":
            return hh.hh_id[k], "household_id"
        if name == "dnr":
            return hh.case_no[k], "case_number"
        if name == "partner":
            return hh.partner_name[hh.partner[k]], "name"
        if name == "partner_pnr":
            j = hh.partner[k]
            canonical = hh.partner_pnr_text[j]
            kind = phrases.person_kind(hh.partner_pnr.coordination[j])
            return phrases.person_number_text(rng, canonical), kind
        if name == "barn":
            return hh.child_name[hh.child[k]], "name"
        if name == "barn_pnr":
            canonical = hh.child_pnr_text[hh.child[k]]
            return phrases.person_number_text(rng, canonical), "personnummer"
        if name == "handlaggare":
            return hh.worker_name[k % len(hh.worker_name)], "name"
        if name == "handlaggare_tel":
            return hh.worker_phone[k % len(hh.worker_phone)], "phone"
        if name == "foretag":
            return hh.landlord[k], None
        if name == "stadsdel":
            return _DISTRICT_NAMES[hh.district[k]], None
        if name == "manad":
            return phrases.month_text(m[rows]), None
        if name == "belopp":
            return phrases.amounts(rng, len(rows)), None
        if name == "datum":
            return phrases.dates(rng, m[rows]), None
        if name == "datum_senare":
            return phrases.dates(rng, m[rows], later=3), None
        if name == "klockslag":
            return phrases.clock(rng, len(rows)), None
        raise KeyError(name)

    return compose(n, positions, TEMPLATES, slot)


_DISTRICT_NAMES = _o([d.name for d in DISTRICTS])


def generate(job: Job, planted: PlantedLog, spans: SpanLog) -> tuple[int, str]:
    """Build the table at ``job.db_url`` (or the settings' source DB); returns rows, target."""
    rng = job.rng(NAME)
    pools = build_pools(job.seed)
    start, spells = _spells(rng, job.rows)
    hh = _households(rng, pools, start, spells)

    # one row per household-month, ordered by month (payment ids are chronological)
    row_hh = np.repeat(np.arange(hh.n), spells)
    offset = np.arange(job.rows) - np.repeat(np.cumsum(spells) - spells, spells)
    row_month = start[row_hh] + offset
    order = np.lexsort((row_hh, row_month))
    row_hh, row_month = row_hh[order], row_month[order]

    _record(planted, hh)
    url = job.db_url or job.settings.source_db_url
    chunks = _chunks(job, hh, row_hh, row_month, spans)
    return write_table(url, table(), chunks, dataset=NAME), f"table {NAME}"


def _chunks(
    job: Job, hh: _Households, row_hh: np.ndarray, row_month: np.ndarray, spans: SpanLog
) -> Iterator[list[tuple]]:
    labels = _o(month_labels())
    kon = _o(["K", "M"])
    born = _o(["Sverige", "Utrikes"])
    types = _o(list(HOUSEHOLD_TYPES))
    reasons = _o(list(REASONS))
    for number, (lo, hi) in enumerate(job.chunks(), start=1):
        rng = job.rng(NAME, number)
        h = row_hh[lo:hi]
        m = row_month[lo:hi]
        noise = rng.normal(1, 0.12, size=hi - lo)
        amount = np.round(np.clip(hh.base_amount[h] * noise, 2000, 25000), 2)
        notes = _notes(rng, hh, h, m)
        spans.add(lo + notes.span_row, notes.span_kind, notes.span_start, notes.span_end)
        columns = [
            range(lo + 1, hi + 1),
            hh.pnr_text[h].tolist(),
            hh.name[h].tolist(),
            hh.hh_id[h].tolist(),
            labels[m].tolist(),
            amount.tolist(),
            kon[hh.male[h].astype(int)].tolist(),
            age_on(hh.birth[h], month_start(m)).tolist(),
            hh.children[h].tolist(),
            types[hh.type[h]].tolist(),
            born[hh.foreign[h].astype(int)].tolist(),
            reasons[hh.reason[h]].tolist(),
            _DISTRICT_NAMES[hh.district[h]].tolist(),
            hh.postcode[h].tolist(),
            notes.text.tolist(),
        ]
        yield list(zip(*columns, strict=True))


def _record(planted: PlantedLog, hh: _Households) -> None:
    for numbers in (hh.pnr, hh.partner_pnr, hh.child_pnr):
        planted.add_person_numbers(numbers.canonical, numbers.coordination)
    for names in (hh.name, hh.partner_name, hh.child_name, hh.worker_name):
        planted.add("name", names.tolist())
    planted.add_phones(hh.phone.tolist())
    planted.add("phone", hh.worker_phone.tolist())
    planted.add("email", hh.email.tolist())
    planted.add("address", hh.street.tolist())
    planted.add("address", hh.address_full.tolist())
    planted.add("household_id", hh.hh_id.tolist())
    planted.add("case_number", hh.case_no.tolist())
