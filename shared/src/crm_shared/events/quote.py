"""Quote events (topic ``crm.quote``, published by sales, keyed by the deal's customer).

A quote is an offer on one deal: lines priced from the catalogue, totals computed by
sales (``Decimal``, rounded per line to the currency's minor unit, half up), numbered
revisions (changing a sent quote makes the next revision), and the customer's one
decision through a signed link. Every quote event carries the full :class:`QuoteSnapshot`.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import EventData, register
from crm_shared.events.common import CurrencyCode, Email, Money, Snapshot, UtcDatetime, Version

QuoteStatus = Literal["draft", "sent", "accepted", "declined", "expired"]


class QuoteLine(BaseModel):
    """One priced line; ``net``, ``tax`` and ``total`` are rounded to the currency's minor unit."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    product_id: str = Field(description="Catalogue product id.")
    sku: str = Field(description="The product's SKU when the line was priced.")
    name: str = Field(description="The product's name when the line was priced.")
    unit: str = Field(description="Unit of measure (`seat`, `month`, `piece`...).")
    quantity: Money = Field(description="Quantity as a decimal string.")
    unit_price: Money = Field(description="Price per unit before discount (from the price book, or set by the rep).")
    discount_pct: Money = Field(description="Discount in percent, 0-100.")
    tax_rate: Money = Field(description="Tax rate in percent.")
    net: Money = Field(description="quantity x unit_price x (1 - discount), rounded.")
    tax: Money = Field(description="net x tax_rate, rounded.")
    total: Money = Field(description="net + tax.")


class QuoteSnapshot(Snapshot):
    """The full current state of one quote."""

    id: str = Field(description="Quote id.")
    number: str = Field(description="Human quote number, e.g. `Q-3F2A9C`; the revision is shown as `Q-3F2A9C-2`.")
    revision: int = Field(ge=1, description="Quote revision: 1, then +1 each time a sent quote is changed.")
    deal_id: str = Field(description="The deal the quote is for.")
    customer_id: str = Field(description="The deal's customer (the Kafka key).")
    status: QuoteStatus = Field(description="draft → sent → accepted / declined / expired.")
    currency: CurrencyCode = Field(description="ISO 4217 currency of every amount of the quote.")
    lines: list[QuoteLine] = Field(description="The priced lines, in order.")
    subtotal: Money = Field(description="Sum of the lines' `net`.")
    tax_total: Money = Field(description="Sum of the lines' `tax`.")
    total: Money = Field(description="subtotal + tax_total: what the customer accepts.")
    valid_until: date = Field(description="Last day the customer may accept (the link expires after it).")
    owner_id: str | None = Field(default=None, description="The deal owner when the quote was made.")
    team: str | None = Field(default=None, description="The deal's team.")
    sent_at: UtcDatetime | None = Field(default=None, description="When this revision was sent.")
    decided_at: UtcDatetime | None = Field(default=None, description="When the customer accepted or declined.")
    created_at: UtcDatetime = Field(description="When the quote was created.")
    updated_at: UtcDatetime = Field(description="When the quote last changed.")
    version: Version = Field(description="Aggregate version, +1 on every change (≥ 1).")


class QuoteRecipient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    email: Email = Field(description="Where the quote was e-mailed (personal data).")
    name: str | None = Field(default=None, description="Whom it is addressed to.")


class QuoteAttachment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    filename: str = Field(description="e.g. `Q-3F2A9C-1.pdf`.")
    content_type: str = Field(description="MIME type (`application/pdf`).")
    content_base64: str = Field(description="The document as sent, base64 (a few tens of kB).")


class _QuoteEvent(EventData):
    topic: ClassVar[str] = "quote"
    source_service: ClassVar[str] = "sales"

    snapshot: QuoteSnapshot = Field(description="The quote after the change.")

    def aggregate_id(self) -> str:
        return self.snapshot.id

    def partition_key(self) -> str:
        return self.snapshot.customer_id

    def aggregate_version(self) -> int:
        return self.snapshot.version


@register
class QuoteSent(_QuoteEvent):
    """A quote revision was sent to the customer: the e-mail to send, with the PDF and the
    customer's signed link (notifications e-mails it to ``recipient``)."""

    event_type: ClassVar[str] = "crm.quote.sent"

    recipient: QuoteRecipient = Field(description="Who receives the quote.")
    link: str = Field(description="The customer's signed, expiring link to view and accept or decline.")
    expires_at: UtcDatetime = Field(description="When the link stops working.")
    attachment: QuoteAttachment = Field(description="The quote as PDF.")


@register
class QuoteAccepted(_QuoteEvent):
    """The customer accepted the quote through its link; sales sets the deal's amount."""

    event_type: ClassVar[str] = "crm.quote.accepted"


@register
class QuoteDeclined(_QuoteEvent):
    """The customer declined the quote through its link."""

    event_type: ClassVar[str] = "crm.quote.declined"

    reason: str | None = Field(default=None, description="The customer's reason, if given.")


@register
class QuoteExpired(_QuoteEvent):
    """A sent quote passed its `valid_until` without a decision."""

    event_type: ClassVar[str] = "crm.quote.expired"
