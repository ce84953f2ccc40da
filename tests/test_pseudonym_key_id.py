"""The published key id names a key without making a guess of the key cheap to test."""

from __future__ import annotations

import hashlib

from pipelines.anonymise.pseudonym import KEY_ID_ROUNDS, derived_key_id, load_key


def test_derived_key_id_is_a_slow_hash_of_the_key() -> None:
    key = load_key("alpha", {"SAMVERKAN_PSEUDONYM_KEY_ALPHA": "k" * 40})
    expected = hashlib.pbkdf2_hmac("sha256", b"k" * 40, b"samverkan-key-id", KEY_ID_ROUNDS, 8)
    assert key.key_id == "pbkdf2:" + expected.hex()
    assert derived_key_id(b"k" * 40) != derived_key_id(b"k" * 39 + b"j")
    assert KEY_ID_ROUNDS >= 100_000  # each guess costs as many HMACs as a password hash


def test_a_given_key_id_is_kept() -> None:
    environ = {"SAMVERKAN_PSEUDONYM_KEY_ALPHA": "k" * 40, "SAMVERKAN_PSEUDONYM_KEY_ID_ALPHA": "v7"}
    assert load_key("alpha", environ).key_id == "v7"
