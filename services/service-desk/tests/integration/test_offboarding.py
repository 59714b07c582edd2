"""On the real broker and store: a deactivated agent's unsolved tickets go back to their
group (given at once to an active member when the group has some), flagged, through the
write path (``crm.ticket.assigned``); a replayed deactivation changes nothing; a group
that is a directory team takes its members from the directory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from crm_devtools.testkit import eventually
from crm_service_desk.domain.ticket import Ticket
from crm_shared.events import CloudEvent
from crm_shared.events.directory import MembershipChanged, TeamSnapshot, TeamUpdated, UserSnapshot
from crm_shared.events.envelope import Actor
from crm_shared.events.samples import sample_event

from .support import make_settings, new_container, publish, running_worker, ticket_events

pytestmark = pytest.mark.integration

ADMIN = Actor(id="root", department=None, kind="user")
NOW = datetime.now(UTC)


def user_event(event_type: str, user_id: str, version: int, **changes: Any) -> CloudEvent:
    data = sample_event(event_type).payload()
    snapshot: UserSnapshot = data.snapshot  # type: ignore[attr-defined]
    new = snapshot.model_copy(update={"id": user_id, "version": version, "teams": [], "active": True, **changes})
    return CloudEvent.wrap(data.model_copy(update={"snapshot": new}), actor=ADMIN, event_id=str(uuid.uuid4()))


def joined(user_id: str, team: str, version: int) -> CloudEvent:
    base = user_event("crm.directory.user_created", user_id, version, teams=[team]).payload()
    data = MembershipChanged(snapshot=base.snapshot, team_id=team, change="joined")  # type: ignore[attr-defined]
    return CloudEvent.wrap(data, actor=ADMIN)


def team(team_id: str) -> CloudEvent:
    snap = TeamSnapshot(id=team_id, name=team_id, department="service", created_at=NOW, updated_at=NOW, version=1)
    return CloudEvent.wrap(TeamUpdated(snapshot=snap), actor=ADMIN)


def ticket(n: int, *, assignee: str, group: str | None, status: str = "open") -> Ticket:
    return Ticket.model_validate(
        {"id": f"t{n}", "customer_id": "c1", "subject": f"T{n}", "channel": "web", "priority": "normal",
         "status": status, "group": group, "assignee_id": assignee, "created_at": NOW, "updated_at": NOW}
    )  # fmt: skip


async def test_a_deactivated_agents_open_tickets_go_back_to_their_group(crm_env: dict[str, str]) -> None:
    settings = make_settings(crm_env)
    container = await new_container(settings)
    try:
        await container.stores.groups.commit("billing", expected_version=0, doc={"members": ["sara", "tom"]}, actor="t")
        repo = container.ticket_repo
        for t in (
            ticket(1, assignee="tom", group="billing"),
            ticket(2, assignee="tom", group=None, status="pending"),
            ticket(3, assignee="tom", group="billing", status="solved"),
            ticket(4, assignee="sara", group="billing"),
        ):
            await repo.commit(t, expected_version=0, events=[], actor="user:a")
        directory = container.topics.directory
        gone = user_event("crm.directory.user_deactivated", "tom", 2, active=False)
        async with running_worker(settings):
            await publish(
                settings,
                (directory, user_event("crm.directory.user_created", "sara", 1)),
                (directory, user_event("crm.directory.user_created", "tom", 1)),
                (directory, gone),
            )

            async def released() -> bool:
                t1, t2 = await repo.require("t1"), await repo.require("t2")
                return t1.assignee_id == "sara" and t2.assignee_id is None

            await eventually(released, timeout_s=60)
            t1, t2, t3 = [await repo.require(i) for i in ("t1", "t2", "t3")]
            assert t1.previous_assignee_deactivated == "tom"  # given to the group's active member
            assert (t2.previous_assignee_deactivated, t2.group) == ("tom", None)  # no group: waits unassigned
            assert (t3.assignee_id, t3.version) == ("tom", 1)  # solved work stays as it was
            assert (await repo.require("t4")).version == 1

            # replayed: nothing changes (then a marker shows the replay was handled)
            versions = {i: (await repo.require(i)).version for i in ("t1", "t2")}
            await publish(
                settings,
                (directory, gone),
                (directory, team("support-l2")),
                (directory, joined("ana", "support-l2", 1)),
                (directory, joined("ben", "support-l2", 1)),
            )

            async def team_known() -> bool:
                return sorted(await container.tickets.assigner.members("support-l2") or []) == ["ana", "ben"]

            await eventually(team_known, timeout_s=60)
            # tom's key again: the replay, then an update the replica shows once handled after it
            await publish(settings, (directory, gone))
            await publish(settings, (directory, user_event("crm.directory.user_updated", "tom", 3, active=False)))
            replica = container.infra.db["directory_users"]  # type: ignore[union-attr]

            async def handled() -> bool:
                doc = await replica.find_one({"_id": "tom"})
                return doc is not None and doc["version"] == 3

            await eventually(handled, timeout_s=30)
            assert {i: (await repo.require(i)).version for i in ("t1", "t2")} == versions

        # through the write path: crm.ticket.assigned from tom, by the service itself
        assigned = [e for e in await ticket_events(container) if e.type == "crm.ticket.assigned"]
        assert sorted(e.subject for e in assigned) == ["t1", "t2"]
        assert all(e.payload().previous_assignee_id == "tom" for e in assigned)  # type: ignore[attr-defined]
        assert all(e.actor.startswith("system:") for e in assigned)

        # a directory team's members decide: a configured copy of another name list is not read
        await container.stores.groups.commit("support-l2", expected_version=0, doc={"members": ["old"]}, actor="t")
        assert {await container.tickets.assigner.pick("support-l2") for _ in range(4)} == {"ana", "ben"}
        # an old group nobody made a directory team keeps its configured members
        assert await container.tickets.assigner.members("billing") == ["sara", "tom"]
    finally:
        await container.close()
