"""``samverkan run``: each dataset fails alone, -q after the command, projects and versions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.cli.main import build_parser, main


def test_quiet_is_accepted_after_the_command() -> None:
    args = build_parser().parse_args(["run", "-q", "--all"])
    assert args.quiet is True and args.all is True
    assert build_parser().parse_args(["-q", "verify"]).quiet is True
    assert build_parser().parse_args(["token", "list", "-q"]).quiet is True


def test_a_bad_spec_fails_its_dataset_and_the_others_still_run(
    sources, monkeypatch, tmp_path: Path, capsys
) -> None:
    import pipelines.cli.run as cli_run
    import pipelines.specs as specs

    spec_dir = tmp_path / "specs"
    shutil.copytree(specs.SPEC_DIR, spec_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (spec_dir / "aaa_broken.yaml").write_text("name: aaa_broken\ncolumns: []\n", encoding="utf-8")
    for name in [p.stem for p in spec_dir.glob("*.yaml")]:
        if name not in ("aaa_broken", "kolada"):
            (spec_dir / f"{name}.yaml").unlink()
    monkeypatch.setattr(cli_run, "dataset_names", lambda: ["aaa_broken", "kolada"])
    real_load = specs.load_spec
    monkeypatch.setattr(cli_run, "load_spec", lambda n: real_load(n, spec_dir))
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(sources.data_dir))
    code = main(["run", "--all", "--version", "2026-05-31", "-q"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    assert out[0].startswith("aaa_broken: FAILED: ") and "file " in out[0]
    assert out[1].startswith("kolada: published 2026-05-31")
    assert out[2] == "1 of 2 datasets published or unchanged, 1 failed"


@pytest.mark.parametrize("version", ["../x", "a b", ".hidden", "x" * 65])
def test_version_names_are_checked(version: str, capsys) -> None:
    assert main(["run", "kolada", "--version", version]) == 2
    assert "a version is" in capsys.readouterr().err
    assert main(["withdraw", "kolada", version, "--reason", "r"]) == 2


def test_a_project_release_needs_a_registered_project(settings, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(settings.data_dir))
    assert main(["run", "kolada", "--project", "nosuch"]) == 2
    assert "samverkan project create nosuch" in capsys.readouterr().err
    assert not list(settings.data_dir.rglob("*key*"))
