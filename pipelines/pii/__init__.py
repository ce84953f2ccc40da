"""Swedish personal data in free text and files: detectors, scrubbing and a leak scanner.

* ``detect(text)``: non-overlapping ``Finding`` (kind, detector, start, end) in a text;
* ``scrub_text`` / ``scrub_array``: replace findings with typed placeholders;
* ``scan_paths`` / ``scan_table``: find personal data anywhere in files, for the release gate.
"""

from __future__ import annotations

from pipelines.pii.detectors import detect
from pipelines.pii.findings import Finding, Kind
from pipelines.pii.scan import ScanReport, scan_paths, scan_table
from pipelines.pii.scrub import scrub_array, scrub_text

__all__ = [
    "Finding",
    "Kind",
    "ScanReport",
    "detect",
    "scan_paths",
    "scan_table",
    "scrub_array",
    "scrub_text",
]
