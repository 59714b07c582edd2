"""Integration events: the CloudEvents envelope and one model per event type.

Importing this package registers every event type (see :mod:`.catalog`).
The catalogue for humans is ``docs/events/README.md``.
"""

from crm_shared.events import catalog  # registers every event type
from crm_shared.events.base import EventData, event_class, register, registered_events, upcaster
from crm_shared.events.common import ChangeEvent, Snapshot
from crm_shared.events.customer import (
    Address,
    Consent,
    CustomerCreated,
    CustomerErased,
    CustomerMerged,
    CustomerSnapshot,
    CustomerUpdated,
)
from crm_shared.events.deal import (
    DealCreated,
    DealFollowUpDue,
    DealLost,
    DealSnapshot,
    DealStageChanged,
    DealUpdated,
    DealWon,
)
from crm_shared.events.envelope import CONTENT_TYPE, Actor, CloudEvent
from crm_shared.events.lead import (
    LeadAssigned,
    LeadConverted,
    LeadCreated,
    LeadDisqualified,
    LeadSnapshot,
    LeadUpdated,
    lead_partition_key,
)
from crm_shared.events.marketing import ConsentRecorded, SegmentMembershipChanged
from crm_shared.events.notification import NotificationDelivered, NotificationFailed
from crm_shared.events.ticket import (
    TicketAssigned,
    TicketClosed,
    TicketCommented,
    TicketCsatRecorded,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketSlaBreached,
    TicketSlaWarning,
    TicketSnapshot,
    TicketStatusChanged,
    TicketUpdated,
)

__all__ = [
    "CONTENT_TYPE",
    "Actor",
    "Address",
    "ChangeEvent",
    "CloudEvent",
    "Consent",
    "ConsentRecorded",
    "CustomerCreated",
    "CustomerErased",
    "CustomerMerged",
    "CustomerSnapshot",
    "CustomerUpdated",
    "DealCreated",
    "DealFollowUpDue",
    "DealLost",
    "DealSnapshot",
    "DealStageChanged",
    "DealUpdated",
    "DealWon",
    "EventData",
    "LeadAssigned",
    "LeadConverted",
    "LeadCreated",
    "LeadDisqualified",
    "LeadSnapshot",
    "LeadUpdated",
    "NotificationDelivered",
    "NotificationFailed",
    "SegmentMembershipChanged",
    "Snapshot",
    "TicketAssigned",
    "TicketClosed",
    "TicketCommented",
    "TicketCsatRecorded",
    "TicketOpened",
    "TicketReopened",
    "TicketResolved",
    "TicketSlaBreached",
    "TicketSlaWarning",
    "TicketSnapshot",
    "TicketStatusChanged",
    "TicketUpdated",
    "catalog",
    "event_class",
    "lead_partition_key",
    "register",
    "registered_events",
    "upcaster",
]
