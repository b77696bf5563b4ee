"""The one place where domain errors become Temporal `ApplicationError`s.

The error's public code is the `type`, so the workflow can put it in `last_error.code`;
verification errors are non-retryable (retrying a blurred photo gives a blurred photo),
infrastructure errors are retried by the activity's RetryPolicy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio.exceptions import ApplicationError

from kyc.errors import KycError

F = TypeVar("F", bound=Callable[..., Any])


def to_application_error(error: KycError) -> ApplicationError:
    return ApplicationError(error.message, type=error.code, non_retryable=not error.retryable)


def domain_errors(fn: F) -> F:
    """Re-raise `KycError`s from a sync activity as typed `ApplicationError`s."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KycError as error:
            raise to_application_error(error) from error

    return wrapper  # type: ignore[return-value]


def async_domain_errors(fn: F) -> F:
    """Same as `domain_errors`, for async activities."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(*args, **kwargs)
        except KycError as error:
            raise to_application_error(error) from error

    return wrapper  # type: ignore[return-value]
