"""Publication settings: a loopback base URL is refused unless the run is explicitly local;
local citations carry no URL and say they are local; licences must be SPDX ids."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from pipelines.errors import PublishError
from pipelines.metadata.citation import citation_files
from pipelines.metadata.identifiers import (
    Publication,
    dataset_identifier,
    publication_from_env,
    resolver_url,
    version_identifier,
)
from pipelines.specs import load_spec

OFFICIAL = Path(__file__).parent / "official"


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]/",
        "http://0.0.0.0",
        "ftp://x.se",
    ],
)
def test_a_loopback_or_odd_base_url_is_refused(base: str) -> None:
    with pytest.raises(PublishError):
        publication_from_env({"SAMVERKAN_PUBLIC_BASE_URL": base, "SAMVERKAN_PID": "doi:10.5072"})


def test_explicit_local_mode_accepts_a_loopback_base_and_drops_it() -> None:
    env = {"SAMVERKAN_PUBLIC_BASE_URL": "http://127.0.0.1:8000", "SAMVERKAN_PUBLISH_MODE": "local"}
    assert publication_from_env(env).local
    assert publication_from_env({}).local  # make run: no public address configured


def test_public_mode_needs_a_pid_scheme() -> None:
    with pytest.raises(PublishError):
        publication_from_env({"SAMVERKAN_PUBLIC_BASE_URL": "https://data.huddinge.se"})
    with pytest.raises(PublishError):
        publication_from_env({"SAMVERKAN_PUBLISH_MODE": "public"})
    ok = publication_from_env(
        {"SAMVERKAN_PUBLIC_BASE_URL": "https://data.huddinge.se/", "SAMVERKAN_PID": "urn:nbn:se:hk"}
    )
    assert ok.base_url == "https://data.huddinge.se" and ok.scheme == "urn"


def test_identifiers_per_scheme() -> None:
    assert dataset_identifier("hemtjanst", "doi:10.5072") == "10.5072/huddinge.hemtjanst"
    assert (
        version_identifier("hemtjanst", "2026-01-31", "doi:10.5072")
        == "10.5072/huddinge.hemtjanst.2026-01-31"
    )
    urn = version_identifier("hemtjanst", "2026-01-31", "urn:nbn:se:hk")
    assert urn == "urn:nbn:se:hk:hemtjanst:2026-01-31"
    assert resolver_url(urn) == "https://urn.kb.se/resolve?urn=" + urn
    assert resolver_url("10.5072/x") == "https://doi.org/10.5072/x"


def test_local_citations_are_marked_and_carry_no_url() -> None:
    spec = load_spec("hemtjanst")
    local = Publication(base_url=None, pid="urn:x-samverkan-local")
    text, cff, datacite = citation_files(
        spec=spec,
        version="2026-01-31",
        released=dt.date(2026, 2, 1),
        publication=local,
        url=None,
        coverage={"start": "2025-01-01", "end": "2025-12-31"},
        sizes=["10 bytes"],
    )
    assert "LOCAL COPY" in text and "http" not in text.replace("https://", "")
    parsed = yaml.safe_load(cff)
    assert "LOCAL COPY" in parsed["message"] and "url" not in parsed
    schema = json.loads((OFFICIAL / "cff" / "schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(parsed, schema)
    dc_schema = json.loads(
        (OFFICIAL / "datacite" / "datacite_4.3_schema.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(datacite, dc_schema)
    assert "alternateIdentifiers" not in datacite


def test_a_licence_must_be_an_spdx_id() -> None:
    spec = load_spec("kolada")
    data = spec.model_dump(by_alias=True, exclude_none=True)
    with pytest.raises(ValueError, match=r"CC-BY-4\.0"):
        type(spec).model_validate(data | {"licence": "CC BY 4.0"})
    assert type(spec).model_validate(data | {"licence": "CC0-1.0"}).licence == "CC0-1.0"


def test_overlapping_age_bands_are_refused() -> None:
    spec = load_spec("ekonomiskt_bistand")
    data = spec.model_dump(by_alias=True, exclude_none=True)
    for column in data["columns"]:
        if column["name"] == "alder":
            column["hierarchy"][0] = {"band": 5, "min": 18, "top": 80}
    with pytest.raises(ValueError, match="overlaps"):
        type(spec).model_validate(data)
