"""Macros (canned replies): CRUD with the team rules, and the preview of a body for one
ticket. Applying a macro is the agent posting the rendered text as a normal comment
(``POST /tickets/{id}/comments``), so it takes the ticket's one write path."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import Principal
from crm_shared.clock import Clock
from crm_shared.errors import Forbidden, NotFound, VersionConflict

from crm_service_desk.domain import macros, permissions
from crm_service_desk.domain.macros import MacroIn
from crm_service_desk.domain.mail import ticket_token
from crm_service_desk.domain.ticket import Ticket
from crm_service_desk.service.csat import CsatService
from crm_service_desk.service.ports import CustomerDirectory, DocumentStore, TicketStore

Document = dict[str, Any]


def _rule(doc: Document) -> dict[str, Any]:
    return {"scope": doc["scope"], "team": doc.get("team"), "owner_id": doc.get("owner_id")}


class MacroService:
    def __init__(
        self,
        *,
        macros: DocumentStore,
        tickets: TicketStore,
        customers: CustomerDirectory,
        csat: CsatService,
        clock: Clock,
    ) -> None:
        self.macros = macros
        self.tickets = tickets
        self.customers = customers
        self.csat = csat
        self.clock = clock

    async def visible(self, *, principal: Principal, team: str | None = None) -> list[Document]:
        """The macros the caller may use, by name (``team``: that team's only)."""
        docs = await self.macros.find({"deleted": False} if team is None else {"deleted": False, "team": team})
        usable = [d for d in docs if permissions.can_use_macro(principal, **_rule(d))]
        return sorted(usable, key=lambda d: (str(d["name"]).casefold(), d["_id"]))

    async def get(self, *, principal: Principal, macro_id: str) -> Document:
        doc = await self.macros.get(macro_id)
        if doc is None or doc.get("deleted"):
            raise NotFound(f"macro {macro_id} does not exist")
        if not permissions.can_use_macro(principal, **_rule(doc)):
            raise Forbidden("this macro belongs to another team or person")
        return doc

    async def create(self, *, principal: Principal, macro: MacroIn) -> Document:
        owner = principal.sub if macro.scope == "personal" else None
        if not permissions.can_manage_macro(principal, scope=macro.scope, team=macro.team, owner_id=owner):
            raise Forbidden(_MANAGE)
        macro_id, now = str(uuid.uuid4()), self.clock()
        doc = {**macro.model_dump(mode="json"), "owner_id": owner, "deleted": False, "created_by": principal.sub}
        doc |= {"created_at": now, "updated_at": now}
        await self.macros.commit(macro_id, expected_version=0, doc=doc, actor=principal.actor().header_value())
        return await self._saved(macro_id)

    async def replace(self, *, principal: Principal, macro_id: str, expected_version: int, macro: MacroIn) -> Document:
        current = await self._for_change(principal, macro_id, expected_version)
        owner = principal.sub if macro.scope == "personal" else None
        if macro.scope == "personal" and current["scope"] == "personal":
            owner = current.get("owner_id")  # an admin editing someone's macro keeps its owner
        if not permissions.can_manage_macro(principal, scope=macro.scope, team=macro.team, owner_id=owner):
            raise Forbidden(_MANAGE)
        doc = {**current, **macro.model_dump(mode="json"), "owner_id": owner, "updated_at": self.clock()}
        await self.macros.commit(macro_id, expected_version=expected_version, doc=doc, actor=_actor(principal))
        return await self._saved(macro_id)

    async def delete(self, *, principal: Principal, macro_id: str, expected_version: int) -> None:
        current = await self._for_change(principal, macro_id, expected_version)
        doc = {**current, "deleted": True, "updated_at": self.clock()}
        await self.macros.commit(macro_id, expected_version=expected_version, doc=doc, actor=_actor(principal))

    async def preview(self, *, principal: Principal, ticket_id: str, macro_id: str) -> dict[str, Any]:
        """The macro's body rendered for the ticket, and its actions: what the console
        puts in the reply box (the agent may still edit it before posting)."""
        macro = await self.get(principal=principal, macro_id=macro_id)
        ticket = await self.tickets.require(ticket_id)
        if not permissions.can_work(principal, ticket):
            raise Forbidden("you may not reply on this ticket (it is not in your groups)")
        body = macros.render(str(macro["body"]), await self._context(principal, ticket))
        return {"macro_id": macro_id, "name": macro["name"], "body": body, "actions": macro.get("actions") or {}}

    async def _context(self, principal: Principal, ticket: Ticket) -> dict[str, Any]:
        requester = ticket.requester_name
        if not requester:
            customer = await self.customers.get(ticket.customer_id)
            requester = str((customer or {}).get("display_name") or "")
        return {
            "ticket": {
                "number": ticket_token(ticket.id),
                "subject": ticket.subject,
                "status": ticket.status,
                "priority": ticket.priority,
            },
            "requester": {"name": requester},
            "agent": {"name": principal.name or principal.sub},
            "csat_url": self.csat.url(ticket) or "",
        }

    async def _for_change(self, principal: Principal, macro_id: str, expected_version: int) -> Document:
        current = await self.macros.get(macro_id)
        if current is None or current.get("deleted"):
            raise NotFound(f"macro {macro_id} does not exist")
        if not permissions.can_manage_macro(principal, **_rule(current)):
            raise Forbidden(_MANAGE)
        if int(current["version"]) != expected_version:
            raise VersionConflict(
                f"the macro is at version {current['version']}", current_version=int(current["version"])
            )
        return current

    async def _saved(self, macro_id: str) -> Document:
        doc = await self.macros.get(macro_id)
        assert doc is not None
        return doc


_MANAGE = "admins manage every macro, team leads their teams' macros, agents their personal ones"


def _actor(principal: Principal) -> str:
    return principal.actor().header_value()
