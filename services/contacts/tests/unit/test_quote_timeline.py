"""Quote events on the customer's timeline (contacts consumes ``crm.quote``)."""

from __future__ import annotations

from crm_contacts.adapters.memory_projection import InMemoryProjectionRepository
from crm_contacts.bootstrap import Container
from crm_contacts.domain.timeline import summarize

from .conftest import SALES, person
from .test_projection import about


async def test_quote_events_land_on_the_timeline_once_each(
    container: Container, projections: InMemoryProjectionRepository
) -> None:
    c = (await container.services.customers.create(SALES, person())).customer
    p = container.services.projection
    handlers = p.handlers_for("quote")
    assert set(handlers) == {"crm.quote.sent", "crm.quote.accepted", "crm.quote.declined", "crm.quote.expired"}
    sent, accepted = about("crm.quote.sent", c.id), about("crm.quote.accepted", c.id)
    for event in (sent, accepted, sent):  # the same event twice: one entry
        await handlers[event.type](event)
    view = await container.services.view360.view(SALES, c.id)
    items = [(i["type"], i["summary"]) for i in view["timeline"]["items"] if i["type"].startswith("crm.quote.")]
    assert sorted(items) == [
        ("crm.quote.accepted", "Quote Q-7C1D2E-1 accepted (44982.00 EUR)"),
        ("crm.quote.sent", "Quote Q-7C1D2E-1 sent (44982.00 EUR)"),
    ]
    [stored] = [e for e in projections.entries.values() if e.type == "crm.quote.sent"]
    assert "attachment" not in stored.event["data"]  # the timeline keeps the event, not the PDF
    assert summarize(about("crm.quote.expired", c.id)) == "Quote Q-7C1D2E-1 expired (44982.00 EUR)"
