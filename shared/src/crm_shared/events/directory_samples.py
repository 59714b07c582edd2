"""The directory's sample events (see :mod:`crm_shared.events.samples`)."""

from __future__ import annotations

from crm_shared.events import directory as dr
from crm_shared.events.base import EventData
from crm_shared.events.sample_story import REP, T0, at, with_changes


def _user(version: int) -> dr.UserSnapshot:
    return dr.UserSnapshot(
        id=REP,
        name="Marco Rossi",
        email="marco.rossi@crm.example",
        locale="en",
        time_zone="Europe/Berlin",
        working_hours=dr.WorkingHours(days=[1, 2, 3, 4, 5], start="09:00", end="17:30"),
        chat_handles={"slack": "U024BE7LH"},
        title="Account executive",
        roles=["sales"],
        department="sales",
        teams=[],
        active=True,
        created_at=T0,
        updated_at=T0,
        version=version,
    )


def directory_events() -> list[EventData]:
    created = _user(1)
    joined = with_changes(created, teams=["sales-east"], version=2, updated_at=at(5))
    updated = with_changes(joined, time_zone="Europe/Rome", version=3, updated_at=at(60))
    gone = with_changes(updated, active=False, deactivated_at=at(90 * 24 * 60), version=4, updated_at=at(90 * 24 * 60))
    team = dr.TeamSnapshot(
        id="sales-east", name="Sales East", department="sales", manager_id=REP, created_at=T0, updated_at=T0, version=1
    )
    return [
        dr.UserCreated(snapshot=created),
        dr.UserUpdated(
            snapshot=updated,
            changed_fields=["time_zone"],
            previous={"time_zone": "Europe/Berlin"},
            change_origin="console",
        ),
        dr.UserDeactivated(snapshot=gone),
        dr.MembershipChanged(snapshot=joined, team_id="sales-east", change="joined"),
        dr.TeamUpdated(snapshot=team),
    ]
