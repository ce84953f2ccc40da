"""Server-rendered pages: the catalogue and one page per dataset (and version).

Plain HTML and CSS from Jinja templates, charts as inline SVG: every page works without
JavaScript. Project-tier pages need the project's bearer token like its downloads.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from pipelines.metadata.urls import file_path
from pipelines.portal import catalogue as cat
from pipelines.portal.charts import column_chart
from pipelines.portal.guard import project_refusal
from pipelines.portal.paths import valid_names
from pipelines.specs.licences import licence_title, licence_url


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def not_found(request: Request, message: str) -> Response:
    return _render(request, "error.html", {"status": 404, "message": message}, 404)


def withdrawn(request: Request, dataset: str, release: cat.Release | None) -> Response:
    """410: the version (or every version) was withdrawn; no statistics, only why."""
    if release is None:
        message = f"Every version of {dataset} was withdrawn."
    else:
        reason = (release.withdrawn or {}).get("reason") or "no reason given"
        message = f"Version {release.version} of {dataset} was withdrawn: {reason}."
    return _render(request, "error.html", {"status": 410, "message": message}, 410)


def catalogue_page(request: Request) -> Response:
    """The open tier only: which projects exist and what they hold is not for everyone."""
    rows = []
    for view in cat.list_datasets(request.app.state.store):
        if view.project is not None:
            continue
        manifest = view.manifest()
        latest = view.latest
        latest_manifest = cat.read_manifest(latest) if latest else {}
        rows.append(
            {
                "view": view,
                "title": manifest["title"],
                "description": manifest["description"],
                "latest": latest.version if latest else None,
                "rows": latest_manifest.get("rows"),
                "updated": (latest_manifest.get("published_at") or "")[:10],
                "withdrawn": sum(r.withdrawn is not None for r in view.releases),
            }
        )
    rows.sort(key=lambda r: (r["view"].project is not None, r["view"].tier, r["view"].dataset))
    return _render(request, "catalogue.html", {"rows": rows})


def _pick(data: dict[str, Any], *paths: str) -> Any:
    """The first present value among dotted ``paths`` (report formats differ by version)."""
    for path in paths:
        value: Any = data
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def _risk(manifest: dict[str, Any]) -> dict[str, Any]:
    anon = manifest.get("anonymisation") or {}
    drill = anon.get("linkage_drill") or {}
    subject = anon.get("subject") or {}
    gate = ((manifest.get("validation") or {}).get("release") or {}).get("privacy_gate") or {}
    return {
        "subject_unit": subject.get("unit", "records"),
        "subject_keys": subject.get("key_columns", []),
        "subject_description": subject.get("description"),
        "subject_rule": subject.get("reference_record"),
        "subjects": anon.get("subjects"),
        "suppressed_subjects": anon.get("suppressed_subjects"),
        "singled_out_a": _pick(gate, "attacker_a.unique_share"),
        "singled_out_b": _pick(gate, "attacker_b.unique_share"),
        "k_required": anon.get("k_required"),
        "k_achieved": anon.get("k_achieved"),
        "l_required": anon.get("l_required"),
        "l_achieved": anon.get("l_achieved"),
        "t_required": anon.get("t_required"),
        "t_achieved": anon.get("t_achieved"),
        "records": anon.get("records"),
        "suppressed_records": anon.get("suppressed_records"),
        "suppressed_share": anon.get("suppressed_share"),
        "equivalence_classes": anon.get("equivalence_classes"),
        "prosecutor_max": _pick(anon, "risk.prosecutor.highest", "risk.prosecutor_max"),
        "prosecutor_avg": _pick(anon, "risk.prosecutor.average", "risk.prosecutor_avg"),
        "uniques_share": _pick(anon, "risk.sample_uniques", "risk.uniques_share"),
        "information_loss": _pick(anon, "information_loss.loss"),
        "linkage": (
            _pick(
                drill, "subject_expected_reidentification_share", "expected_reidentification_share"
            )
            if drill.get("performed")
            else None
        ),
        "linkage_attributes": drill.get("public_attributes", []),
        "dropped": anon.get("dropped_columns", []),
        "pseudonymised": anon.get("pseudonymised_columns", []),
        "key_id": anon.get("pseudonym_key_id"),
    }


def _validation(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for stage in ("raw", "release"):
        summary = (manifest.get("validation") or {}).get(stage) or {}
        if summary:
            found.append(
                {
                    "stage": stage,
                    "suite": summary.get("suite"),
                    "success": summary.get("success"),
                    "evaluated": summary.get("evaluated"),
                    "failed": summary.get("failed"),
                    "gate": summary.get("privacy_gate"),
                }
            )
    return found


def dataset_page(request: Request) -> Response:
    project = request.path_params.get("project")
    dataset = request.path_params["dataset"]
    wanted = request.path_params.get("version")
    if not valid_names(project=project, dataset=dataset, version=wanted):
        return not_found(request, "No such dataset or version.")
    if project is not None and (refused := project_refusal(request, project, dataset, html=True)):
        return refused
    tier = f"project/{project}" if project else "open"
    view = cat.find_dataset(request.app.state.store, tier, dataset)
    if view is None:
        return not_found(request, f"No dataset {dataset}.")
    release = view.release(wanted) if wanted else view.latest
    if release is None and wanted in (None, cat.LATEST_ALIAS):
        return withdrawn(request, dataset, None)
    if release is None:
        return not_found(request, f"No version {wanted} of {dataset}.")
    if release.withdrawn is not None:
        return withdrawn(request, dataset, release)
    manifest = cat.read_manifest(release)
    book = cat.codebook(release)
    columns = [
        c | {"chart": Markup(svg) if (svg := column_chart(c)) else None}
        for c in book.get("columns", [])
    ]
    base = request.app.state.base_url
    data_files = [f for f in cat.files(release) if f["path"].endswith(".parquet")]
    latest_url = (
        base + file_path(tier, dataset, cat.LATEST_ALIAS, data_files[0]["path"])
        if data_files and view.latest is not None
        else None
    )
    context = {
        "view": view,
        "release": release,
        "manifest": manifest,
        "is_latest": view.latest is not None and view.latest.version == release.version,
        "versions": [cat.version_summary(r) for r in reversed(view.releases)],
        "files": cat.files(release),
        "columns": columns,
        "changelog": cat.changelog(release),
        "citation": cat.citation(release),
        "risk": _risk(manifest),
        "validation": _validation(manifest),
        "licence": {
            "id": manifest.get("licence"),
            "title": licence_title(manifest["licence"]),
            "url": licence_url(manifest["licence"]),
        },
        "data_url": base + data_files[0]["url"] if data_files else None,
        "latest_url": latest_url,
    }
    return _render(request, "dataset.html", context)
