"""Keyed pseudonyms: HMAC-SHA256 of an identifier under a project's secret key.

Like SCB's per-project LopNr: the same person gets the same pseudonym in every release of
one project, and different projects (different keys) cannot link. The key never appears in
any output; manifests name only its key id. Identifiers are normalised first, so the
written forms of one personnummer (``19850101-1234``, ``198501011234``, ``850101-1234``)
map to one pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.errors import SamverkanError

KEY_ENV = "SAMVERKAN_PSEUDONYM_KEY"
KEY_ID_ENV = "SAMVERKAN_PSEUDONYM_KEY_ID"
MIN_KEY_BYTES = 16
_NON_DIGIT = re.compile(r"[\s\-+]")


@dataclass(frozen=True)
class PseudonymKey:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"PseudonymKey(key_id={self.key_id!r})"


def _env_name(base: str, project: str | None) -> str:
    if not project:
        return base
    return f"{base}_{re.sub(r'[^A-Za-z0-9]', '_', project).upper()}"


def load_key(project: str | None = None, environ: dict[str, str] | None = None) -> PseudonymKey:
    """The key for a project from ``SAMVERKAN_PSEUDONYM_KEY_<PROJECT>`` (and ``..._KEY_ID_``)."""
    env = os.environ if environ is None else environ
    name = _env_name(KEY_ENV, project)
    secret = env.get(name)
    if not secret:
        raise SamverkanError(f"no pseudonym key: set {name} (and {_env_name(KEY_ID_ENV, project)})")
    raw = secret.encode("utf-8")
    if len(raw) < MIN_KEY_BYTES:
        raise SamverkanError(f"pseudonym key in {name} is shorter than {MIN_KEY_BYTES} bytes")
    key_id = env.get(_env_name(KEY_ID_ENV, project)) or (
        "sha256:" + hashlib.sha256(b"samverkan-key-id:" + raw).hexdigest()[:12]
    )
    return PseudonymKey(key_id=key_id, secret=raw)


def normalise_identifier(value: str) -> str:
    """Canonical form: personnummer/samordningsnummer as 12 digits, others trimmed."""
    text = value.strip()
    digits = _NON_DIGIT.sub("", text)
    if digits.isdigit() and len(digits) == 12:
        return digits
    if digits.isdigit() and len(digits) == 10 and re.fullmatch(r"\d{6}\s*[-+]?\s*\d{4}", text):
        # 10-digit form: the century follows from the separator ('+' = 100 years or older).
        from stdnum.se import personnummer  # noqa: PLC0415

        try:
            born = personnummer.get_birth_date(text)
        except Exception:  # noqa: BLE001 - not a personnummer date: keep as written
            return digits
        return f"{born.year // 100}{digits}"
    return text


def pseudonymise_value(key: PseudonymKey, value: str) -> str:
    digest = hmac.new(key.secret, normalise_identifier(value).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()


def pseudonymise_array(key: PseudonymKey, values: pa.Array) -> pa.Array:
    """Pseudonymise a column, hashing each distinct value once."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(pc.cast(values, pa.string()))
    dictionary = encoded.dictionary.to_pylist()
    hashed = pa.array([pseudonymise_value(key, v) for v in dictionary], pa.string())
    return pc.take(hashed, encoded.indices)
