"""A real local Airflow 3.3 (api-server, scheduler, dag-processor, triggerer) on this repo: with the
LocalExecutor on SQLite (`make airflow`), or distributed (`make airflow-celery`, `--celery`): the
CeleryExecutor with a Redis broker, a PostgreSQL metadata database (also Celery's result backend, psycopg 3) on
the local PostgreSQL 15 server, and two Celery workers with hostnames of their own, sharing the work directory
as two hosts would share a network volume.

It makes the local database servers' connections Airflow connections, creates the pools of include/fleet.json,
prints the UI address and the login, and stops every component cleanly on Ctrl-C or SIGTERM. The tests use
`LocalAirflow` to do the same in a temp home.
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
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.servers import Servers, servers_from_env
from timescale_migration.db import catalog
from timescale_migration.fleet import ledger
from timescale_migration.fleet.fleetconfig import FleetConfig, pools_json

REPO = Path(__file__).resolve().parents[1]

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN = "admin"
APPROVER = "dba"
"""A second user (role admin too) to whom tests assign gates: only an assigned user may answer them."""
REDIS_SERVER = "/usr/bin/redis-server"
CELERY_METADATA_DB = "airflow_celery"
"""`make airflow-celery`: Airflow's metadata database on the local PostgreSQL 15 server."""
CELERY_WORKERS = ("worker-a", "worker-b")
"""The Celery workers of a distributed deployment: each its own process tree, hostname and queue (besides
`default`), as two machines would be."""


@dataclass(frozen=True)
class Port:
    """A port `make airflow` / `make airflow-celery` listens on, and the variable that moves it."""

    variable: str
    default: int
    what: str

    def value(self) -> int:
        """$<variable> when set, else the default."""
        return int(os.environ.get(self.variable) or self.default)


AIRFLOW_PORT = Port("TSM_AIRFLOW_PORT", 8080, "the api-server: the UI and the REST API")
WORKER_LOG_PORT = Port(
    "TSM_WORKER_LOG_PORT", 8793, "the log server of the tasks' processes (LocalExecutor: the scheduler's workers)"
)
TRIGGERER_LOG_PORT = Port("TSM_TRIGGERER_LOG_PORT", 8794, "the triggerer's log server")
CELERY_LOG_PORT = Port(
    "TSM_CELERY_LOG_PORT",
    8803,
    "the log server of the first Celery worker (worker-a); each next worker's is one more (worker-b: 8804)",
)
REDIS_PORT = Port("TSM_REDIS_PORT", 56379, "Redis, Celery's broker (make airflow-celery)")
PORTS = (AIRFLOW_PORT, WORKER_LOG_PORT, TRIGGERER_LOG_PORT, CELERY_LOG_PORT, REDIS_PORT)
"""Every port of a local deployment (README, "Ports", lists them; the servers' are testservers.sh's)."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Distributed:
    """What the CeleryExecutor adds: a Redis broker on a loopback port, a PostgreSQL metadata database (an
    SQLAlchemy URL with the psycopg 3 driver; also Celery's result backend) and the workers to start."""

    metadata_url: str
    broker_port: int
    workers: tuple[str, ...] = CELERY_WORKERS
    worker_concurrency: int = 4
    worker_log_ports: tuple[int, ...] = ()

    @property
    def broker_url(self) -> str:
        """Celery's broker: database 0 of the local Redis."""
        return f"redis://127.0.0.1:{self.broker_port}/0"


def metadata_url(server: Any, dbname: str) -> str:
    """SQLAlchemy URL (psycopg 3) of a database on one of the local servers; the password URL-quoted."""
    password = urllib.parse.quote(server.password, safe="")
    return f"postgresql+psycopg://{server.user}:{password}@{server.host}:{server.port}/{dbname}"


def create_metadata_database(server: Any, dbname: str) -> None:
    """The metadata database on the local PostgreSQL server, if absent."""
    with server.connect() as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            server.create_database(dbname)


@dataclass
class LocalAirflow:
    """One Airflow deployment: its home, port, extra environment and running component processes; with
    `distributed`, the CeleryExecutor, Redis and the Celery workers too."""

    home: Path
    port: int = 8080
    extra_env: Mapping[str, str] = field(default_factory=dict)
    log_ports: tuple[int, int] = (WORKER_LOG_PORT.default, TRIGGERER_LOG_PORT.default)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    distributed: Distributed | None = None

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
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "8",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__FERNET_KEY": self._secret("fernet.key", lambda: Fernet.generate_key().decode()),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin,{APPROVER}:admin",
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
                # short scheduling gaps between the downtime's tasks (docs/benchmarks.md: 0.7 s -> 0.2 s on average)
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
                "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "15",
                # plugins (and with them the project's modules, preload.py) loaded as each process starts: task
                # processes forked from the executor's workers find them imported (docs/benchmarks.md)
                "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
                "TSM_WORK_DIR": str(self.home / "work"),
            }
        )
        if self.distributed is not None:
            dist = self.distributed
            env.update(
                {
                    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": dist.metadata_url,
                    "AIRFLOW__CELERY__BROKER_URL": dist.broker_url,
                    "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{dist.metadata_url}",
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(dist.worker_concurrency),
                    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
                    # a worker that dies (its machine lost) is noticed within a minute, not the default five
                    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "45",
                    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "devtools.airflow_hostname.hostname",
                    "PYTHONPATH": os.pathsep.join(
                        filter(None, [str(REPO), str(REPO / "plugins"), env.get("PYTHONPATH")])
                    ),
                }
            )
        env.update(self.extra_env)
        return env

    def worker_env(self, name: str, log_port: int) -> dict[str, str]:
        """One Celery worker's environment: its hostname and log-serving port."""
        return {**self.env(), "TSM_WORKER_HOSTNAME": name, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port)}

    def start_worker(self, name: str, queues: tuple[str, ...], log_port: int) -> None:
        """Start one Celery worker named `name` (its hostname too) taking tasks from `queues`."""
        self._spawn(
            name,
            [AIRFLOW, "celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", ",".join(queues)],
            self.worker_env(name, log_port),
        )

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one `airflow ...` command against this deployment."""
        return subprocess.run(
            [AIRFLOW, *args], env=self.env(), check=check, capture_output=True, text=True, timeout=300, cwd=REPO
        )

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

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        """Start one component in its own process group, its output in logs/<name>.log."""
        log = open(self.home / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        self.procs[name] = subprocess.Popen(
            argv, env=dict(env), stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True
        )
        log.close()

    def start(self, timeout: float = 180) -> None:
        """Start Redis (distributed), the four components and the Celery workers, each in its own process group,
        and wait for the API, the scheduler, the triggerer and every worker to be up."""
        env = self.env()
        if self.distributed is not None:
            (self.home / "redis").mkdir(parents=True, exist_ok=True)
            self._spawn(
                "redis",
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.distributed.broker_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.home / "redis"),
                ],
                env,
            )
        for name in COMPONENTS:
            self._spawn(name, [AIRFLOW, name], env)
        if self.distributed is not None:
            ports = self.distributed.worker_log_ports or tuple(
                CELERY_LOG_PORT.value() + i for i in range(len(self.distributed.workers))
            )
            for worker, log_port in zip(self.distributed.workers, ports, strict=True):
                self.start_worker(worker, ("default", worker), log_port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"airflow {name} exited with {proc.returncode}: see "
                        f"{self.home / 'logs' / (name + '.log')}\n{self.log_tail(name)}"
                    )
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as resp:
                    health = json.load(resp)
                if (
                    health.get("scheduler", {}).get("status") == "healthy"
                    and health.get("triggerer", {}).get("status") == "healthy"
                    and self.workers_ready()
                ):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Airflow did not become healthy within {timeout:.0f} s at {self.url}")

    def workers_ready(self, workers: tuple[str, ...] | None = None) -> bool:
        """Every Celery worker (of `workers`, default: the deployment's) has said it is ready."""
        if workers is None:
            workers = self.distributed.workers if self.distributed else ()
        return all(" ready." in self.log_tail(worker, 200) for worker in workers)

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The end of one component's log."""
        path = self.home / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def password(self, user: str = ADMIN) -> str:
        """The generated password of a user (simple auth manager): the admin by default."""
        path = self.home / "simple_auth_manager_passwords.json.generated"
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        return json.loads(path.read_text())[user]

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


def describe_executor(distributed: Distributed | None) -> str:
    """One line on how the deployment runs its tasks."""
    if distributed is None:
        return "LocalExecutor, metadata in SQLite"
    return (
        f"CeleryExecutor, Redis on 127.0.0.1:{distributed.broker_port}, workers {', '.join(distributed.workers)}, "
        f"metadata database {CELERY_METADATA_DB} on the local PostgreSQL 15 server"
    )


def demo_environment(servers: Servers) -> dict[str, str]:
    """What the workers need beyond Airflow's settings: where the client tools are (PostgreSQL 18's, which serve
    every server here, and 17's)."""
    return {"TSM_PG_BIN_DIR": f"{servers.bin18_dir}:{servers.bin_dir}"}


def demo_connections(servers: Servers) -> dict[str, dict[str, object]]:
    """migration_source (PostgreSQL 15, database shop), tsdb_source (TimescaleDB 2.19, database metrics),
    tsdb18_source (PostgreSQL 18 + the current TimescaleDB, database metrics), and the Timescale-like targets
    migration_target (PostgreSQL 17 + TimescaleDB 2.19) and tsdb18_target (PostgreSQL 18 + the current release),
    database tsdb, as the login tsdbadmin (no superuser)."""
    return {
        "migration_source": servers.pg15.conn_dict("shop"),
        "tsdb_source": servers.tsdb_source.conn_dict("metrics"),
        "tsdb18_source": servers.tsdb18_source.conn_dict("metrics"),
        "migration_target": servers.tsdb_target.conn_dict("tsdb", user=servers.tsdb_target.login),
        "tsdb18_target": servers.tsdb18_target.conn_dict("tsdb", user=servers.tsdb18_target.login),
    }


def demo_targets(servers: Servers) -> dict[str, Any]:
    """Each demo target connection's server."""
    return {"migration_target": servers.tsdb_target, "tsdb18_target": servers.tsdb18_target}


def reconcile_ledger(work_dir: Path, servers: Servers) -> list[str]:
    """Set aside the ledger records that no longer describe the local servers (make test wipes them: the next
    make airflow must not list as verified a database that no longer exists); one line per record set aside.

    Run before the demo databases are made again: a record of an earlier incarnation of `tsdb` is then a record of
    a database that does not exist."""
    targets = demo_targets(servers)
    notes = []
    for record in ledger.records(str(work_dir)):
        conn_id, database = str(record.get("target_conn_id")), str(record.get("target_database"))
        server = targets.get(conn_id)
        if server is None:  # a connection of its own: its runs' owner keeps it true
            continue
        with server.connect() as conn:
            now = catalog.database_identity(conn, database)
        if why := ledger.stale_because(record, now):
            aside = ledger.set_aside(str(work_dir), conn_id, database, why)
            notes.append(f"ledger: {conn_id}/{database} of run {record.get('run_id')} set aside ({why}): {aside}")
    return notes


def prepare_demo_databases(servers: Servers) -> None:
    """Sample databases shop (PostgreSQL 15) and metrics (TimescaleDB, on both versions) and the empty
    Timescale-like targets tsdb, if absent."""
    samples = REPO / "include" / "samples"
    for server, dbname, sample in (
        (servers.pg15, "shop", "postgres_sample.sql"),
        (servers.tsdb_source, "metrics", "timescaledb_sample.sql"),
        (servers.tsdb18_source, "metrics", "timescaledb_sample.sql"),
        (servers.tsdb_target, "tsdb", None),
        (servers.tsdb18_target, "tsdb", None),
    ):
        with server.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if exists:
            continue
        if sample:
            server.create_database(dbname)
            server.psql_file(dbname, samples / sample)
        else:
            server.create_timescale_like_database(dbname)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=REPO / ".airflow" / "local")
    parser.add_argument("--port", type=int, default=AIRFLOW_PORT.value())
    parser.add_argument(
        "--celery",
        action="store_true",
        help="CeleryExecutor: Redis broker, PostgreSQL metadata database, two Celery workers",
    )
    args = parser.parse_args()
    servers = servers_from_env()
    distributed = None
    if args.celery:
        if args.home == parser.get_default("home"):
            args.home = REPO / ".airflow" / "celery"
        create_metadata_database(servers.pg15, CELERY_METADATA_DB)
        log_ports = tuple(CELERY_LOG_PORT.value() + i for i in range(len(CELERY_WORKERS)))
        distributed = Distributed(
            metadata_url(servers.pg15, CELERY_METADATA_DB), REDIS_PORT.value(), worker_log_ports=log_ports
        )
    airflow = LocalAirflow(
        args.home.resolve(),
        args.port,
        demo_environment(servers),
        distributed=distributed,
        log_ports=(WORKER_LOG_PORT.value(), TRIGGERER_LOG_PORT.value()),
    )
    for note in reconcile_ledger(airflow.home / "work", servers):
        print(note, flush=True)
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
    print(
        f"""
Airflow is up: {airflow.url}
  login: {ADMIN} / {airflow.password()}
  connections: migration_source (PostgreSQL 15, shop), tsdb_source (TimescaleDB 2.19, metrics),
               tsdb18_source (PostgreSQL 18 + current TimescaleDB, metrics); Timescale-like targets as tsdbadmin
               (no superuser): migration_target (PostgreSQL 17 + 2.19, tsdb), tsdb18_target (PostgreSQL 18, tsdb)
  executor: {describe_executor(distributed)}
  logs: {airflow.home / "logs"}   work directory: {airflow.home / "work"}
Trigger migrate_database from the UI (Dags -> migrate_database -> Trigger); every migration, its reports, the
rehearsals and the ledger: Migrations ({airflow.url}/plugin/migrations). Ctrl-C stops Airflow.""",
        flush=True,
    )
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
