"""Integration events: the CloudEvents envelope and one model per event type."""

from crm_shared.events.base import EventData, event_class, register, registered_events
from crm_shared.events.envelope import CONTENT_TYPE, Actor, CloudEvent

__all__ = [
    "CONTENT_TYPE",
    "Actor",
    "CloudEvent",
    "EventData",
    "event_class",
    "register",
    "registered_events",
]
