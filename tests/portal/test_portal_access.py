"""The access matrix: who gets which file, with which status, and that each attempt is audited."""

from __future__ import annotations

import hashlib
import http.client

import pytest

from pipelines.access import audit
from pipelines.access.tokens import PREFIX

DATA = "data/part-00000.parquet"


def _get(
    server, path: str, token: str | None = None, authorization: str | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """A GET with the path sent exactly as written (no client-side normalisation)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, {k.lower(): v for k, v in response.getheaders()}


def _audited(server, before: int) -> list[audit.AuditEntry]:
    return audit.entries(server.engine)[before:]


def _count(server) -> int:
    return len(audit.entries(server.engine))


def _project_url(world, project: str, version: str, file: str = DATA) -> str:
    return f"/files/project/{project}/hemtjanst/{version}/{file}"


def test_granted_project_download_succeeds_and_is_logged(live_portal, world, tokens) -> None:
    v2 = world.versions[1]
    before = _count(live_portal)
    status, body, headers = _get(live_portal, _project_url(world, "alpha", v2), tokens.alpha)
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == headers["x-checksum-sha256"]
    assert headers["cache-control"] == "private, no-store"
    [entry] = _audited(live_portal, before)
    assert (entry.outcome, entry.status, entry.token_id, entry.project) == (
        "granted",
        200,
        tokens.alpha_id,
        "alpha",
    )
    assert (entry.dataset, entry.version, entry.file, entry.bytes) == (
        "hemtjanst",
        v2,
        DATA,
        len(body),
    )


def test_open_download_needs_no_token_and_is_logged(live_portal, world) -> None:
    before = _count(live_portal)
    status, body, _ = _get(live_portal, f"/files/open/hemtjanst/{world.versions[0]}/{DATA}")
    assert status == 200 and body[:4] == b"PAR1"
    [entry] = _audited(live_portal, before)
    assert (entry.outcome, entry.token_id, entry.tier, entry.bytes) == (
        "granted",
        None,
        "open",
        len(body),
    )


CASES = [
    # (name, project in the URL, which token / header, status, outcome)
    ("no token", "alpha", None, 401, "no_token"),
    ("malformed: not a samverkan token", "alpha", "Bearer abc", 401, "malformed_token"),
    ("malformed: basic auth", "alpha", "Basic YWRhOnNlY3JldA==", 401, "malformed_token"),
    ("malformed: empty bearer", "alpha", "Bearer ", 401, "malformed_token"),
    ("unknown token", "alpha", f"Bearer {PREFIX}_aaaaaaaaaa_{'A' * 43}", 401, "unknown_token"),
    ("expired", "alpha", "expired", 401, "expired_token"),
    ("revoked", "alpha", "revoked", 401, "revoked_token"),
    ("wrong project", "alpha", "beta", 403, "wrong_project"),
    ("project without grant", "beta", "beta", 403, "no_grant"),
    ("project not approved", "delta", "pending", 403, "project_not_approved"),
]


@pytest.mark.parametrize(
    ("project", "who", "status", "outcome"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refusals_have_the_right_status_and_are_logged(
    live_portal, world, tokens, project, who, status, outcome
) -> None:
    header = getattr(tokens, who) if who and hasattr(tokens, who) else None
    authorization = None if header else who
    path = _project_url(world, project, world.versions[1])
    before = _count(live_portal)
    got, body, headers = _get(live_portal, path, header, authorization)
    assert got == status, body
    assert b"PAR1" not in body
    if status == 401:
        assert headers["www-authenticate"].startswith("Bearer")
    [entry] = _audited(live_portal, before)
    assert (entry.status, entry.outcome, entry.project, entry.bytes) == (
        status,
        outcome,
        project,
        0,
    )


TRAVERSALS = [
    "/files/open/hemtjanst/{v}/../../../../etc/passwd",
    "/files/open/hemtjanst/{v}/data/../../{v}/manifest.json",
    "/files/open/hemtjanst/{v}/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/files/open/hemtjanst/{v}/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/files/open/hemtjanst/{v}/%2e%2e%2f%2e%2e%2fproject%2falpha%2fhemtjanst%2f{v}%2fmanifest.json",
    "/files/open/hemtjanst/{v}/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/files/open/hemtjanst/{v}/..%5c..%5cmanifest.json",
    "/files/open/hemtjanst/{v}/data/%00part-00000.parquet",
    "/files/open/../project/alpha/hemtjanst/{v}/" + DATA,
    "/files/open/%2e%2e/project/alpha/hemtjanst/{v}/" + DATA,
    "/files/project/alpha/hemtjanst/{v}/../../../../open/hemtjanst/{v}/manifest.json",
    "/files/open/hemtjanst/{v}//etc/passwd",
    "/files/open/hemtjanst/{v}/.%2e/.%2e/.%2e/etc/passwd",
]


@pytest.mark.parametrize("template", TRAVERSALS)
def test_path_traversal_is_refused_and_logged(live_portal, world, tokens, template) -> None:
    path = template.format(v=world.versions[1])
    before = _count(live_portal)
    status, body, _ = _get(live_portal, path, tokens.alpha)
    assert status == 400, (path, status, body)
    assert b"root:" not in body and b"PAR1" not in body
    [entry] = _audited(live_portal, before)
    assert (entry.status, entry.outcome, entry.bytes) == (400, "bad_path", 0)


def test_withdrawn_versions_answer_410_and_are_logged(live_portal, world, tokens) -> None:
    v1, _, v3 = world.versions
    before = _count(live_portal)
    status, body, _ = _get(live_portal, f"/files/open/hemtjanst/{v3}/{DATA}")
    assert status == 410 and world.reason.encode() in body
    status, body, _ = _get(live_portal, _project_url(world, "alpha", v1), tokens.alpha)
    assert status == 410 and world.reason.encode() in body
    entries = _audited(live_portal, before)
    assert [(e.status, e.outcome, e.version) for e in entries] == [
        (410, "withdrawn", v3),
        (410, "withdrawn", v1),
    ]
    assert entries[1].token_id == tokens.alpha_id


def test_missing_files_and_unlisted_files_answer_404(live_portal, world, tokens) -> None:
    v2 = world.versions[1]
    for path in (
        f"/files/open/hemtjanst/{v2}/data/part-00001.parquet",
        f"/files/open/nosuch/{v2}/{DATA}",
        f"/files/open/hemtjanst/1999-01-01/{DATA}",
        f"/files/open/hemtjanst/{v2}.withdrawn.json",
    ):
        status, _, _ = _get(live_portal, path)
        assert status in (400, 404), path


def test_project_pages_and_api_need_the_token(live_portal, world, tokens) -> None:
    page = "/projects/alpha/datasets/hemtjanst"
    api = "/api/v1/projects/alpha/datasets/hemtjanst/versions/latest"
    for path in (page, api):
        assert _get(live_portal, path)[0] == 401
        assert _get(live_portal, path, tokens.beta)[0] == 403
        status, body, _ = _get(live_portal, path, tokens.alpha)
        assert status == 200 and b"personnummer" in body
