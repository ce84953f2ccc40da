"""Writes the chosen transformation onto the records.

Why: the search only sees the frequency table; the release is the input table with every
quasi-identifier replaced by its label at the chosen level and, for suppressed records,
``*`` in every quasi-identifier (the row itself is kept). Done with Arrow dictionary
arrays, so no per-record Python work. ``recode_labels`` gives one quasi-identifier for a
range of records, so a release can be written batch by batch from the frequency table.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.frequency import FrequencyTable

SUPPRESSED = "*"


def recode_labels(
    freq: FrequencyTable, ev: Evaluation, dim: int, start: int = 0, stop: int | None = None
) -> pa.Array:
    """Quasi-identifier ``dim`` of records ``start:stop`` at the chosen level, as strings;
    suppressed records starred, missing values missing."""
    record_combo = freq.record_combo[start:stop]
    level = ev.node[dim]
    labels = list(freq.hierarchies[dim].labels(level))
    codes = np.asarray(freq.generalised(dim, level))[record_combo].astype(np.int32)
    missing_code = next((i for i, lab in enumerate(labels) if lab is None), None)
    mask = codes == missing_code if missing_code is not None else None
    dictionary = pa.array(
        [SUPPRESSED if lab is None else lab for lab in labels] + [SUPPRESSED], type=pa.string()
    )
    if ev.suppressed:
        record_suppressed = ev.combo_suppressed[record_combo]
        codes[record_suppressed] = len(labels)
        if mask is not None:
            mask &= ~record_suppressed
    indices = pa.array(codes, mask=mask, type=pa.int32())
    return pc.cast(pa.DictionaryArray.from_arrays(indices, dictionary), pa.string())


def recode(table: pa.Table, freq: FrequencyTable, ev: Evaluation) -> pa.Table:
    """The release: QI columns generalised (as strings) and suppressed records starred."""
    for dim, name in enumerate(freq.names):
        column = recode_labels(freq, ev, dim)
        table = table.set_column(table.column_names.index(name), name, column)
    return table
