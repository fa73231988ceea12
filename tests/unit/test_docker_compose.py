"""Static checks of docker-compose.yaml (there is no Docker engine to run it, so the file is parsed instead)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yaml"

EXPECTED_SERVICES = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
    "timescaledb-source",
    "timescaledb-target",
}
TIMESCALEDB_SERVICES = ("timescaledb-source", "timescaledb-target")
CONNECTION_VARS = {
    "AIRFLOW_CONN_MIGRATION_SOURCE": "timescaledb-source",
    "AIRFLOW_CONN_MIGRATION_TARGET": "timescaledb-target",
}
WORK_VOLUME = "migration-work"
WORK_DIR = "/opt/airflow/migration-work"
REQUIRED_BIND_MOUNTS = ("dags", "plugins", "include")

AIRFLOW_IMAGE = re.compile(r"^(docker\.io/)?apache/airflow:3\.3\.\d+(-python3\.\d+)?$")
TIMESCALEDB_IMAGE = re.compile(r"^(docker\.io/)?timescale/timescaledb:2\.19\.3-pg\d+$")
# ${VAR}, ${VAR:-default}, ${VAR-default}: compose interpolation, resolved the way compose would with VAR unset.
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


@cache
def load_compose() -> dict[str, Any]:
    """Parse docker-compose.yaml once (anchors and ``<<`` merge keys are resolved by PyYAML)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict[str, dict[str, Any]]:
    """Return the ``services`` mapping."""
    return load_compose()["services"]


def airflow_service_names() -> list[str]:
    """Return every service named ``airflow-*``."""
    return sorted(name for name in services() if name.startswith("airflow-"))


def with_defaults(value: str) -> str:
    """Resolve compose ``${VAR:-default}`` interpolation as if no variable were set."""
    return INTERPOLATION.sub(lambda match: match.group("default") or "", value)


def environment(service: str) -> dict[str, str]:
    """Return a service's environment as a mapping (compose also allows a ``KEY=VALUE`` list)."""
    env = services()[service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def mounts(service: str) -> list[tuple[str, str]]:
    """Return a service's volumes as ``(source, target)`` pairs, short or long syntax."""
    pairs = []
    for volume in services()[service].get("volumes", []):
        if isinstance(volume, dict):
            pairs.append((str(volume.get("source", "")), str(volume["target"])))
        else:
            source, target = with_defaults(volume).split(":")[:2]
            pairs.append((source, target))
    return pairs


def dockerfile_base_images(service: str) -> list[str]:
    """Return the ``FROM`` images of the Dockerfile a service builds from (empty if it does not build)."""
    build = services()[service].get("build")
    if build is None:
        return []
    if isinstance(build, str):
        build = {"context": build}
    context = PROJECT_ROOT / build.get("context", ".")
    dockerfile = context / build.get("dockerfile", "Dockerfile")
    lines = dockerfile.read_text().splitlines()
    return [line.split()[1] for line in lines if line.strip().upper().startswith("FROM ")]


def connection(var: str) -> dict[str, Any]:
    """Parse a connection env var (as the worker sees it) with compose defaults applied."""
    return json.loads(with_defaults(environment("airflow-worker")[var]))


def host_ports(service: str) -> list[str]:
    """Return the host ports a service publishes (short ``[IP:]HOST:CONTAINER`` or long syntax)."""
    published = []
    for port in services()[service].get("ports", []):
        if isinstance(port, dict):
            if "published" in port:
                published.append(str(port["published"]))
            continue
        parts = with_defaults(str(port)).split(":")
        if len(parts) >= 2:
            published.append(parts[-2])
    return published


def test_expected_services_are_defined() -> None:
    """All Airflow, broker, metadata and TimescaleDB services exist."""
    missing = EXPECTED_SERVICES - set(services())
    assert not missing, f"missing services: {sorted(missing)}"


@pytest.mark.parametrize("service", airflow_service_names())
def test_airflow_service_runs_airflow_3_3(service: str) -> None:
    """Each airflow-* service uses apache/airflow 3.3.x directly or builds FROM it."""
    image = with_defaults(services()[service].get("image", ""))
    bases = dockerfile_base_images(service)
    if bases:
        assert AIRFLOW_IMAGE.match(bases[-1]), f"{service} builds from {bases[-1]}"
    else:
        assert AIRFLOW_IMAGE.match(image), f"{service} uses image {image!r}"


@pytest.mark.parametrize("service", airflow_service_names())
def test_airflow_service_mounts_project_dirs(service: str) -> None:
    """Each airflow-* service bind-mounts dags, plugins and include under /opt/airflow."""
    targets = {target: source for source, target in mounts(service)}
    for name in REQUIRED_BIND_MOUNTS:
        assert f"/opt/airflow/{name}" in targets, f"{service} does not mount {name}"
        assert Path(targets[f"/opt/airflow/{name}"]).name == name


@pytest.mark.parametrize("service", airflow_service_names())
def test_airflow_service_mounts_shared_work_volume(service: str) -> None:
    """Each airflow-* service mounts the migration-work named volume at TSM_WORK_DIR."""
    assert (WORK_VOLUME, WORK_DIR) in mounts(service)
    assert environment(service).get("TSM_WORK_DIR") == WORK_DIR


def test_work_volume_is_declared_at_top_level() -> None:
    """migration-work is a top-level named volume (shared by all services), not a bind mount."""
    assert WORK_VOLUME in (load_compose().get("volumes") or {})


def test_dockerfile_installs_postgresql_client_17() -> None:
    """The custom Airflow image adds postgresql-client-17 from the PGDG repo."""
    text = (PROJECT_ROOT / "docker" / "airflow.Dockerfile").read_text()
    assert "postgresql-client-17" in text
    assert "apt.postgresql.org" in text


@pytest.mark.parametrize("service", TIMESCALEDB_SERVICES)
def test_timescaledb_image_version(service: str) -> None:
    """TimescaleDB services run timescale/timescaledb 2.19.3."""
    image = services()[service]["image"]
    assert TIMESCALEDB_IMAGE.match(image), f"{service} uses image {image!r}"


@pytest.mark.parametrize("service", TIMESCALEDB_SERVICES)
def test_timescaledb_healthcheck_uses_pg_isready(service: str) -> None:
    """TimescaleDB services have a pg_isready healthcheck."""
    test = services()[service]["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))


@pytest.mark.parametrize("service", TIMESCALEDB_SERVICES)
def test_timescaledb_data_is_a_named_volume(service: str) -> None:
    """TimescaleDB data lives in a declared named volume."""
    sources = [source for source, target in mounts(service) if target == "/var/lib/postgresql/data"]
    assert sources, f"{service} has no data volume"
    assert sources[0] in (load_compose().get("volumes") or {})


@pytest.mark.parametrize("var", sorted(CONNECTION_VARS))
def test_connection_env_var_is_postgres_json(var: str) -> None:
    """Connection env vars are JSON postgres connections pointing at their TimescaleDB service."""
    conn = connection(var)
    assert conn["conn_type"] == "postgres"
    assert conn["host"] == CONNECTION_VARS[var]
    assert conn["port"] == 5432


@pytest.mark.parametrize("var", sorted(CONNECTION_VARS))
def test_connection_matches_its_service(var: str) -> None:
    """A connection's login, password and database match what its TimescaleDB service creates."""
    conn = connection(var)
    env = {key: with_defaults(value) for key, value in environment(CONNECTION_VARS[var]).items()}
    assert conn["login"] == env.get("POSTGRES_USER", "postgres")
    assert conn["password"] == env["POSTGRES_PASSWORD"]
    assert conn["schema"] == env.get("POSTGRES_DB", conn["login"])


@pytest.mark.parametrize("service", airflow_service_names())
def test_airflow_service_has_connections(service: str) -> None:
    """Every airflow-* service gets both migration connections."""
    missing = set(CONNECTION_VARS) - set(environment(service))
    assert not missing, f"{service} lacks {sorted(missing)}"


def test_host_ports_are_unique() -> None:
    """No two services publish the same host port."""
    published = [port for name in services() for port in host_ports(name)]
    assert len(published) == len(set(published)), f"duplicate host ports: {sorted(published)}"


def test_timescaledb_host_ports() -> None:
    """The source and target TimescaleDB servers are published on 5433 and 5434."""
    assert host_ports("timescaledb-source") == ["5433"]
    assert host_ports("timescaledb-target") == ["5434"]


def test_api_server_serves_the_migrations_page() -> None:
    """The api-server loads the Migrations plugin from the mounted plugins folder and reads the same work directory
    as the workers (the reports verify wrote, the rehearsal history, the ledger)."""
    assert (PROJECT_ROOT / "plugins" / "timescale_migration_plugin.py").is_file()
    assert ("plugins", "/opt/airflow/plugins") in [(Path(src).name, dst) for src, dst in mounts("airflow-apiserver")]
    assert (WORK_VOLUME, WORK_DIR) in mounts("airflow-apiserver")
    api, worker = environment("airflow-apiserver"), environment("airflow-worker")
    assert api["TSM_WORK_DIR"] == worker["TSM_WORK_DIR"] == WORK_DIR
    assert "AIRFLOW__CORE__PLUGINS_FOLDER" not in api  # the image's default: /opt/airflow/plugins
