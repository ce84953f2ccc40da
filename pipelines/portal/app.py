"""The researcher portal: a Starlette app over one release store and one access database.

``create_app(store)`` wires pages, the JSON API, the DCAT catalogue and downloads; it
reads the store on every request, so what the pipeline publishes (or an admin withdraws)
shows at once. ``samverkan serve`` runs it with uvicorn.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipelines.access.db import open_access_db
from pipelines.metadata.dcat import catalogue_jsonld, catalogue_turtle
from pipelines.metadata.urls import portal_base_url
from pipelines.portal import api, pages
from pipelines.portal.downloads import serve_file

HERE = Path(__file__).parent


async def download(request: Request) -> Response:
    state = request.app.state
    return serve_file(request, state.store, state.access_db, request.path_params["rest"])


async def dcat_turtle(request: Request) -> Response:
    text = catalogue_turtle(request.app.state.store, request.app.state.base_url)
    return PlainTextResponse(text, media_type="text/turtle; charset=utf-8")


async def dcat_jsonld(request: Request) -> Response:
    text = catalogue_jsonld(request.app.state.store, request.app.state.base_url)
    return Response(text, media_type="application/ld+json")


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True, "store": request.app.state.store.is_dir()})


def routes() -> list[Route | Mount]:
    project = "/projects/{project}"
    return [
        Route("/", pages.catalogue_page, name="catalogue"),
        Route("/datasets/{dataset}", pages.dataset_page),
        Route("/datasets/{dataset}/versions/{version}", pages.dataset_page),
        Route(f"{project}/datasets/{{dataset}}", pages.dataset_page),
        Route(f"{project}/datasets/{{dataset}}/versions/{{version}}", pages.dataset_page),
        Route("/api/v1/datasets", api.list_datasets),
        Route("/api/v1/datasets/{dataset}", api.dataset),
        Route("/api/v1/datasets/{dataset}/versions/{version}", api.version),
        Route(f"/api/v1{project}/datasets", api.list_datasets),
        Route(f"/api/v1{project}/datasets/{{dataset}}", api.dataset),
        Route(f"/api/v1{project}/datasets/{{dataset}}/versions/{{version}}", api.version),
        Route("/files/{rest:path}", download, methods=["GET", "HEAD"]),
        Route("/catalog.ttl", dcat_turtle),
        Route("/catalog.jsonld", dcat_jsonld),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(
    store: Path, *, access_db: Engine | str | None = None, base_url: str | None = None
) -> Starlette:
    """The portal over ``store``; ``access_db`` an engine or URL (default: see access.db)."""
    app = Starlette(routes=routes())
    app.state.store = Path(store)
    app.state.access_db = access_db if isinstance(access_db, Engine) else open_access_db(access_db)
    app.state.base_url = (base_url or portal_base_url()).rstrip("/")
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    return app
