"""Release metadata written at publish time: Data Package, codebook, changelog, citation, DCAT."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from frictionless import validate
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from pipelines.metadata import METADATA_FILES
from pipelines.metadata.dcat import build_catalogue
from pipelines.metadata.versions import dataset_releases, scan_releases
from pipelines.publish.parquet import sha256_file
from pipelines.publish.store import read_latest
from pipelines.publish.verify import verify_snapshot
from pipelines.specs import dataset_names, load_spec

BASE = "http://portal.test"


def test_every_snapshot_carries_its_metadata_listed_in_the_manifest(world) -> None:
    releases = scan_releases(world.store)
    assert {r.tier for r in releases} == {"open", "project/alpha", "project/beta"}
    for release in releases:
        listed = {f["path"] for f in release.manifest()["files"]}
        assert set(METADATA_FILES) <= listed, release.path
        assert verify_snapshot(release.ref) == [], release.path


def test_data_package_validates_with_frictionless(world) -> None:
    """Every package validates; one (open hemtjanst) with all its rows, the rest with 200."""
    for release in scan_releases(world.store):
        path = release.path / "datapackage.json"
        whole = (
            release.tier == "open"
            and release.dataset == "hemtjanst"
            and release.version == world.versions[0]
        )
        report = validate(str(path)) if whole else validate(str(path), limit_rows=200)
        errors = [e.message for task in report.tasks for e in task.errors] + [
            e.message for e in report.errors
        ]
        assert not errors, (release.path, errors[:5])
        package = json.loads(path.read_text(encoding="utf-8"))
        assert package["$schema"].endswith("/2.0/datapackage.json")
        assert package["version"] == release.version
        for resource in package["resources"]:
            data = release.path / resource["path"]
            assert resource["hash"] == f"sha256:{sha256_file(data)}"
            names = [f["name"] for f in resource["schema"]["fields"]]
            assert names == pq.read_schema(data).names


def test_codebooks_exist_for_every_dataset(world) -> None:
    assert not world.failed, f"datasets that did not publish: {world.failed}"
    for name in dataset_names():
        spec = load_spec(name)
        assert dataset_releases(world.store, "open", name), name
        for release in dataset_releases(world.store, "open", name):
            chosen = release.manifest()["anonymisation"]["quasi_identifiers"]
            book = json.loads((release.path / "codebook.json").read_text(encoding="utf-8"))
            markdown = (release.path / "codebook.md").read_text(encoding="utf-8")
            data = sorted((release.path / "data").glob("*.parquet"))
            schema = pq.read_schema(data[0])
            assert [c["name"] for c in book["columns"]] == schema.names
            assert book["rows"] == sum(pq.read_metadata(p).num_rows for p in data)
            for col in book["columns"]:
                declared = spec.column(col["name"])
                assert col["role"] == declared.role
                assert col["description"] == {
                    "sv": declared.description.sv,
                    "en": declared.description.en,
                }
                assert f"`{col['name']}`" in markdown
                stats = col["statistics"]
                assert stats["kind"] != "other", (name, col["name"])  # dictionaries included
                if stats["kind"] == "categorical":
                    assert len(stats["top_values"]) <= 20
                if declared.role == "quasi_identifier":
                    assert col["generalisation"]["level"] == chosen[col["name"]]["level"]


def test_codebook_counts_come_from_the_release(world) -> None:
    release = dataset_releases(world.store, "open", "hemtjanst")[0]
    book = json.loads((release.path / "codebook.json").read_text(encoding="utf-8"))
    table = pq.read_table(release.path / "data")
    for col in book["columns"]:
        stats = col["statistics"]
        values = table.column(col["name"]).to_pylist()
        if stats["kind"] == "categorical":
            for top in stats["top_values"]:
                assert values.count(top["value"]) == top["count"]
            assert set(values) >= {t["value"] for t in stats["top_values"]}
        elif stats["kind"] == "numeric":
            present = [v for v in values if v is not None]
            assert stats["min"] == float(f"{min(present):.6g}")
            assert stats["max"] == float(f"{max(present):.6g}")
    generalised = {c["name"]: c["generalisation"] for c in book["columns"]}
    assert generalised["alder"]["kind"] == "generalised"
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    level = manifest["anonymisation"]["transformation"]["alder"]
    expected = "fully suppressed" if level == 4 else "bands of"  # four steps in its ladder
    assert expected in generalised["alder"]["text"]["en"]


def test_project_codebook_withholds_pseudonym_values(world) -> None:
    release = dataset_releases(world.store, "project/alpha", "hemtjanst")[-1]
    book = json.loads((release.path / "codebook.json").read_text(encoding="utf-8"))
    pnr = next(c for c in book["columns"] if c["name"] == "personnummer")
    assert pnr["generalisation"]["kind"] == "pseudonymised"
    assert pnr["statistics"]["kind"] == "withheld"
    assert "top_values" not in pnr["statistics"]


def test_changelog_counts_rows_against_the_previous_version(world) -> None:
    V1, V2, _ = world.versions
    first, second, third = dataset_releases(world.store, "open", "hemtjanst")
    log1 = json.loads((first.path / "changelog.json").read_text(encoding="utf-8"))
    assert log1["first_release"] and log1["previous_version"] is None
    log2 = json.loads((second.path / "changelog.json").read_text(encoding="utf-8"))
    assert log2["previous_version"] == V1
    rows1, rows2 = first.manifest()["rows"], second.manifest()["rows"]
    assert rows2 < rows1
    assert log2["rows"]["previous"] == rows1 and log2["rows"]["current"] == rows2
    assert log2["rows"]["removed"] - log2["rows"]["added"] == rows1 - rows2
    assert log2["columns"] == {"added": [], "removed": [], "type_changed": []}
    log3 = json.loads((third.path / "changelog.json").read_text(encoding="utf-8"))
    assert log3["previous_version"] == V2


def test_citation_names_title_publisher_year_version_and_url(world) -> None:
    V1 = world.versions[0]
    release = dataset_releases(world.store, "open", "hemtjanst")[0]
    text = (release.path / "CITATION.txt").read_text(encoding="utf-8")
    manifest = release.manifest()
    assert manifest["title"]["en"] in text and manifest["title"]["sv"] in text
    assert "Huddinge kommun" in text and f"Version {V1}" in text
    assert manifest["published_at"][:4] in text
    assert f"/datasets/hemtjanst/versions/{V1}" in text


def test_withdrawal_keeps_the_snapshot_and_moves_latest(world) -> None:
    _, V2, V3 = world.versions
    releases = {r.version: r for r in dataset_releases(world.store, "open", "hemtjanst")}
    assert releases[V3].withdrawn["reason"] == world.reason
    assert releases[V2].withdrawn is None
    assert read_latest(world.store, "open", "hemtjanst") == V2
    assert verify_snapshot(releases[V3].ref) == []
    assert (world.store / "open" / "hemtjanst" / f"{V3}.withdrawn.json").is_file()


def test_dcat_catalogue_parses_and_has_the_mandatory_properties(world) -> None:
    text = build_catalogue(world.store, BASE).serialize(format="turtle")
    graph = Graph().parse(data=text, format="turtle")
    catalogues = list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert len(catalogues) == 1
    catalogue = catalogues[0]
    for prop in (ns.DCTERMS.title, ns.DCTERMS.description, ns.DCTERMS.publisher):
        assert graph.value(catalogue, prop) is not None, prop
    datasets = set(graph.objects(catalogue, ns.DCAT.dataset))
    assert datasets == set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert {str(d).rsplit("/", 1)[1] for d in datasets} == set(world.published)
    for ds in datasets:
        for prop in (ns.DCTERMS.title, ns.DCTERMS.description):
            langs = {o.language for o in graph.objects(ds, prop) if isinstance(o, Literal)}
            assert {"sv", "en"} <= langs, (ds, prop)
        publisher = graph.value(ds, ns.DCTERMS.publisher)
        assert {o.language for o in graph.objects(publisher, ns.FOAF.name)} >= {"sv", "en"}
        assert graph.value(ds, ns.DCAT.contactPoint) is not None
        dists = list(graph.objects(ds, ns.DCAT.distribution))
        assert dists, ds
        for dist in dists:
            assert isinstance(graph.value(dist, ns.DCAT.accessURL), URIRef)
            assert str(graph.value(dist, ns.DCAT.downloadURL)).startswith(f"{BASE}/files/open/")
            assert str(graph.value(dist, ns.DCTERMS.format)).endswith("/PARQUET")
            assert str(graph.value(dist, ns.DCTERMS.license)).startswith("http")
    hemtjanst = URIRef(f"{BASE}/datasets/hemtjanst")
    version = graph.value(hemtjanst, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    assert str(version) == world.versions[1]  # the newest version not withdrawn
    jsonld = build_catalogue(world.store, BASE).serialize(format="json-ld")
    assert len(Graph().parse(data=jsonld, format="json-ld")) == len(graph)
