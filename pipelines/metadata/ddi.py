"""The codebook as DDI-Codebook 2.5 XML (``codebook.ddi.xml``), the format data archives
such as SND read: the study (citation, keywords, abstract, coverage, unit of analysis,
universe), one ``fileDscr`` per table and one ``var`` per column with its labels, value
categories (frequencies and sv/en labels) and typed missing codes.

Built from ``codebook.json``'s content only, so both always agree; validated against the
DDI Alliance's XSD in the tests.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

NS = "ddi:codebook:2_5"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = (
    "ddi:codebook:2_5 "
    "http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"
)
SUM_STATS = {"min": "min", "max": "max", "mean": "mean"}


def _el(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{NS}}}{tag}", {k: v for k, v in attrs.items() if v})
    if text is not None:
        node.text = str(text)
    return node


def _texts(parent: ET.Element, tag: str, texts: dict[str, str] | None, **attrs: str) -> None:
    for lang in ("en", "sv"):
        if texts and texts.get(lang):
            _el(parent, tag, texts[lang], **attrs).set(XML_LANG, lang)


def _citation(parent: ET.Element, codebook: dict[str, Any], citation: dict[str, Any]) -> None:
    node = _el(parent, "citation")
    title = _el(node, "titlStmt")
    _el(title, "titl", codebook["title"]["en"]).set(XML_LANG, "en")
    _el(title, "parTitl", codebook["title"]["sv"]).set(XML_LANG, "sv")
    if citation.get("identifier"):
        _el(title, "IDNo", citation["identifier"], agency=citation.get("scheme", ""))
    rsp = _el(node, "rspStmt")
    _el(rsp, "AuthEnty", citation["publisher"])
    dist = _el(node, "distStmt")
    _el(dist, "distrbtr", citation["publisher"])
    if citation.get("released"):
        _el(dist, "distDate", citation["released"], date=citation["released"])
    ver = _el(node, "verStmt")
    _el(ver, "version", codebook["version"], date=citation.get("released", ""))


def _study(parent: ET.Element, codebook: dict[str, Any], citation: dict[str, Any]) -> None:
    stdy = _el(parent, "stdyDscr")
    _citation(stdy, codebook, citation)
    info = _el(stdy, "stdyInfo")
    keywords = citation.get("keywords") or {}
    if any(keywords.values()):
        subject = _el(info, "subject")
        for lang in ("sv", "en"):
            for word in keywords.get(lang, []):
                _el(subject, "keyword", word).set(XML_LANG, lang)
    _texts(info, "abstract", codebook.get("description"))
    summary = _el(info, "sumDscr")
    temporal = (codebook.get("coverage") or {}).get("temporal")
    if temporal:
        _el(summary, "timePrd", temporal["start"], event="start", date=temporal["start"])
        _el(summary, "timePrd", temporal["end"], event="end", date=temporal["end"])
    _el(summary, "nation", "Sverige", abbr="SE").set(XML_LANG, "sv")
    study = codebook.get("study") or {}
    geo = study.get("geographic_coverage")
    if geo:
        _el(summary, "geogCover", f"{geo['sv']} ({geo['code']})").set(XML_LANG, "sv")
    _texts(summary, "anlyUnit", study.get("unit_of_analysis"))
    _texts(summary, "universe", study.get("population"))
    _el(summary, "dataKind", "administrative register data, anonymised").set(XML_LANG, "en")
    if study.get("source_system"):
        method = _el(stdy, "method")
        coll = _el(method, "dataColl")
        sources = _el(coll, "sources")
        _texts(sources, "dataSrc", study["source_system"])
    access = _el(stdy, "dataAccs")
    use = _el(access, "useStmt")
    _el(use, "citReq", citation.get("text", "")).set(XML_LANG, "en")
    _el(use, "conditions", f"Licence: {citation.get('licence', '')}").set(XML_LANG, "en")


def _file(parent: ET.Element, file_id: str, name: str, table: dict[str, Any]) -> None:
    node = _el(parent, "fileDscr", ID=file_id)
    txt = _el(node, "fileTxt")
    _el(txt, "fileName", name)
    dims = _el(txt, "dimensns")
    _el(dims, "caseQnty", table["rows"])
    _el(dims, "varQnty", len(table["columns"]))
    _el(txt, "fileType", "Apache Parquet")


def _var(parent: ET.Element, file_id: str, col: dict[str, Any]) -> None:
    stats = col.get("statistics") or {}
    discrete = col.get("categories") is not None or stats.get("kind") == "categorical"
    var = _el(
        parent,
        "var",
        ID=f"{file_id}.{col['name']}",
        name=col["name"],
        files=file_id,
        intrvl="discrete" if discrete else "contin",
    )
    _texts(var, "labl", col.get("label") or col.get("description"))
    valid = int(stats.get("rows", 0)) - int(stats.get("nulls", 0))
    if stats.get("kind") != "withheld":
        _el(var, "sumStat", valid, type="vald")
        _el(var, "sumStat", stats.get("nulls", 0), type="invd")
        for key, kind in SUM_STATS.items():
            if stats.get(key) is not None and stats.get("kind") == "numeric":
                _el(var, "sumStat", stats[key], type=kind)
    _texts(var, "txt", col.get("description"))
    for cat in col.get("categories") or []:
        node = _el(var, "catgry")
        _el(node, "catValu", cat["value"])
        _texts(node, "labl", cat.get("label"))
        _el(node, "catStat", cat["count"], type="freq")
    for code in col.get("missing_codes") or []:
        node = _el(var, "catgry", missing="Y", missType=code["kind"])
        _el(node, "catValu", code["code"] if code["code"] is not None else "")
        _texts(node, "labl", {"sv": code["sv"], "en": code["en"]})
        if "count" in code:
            _el(node, "catStat", code["count"], type="freq")
    numeric = stats.get("kind") == "numeric"
    _el(var, "varFormat", type="numeric" if numeric else "character", schema="other")
    if col.get("unit"):
        _el(var, "notes", f"unit: {col['unit']}").set(XML_LANG, "en")


def build_ddi(codebook: dict[str, Any], citation: dict[str, Any]) -> bytes:
    """DDI-Codebook 2.5 XML of a codebook; ``citation`` holds publisher, identifier
    (and its ``scheme``), release date, licence, keywords per language and a citation text."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}codeBook", {"version": "2.5"})
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", SCHEMA_LOCATION)
    root.set(XML_LANG, "sv")
    _study(root, codebook, citation)
    tables = [("F1", "data/part-*.parquet", codebook)]
    for i, (name, table) in enumerate(codebook.get("other_tables", {}).items(), start=2):
        tables.append((f"F{i}", f"data/{name}-*.parquet", table))
    start = len(tables) + 1
    for i, (name, table) in enumerate(codebook.get("aggregate_tables", {}).items(), start=start):
        tables.append((f"F{i}", f"aggregates/{name}.parquet", table))
    for file_id, name, table in tables:
        _file(root, file_id, name, table)
    data = _el(root, "dataDscr")
    for file_id, _, table in tables:
        for col in table["columns"]:
            _var(data, file_id, col)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
