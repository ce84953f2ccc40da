"""Read an expectation suite file (GX 1.x ExpectationSuite JSON) into checked plain dicts.

The file is ``{"name": ..., "expectations": [{"type", "kwargs", "meta"}, ...]}``. Shape
problems become a ``SpecError`` naming the file; GX itself checks each expectation when the
runner builds it (see ``runner.build_expectation``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.errors import SpecError

ALLOWED_KEYS = {"type", "kwargs", "meta", "notes", "id", "rendered_content"}  # id etc. ignored


def suite_path(expectations_dir: Path, suite_name: str) -> Path:
    return Path(expectations_dir) / f"{suite_name}.json"


def load_suite(path: Path, suite_name: str) -> list[dict[str, Any]]:
    """The expectations of the suite at ``path``; SpecError if missing, unreadable or odd."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"expectation suite {suite_name} not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError):
        raise SpecError(f"expectation suite {suite_name} is unreadable", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"expectation suite {suite_name} is not valid JSON", file=str(path), row=exc.lineno
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise SpecError("suite must be an object with a list of expectations", file=str(path))
    if data.get("name") != suite_name:
        raise SpecError(f"suite name does not match {suite_name}", file=str(path))
    expectations: list[dict[str, Any]] = []
    for number, item in enumerate(data["expectations"], start=1):
        where = f"expectation {number}"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise SpecError(f"{where} needs a type", file=str(path))
        if not isinstance(item.get("kwargs", {}), dict):
            raise SpecError(f"{where} ({item['type']}): kwargs must be an object", file=str(path))
        if not isinstance(item.get("meta", {}), dict):
            raise SpecError(f"{where} ({item['type']}): meta must be an object", file=str(path))
        unknown = set(item) - ALLOWED_KEYS
        if unknown:
            raise SpecError(
                f"{where} ({item['type']}): unknown keys {', '.join(sorted(unknown))}",
                file=str(path),
            )
        kept = {"type": item["type"], "kwargs": dict(item.get("kwargs", {}))}
        kept["meta"] = dict(item.get("meta", {}))
        if item.get("notes"):
            kept["notes"] = item["notes"]
        expectations.append(kept)
    return expectations
