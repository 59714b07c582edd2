"""Wiring of the e-mail gateway, called by ``bootstrap`` (the composition root).

The SMTP listener and the IMAP poll run in the **worker** process: it is the service's
long-running background role (the API scales with requests; the listener with mail).
The listener starts with the container and closes with its background; the poll is a
chassis ``Periodic`` job. Both hand messages to the one use case, ``InboundMail``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crm_shared.clock import Clock
from crm_shared.mongo import Database
from crm_shared.periodic import Periodic

from crm_service_desk.adapters.mail.blobs import InMemoryBlobs, LocalFolderBlobs
from crm_service_desk.adapters.mail.contacts import ContactsClient, InMemoryContacts
from crm_service_desk.adapters.mail.imap_poller import ImapPoller
from crm_service_desk.adapters.mail.index import InMemoryMailIndex, MongoMailIndex
from crm_service_desk.adapters.mail.smtp_listener import SmtpListener
from crm_service_desk.domain.mail import Limits
from crm_service_desk.domain.ticket import Comment, Ticket
from crm_service_desk.service.attachments import AttachmentFiles
from crm_service_desk.service.inbound import InboundMail
from crm_service_desk.service.mail_log import LogAddresses, SalesMailLog
from crm_service_desk.service.mail_out import ReplyMail
from crm_service_desk.service.mail_ports import BlobStore, CustomerLookup, MailIndex
from crm_service_desk.settings import ServiceDeskSettings

if TYPE_CHECKING:
    from crm_service_desk.bootstrap import Container


@dataclass
class MailGateway:
    inbound: InboundMail
    blobs: BlobStore
    index: MailIndex
    customers: CustomerLookup
    attachments: AttachmentFiles
    """Downloads of the kept files (``GET /tickets/{id}/attachments/{attachment_id}``)."""
    listener: SmtpListener | None = None
    jobs: list[Periodic] = field(default_factory=list)

    async def start(self) -> None:
        if self.listener is not None:
            await self.listener.start()

    async def forget_files(self, ticket: Ticket, comments: list[Comment]) -> None:
        for ref in [*ticket.attachments, *(a for c in comments for a in c.attachments)]:
            await self.blobs.delete(ref.key)


def reply_mail(settings: ServiceDeskSettings) -> ReplyMail:
    return ReplyMail(sender=settings.support_from, domain=settings.mail_domain)


def log_addresses(settings: ServiceDeskSettings) -> LogAddresses:
    return LogAddresses(secret=settings.mail_log_secret.get_secret_value(), domain=settings.mail_domain)


def _gateway(
    settings: ServiceDeskSettings,
    container: Container,
    *,
    index: MailIndex,
    blobs: BlobStore,
    customers: CustomerLookup,
    clock: Clock,
) -> MailGateway:
    sales_log = SalesMailLog(
        addresses=log_addresses(settings),
        customers=customers,
        ours=frozenset(settings.support_address_list),
        clock=clock,
    )
    limits = Limits(attachment_bytes=settings.attachment_max_bytes, total_bytes=settings.attachments_max_total_bytes)
    inbound = InboundMail(
        tickets=container.tickets,
        index=index,
        blobs=blobs,
        customers=customers,
        clock=clock,
        support_addresses=settings.support_address_list,
        domain=settings.mail_domain,
        limits=limits,
        sales_log=sales_log,
    )
    attachments = AttachmentFiles(queries=container.queries, tickets=container.tickets.repo, blobs=blobs)
    return MailGateway(inbound=inbound, blobs=blobs, index=index, customers=customers, attachments=attachments)


def build(
    settings: ServiceDeskSettings,
    container: Container,
    *,
    db: Database,
    role: str,
    jobs: bool,
    customers: CustomerLookup | None = None,
) -> MailGateway:
    """The gateway over the store, the blob folder and contacts' API; in the worker
    role also its listener (``CRM_INBOUND_SMTP_PORT``) and IMAP poll (``CRM_IMAP_HOST``)."""
    if customers is None:
        client = ContactsClient(settings, base_url=settings.contacts_url)
        container.background.on_close(client.close)
        customers = client
    gateway = _gateway(
        settings,
        container,
        index=MongoMailIndex(db),
        blobs=LocalFolderBlobs(settings.blob_dir),
        customers=customers,
        clock=container.clock,
    )
    container.replica.forget_files = gateway.forget_files
    if role != "worker":
        return gateway
    if settings.inbound_smtp_port >= 0:
        gateway.listener = SmtpListener(
            gateway.inbound.receive,
            accepts=gateway.inbound.accepts,
            host=settings.inbound_smtp_host,
            port=settings.inbound_smtp_port,
            max_bytes=settings.inbound_max_message_bytes,
        )
        container.background.on_close(gateway.listener.close)
    if jobs and settings.imap_host:
        poller = ImapPoller(
            gateway.inbound.receive,
            host=settings.imap_host,
            port=settings.imap_port,
            username=settings.imap_username,
            password=settings.imap_password.get_secret_value(),
            folder=settings.imap_folder,
            ssl=settings.imap_ssl,
        )
        job = Periodic("service-desk-imap", poller.poll_once, settings.imap_poll_interval_s)
        container.background.add(job)
        gateway.jobs.append(job)
    return gateway


def in_memory(settings: ServiceDeskSettings, container: Container) -> MailGateway:
    return _gateway(
        settings,
        container,
        index=InMemoryMailIndex(),
        blobs=InMemoryBlobs(),
        customers=InMemoryContacts(),
        clock=container.clock,
    )
