"""The database password never shows in errors, reprs or the handles tasks log."""

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from db.errors import DatabaseUnavailableError
from db.session import make_engine, safe_url
from flows.database import Database

URL = "postgresql+psycopg://analyst:s3cret-pw@127.0.0.1:1/accords"  # port 1: refused at once


def test_connection_errors_name_the_server_but_not_the_password() -> None:
    engine = make_engine(URL)
    with pytest.raises(DatabaseUnavailableError) as info, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    message = str(info.value)
    assert "127.0.0.1" in message and "s3cret-pw" not in message
    assert "s3cret-pw" not in repr(info.value)
    engine.dispose()


def test_handles_and_urls_mask_the_password() -> None:
    db = Database(SecretStr(URL))
    assert "s3cret-pw" not in str(db) and "s3cret-pw" not in repr(db)
    assert safe_url(URL) == "postgresql+psycopg://analyst:***@127.0.0.1:1/accords"
