"""``onegrid-intake``: import the grid and household registers from files.

    onegrid-intake import-grids grids.geojson --communities communities.csv [--dry-run]
    onegrid-intake import-households households.csv residents.csv [--dry-run]

Both check every row first and write nothing if anything is wrong (exit code 1 with the list of
problems); the database is INTAKE_DATABASE_URL (or --database-url)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from onegrid_runtime.db import Database
from onegrid_runtime.migrations import upgrade
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from intake.config import IntakeSettings
from intake.errors import RegisterImportRejected
from intake.grids import import_grids, load_index, read_grid_file
from intake.households import import_register

app = typer.Typer(help="OneGrid intake: register imports", no_args_is_help=True)
console = Console(stderr=True)
MIGRATIONS = Path(__file__).parent / "migrations"


def _settings(database_url: str | None) -> IntakeSettings:
    settings = IntakeSettings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


@app.command("import-grids")
def import_grids_command(
    geojson: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON FeatureCollection of grids")],
    communities: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="communities.csv")] = None,
    database_url: Annotated[str | None, typer.Option(help="default: INTAKE_DATABASE_URL")] = None,
    dry_run: Annotated[bool, typer.Option(help="check only")] = False,
) -> None:
    """Import or update grids (codes unique, polygons valid, no overlaps; gaps reported)."""
    settings = _settings(database_url)
    try:
        collection = read_grid_file(geojson, communities)
    except (ValidationError, ValueError) as exc:
        console.print(f"[red]{geojson}: not a grid FeatureCollection:[/red] {exc}")
        raise typer.Exit(1) from None

    async def run() -> int:
        await upgrade(MIGRATIONS, settings.database_url)
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                report = await import_grids(session, collection, jurisdiction=settings.jurisdiction, dry_run=dry_run)
        except RegisterImportRejected as exc:
            table = Table("feature", "grid", "problem", title="Rejected: nothing was imported")
            for problem in exc.extensions["report"]["errors"]:
                table.add_row(str(problem["feature"] if problem["feature"] is not None else "-"), str(problem["code"]),
                              problem["reason"])
            console.print(table)
            return 1
        finally:
            await db.dispose()
        for gap in report.gaps:
            console.print(f"[yellow]gap[/yellow] of {gap.area_m2} m² around ({gap.lat}, {gap.lon})")
        verb = "checked" if dry_run else "imported"
        console.print(f"{verb} {report.grids} grids: {report.created} new, {report.updated} updated, "
                      f"{len(report.gaps)} gap(s), {len(report.not_in_file)} registered grid(s) not in the file")
        return 0

    raise typer.Exit(asyncio.run(run()))


@app.command("import-households")
def import_households_command(
    households: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="households.csv")],
    residents: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="residents.csv")],
    database_url: Annotated[str | None, typer.Option(help="default: INTAKE_DATABASE_URL")] = None,
    dry_run: Annotated[bool, typer.Option(help="check only")] = False,
) -> None:
    """Import or update households and residents; every rejected row is listed (line, column, reason)."""
    settings = _settings(database_url)

    async def run() -> int:
        await upgrade(MIGRATIONS, settings.database_url)
        db = Database(settings.database_url)
        started = time.perf_counter()
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=False) as progress:
                tasks: dict[str, int] = {}

                def tick(stage: str, advance: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = progress.add_task(stage, total=total)
                    progress.advance(tasks[stage], advance)

                async with db.transaction() as session:
                    grids = await load_index(session)
                    report = await import_register(session, households, residents, grids=grids,
                                                   jurisdiction=settings.jurisdiction, dry_run=dry_run, progress=tick)
        finally:
            await db.dispose()
        if report.rejected:
            table = Table("file", "line", "column", "reason", title=f"{len(report.rejected)} rejected row(s): nothing was imported")
            for row in report.rejected:
                table.add_row(row.file, str(row.line), row.column, row.reason)
            console.print(table)
            return 1
        verb = "checked" if dry_run else "imported"
        console.print(f"{verb} {report.households} households ({report.households_created} new, "
                      f"{report.households_updated} updated) and {report.residents} residents "
                      f"({report.residents_created} new, {report.residents_updated} updated) "
                      f"in {time.perf_counter() - started:.1f} s")
        return 0

    raise typer.Exit(asyncio.run(run()))


def main() -> None:  # pragma: no cover - console script
    app(prog_name="onegrid-intake")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
