"""Files on an object store, streamed with one byte range at most.

Starlette's ``FileResponse`` serves local files (Range, If-Range, HEAD, several ranges);
it needs a path on disk, so a file in S3 is streamed from an fsspec handle here. One range
(``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) is honoured so an interrupted download resumes;
anything else (several ranges, other units) gets the whole file, as HTTP allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from pipelines.storage import StorePath

CHUNK = 256 * 1024
ONE_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


class Unsatisfiable(Exception):
    """The range lies outside the file (HTTP 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of one satisfiable range, None for the whole file; Unsatisfiable."""
    match = ONE_RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        if int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable
    return start, end


def _read(path: StorePath, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        while length > 0 and (chunk := fh.read(min(CHUNK, length))):
            length -= len(chunk)
            yield chunk


def remote_file_response(
    request: Request, path: StorePath, size: int, headers: dict[str, str], media: str
) -> Response:
    """The whole file (200) or one range of it (206); HEAD gets the headers only."""
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != headers["ETag"]:
        wanted = None  # the client holds another file: send this one whole
    span = byte_range(wanted, size)
    start, end, status = (0, size - 1, 200) if span is None else (*span, 206)
    length = end - start + 1 if size else 0
    headers = headers | {"Accept-Ranges": "bytes", "Content-Length": str(length)}
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media)
    return StreamingResponse(
        _read(path, start, length), status_code=status, headers=headers, media_type=media
    )
