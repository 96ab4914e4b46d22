"""Database errors the pipeline tells apart from data errors."""


class DatabaseError(Exception):
    """Root of the errors raised by ``db``."""


class DatabaseUnavailableError(DatabaseError):
    """The database could not be reached; the run can be retried once it is back."""
