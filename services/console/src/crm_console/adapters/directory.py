"""The console's calls to the directory: who may sign in, as whom.

Development: the demo people are read from the directory (an admin token minted with the
development secret); when the directory does not answer (a console started alone), the
built-in demo list stands in. Production: a user signing in through OIDC is provisioned
with their own fresh token (``POST /users:provision``: the directory creates them from the
token's verified claims on the first sign-in and refuses a deactivated user).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx
from crm_shared.auth import mint_token

from crm_console.domain.sessions import Profile
from crm_console.settings import ConsoleSettings

log = logging.getLogger(__name__)


class Deactivated(Exception):
    """The directory refuses this user: deactivated."""


class DirectoryClient:
    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http
        self._base = settings.upstream_url("directory")

    def _dev_admin(self) -> dict[str, str]:
        token = mint_token(self._settings, sub="console", roles=["admin"], kind="service", ttl_s=60)
        return {"authorization": f"Bearer {token}"}

    async def users(self) -> list[dict[str, Any]] | None:
        """Every user (development sign-in list); None when the directory does not answer."""
        try:
            r = await self._http.get(f"{self._base}/users", headers=self._dev_admin())
        except httpx.HTTPError:
            return None
        if r.status_code != 200:
            return None
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def profile(self, sub: str) -> tuple[Profile, bool] | None:
        try:
            r = await self._http.get(f"{self._base}/users/{quote(sub, safe='')}", headers=self._dev_admin())
        except httpx.HTTPError:
            return None
        if r.status_code != 200:
            return None
        user = r.json()
        return profile_of(user), bool(user.get("active", True))

    async def provision(self, profile: Profile, *, access_token: str) -> None:
        body = {"id": profile.sub, "name": profile.name or profile.sub, "email": profile.email}
        if profile.locale in ("en", "zh-CN"):
            body["locale"] = profile.locale
        r = await self._http.post(
            f"{self._base}/users:provision", json=body, headers={"authorization": f"Bearer {access_token}"}
        )
        if r.status_code == 403:
            raise Deactivated(profile.sub)
        r.raise_for_status()


def profile_of(user: dict[str, Any]) -> Profile:
    return Profile(
        sub=user["id"],
        name=user["name"],
        email=user["email"],
        roles=tuple(user.get("roles") or ()),
        department=user.get("department"),
        teams=tuple(user.get("teams") or ()),
        locale=user.get("locale") or "en",
    )
