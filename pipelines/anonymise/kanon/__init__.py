"""Generic k-anonymity engine: optimal full-domain generalisation, as ARX computes it.

Independent of Airflow and of our datasets. Typical use::

    from pipelines.anonymise.kanon import Hierarchy, anonymise, privacy_models
    result = anonymise(table, {"age": Hierarchy.from_csv("age.csv"), ...},
                       k=None, models=privacy_models(k=5, l=2, sensitive=["diagnosis"]),
                       sensitive=["diagnosis"], suppression_limit=0.05, metric="loss")
    result.table      # pyarrow Table: QIs generalised, suppressed rows starred
    result.report()   # JSON-ready: transformation, suppression, k/l achieved, loss, risk
"""

from pipelines.anonymise.kanon.engine import PolicyUnattainable, anonymise, privacy_models
from pipelines.anonymise.kanon.hierarchy import Hierarchy
from pipelines.anonymise.kanon.metrics import METRICS, metric_by_name
from pipelines.anonymise.kanon.models import (
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    PrivacyModel,
    TCloseness,
)
from pipelines.anonymise.kanon.result import AnonymisationResult

__all__ = [
    "METRICS",
    "AnonymisationResult",
    "DistinctLDiversity",
    "EntropyLDiversity",
    "Hierarchy",
    "KAnonymity",
    "PolicyUnattainable",
    "PrivacyModel",
    "TCloseness",
    "anonymise",
    "metric_by_name",
    "privacy_models",
]
