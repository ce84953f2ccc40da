"""Research projects and their grants on datasets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, and_, insert, select, update

from pipelines.access.db import grants, now, projects
from pipelines.errors import SamverkanError

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Project:
    name: str
    title: str
    approved: bool
    datasets: tuple[str, ...]


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise SamverkanError(
            "a project name is lower-case letters, digits, _ and -, "
            "starting with a letter (at most 64)"
        )
    return name


def create_project(engine: Engine, name: str, title: str = "", approved: bool = True) -> None:
    check_name(name)
    with engine.begin() as conn:
        if conn.execute(select(projects.c.name).where(projects.c.name == name)).first():
            raise SamverkanError(f"project {name} exists already")
        stamp = now()
        conn.execute(
            insert(projects).values(
                name=name,
                title=title,
                approved=approved,
                created_at=stamp,
                approved_at=stamp if approved else None,
            )
        )


def set_approved(engine: Engine, name: str, approved: bool) -> None:
    with engine.begin() as conn:
        result = conn.execute(
            update(projects)
            .where(projects.c.name == name)
            .values(approved=approved, approved_at=now() if approved else None)
        )
        if result.rowcount == 0:
            raise SamverkanError(f"no project {name}")


def project_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(select(projects.c.name).where(projects.c.name == name)).first() is not None
        )


def grant(engine: Engine, project: str, dataset: str) -> None:
    """Let ``project`` download ``dataset`` (again, if a grant was revoked)."""
    if not project_exists(engine, project):
        raise SamverkanError(f"no project {project}; create it first")
    with engine.begin() as conn:
        key = and_(grants.c.project == project, grants.c.dataset == dataset)
        if conn.execute(select(grants.c.project).where(key)).first():
            conn.execute(update(grants).where(key).values(granted_at=now(), revoked_at=None))
        else:
            conn.execute(insert(grants).values(project=project, dataset=dataset, granted_at=now()))


def revoke_grant(engine: Engine, project: str, dataset: str) -> None:
    with engine.begin() as conn:
        result = conn.execute(
            update(grants)
            .where(
                and_(
                    grants.c.project == project,
                    grants.c.dataset == dataset,
                    grants.c.revoked_at.is_(None),
                )
            )
            .values(revoked_at=now())
        )
        if result.rowcount == 0:
            raise SamverkanError(f"project {project} holds no grant on {dataset}")


def has_grant(engine: Engine, project: str, dataset: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(grants.c.project).where(
                    and_(
                        grants.c.project == project,
                        grants.c.dataset == dataset,
                        grants.c.revoked_at.is_(None),
                    )
                )
            ).first()
            is not None
        )


def granted_datasets(engine: Engine, project: str) -> set[str]:
    """The datasets ``project`` holds a live grant on."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(grants.c.dataset).where(
                and_(grants.c.project == project, grants.c.revoked_at.is_(None))
            )
        ).all()
    return {r.dataset for r in rows}


def list_projects(engine: Engine) -> list[Project]:
    with engine.connect() as conn:
        rows = conn.execute(select(projects).order_by(projects.c.name)).all()
        active = conn.execute(
            select(grants.c.project, grants.c.dataset)
            .where(grants.c.revoked_at.is_(None))
            .order_by(grants.c.dataset)
        ).all()
    return [
        Project(
            r.name,
            r.title,
            bool(r.approved),
            tuple(g.dataset for g in active if g.project == r.name),
        )
        for r in rows
    ]


def get_project(engine: Engine, name: str) -> Project | None:
    return next((p for p in list_projects(engine) if p.name == name), None)
