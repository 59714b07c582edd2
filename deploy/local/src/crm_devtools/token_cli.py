"""``crm token``: mint a development bearer token (HS256, CRM_JWT_SECRET)."""

from __future__ import annotations

from typing import Annotated

import typer
from crm_shared.auth import Role, mint_token
from crm_shared.settings import CrmSettings, load_settings

app = typer.Typer(help="Mint development tokens.", no_args_is_help=False)


@app.callback(invoke_without_command=True)
def token(
    sub: Annotated[str, typer.Option(help="user or service-account id")] = "dev-admin",
    role: Annotated[
        list[str] | None, typer.Option("--role", "-r", help="repeatable; one of: " + ", ".join(r.value for r in Role))
    ] = None,
    department: Annotated[str | None, typer.Option("--department", "-d")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", "-t", help="repeatable")] = None,
    service: Annotated[bool, typer.Option("--service", help="a service account of another system")] = False,
    ttl: Annotated[int, typer.Option(help="seconds until it expires")] = 12 * 3600,
) -> None:
    settings = load_settings(CrmSettings)
    if settings.env == "production":
        raise typer.BadParameter("refusing to mint tokens with CRM_ENV=production; use your identity provider")
    roles = role or [Role.ADMIN.value]
    unknown = sorted(set(roles) - {r.value for r in Role})
    if unknown:
        raise typer.BadParameter(f"unknown role(s): {', '.join(unknown)}")
    typer.echo(
        mint_token(
            settings,
            sub=sub,
            roles=roles,
            department=department,
            teams=team or None,
            kind="service" if service else "user",
            ttl_s=ttl,
        )
    )
