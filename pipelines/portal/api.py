"""The JSON API (``/api/v1``): datasets, their versions, and one version's full metadata.

Open-tier datasets are listed under ``/api/v1/datasets``; a project's releases under
``/api/v1/projects/<project>/datasets`` for a bearer token of that project. Version ``latest``
names the newest version that is not withdrawn.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipelines.access.projects import granted_datasets
from pipelines.portal import catalogue as cat
from pipelines.portal.guard import project_refusal
from pipelines.portal.paths import valid_names
from pipelines.specs.licences import licence_url

API = "/api/v1"


def _abs(request: Request, path: str) -> str:
    return request.app.state.base_url + path


def _entry(request: Request, view: cat.DatasetView) -> dict[str, Any]:
    manifest = view.manifest()
    latest = view.latest
    return {
        "id": view.dataset,
        "tier": "open" if view.project is None else "project",
        "project": view.project,
        "title": manifest["title"],
        "description": manifest["description"],
        "publisher": manifest.get("publisher"),
        "licence": {"id": manifest.get("licence"), "url": licence_url(manifest["licence"])},
        "keywords": manifest.get("keywords", []),
        "latest_version": latest.version if latest else None,
        "rows": cat.read_manifest(latest).get("rows") if latest else None,
        "updated": cat.read_manifest(latest).get("published_at") if latest else None,
        "versions": len(view.releases),
        "url": _abs(request, view.url),
        "api_url": _abs(request, f"{API}{_api_prefix(view)}/datasets/{view.dataset}"),
    }


def _api_prefix(view: cat.DatasetView) -> str:
    return f"/projects/{view.project}" if view.project else ""


def _not_found(detail: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "detail": detail}, status_code=404)


def _tier(request: Request) -> tuple[str, Response | None]:
    """The tier folder of the route, or the response refusing it (bad name, no access)."""
    params = request.path_params
    project, dataset = params.get("project"), params.get("dataset")
    if not valid_names(project=project, dataset=dataset, version=params.get("version")):
        return "", _not_found("no such dataset or version")
    if project is None:
        return "open", None
    return f"project/{project}", project_refusal(request, project, dataset)


def withdrawn_response(release: cat.Release | None, dataset: str) -> JSONResponse:
    """410 for a withdrawn version (or a dataset with none left): when and why, no data."""
    body: dict[str, Any] = {"error": "withdrawn", "id": dataset}
    if release is not None:
        marker = release.withdrawn or {}
        body |= {
            "version": release.version,
            "withdrawn": {k: marker.get(k) for k in ("reason", "withdrawn_at")},
        }
    else:
        body["detail"] = "every version of this dataset was withdrawn"
    return JSONResponse(body, status_code=410)


def list_datasets(request: Request) -> Response:
    tier, refused = _tier(request)
    if refused is not None:
        return refused
    views = [v for v in cat.list_datasets(request.app.state.store) if v.tier == tier]
    project = request.path_params.get("project")
    if project is not None:
        granted = granted_datasets(request.app.state.access_db, project)
        views = [v for v in views if v.dataset in granted]
    return JSONResponse({"datasets": [_entry(request, v) for v in views if v.latest]})


def dataset(request: Request) -> Response:
    tier, refused = _tier(request)
    if refused is not None:
        return refused
    view = cat.find_dataset(request.app.state.store, tier, request.path_params["dataset"])
    if view is None:
        return _not_found("no such dataset")
    if view.latest is None:
        return withdrawn_response(None, view.dataset)
    versions = [
        cat.version_summary(r)
        | {
            "api_url": _abs(
                request, f"{API}{_api_prefix(view)}/datasets/{view.dataset}/versions/{r.version}"
            )
        }
        for r in reversed(view.releases)
    ]
    for v in versions:
        v["url"] = _abs(request, v["url"])
    return JSONResponse(_entry(request, view) | {"versions": versions})


def version_document(
    request: Request, view: cat.DatasetView, release: cat.Release
) -> dict[str, Any]:
    manifest = cat.read_manifest(release)
    files = [f | {"url": _abs(request, f["url"])} for f in cat.files(release)]
    return {
        "id": view.dataset,
        "version": release.version,
        "latest": view.latest is not None and view.latest.version == release.version,
        "withdrawn": release.withdrawn,
        "manifest": manifest,
        "files": files,
        "codebook": cat.codebook(release),
        "changelog": cat.changelog(release),
        "citation": cat.citation(release),
    }


def version(request: Request) -> Response:
    tier, refused = _tier(request)
    if refused is not None:
        return refused
    view = cat.find_dataset(request.app.state.store, tier, request.path_params["dataset"])
    wanted = request.path_params["version"]
    release = view.release(wanted) if view else None
    if view is not None and release is None and wanted == cat.LATEST_ALIAS:
        return withdrawn_response(None, view.dataset)
    if view is None or release is None:
        return _not_found("no such dataset or version")
    if release.withdrawn is not None:
        return withdrawn_response(release, view.dataset)
    return JSONResponse(version_document(request, view, release))
