"""Erasure on the real store: a customer's quotes and every stored revision of them lose
the addressee, the decline text and the PDF as sent (the same rule as the in-memory fake,
tested in ``tests/unit/test_quotes_use_cases.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from crm_sales.adapters.quote_store import QUOTES, MongoQuotes
from crm_shared.events import CloudEvent
from crm_shared.events.samples import sample_event

pytestmark = pytest.mark.integration


async def test_erase_customer_strips_quotes_and_their_revisions(
    store_audit: tuple[Any, Any], mongo_database: str
) -> None:
    client, _ = store_audit
    store = MongoQuotes(client[mongo_database], snapshots=QUOTES, publisher=None, publish_in_background=False)
    sent = sample_event("crm.quote.sent")
    data = sent.model_dump(mode="json")["data"]
    data["recipient"] = {"email": "lena@acme.example", "name": "Lena Fischer"}
    data["snapshot"]["customer_id"] = "cust-9"
    event = CloudEvent.model_validate({**sent.model_dump(mode="json"), "data": data})
    snapshot = {**data["snapshot"], "sent_to": "lena@acme.example", "decline_reason": None}
    quote_id = snapshot["id"]
    await store.commit(
        aggregate_id=quote_id, expected_version=0, snapshot=snapshot, events=[("crm.quote", event)],
        actor="user:ana", publish=False,
    )  # fmt: skip
    other = {**snapshot, "id": "q-other", "customer_id": "cust-other"}
    await store.commit(aggregate_id="q-other", expected_version=0, snapshot=other, events=[], actor="user:ana")
    before = repr(await store.revisions.find({"aggregate_id": quote_id}).to_list(None))
    assert "lena@acme.example" in before
    assert "Lena Fischer" in before

    assert await store.erase_customer("cust-9") == 1

    stored = repr(await store.revisions.find({"aggregate_id": quote_id}).to_list(None))
    stored += repr(await store.snapshots.find_one({"_id": quote_id}))
    attachment = data["attachment"]["content_base64"]
    for secret in ("lena@acme.example", "Lena Fischer", attachment):
        assert secret not in stored
    assert (await store.snapshots.find_one({"_id": "q-other"}) or {})["sent_to"] == "lena@acme.example"
