"""The PII gate: no personal data in any cell, column name or metadata of a release.

Scans the candidate Parquet file a record batch at a time with the leak scanner; any
finding blocks the release, and the report (kinds, columns, rows; never a value) stays
in the raw zone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.errors import ValidationFailed
from pipelines.publish.parquet import read_batches, sha256_file


def pii_scan(path: Path, batch_rows: int) -> list[Any]:
    """PII findings in every cell, column name and schema metadata of a Parquet file, read
    a record batch at a time; rows are those of the whole file (0-based)."""
    from pipelines.pii.scan import scan_table

    findings: list[Any] = []
    for start, batch in read_batches(path, None, batch_rows):
        for finding in scan_table(batch, source=path.name):
            if finding.row is None:  # the schema: the same in every batch, report it once
                if start == 0:
                    findings.append(finding)
            else:
                findings.append(
                    finding.located(
                        source=finding.source, where=finding.where, row=start + finding.row
                    )
                )
        del batch
        pa.default_memory_pool().release_unused()
    return findings


def raise_on_findings(
    dataset: str, work_dir: Path, findings: list[Any], what: str
) -> dict[str, Any]:
    """Block on any personal data found; the report (no values) stays in the raw zone."""
    by_kind: dict[str, int] = {}
    for finding in findings:
        by_kind[str(finding.kind)] = by_kind.get(str(finding.kind), 0) + 1
    if findings:
        report = work_dir / f"pii_findings_{what.replace(' ', '_')}.json"
        report.write_text(
            json.dumps(
                [
                    {
                        "kind": str(f.kind),
                        "detector": f.detector,
                        "where": f.where,
                        "row": f.row if f.row is None else f.row + 1,
                        "file": f.source,
                    }
                    for f in findings
                ],
                indent=2,
            ),
            encoding="utf-8",
        )
        first = findings[0]
        raise ValidationFailed(
            f"PII gate: {len(findings)} possible personal data finding(s) in the {what} "
            f"({', '.join(f'{k}: {n}' for k, n in sorted(by_kind.items()))}); first in "
            f"{first.where}"
            + (f", row {first.row + 1}" if first.row is not None else "")
            + f"; report in {report}",
            dataset=dataset,
        )
    return {"findings": 0}


def pii_gate(dataset: str, candidate: Path, work_dir: Path, batch_rows: int) -> dict[str, Any]:
    """Scan the candidate; return the value-free summary (with the scanned file's hash, so
    the snapshot scan can skip the byte-identical copy)."""
    findings = pii_scan(candidate, batch_rows)
    pa.default_memory_pool().release_unused()
    summary = raise_on_findings(dataset, work_dir, findings, "release candidate")
    summary["scanned_sha256"] = sha256_file(candidate)
    return summary
