"""Development: the demo company's people come from the directory (``crm_shared.demo``).

Run at the API's start when ``CRM_SEED_DEMO_USERS`` (default: development only); creates
what is missing, so it is idempotent and safe beside a second process doing the same.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from crm_shared.auth import Principal
from crm_shared.demo import DEMO_USERS
from crm_shared.errors import Conflict

from crm_directory.domain.people import NewTeam, NewUser, TeamFields
from crm_directory.service.directory import Directory

log = logging.getLogger(__name__)

SEEDER = Principal(sub="directory-seed", roles=frozenset({"admin"}), kind="service")

DEMO_TEAMS = (
    NewTeam(id="sales-east", name="Sales East", department="sales", manager_id=None),
    NewTeam(id="sales-west", name="Sales West", department="sales", manager_id=None),
    NewTeam(id="support-l1", name="Support L1", department="service", manager_id=None),
    NewTeam(id="support-l2", name="Support L2", department="service", manager_id=None),
    NewTeam(id="marketing", name="Marketing", department="marketing", manager_id=None),
)
MANAGERS = {"sales-east": "li.wei", "sales-west": "li.wei", "support-l1": "liu.yang", "support-l2": "liu.yang"}
MANAGERS["marketing"] = "zhou.xin"
_ZONES = {"zh-CN": "Asia/Shanghai", "en": "Europe/Berlin"}


async def seed_demo_people(directory: Directory) -> int:
    made = 0
    for team in DEMO_TEAMS:
        if await directory.teams.get(team.id) is None:
            made += await _quietly(directory.create_team(by=SEEDER, team=team))
    for u in DEMO_USERS:
        if await directory.users.get(u.sub) is not None:
            continue
        user = NewUser(
            id=u.sub,
            name=u.name,
            email=u.email,
            locale=u.locale,
            time_zone=_ZONES.get(u.locale, "UTC"),
            title=u.title,
            roles=list(u.roles),
            department=u.department,
            teams=list(u.teams),
        )
        made += await _quietly(directory.create_user(by=SEEDER, user=user))
    for team_id, manager in MANAGERS.items():
        current = await directory.team(team_id)
        if current.manager_id is None:
            fields = TeamFields(manager_id=manager)
            made += await _quietly(
                directory.update_team(by=SEEDER, team_id=team_id, fields=fields, expected_version=current.version)
            )
    if made:
        log.info("demo people seeded", extra={"made": made})
    return made


async def _quietly(write: Awaitable[object]) -> int:
    try:
        await write
    except Conflict:  # another process made it first (VersionConflict is a Conflict)
        return 0
    return 1
