"""Where things live: the embedded defaults and their environment overrides.

The defaults need nothing installed (local folders, SQLite); production points the same
settings at Postgres and object storage through environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "SAMVERKAN_"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Locations of the source systems, the raw zone and the release store."""

    data_dir: Path = Path("data")
    sources_dir: Path = field(default=Path("data/sources"))
    raw_dir: Path = field(default=Path("data/raw"))
    release_dir: Path = field(default=Path("data/releases"))
    source_db_url: str = "sqlite:///data/sources/verksamhet.sqlite"
    kolada_url: str | None = None  # None: read the Kolada pages from files in sources_dir
    expectations_dir: Path = REPO_ROOT / "expectations"

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> Settings:
        """Settings from ``SAMVERKAN_*`` variables, falling back to folders under data_dir."""
        base = Path(data_dir or _env("DATA_DIR", "data"))
        sources = Path(_env("SOURCES_DIR", str(base / "sources")))
        return cls(
            data_dir=base,
            sources_dir=sources,
            raw_dir=Path(_env("RAW_DIR", str(base / "raw"))),
            release_dir=Path(_env("RELEASE_DIR", str(base / "releases"))),
            source_db_url=_env("SOURCE_DB_URL", f"sqlite:///{sources / 'verksamhet.sqlite'}"),
            kolada_url=_env("KOLADA_URL"),
            expectations_dir=Path(_env("EXPECTATIONS_DIR", str(REPO_ROOT / "expectations"))),
        )

    def planted_identifiers_path(self) -> Path:
        """The generator's side file of every identifier it planted (raw zone only)."""
        return self.raw_dir / "_synth" / "planted_identifiers.jsonl"
