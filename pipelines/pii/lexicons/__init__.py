"""The word lists behind the name detector, loaded once from the text files beside this
module (one entry a line, ``#`` starts a comment). Where each list comes from: SOURCES.md."""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_list(name: str) -> tuple[str, ...]:
    """The entries of one list file, comments and blank lines dropped, order kept."""
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return tuple(s for line in lines if (s := line.split("#", 1)[0].strip()))


@cache
def first_names() -> frozenset[str]:
    """Lower-cased first names."""
    return frozenset(w.lower() for w in read_list("first_names.txt"))


@cache
def surnames() -> frozenset[str]:
    """Lower-cased surnames."""
    return frozenset(w.lower() for w in read_list("surnames.txt"))


@cache
def ambiguous_names() -> frozenset[str]:
    """Lower-cased name forms (base or genitive) that are also ordinary words."""
    return frozenset(
        w.lower() for w in read_list("ambiguous_names.txt") + read_list("ambiguous_extra.txt")
    )


@cache
def places() -> frozenset[str]:
    """Lower-cased place names: never a person's name on their own."""
    return frozenset(w.lower() for w in read_list("places.txt"))


@cache
def non_names() -> frozenset[str]:
    """Lower-cased capitalised words that are not names (organisations, titles, months...)."""
    return frozenset(w.lower() for w in read_list("non_names.txt"))


@cache
def public_addresses() -> frozenset[str]:
    """Lower-cased ``street number`` of public buildings: not personal data."""
    return frozenset(" ".join(w.lower().split()) for w in read_list("public_addresses.txt"))
