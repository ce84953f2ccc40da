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
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.errors import SamverkanError

log = logging.getLogger(__name__)

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


def _local_key(path: Path) -> bytes:
    """A key kept in a file of the restricted raw zone, created once (embedded default)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        log.warning(
            "created a new local key file %s (set the environment variable in production)", path
        )
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


#: PBKDF2 rounds behind a derived key id: a published id must not make guessing a weak key
#: cheap (each guess costs this many HMACs, as a password hash would).
KEY_ID_ROUNDS = 200_000


def derived_key_id(raw: bytes) -> str:
    """A public id for a key that names it without making it cheap to test a guess."""
    digest = hashlib.pbkdf2_hmac("sha256", raw, b"samverkan-key-id", KEY_ID_ROUNDS, dklen=8)
    return "pbkdf2:" + digest.hex()


def load_key(
    project: str | None = None,
    environ: dict[str, str] | None = None,
    *,
    local_dir: Path | None = None,
) -> PseudonymKey:
    """The key for a project from ``SAMVERKAN_PSEUDONYM_KEY_<PROJECT>`` (and ``..._KEY_ID_``).

    Without the variable, a key file under ``local_dir`` (the raw zone) is used or created,
    so the embedded defaults work and stay stable from release to release.
    """
    env = os.environ if environ is None else environ
    name = _env_name(KEY_ENV, project)
    secret = env.get(name)
    if secret:
        raw = secret.encode("utf-8")
    elif local_dir is not None:
        raw = _local_key(local_dir / f"{(project or 'default').lower()}.key")
    else:
        raise SamverkanError(f"no pseudonym key: set {name} (and {_env_name(KEY_ID_ENV, project)})")
    if len(raw) < MIN_KEY_BYTES:
        raise SamverkanError(f"pseudonym key in {name} is shorter than {MIN_KEY_BYTES} bytes")
    key_id = env.get(_env_name(KEY_ID_ENV, project)) or derived_key_id(raw)
    return PseudonymKey(key_id=key_id, secret=raw)


def normalise_identifier(value: str) -> str:
    """Canonical form: personnummer/samordningsnummer as 12 digits, others trimmed."""
    text = value.strip()
    digits = _NON_DIGIT.sub("", text)
    if digits.isdigit() and len(digits) == 12:
        return digits
    if digits.isdigit() and len(digits) == 10 and re.fullmatch(r"\d{6}\s*[-+]?\s*\d{4}", text):
        # 10-digit form: the century follows from the separator ('+' = 100 years or older).
        from stdnum.se import personnummer

        try:
            born = personnummer.get_birth_date(text)
        except Exception:
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
