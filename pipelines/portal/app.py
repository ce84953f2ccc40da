"""The researcher portal: a Starlette app over one release store and one access database.

``create_app(store)`` wires pages, the JSON API, the DCAT catalogue and downloads; it
reads the store on every request, so what the pipeline publishes (or an admin withdraws)
shows at once. ``samverkan serve`` runs it with uvicorn.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipelines.access.db import open_access_db
from pipelines.metadata.dcat import catalogue_jsonld, catalogue_turtle
from pipelines.metadata.urls import portal_base_url
from pipelines.portal import api, pages
from pipelines.portal.audited import Audited, audited_view
from pipelines.portal.downloads import serve_file
from pipelines.portal.headers import SecurityHeaders
from pipelines.portal.ratelimit import FailureLimiter
from pipelines.storage import StorePath, to_path

HERE = Path(__file__).parent


def download(request: Request) -> Audited:
    """Run in a worker thread: the token check, hashing and audit row all block."""
    return serve_file(request, request.path_params["rest"])


def dcat_turtle(request: Request) -> Response:
    text = catalogue_turtle(request.app.state.store, request.app.state.base_url)
    return PlainTextResponse(text, media_type="text/turtle; charset=utf-8")


def dcat_jsonld(request: Request) -> Response:
    text = catalogue_jsonld(request.app.state.store, request.app.state.base_url)
    return Response(text, media_type="application/ld+json")


def health(request: Request) -> Response:
    return JSONResponse({"ok": True, "store": request.app.state.store.is_dir()})


def routes() -> list[Route | Mount]:
    project = "/projects/{project}"
    return [
        Route("/", pages.catalogue_page, name="catalogue"),
        Route("/datasets/{dataset}", pages.dataset_page),
        Route("/datasets/{dataset}/versions/{version}", pages.dataset_page),
        Route(f"{project}/datasets/{{dataset}}", audited_view(pages.dataset_page)),
        Route(
            f"{project}/datasets/{{dataset}}/versions/{{version}}",
            audited_view(pages.dataset_page),
        ),
        Route("/api/v1/datasets", api.list_datasets),
        Route("/api/v1/datasets/{dataset}", api.dataset),
        Route("/api/v1/datasets/{dataset}/versions/{version}", api.version),
        Route(f"/api/v1{project}/datasets", audited_view(api.list_datasets)),
        Route(f"/api/v1{project}/datasets/{{dataset}}", audited_view(api.dataset)),
        Route(
            f"/api/v1{project}/datasets/{{dataset}}/versions/{{version}}",
            audited_view(api.version),
        ),
        Route("/files/{rest:path}", download, methods=["GET", "HEAD"]),
        Route("/catalog.ttl", dcat_turtle),
        Route("/catalog.jsonld", dcat_jsonld),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(
    store: StorePath | str,
    *,
    access_db: Engine | str | None = None,
    base_url: str | None = None,
    limiter: FailureLimiter | None = None,
) -> Starlette:
    """The portal over ``store`` (a folder or an object-store path or URL); ``access_db``
    an engine or URL (default: see access.db)."""
    app = Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])
    app.state.store = to_path(store)
    app.state.limiter = limiter or FailureLimiter()
    app.state.access_db = access_db if isinstance(access_db, Engine) else open_access_db(access_db)
    app.state.base_url = (base_url or portal_base_url()).rstrip("/")
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    return app
