"""The read-only role analysts connect as: the ``reporting`` views and nothing else."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_reader(session: Session, name: str, password: str | None = None) -> bool:
    """Create (or update) a login role that can read the reporting views only.

    Returns:
        True if the role was created, False if it existed and was updated.

    Raises:
        ValueError: ``name`` is not a plain lower-case identifier.
    """
    if not _ROLE_NAME.fullmatch(name):
        raise ValueError(f"role names are lower-case letters, digits and _: {name!r}")
    # Identifiers cannot be bound parameters; the name was validated above and the
    # password goes through a bound parameter inside format().
    exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    if not exists:
        session.execute(text(f"CREATE ROLE {name} LOGIN"))
    if password is not None:
        session.execute(text(f"ALTER ROLE {name} PASSWORD {_literal(session, password)}"))
    database = session.scalar(text("SELECT current_database()"))
    session.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {name}'))
    session.execute(text(f"GRANT USAGE ON SCHEMA reporting TO {name}"))
    session.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO {name}"))
    # Views later migrations add are readable too.
    session.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES "
                         f"TO {name}"))
    session.execute(text(f"ALTER ROLE {name} SET default_transaction_read_only = on"))
    return not exists


def _literal(session: Session, value: str) -> str:
    quoted = session.scalar(text("SELECT quote_literal(:v)"), {"v": value})
    return str(quoted)
