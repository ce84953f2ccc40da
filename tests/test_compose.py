"""docker-compose.yml is internally consistent (no Docker engine runs here to start it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
ENV_EXAMPLE = {
    line.split("=", 1)[0]
    for line in (REPO / ".env.example").read_text().splitlines()
    if line and not line.startswith("#") and "=" in line
}


def test_every_service_has_an_image_or_build() -> None:
    for name, service in COMPOSE["services"].items():
        assert service.get("image") or service.get("build"), name


def test_volumes_and_networks_are_declared() -> None:
    volumes = set(COMPOSE.get("volumes") or {})
    networks = set(COMPOSE.get("networks") or {})
    for name, service in COMPOSE["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in volumes, f"{name} mounts undeclared volume {source}"
        for net in service.get("networks", []):
            assert net in networks, f"{name} uses undeclared network {net}"


def test_every_variable_is_documented_in_env_example() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)(?::-[^}]*)?\}", text))
    assert used, "compose uses no variables at all?"
    assert used <= ENV_EXAMPLE, f"undocumented: {sorted(used - ENV_EXAMPLE)}"


def test_airflow_services_share_one_configuration() -> None:
    airflow = {n: s for n, s in COMPOSE["services"].items() if n.startswith("airflow-")
               and n != "airflow-db"}
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-init"} <= set(airflow)
    conns = {s["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] for s in airflow.values()}
    images = {s["image"] for s in airflow.values()}
    assert len(conns) == 1 and len(images) == 1


def test_depends_on_names_existing_services_and_ports_do_not_clash() -> None:
    services = COMPOSE["services"]
    host_ports: list[str] = []
    for name, service in services.items():
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"
        host_ports += [p.rsplit(":", 1)[0] for p in service.get("ports", [])]
    assert len(host_ports) == len(set(host_ports))
