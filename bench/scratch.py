"""Scratch databases for the benchmarks: created on a PostgreSQL server before a run,
dropped after it.

The server is the one given, else the one of ``ACCORDS_DATABASE_URL``, else
``postgres@127.0.0.1:5432`` if it answers, else an embedded PostgreSQL started in a
temporary folder for this process.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def answers(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def on_server(url: str, database: str) -> str:
    """``url`` with another database of the same server."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def admin_server(explicit: str | None) -> tuple[str, Path | None]:
    """The URL of the ``postgres`` database of the server to create databases on, and the
    folder of the embedded server started for it (None for a running server)."""
    for url in (explicit, os.environ.get("ACCORDS_DATABASE_URL")):
        if url:
            return on_server(url, "postgres"), None
    if answers(LOCAL_SERVER):
        return LOCAL_SERVER, None
    from db.session import embedded_url

    folder = Path(tempfile.mkdtemp(prefix="accords_bench_pg_"))
    return embedded_url(folder, database="postgres"), folder


def create_database(admin_url: str, name: str) -> str:
    """Create the database ``name``; its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return on_server(admin_url, name)


def drop_databases(admin_url: str, names: Iterable[str]) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
