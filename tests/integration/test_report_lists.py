"""The lists of ``reporting.summits`` and ``reporting.agreements`` (participants, leaders,
parties, sectors) are kept on their rows by triggers (migration 0007): after any statement
they equal what the views' former per-row sub-queries computed. ``country_activity``'s
faster months (0007) are the months it gave before."""

import importlib.util
import threading
import time
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import Session

from db.migrate import MIGRATIONS

pytestmark = pytest.mark.integration


def migration(revision: str) -> ModuleType:
    (path,) = (MIGRATIONS / "versions").glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M0007 = migration("0007")


def assert_views_as_before(conn: Session | Connection) -> None:
    """Every row of the views 0007 changed equals the row of their definitions before it."""
    for view, previous, key in (
        ("summits", M0007.PREVIOUS_SUMMITS, "summit_id"),
        ("agreements", M0007.PREVIOUS_AGREEMENTS, "agreement_id"),
        ("country_activity", M0007.PREVIOUS_COUNTRY_ACTIVITY, "country, month"),
    ):
        now = conn.execute(text(f"SELECT * FROM reporting.{view} ORDER BY {key}")).all()
        before = conn.execute(text(f"SELECT * FROM ({previous}) AS v ORDER BY {key}")).all()
        assert now == before, view


def assert_exports_as_views(conn: Session | Connection) -> None:
    """``reporting.agreement_exports`` (0008): one row per agreement, the columns of
    ``reporting.agreements`` and, as ``json``, ``row_to_json`` of its row."""
    differing = conn.execute(text("""
        SELECT count(*) FROM reporting.agreement_exports e
        FULL JOIN reporting.agreements v USING (agreement_id)
        WHERE e.json IS DISTINCT FROM row_to_json(v)::text
           OR (e.title, e.type, e.count, e.status, e.parties, e.sectors, e.summit_id, e.summit,
               e.signed_on, e.articles, e.first_reported, e.last_reported)
              IS DISTINCT FROM
              (v.title, v.type, v.count, v.status, v.parties, v.sectors, v.summit_id, v.summit,
               v.signed_on, v.articles, v.first_reported, v.last_reported)
    """)).scalar_one()
    assert differing == 0


def run(conn: Session | Connection, sql: str, **params: Any) -> list[Any]:
    result = conn.execute(text(sql), params)
    return list(result.scalars()) if result.returns_rows else []


def agreement(conn: Session | Connection, agreement_id: int) -> tuple[list[str], list[str]]:
    parties, sectors = conn.execute(text(
        "SELECT parties, sectors FROM reporting.agreements WHERE agreement_id = :i"),
        {"i": agreement_id}).one()
    return parties, sectors


def summit(conn: Session | Connection, summit_id: int) -> tuple[list[str], list[str]]:
    participants, leaders = conn.execute(text(
        "SELECT participants, leaders FROM reporting.summits WHERE summit_id = :i"),
        {"i": summit_id}).one()
    return participants, leaders


def add_records(conn: Session | Connection) -> tuple[int, int, int, int]:
    """A summit, two agreements signed there and one signed elsewhere; no lists yet."""
    (s,) = run(conn, "INSERT INTO summits (key, series_key, name, edition) "
                     "VALUES ('sco#7', 'sco', 'SCO Summit', 7) RETURNING id")
    a1, a2 = run(conn, "INSERT INTO agreements (key, title, type, summit_id) VALUES "
                       "('astana', 'Astana Declaration', 'declaration', :s), "
                       "('mou', NULL, 'mou', :s) RETURNING id", s=s)
    (a3,) = run(conn, "INSERT INTO agreements (key, type, summit_ref) "
                      "VALUES ('elsewhere', 'treaty', 'Caspian Summit 2024') RETURNING id")
    return s, a1, a2, a3


def test_lists_follow_inserts_updates_deletes_and_truncates(session: Session) -> None:
    s, a1, a2, a3 = add_records(session)
    assert agreement(session, a1) == ([], [])
    assert summit(session, s) == ([], [])

    run(session, "INSERT INTO agreement_parties (agreement_id, code, articles) VALUES "
                 "(:a1, 'UZ', 1), (:a1, 'CN', 2), (:a1, 'KZ', 1), (:a2, 'RU', 1)", a1=a1, a2=a2)
    run(session, "INSERT INTO agreement_sectors (agreement_id, sector, articles) VALUES "
                 "(:a1, 'energy', 1), (:a1, 'trade', 3), (:a1, 'customs', 3)", a1=a1)
    assert agreement(session, a1) == (["CN", "KZ", "UZ"], ["customs", "trade", "energy"])
    assert agreement(session, a2) == (["RU"], [])
    assert agreement(session, a3) == ([], [])

    run(session, "UPDATE agreement_sectors SET articles = 5 WHERE sector = 'energy'")
    assert agreement(session, a1)[1] == ["energy", "customs", "trade"]
    # A row moved to another agreement leaves one list and joins the other.
    run(session, "UPDATE agreement_parties SET agreement_id = :a2 WHERE code = 'UZ'", a2=a2)
    assert agreement(session, a1)[0] == ["CN", "KZ"]
    assert agreement(session, a2)[0] == ["RU", "UZ"]
    run(session, "DELETE FROM agreement_parties WHERE code IN ('CN', 'RU')")
    assert agreement(session, a1)[0] == ["KZ"]
    assert agreement(session, a2)[0] == ["UZ"]

    run(session, "INSERT INTO summit_participants (summit_id, code, articles) VALUES "
                 "(:s, 'RU', 1), (:s, 'CN', 1), (:s, 'KZ', 4)", s=s)
    run(session, "INSERT INTO summit_people (summit_id, name, kind, role, country, articles) "
                 "VALUES (:s, 'Kassym-Jomart Tokayev', 'leader', 'President', 'KZ', 2), "
                 "(:s, 'Xi Jinping', 'leader', 'President', NULL, 3), "
                 "(:s, 'Wang Yi', 'official', 'Foreign Minister', 'CN', 9)", s=s)
    assert summit(session, s) == (["CN", "KZ", "RU"],
                                  ["Xi Jinping (President)", "Kassym-Jomart Tokayev (President, KZ)"])
    run(session, "UPDATE summit_people SET kind = 'leader' WHERE name = 'Wang Yi'")
    assert summit(session, s)[1][0] == "Wang Yi (Foreign Minister, CN)"
    assert_views_as_before(session)
    assert_exports_as_views(session)
    # Neither role nor country: the name alone (0011), not "Name ()" as the 0003 view gave.
    run(session, "INSERT INTO summit_people (summit_id, name, kind, role, country, articles) "
                 "VALUES (:s, 'Shavkat Mirziyoyev', 'leader', NULL, NULL, 1)", s=s)
    assert summit(session, s)[1][-1] == "Shavkat Mirziyoyev"
    run(session, "DELETE FROM summit_people WHERE name = 'Shavkat Mirziyoyev'")

    run(session, "TRUNCATE summit_people, agreement_sectors")
    assert summit(session, s) == (["CN", "KZ", "RU"], [])
    assert agreement(session, a1) == (["KZ"], [])
    # Deleting a record deletes its list rows (cascade); the other records keep theirs.
    run(session, "DELETE FROM agreements WHERE id = :a1", a1=a1)
    run(session, "DELETE FROM summits WHERE id = :s", s=s)
    assert agreement(session, a2) == (["UZ"], [])
    assert_views_as_before(session)
    assert_exports_as_views(session)


def wait_until_blocked(conn: Connection, pid: int) -> None:
    for _ in range(200):
        if conn.execute(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                             "WHERE pid = :p"), {"p": pid}).scalar():
            return
        time.sleep(0.02)
    raise AssertionError("the second writer never waited for the first")


def test_concurrent_writers_of_one_record_both_reach_its_list(fresh_database_url: str) -> None:
    """Each trigger locks the record before it reads the rows: a second writer waits for
    the first to commit and then counts its rows too, instead of overwriting the list with
    what its own older snapshot saw."""
    engine = create_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            _, a1, _, _ = add_records(conn)
        insert = text("INSERT INTO agreement_parties (agreement_id, code, articles) "
                      "VALUES (:a, :c, 1)")
        with engine.connect() as first, engine.connect() as second, engine.connect() as watch:
            first.execute(insert, {"a": a1, "c": "KZ"})
            pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
            errors: list[Exception] = []

            def second_writer() -> None:
                try:
                    second.execute(insert, {"a": a1, "c": "CN"})
                    second.commit()
                except Exception as exc:  # noqa: BLE001 - the main thread reports it
                    errors.append(exc)

            thread = threading.Thread(target=second_writer)
            thread.start()
            wait_until_blocked(watch, pid)
            first.commit()
            thread.join(timeout=30)
            assert not thread.is_alive() and not errors, errors
        with engine.connect() as conn:
            assert agreement(conn, a1)[0] == ["CN", "KZ"]
            assert_views_as_before(conn)
            assert_exports_as_views(conn)
    finally:
        engine.dispose()



@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty", "America/Santiago", "Asia/Beirut",
                                  "Pacific/Apia"])
def test_country_activity_months_are_the_same_in_every_time_zone(session: Session,
                                                                 zone: str) -> None:
    """0007 truncates dates to months as timestamps; 0006 did it as timestamps with time
    zone. Same first day of the month for every day of 1990-2040, in zones whose clocks
    skip or repeat midnight."""
    session.execute(text(f"SET LOCAL TimeZone = '{zone}'"))
    differing = session.execute(text(
        "SELECT count(*) FROM generate_series(date '1990-01-01', date '2040-12-31', "
        "interval '1 day') AS g(day), LATERAL (SELECT g.day::date AS d) AS x "
        "WHERE date_trunc('month', x.d)::date <> date_trunc('month', x.d::timestamp)::date"
    )).scalar_one()
    assert differing == 0
