"""A DCAT-AP-SE catalogue of the open tier, for Sweden's data portal and other harvesters.

One ``dcat:Dataset`` per open dataset that has a version not withdrawn, describing its
latest such version: title, description and publisher in Swedish and English, contact
point, keywords, dates, and one ``dcat:Distribution`` per Parquet file with access URL,
download URL, format, media type, licence, size and sha256. Built with rdflib from the
manifests alone; served by the portal as Turtle (``/catalog.ttl``) and JSON-LD.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, XSD

from pipelines.metadata.licences import licence_url
from pipelines.metadata.urls import absolute, dataset_path, file_path, version_path
from pipelines.metadata.versions import OPEN, Release, latest_live, scan_releases

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_ACCESS = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/LocalAuthority"
PARQUET_MEDIA = "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet"
CONTACT_ENV = "SAMVERKAN_CONTACT_EMAIL"
DEFAULT_CONTACT = "forskningsdata@huddinge.se"

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


def _texts(graph: Graph, subject: URIRef | BNode, predicate: URIRef, texts: dict) -> None:
    for lang in ("sv", "en"):
        if texts.get(lang):
            graph.add((subject, predicate, Literal(texts[lang], lang=lang)))


def _publisher(graph: Graph, base_url: str, name: str) -> URIRef:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "publisher"
    agent = URIRef(absolute(base_url, f"/publishers/{slug}"))
    if (agent, RDF.type, FOAF.Agent) not in graph:
        graph.add((agent, RDF.type, FOAF.Agent))
        _texts(graph, agent, FOAF.name, {"sv": name, "en": name})
        graph.add((agent, DCTERMS.type, URIRef(PUBLISHER_TYPE)))
    return agent


def _contact(graph: Graph, email: str) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, Literal("Huddinge kommun, forskningsdata")))
    graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    return node


def _date(value: str | None) -> Literal | None:
    return Literal(value, datatype=XSD.dateTime) if value else None


def _distribution(
    graph: Graph,
    base_url: str,
    release: Release,
    manifest: dict[str, Any],
    entry: dict[str, Any],
    index: int,
) -> URIRef:
    page = absolute(base_url, version_path(release.tier, release.dataset, release.version))
    dist = URIRef(f"{page}#distribution-{index}")
    graph.add((dist, RDF.type, DCAT.Distribution))
    _texts(
        graph,
        dist,
        DCTERMS.title,
        {
            "sv": f"{manifest['title']['sv']}, version {release.version} (Parquet)",
            "en": f"{manifest['title']['en']}, version {release.version} (Parquet)",
        },
    )
    graph.add((dist, DCAT.accessURL, URIRef(page)))
    download = file_path(release.tier, release.dataset, release.version, entry["path"])
    graph.add((dist, DCAT.downloadURL, URIRef(absolute(base_url, download))))
    graph.add((dist, DCTERMS.format, URIRef(EU_FILE_TYPE + "PARQUET")))
    graph.add((dist, DCAT.mediaType, URIRef(PARQUET_MEDIA)))
    licence = URIRef(licence_url(manifest.get("licence", "CC-BY-4.0")))
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    graph.add((dist, DCTERMS.license, licence))
    graph.add((dist, DCAT.byteSize, Literal(entry["bytes"], datatype=XSD.decimal)))
    checksum = BNode()
    graph.add((dist, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(entry["sha256"], datatype=XSD.hexBinary)))
    if issued := _date(manifest.get("published_at")):
        graph.add((dist, DCTERMS.issued, issued))
    return dist


def _dataset(graph: Graph, base_url: str, releases: list[Release], email: str) -> URIRef | None:
    latest = latest_live(releases)
    if latest is None:
        return None
    manifest = latest.manifest()
    first = next(r for r in releases if r.withdrawn is None).manifest()
    ds = URIRef(absolute(base_url, dataset_path(latest.tier, latest.dataset)))
    graph.add((ds, RDF.type, DCAT.Dataset))
    _texts(graph, ds, DCTERMS.title, manifest["title"])
    _texts(graph, ds, DCTERMS.description, manifest["description"])
    graph.add((ds, DCTERMS.publisher, _publisher(graph, base_url, manifest["publisher"])))
    graph.add((ds, DCAT.contactPoint, _contact(graph, email)))
    graph.add((ds, DCTERMS.identifier, Literal(str(ds))))
    graph.add((ds, DCAT.landingPage, ds))
    graph.add((ds, OWL.versionInfo, Literal(latest.version)))
    graph.add((ds, DCTERMS.accessRights, URIRef(EU_ACCESS)))
    graph.add((ds, DCTERMS.language, URIRef(EU_LANGUAGE + "SWE")))
    for keyword in manifest.get("keywords", []):
        graph.add((ds, DCAT.keyword, Literal(keyword)))
    if issued := _date(first.get("published_at")):
        graph.add((ds, DCTERMS.issued, issued))
    if modified := _date(manifest.get("published_at")):
        graph.add((ds, DCTERMS.modified, modified))
    data = [f for f in manifest.get("files", []) if f["path"].endswith(".parquet")]
    for i, entry in enumerate(data):
        graph.add(
            (ds, DCAT.distribution, _distribution(graph, base_url, latest, manifest, entry, i))
        )
    return ds


def build_catalogue(store: Path, base_url: str, contact_email: str | None = None) -> Graph:
    """The DCAT-AP-SE graph over the open tier's latest live versions."""
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
    ):
        graph.bind(prefix, ns)
    catalogue = URIRef(absolute(base_url, "/catalog"))
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    _texts(graph, catalogue, DCTERMS.title, CATALOGUE_TITLE)
    _texts(graph, catalogue, DCTERMS.description, CATALOGUE_DESCRIPTION)
    graph.add((catalogue, DCTERMS.publisher, _publisher(graph, base_url, "Huddinge kommun")))
    graph.add((catalogue, FOAF.homepage, URIRef(absolute(base_url, "/"))))
    graph.add((catalogue, DCTERMS.language, URIRef(EU_LANGUAGE + "SWE")))
    graph.add((catalogue, DCTERMS.language, URIRef(EU_LANGUAGE + "ENG")))
    by_dataset: dict[str, list[Release]] = {}
    for release in scan_releases(store):
        if release.tier == OPEN:
            by_dataset.setdefault(release.dataset, []).append(release)
    for releases in by_dataset.values():
        ds = _dataset(graph, base_url, releases, email)
        if ds is not None:
            graph.add((catalogue, DCAT.dataset, ds))
    return graph


def catalogue_turtle(store: Path, base_url: str) -> str:
    return build_catalogue(store, base_url).serialize(format="turtle")


def catalogue_jsonld(store: Path, base_url: str) -> str:
    return build_catalogue(store, base_url).serialize(format="json-ld", indent=2)
