"""Parse a download path safely: ``<tier folder>/<dataset>/<version>/<file path>``.

Nothing from the URL touches the filesystem until it has been checked: every segment,
decoded again as often as a client or proxy might, must be free of ``..``, ``.``,
backslashes and NUL; dataset, project and version names must match their patterns; and the
file must later be one the snapshot's manifest lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
FILE_SEGMENT = re.compile(r"^[0-9A-Za-z_][0-9A-Za-z._-]{0,127}$")
MAX_DECODE = 3


class BadPath(ValueError):
    """The path tries to leave its snapshot or is not a path the store can hold."""


@dataclass(frozen=True)
class FileRequest:
    tier: str  # "open" or "project/<project>"
    project: str | None
    dataset: str
    version: str
    file: str  # relative to the snapshot folder


def _suspicious(segment: str) -> bool:
    text = segment
    for _ in range(MAX_DECODE + 1):
        if text in ("..", ".") or "\\" in text or "\x00" in text or "/" in text:
            return True
        if "%" not in text:
            return False
        text = unquote(text)
    return True


def parse_file_path(rest: str) -> FileRequest:
    """Split and check the part of the URL after ``/files/``; raise BadPath when unsafe."""
    if rest.startswith("/") or "//" in rest:
        raise BadPath("empty path segment")
    parts = rest.split("/")
    if any(_suspicious(p) for p in parts):
        raise BadPath("path leaves the snapshot")
    if len(parts) >= 4 and parts[0] == "open":
        tier, project, parts = "open", None, parts[1:]
    elif len(parts) >= 5 and parts[0] == "project":
        project = parts[1]
        if not NAME.match(project):
            raise BadPath("not a project name")
        tier, parts = f"project/{project}", parts[2:]
    else:
        raise BadPath("not a download path")
    dataset, version, file_parts = parts[0], parts[1], parts[2:]
    if not NAME.match(dataset) or not VERSION.match(version):
        raise BadPath("not a dataset or version name")
    if not all(FILE_SEGMENT.match(p) for p in file_parts):
        raise BadPath("not a file name")
    return FileRequest(tier, project, dataset, version, "/".join(file_parts))


def valid_names(
    *, project: str | None = None, dataset: str | None = None, version: str | None = None
) -> bool:
    """Whether the names a page or API route was given could exist in the store."""
    return (
        (project is None or bool(NAME.match(project)))
        and (dataset is None or bool(NAME.match(dataset)))
        and (version is None or bool(VERSION.match(version)))
    )
