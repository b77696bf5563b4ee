"""Snapshot store: import, combine lists, atomic pointer swap, cached current index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kyc.errors import NotFound, StorageUnavailable
from kyc.screening.models import ScreeningQuery
from kyc.screening.snapshots import POINTER_KEY, CurrentIndex, SnapshotStore


class MemoryStore:
    """A test double of kyc.storage.ObjectStore, in memory, recording the order of writes."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.writes: list[str] = []

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = data
        self.writes.append(key)

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(f"no object {key!r}")
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self, prefix: str) -> Iterator[str]:
        return iter(sorted(k for k in self.objects if k.startswith(prefix)))

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


@pytest.fixture()
def un_xml(sanctions_dir: Path) -> Path:
    return sanctions_dir / "un_consolidated_2026-02" / "UN_consolidated.xml"


@pytest.fixture()
def csl_csv(sanctions_dir: Path) -> Path:
    return sanctions_dir / "us_csl_sample" / "csl.csv"


def test_no_snapshot_before_import() -> None:
    snapshots = SnapshotStore(MemoryStore())
    assert snapshots.current() is None
    check = CurrentIndex(snapshots).check(ScreeningQuery(name="Faiz"))
    assert check.status == "not_run"


def test_import_records_source_date_hash_and_writes_pointer_last(un_xml: Path) -> None:
    store = MemoryStore()
    info = SnapshotStore(store).import_file(un_xml, "un_xml", source="https://example.test/un.xml")

    [imported] = info.lists
    assert imported.format == "un_xml"
    assert imported.source == "https://example.test/un.xml"
    assert imported.published == "2026-02-27T00:00:09.554Z"
    assert len(imported.content_sha256) == 64
    assert imported.entities == 1003
    assert imported.key.startswith(f"lists/snapshots/{info.snapshot_id}/")
    assert store.writes[-1] == POINTER_KEY
    assert SnapshotStore(store).current() == info


def test_snapshot_is_the_set_of_latest_imports(un_xml: Path, csl_csv: Path) -> None:
    store = MemoryStore()
    snapshots = SnapshotStore(store)
    first = snapshots.import_file(un_xml, "un_xml")
    second = snapshots.import_file(csl_csv, "us_csl")
    third = snapshots.import_file(un_xml, "un_xml")

    assert [i.format for i in second.lists] == ["un_xml", "us_csl"]
    assert [i.format for i in third.lists] == ["us_csl", "un_xml"]
    assert len({first.snapshot_id, second.snapshot_id, third.snapshot_id}) == 3
    index = snapshots.load_index(third)
    assert index.snapshot_id == third.snapshot_id
    assert len(index.entities) == 1003 + 115


def test_workers_swap_to_a_new_snapshot(un_xml: Path, csl_csv: Path) -> None:
    store = MemoryStore()
    snapshots = SnapshotStore(store)
    first = snapshots.import_file(csl_csv, "us_csl")
    current = CurrentIndex(snapshots, check_interval_s=0.0)
    query = ScreeningQuery(name="ABDULHAI SALEK", birth_date="1965")

    before = current.check(query)
    assert before.status == "clear"
    assert before.snapshot_id == first.snapshot_id
    old_index = current.get()
    assert current.get() is old_index  # unchanged pointer: no reload

    second = snapshots.import_file(un_xml, "un_xml")
    after = current.check(query)

    assert after.status == "hit"
    assert after.snapshot_id == second.snapshot_id
    assert after.hits[0].entity_id == "TAi.108"
    assert current.get() is not old_index


def test_cached_index_rechecks_the_pointer_only_after_the_interval(csl_csv: Path) -> None:
    store = MemoryStore()
    snapshots = SnapshotStore(store)
    current = CurrentIndex(snapshots, check_interval_s=3600.0)
    assert current.get() is None
    snapshots.import_file(csl_csv, "us_csl")
    assert current.get() is None  # within the interval: the cached answer stands


def test_loaded_index_stays_in_use_when_storage_is_down(csl_csv: Path) -> None:
    store = MemoryStore()
    snapshots = SnapshotStore(store)
    snapshots.import_file(csl_csv, "us_csl")
    current = CurrentIndex(snapshots, check_interval_s=0.0)
    loaded = current.get()
    assert loaded is not None

    def unavailable(key: str) -> bytes:
        raise StorageUnavailable("storage down")

    store.get = unavailable  # type: ignore[method-assign]
    assert current.get() is loaded
    with pytest.raises(StorageUnavailable):
        CurrentIndex(snapshots).get()  # nothing loaded yet: the error is the caller's to retry
