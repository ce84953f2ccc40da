"""Keyed pseudonyms: stable per key, unlinkable across keys, never exposing the key."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.anonymise.pseudonym import (
    PseudonymKey,
    load_key,
    normalise_identifier,
    pseudonymise_array,
)
from pipelines.errors import SamverkanError

KEY_A = PseudonymKey("a", b"project-a-secret-key-0123456789")
KEY_B = PseudonymKey("b", b"project-b-secret-key-0123456789")


def test_written_forms_of_one_personnummer_share_a_pseudonym() -> None:
    forms = ["19850101-2384", "198501012384", "850101-2384", " 19850101 2384 "]
    assert {normalise_identifier(f) for f in forms} == {"198501012384"}
    pseudonyms = pseudonymise_array(KEY_A, pa.array(forms)).to_pylist()
    assert len(set(pseudonyms)) == 1
    assert len(pseudonyms[0]) == 64


def test_plus_separator_means_a_centenarian() -> None:
    assert normalise_identifier("101010+1234").startswith("19")


def test_keys_give_unlinkable_pseudonyms() -> None:
    ids = pa.array(["19850101-2384", "19900202-1234", None])
    a = pseudonymise_array(KEY_A, ids).to_pylist()
    b = pseudonymise_array(KEY_B, ids).to_pylist()
    assert a[2] is None and b[2] is None
    assert not set(a[:2]) & set(b[:2])
    assert pseudonymise_array(KEY_A, ids).to_pylist() == a  # stable


def test_key_loaded_per_project_and_never_shown() -> None:
    env = {
        "SAMVERKAN_PSEUDONYM_KEY_SODERTORN_42": "x" * 32,
        "SAMVERKAN_PSEUDONYM_KEY_ID_SODERTORN_42": "k2026-1",
    }
    key = load_key("sodertorn-42", env)
    assert key.key_id == "k2026-1"
    assert "x" * 32 not in repr(key)
    with pytest.raises(SamverkanError, match="SAMVERKAN_PSEUDONYM_KEY_OTHER"):
        load_key("other", env)
    with pytest.raises(SamverkanError, match="shorter"):
        load_key(None, {"SAMVERKAN_PSEUDONYM_KEY": "short"})
