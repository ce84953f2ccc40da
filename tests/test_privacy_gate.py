"""The privacy gate counts people, not rows, and checks the release joined to its source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.anonymise.row_order import SOURCE_ROW
from pipelines.errors import ValidationFailed
from pipelines.gates import privacy_gate
from pipelines.specs.model import DatasetSpec

TEXT = {"sv": "x", "en": "x"}


def _spec(subject: bool, per_subject: bool | None = None, **policy: object) -> DatasetSpec:
    columns = [
        {"name": "person", "type": "string", "role": "direct_identifier", "action": "drop"},
        {
            "name": "age",
            "type": "string",
            "role": "quasi_identifier",
            "hierarchy": ["*"],
            "level": "auto",
            "per_subject": subject if per_subject is None else per_subject,
        },
        {
            "name": "month",
            "type": "string",
            "role": "quasi_identifier",
            "hierarchy": ["*"],
            "level": "auto",
        },
        {"name": "hours", "type": "float", "role": "measure"},
    ]
    return DatasetSpec.model_validate(
        {
            "name": "longitudinal",
            "title": TEXT,
            "description": TEXT,
            "source": {"kind": "csv", "path": "x.csv"},
            "columns": [c | {"description": TEXT} for c in columns],
            "subject": {"columns": ["person"]} if subject else None,
            "anonymisation": {"k": 5, "suppression_limit": 0.0, **policy},
        }
    )


def _files(tmp_path: Path, people: int = 40, months: int = 6) -> tuple[Path, Path, Path]:
    """Each person has a unique age and ``months`` records: counted by records every age
    class holds ``months`` >= k records, counted by people it holds one."""
    rng = np.random.default_rng(0)
    person = [f"p{p:03d}" for p in range(people) for _ in range(months)]
    age = [str(20 + p) for p in range(people) for _ in range(months)]
    month = ["*"] * (people * months)
    hours = rng.random(people * months).round(1)
    extract = pa.table({"person": person, "age": age, "month": month, "hours": hours})
    order = rng.permutation(len(person))
    candidate = extract.drop_columns(["person"]).take(pa.array(order))
    paths = tmp_path / "extract.parquet", tmp_path / "candidate.parquet", tmp_path / "rows.pq"
    pq.write_table(extract, paths[0])
    pq.write_table(candidate, paths[1])
    pq.write_table(pa.table({SOURCE_ROW: pa.array(order, pa.int64())}), paths[2])
    return paths


def test_row_level_k_passes_but_the_gate_blocks_by_subject(tmp_path: Path) -> None:
    extract, candidate, rows = _files(tmp_path)
    levels = {"age": 0, "month": 1}
    # each record its own subject: every age class holds 6 records >= k
    report = privacy_gate(_spec(False), "project", candidate, extract, rows, levels)
    assert report["k_checked"] == 6
    with pytest.raises(ValidationFailed, match=r"holds 1 data subject\(s\), below k=5"):
        privacy_gate(_spec(True), "project", candidate, extract, rows, levels)


def test_partial_suppression_of_a_subject_blocks(tmp_path: Path) -> None:
    extract, candidate, rows = _files(tmp_path, people=10, months=6)
    table = pq.read_table(candidate)
    source = pq.read_table(rows).column(SOURCE_ROW).to_numpy()
    # every record suppressed, except one of the third person's (source rows 12..17)
    ages = ["22" if s == 12 else "*" for s in source]
    pq.write_table(table.set_column(0, "age", pa.array(ages)), candidate)
    spec = _spec(True, per_subject=False, suppression_limit=1.0, k=1)
    with pytest.raises(ValidationFailed, match="suppressed on some records but not on all"):
        privacy_gate(spec, "project", candidate, extract, rows, {"age": 0, "month": 1})


def test_release_in_source_order_blocks(tmp_path: Path) -> None:
    extract, candidate, rows = _files(tmp_path)
    pq.write_table(pq.read_table(extract).drop_columns(["person"]), candidate)
    pq.write_table(pa.table({SOURCE_ROW: pa.array(np.arange(240), pa.int64())}), rows)
    with pytest.raises(ValidationFailed, match="release order follows the source order"):
        privacy_gate(_spec(False), "project", candidate, extract, rows, {"age": 0, "month": 1})


def test_attacker_a_blocks_the_open_tier_and_names_columns(tmp_path: Path) -> None:
    extract, candidate, rows = _files(tmp_path)
    spec = _spec(True, k=1)
    with pytest.raises(ValidationFailed, match=r"unique to an attacker .* most singling out: age"):
        privacy_gate(spec, "open", candidate, extract, rows, {"age": 0, "month": 1})
    # the project tier reports the same figure without blocking
    report = privacy_gate(spec, "project", candidate, extract, rows, {"age": 0, "month": 1})
    assert report["attacker_a"]["unique_share"] == 1.0
    assert report["attacker_b"]["unique_share"] == 1.0
