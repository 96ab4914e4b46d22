import re

import pytest
from pydantic import SecretStr

from flows.settings import REPO_ROOT, Settings


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    documented = set(re.findall(r"`ACCORDS_([A-Z_]+)`", readme))
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_allowed_hosts_are_split_and_lowered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORDS_ALLOWED_HOSTS", " 127.0.0.1, LocalHost ,,")
    assert Settings().allowed_hosts == frozenset({"127.0.0.1", "localhost"})


def test_secrets_are_masked_when_shown() -> None:
    settings = Settings(database_url=SecretStr("postgresql+psycopg://u:hunter2@db/x"))
    assert "hunter2" not in str(settings.masked())
    assert "hunter2" not in repr(settings)
