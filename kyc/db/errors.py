"""The one mapping from SQLAlchemy's exception classes to typed domain errors.

Everything an operator or time can fix (connection lost, locked, pool exhausted, schema not
migrated yet) is retryable, so an outage delays work instead of failing it; a refused value or
a broken constraint is not, because the same write fails the same way again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa

from kyc.errors import DatabaseUnavailable, DataConflict, DataRejected, KycError


def database_error(error: sa.SQLAlchemyError) -> KycError:
    """The domain error `error` means; the message names its class, never the statement or its
    parameters (they can hold personal data)."""
    kind = type(error).__name__
    if isinstance(error, sa.IntegrityError):
        return DataConflict(f"The write conflicts with existing data ({kind}).")
    if isinstance(error, sa.DataError):
        return DataRejected(f"The database refused a value ({kind}).")
    # OperationalError, InterfaceError, InternalError, ProgrammingError (a missing migration),
    # pool TimeoutError, DisconnectionError and any other driver failure.
    return DatabaseUnavailable(f"The database is unavailable or busy ({kind}).")


@contextmanager
def database_errors() -> Iterator[None]:
    """Re-raise SQLAlchemy errors as typed domain errors."""
    try:
        yield
    except sa.SQLAlchemyError as error:
        raise database_error(error) from error
