"""Typed domain errors.

Every error carries its public code (Stripe's where Stripe has one), a human message, and whether
retrying could help. One place maps them to Temporal `ApplicationError`s (activities/_errors.py)
and one place maps them to HTTP (api/errors.py).
"""

from __future__ import annotations


class KycError(Exception):
    """Base of every domain error. `code` is the public error code."""

    code: str = "unknown_error"
    http_status: int = 400
    retryable: bool = False
    error_type: str = "invalid_request_error"

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.param = param

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# --- request errors (HTTP 4xx) -------------------------------------------------------------------


class InvalidRequest(KycError):
    code = "parameter_invalid"


class MissingParameter(KycError):
    code = "parameter_missing"


class UnknownParameter(KycError):
    code = "parameter_unknown"


class NotFound(KycError):
    code = "resource_missing"
    http_status = 404


class AuthenticationFailed(KycError):
    code = "invalid_api_key"
    http_status = 401
    error_type = "authentication_error"


class PermissionDenied(KycError):
    code = "permission_denied"
    http_status = 403
    error_type = "invalid_request_error"


class InvalidState(KycError):
    """The resource exists but is not in a state that allows the operation."""

    code = "session_invalid_state"
    http_status = 400


class SessionRedacted(InvalidState):
    """The session is being (or was) redacted: nothing may be written for it any more (the
    redaction fence, kyc.redaction). Never retryable: the redaction is not undone."""

    code = "session_redacted"


class IdempotencyConflict(KycError):
    code = "idempotency_key_in_use"
    http_status = 409
    error_type = "idempotency_error"


class PayloadTooLarge(KycError):
    code = "file_too_large"
    http_status = 413


# --- verification outcomes (become `last_error.code` of a session) --------------------------------


class VerificationError(KycError):
    """A check failed in a way the person can fix by submitting again: non-retryable."""


class ImageRejected(VerificationError):
    """Input that is not a usable image: wrong type, too big, a decompression bomb, too small."""

    code = "image_quality_insufficient"


class ImageQualityInsufficient(VerificationError):
    """A real image that is too blurred, dark, bright, glared or small to read."""

    code = "image_quality_insufficient"


class DocumentUnreadable(VerificationError):
    code = "document_unreadable"


class DocumentUnverified(VerificationError):
    code = "document_unverified_other"


class DocumentExpired(VerificationError):
    code = "document_expired"


class DocumentTypeNotSupported(VerificationError):
    code = "document_type_not_supported"


class UnderSupportedAge(VerificationError):
    code = "under_supported_age"


class SelfieDocumentMissingPhoto(VerificationError):
    code = "selfie_document_missing_photo"


class SelfieUnverified(VerificationError):
    code = "selfie_unverified_other"


class SelfieFaceMismatch(VerificationError):
    code = "selfie_face_mismatch"


# --- infrastructure (retryable) -------------------------------------------------------------------


class InfrastructureError(KycError):
    """Storage, database or network trouble: retry with backoff."""

    code = "api_error"
    http_status = 503
    retryable = True
    error_type = "api_error"


class StorageUnavailable(InfrastructureError):
    code = "storage_unavailable"


class ListUnavailable(KycError):
    """A sanctions list could not be read or downloaded."""

    code = "list_unavailable"


# --- selfie presentation and quality (issue 16) ---------------------------------------------------


class SelfieManipulated(VerificationError):
    """The selfie is not a live capture of a person: the document image, a crop of it, or a
    photo of a photo or screen. `reason` says which (kyc/faces/presentation.py)."""

    code = "selfie_manipulated"


# --- webhooks -------------------------------------------------------------------------------------


class UnsafeWebhookUrl(InvalidRequest):
    """A webhook URL that is not a public https endpoint, or resolves to a non-public address."""

    code = "url_invalid"


class WebhookEndpointLimit(KycError):
    """The platform already has the maximum number of webhook endpoints."""

    code = "webhook_endpoint_limit_reached"


# --- database (kyc/db/errors.py maps every SQLAlchemy error class to one of these) -------------


class DatabaseUnavailable(InfrastructureError):
    """Down, locked, out of connections, or not migrated yet: an operator or time fixes it."""

    code = "database_unavailable"


class DataConflict(KycError):
    """A uniqueness or foreign-key rule refused the write (a concurrent request won): a retry
    sees the winner's row, so activities retry it."""

    code = "resource_conflict"
    http_status = 409
    retryable = True


class DataRejected(KycError):
    """The database refused a value (too long, out of range): retrying cannot help."""

    code = "parameter_invalid"


class RateLimited(KycError):
    """Too many requests in a short time (Stripe answers 429 with this code)."""

    code = "rate_limit"
    http_status = 429
