"""The command line against a real database (no Prefect needed for these commands)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.settings import get_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, fresh_database_url: str, tmp_path: Path
) -> Iterator[Path]:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('# mine\n[[feeds]]\nname = "one"\nurl = "https://one.example/rss"\n'
                     'region = "china"\n')
    monkeypatch.setenv("ACCORDS_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("ACCORDS_FEEDS_FILE", str(feeds))
    get_settings.cache_clear()
    yield feeds
    get_settings.cache_clear()


def test_feeds_list_add_disable_enable(cli_env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["feeds", "add", "two", "https://two.example/feed",
                                 "--region", "central-asia", "--tag", "kz"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["feeds", "disable", "one"]).exit_code == 0
    listed = runner.invoke(app, ["feeds", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    feeds = {f["name"]: f for f in json.loads(listed.stdout)}
    assert set(feeds) == {"one", "two"}
    assert feeds["one"]["enabled"] is False and feeds["two"]["enabled"] is True
    for key in ("last_status", "last_error", "entries_seen", "consecutive_failures"):
        assert key in feeds["two"]
    assert cli_env.read_text().startswith("# mine")
    assert runner.invoke(app, ["feeds", "enable", "one"]).exit_code == 0
    again = json.loads(runner.invoke(app, ["feeds", "list", "--format", "json"]).stdout)
    assert all(f["enabled"] for f in again)


def test_extract_prints_one_line_per_file_and_survives_bad_ones(tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text("Leaders of China and the five Central Asian countries met in Astana on "
                    "Tuesday for the second China-Central Asia Summit and signed a treaty.")
    result = CliRunner().invoke(app, ["extract", str(good), str(tmp_path / "missing.txt")])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["path"] == str(good) and first["summits"]
    assert first["summits"][0]["evidence"]
    assert second["path"].endswith("missing.txt") and "error" in second


def test_extract_dates_text_files_by_the_given_publication_date(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("Leaders of China and the five Central Asian countries opened the second "
                    "China-Central Asia Summit in Astana on June 17.")
    runner = CliRunner()
    undated = json.loads(runner.invoke(app, ["extract", str(text)]).stdout)
    dated = json.loads(runner.invoke(app, ["extract", "--published", "2025-06-17",
                                           str(text)]).stdout)
    assert undated["summits"][0]["start_date"] is None  # June 17 of which year?
    assert dated["summits"][0]["start_date"] == "2025-06-17"
    assert dated["summits"][0]["year"] == 2025


def test_settings_never_print_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORDS_DATABASE_URL", "postgresql+psycopg://u:s3cret@db.example/x")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["settings"])
    get_settings.cache_clear()
    assert result.exit_code == 0 and "s3cret" not in result.output
