"""How to cite one version: a reference line in Swedish and English plus BibTeX."""

from __future__ import annotations

import re

from pipelines.metadata.licences import licence_title
from pipelines.specs.model import DatasetSpec


def bibtex_key(spec: DatasetSpec, version: str) -> str:
    publisher = re.sub(r"[^a-z0-9]+", "", spec.publisher.lower().split()[0]) or "dataset"
    return f"{publisher}_{spec.name}_{re.sub(r'[^0-9A-Za-z]+', '_', version)}"


def citation_text(*, spec: DatasetSpec, version: str, year: int, url: str) -> str:
    """``CITATION.txt``: title, publisher, year, version and URL, ready to paste."""
    licence = f"{spec.licence} ({licence_title(spec.licence)})"
    return "\n".join(
        [
            "Cite this dataset as / Citera datamängden som:",
            "",
            f"{spec.publisher} ({year}). {spec.title.en} (Version {version}) [Data set]. "
            f"Licence: {licence}. {url}",
            "",
            f"{spec.publisher} ({year}). {spec.title.sv} (Version {version}) [Datamängd]. "
            f"Licens: {licence}. {url}",
            "",
            f"@misc{{{bibtex_key(spec, version)},",
            f"  author    = {{{{{spec.publisher}}}}},",
            f"  title     = {{{{{spec.title.en}}}}},",
            f"  year      = {{{year}}},",
            f"  version   = {{{version}}},",
            f"  publisher = {{{{{spec.publisher}}}}},",
            f"  url       = {{{url}}},",
            f"  note      = {{Licence {spec.licence}}}",
            "}",
            "",
        ]
    )
