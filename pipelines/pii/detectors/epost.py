"""E-mail addresses (``namn.efternamn@huddinge.se``), including Swedish letters."""

from __future__ import annotations

import re
from collections.abc import Iterator

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
    pos = 0
    for at in _AT.finditer(text):
        if at.start() < pos:
            continue  # inside the last address
        # The leftmost address from here on; every address has an @ at most _LOCAL_MAX
        # characters after its start, so none starts before this window.
        m = _EMAIL.search(text, max(pos, at.start() - _LOCAL_MAX))
        if m is None:
            return
        pos = m.end()
        yield Finding(KIND, NAME, m.start(), m.end())
