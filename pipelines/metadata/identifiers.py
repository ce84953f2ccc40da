"""Persistent identifiers and the public address a release is cited by.

The publisher configures the identifier scheme (``SAMVERKAN_PID``): ``doi:<prefix>``
(e.g. ``doi:10.5878``: datasets become ``10.5878/huddinge.<dataset>``, versions
``10.5878/huddinge.<dataset>.<version>``) or ``urn:<namespace>`` (e.g.
``urn:nbn:se:huddinge``). The public base URL (``SAMVERKAN_PUBLIC_BASE_URL``) is fixed at
publish time, because a snapshot is immutable: an address baked into it must be the one
researchers will reach. A loopback or non-HTTP base is refused unless the run is in the
explicit local mode (``SAMVERKAN_PUBLISH_MODE=local``, or no public base URL at all, as in
``make run``): then the release carries no URL and its citation says it is a local copy.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from pipelines.errors import PublishError

PID_ENV = "SAMVERKAN_PID"
PUBLIC_BASE_ENV = "SAMVERKAN_PUBLIC_BASE_URL"
MODE_ENV = "SAMVERKAN_PUBLISH_MODE"
LOCAL_PID = "urn:x-samverkan-local"
DOI_RESOLVER = "https://doi.org/"
URN_RESOLVER = "https://urn.kb.se/resolve?urn="
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def is_loopback(url: str) -> bool:
    """True for URLs a researcher elsewhere cannot reach (loopback, localhost, unspecified)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_link_local


@dataclass(frozen=True)
class Publication:
    """Where and how a release is published: its public base URL, or local mode."""

    base_url: str | None
    pid: str

    @property
    def local(self) -> bool:
        return self.base_url is None

    @property
    def scheme(self) -> str:
        return self.pid.split(":", 1)[0] if not self.pid.startswith(LOCAL_PID) else "local"


def publication_from_env(env: dict[str, str] | None = None) -> Publication:
    """The publication settings of this run; a loopback base outside local mode is refused."""
    env = dict(os.environ) if env is None else env
    base = (env.get(PUBLIC_BASE_ENV) or "").strip().rstrip("/")
    mode = (env.get(MODE_ENV) or "").strip().lower()
    pid = (env.get(PID_ENV) or "").strip().rstrip("/:")
    if mode not in ("", "local", "public"):
        raise PublishError(f"{MODE_ENV} must be local or public")
    if mode == "local" or (not base and mode != "public"):
        return Publication(base_url=None, pid=LOCAL_PID)
    if not base:
        raise PublishError(f"public publishing needs {PUBLIC_BASE_ENV}")
    if urlsplit(base).scheme not in ("http", "https") or is_loopback(base):
        raise PublishError(
            f"{PUBLIC_BASE_ENV} is not a public address; set {MODE_ENV}=local for a local copy"
        )
    if not (pid.startswith("doi:10.") or pid.startswith("urn:")):
        raise PublishError(f"{PID_ENV} must be doi:<prefix> or urn:<namespace>")
    return Publication(base_url=base, pid=pid)


def dataset_identifier(dataset: str, pid: str | None = None) -> str:
    """The dataset's persistent identifier (a DOI name or a URN), stable across versions."""
    pid = pid if pid is not None else (os.environ.get(PID_ENV) or LOCAL_PID).rstrip("/:")
    name = _SAFE.sub("-", dataset)
    if pid.startswith("doi:"):
        return f"{pid[4:]}/huddinge.{name}"
    return f"{pid}:{name}"


def version_identifier(dataset: str, version: str, pid: str | None = None) -> str:
    separator = "." if (pid or os.environ.get(PID_ENV) or "").startswith("doi:") else ":"
    return f"{dataset_identifier(dataset, pid)}{separator}{_SAFE.sub('-', version)}"


def resolver_url(identifier: str) -> str | None:
    """Where an identifier resolves (doi.org, the Swedish URN:NBN resolver), or None."""
    if identifier.startswith("10."):
        return DOI_RESOLVER + identifier
    if identifier.startswith("urn:nbn:"):
        return URN_RESOLVER + quote(identifier, safe=":")
    return None
