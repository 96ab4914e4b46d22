"""A real Prefect server (on PostgreSQL), the deployments of deploy/prefect.yaml and a
process worker, shared by the deployment tests of one session; plus a small REST client.

The server's database is a fresh one on the PostgreSQL the tests use (see ``server_url``);
the worker's flow runs write to their own fresh accords database and fetch from a local
news site, through the ACCORDS_* variables the worker hands down to them.
"""

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from db.session import ensure_database
from flows.server import (
    DeploySettings,
    Stack,
    StackError,
    asyncpg_url,
    ensure_trgm,
    free_port,
    prefect_stack,
    psycopg_url,
)
from tests.conftest import _drop_database, migrated_database
from tests.e2e.news_server import serve_news

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
# Feeds of the local news site the deployments poll: quick ones only.
FEEDS = ("good", "other")


@dataclass
class Deployed:
    stack: Stack
    database_url: str  # the accords database the flow runs write to
    feeds_file: Path
    news_base_url: str
    logs: Path
    timings: dict[str, float]

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.stack.api_url, timeout=10)

    def deployment(self, name: str) -> dict[str, Any]:
        """``name`` is ``flow/deployment``."""
        with self.api() as api:
            response = api.get(f"/deployments/name/{name}")
            response.raise_for_status()
            found: dict[str, Any] = response.json()
            return found

    def trigger(self, name: str, parameters: dict[str, Any]) -> str:
        deployment = self.deployment(name)
        with self.api() as api:
            response = api.post(f"/deployments/{deployment['id']}/create_flow_run",
                                json={"parameters": parameters})
            response.raise_for_status()
            run_id: str = response.json()["id"]
            return run_id

    def wait(self, run_id: str, timeout: float = 90) -> dict[str, Any]:
        """The flow run once final; fails the test (with the worker's log) on timeout."""
        deadline = time.monotonic() + timeout
        with self.api() as api:
            while True:
                run: dict[str, Any] = api.get(f"/flow_runs/{run_id}").json()
                if run["state_type"] in FINAL:
                    return run
                self.stack.check()
                if time.monotonic() > deadline:
                    pytest.fail(f"flow run {run_id} still {run['state_name']} after "
                                f"{timeout:.0f} s; worker log:\n{self.worker_log()}")
                time.sleep(0.5)

    def started_after(self, run_id: str) -> float:
        """Seconds from the run's creation to its Running state."""
        with self.api() as api:
            run = api.get(f"/flow_runs/{run_id}").json()
            states = api.get("/flow_run_states/", params={"flow_run_id": run_id}).json()
        running = [s["timestamp"] for s in states if s["type"] == "RUNNING"]
        if not running:
            return float("nan")
        from datetime import datetime

        return (datetime.fromisoformat(running[0]) - datetime.fromisoformat(run["created"])
                ).total_seconds()

    def artifacts(self, run_id: str) -> dict[str, dict[str, Any]]:
        with self.api() as api:
            response = api.post("/artifacts/filter", json={
                "artifacts": {"flow_run_id": {"any_": [run_id]}}})
            response.raise_for_status()
            return {a["key"]: a for a in response.json() if a.get("key")}

    def worker_log(self, lines: int = 60) -> str:
        path = self.logs / "worker.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def write_feeds(path: Path, base: str) -> Path:
    path.write_text("".join(
        f'[[feeds]]\nname = "{n}"\nurl = "{base}/feeds/{n}.xml"\nregion = "global"\n\n'
        for n in FEEDS
    ))
    return path


@pytest.fixture(scope="session")
def deployed(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """Server + deployments + worker, up for the whole session; everything stopped after."""
    tmp = tmp_path_factory.mktemp("prefect-stack")
    prefect_db = f"prefect_e2e_{uuid.uuid4().hex[:10]}"
    admin = psycopg_url(server_url)
    ensure_database(admin, prefect_db)
    prefect_url = make_url(admin).set(database=prefect_db).render_as_string(hide_password=False)
    timings: dict[str, float] = {}
    # Not under pytest's temporary folder: the embedded server runs as another user, and a
    # concurrent pytest run resets that folder's permissions to 0700.
    extensions = Path(tempfile.mkdtemp(prefix="accords-pg-ext-"))
    try:
        ensure_trgm(prefect_url, extensions)
        with migrated_database(server_url, "accords_deploy") as database_url, \
                serve_news() as site:
            feeds_file = write_feeds(tmp / "feeds.toml", site.base_url)
            accords_env = {
                "ACCORDS_DATABASE_URL": database_url,
                "ACCORDS_FEEDS_FILE": str(feeds_file),  # also read when deploying (feed names)
                "ACCORDS_ALLOWED_HOSTS": "127.0.0.1",
                "ACCORDS_MIN_HOST_DELAY": "0",
                "ACCORDS_CONNECT_TIMEOUT": "2",
                "ACCORDS_READ_TIMEOUT": "2",
                "ACCORDS_REQUEST_DEADLINE": "5",
                "ACCORDS_MAX_RETRIES": "1",
                "ACCORDS_RETRY_BACKOFF": "0.05",
                "ACCORDS_CLEAN_WORKERS": "1",
            }
            env = {
                **os.environ, **accords_env,
                "PREFECT_HOME": str(tmp / "prefect-home"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_LOGGING_LEVEL": "INFO",
            }
            worker_env = {"PREFECT_WORKER_QUERY_SECONDS": "1",
                          "PREFECT_WORKER_PREFETCH_SECONDS": "5"}
            started = time.monotonic()
            marks: list[tuple[str, float]] = []

            def mark(step: str) -> None:
                marks.append((step, time.monotonic() - started))

            try:
                with prefect_stack(database_url=asyncpg_url(prefect_url), port=free_port(),
                                   server_log=tmp / "server.log", worker_log=tmp / "worker.log",
                                   deploy=DeploySettings(), env=env, worker_env=worker_env,
                                   on_step=mark) as stack:
                    at = {step.split(" ")[0]: t for step, t in marks}
                    timings["server start"] = at["server"]
                    timings["deploy"] = at["starting"] - at["creating"]
                    yield Deployed(stack, database_url, feeds_file, site.base_url, tmp, timings)
            except StackError as exc:
                pytest.fail(f"Prefect stack: {exc}")
    finally:
        _drop_database(admin, prefect_db)
        shutil.rmtree(extensions, ignore_errors=True)
