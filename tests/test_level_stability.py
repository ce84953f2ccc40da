"""A dataset's generalisation levels stay as the previous version released them."""

from __future__ import annotations

import json
import shutil

from pipelines.config import Settings
from pipelines.run import RunContext, run_dataset
from pipelines.specs import load_spec
from tests.conftest import make_settings


def test_the_next_version_keeps_the_levels_of_the_previous_one(
    generated_sources: Settings, tmp_path
) -> None:
    base = tmp_path / "data"
    shutil.copytree(generated_sources.data_dir, base)
    settings = make_settings(base)
    spec = load_spec("hemtjanst")
    first = RunContext(spec=spec, settings=settings, run_id="v1", version="2026-01-31")
    assert run_dataset(first).ok
    levels = json.loads((first.work_dir / "anonymise.json").read_text())["transformation"]
    assert (
        json.loads((first.work_dir / "anonymise.json").read_text())[
            "levels_kept_from_previous_version"
        ]
        == {}
    )

    second = RunContext(spec=spec, settings=settings, run_id="v2", version="2026-02-28")
    result = run_dataset(second)
    assert result.ok, result.error
    report = json.loads((second.work_dir / "anonymise.json").read_text())
    auto = {c.name for c in spec.columns if c.level == "auto"}
    assert report["levels_kept_from_previous_version"] == {
        name: level for name, level in levels.items() if name in auto
    }
    assert report["transformation"] == levels
    changelog = json.loads(
        (settings.release_dir / "open" / "hemtjanst" / "2026-02-28" / "changelog.json").read_text()
    )
    assert changelog.get("generalisation_changed", []) == []
