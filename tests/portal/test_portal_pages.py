"""Server-rendered pages and the JSON API, as a researcher without JavaScript sees them."""

from __future__ import annotations

import asyncio
import json
import re
import shutil

import httpx
import pytest
from rdflib import Graph


@pytest.fixture(scope="module")
def client(live_portal):
    with httpx.Client(base_url=live_portal.url, timeout=10) as c:
        yield c


def test_catalogue_lists_datasets_with_tier_latest_version_rows_and_date(client, world) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert "<script" not in html
    for name in world.published:
        assert f'href="/datasets/{name}"' in html
    row = re.search(r'<tr class="dataset-row" id="ds-open-hemtjanst">(.*?)</tr>', html, re.S)
    assert row is not None
    manifest = json.loads(
        (world.store / "open" / "hemtjanst" / world.versions[1] / "manifest.json").read_text(
            encoding="utf-8"
        )
    )
    cells = row.group(1)
    assert world.versions[1] in cells and ">open<" in cells
    assert f">{manifest['rows']}<" in cells and manifest["published_at"][:10] in cells
    assert "1 withdrawn" in cells
    assert "/projects/" not in html  # project releases are not shown to anonymous visitors


def test_dataset_page_shows_everything_a_researcher_needs(client, world) -> None:
    html = client.get("/datasets/hemtjanst").text
    manifest = json.loads(
        (world.store / "open" / "hemtjanst" / world.versions[1] / "manifest.json").read_text(
            encoding="utf-8"
        )
    )
    assert manifest["description"]["sv"] in html and manifest["description"]["en"] in html
    for version in world.versions:
        assert f"/datasets/hemtjanst/versions/{version}" in html
    assert world.reason in html  # the withdrawn version and why
    assert 'class="badge latest"' in html
    for section in ("download", "citation", "versions", "changelog", "privacy", "codebook"):
        assert f'id="{section}"' in html, section
    assert "CC-BY-4.0" in html and "creativecommons.org/licenses/by/4.0" in html
    assert f"Version {world.versions[1]}" in html  # the citation
    assert "3000 → 2700" in html  # changelog rows
    k = manifest["anonymisation"]["k_required"]
    assert f"k (krav / required → uppnått / achieved)</dt><dd>{k} →" in html
    assert html.count("<svg") >= 5 and html.count('class="column"') == len(manifest["schema"])
    assert "hemtjanst.release" in html  # the validation summary
    assert f"/files/open/hemtjanst/{world.versions[1]}/data/part-00000.parquet" in html
    assert "pd.read_parquet" in html and "pl.read_parquet" in html
    assert "read_parquet('" in html and "library(arrow)" in html
    assert "<script" not in html


def test_withdrawn_version_page_says_so_and_offers_no_download(client, world) -> None:
    page = client.get(f"/datasets/hemtjanst/versions/{world.versions[2]}")
    assert page.status_code == 410 and world.reason in page.text
    assert 'class="download"' not in page.text and "codebook" not in page.text


def test_unknown_dataset_or_version_is_404(client, world) -> None:
    assert client.get("/datasets/nosuch").status_code == 404
    assert client.get("/datasets/hemtjanst/versions/1999-01-01").status_code == 404
    assert client.get("/api/v1/datasets/nosuch").status_code == 404
    assert client.get("/datasets/Bad%20Name").status_code == 404
    assert client.get("/api/v1/datasets/hemtjanst/versions/.hidden").status_code == 404


def test_api_lists_datasets_and_versions(client, world) -> None:
    listing = client.get("/api/v1/datasets").json()["datasets"]
    assert {d["id"] for d in listing} == set(world.published)
    hemtjanst = next(d for d in listing if d["id"] == "hemtjanst")
    assert hemtjanst["latest_version"] == world.versions[1]
    assert hemtjanst["tier"] == "open" and hemtjanst["title"]["sv"]
    detail = client.get("/api/v1/datasets/hemtjanst").json()
    versions = {v["version"]: v for v in detail["versions"]}
    assert set(versions) == set(world.versions)
    assert versions[world.versions[2]]["withdrawn"]["reason"] == world.reason
    assert versions[world.versions[0]]["withdrawn"] is None


def test_api_version_document_has_manifest_files_codebook_changelog_citation(client, world) -> None:
    doc = client.get(f"/api/v1/datasets/hemtjanst/versions/{world.versions[1]}").json()
    assert doc["version"] == world.versions[1] and doc["latest"] is True
    assert doc["manifest"]["dataset"] == "hemtjanst"
    assert doc["codebook"]["columns"] and doc["changelog"]["previous_version"] == world.versions[0]
    assert "Huddinge kommun" in doc["citation"]
    urls = {f["path"]: f["url"] for f in doc["files"]}
    assert urls["data/part-00000.parquet"].startswith(client.base_url.__str__().rstrip("/"))
    assert client.get(urls["data/part-00000.parquet"]).status_code == 200
    latest = client.get("/api/v1/datasets/hemtjanst/versions/latest").json()
    assert latest["version"] == world.versions[1]


def test_dcat_catalogue_is_served_as_turtle_and_json_ld(client, world) -> None:
    turtle = client.get("/catalog.ttl")
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) > 20
    jsonld = client.get("/catalog.jsonld")
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


def test_a_snapshot_without_metadata_files_still_gets_a_codebook(world, tmp_path) -> None:
    from pipelines.portal.app import create_app

    store = tmp_path / "releases"
    source = world.store / "open" / "hemtjanst" / world.versions[0]
    shutil.copytree(source, store / "open" / "hemtjanst" / world.versions[0])
    for name in ("codebook.json", "codebook.md", "changelog.json", "CITATION.txt"):
        (store / "open" / "hemtjanst" / world.versions[0] / name).unlink()
    app = create_app(store, access_db=f"sqlite:///{tmp_path / 'a.sqlite'}", base_url="http://t")

    async def fetch() -> tuple[str, dict]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            html = (await client.get("/datasets/hemtjanst")).text
            doc = (await client.get("/api/v1/datasets/hemtjanst/versions/latest")).json()
        return html, doc

    html, doc = asyncio.run(fetch())
    assert html.count("<svg") >= 5
    assert doc["codebook"]["computed_by_portal"] is True
    assert doc["changelog"] is None and doc["citation"] is None
