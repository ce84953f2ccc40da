"""The access database: its tables and how to open it (SQLite default, any SQLAlchemy URL)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
)

from pipelines.config import Settings

URL_ENV = "SAMVERKAN_ACCESS_DB_URL"

metadata = MetaData()

projects = Table(
    "access_projects",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("title", String(300), nullable=False, default=""),
    Column("approved", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True)),
)

grants = Table(
    "access_grants",
    metadata,
    Column("project", String(64), ForeignKey("access_projects.name"), primary_key=True),
    Column("dataset", String(64), primary_key=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

tokens = Table(
    "access_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("project", String(64), ForeignKey("access_projects.name"), nullable=False),
    Column("researcher", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

audit = Table(
    "access_audit",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("token_id", String(16)),
    Column("project", String(64)),
    Column("tier", String(80), nullable=False),
    Column("dataset", String(64)),
    Column("version", String(64)),
    Column("file", String(300)),
    Column("bytes", BigInteger, nullable=False, default=0),
    Column("status", Integer, nullable=False),
    Column("outcome", String(40), nullable=False),
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def default_url(settings: Settings | None = None) -> str:
    """``SAMVERKAN_ACCESS_DB_URL``, else ``<data dir>/access/access.sqlite`` (never published)."""
    url = os.environ.get(URL_ENV)
    if url:
        return url
    data_dir = (settings or Settings.from_env()).data_dir
    return f"sqlite:///{(data_dir / 'access' / 'access.sqlite').resolve()}"


def open_access_db(url: str | None = None) -> Engine:
    """An engine on the access database, with its tables created when missing."""
    url = url or default_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # type: ignore[no-untyped-def]
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine
