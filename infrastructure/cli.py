"""The `nareis` command: serve the API, and tools around it."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from infrastructure.composition import build
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


def main() -> None:
    cli()
