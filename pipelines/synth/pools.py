"""Value pools the generators sample from: Faker-built names, streets and companies, and
Huddinge's districts, postal codes and property blocks.

Faker is called a few thousand times, once per seed, to fill the pools; rows are then drawn
from the pools with numpy. Calling Faker per row would make a million rows take minutes.
Only values that Windows-1252 can encode are kept, because the home-care export uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from faker import Faker


@dataclass(frozen=True)
class District:
    """A district of Huddinge with its postal codes, postal town and property blocks."""

    name: str
    weight: float  # share of the municipality's population (illustrative)
    postcodes: tuple[str, ...]
    town: str
    blocks: tuple[str, ...]  # trakter used in fastighetsbeteckningar


# Illustrative: districts from Huddinge's statistics, postal codes in the 141-143 ranges.
DISTRICTS: tuple[District, ...] = (
    District(
        "Flemingsberg",
        0.14,
        ("141 52", "141 53", "141 54", "141 57"),
        "Huddinge",
        ("Grantorp", "Visättra", "Flemingsberg", "Kråkmora"),
    ),
    District(
        "Segeltorp",
        0.09,
        ("141 70", "141 71", "141 72", "141 73"),
        "Segeltorp",
        ("Ekholmen", "Smista", "Segeltorp", "Hörningsnäs"),
    ),
    District(
        "Sjödalen-Fullersta",
        0.16,
        ("141 30", "141 31", "141 32", "141 35"),
        "Huddinge",
        ("Kästa", "Sjödalen", "Fullersta", "Loviseberg", "Myrstugeberget"),
    ),
    District(
        "Skogås",
        0.13,
        ("142 40", "142 41", "142 42", "142 43"),
        "Skogås",
        ("Skogås", "Ekdalen", "Vidja"),
    ),
    District(
        "Stuvsta-Snättringe",
        0.14,
        ("141 43", "141 44", "141 45", "141 46"),
        "Huddinge",
        ("Stuvsta", "Snättringe", "Solgård", "Kvarnbacken"),
    ),
    District(
        "Trångsund",
        0.07,
        ("142 60", "142 61", "142 62", "142 63"),
        "Trångsund",
        ("Trångsund", "Ågesta", "Gladö"),
    ),
    District(
        "Vårby",
        0.09,
        ("143 40", "143 41", "143 42", "143 43"),
        "Vårby",
        ("Vårby", "Masmo", "Fittja gård"),
    ),
    District("Länna", 0.04, ("142 90", "142 91"), "Skogås", ("Länna", "Lissma", "Orlången")),
    District("Glömsta", 0.06, ("141 58", "141 59"), "Huddinge", ("Glömsta", "Balingsnäs")),
    District(
        "Vistaberg",
        0.08,
        ("141 47", "141 48", "141 49"),
        "Huddinge",
        ("Vistaberg", "Vista", "Tomtberga"),
    ),
)
DISTRICT_NAMES: tuple[str, ...] = tuple(d.name for d in DISTRICTS)
DISTRICT_WEIGHTS = np.array([d.weight for d in DISTRICTS]) / sum(d.weight for d in DISTRICTS)


def _cp1252(value: str) -> bool:
    try:
        value.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return '"' not in value and ";" not in value and "\n" not in value


def _unique(values: list[str]) -> np.ndarray:
    return np.array([v for v in dict.fromkeys(values) if v and _cp1252(v)], dtype=object)


@dataclass(frozen=True)
class Pools:
    """Names, streets and company names to sample with numpy (object arrays of str)."""

    female: np.ndarray
    male: np.ndarray
    last: np.ndarray
    streets: np.ndarray
    companies: np.ndarray

    def first_names(self, rng: np.random.Generator, male: np.ndarray) -> list[str]:
        f = self.female[rng.integers(0, len(self.female), size=len(male))]
        m = self.male[rng.integers(0, len(self.male), size=len(male))]
        return np.where(male, m, f).tolist()

    def last_names(self, rng: np.random.Generator, n: int) -> list[str]:
        return self.last[rng.integers(0, len(self.last), size=n)].tolist()

    def street_addresses(self, rng: np.random.Generator, n: int) -> list[str]:
        """``Gatan 12`` style addresses; a few carry a letter (``12 B``)."""
        street = self.streets[rng.integers(0, len(self.streets), size=n)].tolist()
        number = rng.integers(1, 120, size=n).tolist()
        letter = rng.choice(np.array(["", "", "", "", "", "", "", "A", "B", "C"]), size=n)
        return [
            f"{s} {num}{' ' + le if le else ''}"
            for s, num, le in zip(street, number, letter.tolist(), strict=True)
        ]


@lru_cache(maxsize=4)
def build_pools(seed: int) -> Pools:
    """Pools drawn from Faker's sv_SE locale with the given seed (a few thousand calls)."""
    fake = Faker("sv_SE")
    fake.seed_instance(seed)
    return Pools(
        female=_unique([fake.first_name_female() for _ in range(3000)]),
        male=_unique([fake.first_name_male() for _ in range(3000)]),
        last=_unique([fake.last_name() for _ in range(3000)]),
        streets=_unique([fake.street_name() for _ in range(2000)]),
        companies=_unique([fake.company() for _ in range(1500)]),
    )


def districts(rng: np.random.Generator, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """District indices (into ``DISTRICTS``) drawn by population share or given weights."""
    w = DISTRICT_WEIGHTS if weights is None else weights / weights.sum()
    return rng.choice(len(DISTRICTS), size=n, p=w)


def postcodes(rng: np.random.Generator, district: np.ndarray) -> list[str]:
    """A postal code of each row's district."""
    pick = rng.random(len(district))
    out = []
    for d, p in zip(district.tolist(), pick.tolist(), strict=True):
        codes = DISTRICTS[d].postcodes
        out.append(codes[int(p * len(codes))])
    return out


def property_designations(rng: np.random.Generator, district: np.ndarray) -> list[str]:
    """``Huddinge Kästa 1:23`` style fastighetsbeteckningar in each row's district."""
    pick = rng.random(len(district)).tolist()
    block = rng.integers(1, 40, size=len(district)).tolist()
    unit = rng.integers(1, 400, size=len(district)).tolist()
    out = []
    for d, p, b, u in zip(district.tolist(), pick, block, unit, strict=True):
        names = DISTRICTS[d].blocks
        out.append(f"Huddinge {names[int(p * len(names))]} {b}:{u}")
    return out
