"""The EU controlled vocabularies DCAT-AP asks for, as URIs with their scheme and class.

A harvester (and the DCAT-AP SHACL shapes) expects themes, file types, languages, access
rights, frequencies, places and licence types as concepts of the Publications Office's
authority tables (or ADMS's), typed with the class DCAT-AP gives the property's range.
``describe`` adds a concept's type and ``skos:inScheme`` to a graph, so the catalogue
carries what the shapes check without fetching the vocabularies.
"""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

EU = "http://publications.europa.eu/resource/authority/"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
IANA_MEDIA = "https://www.iana.org/assignments/media-types/"
DCATAP = Namespace("http://data.europa.eu/r5r/")

SCHEMES = {
    "data-theme": EU + "data-theme",
    "file-type": EU + "file-type",
    "language": EU + "language",
    "access-right": EU + "access-right",
    "frequency": EU + "frequency",
    "country": EU + "country",
    "planned-availability": EU + "planned-availability",
    "licence-type": ADMS_LICENCE_TYPE + "1.0",
    "publisher-type": ADMS_PUBLISHER_TYPE + "1.0",
}

SCHEME_TITLES = {
    "data-theme": "Data theme",
    "file-type": "File type",
    "language": "Language",
    "access-right": "Access right",
    "frequency": "Frequency",
    "country": "Country",
    "planned-availability": "Planned availability",
    "licence-type": "ADMS licence type",
    "publisher-type": "ADMS publisher type",
}

#: English labels of the concepts this project uses (as the authority tables give them).
LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
    "SWE": "Swedish",
    "ENG": "English",
    "PARQUET": "Parquet",
    "PUBLIC": "public",
    "DAILY": "daily",
    "WEEKLY": "weekly",
    "MONTHLY": "monthly",
    "QUARTERLY": "quarterly",
    "ANNUAL": "annual",
    "STABLE": "stable",
    "Attribution": "Attribution",
    "PublicDomain": "Public domain",
    "ShareAlike": "Share-alike",
    "LocalAuthority": "Local Authority",
}
COUNTRY_LABELS = {"SWE": "Sweden"}

#: Airflow schedules -> EU frequency codes.
FREQUENCIES = {
    "@daily": "DAILY",
    "@weekly": "WEEKLY",
    "@monthly": "MONTHLY",
    "@quarterly": "QUARTERLY",
    "@yearly": "ANNUAL",
    "@annually": "ANNUAL",
}


def concept(table: str, code: str) -> URIRef:
    base = SCHEMES[table]
    if table in ("licence-type", "publisher-type"):
        return URIRef(base.rsplit("/", 1)[0] + "/" + code)
    return URIRef(f"{base}/{code}")


def describe(graph: Graph, table: str, code: str, *types: URIRef) -> URIRef:
    """The concept ``code`` of vocabulary ``table``, typed and placed in its scheme."""
    node = concept(table, code)
    scheme = URIRef(SCHEMES[table])
    graph.add((node, RDF.type, SKOS.Concept))
    for kind in types:
        graph.add((node, RDF.type, kind))
    graph.add((node, SKOS.inScheme, scheme))
    labels = COUNTRY_LABELS if table == "country" else LABELS
    graph.add((node, SKOS.prefLabel, Literal(labels.get(code, code), lang="en")))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal(SCHEME_TITLES[table], lang="en")))
    return node


def theme(graph: Graph, code: str) -> URIRef:
    return describe(graph, "data-theme", code)


def language(graph: Graph, code: str) -> URIRef:
    return describe(graph, "language", code, DCTERMS.LinguisticSystem)


def file_type(graph: Graph, code: str) -> URIRef:
    return describe(graph, "file-type", code, DCTERMS.MediaTypeOrExtent)


def media_type(graph: Graph, mime: str) -> URIRef:
    node = URIRef(IANA_MEDIA + mime)
    graph.add((node, RDF.type, DCTERMS.MediaType))
    graph.add((node, DCTERMS.identifier, Literal(mime)))
    return node


def access_right(graph: Graph, code: str) -> URIRef:
    return describe(graph, "access-right", code, DCTERMS.RightsStatement)


def frequency(graph: Graph, cron: str | None) -> URIRef | None:
    code = FREQUENCIES.get(cron or "")
    return describe(graph, "frequency", code, DCTERMS.Frequency) if code else None


def country(graph: Graph, code: str) -> URIRef:
    return describe(graph, "country", code, DCTERMS.Location)


def availability(graph: Graph, code: str) -> URIRef:
    return describe(graph, "planned-availability", code)


def licence_type(graph: Graph, code: str) -> URIRef:
    return describe(graph, "licence-type", code)


def publisher_type(graph: Graph, code: str) -> URIRef:
    return describe(graph, "publisher-type", code)
