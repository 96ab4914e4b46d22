"""Migrations: up from empty, down to nothing and up again, and no drift from the models."""

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from db.migrate import alembic_config, check, upgrade
from db.models import Base
from db.session import ensure_database, make_engine
from tests.conftest import _drop_database

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_engine(server_url: str) -> Iterator[Engine]:
    name = f"accords_mig_{uuid.uuid4().hex[:10]}"
    url = make_url(server_url)
    ensure_database(url.render_as_string(hide_password=False), name)
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    _drop_database(server_url, name)


def test_upgrade_from_empty_creates_every_table_and_matches_the_models(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    check(empty_engine)  # `alembic check`: raises on drift between models and migrations


def test_downgrade_to_base_and_up_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    command.downgrade(alembic_config(empty_engine), "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    check(empty_engine)


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    check(empty_engine)


def test_the_head_constant_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from db.migrate import HEAD, MIGRATIONS

    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD
