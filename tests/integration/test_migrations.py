"""Migrations: up from empty, down to nothing and up again, and no drift from the models."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url

from db.migrate import alembic_config, check, upgrade
from db.models import Base
from db.session import ensure_database, make_engine
from tests.conftest import _drop_database
from tests.integration.test_report_lists import (
    add_records,
    assert_exports_as_views,
    assert_views_as_before,
    run,
)

pytestmark = pytest.mark.integration


def view_rows(conn: Connection, *views: str) -> dict[str, list[Any]]:
    """Every row of these reporting views, in order."""
    return {v: list(conn.execute(text(f"SELECT * FROM reporting.{v} ORDER BY 1")).all())
            for v in views}


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


def test_0007_fills_the_lists_of_stored_records_and_downgrades_to_the_old_views(
    empty_engine: Engine,
) -> None:
    """Records stored before 0007 get their lists; the views give the same rows at 0006,
    after the upgrade and after the downgrade."""
    upgrade(empty_engine, "0006")
    with empty_engine.begin() as conn:
        s, a1, a2, _ = add_records(conn)
        run(conn, "INSERT INTO agreement_parties (agreement_id, code, articles) VALUES "
                  "(:a1, 'UZ', 1), (:a1, 'CN', 2), (:a2, 'RU', 1)", a1=a1, a2=a2)
        run(conn, "INSERT INTO agreement_sectors (agreement_id, sector, articles) VALUES "
                  "(:a1, 'energy', 1), (:a1, 'trade', 3)", a1=a1)
        run(conn, "INSERT INTO summit_participants (summit_id, code, articles) "
                  "VALUES (:s, 'KZ', 1), (:s, 'CN', 1)", s=s)
        run(conn, "INSERT INTO summit_people (summit_id, name, kind, role, country, articles) "
                  "VALUES (:s, 'Xi Jinping', 'leader', 'President', 'CN', 3), "
                  "(:s, 'Wang Yi', 'official', 'Foreign Minister', 'CN', 9)", s=s)
    with empty_engine.connect() as conn:
        at_0006 = view_rows(conn, "summits", "agreements")
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert run(conn, "SELECT parties FROM agreements ORDER BY id") == [
            ["CN", "UZ"], ["RU"], []]
        assert run(conn, "SELECT leaders FROM summits") == [["Xi Jinping (President, CN)"]]
        assert_views_as_before(conn)
        assert view_rows(conn, *at_0006) == at_0006
    command.downgrade(alembic_config(empty_engine), "0006")
    assert "parties" not in {c["name"] for c in inspect(empty_engine).get_columns("agreements")}
    with empty_engine.connect() as conn:
        assert not run(conn, "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'keep_%'")
        assert view_rows(conn, *at_0006) == at_0006
    upgrade(empty_engine)
    check(empty_engine)


def test_0008_keeps_stored_agreements_as_json_and_downgrades_to_0007(
    empty_engine: Engine,
) -> None:
    """Agreements stored before 0008 get their JSON; the downgrade removes the column, its
    triggers, functions and view, and the views give the same rows throughout."""
    upgrade(empty_engine, "0007")
    with empty_engine.begin() as conn:
        _, a1, a2, _ = add_records(conn)
        run(conn, "INSERT INTO agreement_parties (agreement_id, code, articles) VALUES "
                  "(:a1, 'UZ', 1), (:a1, 'CN', 2), (:a2, 'RU', 1)", a1=a1, a2=a2)
        run(conn, "UPDATE agreements SET first_reported = now(), articles = 2 WHERE id = :a1",
            a1=a1)
    with empty_engine.connect() as conn:
        at_0007 = view_rows(conn, "summits", "agreements", "country_activity")
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert "" not in run(conn, "SELECT json_prefix FROM agreements")
        assert_exports_as_views(conn)
        assert view_rows(conn, *at_0007) == at_0007
    command.downgrade(alembic_config(empty_engine), "0007")
    assert "json_prefix" not in {c["name"] for c in inspect(empty_engine).get_columns("agreements")}
    with empty_engine.connect() as conn:
        assert not run(conn, "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%json_prefix%'")
        assert not run(conn, "SELECT proname FROM pg_proc WHERE proname LIKE '%json_prefix%'")
        assert not run(conn, "SELECT 1 FROM pg_views WHERE viewname = 'agreement_exports'")
        assert view_rows(conn, *at_0007) == at_0007
    upgrade(empty_engine)
    check(empty_engine)


def test_0011_lists_a_leader_without_role_or_country_by_name_and_downgrades(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0010")
    with empty_engine.begin() as conn:
        s, _, _, _ = add_records(conn)
        run(conn, "INSERT INTO summit_people (summit_id, name, kind, role, country, articles) "
                  "VALUES (:s, 'Xi Jinping', 'leader', 'President', 'CN', 3), "
                  "(:s, 'Sadyr Japarov', 'leader', NULL, NULL, 1)", s=s)
    leaders = "SELECT leaders FROM summits"
    with empty_engine.connect() as conn:
        assert run(conn, leaders) == [["Xi Jinping (President, CN)", "Sadyr Japarov ()"]]
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert run(conn, leaders) == [["Xi Jinping (President, CN)", "Sadyr Japarov"]]
    command.downgrade(alembic_config(empty_engine), "0010")
    with empty_engine.connect() as conn:
        assert run(conn, leaders) == [["Xi Jinping (President, CN)", "Sadyr Japarov ()"]]
