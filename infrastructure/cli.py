"""The `nareis` command: serve the API, and tools around it."""

from __future__ import annotations

import copy
import csv
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from application.projections import CATCH_UP_BATCH, CaseListFilter
from domain.errors import NareisError
from infrastructure.api import mapping
from infrastructure.composition import Nareis, build
from infrastructure.persistence import redacted
from infrastructure.projection_worker import catch_up_despite_conflicts
from infrastructure.settings import ConfigurationError, Settings, format_api_tokens
from infrastructure.terminal import cell, json_line, shown
from infrastructure.wakeups import commit_listener

if TYPE_CHECKING:
    from application.results import HistoryEntry
    from application.service import NareisApplication
    from application.verification import Difference
    from infrastructure.chain_verification import ChainReport
    from infrastructure.election import Leadership

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
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="API worker processes (one of them, elected, projects)"),
    ] = 1,
) -> None:
    """Serve the HTTP API (NAREIS_DATABASE_URL, NAREIS_API_TOKENS)."""
    import uvicorn

    from infrastructure.api.app import configure_logging, create_app
    from infrastructure.api.http_server import uvicorn_options

    settings = _settings(generate_token=True)
    configure_logging()
    if workers > 1 and settings.database_url.startswith("memory:"):
        typer.echo("nareis: --workers needs a database the workers share, not memory://", err=True)
        raise typer.Exit(2)
    nareis = _build(settings)  # an unusable database stops here, in one line
    if settings.encryption_key is None:
        logging.getLogger("nareis").warning(WITHOUT_KEY)
    if settings.tokens_generated:
        token = next(iter(settings.tokens))
        typer.echo(
            f"No NAREIS_API_TOKENS set; this run's caseworker token is: {token} "
            f"(the browser view: http://{host}:{port}/ui)",
            err=True,
        )
    rederive_with_progress(nareis, Console(stderr=True))
    if workers > 1:
        nareis.close()  # each worker process builds its own system
        _serve_workers(settings, host, port, workers)
        return
    if settings.projections_in_process:
        nareis.start_projections()
    app = create_app(nareis, settings.tokens, close_on_shutdown=True)
    uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))


WITHOUT_KEY = (
    "NAREIS_ENCRYPTION_KEY is not set: refugees' personal data is stored UNENCRYPTED. "
    "Run without a key for development only (make one with `nareis keygen`; README, "
    '"Encryption at rest").'
)


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """`workers` uvicorn processes, each building the app from the environment it inherits."""
    import uvicorn

    from infrastructure.api.http_server import uvicorn_options

    if settings.tokens_generated:
        # Every worker accepts this run's token: the children inherit it with the environment.
        os.environ["NAREIS_API_TOKENS"] = format_api_tokens(settings.tokens)
    uvicorn.run(
        "infrastructure.api.app:create_app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_config=_log_config_naming_the_process(),
        **uvicorn_options(settings),
    )


def _log_config_naming_the_process() -> dict[str, Any]:
    """uvicorn's logging, each line starting with the id of the worker process that wrote it."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = "[%(process)d] " + formatter["fmt"]
    return config


@cli.command()
def demo() -> None:
    """Fill the database with example cases and print each member's deadline and eligibility."""
    from infrastructure.demo import run_demo

    nareis = _open()
    try:
        run_demo(nareis)
    finally:
        nareis.close()


def _open() -> Nareis:
    return _build(_settings())


def _build(settings: Settings) -> Nareis:
    """The system on `settings`; a setting or a database that cannot be used stops the command
    with one line and exit status 2 (API.md, "Starting it")."""
    try:
        return build(settings)
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None


def rederive_with_progress(nareis: Nareis, console: Console) -> bool:
    """At start: if the read model was derived with other calendar or policy data (a new decree,
    another term length), derive its dates again, in one transaction, showing the steps."""
    with Progress(
        TextColumn("re-deriving the read model: {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("comparing", total=None, visible=False)

        def advance(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total, visible=True)

        started = time.perf_counter()
        derived = nareis.rederive(advance)
    if derived:
        console.print(
            "the calendar or policy data changed since the read model was derived: its dates "
            f"were derived again in {time.perf_counter() - started:.1f} s"
        )
    return derived


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
        entries = nareis.application.history(case_id, known_at=_instant(known_at))
    except NareisError as error:
        typer.echo(f"nareis: {shown(error.detail)}", err=True)
        raise typer.Exit(1) from None
    finally:
        nareis.close()
    if as_json:
        for entry in entries:
            typer.echo(json_line(asdict(entry), default=_json_value))
        return
    Console().print(_history_table(case_id, entries))


def _history_table(case_id: str, entries: list[HistoryEntry]) -> Table:
    """The audit trail as a table; every text from the store is escaped (`terminal.cell`)."""
    table = Table(title=cell(f"History of case {case_id}"))
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
        row = (str(entry.version), recorded, entry.actor, entry.event, data, changes)
        table.add_row(*(cell(text) for text in row))
    return table


@cli.command()
def replay(
    verify: Annotated[
        bool, typer.Option("--verify", help="Compare every derived view with a rebuild")
    ] = False,
) -> None:
    """Rebuild every derived view from the event log alone; with --verify, report differences
    with what is stored and served, and exit 1 on any."""
    if not verify:
        typer.echo(
            "nareis: replay needs --verify (rebuilding in place arrives with `rebuild`)", err=True
        )
        raise typer.Exit(2)
    nareis = _open()
    try:
        differences = _verify_with_progress(nareis, Console(stderr=True))
    finally:
        nareis.close()
    if not differences:
        typer.echo("verified: every derived view equals its rebuild from the events")
        return
    Console().print(_differences_table(differences))
    raise typer.Exit(1)


@cli.command("verify")
def verify_store() -> None:
    """Check every stored event along its case's tamper-evident hash chain (naming the case and
    version of each altered, removed, reordered or inserted event), then what `replay --verify`
    checks; exit 1 on any finding."""
    from infrastructure.event_chain import ChainKeyMismatch

    console = Console(stderr=True)
    try:
        nareis = build(_settings())
    except ChainKeyMismatch as error:
        typer.echo(f"the event log: {error}")
        raise typer.Exit(1) from None
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        report = _chain_check_with_progress(nareis, console)
        problems = _print_chain_report(report, console)
        problems += _replay_differences(nareis, console)
    finally:
        nareis.close()
    if problems:
        raise typer.Exit(1)
    typer.echo(
        f"verified: {report.events:,} events along their chains, and every derived view equals "
        "its rebuild from the events"
    )


def _chain_check_with_progress(nareis: Nareis, console: Console) -> ChainReport:
    from infrastructure.chain_verification import verify_chain

    recorder: Any = nareis.application.recorder
    with Progress(
        TextColumn("checking the chain"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("events", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return verify_chain(recorder, recorder.chain, advance)


def _print_chain_report(report: ChainReport, console: Console) -> int:
    """The chain's findings on stdout (and the notes on stderr); how many findings."""
    if not report.keyed:
        console.print(
            "note: the chain is unkeyed (no NAREIS_CHAIN_KEY): it shows accidental and naive "
            "changes, not a forger who recomputes it"
        )
    for note in report.unchained:
        typer.echo(note.line())
    for finding in report.findings:
        typer.echo(finding.line())
    return len(report.findings)


def _replay_differences(nareis: Nareis, console: Console) -> int:
    """`replay --verify`'s differences, printed; how many (a replay that fails counts one)."""
    try:
        differences = _verify_with_progress(nareis, console)
    except Exception as error:  # tampered events may not even replay: say so, and fail
        typer.echo(f"replay: the events could not be replayed: {type(error).__name__}: {error}")
        return 1
    if differences:
        Console().print(_differences_table(differences))
    return len(differences)


def _verify_with_progress(nareis: Nareis, console: Console) -> list[Difference]:
    from application.verification import verify

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

        app = nareis.application
        scratch = nareis.scratch_read_model()
        return verify(app, nareis.read_model.view, scratch, app.today(), advance)


def _differences_table(differences: list[Difference]) -> Table:
    table = Table(title=f"{len(differences)} difference(s) between stored and rebuilt views")
    for column in ("view", "key", "stored", "rebuilt from events"):
        table.add_column(column, overflow="fold")
    for difference in differences:
        table.add_row(
            difference.view, difference.key, str(difference.stored), str(difference.rebuilt)
        )
    return table


def _events_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _catch_up_with_progress(
    nareis: Nareis, console: Console, label: str, batch_size: int = CATCH_UP_BATCH
) -> None:
    app = nareis.application
    start_position = nareis.read_model.view.max_tracking_id(app.name) or 0
    total = max((app.recorder.max_notification_id() or 0) - start_position, 0)
    started = time.perf_counter()
    with _events_progress(console) as progress:
        task = progress.add_task(label, total=total, rate="")
        done = 0

        def advance(batch: int) -> None:
            nonlocal done
            done += batch
            position = nareis.read_model.view.max_tracking_id(app.name) or 0
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(task, completed=position - start_position, rate=f"{rate:,.0f} events/s")

        processed = catch_up_despite_conflicts(
            app, nareis.read_model, batch_size=batch_size, progress=advance
        )
        progress.update(task, completed=total)
    elapsed = time.perf_counter() - started
    console.print(
        f"{label}: {processed:,} events in {elapsed:.1f} s "
        f"({processed / max(elapsed, 1e-9):,.0f} events/s)"
    )


@cli.command()
def rebuild(
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Events per transaction")
    ] = CATCH_UP_BATCH,
) -> None:
    """Rebuild the read model from the event log, with progress and events/s, into tables beside
    the read model, which keeps serving until the rebuilt one replaces it in one transaction."""
    nareis = _open()
    console = Console(stderr=True)
    try:
        total = nareis.application.recorder.max_notification_id() or 0
        started = time.perf_counter()
        with _events_progress(console) as progress:
            task = progress.add_task("rebuilding the read model", total=total, rate="")

            def advance(position: int) -> None:
                nonlocal total
                total = max(total, position)  # commands keep coming: the log's end moves on
                rate = position / max(time.perf_counter() - started, 1e-9)
                progress.update(task, completed=position, total=total, rate=f"{rate:,.0f} events/s")

            processed = nareis.rebuild(batch_size, advance)
            progress.update(task, completed=total)
        elapsed = time.perf_counter() - started
        console.print(
            f"rebuilt the read model: {processed:,} events in {elapsed:.1f} s "
            f"({processed / max(elapsed, 1e-9):,.0f} events/s), swapped in"
        )
    finally:
        nareis.close()


@cli.command()
def project(
    once: Annotated[bool, typer.Option("--once", help="Catch up and exit")] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Events per transaction")
    ] = CATCH_UP_BATCH,
) -> None:
    """Run the projections in this process (for deployments that keep them out of the API
    processes: set NAREIS_PROJECTIONS=external there). Catches up, then follows new events until
    stopped (SIGTERM or Ctrl-C); a restart resumes exactly where it stopped. Only one process
    projects at a time: while another leads, this one waits its turn."""
    nareis = _open()
    console = Console(stderr=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    leadership = nareis.leadership()
    try:
        if not _wait_for_turn(nareis, leadership, stop, console, once):
            return
        rederive_with_progress(nareis, console)
        _catch_up_with_progress(nareis, console, "catching up", batch_size)
        if not once:
            _follow(nareis, leadership, stop, console, batch_size)
    finally:
        leadership.release()
        nareis.close()


def _wait_for_turn(
    nareis: Nareis, leadership: Leadership, stop: threading.Event, console: Console, once: bool
) -> bool:
    """Until this process leads (True), or is stopped. With `once`, also until the leading
    process has projected every event recorded when we asked (False: nothing left to do)."""
    end_of_log = nareis.application.recorder.max_notification_id() or 0
    announced = False
    while not leadership.try_lead():
        if once and _projected_up_to(nareis, end_of_log):
            console.print("projections: another process leads, and has projected every event")
            return False
        if not announced:
            console.print("projections: another process leads; waiting my turn")
            announced = True
        if stop.wait(nareis.settings.projection_poll_seconds):
            return False
    console.print("projections: leading")
    return True


def _projected_up_to(nareis: Nareis, notification_id: int) -> bool:
    app, view = nareis.application, nareis.read_model.view
    unprojected = app.recorder.select_notifications(
        start=view.max_tracking_id(app.name) or 0,
        limit=1,
        stop=notification_id,
        topics=nareis.read_model.topics,
        inclusive_of_start=False,
    )
    return not unprojected


def _follow(
    nareis: Nareis, leadership: Leadership, stop: threading.Event, console: Console, batch: int
) -> None:
    """Project new events every poll interval (on PostgreSQL also at once after each commit of
    any process) until stopped, for as long as this process leads (a PostgreSQL session that
    broke lost the lead: wait for the turn again)."""
    wake = threading.Event()
    listener = commit_listener(nareis.application.recorder, nareis.settings.database_url, wake.set)
    try:
        while _woken(wake, stop, nareis.settings.projection_poll_seconds):
            _follow_round(nareis, leadership, stop, console, batch)
    finally:
        if listener is not None:
            listener.stop()


def _woken(wake: threading.Event, stop: threading.Event, poll_seconds: float) -> bool:
    """Wait for a commit or the poll interval; whether to go on (False once stopped)."""
    deadline = time.monotonic() + poll_seconds
    while not stop.is_set() and not wake.is_set() and time.monotonic() < deadline:
        wake.wait(min(0.1, poll_seconds))  # looks at `stop` at least ten times a second
    wake.clear()
    return not stop.is_set()


def _follow_round(
    nareis: Nareis, leadership: Leadership, stop: threading.Event, console: Console, batch: int
) -> None:
    if not leadership.try_lead() and not _wait_for_turn(
        nareis, leadership, stop, console, once=False
    ):
        return
    processed = catch_up_despite_conflicts(nareis.application, nareis.read_model, batch_size=batch)
    if processed:
        console.print(f"projected {processed} events")


@cli.command("migrate-store")
def migrate_store(
    from_url: Annotated[
        str, typer.Option("--from", help="The database to copy, e.g. sqlite:///./nareis.db")
    ],
    to_url: Annotated[
        str, typer.Option("--to", help="An empty database, e.g. postgresql://USER:PASSWORD@HOST/DB")
    ],
    verify: Annotated[
        bool, typer.Option("--verify", help="Afterwards, run `replay --verify` on the target")
    ] = False,
) -> None:
    """Copy the event log and the idempotency keys into another (empty) database, with progress,
    then project the read model there. The source is only read."""
    from infrastructure.migration import TargetNotEmpty, copy_store

    console = Console(stderr=True)
    settings = _settings()  # NAREIS_ENCRYPTION_KEY: the key of both, as the key table moves
    source = _event_store(replace(settings, database_url=from_url), "--from")
    target = _event_store(replace(settings, database_url=to_url), "--to")
    try:
        with _events_progress(console) as progress:
            copied = copy_store(source.recorder, target.recorder, _progress_bars(progress))
    except TargetNotEmpty as refused:
        typer.echo(f"nareis: --to {redacted(to_url)}: {refused}", err=True)
        raise typer.Exit(2) from None
    finally:
        source.close()
        target.close()
    console.print(
        f"copied {copied.events:,} events and {copied.keys:,} idempotency keys in "
        f"{copied.seconds:.1f} s ({copied.events / max(copied.seconds, 1e-9):,.0f} events/s)"
    )
    _project_target(replace(settings, database_url=to_url), console, verify)


def _event_store(settings: Settings, option: str) -> NareisApplication:
    from infrastructure.composition import open_event_store

    url = settings.database_url
    if option == "--from" and url.startswith("sqlite:///") and not Path(url[10:]).is_file():
        typer.echo(f"nareis: --from {url}: there is no such database file", err=True)
        raise typer.Exit(2)
    try:
        return open_event_store(settings, check_key=option == "--from")
    except ConfigurationError as error:
        typer.echo(f"nareis: {option}: {error}", err=True)
        raise typer.Exit(2) from None


def _progress_bars(progress: Progress) -> Callable[[str, int, int], None]:
    tasks: dict[str, Any] = {}

    def advance(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = progress.add_task(what, total=total, rate="")
        progress.update(tasks[what], completed=done, total=max(total, done))

    return advance


def _project_target(settings: Settings, console: Console, verify: bool) -> None:
    to_url = settings.database_url
    nareis = _build(settings)
    try:
        _catch_up_with_progress(nareis, console, "projecting the read model")
        if verify and (differences := _verify_with_progress(nareis, console)):
            Console().print(_differences_table(differences))
            raise typer.Exit(1)
    finally:
        nareis.close()
    typer.echo(f"moved to {redacted(to_url)}" + (": verified" if verify else ""))


@cli.command()
def erase(
    case_id: Annotated[str, typer.Argument(help="The case whose personal data to erase")],
    reason: Annotated[
        str, typer.Option(help="Why (a ground such as an ended retention period; no personal data)")
    ],
    actor: Annotated[
        str | None,
        typer.Option(help="Who erases it (default: the operating system's login name)"),
    ] = None,
) -> None:
    """Erase a case's personal data for good (AVG/GDPR): destroy the case's key and record who
    erased it, when and why. Names, V-numbers, birth dates, notes and reasons become unreadable,
    also with the master key; the history keeps the other facts, the reports still count it."""
    import getpass

    nareis = _open()
    try:
        erased = nareis.application.erase(case_id, reason, actor or getpass.getuser())
        # The read model forgets the case's names and V-numbers now, not at the next projection.
        catch_up_despite_conflicts(nareis.application, nareis.read_model)
    except NareisError as error:
        typer.echo(f"nareis: {error.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        nareis.close()
    typer.echo(f"erased the personal data of case {erased.case_id} (version {erased.version})")


@cli.command()
def keygen() -> None:
    """Print a new encryption key for NAREIS_ENCRYPTION_KEY (base64 of 32 random bytes)."""
    from infrastructure.keyring import new_key, printable_key

    typer.echo(printable_key(new_key()))


@cli.command("rotate-key")
def rotate_key() -> None:
    """Re-wrap the database's keys from NAREIS_ENCRYPTION_KEY to NAREIS_NEW_ENCRYPTION_KEY, in one
    transaction. Stop every process that uses the database first; start them with the new key."""
    from infrastructure.protection import key_table_of, rotate_master_key

    settings = _settings()
    if settings.encryption_key is None or settings.new_encryption_key is None:
        typer.echo(
            "nareis: rotate-key needs the current key in NAREIS_ENCRYPTION_KEY and the new one "
            "in NAREIS_NEW_ENCRYPTION_KEY (make one with `nareis keygen`)",
            err=True,
        )
        raise typer.Exit(2)
    nareis = _open()
    try:
        table = key_table_of(nareis.application)
        rotated = rotate_master_key(table, settings.encryption_key, settings.new_encryption_key)
    except ConfigurationError as error:
        typer.echo(f"nareis: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        nareis.close()
    typer.echo(
        f"re-wrapped {rotated} key(s) with the new key: set NAREIS_ENCRYPTION_KEY to it (and "
        "unset NAREIS_NEW_ENCRYPTION_KEY) in every process that uses this database"
    )


@cli.command("seed-load")
def seed_load(
    cases: Annotated[int, typer.Option(min=1, max=10_000_000, help="How many cases")],
    seed: Annotated[int, typer.Option(help="Same seed and --today, same cases")] = 1,
    today: Annotated[
        str | None, typer.Option(help="The generator's today (default: today in Amsterdam)")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Cases per transaction")] = 500,
    project_after: Annotated[
        bool, typer.Option("--project/--no-project", help="Catch up the read model afterwards")
    ] = True,
) -> None:
    """Generate realistic cases (DOMAIN.md's mix of situations), batched, deterministic."""
    from application.seeding import CaseGenerator

    nareis = _open()
    console = Console(stderr=True)
    try:
        generator_today = _date_option(today, "--today") or nareis.application.today()
        generator = CaseGenerator(seed, generator_today)
        started, events = time.perf_counter(), 0
        with _events_progress(console) as progress:
            task = progress.add_task("generating cases", total=cases, rate="")
            pending: list[Any] = []
            for done, case in enumerate(generator.cases(cases), start=1):
                pending.append(case)
                if len(pending) == batch or done == cases:
                    events += sum(len(c.pending_events) for c in pending)
                    nareis.application.save_new_cases(*pending)
                    pending = []
                    rate = events / max(time.perf_counter() - started, 1e-9)
                    progress.update(task, completed=done, rate=f"{rate:,.0f} events/s")
        elapsed = time.perf_counter() - started
        console.print(
            f"seed-load: {cases:,} cases, {events:,} events in {elapsed:.1f} s "
            f"({events / max(elapsed, 1e-9):,.0f} events/s)"
        )
        if project_after:
            rederive_with_progress(nareis, console)
            _catch_up_with_progress(nareis, console, "projecting")
    finally:
        nareis.close()


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ReportName(StrEnum):
    DEADLINES = "deadlines"
    CASELOAD = "caseload"


@cli.command()
def report(
    name: Annotated[ReportName, typer.Argument(help="deadlines or caseload")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD")] = None,
    known_at: Annotated[str | None, typer.Option("--known-at", help="RFC 3339 instant")] = None,
    output: Annotated[ReportFormat, typer.Option("--format", help="table, json or csv")] = (
        ReportFormat.TABLE
    ),
    page: Annotated[int, typer.Option(min=1, help="deadlines: page of cases")] = 1,
    page_size: Annotated[
        int, typer.Option(min=1, max=1000, help="deadlines: cases per page")
    ] = 100,
) -> None:
    """Print a report from the read model (catching it up first)."""
    nareis = _open()
    try:
        rederive_with_progress(nareis, Console(stderr=True))
        nareis.catch_up()
        day, instant = _date_option(as_of, "--as-of"), _instant(known_at)
        if name == ReportName.DEADLINES:
            answer = nareis.application.list_cases(CaseListFilter(), page, page_size, day, instant)
            body = mapping.deadline_report_out(answer).model_dump(mode="json")
        else:
            body = mapping.caseload_out(nareis.application.caseload(day, instant)).model_dump(
                mode="json"
            )
    finally:
        nareis.close()
    print_report(body, output)


def print_report(body: dict[str, Any], output: ReportFormat) -> None:
    figures = _figures(body)
    if output == ReportFormat.JSON:
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    if output == ReportFormat.CSV:
        writer = csv.writer(sys.stdout)
        rows = body.get("cases")
        if rows is not None:
            writer.writerow(["case_id", "status", "term_ends_on", "days_left"])
            writer.writerows(
                [
                    [
                        r["case_id"],
                        r["status"],
                        r["term_ends_on"] or "",
                        "" if r["days_left"] is None else r["days_left"],
                    ]
                    for r in rows
                ]
            )
        else:
            writer.writerow(["figure", "value"])
            writer.writerows(figures)
        return
    title = f"as of {body['as_of']}" + (
        f", as known at {body['known_at']}" if body.get("known_at") else ""
    )
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure, value in figures:
        table.add_row(figure, str(value))
    Console().print(table)
    if body.get("cases"):
        cases = Table(title=f"cases (page; next: {body.get('next')})")
        for column in ("case_id", "status", "term_ends_on", "days_left"):
            cases.add_column(column)
        for row in body["cases"]:
            cases.add_row(
                row["case_id"],
                row["status"],
                row["term_ends_on"] or "-",
                "-" if row["days_left"] is None else str(row["days_left"]),
            )
        Console().print(cases)


def _figures(body: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    figures: list[tuple[str, Any]] = []
    for key, value in body.items():
        if key in ("as_of", "known_at", "cases", "next"):
            continue
        if isinstance(value, dict):
            figures.extend(_figures(value, f"{prefix}{key}."))
        else:
            figures.append((f"{prefix}{key}", value))
    return figures


@cli.command()
def bench(
    quick: Annotated[
        bool, typer.Option(help="Scaled down (smaller logs, fewer rounds): a few minutes, for CI")
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file")
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(help="Where generated event logs are kept between runs "
                     "(default: ~/.cache/nareis/bench)"),
    ] = None,
) -> None:
    """Measure speed beside floors measured in the same run (BENCHMARKS.md): commands in process
    and over HTTP, loading cases, eligibility, rebuilds, reports and paging. Takes its own
    temporary databases; NAREIS_DATABASE_URL is not used."""
    from bench.suite import default_cache, run

    # A log file or CI has no terminal width: the table is 120 columns wide there.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    run(quick, json_path, cache or default_cache(), console)


def _date_option(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"nareis: {option} {value!r} is not a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def main() -> None:
    cli()
