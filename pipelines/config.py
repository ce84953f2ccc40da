"""Where things live: the embedded defaults and their environment overrides.

The defaults need nothing installed (local folders, SQLite); production points the same
settings at Postgres and object storage through environment variables. The raw zone and
the release store may be ``s3://`` URLs (see ``pipelines.storage``); secrets (pseudonym
keys, source credentials) come from the environment or, inside Airflow tasks, from
Airflow connections and variables (``pipelines.orchestration``), and never show in a repr.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.storage import Storage, StorePath, open_storage, to_path

ENV_PREFIX = "SAMVERKAN_"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _batch_rows(text: str | None) -> int:
    """``SAMVERKAN_BATCH_ROWS``: a positive whole number (default 250000)."""
    if text is None:
        return Settings.batch_rows
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{ENV_PREFIX}BATCH_ROWS must be a positive whole number")
    return value


@dataclass(frozen=True)
class Settings:
    """Locations of the source systems, the raw zone and the release store."""

    data_dir: Path = Path("data")
    sources_dir: Path = field(default=Path("data/sources"))
    raw_dir: StorePath = field(default=Path("data/raw"))  # a folder or a UPath (s3://...)
    release_dir: StorePath = field(default=Path("data/releases"))  # likewise
    source_db_url: str = field(default="sqlite:///data/sources/verksamhet.sqlite", repr=False)
    kolada_url: str | None = None  # None: read the Kolada pages from files in sources_dir
    expectations_dir: Path = REPO_ROOT / "expectations"
    # local scratch for a run's files when the raw zone is an object store
    work_dir: Path = field(default=Path("data/work"))
    s3_endpoint_url: str | None = None
    # extra fsspec options (e.g. credentials from an Airflow connection)
    storage_options: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # pseudonym keys by their environment names (SAMVERKAN_PSEUDONYM_KEY[_<PROJECT>],
    # ..._KEY_ID[...]) from a secrets source; they take precedence over the environment
    pseudonym_keys: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    alert_webhook: str | None = field(default=None, repr=False)
    alert_email: str | None = None
    # records per batch when a stage streams a table: memory per stage grows with this,
    # not with the size of the dataset
    batch_rows: int = 250_000

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> Settings:
        """Settings from ``SAMVERKAN_*`` variables, falling back to folders under data_dir."""
        base = Path(data_dir or _env("DATA_DIR", "data"))
        sources = Path(_env("SOURCES_DIR", str(base / "sources")))
        endpoint = _env("S3_ENDPOINT_URL")
        options = {"endpoint_url": endpoint} if endpoint else {}
        return cls(
            data_dir=base,
            sources_dir=sources,
            raw_dir=to_path(_env("RAW_DIR", str(base / "raw")), options),
            release_dir=to_path(_env("RELEASE_DIR", str(base / "releases")), options),
            source_db_url=_env("SOURCE_DB_URL", f"sqlite:///{sources / 'verksamhet.sqlite'}"),
            kolada_url=_env("KOLADA_URL"),
            expectations_dir=Path(_env("EXPECTATIONS_DIR", str(REPO_ROOT / "expectations"))),
            work_dir=Path(_env("WORK_DIR", str(base / "work"))),
            s3_endpoint_url=endpoint,
            alert_webhook=_env("ALERT_WEBHOOK"),
            alert_email=_env("ALERT_EMAIL"),
            batch_rows=_batch_rows(_env("BATCH_ROWS")),
        )

    def planted_identifiers_path(self) -> StorePath:
        """The generator's side file of every identifier it planted (raw zone only)."""
        return self.raw_dir / "_synth" / "planted_identifiers.jsonl"

    @property
    def raw_is_local(self) -> bool:
        return isinstance(self.raw_dir, Path)

    def release_store(self) -> Storage:
        return open_storage(self.release_dir)

    def raw_store(self) -> Storage:
        return open_storage(self.raw_dir)

    def with_storage_options(self, options: Mapping[str, Any]) -> Settings:
        """The same locations, object stores opened with ``options`` (e.g. credentials)."""
        merged = dict(self.storage_options) | dict(options)
        if self.s3_endpoint_url:
            merged.setdefault("endpoint_url", self.s3_endpoint_url)

        def reopen(location: StorePath) -> StorePath:
            return location if isinstance(location, Path) else to_path(str(location), merged)

        return dataclasses.replace(
            self,
            raw_dir=reopen(self.raw_dir),
            release_dir=reopen(self.release_dir),
            storage_options=merged,
        )

    def pseudonym_environ(self) -> Mapping[str, str]:
        """Where ``load_key`` looks: the environment, overridden by ``pseudonym_keys``."""
        return {**os.environ, **self.pseudonym_keys}
