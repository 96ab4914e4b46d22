"""Every deployment in deploy/prefect.yaml points at a flow that imports."""

import importlib

import yaml
from prefect import Flow

from flows.settings import REPO_ROOT


def test_every_entrypoint_resolves_to_a_flow() -> None:
    config = yaml.safe_load((REPO_ROOT / "deploy" / "prefect.yaml").read_text())
    assert config["deployments"]
    for deployment in config["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), deployment["name"]
