"""A DCAT-AP 3.0.1 / DCAT-AP-SE catalogue of the open tier, for harvesters.

One ``dcat:Dataset`` per open dataset with a live version, describing its latest live
version; one ``dcat:Distribution`` per kind of file in it (the microdata, each aggregate
table). Every object has the class DCAT-AP gives its property's range and every controlled
value is an EU vocabulary URI (see ``vocabularies``), so the catalogue passes the official
SHACL shapes (tests/metadata/official). Built with rdflib from each release's manifest and
codebook; the portal serves it as Turtle (``/catalog.ttl``) and JSON-LD.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from pipelines.metadata import vocabularies as voc
from pipelines.metadata.identifiers import dataset_identifier
from pipelines.metadata.urls import absolute, dataset_path, file_path, version_path
from pipelines.metadata.versions import OPEN, Release, latest_live, scan_releases
from pipelines.specs.licences import licence_eu_uri, licence_kind, licence_title, licence_url

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
PARQUET_MIME = "application/vnd.apache.parquet"
CONTACT_ENV = "SAMVERKAN_CONTACT_EMAIL"
DEFAULT_CONTACT = "forskningsdata@huddinge.se"
MUNICIPALITY = {"code": "0126", "sv": "Huddinge kommun", "en": "Huddinge Municipality"}

CATALOGUE_TITLE = {
    "sv": "Huddinge kommuns forskningsdata",
    "en": "Huddinge municipality research data",
}
CATALOGUE_DESCRIPTION = {
    "sv": "Anonymiserade data från Huddinge kommuns verksamheter för forskning vid "
    "Södertörns högskola och andra.",
    "en": "Anonymised data from Huddinge municipality's operations for research at "
    "Södertörn University and elsewhere.",
}
MICRODATA = {"sv": "Mikrodata", "en": "Microdata"}


def _texts(graph: Graph, subject: URIRef | BNode, predicate: URIRef, texts: dict) -> None:
    for lang in ("sv", "en"):
        if texts.get(lang):
            graph.add((subject, predicate, Literal(texts[lang], lang=lang)))


def _publisher(graph: Graph, base_url: str, name: str) -> URIRef:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "publisher"
    agent = URIRef(absolute(base_url, f"/publishers/{slug}"))
    if (agent, RDF.type, FOAF.Agent) not in graph:
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, RDF.type, FOAF.Organization))
        _texts(graph, agent, FOAF.name, {"sv": name, "en": name})
        graph.add((agent, DCTERMS.type, voc.publisher_type(graph, "LocalAuthority")))
    return agent


def _contact(graph: Graph, email: str) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, VCARD.fn, Literal("Huddinge kommun, forskningsdata")))
    graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    return node


def _document(graph: Graph, url: str, title: dict[str, str] | None = None) -> URIRef:
    node = URIRef(url)
    graph.add((node, RDF.type, FOAF.Document))
    if title:
        _texts(graph, node, DCTERMS.title, title)
    return node


def _licence(graph: Graph, identifier: str) -> URIRef:
    node = URIRef(licence_eu_uri(identifier) or licence_url(identifier))
    graph.add((node, RDF.type, DCTERMS.LicenseDocument))
    graph.add((node, DCTERMS.type, voc.licence_type(graph, licence_kind(identifier))))
    graph.add((node, DCTERMS.identifier, Literal(identifier)))
    graph.add((node, RDFS_LABEL, Literal(licence_title(identifier), lang="en")))
    graph.add((node, RDFS_SEE_ALSO, URIRef(licence_url(identifier))))
    return node


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_SEE_ALSO = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")


def _spatial(graph: Graph, base_url: str) -> list[URIRef]:
    """Sweden (EU country table) and Huddinge municipality (by its municipality code)."""
    huddinge = URIRef(absolute(base_url, f"/places/kommun/{MUNICIPALITY['code']}"))
    graph.add((huddinge, RDF.type, DCTERMS.Location))
    _texts(graph, huddinge, SKOS.prefLabel, MUNICIPALITY)
    graph.add((huddinge, DCTERMS.identifier, Literal(MUNICIPALITY["code"])))
    graph.add((huddinge, LOCN.geographicName, Literal(MUNICIPALITY["sv"], lang="sv")))
    return [voc.country(graph, "SWE"), huddinge]


def _date(value: str | None, datatype: URIRef = XSD.dateTime) -> Literal | None:
    return Literal(value, datatype=datatype) if value else None


def _checksum(graph: Graph, sha256: str) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, SPDX.Checksum))
    graph.add((node, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((node, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))
    return node


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _published_identifier(release: Release) -> str:
    """The dataset's PID as its release recorded it (datacite.json), so the catalogue says
    what the citation says whatever the portal's own settings; else from the settings."""
    datacite = _read_json(release.path / "datacite.json")
    for related in datacite.get("relatedIdentifiers", []):
        if related.get("relationType") == "IsVersionOf":
            return str(related["relatedIdentifier"])
    return dataset_identifier(release.dataset)


def file_kinds(manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Parquet files by kind: ``data`` (microdata) and one kind per aggregate table."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest.get("files", []):
        path = entry["path"]
        if not path.endswith(".parquet"):
            continue
        kind = "data" if path.startswith("data/") else Path(path).stem
        kinds.setdefault(kind, []).append(entry)
    return kinds


def _aggregate_texts(manifest: dict[str, Any], name: str) -> tuple[dict, dict]:
    described = (manifest.get("aggregates") or {}).get(name) or {}
    title = {
        "sv": f"{manifest['title']['sv']}: tabell {name}",
        "en": f"{manifest['title']['en']}: table {name}",
    }
    description = described.get("description") or {
        "sv": f"Aggregerad tabell {name} med skydd för små celler.",
        "en": f"Aggregate table {name} with small-cell protection.",
    }
    return title, description


def _distribution(
    graph: Graph,
    base_url: str,
    release: Release,
    manifest: dict[str, Any],
    kind: str,
    entries: list[dict[str, Any]],
) -> URIRef:
    page = absolute(base_url, version_path(release.tier, release.dataset, release.version))
    dist = URIRef(f"{page}#distribution-{kind}")
    graph.add((dist, RDF.type, DCAT.Distribution))
    if kind == "data":
        title = {
            lang: f"{manifest['title'][lang]}: {MICRODATA[lang].lower()}, version "
            f"{release.version} (Parquet)"
            for lang in ("sv", "en")
        }
        description = {
            "sv": "Anonymiserade mikrodata, en rad per post; se kodboken för variablerna.",
            "en": "Anonymised microdata, one row per record; see the codebook for the variables.",
        }
    else:
        title, description = _aggregate_texts(manifest, kind)
    _texts(graph, dist, DCTERMS.title, title)
    _texts(graph, dist, DCTERMS.description, description)
    graph.add((dist, DCAT.accessURL, URIRef(page)))
    for entry in entries:
        download = file_path(release.tier, release.dataset, release.version, entry["path"])
        graph.add((dist, DCAT.downloadURL, URIRef(absolute(base_url, download))))
    graph.add((dist, DCTERMS.format, voc.file_type(graph, "PARQUET")))
    graph.add((dist, DCAT.mediaType, voc.media_type(graph, PARQUET_MIME)))
    graph.add((dist, DCTERMS.license, _licence(graph, manifest.get("licence", "CC-BY-4.0"))))
    graph.add((dist, DCATAP_AVAILABILITY, voc.availability(graph, "STABLE")))
    size = sum(int(e["bytes"]) for e in entries)
    graph.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    if len(entries) == 1:
        graph.add((dist, SPDX.checksum, _checksum(graph, entries[0]["sha256"])))
    if issued := _date(manifest.get("published_at")):
        graph.add((dist, DCTERMS.issued, issued))
    return dist


DCATAP_AVAILABILITY = voc.DCATAP.availability


def _temporal(graph: Graph, coverage: dict[str, str] | None) -> BNode | None:
    if not coverage:
        return None
    node = BNode()
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((node, DCAT.startDate, Literal(coverage["start"], datatype=XSD.date)))
    graph.add((node, DCAT.endDate, Literal(coverage["end"], datatype=XSD.date)))
    return node


def _keywords(graph: Graph, ds: URIRef, manifest: dict[str, Any]) -> None:
    by_language = manifest.get("keywords_by_language")
    if not by_language:  # older manifests: one untagged list, taken as Swedish
        by_language = {"sv": manifest.get("keywords", [])}
    for lang, words in by_language.items():
        for word in words:
            graph.add((ds, DCAT.keyword, Literal(word, lang=lang)))


def _dataset(
    graph: Graph, base_url: str, releases: list[Release], email: str
) -> tuple[URIRef, str, str] | None:
    latest = latest_live(releases)
    if latest is None:
        return None
    manifest = latest.manifest()
    codebook = _read_json(latest.path / "codebook.json")
    first = next(r for r in releases if r.withdrawn is None).manifest()
    landing = absolute(base_url, dataset_path(latest.tier, latest.dataset))
    ds = URIRef(landing)
    graph.add((ds, RDF.type, DCAT.Dataset))
    _texts(graph, ds, DCTERMS.title, manifest["title"])
    _texts(graph, ds, DCTERMS.description, manifest["description"])
    graph.add((ds, DCTERMS.publisher, _publisher(graph, base_url, manifest["publisher"])))
    graph.add((ds, DCAT.contactPoint, _contact(graph, email)))
    graph.add((ds, DCTERMS.identifier, Literal(_published_identifier(latest))))
    graph.add((ds, DCAT.landingPage, _document(graph, landing)))
    codebook_page = _document(
        graph,
        absolute(base_url, file_path(latest.tier, latest.dataset, latest.version, "codebook.md")),
        {"sv": "Kodbok", "en": "Codebook"},
    )
    graph.add((ds, FOAF.page, codebook_page))
    graph.add((ds, DCAT.version, Literal(latest.version)))
    graph.add((ds, OWL.versionInfo, Literal(latest.version)))
    graph.add((ds, DCTERMS.accessRights, voc.access_right(graph, "PUBLIC")))
    graph.add((ds, DCTERMS.language, voc.language(graph, "SWE")))
    for code in manifest.get("themes") or ["REGI"]:
        graph.add((ds, DCAT.theme, voc.theme(graph, code)))
    for place in _spatial(graph, base_url):
        graph.add((ds, DCTERMS.spatial, place))
    if temporal := _temporal(graph, codebook.get("coverage", {}).get("temporal")):
        graph.add((ds, DCTERMS.temporal, temporal))
    if frequency := voc.frequency(graph, manifest.get("schedule")):
        graph.add((ds, DCTERMS.accrualPeriodicity, frequency))
    _keywords(graph, ds, manifest)
    issued = first.get("published_at")
    modified = manifest.get("published_at")
    if value := _date(issued):
        graph.add((ds, DCTERMS.issued, value))
    if value := _date(modified):
        graph.add((ds, DCTERMS.modified, value))
    graph.add((ds, ADMS.versionNotes, Literal(f"Version {latest.version}", lang="en")))
    for kind, entries in sorted(file_kinds(manifest).items(), key=lambda kv: kv[0] != "data"):
        dist = _distribution(graph, base_url, latest, manifest, kind, entries)
        graph.add((ds, DCAT.distribution, dist))
    return ds, issued or "", modified or ""


def build_catalogue(store: Path, base_url: str, contact_email: str | None = None) -> Graph:
    """The DCAT-AP graph over the open tier's latest live versions."""
    email = contact_email or os.environ.get(CONTACT_ENV) or DEFAULT_CONTACT
    graph = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("spdx", SPDX),
        ("adms", ADMS),
        ("owl", OWL),
        ("skos", SKOS),
        ("locn", LOCN),
        ("dcatap", voc.DCATAP),
    ):
        graph.bind(prefix, ns)
    catalogue = URIRef(absolute(base_url, "/catalog"))
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    _texts(graph, catalogue, DCTERMS.title, CATALOGUE_TITLE)
    _texts(graph, catalogue, DCTERMS.description, CATALOGUE_DESCRIPTION)
    graph.add((catalogue, DCTERMS.publisher, _publisher(graph, base_url, "Huddinge kommun")))
    graph.add((catalogue, FOAF.homepage, _document(graph, absolute(base_url, "/"))))
    graph.add((catalogue, DCTERMS.language, voc.language(graph, "SWE")))
    graph.add((catalogue, DCTERMS.language, voc.language(graph, "ENG")))
    graph.add((catalogue, DCTERMS.license, _licence(graph, "CC0-1.0")))  # the metadata's
    taxonomy = URIRef(voc.SCHEMES["data-theme"])
    graph.add((taxonomy, RDF.type, SKOS.ConceptScheme))
    graph.add((taxonomy, DCTERMS.title, Literal(voc.SCHEME_TITLES["data-theme"], lang="en")))
    graph.add((catalogue, DCAT.themeTaxonomy, taxonomy))
    for place in _spatial(graph, base_url):
        graph.add((catalogue, DCTERMS.spatial, place))
    by_dataset: dict[str, list[Release]] = {}
    for release in scan_releases(store):
        if release.tier == OPEN:
            by_dataset.setdefault(release.dataset, []).append(release)
    issued: list[str] = []
    modified: list[str] = []
    for releases in by_dataset.values():
        described = _dataset(graph, base_url, releases, email)
        if described is not None:
            ds, first, last = described
            graph.add((catalogue, DCAT.dataset, ds))
            issued += [first] if first else []
            modified += [last] if last else []
    if issued:
        graph.add((catalogue, DCTERMS.issued, _date(min(issued))))
        graph.add((catalogue, DCTERMS.modified, _date(max(modified))))
    return graph


def catalogue_turtle(store: Path, base_url: str) -> str:
    return build_catalogue(store, base_url).serialize(format="turtle")


def catalogue_jsonld(store: Path, base_url: str) -> str:
    return build_catalogue(store, base_url).serialize(format="json-ld", indent=2)
