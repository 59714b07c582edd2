"""Lead conversion against the real contacts API (in this process, on the real store and
broker): look-ups carry no personal data in URLs (5), and the lead's company is linked,
found by name or e-mail domain, or created (6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from crm_contacts.entrypoints.api import create_api as create_contacts_api
from crm_contacts.settings import ContactsSettings
from crm_sales.adapters.contacts import HttpContactsClient
from crm_sales.bootstrap import Container, bootstrap
from crm_sales.settings import SalesSettings
from crm_shared.mongo import make_client
from crm_shared.topics import Topics

from ..conftest import client_on

pytestmark = pytest.mark.integration


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests on and keeps each one's method and URL (what an access log sees)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url}")
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def contacts_app(sales_settings: SalesSettings, topics: Topics) -> AsyncIterator[Any]:
    settings = ContactsSettings(
        MONGODB_URL=sales_settings.mongodb_url,
        KAFKA_BOOTSTRAP_SERVERS=sales_settings.kafka_bootstrap_servers,
        mongodb_database=f"{sales_settings.mongodb_database}_contacts",
        topic_prefix=sales_settings.topic_prefix,
        env="test",
    )
    app = create_contacts_api(settings)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        client = make_client(settings.mongodb_url)
        await client.drop_database(settings.database_name)
        await client.close()


async def test_conversions_look_up_by_body_and_link_the_company(
    contacts_app: Any, sales_settings: SalesSettings, topics: Topics, auth: Any
) -> None:
    transport = RecordingTransport(httpx.ASGITransport(app=contacts_app))
    client = HttpContactsClient(sales_settings, base_url="http://contacts", transport=transport)
    sales: Container = await bootstrap(sales_settings, role="api", provision=False, contacts=client)
    admin, rep = auth("root", "admin"), auth("alice", "sales", teams=["emea"])

    contacts_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=contacts_app), base_url="http://contacts")
    async with client_on(sales, sales_settings) as api, contacts_http as contacts:
        company = await contacts.post(
            "/customers",
            json={
                "kind": "company",
                "display_name": "Nordwind Logistik GmbH",
                "company_name": "Nordwind Logistik GmbH",
                "emails": ["info@nordwind.example"],
            },
            headers=admin,
        )
        assert company.status_code == 201, company.text
        nordwind = company.json()["id"]

        async def convert(**lead: Any) -> dict[str, Any]:
            r = await api.post("/leads", json={"owner_id": "alice", "team": "emea", **lead}, headers=rep)
            assert r.status_code == 201, r.text
            done = await api.post(f"/leads/{r.json()['id']}/convert", json={}, headers=rep)
            assert done.status_code == 200, done.text
            return dict(done.json())

        by_name = await convert(
            first_name="Lena",
            last_name="Fischer",
            company_name="NORDWIND LOGISTIK GMBH",
            email="lena.fischer@elsewhere.example",
        )
        by_domain = await convert(
            first_name="Kai", last_name="Berg", company_name="Nordwind (Hamburg)", email="kai.berg@nordwind.example"
        )
        created = await convert(
            first_name="Max", last_name="Neu", company_name="Brandneu AG", email="max.neu@brandneu.example"
        )

        assert by_name["company"] == {"id": nordwind, "linked": "existing"}
        assert by_domain["company"] == {"id": nordwind, "linked": "existing"}
        assert created["company"]["linked"] == "created"
        new_company = (await contacts.get(f"/customers/{created['company']['id']}", headers=admin)).json()
        assert (new_company["kind"], new_company["display_name"]) == ("company", "Brandneu AG")
        for result, company_id in ((by_name, nordwind), (by_domain, nordwind), (created, new_company["id"])):
            person = (await contacts.get(f"/customers/{result['customer_id']}", headers=admin)).json()
            assert (person["kind"], person["company_id"]) == ("person", company_id)

    assert any(s.startswith("POST ") and s.endswith("/customers/lookup") for s in transport.seen)
    leaked = [s for s in transport.seen if "@" in s or "%40" in s or "email=" in s]
    assert leaked == []
