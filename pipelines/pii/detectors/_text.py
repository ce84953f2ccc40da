"""Small text helpers shared by the detectors: spaces, word boundaries and context cues.

The detectors run on one text or on many texts joined with ``SEPARATOR`` (a NUL, which no
detector pattern matches): every look at the context before or after a match stops at it,
so a text's findings never depend on its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Spaces people type between digit groups: space, no-break space, narrow no-break space.
SP = "[ \u00a0\u202f]"
# Hyphen-like separators: hyphen-minus, non-breaking hyphen, en dash, minus sign.
DASH = "[-\u2011\u2013\u2212]"
# Joins texts scanned together; acts as the start and end of a text.
SEPARATOR = "\x00"
# No letter or digit right before / after (underscore and punctuation are boundaries).
NOT_AFTER_ALNUM = r"(?<![^\W_])"
NOT_BEFORE_ALNUM = r"(?![^\W_])"

_WORD = re.compile(r"[^\W\d_]+")
_GROUP_BEFORE = re.compile(r"(?<![^\W_])(\d+)[ \u00a0\u202f]\Z")  # \Z: not before a newline
_SHORT_GROUP_AFTER = re.compile(
    r"[ \u00a0\u202f]\d{1,3}(?![\d:.,])|[ \u00a0\u202f]?[-\u2011\u2013\u2212]\d"
)


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string."""
    return frozenset(words.split())


def words_before(text: str, start: int, window: int = 40) -> list[str]:
    """The lower-cased words in the ``window`` characters before ``start``, nearest last."""
    lo = max(0, start - window)
    lo = max(lo, text.rfind(SEPARATOR, lo, start) + 1)
    return [w.lower() for w in _WORD.findall(text, lo, start)]


def words_after(text: str, end: int, window: int = 20) -> list[str]:
    """The lower-cased words in the ``window`` characters after ``end``, nearest first."""
    hi = text.find(SEPARATOR, end, end + window)
    return [w.lower() for w in _WORD.findall(text, end, end + window if hi < 0 else hi)]


def has_cue_before(text: str, start: int, cues: frozenset[str], *, words: int = 3) -> bool:
    """True when one of the last ``words`` words before ``start`` is a cue word."""
    return any(w in cues for w in words_before(text, start)[-words:])


def short_group_before(text: str, start: int) -> bool:
    """True when a group of one to three digits and a space stand right before ``start``,
    as in the thousands groups of ``1 050 000 000``."""
    before = _GROUP_BEFORE.search(text, max(0, start - 12), start)
    return before is not None and len(before.group(1)) <= 3


def in_grouped_number(text: str, start: int, end: int) -> bool:
    """True when the digits at ``start:end`` look like part of a longer number written in
    groups: a short group right before, or a short group or a dash and digits right after."""
    return short_group_before(text, start) or _SHORT_GROUP_AFTER.match(text, end) is not None


def is_sentence_start(text: str, start: int) -> bool:
    """True when only spaces, quotes or brackets stand between ``start`` and the beginning
    of the text or a sentence, clause or list-item break (a dash counts as a list bullet
    only with a space after it)."""
    i = start - 1
    while i >= 0 and text[i] in " \t\u00a0\"'«»”“([":
        i -= 1
    if i < 0 or text[i] in ".!?:;\n\r•*|>\x00":
        return True
    return text[i] in "-–" and i < start - 1


def text_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``(first, past_last)`` of the text that ``text[start:end]`` lies in, where ``text``
    may be many texts joined with ``SEPARATOR``."""
    hi = text.find(SEPARATOR, end)
    return text.rfind(SEPARATOR, 0, start) + 1, len(text) if hi < 0 else hi


def matches_near(
    text: str, anchors: Iterable[int], pattern: re.Pattern[str], lookback: int
) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` gives, when every match starts at most ``lookback``
    characters before one of ``anchors`` (ascending positions): the regex engine is started
    only near an anchor, never at every character of a long text."""
    pos = 0
    for anchor in anchors:
        if anchor < pos:
            continue  # inside the last match
        # The leftmost match from here on: it may lie beyond this anchor (then there is
        # none near this anchor, nor near the ones in between).
        m = pattern.search(text, max(pos, anchor - lookback))
        if m is None:
            return
        pos = m.end()
        yield m
