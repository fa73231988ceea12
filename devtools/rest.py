"""A small client of Airflow's public REST API (v2), logged in as the simple auth manager's admin."""

from __future__ import annotations

import time
from typing import Any

import httpx

TERMINAL = {"success", "failed"}


class AirflowAPI:
    """Trigger runs, read their tasks, answer human-in-the-loop gates."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        token = (
            httpx.post(f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=30)
            .raise_for_status()
            .json()["access_token"]
        )
        self.client = httpx.Client(
            base_url=f"{self.base_url}/api/v2", timeout=60, headers={"Authorization": f"Bearer {token}"}
        )

    def get(self, path: str, **params: Any) -> Any:
        """GET one API path."""
        return self.client.get(path, params=params).raise_for_status().json()

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        """Until the dag-processor has parsed the DAG and it is not paused."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = self.client.get(f"/dags/{dag_id}")
            if resp.status_code == 200:
                if resp.json().get("is_paused"):
                    self.client.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
                return
            time.sleep(2)
        raise TimeoutError(f"DAG {dag_id} did not appear within {timeout:.0f} s")

    def trigger(self, dag_id: str, conf: dict[str, Any], run_id: str | None = None) -> str:
        """Start a run now; its run id."""
        body: dict[str, Any] = {"logical_date": None, "conf": conf}
        if run_id:
            body["dag_run_id"] = run_id
        return self.client.post(f"/dags/{dag_id}/dagRuns", json=body).raise_for_status().json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        """queued, running, success or failed."""
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600) -> str:
        """Until the run ends; its final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in TERMINAL:
                return state
            time.sleep(2)
        raise TimeoutError(
            f"run {dag_id}/{run_id} not finished after {timeout:.0f} s: {self.task_states(dag_id, run_id)}"
        )

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """task_id (with [map_index] when mapped) -> state."""
        items = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]
        return {
            (t["task_id"] if t["map_index"] < 0 else f"{t['task_id']}[{t['map_index']}]"): t["state"] for t in items
        }

    def task_hosts(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """task_id (with [map_index] when mapped) -> the hostname of the worker that ran it (its last try)."""
        items = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]
        return {
            (t["task_id"] if t["map_index"] < 0 else f"{t['task_id']}[{t['map_index']}]"): t.get("hostname")
            for t in items
        }

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        """One XCom value (deserialized), or None."""
        resp = self.client.get(
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            params={"map_index": map_index, "deserialize": True, "stringify": False},
        )
        return resp.json().get("value") if resp.status_code == 200 else None

    def pending_gates(self, dag_id: str = "~", run_id: str = "~") -> list[dict[str, Any]]:
        """Human-in-the-loop requests nobody has answered yet."""
        data = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/hitlDetails", response_received=False)
        return data.get("hitl_details", [])

    def wait_for_gate(
        self, dag_id: str, run_id: str, task_id: str, timeout: float = 300, settle: float = 6.0
    ) -> dict[str, Any]:
        """Until the task waits for a person (and has for `settle` seconds); its request.

        The settling time keeps tests clear of Airflow 3.3's race (apache/airflow#72716, #71580): a gate answered
        within a second or two of deferring can be failed by the scheduler's stale executor event. People never
        answer that fast."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for gate in self.pending_gates(dag_id, run_id):
                if gate["task_instance"]["task_id"] == task_id:
                    time.sleep(settle)
                    return gate
            state = self.run_state(dag_id, run_id)
            if state in TERMINAL:
                raise AssertionError(
                    f"run {run_id} ended {state} before {task_id} asked: {self.task_states(dag_id, run_id)}"
                )
            time.sleep(2)
        raise TimeoutError(f"{task_id} of {run_id} did not ask within {timeout:.0f} s")

    def answer(self, dag_id: str, run_id: str, task_id: str, option: str, map_index: int = -1) -> dict[str, Any]:
        """Answer a gate the way the UI does."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/hitlDetails"
        return self.client.patch(path, json={"chosen_options": [option], "params_input": {}}).raise_for_status().json()

    def asset_events(self, uri: str) -> list[dict[str, Any]]:
        """Events of the asset with this URI (also of assets only ever emitted through an alias)."""
        return [e for e in self.get("/assets/events", limit=1000)["asset_events"] if e["uri"] == uri]
