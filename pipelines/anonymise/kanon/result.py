"""What one anonymisation returns: the release table and its JSON-ready report.

Why: the pipeline, the CLI and the release gate all need the same facts about a run
(transformation, suppression, achieved k/l/t, information loss, risk, runtime); keeping
them in one dataclass with one ``report()`` keeps the manifest and REPORT.json alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa


@dataclass
class AnonymisationResult:
    """The release table and everything a report says about it."""

    table: pa.Table
    transformation: dict[str, int]
    suppressed_records: int
    records: int
    k_achieved: int
    k_achieved_release: int
    information_loss: dict[str, float]
    metric: str
    risk: dict[str, object]
    runtime_s: float
    details: dict[str, object] = field(default_factory=dict)
    #: Per record of ``table``: was it suppressed (QIs set to ``*``)?
    suppressed_rows: np.ndarray | None = field(default=None, repr=False)
    #: Kept when the engine was asked not to recode the table (see ``labels``).
    frequency: Any = field(default=None, repr=False)
    evaluation: Any = field(default=None, repr=False)

    def labels(self, name: str, start: int = 0, stop: int | None = None) -> pa.Array:
        """Released values of quasi-identifier ``name`` for records ``start:stop``."""
        from pipelines.anonymise.kanon.recode import recode_labels

        if self.frequency is None or self.evaluation is None:
            return self.table.column(name).slice(start, None if stop is None else stop - start)
        dim = self.frequency.names.index(name)
        return recode_labels(self.frequency, self.evaluation, dim, start, stop)

    def report(self) -> dict[str, object]:
        """JSON-serialisable report (never holds a data value)."""
        return {
            "transformation": dict(self.transformation),
            "records": self.records,
            "suppressed_records": self.suppressed_records,
            "k_achieved": self.k_achieved,
            "k_achieved_release": self.k_achieved_release,
            "metric": self.metric,
            "information_loss": dict(self.information_loss),
            "risk": self.risk,
            **self.details,
            "runtime_s": self.runtime_s,
        }
