"""How to cite one version: ``CITATION.txt`` (sv/en and BibTeX), ``CITATION.cff`` (Citation
File Format 1.2.0) and ``datacite.json`` (DataCite Metadata Schema 4.x, JSON).

All three name the version's persistent identifier (DOI or URN, see ``identifiers``) and,
when published publicly, its address on the portal. In local mode they carry no URL and
say plainly that the copy is local and not to be cited as a publication.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from pipelines.metadata.identifiers import Publication, resolver_url, version_identifier
from pipelines.specs.licences import licence_title, licence_url
from pipelines.specs.model import DatasetSpec

LOCAL_NOTE = {
    "sv": "LOKAL KOPIA: inte publicerad, citera inte; identifieraren är inte beständig.",
    "en": "LOCAL COPY: not published, do not cite; the identifier is not persistent.",
}
DATACITE_SCHEMA = "http://datacite.org/schema/kernel-4"


def bibtex_key(spec: DatasetSpec, version: str) -> str:
    publisher = re.sub(r"[^a-z0-9]+", "", spec.publisher.lower().split()[0]) or "dataset"
    return f"{publisher}_{spec.name}_{re.sub(r'[^0-9A-Za-z]+', '_', version)}"


def _where(identifier: str, url: str | None) -> str:
    resolved = resolver_url(identifier)
    return resolved or url or identifier


def citation_text(
    *, spec: DatasetSpec, version: str, year: int, url: str | None, identifier: str, local: bool
) -> str:
    """``CITATION.txt``: title, publisher, year, version and identifier, ready to paste."""
    licence = f"{spec.licence} ({licence_title(spec.licence)})"
    where = _where(identifier, url)
    lines = []
    if local:
        lines += [LOCAL_NOTE["en"], LOCAL_NOTE["sv"], ""]
    lines += [
        "Cite this dataset as / Citera datamängden som:",
        "",
        f"{spec.publisher} ({year}). {spec.title.en} (Version {version}) [Data set]. "
        f"Licence: {licence}. {where}",
        "",
        f"{spec.publisher} ({year}). {spec.title.sv} (Version {version}) [Datamängd]. "
        f"Licens: {licence}. {where}",
        "",
        f"@misc{{{bibtex_key(spec, version)},",
        f"  author    = {{{{{spec.publisher}}}}},",
        f"  title     = {{{{{spec.title.en}}}}},",
        f"  year      = {{{year}}},",
        f"  version   = {{{version}}},",
        f"  publisher = {{{{{spec.publisher}}}}},",
    ]
    if identifier.startswith("10."):
        lines.append(f"  doi       = {{{identifier}}},")
    if url and not local:
        lines.append(f"  url       = {{{url}}},")
    note = f"Licence {spec.licence}; identifier {identifier}" + ("; LOCAL COPY" if local else "")
    lines += [f"  note      = {{{note}}}", "}", ""]
    return "\n".join(lines)


def citation_cff(
    *,
    spec: DatasetSpec,
    version: str,
    released: dt.date,
    url: str | None,
    identifier: str,
    local: bool,
) -> str:
    """``CITATION.cff`` (CFF 1.2.0) for this version."""
    message = "If you use this dataset, please cite it as below."
    if local:
        message = f"{LOCAL_NOTE['en']} {message}"
    data: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": message,
        "type": "dataset",
        "title": spec.title.en,
        "abstract": spec.description.en,
        "authors": [{"name": spec.publisher}],
        "version": version,
        "date-released": released.isoformat(),
        "license": spec.licence,
        "keywords": list(dict.fromkeys(spec.all_keywords)),
    }
    if identifier.startswith("10."):
        data["doi"] = identifier
        data["identifiers"] = [{"type": "doi", "value": identifier}]
    else:
        data["identifiers"] = [
            {"type": "other", "value": identifier, "description": "URN of this version"}
        ]
    if url and not local:
        data["url"] = url
        data["identifiers"].append({"type": "url", "value": url})
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _identifier_type(identifier: str) -> str:
    return "DOI" if identifier.startswith("10.") else "URN"


def datacite_json(
    *,
    spec: DatasetSpec,
    version: str,
    released: dt.date,
    url: str | None,
    identifier: str,
    dataset_identifier: str,
    local: bool,
    coverage: dict[str, str] | None,
    sizes: list[str],
) -> dict[str, Any]:
    """DataCite Metadata Schema 4.x (JSON) for this version."""
    descriptions = [
        {"description": spec.description.en, "descriptionType": "Abstract", "lang": "en"},
        {"description": spec.description.sv, "descriptionType": "Abstract", "lang": "sv"},
    ]
    if local:
        descriptions.append(
            {"description": LOCAL_NOTE["en"], "descriptionType": "Other", "lang": "en"}
        )
    dates = [{"date": released.isoformat(), "dateType": "Issued"}]
    if coverage:
        dates.append({"date": f"{coverage['start']}/{coverage['end']}", "dateType": "Collected"})
    out: dict[str, Any] = {
        "schemaVersion": DATACITE_SCHEMA,
        "identifiers": [{"identifier": identifier, "identifierType": _identifier_type(identifier)}],
        "creators": [{"name": spec.publisher, "nameType": "Organizational"}],
        "titles": [
            {"title": spec.title.en, "lang": "en"},
            {"title": spec.title.sv, "lang": "sv"},
        ],
        "publisher": spec.publisher,
        "publicationYear": str(released.year),
        "types": {"resourceType": "Anonymised microdata", "resourceTypeGeneral": "Dataset"},
        "subjects": [{"subject": w, "lang": "sv"} for w in spec.keywords.sv]
        + [{"subject": w, "lang": "en"} for w in spec.keywords.en],
        "dates": dates,
        "language": "sv",
        "relatedIdentifiers": [
            {
                "relatedIdentifier": dataset_identifier,
                "relatedIdentifierType": _identifier_type(dataset_identifier),
                "relationType": "IsVersionOf",
            }
        ],
        "sizes": sizes,
        "formats": ["application/vnd.apache.parquet"],
        "version": version,
        "rightsList": [
            {
                "rights": licence_title(spec.licence),
                "rightsUri": licence_url(spec.licence),
                "rightsIdentifier": spec.licence,
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            }
        ],
        "descriptions": descriptions,
        "geoLocations": [{"geoLocationPlace": "Huddinge kommun (0126), Stockholms län, Sverige"}],
    }
    if url and not local:
        out["alternateIdentifiers"] = [
            {"alternateIdentifier": url, "alternateIdentifierType": "URL"}
        ]
    return out


def citation_files(
    *,
    spec: DatasetSpec,
    version: str,
    released: dt.date,
    publication: Publication,
    url: str | None,
    coverage: dict[str, str] | None,
    sizes: list[str],
) -> tuple[str, str, dict[str, Any]]:
    """(CITATION.txt, CITATION.cff, datacite.json) of one version."""
    from pipelines.metadata.identifiers import dataset_identifier

    identifier = version_identifier(spec.name, version, publication.pid)
    common = {"spec": spec, "version": version, "url": url, "identifier": identifier}
    local = publication.local
    return (
        citation_text(year=released.year, local=local, **common),
        citation_cff(released=released, local=local, **common),
        datacite_json(
            released=released,
            local=local,
            dataset_identifier=dataset_identifier(spec.name, publication.pid),
            coverage=coverage,
            sizes=sizes,
            **common,
        ),
    )
