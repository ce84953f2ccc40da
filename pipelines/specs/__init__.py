"""Load and validate dataset specs (``pipelines/specs/<dataset>.yaml``)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from pipelines.errors import SpecError
from pipelines.specs.model import Column, DatasetSpec

SPEC_DIR = Path(__file__).parent

__all__ = ["SPEC_DIR", "Column", "DatasetSpec", "dataset_names", "load_all_specs", "load_spec"]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
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
        raise SpecError(f"invalid spec: {_describe(exc)}", file=str(path)) from None
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
