"""Scrubbing: replace each piece of personal data in free text with a typed placeholder.

``scrub_text`` works on one text; ``scrub_many`` on a list of texts (joined in chunks and
scanned on every core, see ``pipelines.pii.parallel``); ``scrub_array`` on a whole Arrow
string column, scrubbing each distinct text once and leaving nulls alone.
In the ``project`` tier a personnummer (or samordningsnummer) can become the person's
project pseudonym instead: pass ``pseudonymise_personnummer``, called with the canonical
12-digit number (``YYYYMMDDNNNN``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.pii.detectors import CHUNK_CHARS, detect
from pipelines.pii.detectors._idnumber import canonical_id_number
from pipelines.pii.detectors._text import SEPARATOR
from pipelines.pii.findings import Finding, Kind
from pipelines.pii.parallel import Workers, joined_findings, slices

Pseudonymiser = Callable[[str], str]
_PERSON_NUMBERS = frozenset({Kind.PERSONNUMMER, Kind.SAMORDNINGSNUMMER})


def replacement(text: str, finding: Finding, pseudonymise: Pseudonymiser | None) -> str:
    """What replaces one finding: its placeholder, or the person's pseudonym."""
    if pseudonymise is not None and finding.kind in _PERSON_NUMBERS:
        canonical = canonical_id_number(text[finding.start : finding.end])
        if canonical is not None:
            return pseudonymise(canonical)
    return finding.kind.placeholder


def _replace(text: str, findings: list[Finding], pseudonymise: Pseudonymiser | None) -> str:
    parts: list[str] = []
    pos = 0
    for finding in findings:
        parts.append(text[pos : finding.start])
        parts.append(replacement(text, finding, pseudonymise))
        pos = finding.end
    parts.append(text[pos:])
    return "".join(parts)


def scrub_text(text: str, *, pseudonymise_personnummer: Pseudonymiser | None = None) -> str:
    """``text`` with every finding replaced by its placeholder (``[PERSONNUMMER]``,
    ``[NAMN]``, ``[TELEFON]``, ...), the rest left as it was."""
    findings = detect(text)
    if not findings:
        return text
    return _replace(text, findings, pseudonymise_personnummer)


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
    for i, text in enumerate(texts):
        if SEPARATOR in text:  # rare: such a text is scrubbed on its own
            out[i] = scrub_text(text, pseudonymise_personnummer=pseudonymise_personnummer)
            batch[i] = ""
            alone.add(i)
    for chunk in joined_findings(batch, workers=workers, size=chunk_chars):
        if not chunk.findings:
            continue
        scrubbed = _replace(chunk.joined, chunk.findings, pseudonymise_personnummer)
        pieces = scrubbed.split(SEPARATOR)
        if len(pieces) != chunk.last - chunk.first:  # a finding took a separator: never
            raise AssertionError("scrubbing joined texts lost a text boundary")
        for i, piece in enumerate(pieces, start=chunk.first):
            if i not in alone:
                out[i] = piece
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
