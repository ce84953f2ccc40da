"""The suppression rule: classes below k (or failing a model) are suppressed, at most
floor(limit * records) records, and each keeps its row with * in every quasi-identifier."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.anonymise.kanon import PolicyUnattainable, anonymise, privacy_models
from pipelines.anonymise.kanon.frequency import build_frequency_table
from pipelines.anonymise.kanon.models import KAnonymity
from pipelines.anonymise.kanon.search import evaluate_node


def test_limit_is_floor_of_share(tiny):
    table, hierarchies = tiny
    freq = build_frequency_table(table, hierarchies)
    # node (1, 0) needs 2 suppressed records for k = 2
    assert evaluate_node(freq, (1, 0), [KAnonymity(2)], 2).anonymous
    assert not evaluate_node(freq, (1, 0), [KAnonymity(2)], 1).anonymous
    at_quarter = anonymise(table, hierarchies, k=2, suppression_limit=0.25)
    below = anonymise(table, hierarchies, k=2, suppression_limit=0.24)  # floor(1.92) = 1
    assert at_quarter.report()["max_suppressed_records"] == 2
    assert below.report()["max_suppressed_records"] == 1
    assert below.suppressed_records <= 1


def test_suppressed_rows_are_kept_and_starred(tiny):
    table, hierarchies = tiny
    result = anonymise(table, hierarchies, k=2, suppression_limit=0.25)
    assert result.transformation == {"age": 1, "sex": 0}
    assert result.suppressed_records == 2
    out = result.table
    assert out.num_rows == table.num_rows
    assert out.column("id").to_pylist() == table.column("id").to_pylist()
    assert out.column("diag").to_pylist() == table.column("diag").to_pylist()
    rows = out.to_pylist()
    starred = [r for r in rows if r["age"] == "*"]
    assert len(starred) == 2 and all(r["sex"] == "*" for r in starred)
    assert sorted(r["id"] for r in starred) == [3, 7]
    assert result.suppressed_rows.tolist() == [r["age"] == "*" for r in rows]
    assert result.k_achieved == 3 and result.k_achieved_release == 2


def test_without_suppression_generalises_further(tiny):
    table, hierarchies = tiny
    result = anonymise(table, hierarchies, k=2, suppression_limit=0.0)
    assert result.suppressed_records == 0
    assert result.k_achieved >= 2


def test_model_failures_are_suppressed_too(tiny):
    table, hierarchies = tiny
    models = privacy_models(k=1, l=2, sensitive=["diag"])
    result = anonymise(
        table, hierarchies, k=None, models=models, sensitive=["diag"], suppression_limit=0.25
    )
    assert result.report()["l_achieved"]["diag"] >= 2
    assert result.suppressed_records <= 2


def test_unattainable_policy_fails_clearly():
    table = pa.table({"q": ["a", "b"]})
    from pipelines.anonymise.kanon import Hierarchy

    with pytest.raises(PolicyUnattainable, match="no generalisation satisfies"):
        anonymise(table, {"q": Hierarchy([["a", "*"], ["b", "*"]])}, k=3)


def test_pandas_input_gives_same_result(tiny):
    table, hierarchies = tiny
    from_arrow = anonymise(table, hierarchies, k=2, suppression_limit=0.25)
    from_pandas = anonymise(table.to_pandas(), hierarchies, k=2, suppression_limit=0.25)
    assert from_pandas.transformation == from_arrow.transformation
    assert from_pandas.table.column("age").to_pylist() == from_arrow.table.column("age").to_pylist()
