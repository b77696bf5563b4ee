"""Versioned list snapshots in object storage, and the process-wide current index.

Layout (keys in the bucket):
    lists/snapshots/<snapshot_id>/<format>.json.gz   entities of one import (compact JSON)
    lists/snapshots/<snapshot_id>/manifest.json      SnapshotInfo: every list in the snapshot
    lists/current.json                               {"snapshot_id", "manifest"}: written last

A snapshot is the set of the latest import of each list: importing OFAC then UN gives one with
both. Readers follow the pointer, which is replaced in one PUT after everything it points to
is stored, so a reader sees either the old snapshot or the new one, never a half-written one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from kyc.errors import NotFound, StorageUnavailable
from kyc.screening.entities import ListedEntity
from kyc.screening.index import REVIEW_THRESHOLD, ScreeningIndex
from kyc.screening.loaders import load_list
from kyc.screening.models import ScreeningCheck, ScreeningQuery

POINTER_KEY = "lists/current.json"
SNAPSHOT_PREFIX = "lists/snapshots/"


class ObjectStoreLike(Protocol):
    """What the snapshot store needs of `kyc.storage.ObjectStore`."""

    def put(self, key: str, data: bytes, content_type: str = ...) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...


class ListImport(BaseModel):
    """One imported list file inside a snapshot."""

    format: str  # loader format: "ofac_sdn", "un_xml", ...
    source: str  # where it came from: a path or URL
    published: str | None = None  # the list's own publish date, when the file states it
    content_sha256: str  # of the imported file(s)
    entities: int
    key: str  # object key of the gzip JSON entities
    imported_at: str


class SnapshotInfo(BaseModel):
    """A screening snapshot: the lists it holds. `snapshot_id` goes into every report."""

    snapshot_id: str
    created_at: str
    lists: list[ListImport]


def content_hash(path: Path, format: str) -> str:
    """SHA-256 of a list file, or of the four OFAC files (name and bytes) of a folder."""
    digest = hashlib.sha256()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    else:
        files = [path]
    for file in files:
        digest.update(file.name.encode() + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()


def published_date(path: Path, format: str) -> str | None:
    """The publish date the file itself states (UN dateGenerated, OpenSanctions LAST_CHANGE)."""
    if path.is_dir():
        return None
    head = path.open("rb").read(4096).decode("utf-8", errors="replace")
    if format == "un_xml" and (m := re.search(r'dateGenerated="([0-9T:\-.Z]+)"', head)):
        return m.group(1)
    if format == "opensanctions_senzing":
        dates = re.findall(r'"LAST_CHANGE":"([0-9T:\-]+)"', path.read_text(errors="replace"))
        return max(dates) if dates else None
    return None


def _now() -> datetime:
    return datetime.now(UTC)


class SnapshotStore:
    """Imports lists into versioned snapshots and reads the current one."""

    def __init__(self, store: ObjectStoreLike) -> None:
        self.store = store

    def import_file(self, path: Path, format: str, source: str | None = None) -> SnapshotInfo:
        """Load `path` as `format`, store it, and make a new current snapshot that holds it
        together with the latest import of every other list."""
        path = Path(path)
        entities = load_list(path, format)
        now = _now()
        sha = content_hash(path, format)
        previous = self.current()
        kept = [i for i in (previous.lists if previous else []) if i.format != format]
        combined = hashlib.sha256(
            "".join(sorted([i.content_sha256 for i in kept] + [sha])).encode()
        ).hexdigest()
        snapshot_id = f"ls_{now:%Y%m%dT%H%M%S%f}_{combined[:8]}"
        key = f"{SNAPSHOT_PREFIX}{snapshot_id}/{format}.json.gz"
        payload = json.dumps([e.to_dict() for e in entities], separators=(",", ":"))
        self.store.put(key, gzip.compress(payload.encode(), mtime=0), "application/gzip")
        imported = ListImport(
            format=format,
            source=source or str(path),
            published=published_date(path, format),
            content_sha256=sha,
            entities=len(entities),
            key=key,
            imported_at=now.isoformat(),
        )
        info = SnapshotInfo(
            snapshot_id=snapshot_id, created_at=now.isoformat(), lists=[*kept, imported]
        )
        manifest = f"{SNAPSHOT_PREFIX}{snapshot_id}/manifest.json"
        self.store.put(manifest, info.model_dump_json().encode(), "application/json")
        pointer = {"snapshot_id": snapshot_id, "manifest": manifest}
        self.store.put(POINTER_KEY, json.dumps(pointer).encode(), "application/json")
        return info

    def current_id(self) -> str | None:
        """The current snapshot's id (one small read), None before any import."""
        pointer = self._pointer()
        return pointer["snapshot_id"] if pointer else None

    def _pointer(self) -> dict[str, str] | None:
        try:
            data: dict[str, str] = json.loads(self.store.get(POINTER_KEY))
        except NotFound:
            return None
        return data

    def current(self) -> SnapshotInfo | None:
        """The current snapshot, None before any import."""
        pointer = self._pointer()
        if pointer is None:
            return None
        return SnapshotInfo.model_validate_json(self.store.get(pointer["manifest"]))

    def load_entities(self, info: SnapshotInfo) -> list[ListedEntity]:
        """Every entity of every list in the snapshot."""
        entities: list[ListedEntity] = []
        for imported in info.lists:
            rows = json.loads(gzip.decompress(self.store.get(imported.key)))
            entities += [ListedEntity.from_dict(row) for row in rows]
        return entities

    def load_index(self, info: SnapshotInfo) -> ScreeningIndex:
        """The screening index of a snapshot, tagged with its id."""
        index = ScreeningIndex.build(self.load_entities(info))
        index.snapshot_id = info.snapshot_id
        return index


class CurrentIndex:
    """The index of the current snapshot, cached per process.

    `get()` reads the small pointer at most every `check_interval_s` and rebuilds the index only
    when the pointer's id changed; the new index replaces the old one in a single assignment,
    so concurrent screens use one snapshot or the other, whole.
    """

    def __init__(self, snapshots: SnapshotStore, check_interval_s: float = 30.0) -> None:
        self.snapshots = snapshots
        self.check_interval_s = check_interval_s
        self._index: ScreeningIndex | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def get(self) -> ScreeningIndex | None:
        """The current index, None when no list has been imported.

        While one thread loads a new snapshot the others keep screening with the previous
        index; if storage cannot be reached, the index already loaded stays in use.
        """
        if time.monotonic() - self._checked_at < self.check_interval_s:
            return self._index
        if not self._lock.acquire(blocking=self._index is None):
            return self._index  # another thread is checking or loading
        try:
            if time.monotonic() - self._checked_at < self.check_interval_s:
                return self._index
            try:
                current_id = self.snapshots.current_id()
                loaded = self._index.snapshot_id if self._index is not None else None
                if current_id != loaded:
                    info = self.snapshots.current()
                    self._index = self.snapshots.load_index(info) if info else None
            except StorageUnavailable:
                if self._index is None:
                    raise
            self._checked_at = time.monotonic()
            return self._index
        finally:
            self._lock.release()

    def check(self, query: ScreeningQuery, threshold: float | None = None) -> ScreeningCheck:
        """Screen `query` against the current snapshot, recording which one screened it."""
        limit = REVIEW_THRESHOLD if threshold is None else threshold
        index = self.get()
        if index is None:
            return ScreeningCheck(status="not_run", threshold=limit, reason="no list imported")
        hits = index.screen(query, limit)
        return ScreeningCheck(
            status="hit" if hits else "clear",
            hits=hits,
            snapshot_id=index.snapshot_id,
            threshold=limit,
        )
