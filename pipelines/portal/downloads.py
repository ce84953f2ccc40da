"""Downloads: every file of a snapshot, with checksums, conditional and Range requests.

Each response names the file's sha256 (``ETag``, ``X-Checksum-SHA256``, ``Digest`` and
``Repr-Digest``), its length, and honours ``Range: bytes=a-b`` (206, one range) so an
interrupted download resumes where it stopped; ``If-Range`` guards against resuming a
different file. Project-tier files need a bearer token of a researcher in that project
holding a grant; a withdrawn version answers 410. Every attempt is written to the audit log.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from pipelines.access import audit
from pipelines.access.decide import authorise
from pipelines.portal.catalogue import LATEST_ALIAS, file_sha256, find_dataset, read_manifest
from pipelines.portal.guard import www_authenticate
from pipelines.portal.paths import BadPath, FileRequest, parse_file_path
from pipelines.publish.store import MANIFEST

CHUNK = 256 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
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


def _resolve(store: Path, req: FileRequest) -> tuple[Path, str, str]:
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
            return release.path / req.file, str(entry["sha256"]), release.version
    raise Refusal(404, "not_found", "no such file in this version")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single satisfiable range; None to send the whole file."""
    unsatisfiable = {"Content-Range": f"bytes */{size}"}
    if not header:
        return None
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None  # a syntax we do not serve (e.g. several ranges): send it all
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0:
            raise Refusal(416, "range_not_satisfiable", "empty suffix range", unsatisfiable)
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Refusal(416, "range_not_satisfiable", "range outside the file", unsatisfiable)
    return start, end


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


def _headers(path: Path, sha: str, version: str, req: FileRequest) -> dict[str, str]:
    digest = base64.b64encode(bytes.fromhex(sha)).decode("ascii")
    immutable = req.version != LATEST_ALIAS and req.tier == "open"
    filename = f"{req.dataset}-{version}-{path.name}"
    return {
        "ETag": f'"{sha}"',
        "X-Checksum-SHA256": sha,
        "Digest": f"sha-256={digest}",
        "Repr-Digest": f"sha-256=:{digest}:",
        "Accept-Ranges": "bytes",
        "X-Samverkan-Version": version,
        "Cache-Control": "public, max-age=31536000, immutable"
        if immutable
        else ("private, no-store" if req.tier != "open" else "no-cache"),
        "Content-Disposition": f'attachment; filename="{filename}"',
    }


def _error(refusal: Refusal) -> Response:
    headers = dict(refusal.headers)
    if refusal.status == 401:
        headers["WWW-Authenticate"] = www_authenticate(refusal.outcome)
    return JSONResponse(
        {"error": refusal.outcome, "detail": refusal.detail},
        status_code=refusal.status,
        headers=headers,
    )


def serve_file(request: Request, store: Path, engine: Engine, rest: str) -> Response:
    """Answer one download request and append it to the audit log."""
    entry: dict[str, str | None] = {
        "tier": "?",
        "dataset": None,
        "version": None,
        "file": rest,
        "project": None,
    }
    token_id = None
    nbytes = 0
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
            decision = authorise(
                engine, request.headers.get("authorization"), req.project, req.dataset
            )
            token_id = decision.token_id
            if not decision.allowed:
                raise Refusal(decision.status, decision.outcome, "access refused")
        path, sha, version = _resolve(store, req)
        entry["version"] = version
        response, nbytes = _respond(request, path, sha, version, req)
        outcome = "granted"
    except Refusal as refused:
        response, outcome = _error(refused), refused.outcome
    audit.record(
        engine,
        audit.attempt(
            token_id=token_id, nbytes=nbytes, status=response.status_code, outcome=outcome, **entry
        ),
    )
    return response


def _respond(
    request: Request, path: Path, sha: str, version: str, req: FileRequest
) -> tuple[Response, int]:
    size = path.stat().st_size
    headers = _headers(path, sha, version, req)
    media = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    if request.headers.get("if-none-match") in (f'"{sha}"', "*"):
        return Response(status_code=304, headers=headers), 0
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != f'"{sha}"':
        range_header = None  # the client holds another file: send this one whole
    span = _byte_range(range_header, size)
    start, end, status = (0, size - 1, 200) if span is None else (*span, 206)
    length = end - start + 1 if size else 0
    headers["Content-Length"] = str(length)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media), 0
    body = _read(path, start, length)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=media), length
