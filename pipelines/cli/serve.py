"""``samverkan serve``: run the researcher portal (catalogue, API, downloads) with uvicorn."""

from __future__ import annotations

import argparse
import logging

from pipelines.config import Settings
from pipelines.errors import SamverkanError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the researcher portal",
        description="Serve the release store to researchers: catalogue and dataset pages, "
        "the JSON API under /api/v1, the DCAT-AP-SE catalogue (/catalog.ttl) and downloads "
        "with sha256 headers and resumable Range requests. Project-tier files need a bearer "
        "token (see `samverkan token issue`); every download is audited.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)",
    )
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--store",
        default=None,
        help="release store folder (default: data/releases or SAMVERKAN_RELEASE_DIR)",
    )
    p.add_argument(
        "--base-url",
        default=None,
        help="public address used in citations and "
        "DCAT (default: SAMVERKAN_PORTAL_URL, else http://HOST:PORT)",
    )
    p.add_argument(
        "--access-db",
        default=None,
        help="access database URL (default: "
        "SAMVERKAN_ACCESS_DB_URL, else SQLite under the data folder)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from pipelines.metadata.urls import BASE_URL_ENV
    from pipelines.portal.app import create_app
    from pipelines.portal.server import portal_config
    from pipelines.secrets import refuse_placeholders
    from pipelines.storage import to_path

    refuse_placeholders(options={"--access-db": args.access_db})
    store = to_path(args.store) if args.store else Settings.from_env().release_dir
    if not store.is_dir():
        raise SamverkanError(f"release store {store} does not exist; run `samverkan run` first")
    base_url = args.base_url or os.environ.get(BASE_URL_ENV) or f"http://{args.host}:{args.port}"
    app = create_app(store, access_db=args.access_db, base_url=base_url)
    log.info("serving %s on %s", store, base_url)
    uvicorn.Server(portal_config(app, args.host, args.port)).run()
    return 0
