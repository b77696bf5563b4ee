"""Object storage over the S3 API, through the `minio` client only.

`ObjectStore` stores plain bytes; `kyc.crypto.SealedStore` wraps it to encrypt personal data.
Every failure of the service becomes `StorageUnavailable` (retryable); a missing key is `NotFound`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from kyc.errors import NotFound, StorageUnavailable


@dataclass(frozen=True)
class S3Config:
    endpoint: str  # host:port or http(s)://host:port
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"


class ObjectStore:
    """A bucket of objects addressed by key."""

    def __init__(self, config: S3Config) -> None:
        endpoint = config.endpoint
        secure = endpoint.startswith("https://")
        endpoint = endpoint.removeprefix("https://").removeprefix("http://").rstrip("/")
        # Short timeouts and few retries: Temporal retries activities with backoff, and a hung
        # storage call must not pin a worker slot.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3.0, read=30.0),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503]),
            maxsize=16,
        )
        self.bucket = config.bucket
        self._client = Minio(
            endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            secure=secure,
            region=config.region,
            http_client=http,
        )

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        try:
            if not self._client.bucket_exists(self.bucket):
                self._client.make_bucket(self.bucket)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"object storage unreachable: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key`, replacing any previous object."""
        try:
            self._client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"could not store object: {exc}") from exc

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Store `data` under `key` only if no object has that key (S3's conditional write,
        `If-None-Match: *`); False when one exists already."""
        try:
            # The single-part PutObject call: `put_object` would turn the header into user
            # metadata (x-amz-meta-if-none-match), which no store checks.
            self._client._put_object(
                self.bucket,
                key,
                data,
                headers={"If-None-Match": "*", "Content-Type": "application/octet-stream"},
            )
            return True
        except S3Error as exc:
            if exc.code in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise StorageUnavailable(f"could not store object: {exc}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"could not store object: {exc}") from exc

    def get(self, key: str) -> bytes:
        """Return the object's bytes; `NotFound` when there is no such key."""
        try:
            response = self._client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise NotFound(f"no object {key!r}") from exc
            raise StorageUnavailable(f"could not read object: {exc}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"could not read object: {exc}") from exc

    def exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise StorageUnavailable(f"could not stat object: {exc}") from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"could not stat object: {exc}") from exc

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`."""
        try:
            for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if obj.object_name is not None:
                    yield obj.object_name
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"could not list objects: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            self._client.remove_object(self.bucket, key)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"could not delete object: {exc}") from exc

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; returns how many were deleted."""
        keys = list(self.keys(prefix))
        for key in keys:
            self.delete(key)
        return len(keys)
