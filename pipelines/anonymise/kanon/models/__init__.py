"""Privacy models, one small unit each."""

from pipelines.anonymise.kanon.models.base import PrivacyModel
from pipelines.anonymise.kanon.models.kanonymity import KAnonymity
from pipelines.anonymise.kanon.models.known_value import KnownValueAnonymity
from pipelines.anonymise.kanon.models.ldiversity import DistinctLDiversity, EntropyLDiversity
from pipelines.anonymise.kanon.models.tcloseness import TCloseness

__all__ = [
    "DistinctLDiversity",
    "EntropyLDiversity",
    "KAnonymity",
    "KnownValueAnonymity",
    "PrivacyModel",
    "TCloseness",
]
