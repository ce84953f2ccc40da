"""Licences: SPDX identifiers (as in the specs), their texts, and the EU licence URIs.

A spec names its licence by SPDX id and the spec model refuses anything else, so a
catalogue, a Data Package and a citation always agree. ``normalise`` reads what older
manifests may hold (``CC BY 4.0``) as the SPDX id it means, so nothing downstream fails on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/"


@dataclass(frozen=True)
class Licence:
    spdx: str
    title: str
    url: str
    eu: str  # code in the EU licence authority table
    kind: str  # ADMS licence type


LICENCES: dict[str, Licence] = {
    lic.spdx: lic
    for lic in (
        Licence(
            "CC-BY-4.0",
            "Creative Commons Attribution 4.0 International",
            "https://creativecommons.org/licenses/by/4.0/",
            "CC_BY_4_0",
            "Attribution",
        ),
        Licence(
            "CC0-1.0",
            "Creative Commons Zero v1.0 Universal",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "CC0",
            "PublicDomain",
        ),
        Licence(
            "CC-BY-SA-4.0",
            "Creative Commons Attribution Share Alike 4.0 International",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            "CC_BYSA_4_0",
            "ShareAlike",
        ),
        Licence(
            "ODbL-1.0",
            "Open Data Commons Open Database License v1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            "ODBL",
            "ShareAlike",
        ),
    )
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


_BY_KEY = {_key(spdx): spdx for spdx in LICENCES}


def normalise(identifier: str) -> str:
    """The SPDX id ``identifier`` means (``CC BY 4.0`` -> ``CC-BY-4.0``), else itself."""
    return _BY_KEY.get(_key(identifier), identifier)


def check_spdx(identifier: str) -> str:
    """``identifier`` if it is an SPDX id this project can publish under, else ValueError."""
    if identifier not in LICENCES:
        hint = normalise(identifier)
        also = f" (did you mean {hint}?)" if hint in LICENCES else ""
        raise ValueError(
            f"licence {identifier!r} is not one of the SPDX ids {sorted(LICENCES)}{also}"
        )
    return identifier


def licence_title(identifier: str) -> str:
    known = LICENCES.get(normalise(identifier))
    return known.title if known else identifier


def licence_url(identifier: str) -> str:
    """The licence's canonical URL; an unknown identifier gets its SPDX page."""
    known = LICENCES.get(normalise(identifier))
    return known.url if known else f"https://spdx.org/licenses/{quote(identifier)}.html"


def licence_eu_uri(identifier: str) -> str | None:
    known = LICENCES.get(normalise(identifier))
    return EU_LICENCE + known.eu if known else None


def licence_kind(identifier: str) -> str:
    known = LICENCES.get(normalise(identifier))
    return known.kind if known else "Attribution"
