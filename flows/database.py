"""The database handle tasks receive, and opening it from settings (embedded or configured).

Kept apart from the HTTP side so commands that only query (``accords query``)
start without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import upgrade
from db.session import embedded_url, make_engine, make_session_factory, safe_url
from flows.settings import Settings


@dataclass(frozen=True, slots=True)
class Database:
    """A picklable handle on the database; the URL stays masked in reprs and logs."""

    url: SecretStr

    def engine(self) -> Engine:
        return _engine(self.url.get_secret_value())

    def sessions(self) -> sessionmaker[Session]:
        return _sessions(self.url.get_secret_value())

    def __str__(self) -> str:
        return safe_url(self.url.get_secret_value())


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """The configured database, or the embedded one started on demand, at the latest schema."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
    else:
        url = embedded_url(settings.data_dir)
    database = Database(SecretStr(url))
    if migrate:
        upgrade(database.engine())
    return database


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    return make_session_factory(_engine(url))
