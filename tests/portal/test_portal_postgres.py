"""The access database on PostgreSQL (``SAMVERKAN_TEST_POSTGRES_URL``): same behaviour as SQLite."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

from pipelines.access import audit, projects, tokens
from pipelines.access.db import audit as audit_table
from pipelines.access.db import grants, open_access_db
from pipelines.access.db import projects as project_table
from pipelines.access.db import tokens as token_table
from pipelines.access.decide import authorise


@pytest.mark.postgres
def test_access_database_on_postgres(postgres_url: str) -> None:
    engine = open_access_db(postgres_url)
    name = f"pg-{uuid.uuid4().hex[:8]}"
    try:
        projects.create_project(engine, name, "PostgreSQL test")
        projects.grant(engine, name, "hemtjanst")
        issued = tokens.issue(engine, name, "Pat Forskare", days=7)
        header = f"Bearer {issued.token}"
        assert authorise(engine, header, name, "hemtjanst").allowed
        assert authorise(engine, header, name, "bygglov").outcome == "no_grant"
        tokens.revoke(engine, issued.id)
        assert authorise(engine, header, name, "hemtjanst").outcome == "revoked_token"
        audit.record(
            engine,
            audit.attempt(
                tier=f"project/{name}",
                dataset="hemtjanst",
                version="v1",
                file="data/part-00000.parquet",
                status=200,
                outcome="granted",
                token_id=issued.id,
                project=name,
                nbytes=1234,
            ),
        )
        [entry] = audit.entries(engine, project=name)
        assert (entry.bytes, entry.outcome, entry.token_id) == (1234, "granted", issued.id)
        assert entry.at.tzinfo is not None
    finally:
        with engine.begin() as conn:
            conn.execute(delete(audit_table).where(audit_table.c.project == name))
            conn.execute(delete(token_table).where(token_table.c.project == name))
            conn.execute(delete(grants).where(grants.c.project == name))
            conn.execute(delete(project_table).where(project_table.c.name == name))
        engine.dispose()
