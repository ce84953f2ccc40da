"""Release metadata checked by validators nobody here wrote: the official DCAT-AP 3.0.1
SHACL shapes (pyshacl), the CFF 1.2.0 and DataCite 4.3 JSON Schemas, `cffconvert`, and
frictionless; plus what the standards cannot see: no loopback URL in a release, every
aggregate table a resource, coded columns with their categories."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from rdflib import Graph
from rdflib.namespace import SH

from pipelines.metadata.dcat import build_catalogue
from pipelines.metadata.versions import scan_releases
from pipelines.publish.layout import is_coded
from pipelines.specs import load_spec

PUBLIC_BASE_URL = "https://forskningsdata.huddinge.se"  # as the world fixture publishes
PID = "doi:10.5072"
DOCS = Path(__file__).parents[2] / "docs"
OFFICIAL = Path(__file__).parents[1] / "metadata" / "official"
DCAT_AP = OFFICIAL / "dcat-ap-3.0.1"
CORE = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "deprecateduris.ttl")
FULL = ("full-dcat-ap-SHACL.ttl",)
#: Recommended properties of dct:Location we cannot fill without official geometry.
ALLOWED_WARNINGS = {"http://www.w3.org/ns/dcat#bbox", "http://www.w3.org/ns/dcat#centroid"}


def _shacl(data: Graph, files: tuple[str, ...]) -> Counter:
    from pyshacl import validate

    shapes = Graph()
    for name in files:
        shapes.parse(DCAT_AP / name, format="turtle")
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    found: Counter = Counter()
    for result in report.subjects(SH.resultSeverity, None):
        if (None, SH.detail, result) in report:
            continue  # a nested detail of a result counted already
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[1]
        path = str(report.value(result, SH.resultPath))
        message = str(report.value(result, SH.resultMessage))[:120]
        found[(severity, path, message)] += 1
    return found


@pytest.fixture(scope="module")
def catalogue(world) -> Graph:
    return build_catalogue(world.store, PUBLIC_BASE_URL)


def test_catalogue_has_no_violation_of_the_dcat_ap_shapes(catalogue) -> None:
    """Both serialisations the portal serves, read back as a harvester reads them."""
    turtle = Graph().parse(data=catalogue.serialize(format="turtle"), format="turtle")
    jsonld = Graph().parse(data=catalogue.serialize(format="json-ld"), format="json-ld")
    for data, files in ((turtle, CORE), (turtle, FULL), (jsonld, CORE)):
        found = _shacl(data, files)
        violations = {k: v for k, v in found.items() if k[0] == "Violation"}
        assert not violations, (files, violations)
        warnings = {k: v for k, v in found.items() if k[1] not in ALLOWED_WARNINGS}
        assert not warnings, (files, warnings)


def test_catalogue_uses_the_eu_vocabularies(catalogue) -> None:
    """The vocabulary shapes find every concept in its EU scheme (the publisher, a
    municipality, is not in the EU corporate-body table: a warning, as the shapes say)."""
    found = _shacl(catalogue, ("mdr-vocabularies.shape.ttl",))
    violations = {
        k: v for k, v in found.items() if k[0] == "Violation" and not k[1].endswith("#algorithm")
    }
    # mdr-vocabularies.shape.ttl asks checksum algorithms to match ^https://spdx.org/rdf/terms
    # while SPDX's own namespace (and the core shapes) use http://spdx.org/rdf/terms#: an
    # erratum of that file, so spdx:checksumAlgorithm_sha256 is the only value it rejects.
    assert not violations, violations


def test_catalogue_survives_a_licence_name_instead_of_an_spdx_id(world, tmp_path) -> None:
    store = tmp_path / "store"
    shutil.copytree(world.store / "open" / "kolada", store / "open" / "kolada")
    for manifest in (store / "open" / "kolada").glob("*/manifest.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps(data | {"licence": "CC BY 4.0"}), encoding="utf-8")
    text = build_catalogue(store, PUBLIC_BASE_URL).serialize(format="turtle")
    assert "licence/CC_BY_4_0" in text


def test_catalogue_describes_every_dataset_as_dcat_ap_se_asks(catalogue) -> None:
    query = """
    PREFIX dcat: <http://www.w3.org/ns/dcat#>
    PREFIX dct: <http://purl.org/dc/terms/>
    SELECT ?ds (COUNT(DISTINCT ?theme) AS ?themes) (COUNT(DISTINCT ?sp) AS ?spatial)
           (COUNT(DISTINCT ?t) AS ?temporal) (COUNT(DISTINCT ?d) AS ?dists)
    WHERE { ?ds a dcat:Dataset ; dcat:theme ?theme ; dct:spatial ?sp ; dct:temporal ?t ;
            dcat:distribution ?d . } GROUP BY ?ds
    """
    rows = list(catalogue.query(query))
    assert len(rows) == len(set(catalogue.subjects(None, None))) or rows
    for row in rows:
        assert int(row.themes) >= 1 and int(row.spatial) == 2 and int(row.temporal) == 1
    untagged = [
        o
        for o in catalogue.objects(None, catalogue.namespace_manager.expand_curie("dcat:keyword"))
        if not getattr(o, "language", None)
    ]
    assert not untagged
    identifier = catalogue.value(
        next(r.ds for r in rows if str(r.ds).endswith("/hemtjanst")),
        catalogue.namespace_manager.expand_curie("dct:identifier"),
    )
    assert str(identifier) == PID.removeprefix("doi:") + "/huddinge.hemtjanst"
    ekb = next(r for r in rows if str(r.ds).endswith("/ekonomiskt_bistand"))
    assert int(ekb.dists) == 2  # the microdata and the aggregate table, each on its own


def _released_files(world) -> list[Path]:
    return [p for p in world.store.rglob("*") if p.is_file() and p.suffix != ".parquet"]


def test_no_loopback_url_in_any_released_file(world) -> None:
    loopback = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)")
    for path in [*_released_files(world), *world.store.rglob("*.parquet")]:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not loopback.search(text), path


def test_citation_cff_is_valid_cff_1_2_0(world) -> None:
    schema = json.loads((OFFICIAL / "cff" / "schema.json").read_text(encoding="utf-8"))
    for release in scan_releases(world.store):
        cff = yaml.safe_load((release.path / "CITATION.cff").read_text(encoding="utf-8"))
        jsonschema.validate(cff, schema, format_checker=jsonschema.FormatChecker())
        assert cff["version"] == release.version
        assert cff["doi"].startswith(PID.removeprefix("doi:") + "/")
        assert cff["url"].startswith(PUBLIC_BASE_URL)


def _cffconvert() -> str | None:
    return os.environ.get("CFFCONVERT") or shutil.which("cffconvert")


@pytest.mark.skipif(_cffconvert() is None, reason="cffconvert not installed (see DEVELOPING)")
def test_citation_cff_passes_cffconvert_validate(world) -> None:
    for release in scan_releases(world.store):
        done = subprocess.run(
            [str(_cffconvert()), "--validate", "-i", str(release.path / "CITATION.cff")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, (release.path, done.stdout, done.stderr)


def test_datacite_json_is_valid_datacite_4(world) -> None:
    schema = json.loads(
        (OFFICIAL / "datacite" / "datacite_4.3_schema.json").read_text(encoding="utf-8")
    )
    for release in scan_releases(world.store):
        record = json.loads((release.path / "datacite.json").read_text(encoding="utf-8"))
        jsonschema.validate(record, schema)
        assert record["identifiers"][0]["identifierType"] == "DOI"
        assert record["version"] == release.version


def test_data_package_is_complete(world) -> None:
    for release in scan_releases(world.store):
        package = json.loads((release.path / "datapackage.json").read_text(encoding="utf-8"))
        spec = load_spec(release.dataset)
        assert package["sources"] and package["licenses"]
        listed = {r["path"] for r in package["resources"]}
        files = {p.relative_to(release.path).as_posix() for p in release.path.rglob("*.parquet")}
        assert listed == files, release.path
        for resource in package["resources"]:
            path = release.path / resource["path"]
            assert resource["hash"] == f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
            assert resource["licenses"] and resource["title"]
            schema = resource["schema"]
            assert "*" in [m["value"] for m in schema["missingValues"]]
            if not resource["path"].startswith("data/"):
                continue
            for field in schema["fields"]:
                column = spec.column(field["name"])
                assert field["title"] and field["title"] != field.get("description")
                if is_coded(column) and field["type"] == "string":
                    values = pq.read_table(path, columns=[field["name"]]).column(0)
                    present = set(values.cast(pa.string()).drop_null().to_pylist()) - {"*"}
                    categories = [c["value"] for c in field.get("categories", [])]
                    assert sorted(categories) == sorted(present), (path, field["name"])


def test_every_manifest_validates_against_the_published_json_schema(world) -> None:
    from pipelines.publish.manifest_model import Manifest, json_schema

    published = json.loads((DOCS / "manifest.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), "regenerate docs/manifest.schema.json"
    jsonschema.Draft202012Validator.check_schema(published)
    validator = jsonschema.Draft202012Validator(published)
    releases = scan_releases(world.store)
    assert releases
    for release in releases:
        manifest = release.manifest()
        errors = [e.message for e in validator.iter_errors(manifest)]
        assert not errors, (release.path, errors[:3])
        Manifest.model_validate(manifest)


def test_ddi_codebook_validates_against_the_ddi_alliance_xsd(world) -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(OFFICIAL / "ddi-codebook-2.5.1" / "codebook.xsd"))
    for release in scan_releases(world.store):
        path = release.path / "codebook.ddi.xml"
        errors = [str(e)[:300] for e in schema.iter_errors(str(path))]
        assert not errors, (path, errors[:2])


def test_every_coded_value_has_labels_in_both_languages(world) -> None:
    for release in scan_releases(world.store):
        book = json.loads((release.path / "codebook.json").read_text(encoding="utf-8"))
        assert book["format"] == "samverkan-codebook/2"
        assert book["study"]["unit_of_analysis"] and book["study"]["population"]
        assert book["study"]["source_system"] and book["coverage"]["temporal"]
        spec = load_spec(release.dataset)
        tables = [book, *book["other_tables"].values(), *book["aggregate_tables"].values()]
        for table in tables:
            for col in table["columns"]:
                if col["role"] in ("measure", "derived"):
                    continue
                declared = spec.column(col["name"])
                if not is_coded(declared):
                    continue
                categories = col["categories"]
                assert len(categories) == len({c["value"] for c in categories})  # all, once
                for cat in categories:
                    label = cat["label"]
                    assert label and label["sv"] and label["en"], (col["name"], cat["value"])
                kinds = {m["kind"] for m in col["missing_codes"]}
                if declared.role == "quasi_identifier":
                    assert "suppressed" in kinds
        assert book["aggregate_tables"] or not spec.aggregates or release.tier != "open"
        for name, table in book["aggregate_tables"].items():
            assert table["description"] and table["measures"] and table["protection"], name


def test_dataset_page_shows_value_labels_and_explains_the_star(live_portal) -> None:
    import httpx

    with httpx.Client(base_url=live_portal.url, timeout=10) as client:
        html = client.get("/datasets/ekonomiskt_bistand").text
    assert 'id="star"' in html and "suppressed" in html and "undertryckt" in html
    # the reason for support is sensitive, never generalised: its labels are always shown
    # (a quasi-identifier such as the household type may be released as "*" only)
    for label in ("Arbetslöshet", "Unemployment", "Sjukdom eller ohälsa"):
        assert label in html


def test_local_mode_writes_no_url_and_marks_the_citation(world, tmp_path, monkeypatch) -> None:
    """What ``make run`` does: no public base URL, the portal on loopback."""
    from pipelines.metadata import METADATA_FILES, write_release_metadata

    monkeypatch.delenv("SAMVERKAN_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("SAMVERKAN_PID", raising=False)
    release = next(r for r in scan_releases(world.store) if r.dataset == "ekonomiskt_bistand")
    folder = tmp_path / "snapshot"
    shutil.copytree(release.path / "data", folder / "data")
    shutil.copytree(release.path / "aggregates", folder / "aggregates")
    written = write_release_metadata(
        folder,
        spec=load_spec(release.dataset),
        version=release.version,
        tier=release.tier,
        data_files=sorted((folder / "data").glob("*.parquet")),
        previous=None,
        base_url="http://127.0.0.1:8000",
        policy=release.manifest()["anonymisation"],
    )
    assert {p.name for p in written} == set(METADATA_FILES)
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert "127.0.0.1" not in text and "localhost" not in text, path.name
    assert "LOCAL COPY" in (folder / "CITATION.cff").read_text(encoding="utf-8")
    assert "LOCAL COPY" in (folder / "CITATION.txt").read_text(encoding="utf-8")
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["local_copy"] is True and "homepage" not in package


def test_aggregate_dimensions_are_dictionary_typed(world) -> None:
    release = next(r for r in scan_releases(world.store) if r.dataset == "ekonomiskt_bistand")
    for path in (release.path / "aggregates").glob("*.parquet"):
        schema = pq.read_schema(path)
        assert pa.types.is_dictionary(schema.field("stadsdel").type), path
        assert not pa.types.is_dictionary(schema.field("hushall").type), path
