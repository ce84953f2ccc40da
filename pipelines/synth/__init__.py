"""Deterministic synthetic source systems for Huddinge kommun, and the record of what they plant.

``generate_all`` writes the five sources (an SQL table, three exports, Kolada pages) under
``settings.sources_dir`` and lists every planted identifier in the raw zone, so tests can
prove that nothing identifying survives into a release. Same seed and rows, same bytes.
"""

from pipelines.synth.generate import DATASETS, DatasetResult, GenerateReport, generate_all

__all__ = ["DATASETS", "DatasetResult", "GenerateReport", "generate_all"]
