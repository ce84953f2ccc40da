"""Person names: a lexicon of first names and surnames matched with Aho–Corasick
(pyahocorasick), plus context cues ("heter", "handläggare", "fru", "herr", ...).

Rules, in words:

* a run of lexicon names next to each other (space or hyphen: ``Anna Lind-Karlsson``,
  ``Anna-Karin Berg``) is a name when one of them is never an ordinary word, or when it is
  a first name followed by a surname (``Per Berg``); genitive ``-s``, ``'s`` and all-caps
  forms count;
* a lexicon name that is also an ordinary word (``Per``, ``Hans``, ``Berg``) alone is a
  name only after a cue or an initial, or when capitalised in the middle of a sentence; a
  place name (``Flemingsberg``, ``Lund``) alone never is;
* after a strong cue (``heter``, ``fru``, ``handläggare``, ...) the next capitalised words
  are a name even when the lexicon does not know them, unless they are known non-names
  (authorities, titles, months); after a contact verb (``kontakta``, ``ringde``) two
  capitalised words are;
* a found name grows over an initial (``A. Andersson``), over an unknown capitalised
  surname after a first name (``Anna Zetterqvist``) and over an unknown first name before
  a surname (``Zlatan Andersson``);
* a word found as a name marks its other capitalised occurrences in the same text;
* lower-case first name + surname (``anna andersson``) counts when neither is a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import ahocorasick
import numpy as np

from pipelines.pii import lexicons
from pipelines.pii.detectors._text import is_sentence_start, text_bounds, word_set
from pipelines.pii.findings import Finding, Kind

NAME = "namn"
KIND = Kind.NAMN
LEXICON = "namn.lexikon"
CONTEXT = "namn.kontext"

# After these words the next capitalised word is a name, known or not.
NAME_CUES = word_set(
    """heter hette kallas fru herr hr fröken frk dr mvh hälsningar hälsning namn namnet
    handläggare handläggaren handl socialsekreterare socialsekreteraren biståndshandläggare
    biståndshandläggaren kontaktperson kontaktpersonen förvaltare förvaltaren"""
)
# After these (roles and contact verbs), two capitalised words are a name.
ROLE_CUES = word_set(
    """sökande sökanden klient klienten brukare brukaren patient patienten anhörig anhörige
    dottern sonen maken makan hustrun mannen sambon mamma mamman pappa pappan modern
    fadern mor far mormor morfar farmor farfar syster systern bror brodern kollega
    kollegan läkare läkaren doktor sjuksköterskan kuratorn rektor rektorn chef chefen
    enhetschef enhetschefen"""
)
CONTACT_CUES = word_set(
    """kontakta kontaktade kontaktat träffade träffat ringde ringt ring ringa mejla mejlade
    meddela meddelat informera informerat"""
)
# After these, two capitalised words are a name (``möte med Aylin Yilmaz``, ``ägaren Zoran
# Demir``); one alone is too often an authority (``med Försäkringskassan``).
PAIR_CUES = word_set("""med m av enligt ägaren ägare besök""")
# Lower-case words that are no one's first name, though they stand before surnames
# (``med lindqvist``, ``ringde lindqvist``): a lower-case surname does not grow over them.
NOT_FIRST_NAMES = word_set(
    """och eller men att som om för på i till från av hos med utan enligt mot efter under
    över vid inför är var har hade blir blev kan ska skall vill får fick ringde ringer ringt
    träffade träffat mötte möter meddelar meddelade mejlade skickat skickade brev besök
    samtal kontakt kontakta enl ang angående familjen familj fam heter hette kallas klienten
    sökande sökanden handläggare handl fru herr hr dr mamma pappa sonen dottern maken makan
    sambon bror syster mor far hon han hen de vi jag ni den det en ett inte också nu då där
    här gäller avser ny nya gamla tel telefon mobil mejl epost adress"""
)
_ABBREVIATED_CUES = ("dr", "hr", "frk", "m", "handl")
_WORD = r"[^\W\d_]+"
_NEXT = re.compile(rf"(?P<gap>[ \u00a0]|-)(?P<word>{_WORD})")
_PREV = re.compile(rf"(?P<word>{_WORD})(?P<dot>\.?)(?P<gap>[ \u00a0]|-)$")
_CUE_BEFORE = re.compile(rf"(?P<word>{_WORD})(?P<dot>\.?)[ \u00a0]*[:,]?[ \u00a0]*$")
_AFTER_CUE = re.compile(rf"[ \u00a0]*:?[ \u00a0]*\n?[ \u00a0]*(?P<word>{_WORD})")
# An initial and a capitalised word the lexicon may not know: "N. Petrović".
_INITIAL_NAME = re.compile(
    r"[A-ZÅÄÖ](?<![^\W_][A-ZÅÄÖ])\.[ \u00a0](?P<word>[A-ZÅÄÖ][^\W\d_A-ZÅÄÖ]{2,}"
    r"(?:-[A-ZÅÄÖ][^\W\d_]+)?)(?![^\W\d_])"
)
_INITIAL_BEFORE = re.compile(r"(?<![^\W_])[A-ZÅÄÖ]\.?[ \u00a0]$")
_WORD_RE = re.compile(_WORD)
# ", Ingvald" after a surname, not followed by another capitalised word.
_LISTED_FIRST = re.compile(
    r",[ \u00a0](?P<word>[A-ZÅÄÖ][a-zåäöéüëï]+)(?![^\W\d_])(?![ \u00a0-][A-ZÅÄÖ])"
)
_REPEAT_ENDING = re.compile(r"s(?![^\W_])|['’]s?(?![^\W_])")
_GENITIVE = re.compile(r"['’]s?(?![^\W_])")
_NON_LETTER = re.compile(r"[\W\d_]")
# str.translate table turning what _NON_LETTER matches into a space, for characters below
# U+3000 (faster than _NON_LETTER.sub); texts with characters beyond it use the regex.
_TABLE_END = 0x3000
_TO_SPACE = {i: " " for i in range(_TABLE_END) if _NON_LETTER.match(chr(i))}
_BEYOND_TABLE = re.compile(f"[^\\x00-\\u{_TABLE_END - 1:04x}]")
# What may stand right before ``start`` when _PREV (a gap, or a gap and a newline that `$`
# lets through) or _INITIAL_BEFORE can end there.
_GAP_END = frozenset(" \u00a0-\n")
_GAP = frozenset(" \u00a0-")
_LETTER = re.compile(r"[^\W\d_]")
_CUES = NAME_CUES | ROLE_CUES | CONTACT_CUES | PAIR_CUES


@dataclass(frozen=True, slots=True)
class _Entry:
    first: bool
    last: bool
    weak: bool  # also an ordinary word (or a place): needs a partner or a cue


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    entry: _Entry


@cache
def _automaton() -> ahocorasick.Automaton:
    """Every name form (base and genitive -s) and every cue word, as `` word `` keys."""
    first, last = lexicons.first_names(), lexicons.surnames()
    weak = lexicons.ambiguous_names() | lexicons.places() | lexicons.non_names()
    values: dict[str, tuple[_Entry | None, bool]] = {}
    for base in first | last:
        forms = [base] if base.endswith(("s", "x", "z")) else [base, base + "s"]
        for form in forms:
            is_weak = form in weak or base in weak or len(base) <= 2
            values[form] = (_Entry(base in first, base in last, is_weak), False)
    for cue in _CUES:
        values[cue] = (values.get(cue, (None, False))[0], True)
    automaton = ahocorasick.Automaton()
    for form, (entry, is_cue) in values.items():
        automaton.add_word(f" {form} ", (len(form), entry, is_cue))
    automaton.make_automaton()
    return automaton


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two code points
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


@cache
def _letter_table() -> np.ndarray:
    """For every BMP code point: its lower-case form when that is one letter (else itself)
    if a letter, a space if not; what ``_lower`` and ``_NON_LETTER`` make of it alone."""
    table = np.full(0x10000, 0x20, dtype=np.uint16)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates: texts with them take the plain path
        char = chr(code)
        low = char.lower()
        low = low if len(low) == 1 else char
        if not _NON_LETTER.match(low):
            table[code] = ord(low)
    return table


_VECTOR_MIN = 4096  # shorter texts: str methods are quicker than numpy's set-up


def _letters(text: str) -> str:
    """``text`` lower-cased with every non-letter a space, the same length as ``text``.

    Long texts (joined chunks) go through a numpy table over UTF-16 code units; texts with
    characters outside the BMP or a capital sigma (whose lower case depends on the next
    letter) take the plain path, which gives the same letters.
    """
    if len(text) >= _VECTOR_MIN and "\u03a3" not in text:
        data = text.encode("utf-16-le", "surrogatepass")
        if len(data) == 2 * len(text):
            units = np.frombuffer(data, dtype=np.uint16)
            return _letter_table()[units].tobytes().decode("utf-16-le")
    lowered = _lower(text)
    if _BEYOND_TABLE.search(lowered):
        return _NON_LETTER.sub(" ", lowered)
    return lowered.translate(_TO_SPACE)


def _scan(text: str) -> tuple[list[_Token], list[tuple[int, int]]]:
    """Lexicon name tokens, and ``(start, end)`` of cue words, in text order."""
    padded = " " + _letters(text) + " "
    tokens: dict[int, _Token] = {}
    cues: list[tuple[int, int]] = []
    for end, (length, entry, is_cue) in _automaton().iter(padded):
        start = end - length - 1
        if entry is not None:
            tokens[start] = _Token(start, start + length, entry)
        if is_cue:
            cues.append((start, start + length))
    return [tokens[s] for s in sorted(tokens)], cues


def _cap(text: str, pos: int) -> bool:
    return text[pos].isupper()


def _is_non_name(word: str) -> bool:
    low = word.lower()
    return low in lexicons.non_names() or low in lexicons.places()


def _chains(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Runs of lexicon tokens joined by one space or a hyphen, of one capitalisation."""
    chains: list[list[_Token]] = []
    for token in tokens:
        if chains:
            prev = chains[-1][-1]
            if (
                token.start == prev.end + 1
                and text[prev.end] in " \u00a0-"
                and _cap(text, token.start) == _cap(text, prev.start)
            ):
                chains[-1].append(token)
                continue
        chains.append([token])
    return chains


def _cue_before(text: str, start: int) -> str | None:
    """The name or contact cue right before ``start`` (only spaces, a colon or a comma
    between); a role word ("sökande") is not enough for a name that is also a word."""
    if start == 0:
        return None
    m = _CUE_BEFORE.search(text, max(0, start - 30), start)
    if not m:
        return None
    word = m["word"].lower()
    if m["dot"] and word not in _ABBREVIATED_CUES:
        return None
    return word if word in NAME_CUES or word in CONTACT_CUES else None


_CODE_BEFORE = frozenset("_/\\.=#0123456789")
_CODE_AFTER = frozenset("_/\\=#0123456789")


def _in_code(text: str, start: int, end: int) -> bool:
    """A lower-case word inside a path, an identifier or a key (``runs_green_with0``,
    ``/data/berg/``): not prose, so a lone surname there is no name."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before in _CODE_BEFORE or after in _CODE_AFTER


def _accept(text: str, chain: list[_Token]) -> bool:
    entries = [t.entry for t in chain]
    strong = any(not e.weak for e in entries)
    pair = len(chain) >= 2 and entries[0].first and entries[-1].last
    start = chain[0].start
    if not _cap(text, start):
        if len(chain) == 1:  # "lindqvist": a surname that is never an ordinary word
            entry = entries[0]
            return (
                entry.last
                and not entry.first
                and not entry.weak
                and not _in_code(text, start, chain[0].end)
            )
        return pair and not any(e.weak for e in entries)
    if strong or pair or _cue_before(text, start) or _initial_before(text, start):
        return True
    word = text[start : chain[0].end]
    following = _NEXT.match(text, chain[0].end)
    return (
        len(chain) == 1
        and not word.isupper()
        and not _is_non_name(word)
        and not is_sentence_start(text, start)
        # "Svea Ekonomi", "Berg Entreprenad": an ordinary word opening a proper noun
        and not (following and following["gap"] != "-" and following["word"][0].isupper())
    )


def _initial_before(text: str, start: int) -> bool:
    """True when an initial (``A.`` or ``A``) and a space stand right before ``start``."""
    if start == 0 or text[start - 1] not in _GAP_END:
        return False
    return _INITIAL_BEFORE.search(text, max(0, start - 4), start) is not None


def _prev(text: str, start: int) -> re.Match[str] | None:
    """The word and the gap (space or hyphen) right before ``start``.

    What ``_PREV.search(text, start - 40, start)`` finds, without trying forty starting
    points: the match can only start where the run of letters before the gap starts.
    """
    if start == 0 or text[start - 1] not in _GAP_END:
        return None
    lo = max(0, start - 40)
    j = start - 1
    if text[j] == "\n":  # `$` also matches before a newline that ends the window
        j -= 1
    if j < lo or text[j] not in _GAP:
        return None
    j -= 1
    if j >= lo and text[j] == ".":
        j -= 1
    while j >= lo and text[j].isalpha():
        j -= 1
    if j >= lo and _LETTER.match(text, j):  # a letter isalpha() does not know: be exact
        return _PREV.search(text, lo, start)
    return _PREV.match(text, j + 1, start)


def _extend(text: str, chain: list[_Token]) -> tuple[int, int]:
    """Grow a name over an initial or unknown first name before it, an unknown surname
    after a first name, and a genitive ending."""
    start, end = chain[0].start, chain[-1].end
    first, last = chain[0].entry, chain[-1].entry
    prev = _prev(text, start)
    if prev and prev["gap"] != "-" and prev["word"][0].isupper():
        initial = len(prev["word"]) == 1
        unknown_first = first.last and not first.first and not prev["dot"] and _cap(text, start)
        if initial or (unknown_first and not _is_non_name(prev["word"])):
            start = prev.start()
    if prev and prev["gap"] == " " and not _cap(text, start) and not prev["word"][0].isupper():
        # "ingvald lindqvist": an unknown lower-case first name before a surname
        unknown_first = first.last and not first.first and not prev["dot"]
        word = prev["word"].lower()
        known_word = word in NOT_FIRST_NAMES or word in _CUES or _is_non_name(word)
        if unknown_first and not known_word and len(word) > 2:
            start = prev.start()
    start = _hyphenated_start(text, start)
    if last.first and not last.last and _cap(text, chain[-1].start):
        nxt = _NEXT.match(text, end)
        if nxt and nxt["word"][0].isupper() and not _is_non_name(nxt["word"]):
            end = nxt.end()
    nxt = _NEXT.match(text, end)
    if nxt and nxt["gap"] == "-" and nxt["word"][0].isupper() and not _is_non_name(nxt["word"]):
        end = nxt.end()  # "Hedlund-Rahimi": a double surname, one part unknown
    if len(chain) == 1 and last.last and not last.first and _cap(text, chain[0].start):
        listed = _LISTED_FIRST.match(text, end)  # "Lindqvist, Ingvald": surname first
        if listed and not _is_non_name(listed["word"]):
            return start, listed.end()
    genitive = _GENITIVE.match(text, end)
    return start, genitive.end() if genitive else end


def _hyphenated_start(text: str, start: int) -> int:
    """Grow left over capitalised parts joined by hyphens (Ing-Britt, Inga-Lill-Jesper)."""
    while True:
        prev = _prev(text, start)
        if not prev or prev["gap"] != "-" or prev["dot"] or not prev["word"][0].isupper():
            return start
        if prev["word"].lower() in lexicons.places():
            return start
        start = prev.start()


def _capitalised_run(text: str, pos: int, most: int) -> tuple[int, int, int] | None:
    """``(start, end, words)`` of up to ``most`` capitalised non-name words from ``pos``."""
    m = _AFTER_CUE.match(text, pos)
    if not m or not m["word"][0].isupper() or _is_non_name(m["word"]):
        return None
    if m["word"].isupper() and len(m["word"]) <= 3:
        return None  # an abbreviation (BUP, LSS), not a name
    start, end, count = m.start("word"), m.end("word"), 1
    while count < most:
        nxt = _NEXT.match(text, end)
        if not nxt or not nxt["word"][0].isupper() or _is_non_name(nxt["word"]):
            break
        if nxt["word"].isupper() and len(nxt["word"]) <= 3:
            break
        end, count = nxt.end(), count + 1
    if count == 1 and most > 1:  # "Yilmaz, Aylin": surname, comma, first name
        listed = _LISTED_FIRST.match(text, end)
        if listed and not _is_non_name(listed["word"]):
            end, count = listed.end(), 2
    return start, end, count


def _context_names(text: str, cues: list[tuple[int, int]]) -> Iterator[Finding]:
    """Capitalised words the lexicon does not know, right after a cue."""
    for start, end in cues:
        word = text[start:end].lower()
        if text.startswith(".", end):
            if word not in _ABBREVIATED_CUES:
                continue  # the cue ends a sentence
            end += 1
        run = _capitalised_run(text, end, 2)
        if run is None:
            continue
        name_start, name_end, count = run
        if word not in NAME_CUES and count < 2:
            continue
        genitive = _GENITIVE.match(text, name_end)
        yield Finding(KIND, CONTEXT, name_start, genitive.end() if genitive else name_end)


# Two lower-case words after a cue: "kontakt med linnea hägg", "enligt emir lindqvist".
_LOWER_PAIR = re.compile(
    r"[ \u00a0]+(?P<a>[a-zåäö][^\W\d_A-ZÅÄÖ]{2,})[ \u00a0](?P<b>[a-zåäö][^\W\d_A-ZÅÄÖ]{2,})"
    r"(?![^\W\d_])"
)


@cache
def _known_names() -> frozenset[str]:
    return lexicons.first_names() | lexicons.surnames()


def _lower_case_after_cue(text: str, cues: list[tuple[int, int]]) -> Iterator[Finding]:
    """A name typed in lower case right after a cue, when one of its two words is a known
    name and neither is an ordinary word the lists know (``med mamma``, ``med hans fru``)."""
    names = _known_names()
    for _, end in cues:
        m = _LOWER_PAIR.match(text, end)
        if m is None:
            continue
        a, b = m["a"], m["b"]
        if a not in names and b not in names:
            continue
        if any(w in NOT_FIRST_NAMES or w in _CUES or _is_non_name(w) for w in (a, b)):
            continue
        yield Finding(KIND, CONTEXT, m.start("a"), m.end("b"))


def _initial_names(text: str) -> Iterator[Finding]:
    """An initial and a capitalised word that is no known non-name: ``N. Petrović``."""
    for m in _INITIAL_NAME.finditer(text):
        if not _is_non_name(m["word"]) and not _is_non_name(m["word"].split("-")[0]):
            yield Finding(KIND, CONTEXT, m.start(), m.end())


def _merge_adjacent(text: str, findings: list[Finding]) -> list[Finding]:
    """One finding for names that touch or overlap, or stand one space or hyphen apart."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged:
            last = merged[-1]
            gap = text[last.end : f.start]
            if f.start <= last.end or gap in (" ", "-", "\u00a0"):
                detector = LEXICON if LEXICON in (last.detector, f.detector) else CONTEXT
                merged[-1] = Finding(KIND, detector, last.start, max(last.end, f.end))
                continue
        merged.append(f)
    return merged


def _repeats(text: str, found: list[Finding]) -> Iterator[Finding]:
    """Other capitalised occurrences of words already found as names in the same text
    (``text`` may be many texts joined with ``SEPARATOR``: each finding's own)."""
    by_text: dict[tuple[int, int], list[Finding]] = {}
    for f in found:
        by_text.setdefault(text_bounds(text, f.start, f.end), []).append(f)
    for (lo, hi), own in by_text.items():
        yield from _repeats_in(text, lo, hi, own)


def _repeats_in(text: str, lo: int, hi: int, found: list[Finding]) -> Iterator[Finding]:
    """``_repeats`` within ``text[lo:hi]``, one text, whose names are ``found``."""
    words = set()
    for f in found:
        for w in _WORD_RE.findall(text, f.start, f.end):
            # a word that occurs once occurs only inside the finding itself
            repeated = len(w) > 1 and w[0].isupper() and text.count(w, lo, hi) > 1
            if repeated and not _is_non_name(w):
                words.add(w)
    for word in words:
        pos = text.find(word, lo, hi)
        while pos != -1:
            end = pos + len(word)
            genitive = _REPEAT_ENDING.match(text, end, hi)
            end = genitive.end() if genitive else end
            bounded = (pos == 0 or not text[pos - 1].isalpha()) and (
                end == len(text) or not text[end].isalnum()
            )
            if bounded and not any(f.start <= pos < f.end for f in found):
                yield Finding(KIND, LEXICON, pos, end)
            pos = text.find(word, pos + 1, hi)


def find(text: str) -> Iterator[Finding]:
    """Name findings in ``text``."""
    tokens, cues = _scan(text)
    found: list[Finding] = []
    for chain in _chains(text, tokens):
        if _accept(text, chain):
            start, end = _extend(text, chain)
            found.append(Finding(KIND, LEXICON, start, end))
    if cues:
        found.extend(_context_names(text, cues))
        found.extend(_lower_case_after_cue(text, cues))
    if ". " in text:
        found.extend(_initial_names(text))
    if found:
        found.extend(_repeats(text, found))
    yield from _merge_adjacent(text, found)
