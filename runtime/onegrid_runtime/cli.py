"""``onegrid`` command: ``onegrid token --role ROLE [--department D07] [--committee M01] [--grid G001]``."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated

import typer

from onegrid_runtime.auth import Role, issue_token
from onegrid_runtime.settings import DEV_JWT_SECRET

app = typer.Typer(help="OneGrid operator commands", no_args_is_help=True, add_completion=False)


@app.callback()
def _root() -> None:
    """OneGrid operator commands."""


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="resident, grid_member, dispatcher, dept_staff, mediator, admin or system")],
    department: Annotated[str | None, typer.Option(help="Department code, e.g. D07 (dept_staff)")] = None,
    committee: Annotated[str | None, typer.Option(help="Mediation committee code, e.g. M01 (mediator)")] = None,
    grid: Annotated[str | None, typer.Option(help="Grid code, e.g. G001 (grid_member)")] = None,
    subject: Annotated[str | None, typer.Option(help="User id carried as the token's subject")] = None,
    jurisdiction: Annotated[str, typer.Option(help="Town code")] = os.environ.get("ONEGRID_JURISDICTION", "YYB"),
    hours: Annotated[float, typer.Option(help="Validity in hours")] = 12.0,
) -> None:
    """Print a bearer token signed with ONEGRID_JWT_SECRET (the local development secret by default)."""
    if role is Role.dept_staff and not department:
        raise typer.BadParameter("dept_staff needs --department", param_hint="--department")
    if role is Role.mediator and not committee:
        raise typer.BadParameter("mediator needs --committee", param_hint="--committee")
    if role is Role.grid_member and not grid:
        raise typer.BadParameter("grid_member needs --grid", param_hint="--grid")
    secret = os.environ.get("ONEGRID_JWT_SECRET", DEV_JWT_SECRET)
    typer.echo(
        issue_token(secret, role=role, subject=subject, jurisdiction=jurisdiction, department=department,
                    committee=committee, grid=grid, ttl=timedelta(hours=hours))
    )


def main() -> None:
    app()
