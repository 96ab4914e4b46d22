"""The deployment files: deploy/prefect.yaml (every entrypoint a flow; the schedule and
concurrency as `accords deploy` fills them in), deploy/compose.yaml and deploy/Dockerfile."""

import importlib
import json
import re
import tomllib
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
import typer
import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule
from prefect.utilities.templating import apply_values
from pydantic import ValidationError

from flows.cli import app
from flows.server import (
    PREFECT_FILE,
    WORK_POOL,
    WORK_POOL_TEMPLATE,
    DeploySettings,
    asyncpg_url,
    deploy_env,
)
from flows.settings import REPO_ROOT


def test_every_entrypoint_resolves_to_a_flow() -> None:
    config = yaml.safe_load((REPO_ROOT / "deploy" / "prefect.yaml").read_text())
    assert config["deployments"]
    for deployment in config["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), deployment["name"]


DEPLOY = REPO_ROOT / "deploy"


def deployments(monkeypatch: pytest.MonkeyPatch, **settings: str) -> dict[str, dict[str, Any]]:
    """The deployments with the placeholders replaced, as `prefect deploy` does (it reads
    `{{ $NAME }}` from the environment)."""
    config = yaml.safe_load(PREFECT_FILE.read_text())
    for key, value in deploy_env({}, DeploySettings(**settings)).items():  # type: ignore[arg-type]
        monkeypatch.setenv(key, value)
    return {d["name"]: cast(dict[str, Any], apply_values(d, {}, remove_notset=False))
            for d in config["deployments"]}


def test_every_placeholder_is_set_by_accords_deploy(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(line for line in PREFECT_FILE.read_text().splitlines()
                     if not line.lstrip().startswith("#"))
    used = set(re.findall(r"\{\{\s*\$(\w+)\s*\}\}", text))
    assert used == {"ACCORDS_HOME", "ACCORDS_NIGHTLY_CRON", "ACCORDS_NIGHTLY_TIMEZONE"}
    assert used <= set(deploy_env({}, DeploySettings()))
    assert "{{" not in str(deployments(monkeypatch))


def test_nightly_schedule_and_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    found = deployments(monkeypatch, nightly_cron="30 1 * * *", nightly_timezone="Asia/Almaty")
    nightly = found["ingest-nightly"]
    [schedule] = nightly["schedules"]
    assert CronSchedule(**schedule).cron == "30 1 * * *"
    assert schedule["timezone"] == "Asia/Almaty"
    assert nightly["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    assert found["backfill-manual"]["concurrency_limit"] == {
        "limit": 1, "collision_strategy": "ENQUEUE"}
    assert {"ingest-nightly", "backfill-manual", "reextract-manual"} <= set(found)
    for deployment in found.values():
        pool = deployment["work_pool"]
        assert pool["name"] == WORK_POOL
        assert pool["job_variables"]["working_dir"] == str(REPO_ROOT)


def test_default_schedule_is_two_in_the_morning_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    [schedule] = deployments(monkeypatch)["ingest-nightly"]["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "UTC")
    ZoneInfo(schedule["timezone"])


@pytest.mark.parametrize("settings", [{"nightly_timezone": "Mars/Olympus"},
                                      {"nightly_cron": "every night"}])
def test_bad_schedule_settings_are_refused(settings: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        DeploySettings(**settings)  # type: ignore[arg-type]


def test_deploy_settings_are_documented() -> None:
    doc = (REPO_ROOT / "docs" / "deploying.md").read_text()
    for name in DeploySettings.model_fields:
        assert f"ACCORDS_{name.upper()}" in doc, name


def test_work_pool_template_is_a_process_template() -> None:
    template = json.loads(WORK_POOL_TEMPLATE.read_text())
    assert "working_dir" in template["variables"]["properties"]


def test_asyncpg_url_keeps_the_unix_socket() -> None:
    url = asyncpg_url("postgresql+psycopg://postgres:@/prefect?host=%2Ftmp%2Fx%2Fpgdata")
    assert url == "postgresql+asyncpg://postgres:@/prefect?host=%2Ftmp%2Fx%2Fpgdata"


# --- deploy/compose.yaml and deploy/Dockerfile ------------------------------------------

def console_scripts() -> set[str]:
    return set(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"])


def accords_command_exists(args: list[str]) -> bool:
    """Whether `accords ARGS...` names a command of the CLI (options aside)."""
    command: Any = typer.main.get_command(app)
    for word in args:
        if word.startswith("-") or not hasattr(command, "commands"):
            break
        command = command.commands.get(word)
        if command is None:
            return False
    return not hasattr(command, "commands")  # a command, not a group


def test_compose_file_is_valid_and_its_commands_exist() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", "prefect-server", "deploy", "worker"} <= set(services)
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["accords", "db", "upgrade"]
    assert services["worker"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully")
    assert "postgresql+asyncpg://" in services["prefect-server"]["environment"][
        "PREFECT_SERVER_DATABASE_CONNECTION_URL"]
    for name, service in services.items():
        if "build" in service:
            context = (DEPLOY / service["build"]["context"]).resolve()
            assert (context / service["build"]["dockerfile"]).is_file(), name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
        command = service.get("command")
        if command is None:
            continue
        assert isinstance(command, list), f"{name}: command as a list, no shell"
        program, *args = command
        if name == "postgres":
            continue
        assert program in console_scripts() | {"prefect"}, (name, program)
        if program == "accords":
            assert accords_command_exists(args), (name, args)
    assert not accords_command_exists(["db", "no-such-command"])
    for dependency in [d for s in services.values() for d in s.get("depends_on", {})]:
        assert dependency in services


def test_dockerfile_copies_what_exists() -> None:
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    copies = [line.split()[1:-1] for line in lines if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in sources:
            assert (REPO_ROOT / source).exists(), source
    # What the package build needs (hatch reads the readme) and what the flows import.
    copied = {s for sources in copies for s in sources}
    assert {"pyproject.toml", "uv.lock", "README.md", "flows", "db", "extractors",
            "deploy"} <= copied
