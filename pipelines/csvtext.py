"""How a CSV file is written: its encoding and its delimiter, worked out one way everywhere.

Municipal exports come as UTF-8 (with or without a byte-order mark) or Windows-1252, and
separated by ``;``, ``,``, tabs or ``|``. The extractor, ``scrub`` and ``anonymise`` read
them with these rules, so a file one accepts is read the same by the others.
"""

from __future__ import annotations

import codecs

DELIMITERS = (";", ",", "\t", "|")  # on a tie the first wins: ';' is the Swedish default


def detect_encoding(head: bytes, *, complete: bool = True) -> str:
    """``utf-8-sig`` with a BOM, else ``utf-8`` when it decodes, else ``cp1252``.

    ``complete=False``: ``head`` is a sample cut from a longer file, so a multibyte
    character may be cut at its end; a short tail is not held against UTF-8.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        (head if complete else head[:-4]).decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def decode(raw: bytes) -> tuple[str, str, bool]:
    """``(text, encoding, has_bom)`` of a whole file, by ``detect_encoding``'s rule."""
    encoding = detect_encoding(raw)
    bom = encoding == "utf-8-sig"
    return raw.decode(encoding), ("utf-8" if bom else encoding), bom


def header_line(text: str) -> str:
    """The first line, without a BOM or invisible characters before it."""
    return text.lstrip("\ufeff\u00ad\u200b").split("\n", 1)[0].rstrip("\r") if text else ""


def detect_delimiter(header: str) -> str:
    """The delimiter the header line uses most; ``,`` when it holds none."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","
