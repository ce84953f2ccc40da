"""The last word before publish: the privacy gate and the PII gate.

Each gate re-checks the release candidate on its own terms (not by trusting the
anonymisation step's report), writes a value-free report to the run folder in the raw
zone, and raises ``ValidationFailed`` to stop the run. In Airflow each is a task of its
own between ``validate_release`` and ``publish``.
"""

from pipelines.gates.pii import pii_gate, pii_scan, raise_on_findings
from pipelines.gates.privacy import privacy_gate

__all__ = ["pii_gate", "pii_scan", "privacy_gate", "raise_on_findings"]
