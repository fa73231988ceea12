"""A real local Airflow 3.3 (api-server, scheduler, dag-processor, triggerer; LocalExecutor) on this repo.

`make airflow` runs `python scripts/local_airflow.py`: it starts the local database servers' connections as
Airflow connections, creates the pools of include/fleet.json, prints the UI address and the login, and stops
every component cleanly on Ctrl-C or SIGTERM. The tests use `LocalAirflow` to do the same in a temp home.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO)]

from tests.support.servers import Servers, servers_from_env  # noqa: E402
from timescale_migration.fleetconfig import FleetConfig, pools_json  # noqa: E402

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN = "admin"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalAirflow:
    """One Airflow deployment: its home, port, extra environment and running component processes."""

    home: Path
    port: int = 8080
    extra_env: Mapping[str, str] = field(default_factory=dict)
    log_ports: tuple[int, int] = (8793, 8794)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The UI and REST base address."""
        return f"http://localhost:{self.port}"

    def _secret(self, name: str, make) -> str:
        path = self.home / name
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(make())
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        """The environment every component (and every airflow CLI call) of this deployment runs with."""
        from cryptography.fernet import Fernet

        env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW_", "AIRFLOW__"))}
        env.update({
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__FERNET_KEY": self._secret("fernet.key", lambda: Fernet.generate_key().decode()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt.secret", lambda: secrets.token_urlsafe(32)),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_ports[0]),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.log_ports[1]),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "15",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "15",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "TSM_WORK_DIR": str(self.home / "work"),
        })
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one `airflow ...` command against this deployment."""
        return subprocess.run([AIRFLOW, *args], env=self.env(), check=check, capture_output=True, text=True,
                              timeout=300, cwd=REPO)

    def prepare(self, connections: Mapping[str, Mapping[str, object]], fleet: FleetConfig | None) -> None:
        """Metadata DB migrated; connections and the fleet's pools written (replacing same-named ones)."""
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        self.cli("db", "migrate")
        secret_file = self.home / "connections.json"  # holds passwords: private, removed right after the import
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(dict(connections), out)
        try:
            self.cli("connections", "import", "--overwrite", str(secret_file))
        finally:
            secret_file.unlink()
        if fleet is not None:
            pool_file = self.home / "pools.json"
            pool_file.write_text(pools_json(fleet))
            self.cli("pools", "import", str(pool_file))

    def start(self, timeout: float = 180) -> None:
        """Start the four components, each in its own process group, and wait for the API to answer."""
        env = self.env()
        for name in COMPONENTS:
            log = open(self.home / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
            self.procs[name] = subprocess.Popen([AIRFLOW, name], env=env, stdout=log, stderr=subprocess.STDOUT,
                                                cwd=REPO, start_new_session=True)
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"airflow {name} exited with {proc.returncode}: see "
                                       f"{self.home / 'logs' / (name + '.log')}\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as resp:
                    health = json.load(resp)
                if health.get("scheduler", {}).get("status") == "healthy" and \
                        health.get("triggerer", {}).get("status") == "healthy":
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Airflow did not become healthy within {timeout:.0f} s at {self.url}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The end of one component's log."""
        path = self.home / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def password(self) -> str:
        """The generated password of the admin user (simple auth manager)."""
        path = self.home / "simple_auth_manager_passwords.json.generated"
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        return json.loads(path.read_text())[ADMIN]

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM every component's process group, then SIGKILL what is left."""
        for proc in self.procs.values():
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(10)
        for proc in self.procs.values():  # workers forked by the executor may outlive their parent
            _signal_group(proc, signal.SIGKILL)
        self.procs.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def demo_environment(servers: Servers) -> dict[str, str]:
    """What the workers need beyond Airflow's settings: where the PostgreSQL 17 client tools are."""
    return {"TSM_PG_BIN_DIR": servers.bin_dir}


def demo_connections(servers: Servers) -> dict[str, dict[str, object]]:
    """migration_source (PostgreSQL 15, database shop), tsdb_source (TimescaleDB, database metrics) and
    migration_target (TimescaleDB target, database tsdb) on the local servers."""
    return {
        "migration_source": servers.pg15.conn_dict("shop"),
        "tsdb_source": servers.tsdb_source.conn_dict("metrics"),
        "migration_target": servers.tsdb_target.conn_dict("tsdb"),
    }


def prepare_demo_databases(servers: Servers) -> None:
    """Sample databases shop (PostgreSQL 15) and metrics (TimescaleDB) and an empty target tsdb, if absent."""
    samples = REPO / "include" / "samples"
    for server, dbname, sample, extensions in (
        (servers.pg15, "shop", "postgres_sample.sql", ()),
        (servers.tsdb_source, "metrics", "timescaledb_sample.sql", ()),
        (servers.tsdb_target, "tsdb", None, ("timescaledb",)),
    ):
        with server.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            server.create_database(dbname, extensions=extensions)
            if sample:
                server.psql_file(dbname, samples / sample)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=REPO / ".airflow" / "local")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TSM_AIRFLOW_PORT", "8080")))
    args = parser.parse_args()
    servers = servers_from_env()
    airflow = LocalAirflow(args.home.resolve(), args.port, demo_environment(servers))
    prepare_demo_databases(servers)
    print(f"preparing Airflow in {airflow.home} (metadata DB, connections, pools)", flush=True)
    airflow.prepare(demo_connections(servers), FleetConfig.load())
    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    airflow.start()
    print(f"""
Airflow is up: {airflow.url}
  login: {ADMIN} / {airflow.password()}
  connections: migration_source (PostgreSQL 15, shop), tsdb_source (TimescaleDB, metrics),
               migration_target (TimescaleDB target, tsdb)
  logs: {airflow.home / 'logs'}   work directory: {airflow.home / 'work'}
Trigger migrate_database from the UI (Dags -> migrate_database -> Trigger). Ctrl-C stops Airflow.""", flush=True)
    try:
        while not stopping:
            for name, proc in airflow.procs.items():
                if proc.poll() is not None:
                    print(f"airflow {name} exited with {proc.returncode}:\n{airflow.log_tail(name)}", flush=True)
                    stopping = True
            time.sleep(1)
    finally:
        print("stopping Airflow ...", flush=True)
        airflow.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
