"""Who is calling a use case, on behalf of which department, in which flow."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_shared.auth import Principal
from crm_shared.events.envelope import Actor

from crm_contacts.domain.permissions import SYSTEM


@dataclass(frozen=True)
class Caller:
    actor: Actor
    roles: frozenset[str]
    origin: str
    """``change_origin`` of the events this call causes (``sales``, ``console``, ...)."""
    sub: str
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    extras: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        principal: Principal,
        *,
        origin: str | None = None,
        correlation_id: str | None = None,
        traceparent: str | None = None,
    ) -> Caller:
        default_origin = principal.department or (principal.sub if principal.kind == "service" else "api")
        return cls(
            actor=principal.actor(),
            roles=principal.roles,
            origin=origin or default_origin,
            sub=principal.sub,
            correlation_id=correlation_id,
            traceparent=traceparent,
        )

    @classmethod
    def system(cls, *, origin: str, correlation_id: str | None = None, causation_id: str | None = None) -> Caller:
        """Contacts itself (automation): actor ``system:contacts``."""
        return cls(
            actor=Actor.system("contacts"),
            roles=frozenset({SYSTEM}),
            origin=origin,
            sub="contacts",
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    @property
    def actor_header(self) -> str:
        return self.actor.header_value()
