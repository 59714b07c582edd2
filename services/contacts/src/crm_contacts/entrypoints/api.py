"""Contacts' HTTP API process: ``python -m crm_contacts.entrypoints.api``."""

from __future__ import annotations

from crm_shared.chassis import ContainerFactory, create_service_api, serve_api
from crm_shared.settings import load_settings
from fastapi import FastAPI

from crm_contacts.bootstrap import Container, bootstrap
from crm_contacts.entrypoints.http import custom_fields, customers, emails, gdpr, live, lookup, merges, transfers, views
from crm_contacts.settings import ContactsSettings

ROUTERS = [m.router for m in (lookup, customers, merges, gdpr, views, custom_fields, live, emails, transfers)]


def create_api(
    settings: ContactsSettings | None = None, *, container_factory: ContainerFactory[Container] | None = None
) -> FastAPI:
    settings = settings or load_settings(ContactsSettings)
    factory = container_factory or (lambda: bootstrap(settings, role="api"))
    return create_service_api(settings, title="CRM contacts", routers=ROUTERS, container_factory=factory)


def main() -> None:
    serve_api(create_api, ContactsSettings)


if __name__ == "__main__":
    main()
