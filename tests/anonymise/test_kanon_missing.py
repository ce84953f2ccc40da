"""Records with missing values: kept, grouped as their own value, and counted by pycanon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.anonymise.kanon import anonymise, privacy_models


def test_missing_values_counted_like_pycanon(adult, canon):
    table, hierarchies = adult
    frame = table.to_pandas()
    rng = np.random.default_rng(7)
    for column in ("age", "education", "occupation"):
        holes = rng.random(len(frame)) < 0.03
        frame[column] = frame[column].astype(object).where(~holes, None)
    data = pa.Table.from_pandas(frame, preserve_index=False)
    models = privacy_models(k=5, l=2, sensitive=["occupation"])
    result = anonymise(
        data,
        hierarchies,
        k=None,
        models=models,
        sensitive=["occupation"],
        suppression_limit=0.05,
    )
    release = result.table.to_pandas()
    qis = list(hierarchies)
    # missing values survive below the top level of their hierarchy
    kept = release[~result.suppressed_rows]
    if result.transformation["age"] < 4:
        assert kept["age"].isna().sum() > 0
    assert len(release) == len(frame)
    assert canon.k(release, qis) == result.k_achieved_release
    assert canon.k(kept, qis) == result.k_achieved >= 5
    assert canon.l(kept, qis, "occupation") == result.report()["l_achieved"]["occupation"]


def test_missing_only_in_some_rows_is_its_own_group(tiny, canon):
    table, hierarchies = tiny
    frame = table.to_pandas()
    frame.loc[[0, 1], "sex"] = None
    result = anonymise(pa.Table.from_pandas(frame), hierarchies, k=2, suppression_limit=0.25)
    out = result.table.to_pandas()
    if result.transformation["sex"] == 0:
        assert pd.isna(out.loc[0, "sex"]) or out.loc[0, "sex"] == "*"
    assert canon.k(out[~result.suppressed_rows], ["age", "sex"]) >= 2
