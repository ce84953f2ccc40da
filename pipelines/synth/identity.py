"""Synthetic Swedish identifiers in bulk: personnummer, samordningsnummer, organisationsnummer,
phone numbers and e-mail addresses, vectorised with numpy so millions cost seconds.

Skatteverket publishes official *test personnummer* as open data, but that list cannot be
downloaded in this environment. The generator therefore makes valid-format numbers (a real
birth date, a birth number whose parity matches the sex, a correct Luhn check digit) that
pass ``stdnum.se.personnummer``; such a number may coincide with a real person's. Every
number written anywhere is recorded, with ``"synthetic": true``, in the planted-identifier
side file (see ``planted.py``), so leak tests can find it and nobody mistakes it for data.
Samordningsnummer are built the same way with the day of birth increased by 60; note that
``stdnum.se.personnummer`` itself rejects them (it reads the day literally).

Phone numbers are random Swedish-format numbers; e-mail addresses use the reserved
``example.*`` domains and the ``.example`` top-level domain (RFC 2606), so they reach nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipelines.synth.dates import ymd

# Written forms of a personnummer, in the order used by ``written_form``.
PNR_FORMS: tuple[str, ...] = (
    "YYYYMMDD-NNNN",
    "YYYYMMDDNNNN",
    "YYMMDD-NNNN",
    "YYMMDDNNNN",
    "YYYYMMDD NNNN",
    "YYMMDD NNNN",
)
# Written forms of a phone number, in the order used by ``phone_form``.
PHONE_FORMS: tuple[str, ...] = ("national", "compact", "dash", "international")

_LUHN_WEIGHTS = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2], dtype=np.int64)


def luhn_check_digits(digits: np.ndarray) -> np.ndarray:
    """Check digit (mod 10, weights 2,1,2,...) for each row of an (n, 9) digit array."""
    products = digits.astype(np.int64) * _LUHN_WEIGHTS
    products = products - 9 * (products > 9)
    return (10 - products.sum(axis=1) % 10) % 10


def _split_digits(value: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of non-negative integers, most significant first: shape (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (value.astype(np.int64)[:, None] // powers) % 10


class UsedNumbers:
    """The person numbers one dataset has handed out, so no two people share one."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.int64)

    def conflicts(self, keys: np.ndarray) -> np.ndarray:
        """True where a key is already taken or repeats an earlier key in ``keys``."""
        taken = np.isin(keys, self._keys)
        _, first = np.unique(keys, return_index=True)
        repeated = np.ones(len(keys), dtype=bool)
        repeated[first] = False
        return taken | repeated

    def claim(self, keys: np.ndarray) -> None:
        self._keys = np.union1d(self._keys, keys)


@dataclass(frozen=True)
class PersonNumbers:
    """Identity numbers of n synthetic people, with the facts they encode."""

    birth: np.ndarray  # datetime64[D]
    male: np.ndarray  # bool
    coordination: np.ndarray  # bool: samordningsnummer (day + 60)
    canonical: list[str]  # "YYYYMMDD-NNNN" as written in registers

    def __len__(self) -> int:
        return len(self.canonical)

    def kinds(self) -> list[str]:
        """Planted-identifier kind of each number."""
        return ["samordningsnummer" if c else "personnummer" for c in self.coordination.tolist()]


def person_numbers(
    rng: np.random.Generator,
    birth: np.ndarray,
    male: np.ndarray,
    coordination: np.ndarray | None = None,
    used: UsedNumbers | None = None,
) -> PersonNumbers:
    """Valid personnummer (or samordningsnummer where ``coordination``) for given births.

    The birth number is odd for men and even for women; numbers already in ``used`` (and
    repeats within this call) are drawn again, so every person gets a distinct number.
    """
    n = len(birth)
    birth = birth.astype("datetime64[D]")
    male = np.asarray(male, dtype=bool)
    coordination = (
        np.zeros(n, dtype=bool) if coordination is None else np.asarray(coordination, bool)
    )
    year, month, day = ymd(birth)
    day = day + 60 * coordination
    date_key = (year * 100 + month) * 100 + day  # YYYYMMDD, day + 60 for samordningsnummer
    serial = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    used = used or UsedNumbers()
    for _ in range(50):
        k = rng.integers(0, 499, size=len(todo))
        serial[todo] = np.where(male[todo], 2 * k + 1, 2 * k + 2)  # odd man, even woman
        keys = date_key * 1000 + serial
        bad = used.conflicts(keys)
        todo = np.flatnonzero(bad)
        if len(todo) == 0:
            break
    else:  # pragma: no cover - needs ~500 people born the same day
        raise RuntimeError("could not find distinct birth numbers")
    used.claim(date_key * 1000 + serial)
    short = ((year % 100) * 100 + month) * 100 + day  # YYMMDD
    check = luhn_check_digits(_split_digits(short * 1000 + serial, 9))
    canonical = [
        f"{d:08d}-{s:03d}{c}"
        for d, s, c in zip(date_key.tolist(), serial.tolist(), check.tolist(), strict=True)
    ]
    return PersonNumbers(birth=birth, male=male, coordination=coordination, canonical=canonical)


def written_form(canonical: str, form: int) -> str:
    """The number ``YYYYMMDD-NNNN`` written in form ``PNR_FORMS[form]``."""
    if form == 0:
        return canonical
    if form == 1:
        return canonical[:8] + canonical[9:]
    if form == 2:
        return canonical[2:]
    if form == 3:
        return canonical[2:8] + canonical[9:]
    if form == 4:
        return canonical[:8] + " " + canonical[9:]
    return canonical[2:8] + " " + canonical[9:]


def all_written_forms(canonical: str, centenarian: bool = False) -> list[str]:
    """Every form in ``PNR_FORMS``; for people aged 100 or more also ``YYMMDD+NNNN``."""
    forms = [written_form(canonical, i) for i in range(len(PNR_FORMS))]
    if centenarian:
        forms.append(canonical[2:8] + "+" + canonical[9:])
    return forms


def organisation_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct valid organisationsnummer ``NNNNNN-NNNN`` of legal persons.

    The first digit is the legal-form group (5 aktiebolag, 7 bostadsrättsförening,
    8 ideell förening, 9 handelsbolag, 2 offentlig) and the third digit is at least 2, so
    they never collide with a personnummer (a sole trader's number).
    """
    groups = np.array([5, 5, 5, 5, 7, 8, 9, 9, 2])
    out: list[str] = []
    seen: set[int] = set()
    while len(out) < n:
        m = n - len(out)
        head = rng.choice(groups, size=m)
        second = rng.integers(0, 10, size=m)
        third = rng.integers(2, 10, size=m)
        rest = rng.integers(0, 1_000_000, size=m)
        nine = ((head * 10 + second) * 10 + third) * 1_000_000 + rest
        check = luhn_check_digits(_split_digits(nine, 9))
        for value, c in zip(nine.tolist(), check.tolist(), strict=True):
            if value in seen:
                continue
            seen.add(value)
            text = f"{value:09d}{c}"
            out.append(f"{text[:6]}-{text[6:]}")
    return out[:n]


_MOBILE_PREFIXES = np.array(["70", "72", "73", "76", "79"])


def phone_numbers(rng: np.random.Generator, n: int, landline_share: float = 0.15) -> list[str]:
    """Phone numbers in the national written form: ``070-123 45 67`` or ``08-123 456 78``."""
    landline = rng.random(n) < landline_share
    prefix = rng.choice(_MOBILE_PREFIXES, size=n).tolist()
    mobile_digits = rng.integers(2_000_000, 10_000_000, size=n).tolist()
    land_digits = rng.integers(10_000_000, 100_000_000, size=n).tolist()
    out = []
    for is_land, p, md, ld in zip(
        landline.tolist(), prefix, mobile_digits, land_digits, strict=True
    ):
        if is_land:
            s = str(ld)
            out.append(f"08-{s[:3]} {s[3:6]} {s[6:]}")
        else:
            s = str(md)
            out.append(f"0{p}-{s[:3]} {s[3:5]} {s[5:]}")
    return out


def phone_form(national: str, form: int) -> str:
    """A national-form phone number written in form ``PHONE_FORMS[form]``."""
    if form == 0:
        return national
    area, _, local = national.partition("-")
    digits = local.replace(" ", "")
    if form == 1:
        return area + digits
    if form == 2:
        return f"{area}-{digits}"
    return f"+46 {area[1:]} {local}"


def all_phone_forms(national: str) -> list[str]:
    return [phone_form(national, i) for i in range(len(PHONE_FORMS))]


_FOLD = str.maketrans(
    {"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "á": "a", "à": "a", "ø": "o"}
)
_DOMAINS = np.array(
    [
        "example.com",
        "example.net",
        "example.org",
        "post.example",
        "mejl.example",
        "bredband.example",
    ]
)


@lru_cache(maxsize=8192)
def _ascii_local(name: str) -> str:
    """A name folded to what fits an e-mail local part (names repeat: cached)."""
    folded = name.lower().translate(_FOLD)
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def email_addresses(rng: np.random.Generator, first: list[str], last: list[str]) -> list[str]:
    """E-mail addresses built from the names, on reserved example domains."""
    n = len(first)
    style = rng.integers(0, 4, size=n).tolist()
    number = rng.integers(1, 100, size=n).tolist()
    domain = rng.choice(_DOMAINS, size=n).tolist()
    out = []
    for f, la, s, num, d in zip(first, last, style, number, domain, strict=True):
        f, la = _ascii_local(f), _ascii_local(la)
        if s == 0:
            local = f"{f}.{la}"
        elif s == 1:
            local = f"{f}.{la}{num}"
        elif s == 2:
            local = f"{f[:1]}{la}{num}"
        else:
            local = f"{f}_{la[:1]}{num}"
        out.append(f"{local}@{d}")
    return out
