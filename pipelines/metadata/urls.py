"""Where a release lives on the portal: one place that builds every public URL.

Open-tier releases live below ``/datasets/<dataset>``; project-tier releases below
``/projects/<project>/datasets/<dataset>``. Files are served from
``/files/<tier folder>/<dataset>/<version>/<path>``, the tier folder being ``open`` or
``project/<project>`` exactly as in the release store.
"""

from __future__ import annotations

import os
from urllib.parse import quote

BASE_URL_ENV = "SAMVERKAN_PORTAL_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def portal_base_url() -> str:
    """The portal's public address (``SAMVERKAN_PORTAL_URL``), without a trailing slash."""
    return (os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def tier_project(tier: str) -> str | None:
    """The project of a tier folder (``project/<p>``), or None for the open tier."""
    kind, _, project = tier.partition("/")
    return project if kind == "project" and project else None


def dataset_path(tier: str, dataset: str) -> str:
    project = tier_project(tier)
    prefix = f"/projects/{quote(project)}" if project else ""
    return f"{prefix}/datasets/{quote(dataset)}"


def version_path(tier: str, dataset: str, version: str) -> str:
    return f"{dataset_path(tier, dataset)}/versions/{quote(version)}"


def file_path(tier: str, dataset: str, version: str, rel: str) -> str:
    return f"/files/{tier}/{quote(dataset)}/{quote(version)}/{quote(rel)}"


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path
