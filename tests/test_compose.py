"""docker-compose.yml is internally consistent (no Docker engine runs here to start it).

The file is read as YAML twice: raw (to see which ``${VARIABLES}`` it uses) and after the
interpolation docker compose does with ``.env.example``'s values (to check ports, URLs and
JSON the services will really get).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from pipelines.orchestration import KEY_VARIABLE, OBJECT_STORE_CONN_ID, SOURCE_CONN_ID

REPO = Path(__file__).resolve().parent.parent
TEXT = (REPO / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(TEXT)
ENV_EXAMPLE = dict(
    line.split("=", 1)
    for line in (REPO / ".env.example").read_text().splitlines()
    if line and not line.startswith("#") and "=" in line
)
VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)(?::?-([^}]*))?\}")
COMPOSE_OWN = {"COMPOSE_PROFILES"}  # read by docker compose itself, not by the file
PROFILES = {"celery"}
AIRFLOW_COMMANDS = {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}


def interpolate(text: str, env: dict[str, str]) -> str:
    """What docker compose does with ``${VAR}``, ``${VAR:-default}`` and ``$$``."""
    text = text.replace("$$", "\x00")
    text = VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), text)
    return text.replace("\x00", "$")


RESOLVED = yaml.safe_load(interpolate(TEXT, ENV_EXAMPLE))
SERVICES: dict[str, dict[str, Any]] = RESOLVED["services"]


def _airflow_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in SERVICES.items() if str(s.get("command")) in AIRFLOW_COMMANDS}


def test_every_service_has_a_pinned_image_or_a_build() -> None:
    for name, service in COMPOSE["services"].items():
        assert service.get("image") or service.get("build"), name
        image = service.get("image", "")
        if image and not service.get("build"):
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image}"


def test_dockerfile_builds_on_the_pinned_airflow_image() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    base = re.search(r"^FROM apache/airflow:(\S+)-python3\.11$", dockerfile, re.M)
    assert base, "the image must build on the official Airflow image for Python 3.11"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    airflow_pin = pyproject["project"]["optional-dependencies"]["airflow"][0]
    assert airflow_pin == f"apache-airflow=={base.group(1)}"
    assert base.group(1).startswith("3.3.")
    assert "s3fs==" in dockerfile  # the release store lives in MinIO


def test_volumes_and_networks_are_declared_and_everyone_shares_the_network() -> None:
    volumes = set(COMPOSE.get("volumes") or {})
    networks = set(COMPOSE.get("networks") or {})
    used: set[str] = set()
    for name, service in SERVICES.items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in volumes, f"{name} mounts undeclared volume {source}"
                used.add(source)
        assert service.get("networks"), f"{name} would sit alone on the default network"
        for net in service["networks"]:
            assert net in networks, f"{name} uses undeclared network {net}"
    assert used == volumes, f"declared but unused volumes: {sorted(volumes - used)}"


def test_every_variable_is_documented_in_env_example_and_every_documented_one_used() -> None:
    used = {m.group(1) for m in VARIABLE.finditer(TEXT.replace("$$", ""))}
    assert used, "compose uses no variables at all?"
    assert used <= set(ENV_EXAMPLE), f"undocumented: {sorted(used - set(ENV_EXAMPLE))}"
    unused = set(ENV_EXAMPLE) - used - COMPOSE_OWN
    assert not unused, f".env.example documents unused variables: {sorted(unused)}"


def test_no_secret_is_written_into_the_file() -> None:
    for name, service in COMPOSE["services"].items():
        for key, value in (service.get("environment") or {}).items():
            secret = re.search(r"PASSWORD|SECRET|FERNET|_KEY$|AIRFLOW_CONN_|AIRFLOW_VAR_", key)
            if secret and not key.endswith("_FILE"):
                assert "${" in str(value) or value in ("", None), f"{name}: {key} is inline"


def test_airflow_services_share_one_configuration() -> None:
    airflow = _airflow_services()
    assert set(airflow) == {
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    }
    airflow["airflow-init"] = SERVICES["airflow-init"]
    shared = ("image", "build", "volumes", "networks")
    for key in shared:
        values = {json.dumps(s.get(key), sort_keys=True) for s in airflow.values()}
        assert len(values) == 1, f"Airflow services differ in {key}"

    def config(service: dict[str, Any]) -> dict[str, str]:
        return {
            k: v
            for k, v in service["environment"].items()
            if k.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "SAMVERKAN_"))
        }

    configs = {json.dumps(config(s), sort_keys=True) for s in airflow.values()}
    assert len(configs) == 1, "Airflow services differ in their AIRFLOW_*/SAMVERKAN_* settings"
    env = next(iter(airflow.values()))["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == ENV_EXAMPLE["AIRFLOW_EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
    assert "@airflow-db:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")


def test_tasks_get_their_secrets_as_airflow_connections_and_variables() -> None:
    env = SERVICES["airflow-scheduler"]["environment"]
    source = env[f"AIRFLOW_CONN_{SOURCE_CONN_ID.upper()}"]
    assert source.startswith("postgresql://") and "@source-db:5432/" in source
    store = json.loads(env[f"AIRFLOW_CONN_{OBJECT_STORE_CONN_ID.upper()}"])
    assert store["conn_type"] == "aws" and store["extra"]["endpoint_url"] == "http://minio:9000"
    assert store["login"] == ENV_EXAMPLE["SAMVERKAN_S3_ACCESS_KEY"]
    assert f"AIRFLOW_VAR_{KEY_VARIABLE.upper()}" in env
    assert env["SAMVERKAN_RELEASE_DIR"] == f"s3://{ENV_EXAMPLE['MINIO_BUCKET']}/releases"
    assert "SAMVERKAN_SOURCE_DB_URL" not in env  # only through the connection
    portal = SERVICES["portal"]["environment"]
    assert not any(k.startswith("AIRFLOW") for k in portal), "the portal needs no Airflow secret"


def test_depends_on_names_existing_services_with_the_right_conditions() -> None:
    for name, service in SERVICES.items():
        for dep, how in (service.get("depends_on") or {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            condition = how["condition"]
            if condition == "service_healthy":
                assert SERVICES[dep].get("healthcheck"), f"{name} waits for {dep}'s health"
            elif condition == "service_completed_successfully":
                assert SERVICES[dep].get("restart") == "no", f"{dep} is a one-shot job"


def test_long_running_services_have_health_checks_and_one_shot_jobs_do_not_restart() -> None:
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            assert "healthcheck" not in service, name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
            assert service.get("restart") == "always", name


def test_host_ports_do_not_clash() -> None:
    host_ports: list[str] = []
    for service in SERVICES.values():
        host_ports += [str(p).rsplit(":", 1)[0] for p in service.get("ports", [])]
    assert host_ports and all(p.isdigit() for p in host_ports), host_ports
    assert len(host_ports) == len(set(host_ports)), host_ports


def test_profiles_are_valid_and_the_default_stack_stands_without_them() -> None:
    profiled = {n for n, s in SERVICES.items() if s.get("profiles")}
    assert profiled == {"redis", "airflow-worker"}
    for name in profiled:
        assert set(SERVICES[name]["profiles"]) <= PROFILES, name
    for name, service in SERVICES.items():
        if name in profiled:
            continue
        missing = set(service.get("depends_on") or {}) & profiled
        assert not missing, f"{name} (always on) depends on profile-only {missing}"
    worker = SERVICES["airflow-worker"]
    assert worker["command"] == "celery worker"
    assert "redis" in worker["depends_on"]
    celery = {**SERVICES["airflow-scheduler"]["environment"]}
    assert celery["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert "@redis:6379" in celery["AIRFLOW__CELERY__BROKER_URL"]
    assert "${AIRFLOW_EXECUTOR:-LocalExecutor}" in TEXT


def test_the_stack_has_every_part_the_design_names() -> None:
    assert {
        "airflow-db",
        "source-db",
        "source-seed",
        "minio",
        "minio-init",
        "airflow-init",
        "portal",
    } <= set(SERVICES)
    assert "samverkan generate" in SERVICES["source-seed"]["command"][1]
    assert "--db-url" in SERVICES["source-seed"]["command"][1]
    assert "airflow db migrate" in SERVICES["airflow-init"]["command"][1]
    assert SERVICES["airflow-init"]["command"][1].startswith("python -m pipelines.secrets &&")
    assert SERVICES["portal"]["command"] == ["serve", "--host", "0.0.0.0", "--port", "8000"]
    assert SERVICES["portal"]["entrypoint"] == ["samverkan"]
    assert 'mc mb --ignore-existing "local/${MINIO_BUCKET}"' in SERVICES["minio-init"]["command"][1]


def test_a_tls_proxy_is_the_only_way_in_to_the_portal_and_airflow() -> None:
    proxy = SERVICES["proxy"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", proxy["image"])
    assert not SERVICES["portal"].get("ports") and not SERVICES["airflow-apiserver"].get("ports")
    assert {p.split(":", 1)[1] for p in proxy["ports"]} == {"8080", "8443", "9443"}
    mounts = {v.split(":")[1] for v in proxy["volumes"]}
    assert mounts == {"/etc/nginx/nginx.conf", "/etc/nginx/certs"}
    assert SERVICES["portal"]["environment"]["SAMVERKAN_PORTAL_URL"].startswith("https://")
    conf = (REPO / "deploy" / "proxy" / "nginx.conf").read_text()
    for needed in (
        "listen 8443 ssl",
        "listen 9443 ssl",
        "proxy_pass http://portal:8000",
        "proxy_pass http://airflow-apiserver:8080",
        "ssl_certificate /etc/nginx/certs/fullchain.pem",
        "ssl_certificate_key /etc/nginx/certs/privkey.pem",
        "return 301 https://",
        "client_header_timeout 10s",
        "X-Forwarded-For $remote_addr",
    ):
        assert needed in conf, needed
    assert "TLSv1 " not in conf and "TLSv1.1" not in conf
    assert "deploy/proxy/certs/*.pem" in (REPO / ".gitignore").read_text()
