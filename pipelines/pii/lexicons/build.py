"""Rebuild the name lexicons from Faker's person providers (maintainers only).

    python -m pipelines.pii.lexicons.build [--wordlist /usr/share/dict/swedish]

Writes ``first_names.txt`` and ``surnames.txt`` (Faker sv_SE, no_NO, da_DK and fi_FI) and
``ambiguous_names.txt``: the name forms (base or genitive -s) that are also ordinary Swedish
words, found by intersecting with the Debian ``wswedish`` word list (the list itself is not
copied), less the rare word senses in ``not_ambiguous.txt``. See SOURCES.md.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import faker

HERE = Path(__file__).resolve().parent
LOCALES = ("sv_SE", "no_NO", "da_DK", "fi_FI")


def _names(locale: str) -> tuple[set[str], set[str]]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    first: set[str] = set()
    for attr in ("first_names", "first_names_female", "first_names_male"):
        first |= set(getattr(provider, attr, ()) or ())
    return first, set(getattr(provider, "last_names", ()) or ())


def _clean(names: set[str]) -> list[str]:
    """Single-word names of two letters or more; a double name (``Inga-Lill``) gives its
    parts, since the name detector joins hyphenated parts itself."""
    parts = {part.strip() for n in names for part in n.split("-")}
    return sorted(p for p in parts if p.isalpha() and len(p) >= 2)


def _write(path: Path, header: str, words: list[str]) -> None:
    path.write_text(header + "".join(f"{w}\n" for w in words), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wordlist", type=Path, default=Path("/usr/share/dict/swedish"))
    parser.add_argument("--encoding", default="latin-1")
    args = parser.parse_args()

    first: set[str] = set()
    last: set[str] = set()
    for locale in LOCALES:
        f, s = _names(locale)
        first |= f
        last |= s
    stamp = f"# Faker {faker.VERSION} person providers {', '.join(LOCALES)}; see SOURCES.md\n"
    _write(HERE / "first_names.txt", stamp, _clean(first))
    _write(HERE / "surnames.txt", stamp, _clean(last))

    words = {
        line.strip()
        for line in args.wordlist.read_text(encoding=args.encoding).splitlines()
        if line.strip() and line.strip()[0].islower()
    }
    rare = {
        line.strip()
        for line in (HERE / "not_ambiguous.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    forms: set[str] = set()
    for name in _clean(first | last):
        low = name.lower()
        for form in (low, low + "s"):
            if form in words and form not in rare:
                forms.add(form)
    note = (
        "# Name forms that are also ordinary Swedish words (intersection with the Debian\n"
        "# wswedish word list); rebuilt by build.py, see SOURCES.md\n"
    )
    _write(HERE / "ambiguous_names.txt", note, sorted(forms))


if __name__ == "__main__":
    main()
