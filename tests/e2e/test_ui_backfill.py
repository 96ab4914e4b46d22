"""A backfill started from the Prefect UI's custom-run form, in Debian's chromium driven by
playwright-core (tests/e2e/ui/custom_run.mjs), run by the worker, checked in the database."""

import json
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from db.models import PipelineRun
from tests.e2e.deployments import Deployed

UI_DIR = Path(__file__).resolve().parent / "ui"
CHROMIUM = Path("/usr/bin/chromium")
NODE = shutil.which("node")


def missing_tools() -> str:
    """Why the browser test cannot run here, or "" (checked before the Prefect server starts)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed (apt-get install chromium)"
    if NODE is None:
        return "node not installed (apt-get install nodejs npm)"
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=False)
    if int(version.stdout.strip().lstrip("v").split(".")[0] or 0) < 20:
        return f"node {version.stdout.strip()} is too old for playwright-core (>= 20)"
    if not (UI_DIR / "node_modules" / "playwright-core").is_dir():
        return f"playwright-core not installed (cd {UI_DIR} && npm ci)"
    return ""


MISSING = missing_tools()
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300),
              pytest.mark.skipif(bool(MISSING), reason=MISSING)]


def test_backfill_from_the_custom_run_form(deployed: Deployed, tmp_path: Path) -> None:
    assert NODE is not None
    deployment = deployed.deployment("backfill/backfill-manual")
    clicked = datetime.now(UTC)
    screenshot = tmp_path / "backfill-form.png"
    t0 = time.monotonic()
    done = subprocess.run(
        [NODE, "custom_run.mjs", deployed.stack.ui_url, deployment["id"], "2025-06-01",
         "2025-06-30", "other", str(screenshot)],
        cwd=UI_DIR, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    browser_seconds = time.monotonic() - t0
    assert json.loads(done.stdout.strip().splitlines()[-1])["run_name"]
    assert screenshot.stat().st_size > 10_000

    # The run the form created: the one new run of the deployment since the click.
    with httpx.Client(base_url=deployed.stack.api_url, timeout=10) as api:
        runs = api.post("/flow_runs/filter", json={
            "flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}}).json()
    [run] = [r for r in runs if datetime.fromisoformat(r["created"]) >= clicked]
    assert run["parameters"] == {"start": "2025-06-01", "end": "2025-06-30", "feeds": ["other"],
                                 "sources": ["stored"], "warc": [], "dry_run": False}
    final = deployed.wait(run["id"])
    assert final["state_type"] == "COMPLETED", deployed.worker_log()
    assert final["name"] == "backfill-2025-06-01-2025-06-30"

    engine = create_engine(deployed.database_url)
    with engine.connect() as conn:
        recorded = conn.execute(select(PipelineRun.status, PipelineRun.parameters)
                                .where(PipelineRun.flow_run_id == run["id"])).one()
        runs_total = conn.scalar(select(func.count()).select_from(PipelineRun))
    engine.dispose()
    assert recorded.status == "completed"
    assert recorded.parameters["feeds"] == ["other"]
    assert recorded.parameters["start"] == "2025-06-01"
    assert runs_total
    print(f"browser {browser_seconds:.1f} s, run completed {time.monotonic() - t0:.1f} s "
          "after the browser started")
