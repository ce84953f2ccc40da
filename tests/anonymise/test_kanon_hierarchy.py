"""Hierarchies: ARX CSV files load as is, mappings build the same thing, bad ones fail."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.anonymise.kanon import Hierarchy
from pipelines.errors import SamverkanError


def test_arx_csv_with_crlf(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b"1;0-4;*\r\n2;0-4;*\r\n5;5-9;*\r\n")
    h = Hierarchy.from_csv(path, name="age")
    assert (h.size, h.levels, h.height) == (3, 3, 2)
    assert list(h.labels(1)) == ["0-4", "5-9"]
    assert list(h.codes(1)) == [0, 0, 1]
    assert h.cardinality(2) == 1
    # ARX domain shares: rows under the label / all rows
    assert np.allclose(h.shares[1], [2 / 3, 2 / 3, 1 / 3])
    assert np.allclose(h.shares[2], [1, 1, 1])


def test_from_mapping_equals_rows():
    h = Hierarchy.from_mapping({"a": ["x", "*"], "b": ["x", "*"], "c": ["y", "*"]})
    assert h.rows.tolist() == [["a", "x", "*"], ["b", "x", "*"], ["c", "y", "*"]]
    assert list(h.lookup(np.array(["c", "a", "zz", None], dtype=object))) == [2, 0, -1, -1]


def test_not_a_tree_is_refused_without_values(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a;secretgroup;*\nb;secretgroup;other\n", encoding="utf-8")
    with pytest.raises(SamverkanError) as err:
        Hierarchy.from_csv(path, name="col")
    message = str(err.value)
    assert "not a tree" in message and "col" in message and str(path) in message
    assert "secretgroup" not in message


def test_ragged_and_duplicate_rows_refused():
    with pytest.raises(SamverkanError):
        Hierarchy([["a", "*"], ["b"]])
    with pytest.raises(SamverkanError):
        Hierarchy([["a", "*"], ["a", "*"]])


def test_missing_row_added_for_missing_values():
    h = Hierarchy([["a", "x", "*"], ["b", "x", "*"]]).with_missing_row()
    assert h.size == 3 and h.missing_row == 2
    assert h.rows[2].tolist() == [None, None, "*"]
    # missing stays its own group below the top, joins everything at the top
    assert h.cardinality(1) == 2 and h.cardinality(2) == 1


def test_arx_null_row_takes_missing_values():
    h = Hierarchy([["a", "*"], ["NULL", "*"]])
    assert list(h.lookup(np.array([None, "a"], dtype=object))) == [1, 0]


def test_unreadable_file_names_file(tmp_path):
    with pytest.raises(SamverkanError, match="cannot read hierarchy"):
        Hierarchy.from_csv(tmp_path / "nope.csv", name="x")
