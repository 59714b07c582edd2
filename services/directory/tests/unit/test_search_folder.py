"""The search index's state folder without a broker: reopened as it was, rebuilt when its
state is missing, unreadable, of another schema or does not match the index; erased ids
survive the rebuild; a second process never gets (nor wipes) a held folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crm_directory.search.documents import SearchDoc
from crm_directory.search.folder import ERASED, STATE, FolderBusy, SearchFolder
from crm_directory.search.projection import SearchProjection
from crm_shared.events import CloudEvent
from crm_shared.events import customer as c
from crm_shared.events.envelope import Actor
from crm_shared.events.sample_story import customer_at

ACTOR = Actor(id="t", department="sales", kind="user")
HEAP = 15_000_000


def created(customer_id: str, version: int, name: str) -> CloudEvent:
    snapshot = customer_at(version, id=customer_id, display_name=name)
    return CloudEvent.wrap(c.CustomerCreated(snapshot=snapshot, change_origin="t"), actor=ACTOR)


def filled(path: Path) -> SearchFolder:
    folder = SearchFolder(path)
    index, resumed = folder.open(heap_bytes=HEAP)
    assert resumed is None  # a new folder is built from the start
    index.upsert(SearchDoc(kind="person", id="p1", version=3, title="Lena Fischer", customer_id="p1"))
    index.commit()
    folder.save(offsets={"crm.customer:0": 7}, docs=index.count(), unowned={"c9"})
    index.close()
    folder.release()
    return folder


def test_a_saved_folder_reopens_with_its_offsets_and_documents(tmp_path: Path) -> None:
    filled(tmp_path)
    folder = SearchFolder(tmp_path)
    index, resumed = folder.open(heap_bytes=HEAP)
    assert resumed is not None
    assert resumed.offsets == {"crm.customer:0": 7}
    assert resumed.unowned == {"c9"}
    found = index.get("person:p1")
    assert found is not None
    assert found.version == 3

    # a resumed projection knows the indexed version: an older replay changes nothing
    projection = SearchProjection(index, resumed=True)
    projection.apply(created("p1", 2, "Old Name"))
    assert projection.dirty is False
    projection.apply(created("p1", 4, "Lena Weber"))
    assert projection.dirty is True


@pytest.mark.parametrize(
    "spoil",
    [
        lambda p: (p / STATE).write_text("{not json"),
        lambda p: (p / STATE).unlink(),
        lambda p: (p / STATE).write_text(json.dumps({**json.loads((p / STATE).read_text()), "schema": 0})),
        lambda p: (p / STATE).write_text(json.dumps({**json.loads((p / STATE).read_text()), "docs": 5})),
        lambda p: (p / "index" / "meta.json").write_text("garbage"),
    ],
    ids=["unparsable", "missing", "other-schema", "count-differs", "index-corrupt"],
)
def test_a_spoiled_folder_is_rebuilt_from_the_start(tmp_path: Path, spoil: object) -> None:
    filled(tmp_path)
    spoil(tmp_path)  # type: ignore[operator]
    index, resumed = SearchFolder(tmp_path).open(heap_bytes=HEAP)
    assert resumed is None
    assert index.count() == 0
    assert not (tmp_path / STATE).exists()


def test_erased_ids_survive_a_rebuild_and_keep_the_customer_out(tmp_path: Path) -> None:
    folder = SearchFolder(tmp_path)
    index, _ = folder.open(heap_bytes=HEAP)
    projection = SearchProjection(index, remember_erased=folder.remember_erased)
    projection.apply(created("p1", 1, "Lena Fischer"))
    projection.erase("p1")
    assert (tmp_path / ERASED).read_text() == "p1\n"
    index.close()
    folder.release()
    (tmp_path / STATE).unlink(missing_ok=True)

    again = SearchFolder(tmp_path)
    index, resumed = again.open(heap_bytes=HEAP)
    assert resumed is None
    rebuilt = SearchProjection(index, erased=again.erased(), remember_erased=again.remember_erased)
    rebuilt.apply(created("p1", 1, "Lena Fischer"))  # the topics read again from the start
    index.commit()
    assert index.get("person:p1") is None
    assert (tmp_path / ERASED).read_text() == "p1\n"


def test_a_folder_held_by_another_process_is_neither_opened_nor_wiped(tmp_path: Path) -> None:
    filled(tmp_path)
    holder = SearchFolder(tmp_path)
    index, resumed = holder.open(heap_bytes=HEAP)
    assert resumed is not None
    state = (tmp_path / STATE).read_text()
    with pytest.raises(FolderBusy):
        SearchFolder(tmp_path).open(heap_bytes=HEAP)
    assert (tmp_path / STATE).read_text() == state
    assert index.get("person:p1") is not None
