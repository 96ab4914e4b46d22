"""Agreements kept as JSON on their rows (migration 0008): after any statement, the
``json`` of ``reporting.agreement_exports`` is ``row_to_json`` of the agreement's row in
``reporting.agreements``, to the byte, in the reading session's time zone."""

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from tests.integration.test_report_lists import (
    add_records,
    assert_exports_as_views,
    assert_views_as_before,
    run,
)

pytestmark = pytest.mark.integration


def prefix_versions(conn: Session | Connection) -> dict[int, str]:
    """Each agreement's row version (xmin): it changes only when the row is written."""
    return {i: v for i, v in conn.execute(text("SELECT id, xmin::text FROM agreements"))}


def test_json_follows_agreements_their_lists_and_their_summit(session: Session) -> None:
    s, a1, a2, a3 = add_records(session)
    assert_exports_as_views(session)

    run(session, "INSERT INTO agreement_parties (agreement_id, code, articles) VALUES "
                 "(:a1, 'UZ', 1), (:a1, 'CN', 2), (:a2, 'RU', 1)", a1=a1, a2=a2)
    run(session, "INSERT INTO agreement_sectors (agreement_id, sector, articles) VALUES "
                 "(:a1, 'energy', 1), (:a1, 'trade', 3)", a1=a1)
    assert_exports_as_views(session)
    # Text that JSON escapes, dates, counts and both timestamps.
    run(session, """UPDATE agreements SET title = E'The "Astana" \\\\ Declaration\\n\\t\\u00e9',
                    status = 'signed', count = 3, articles = 4, signed_on = '2025-06-17',
                    first_reported = '2025-06-17 10:30:00.5+00',
                    last_reported = '2025-06-18 23:59:59+00' WHERE id = :a1""", a1=a1)
    run(session, "UPDATE agreements SET summit_ref = 'Caspian Summit 2026' WHERE id = :a3",
        a3=a3)
    assert_exports_as_views(session)

    # The summit's label (name, edition, year) is in the JSON of its agreements.
    run(session, "UPDATE summits SET name = 'SCO Heads of State Council' WHERE id = :s", s=s)
    assert_exports_as_views(session)
    run(session, "UPDATE summits SET edition = NULL, year = 2025 WHERE id = :s", s=s)
    assert_exports_as_views(session)
    # Other columns of the summit leave its agreements' rows alone.
    before = prefix_versions(session)
    run(session, "UPDATE summits SET city = 'Astana', articles = 7 WHERE id = :s", s=s)
    assert prefix_versions(session) == before
    # Deleting the summit unlinks its agreements (ON DELETE SET NULL).
    run(session, "TRUNCATE agreement_sectors")
    run(session, "DELETE FROM summits WHERE id = :s", s=s)
    assert run(session, "SELECT summit_id FROM agreements WHERE id = :a1", a1=a1) == [None]
    assert_exports_as_views(session)
    assert_views_as_before(session)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty", "America/Santiago", "Pacific/Apia"])
def test_json_writes_timestamps_in_the_reading_time_zone(session: Session, zone: str) -> None:
    """The prefix stops before the timestamps: they are written as the view writes them."""
    _, a1, _, _ = add_records(session)
    run(session, "UPDATE agreements SET first_reported = '2025-12-31 22:00:00+00', "
                 "last_reported = '2026-01-01 03:15:00+00' WHERE id = :a1", a1=a1)
    session.execute(text(f"SET LOCAL TimeZone = '{zone}'"))
    assert_exports_as_views(session)
