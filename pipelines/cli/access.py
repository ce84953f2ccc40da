"""Admin commands for project-tier access: ``project``, ``grant``, ``token``, ``audit``.

Projects must exist and be approved; a grant lets a project download one dataset; a token
is printed once and stored only as a hash; ``audit`` prints every download attempt.
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import Engine

from pipelines.access import audit, projects, tokens
from pipelines.access.db import open_access_db
from pipelines.errors import SamverkanError


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--access-db",
        default=None,
        help="access database URL (default: "
        "SAMVERKAN_ACCESS_DB_URL, else SQLite under the data folder)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("project", help="create, approve and list research projects")
    ps = p.add_subparsers(metavar="ACTION", required=True)
    c = ps.add_parser("create", help="register a research project (approved unless --pending)")
    c.add_argument("name", metavar="NAME", help="lower-case name, e.g. sh-hemtjanst-2026")
    c.add_argument("--title", default="", help="the project's title")
    c.add_argument("--pending", action="store_true", help="create it not yet approved")
    c.set_defaults(handler=_project_create)
    a = ps.add_parser("approve", help="approve a pending project")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--revoke", action="store_true", help="withdraw the approval instead")
    a.set_defaults(handler=_project_approve)
    ls = ps.add_parser("list", help="projects, approval and granted datasets")
    ls.set_defaults(handler=_project_list)
    for q in (c, a, ls):
        _db_option(q)

    g = sub.add_parser("grant", help="let a project download a dataset's project-tier releases")
    g.add_argument("project", metavar="PROJECT")
    g.add_argument("dataset", metavar="DATASET")
    g.add_argument("--revoke", action="store_true", help="take the grant back")
    _db_option(g)
    g.set_defaults(handler=_grant)

    t = sub.add_parser("token", help="issue, revoke and list researcher tokens")
    ts = t.add_subparsers(metavar="ACTION", required=True)
    i = ts.add_parser("issue", help="issue a bearer token (printed once, stored hashed)")
    i.add_argument("project", metavar="PROJECT")
    i.add_argument("--researcher", required=True, help="who holds the token")
    i.add_argument("--days", type=int, default=90, help="days until it expires (default 90)")
    i.set_defaults(handler=_token_issue)
    r = ts.add_parser("revoke", help="revoke a token by its id")
    r.add_argument("token_id", metavar="TOKEN_ID")
    r.set_defaults(handler=_token_revoke)
    tl = ts.add_parser("list", help="tokens (ids, holders, expiry; never the secret)")
    tl.add_argument("--project", default=None)
    tl.set_defaults(handler=_token_list)
    for q in (i, r, tl):
        _db_option(q)

    au = sub.add_parser("audit", help="print the download audit log")
    au.add_argument("--limit", type=int, default=None, help="only the newest N entries")
    au.add_argument("--project", default=None)
    au.add_argument("--dataset", default=None)
    au.add_argument("--json", action="store_true", help="one JSON object per line")
    _db_option(au)
    au.set_defaults(handler=_audit)


def _db(args: argparse.Namespace) -> Engine:
    return open_access_db(args.access_db)


def _project_create(args: argparse.Namespace) -> int:
    projects.create_project(_db(args), args.name, args.title, approved=not args.pending)
    print(f"project {args.name} created ({'pending' if args.pending else 'approved'})")
    return 0


def _project_approve(args: argparse.Namespace) -> int:
    projects.set_approved(_db(args), args.name, not args.revoke)
    print(f"project {args.name} {'no longer approved' if args.revoke else 'approved'}")
    return 0


def _project_list(args: argparse.Namespace) -> int:
    for p in projects.list_projects(_db(args)):
        state = "approved" if p.approved else "pending"
        print(f"{p.name}\t{state}\t{','.join(p.datasets) or '-'}\t{p.title}")
    return 0


def _grant(args: argparse.Namespace) -> int:
    from pipelines.specs import dataset_names

    if args.dataset not in dataset_names():
        raise SamverkanError(f"no spec for dataset {args.dataset}")
    if args.revoke:
        projects.revoke_grant(_db(args), args.project, args.dataset)
        print(f"project {args.project}: grant on {args.dataset} revoked")
    else:
        projects.grant(_db(args), args.project, args.dataset)
        print(f"project {args.project}: granted {args.dataset}")
    return 0


def _token_issue(args: argparse.Namespace) -> int:
    issued = tokens.issue(_db(args), args.project, args.researcher, args.days)
    print(
        f"token id {issued.id} for {issued.researcher} in {issued.project}, expires "
        f"{issued.expires_at.isoformat(timespec='seconds')}; the token below is shown only "
        "this once, hand it over securely",
        file=sys.stderr,
    )
    print(issued.token)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    tokens.revoke(_db(args), args.token_id)
    print(f"token {args.token_id} revoked")
    return 0


def _token_list(args: argparse.Namespace) -> int:
    from pipelines.access.db import now

    for t in tokens.list_tokens(_db(args), args.project):
        state = "revoked" if t.revoked_at else "expired" if t.expires_at <= now() else "active"
        print(
            f"{t.id}\t{t.project}\t{t.researcher}\texpires "
            f"{t.expires_at.isoformat(timespec='seconds')}\t{state}"
        )
    return 0


def _audit(args: argparse.Namespace) -> int:
    rows = audit.entries(_db(args), limit=args.limit, project=args.project, dataset=args.dataset)
    for e in rows:
        if args.json:
            print(json.dumps(e.__dict__ | {"at": e.at.isoformat()}, ensure_ascii=False))
        else:
            print(
                "\t".join(
                    audit.printable(str(x if x is not None else "-")) or "-"
                    for x in (
                        e.at.isoformat(timespec="seconds"),
                        e.token_id,
                        e.project or e.tier,
                        e.dataset,
                        e.version,
                        e.file,
                        e.bytes,
                        e.status,
                        e.outcome,
                    )
                )
            )
    if not args.json:
        print(f"{len(rows)} entries")
    return 0
