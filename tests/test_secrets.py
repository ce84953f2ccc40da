"""pipelines.secrets: nothing starts on .env.example's placeholder secrets."""

from __future__ import annotations


def test_the_compose_init_step_refuses_every_example_placeholder() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    example = dict(
        line.split("=", 1)
        for line in (repo / ".env.example").read_text().splitlines()
        if line and not line.startswith("#") and "=" in line
    )
    base = {k: v for k, v in os.environ.items() if "change" not in v.lower()}
    env = base | example | {"PYTHONPATH": str(repo)}
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.secrets"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 2
    for name in ("AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_DB_PASSWORD", "SAMVERKAN_S3_SECRET_KEY"):
        assert name in out.stderr
    assert "change-me" not in out.stderr
    clean = {k: v for k, v in env.items() if "change" not in v.lower()}
    assert subprocess.run([sys.executable, "-m", "pipelines.secrets"], env=clean).returncode == 0
