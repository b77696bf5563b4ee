"""Length limits of what the API stores: ONE table, read by the input models (api/params.py)
and the columns (kyc/db/tables.py), so the API never accepts what the database cannot hold.

A review note can become the session's `last_error.reason`, so it shares that column's limit.
"""

from __future__ import annotations

METADATA_KEYS = 50  # Stripe's limits
METADATA_KEY_LENGTH = 40
METADATA_VALUE_LENGTH = 500
CLIENT_REFERENCE_ID_LENGTH = 200
URL_LENGTH = 2000  # return_url, webhook endpoint url
ERROR_REASON_LENGTH = 1000  # last_error.reason
REVIEW_NOTE_LENGTH = ERROR_REASON_LENGTH
ERROR_CODE_LENGTH = 64  # last_error.code, a review's reason
OBJECT_ID_LENGTH = 255  # ids named by a request (cursors, filters)
EVENT_TYPE_LENGTH = 80
IDEMPOTENCY_KEY_LENGTH = 255
SCREENING_VERDICTS = 100  # screening_hits per review decision
