"""The one reader of image uploads (multipart/form-data with `purpose` and `file`), for the
files endpoint and the capture page's precheck alike."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.types import Message

from kyc.contracts import UPLOAD_PURPOSES, FilePurpose
from kyc.errors import InvalidRequest, MissingParameter, PayloadTooLarge

MULTIPART_OVERHEAD = 64 * 1024  # headers and boundaries around the file itself


@dataclass(frozen=True)
class Upload:
    purpose: FilePurpose
    data: bytes  # at most max_bytes + 1: one byte more tells the checks the file is too big


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The upload's purpose and bytes; a precise 4xx for anything else."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + MULTIPART_OVERHEAD:
        raise PayloadTooLarge(
            f"The upload is {declared} bytes; the limit is {max_bytes} bytes.", param="file"
        )
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequest("Upload files as multipart/form-data.", param="file")
    try:
        capped = capped_body(request, max_bytes + MULTIPART_OVERHEAD, max_bytes)
        form = await capped.form(max_files=1, max_fields=10)
    except PayloadTooLarge:
        raise
    except Exception as exc:
        raise InvalidRequest("The multipart body could not be parsed.", param="file") from exc
    try:
        unknown = sorted(k for k in form if k not in ("purpose", "file"))
        if unknown:
            raise InvalidRequest(f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        purpose = form.get("purpose")
        if not purpose:
            raise MissingParameter("Missing required param: purpose.", param="purpose")
        if purpose not in UPLOAD_PURPOSES:
            raise InvalidRequest(
                f"Invalid purpose: must be one of {', '.join(UPLOAD_PURPOSES)}.", param="purpose"
            )
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise MissingParameter("Missing required param: file.", param="file")
        data = await upload.read(max_bytes + 1)
    finally:
        await form.close()
    return Upload(purpose=purpose, data=data)  # type: ignore[arg-type]  # checked above


def capped_body(request: Request, limit: int, max_bytes: int) -> Request:
    """The request, refusing its body (413) once more than `limit` bytes arrive: a chunked
    body declares no length, and the multipart parser would spool all of it to disk."""
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(
                    f"The upload is larger than the limit of {max_bytes} bytes.",
                    param="file",
                )
        return message

    return Request(request.scope, receive)
