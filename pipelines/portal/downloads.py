"""Downloads: every file of a snapshot, with checksums, conditional and Range requests.

Each response names the file's sha256 (``ETag``, ``X-Checksum-SHA256``, ``Digest`` and
``Repr-Digest``). On a local store Starlette's ``FileResponse`` serves Range (206),
If-Range and HEAD; on an object store ``pipelines.portal.remote`` streams it (one range).
Project-tier files need a bearer token of a researcher in that project holding a grant; a
withdrawn version answers 410. Every attempt, whatever its outcome, is written to the audit
log once its reply has gone out (``pipelines.portal.audited``).

Open files carry ``Cache-Control: public, no-cache``: caches may keep them but must ask
again (a cheap 304 on the ETag), so a withdrawn version stops being served at once.
"""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from pipelines.portal.audited import Audited
from pipelines.portal.catalogue import (
    LATEST_ALIAS,
    file_sha256,
    find_dataset,
    inside,
    read_manifest,
)
from pipelines.portal.guard import check_access, refusal_headers
from pipelines.portal.paths import BadPath, FileRequest, parse_file_path
from pipelines.portal.remote import Unsatisfiable, remote_file_response
from pipelines.publish.store import MANIFEST
from pipelines.storage import StorePath

log = logging.getLogger(__name__)

MAX_RANGE_DIGITS = 18  # a byte offset longer than this is beyond any file we hold
LONG_NUMBER = re.compile(rf"\d{{{MAX_RANGE_DIGITS + 1},}}")
MEDIA_TYPES = {
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class Refusal(Exception):
    """A download refused: HTTP status, audit outcome, a value-free detail for the client."""

    def __init__(
        self, status: int, outcome: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.outcome, self.detail = status, outcome, detail
        self.headers = headers or {}


def _resolve(store: StorePath, req: FileRequest) -> tuple[StorePath, str, str]:
    """(file, its sha256, the concrete version) or a Refusal (404 / 410)."""
    view = find_dataset(store, req.tier, req.dataset)
    if view is None:
        raise Refusal(404, "not_found", "no such dataset")
    release = view.release(req.version)
    if release is None and req.version == LATEST_ALIAS:
        raise Refusal(410, "withdrawn", "every version of this dataset was withdrawn")
    if release is None:
        raise Refusal(404, "not_found", "no such version")
    if release.withdrawn is not None:
        reason = str(release.withdrawn.get("reason", ""))
        raise Refusal(410, "withdrawn", f"version {release.version} was withdrawn: {reason}")
    if req.file == MANIFEST:
        path = release.path / MANIFEST
        return path, file_sha256(path), release.version
    for entry in read_manifest(release).get("files", []):
        if entry.get("path") == req.file:
            path = release.path / req.file
            if not inside(release, req.file) or not path.is_file():
                raise Refusal(404, "not_found", "no such file in this version")
            return path, str(entry["sha256"]), release.version
    raise Refusal(404, "not_found", "no such file in this version")


def _headers(path: StorePath, sha: str, version: str, req: FileRequest) -> dict[str, str]:
    digest = base64.b64encode(bytes.fromhex(sha)).decode("ascii")
    filename = f"{req.dataset}-{version}-{path.name}"
    return {
        "ETag": f'"{sha}"',
        "X-Checksum-SHA256": sha,
        "Digest": f"sha-256={digest}",
        "Repr-Digest": f"sha-256=:{digest}:",
        "X-Samverkan-Version": version,
        "Cache-Control": "public, no-cache" if req.tier == "open" else "private, no-store",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }


def _error(request: Request, refusal: Refusal) -> Response:
    headers = dict(refusal.headers) | refusal_headers(request, refusal.status, refusal.outcome)
    return JSONResponse(
        {"error": refusal.outcome, "detail": refusal.detail},
        status_code=refusal.status,
        headers=headers,
    )


def _respond(
    request: Request, path: StorePath, sha: str, version: str, req: FileRequest
) -> Response:
    headers = _headers(path, sha, version, req)
    media = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    if request.headers.get("if-none-match") in (f'"{sha}"', "*"):
        return Response(status_code=304, headers=headers)
    size = path.stat().st_size
    unsatisfiable = {"Content-Range": f"bytes */{size}"}
    if LONG_NUMBER.search(request.headers.get("range", "")):
        raise Refusal(416, "range_not_satisfiable", "range outside the file", unsatisfiable)
    if isinstance(path, Path):
        return FileResponse(path, headers=headers, media_type=media, stat_result=path.stat())
    try:
        return remote_file_response(request, path, size, headers, media)
    except Unsatisfiable:
        raise Refusal(
            416, "range_not_satisfiable", "range outside the file", unsatisfiable
        ) from None


def serve_file(request: Request, rest: str) -> Audited:
    """Answer one download request; its audit row is written once the reply is sent."""
    state = request.app.state
    entry: dict[str, Any] = {
        "tier": "?",
        "dataset": None,
        "version": None,
        "file": rest,
        "project": None,
        "token_id": None,
    }
    refused, skip = None, False
    try:
        try:
            req = parse_file_path(rest)
        except BadPath as exc:
            raise Refusal(400, "bad_path", str(exc)) from None
        entry |= {
            "tier": req.tier,
            "dataset": req.dataset,
            "version": req.version,
            "file": req.file,
            "project": req.project,
        }
        if req.project is not None:
            decision = check_access(request, req.project, req.dataset)
            entry["token_id"] = decision.token_id
            if not decision.allowed:
                skip = decision.status == 429 and not request.state.first_block
                raise Refusal(decision.status, decision.outcome, "access refused")
        path, sha, version = _resolve(state.store, req)
        entry["version"] = version
        response = _respond(request, path, sha, version, req)
    except Refusal as refusal:
        response, refused = _error(request, refusal), refusal.outcome
    except Exception:
        log.exception("download of %r failed", rest[:200])
        response, refused = JSONResponse({"error": "error"}, status_code=500), "error"
    return Audited(response, state.access_db, entry, refused, skip=skip)
