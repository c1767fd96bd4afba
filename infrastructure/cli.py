"""The `nareis` command: serve the API, and tools around it."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from domain.errors import NareisError
from infrastructure.composition import Nareis, build
from infrastructure.settings import ConfigurationError, Settings

cli = typer.Typer(
    help="Nareis: family reunification cases for refugees' family members.",
    no_args_is_help=True,
    add_completion=False,
)


def _settings(generate_token: bool = False) -> Settings:
    try:
        return Settings.from_environment(generate_token=generate_token)
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Serve the HTTP API (NAREIS_DATABASE_URL, NAREIS_API_TOKENS)."""
    import uvicorn

    from infrastructure.api.app import create_app

    settings = _settings(generate_token=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        nareis = build(settings)
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None
    if settings.tokens_generated:
        token = next(iter(settings.tokens))
        typer.echo(f"No NAREIS_API_TOKENS set; this run's caseworker token is: {token}", err=True)
    nareis.start_projections()
    try:
        uvicorn.run(create_app(nareis, settings.tokens), host=host, port=port, log_level="info")
    finally:
        nareis.close()


@cli.command()
def demo() -> None:
    """Fill the database with example cases and print each member's deadline and eligibility."""
    from infrastructure.demo import run_demo

    settings = _settings()
    try:
        nareis = build(settings)
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        run_demo(nareis)
    finally:
        nareis.close()


def _open() -> Nareis:
    try:
        return build(_settings())
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        typer.echo(
            f"nareis: --known-at {value!r} is not an RFC 3339 instant with a time zone "
            "(e.g. 2026-03-01T09:30:00Z)",
            err=True,
        )
        raise typer.Exit(2)
    return parsed


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat() if isinstance(value, date) else str(value)


@cli.command()
def history(
    case_id: Annotated[str, typer.Argument(help="The case's id")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one event a line")] = False,
    known_at: Annotated[
        str | None, typer.Option(help="Only events recorded at or before this instant")
    ] = None,
) -> None:
    """Print a case's audit trail: who recorded what, when; corrections with old, new and reason."""
    nareis = _open()
    try:
        entries = nareis.application.history(case_id, _instant(known_at))
    except NareisError as error:
        typer.echo(f"nareis: {error.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        nareis.close()
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(asdict(entry), default=_json_value, ensure_ascii=False))
        return
    table = Table(title=f"History of case {case_id}")
    for column in ("version", "recorded at (UTC)", "actor", "event", "data", "changes"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        data = ", ".join(
            f"{k}={_json_value(v)}" for k, v in entry.data.items() if k != "correction_reason"
        )
        changes = ""
        if entry.changes:
            changes = (
                "; ".join(
                    f"{field}: {_json_value(old)} -> {_json_value(entry.changes['new'][field])}"
                    for field, old in entry.changes["old"].items()
                )
                + f" (reason: {entry.reason})"
            )
        recorded = entry.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        table.add_row(str(entry.version), recorded, entry.actor, entry.event, data, changes)
    Console().print(table)


@cli.command()
def replay(
    verify: Annotated[
        bool, typer.Option("--verify", help="Compare every derived view with a rebuild")
    ] = False,
) -> None:
    """Rebuild every derived view from the event log alone; with --verify, report differences
    with what is stored and served, and exit 1 on any."""
    from application.verification import verify as verify_views

    if not verify:
        typer.echo(
            "nareis: replay needs --verify (rebuilding in place arrives with `rebuild`)", err=True
        )
        raise typer.Exit(2)
    nareis = _open()
    console = Console(stderr=True)
    try:
        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("cases"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("cases", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            differences = verify_views(
                nareis.application,
                nareis.permit_holders.view,
                nareis.scratch_permit_view(),
                nareis.application.today(),
                advance,
            )
    finally:
        nareis.close()
    if not differences:
        typer.echo("verified: every derived view equals its rebuild from the events")
        return
    table = Table(title=f"{len(differences)} difference(s) between stored and rebuilt views")
    for column in ("view", "key", "stored", "rebuilt from events"):
        table.add_column(column, overflow="fold")
    for difference in differences:
        table.add_row(
            difference.view, difference.key, str(difference.stored), str(difference.rebuilt)
        )
    Console().print(table)
    raise typer.Exit(1)


def main() -> None:
    cli()
