"""Information-loss metrics, one unit each, with the names the CLI and reports use."""

from __future__ import annotations

from pipelines.anonymise.kanon.metrics.aec import AECSMetric
from pipelines.anonymise.kanon.metrics.base import Metric
from pipelines.anonymise.kanon.metrics.discernibility import DiscernibilityMetric
from pipelines.anonymise.kanon.metrics.entropy import EntropyMetric
from pipelines.anonymise.kanon.metrics.loss import LossMetric
from pipelines.anonymise.kanon.metrics.precision import PrecisionMetric

#: CLI name -> factory of the metric with ARX's defaults.
METRICS = {
    "loss": LossMetric,
    "entropy": lambda: EntropyMetric(monotonic=True),
    "entropy-nonmonotonic": lambda: EntropyMetric(monotonic=False),
    "discernibility": lambda: DiscernibilityMetric(monotonic=False),
    "aec": AECSMetric,
    "precision": lambda: PrecisionMetric(monotonic=False),
}


def metric_by_name(name: str) -> Metric:
    """The metric a CLI or spec names (see ``METRICS``)."""
    try:
        return METRICS[name]()
    except KeyError:
        raise ValueError(f"unknown metric {name}; choose from {', '.join(METRICS)}") from None


def report_metrics() -> list[Metric]:
    """Every metric a report lists."""
    return [
        LossMetric(),
        EntropyMetric(monotonic=True),
        EntropyMetric(monotonic=False),
        DiscernibilityMetric(monotonic=False),
        DiscernibilityMetric(monotonic=True),
        AECSMetric(),
        PrecisionMetric(monotonic=False),
    ]


__all__ = [
    "METRICS",
    "AECSMetric",
    "DiscernibilityMetric",
    "EntropyMetric",
    "LossMetric",
    "Metric",
    "PrecisionMetric",
    "metric_by_name",
    "report_metrics",
]
