"""Writes the chosen transformation onto the records.

Why: the search only sees the frequency table; the release is the input table with every
quasi-identifier replaced by its label at the chosen level and, for suppressed records,
``*`` in every quasi-identifier (the row itself is kept). Done with Arrow dictionary
arrays, so no per-record Python work.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.frequency import FrequencyTable

SUPPRESSED = "*"


def recode(table: pa.Table, freq: FrequencyTable, ev: Evaluation) -> pa.Table:
    """The release: QI columns generalised (as strings) and suppressed records starred."""
    record_suppressed = ev.combo_suppressed[freq.record_combo] if ev.suppressed else None
    for dim, name in enumerate(freq.names):
        level = ev.node[dim]
        hierarchy = freq.hierarchies[dim]
        labels = list(hierarchy.labels(level))
        codes = np.asarray(freq.generalised(dim, level))[freq.record_combo].astype(np.int32)
        missing_code = next((i for i, lab in enumerate(labels) if lab is None), None)
        mask = codes == missing_code if missing_code is not None else None
        dictionary = pa.array(
            [SUPPRESSED if lab is None else lab for lab in labels] + [SUPPRESSED], type=pa.string()
        )
        if record_suppressed is not None:
            codes[record_suppressed] = len(labels)
            if mask is not None:
                mask &= ~record_suppressed
        indices = pa.array(codes, mask=mask, type=pa.int32())
        column = pc.cast(pa.DictionaryArray.from_arrays(indices, dictionary), pa.string())
        table = table.set_column(table.column_names.index(name), name, column)
    return table
