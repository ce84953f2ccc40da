"""E-mail addresses (``namn.efternamn@huddinge.se``), including Swedish letters."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.pii.detectors._text import matches_near
from pipelines.pii.findings import Finding, Kind

NAME = "e-post"
KIND = Kind.EPOST

_EMAIL = re.compile(
    r"(?<![\w.%+\-])"
    r"[\w%+\-]+(?:\.[\w%+\-]+)*"
    r"\s?(?:@|\[at\]|\(at\))\s?"
    r"[^\W_](?:[\w\-]*[^\W_])?(?:\.[^\W_](?:[\w\-]*[^\W_])?)*\.[^\W\d_]{2,24}"
    r"(?![\w\-])"
)


_AT = re.compile(r"@|\[at\]|\(at\)")
# The local part of an address is at most 64 characters (RFC 5321), and one space may
# stand before the @: no address starts further before its first @ than this.
_LOCAL_MAX = 64 + 1


def find(text: str) -> Iterator[Finding]:
    """E-mail findings in ``text``."""
    ats = (at.start() for at in _AT.finditer(text))
    for m in matches_near(text, ats, _EMAIL, _LOCAL_MAX):
        yield Finding(KIND, NAME, m.start(), m.end())
