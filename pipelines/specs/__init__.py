"""Load and validate dataset specs (``pipelines/specs/<dataset>.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.errors import SpecError
from pipelines.specs.model import Column, DatasetSpec

SPEC_DIR = Path(__file__).parent

__all__ = ["SPEC_DIR", "Column", "DatasetSpec", "dataset_names", "load_all_specs", "load_spec"]


def _field(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """A field's place, a column named by its name: ``columns[Beviljade timmar].type``."""
    parts: list[str] = []
    node: Any = data
    for key in loc:
        named = isinstance(key, int) and isinstance(node, list) and key < len(node)
        item = node[key] if named else node.get(key) if isinstance(node, dict) else None
        name = item.get("name") if named and isinstance(item, dict) else None
        if isinstance(key, int):
            label = f"[{name}]" if isinstance(name, str) and name else f"[{key + 1}]"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
        node = item
    return "".join(parts) or "(top level)"


def _describe(error: ValidationError, data: dict[str, Any]) -> str:
    first = error.errors()[0]
    where = _field(tuple(first["loc"]), data)
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def load_spec_file(path: Path) -> DatasetSpec:
    """Read one spec file; a problem becomes a SpecError naming the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError("spec file not found", file=str(path)) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise SpecError(
            "spec is not valid YAML", file=str(path), row=None if line is None else line + 1
        ) from None
    if not isinstance(data, dict):
        raise SpecError("spec must be a mapping of fields", file=str(path))
    try:
        spec = DatasetSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"invalid spec: {_describe(exc, data)}", file=str(path)) from None
    if spec.name != path.stem:
        raise SpecError(f"spec name {spec.name} does not match its file name", file=str(path))
    return spec


def dataset_names(spec_dir: Path = SPEC_DIR) -> list[str]:
    return sorted(p.stem for p in spec_dir.glob("*.yaml"))


def load_spec(name: str, spec_dir: Path = SPEC_DIR) -> DatasetSpec:
    path = spec_dir / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(dataset_names(spec_dir)) or "none"
        raise SpecError(f"no spec for dataset {name} (known: {known})")
    return load_spec_file(path)


def load_all_specs(spec_dir: Path = SPEC_DIR) -> list[DatasetSpec]:
    return [load_spec_file(spec_dir / f"{n}.yaml") for n in dataset_names(spec_dir)]
