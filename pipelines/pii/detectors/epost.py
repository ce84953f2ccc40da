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


def find(text: str) -> Iterator[Finding]:
    """E-mail findings in ``text``."""
    if "@" not in text and "at" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield Finding(KIND, NAME, m.start(), m.end())
