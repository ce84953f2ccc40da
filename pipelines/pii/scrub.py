"""Scrubbing: replace each piece of personal data in free text with a typed placeholder.

``scrub_text`` works on one text; ``scrub_many`` on a list of texts (joined in chunks and
scanned on every core, see ``pipelines.pii.parallel``); ``scrub_array`` on a whole Arrow
string column, scrubbing each distinct text once and leaving nulls alone.
In the ``project`` tier a personnummer (or samordningsnummer) can become the person's
project pseudonym instead: pass ``pseudonymise_personnummer``, called with the canonical
12-digit number (``YYYYMMDDNNNN``).

Scrubbing is a fixpoint: a placeholder can give a neighbouring word new context (``Ingvald
[NAMN]``), so a scrubbed text is looked at again, and scrubbed again, until the detectors
find nothing but the pseudonyms put there (kept as they are). The leak scanner runs the
same detectors on each cell, so it never finds anything scrubbing left: ``scrub(scrub(x))
== scrub(x)`` and ``detect(scrub(x)) == []`` with placeholders (a pseudonym that looked
like data would be found, and stop the release). A text that does not settle in
``MAX_PASSES`` (never seen) becomes ``UNSETTLED``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.pii.detectors import CHUNK_CHARS, detect
from pipelines.pii.detectors._idnumber import canonical_id_number
from pipelines.pii.detectors._text import SEPARATOR
from pipelines.pii.findings import Finding, Kind
from pipelines.pii.parallel import Workers, detect_many, joined_findings, slices

Pseudonymiser = Callable[[str], str]
_PERSON_NUMBERS = frozenset({Kind.PERSONNUMMER, Kind.SAMORDNINGSNUMMER})


def replacement(text: str, finding: Finding, pseudonymise: Pseudonymiser | None) -> str:
    """What replaces one finding: its placeholder, or the person's pseudonym."""
    if pseudonymise is not None and finding.kind in _PERSON_NUMBERS:
        canonical = canonical_id_number(text[finding.start : finding.end])
        if canonical is not None:
            return pseudonymise(canonical)
    return finding.kind.placeholder


Span = tuple[int, int]


def _replace(
    text: str,
    findings: list[Finding],
    pseudonymise: Pseudonymiser | None,
    protected: Sequence[Span] = (),
) -> tuple[str, list[Span]]:
    """``text`` with ``findings`` replaced, and where pseudonyms stand in the result: the
    ones given now and the ``protected`` ones of ``text`` (which no finding may overlap)."""
    parts: list[str] = []
    kept: list[Span] = []
    out_len = pos = j = 0

    def copy(upto: int) -> None:
        nonlocal out_len, pos, j
        while j < len(protected) and protected[j][0] < upto:
            a, b = protected[j]
            kept.append((out_len + a - pos, out_len + b - pos))
            j += 1
        parts.append(text[pos:upto])
        out_len += upto - pos
        pos = upto

    for finding in findings:
        copy(finding.start)
        value = replacement(text, finding, pseudonymise)
        if value != finding.kind.placeholder:
            kept.append((out_len, out_len + len(value)))
        parts.append(value)
        out_len += len(value)
        pos = finding.end
    copy(len(text))
    return "".join(parts), kept


def _outside(findings: list[Finding], protected: Sequence[Span]) -> list[Finding]:
    """``findings`` cut back to what lies outside the ``protected`` spans."""
    out: list[Finding] = []
    for finding in findings:
        pieces = [(finding.start, finding.end)]
        for a, b in protected:
            pieces = [
                part
                for start, end in pieces
                for part in ((start, min(end, a)), (max(start, b), end))
                if part[0] < part[1]
            ]
        out.extend(replace(finding, start=start, end=end) for start, end in pieces)
    return out


#: Passes over a text before giving up on it (each pass after the first is rare and short).
MAX_PASSES = 5
#: What a text that does not settle becomes; the detectors find nothing in it (tested).
UNSETTLED = "[BORTTAGEN TEXT]"


def settle(
    scrubbed: str, protected: Sequence[Span] = (), findings: list[Finding] | None = None
) -> str:
    """``scrubbed`` (a text scrubbed once) scrubbed again until the detectors find nothing
    in it outside the ``protected`` pseudonyms it holds (they stay as they are); with
    ``findings``: what the detectors find in it, when already known. Later passes put
    placeholders: a pseudonym is given only for what the first pass found."""
    for _ in range(MAX_PASSES):
        if findings is None:
            findings = detect(scrubbed)
        findings = _outside(findings, protected) if protected else findings
        if not findings:
            return scrubbed
        scrubbed, protected = _replace(scrubbed, findings, None, protected)
        findings = None
    return scrubbed if not _outside(detect(scrubbed), protected) else UNSETTLED


def scrub_text(text: str, *, pseudonymise_personnummer: Pseudonymiser | None = None) -> str:
    """``text`` with every finding replaced by its placeholder (``[PERSONNUMMER]``,
    ``[NAMN]``, ``[TELEFON]``, ...), the rest left as it was; the detectors find nothing
    in the result but the pseudonyms put there."""
    findings = detect(text)
    if not findings:
        return text
    return settle(*_replace(text, findings, pseudonymise_personnummer))


def scrub_many(
    texts: Sequence[str],
    *,
    pseudonymise_personnummer: Pseudonymiser | None = None,
    workers: int | Workers | None = None,
    chunk_chars: int = CHUNK_CHARS,
) -> list[str]:
    """``[scrub_text(t) for t in texts]``, computed on joined chunks on every core
    (``workers`` processes; default ``SAMVERKAN_PII_WORKERS`` or the number of CPUs)."""
    out = list(texts)
    batch = list(texts)
    alone = set()
    changed: list[int] = []
    for i, text in enumerate(texts):
        if SEPARATOR in text:  # rare: such a text is scrubbed on its own
            out[i] = scrub_text(text, pseudonymise_personnummer=pseudonymise_personnummer)
            batch[i] = ""
            alone.add(i)
    for chunk in joined_findings(batch, workers=workers, size=chunk_chars):
        if not chunk.findings:
            continue
        scrubbed, _ = _replace(chunk.joined, chunk.findings, pseudonymise_personnummer)
        pieces = scrubbed.split(SEPARATOR)
        if len(pieces) != chunk.last - chunk.first:  # a finding took a separator: never
            raise AssertionError("scrubbing joined texts lost a text boundary")
        for i, piece in enumerate(pieces, start=chunk.first):
            if i not in alone and piece != texts[i]:
                out[i] = piece
                changed.append(i)
    # A text without findings is its own fixpoint; the changed ones are looked at again,
    # and the few with something new (or a pseudonym that looks like data) done one by one.
    again = detect_many([out[i] for i in changed], workers=workers, chunk_chars=chunk_chars)
    for i, findings in zip(changed, again, strict=True):
        if findings:
            out[i] = scrub_text(texts[i], pseudonymise_personnummer=pseudonymise_personnummer)
    return out


def scrub_array(
    arr: pa.Array | pa.ChunkedArray,
    *,
    pseudonymise_personnummer: Pseudonymiser | None = None,
    workers: int | None = None,
) -> pa.Array:
    """A string array of the same type and length with every text scrubbed; nulls stay null.

    Each distinct text is scrubbed once (dictionary encoding), so repeated texts cost nothing;
    the distinct texts become Python strings a slice at a time (``slices``), so memory does
    not grow with the column.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    out_type = arr.type
    if not (pa.types.is_string(out_type) or pa.types.is_large_string(out_type)):
        if not pa.types.is_string_view(out_type):
            raise TypeError(f"scrub_array needs a string array, not {out_type}")
        arr = arr.cast(pa.large_string())
    encoded = pc.dictionary_encode(arr)
    with Workers(workers) as pool:
        pieces = [
            pa.array(
                scrub_many(
                    part.to_pylist(),
                    pseudonymise_personnummer=pseudonymise_personnummer,
                    workers=pool,
                ),
                type=arr.type,
            )
            for part in slices(encoded.dictionary)
        ]
    dictionary = pa.concat_arrays(pieces) if pieces else pa.array([], type=arr.type)
    result = dictionary.take(encoded.indices)
    return result.cast(out_type) if result.type != out_type else result
