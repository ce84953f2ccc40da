"""``samverkan withdraw``: mark a published version withdrawn, with the reason shown to all."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.config import Settings
from pipelines.metadata.versions import withdraw


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "withdraw",
        help="withdraw a published version (e.g. after an erasure request)",
        description="Mark DATASET VERSION withdrawn: the snapshot stays untouched (and "
        "`samverkan verify` happy), a marker beside it records the reason, LATEST moves to "
        "the newest version not withdrawn, the portal shows the reason and answers 410 to "
        "downloads. A rerun with corrected data publishes a new version.",
    )
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--reason", required=True, help="why (shown publicly; no personal data)")
    p.add_argument(
        "--project",
        default=None,
        help="withdraw a project-tier release of this project instead of the open tier",
    )
    p.add_argument(
        "--store",
        default=None,
        help="release store folder (default: data/releases or SAMVERKAN_RELEASE_DIR)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pipelines.cli.run import check_version

    check_version(args.version)
    store = Path(args.store) if args.store else Settings.from_env().release_dir
    tier = f"project/{args.project}" if args.project else "open"
    marker = withdraw(store, tier, args.dataset, args.version, args.reason)
    latest = store / tier / args.dataset / "LATEST"
    now_latest = latest.read_text(encoding="utf-8").strip() if latest.exists() else "none"
    print(
        f"{tier}/{args.dataset}/{args.version}: withdrawn ({marker.name}); "
        f"latest is now {now_latest}"
    )
    return 0
