"""The ``callcenter`` command line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from callcenter.app.startup import load, load_settings, production_settings
from callcenter.kernel.paths import DataDirUnwritable
from callcenter.kernel.progress import Progress
from callcenter.kernel.settings import Settings

if TYPE_CHECKING:
    import uvicorn

    from callcenter.app.system import System

app = typer.Typer(help="12355 hotline call center beside Asterisk.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


def _add_account_and_privacy_commands() -> None:
    from callcenter.app.accounts.cli import users_app
    from callcenter.app.privacy_cli import keys_app, retention

    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
    app.command()(retention)


_add_account_and_privacy_commands()
T = TypeVar("T")


@contextmanager
def progress_bar(title: str) -> Iterator[Progress]:
    """A rich progress bar for a long job, as the job's ``progress`` callback."""
    from rich.progress import Progress as Bar

    with Bar(console=console, transient=False) as bar:
        task = bar.add_task(title, total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{title}: {step}", completed=done, total=total or None)

        yield progress


def configure_logging_from(settings: Settings) -> None:
    from callcenter.kernel.logs import configure_logging

    configure_logging(settings.log_level, json=settings.log_format == "json")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    database: Annotated[str, typer.Option(help="database URL")] = (
        "sqlite+aiosqlite:///./var/demo.sqlite3"
    ),
    scenario: Annotated[str, typer.Option(help="simulator scenario name or file")] = "demo",
    time_scale: Annotated[float, typer.Option(help="simulated durations × this")] = 1.0,
    history_weeks: Annotated[
        int, typer.Option(help="weeks of synthetic call history and a roster for staffing")
    ] = 6,
) -> None:
    """Run everything on embedded defaults: PBX simulator, ACD, 8 seats, calls, SQLite, API."""
    from callcenter.app.demo import DemoOptions, DemoStack
    from callcenter.app.serving import stop_on_signals

    configure_logging_from(load_settings())
    options = DemoOptions(
        http_port=port,
        database_url=database,
        scenario=scenario,
        time_scale=time_scale,
        history_weeks=history_weeks,
    )

    async def run() -> None:
        async with DemoStack(options) as stack:
            assert stack.server is not None
            stop_on_signals(stack.server)
            console.print(f"[bold green]12355 demo running[/bold green] at {stack.url}")
            console.print(f"  wallboard     {stack.url}/wallboard")
            console.print(f"  agent desk    {stack.url}/desk")
            console.print(f"  rota          {stack.url}/rota")
            console.print(f"  forecast      {stack.url}/api/staffing/forecast")
            console.print(f"  API docs      {stack.url}/docs")
            console.print(f"  seats         {stack.url}/api/seats")
            console.print(f"  queue         {stack.url}/api/queue")
            console.print(f"  calls         {stack.url}/api/calls")
            console.print(f"  work orders   {stack.url}/api/workorders")
            console.print(f"  health        {stack.url}/api/health")
            console.print(f"Sign in at {stack.url}/login (passwords are new at every start):")
            for account in stack.accounts:
                console.print(
                    f"{account.role.value:<11} {account.login} / {account.password}",
                    highlight=False,
                    markup=False,
                )
            console.print("Ctrl-C stops it.")
            await stack.serve_until_stopped()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        console.print("stopped")


@app.command()
def serve(
    api_only: Annotated[
        bool,
        typer.Option(
            "--api-only",
            help="an extra API worker: no ACD, no background services; live state from Redis",
        ),
    ] = False,
) -> None:
    """Run the ACD and the API against a real Asterisk (settings from CALLCENTER_*).

    SIGTERM (or Ctrl-C) stops routing and hands over to a standby, finishes or
    journals the writes under way, logs off AMI and exits within
    CALLCENTER_SHUTDOWN_GRACE seconds. Exit status 3: this process lost the ACD
    lease while active and stopped so that it can come back as a standby.
    """
    from callcenter.app.event_loop import run_serving, settle_heap
    from callcenter.app.factory import create_app
    from callcenter.app.serving import http_server, stop_on_signals
    from callcenter.app.system import System

    settings = production_settings()
    configure_logging_from(settings)
    if api_only and not settings.redis_url:
        console.print(
            "[red]an API-only worker reads live state from Redis: set CALLCENTER_REDIS_URL[/red]"
        )
        raise typer.Exit(2)

    async def run() -> int:
        system = System(
            settings, with_acd=not api_only, with_services=not api_only, migrate=not api_only
        )
        # the full collection stops the loop for a moment: before there is a lease to keep
        # or a call to route; what start-up builds next is frozen once it has warmed up
        settle_heap()
        await system.start()
        server = http_server(create_app(system.runtime), settings.http_host, settings.http_port)
        frozen_again = asyncio.create_task(_settle_when_warm(system))
        stop_on_signals(server)
        lapsed = asyncio.create_task(_stop_when_lapsed(system, server))
        try:
            await server.serve()
        finally:
            lapsed.cancel()
            frozen_again.cancel()
            try:
                async with asyncio.timeout(settings.shutdown_grace):
                    await system.stop()
            except TimeoutError:
                console.print("[red]shutdown took too long: exiting anyway[/red]")
        return 3 if system.failover is not None and system.failover.lapsed.is_set() else 0

    try:
        status = run_serving(run())
    except DataDirUnwritable as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    raise typer.Exit(status)


async def _settle_when_warm(system: System) -> None:
    from callcenter.app.event_loop import settle_heap

    await system.warmed_up()
    settle_heap(collect=False)


async def _stop_when_lapsed(system: System, server: uvicorn.Server) -> None:
    if system.failover is not None:
        await system.failover.lapsed.wait()
        server.should_exit = True


@app.command("asterisk-conf")
def asterisk_conf(
    out: Annotated[Path, typer.Option(help="folder to write the configuration to")],
) -> None:
    """Write the Asterisk configuration for these settings (seats, trunk, AMI, prompts)."""
    from acd.pbxconf.install import ConfigError, write_config
    from acd.pbxconf.settings import PbxSettings

    settings = load_settings()
    pbx = load(PbxSettings)
    try:
        written = write_config(out, settings, pbx)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"{len(written)} files written to {out}")
    console.print(f"  start it with: asterisk -C {out.resolve() / 'asterisk.conf'}")
    console.print(f"  phone passwords for provisioning: {out / 'phones.csv'}")


@app.command()
def check() -> None:
    """Check this installation before going live: one line per check, with the fix."""
    from callcenter.app.check import run_checks
    from crisis.settings import CrisisSettings

    settings = load_settings()
    results = asyncio.run(run_checks(settings, CrisisSettings()))
    for result in results:
        mark = "[green]PASS[/green]" if result.ok else "[red]FAIL[/red]"
        console.print(f"{mark}  {result.name:<16} {result.detail}", highlight=False, soft_wrap=True)
        if not result.ok:
            console.print(f"      {'':<16} fix: {result.fix}", highlight=False, soft_wrap=True)
    failures = sum(not result.ok for result in results)
    if failures:
        console.print(f"[red]{failures} of {len(results)} checks failed[/red]")
        raise typer.Exit(1)
    console.print(f"[green]all {len(results)} checks passed[/green]")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the configured database (PostgreSQL or SQLite) to the newest schema."""
    from callcenter.kernel.db import make_engine
    from callcenter.kernel.migrations import upgrade_to_head

    settings = load_settings()

    async def run(progress: Progress) -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade_to_head(engine, progress)
        finally:
            await engine.dispose()

    with progress_bar("migrations") as progress:
        asyncio.run(run(progress))
    console.print("database is at the newest schema")


sites_app = typer.Typer(help="The directory of local counselling sites.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")


async def _with_sessions(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(sessions)`` against the configured database, migrated to head."""
    from callcenter.kernel.db import make_engine, make_sessionmaker
    from callcenter.kernel.migrations import upgrade_to_head

    engine = make_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
        return await work(make_sessionmaker(engine))
    finally:
        await engine.dispose()


@app.command()
def report(
    month: Annotated[str, typer.Option(help="the month, YYYY-MM")],
    output: Annotated[
        Path | None, typer.Option(help="the XLSX file to write (default: DATA_DIR/exports/)")
    ] = None,
) -> None:
    """Write the monthly report (calls answered, counselling cases, crisis cases, people helped)."""
    from callcenter.kernel.clock import SystemClock
    from workorders.stats.forecasts import Captured
    from workorders.stats.report import write_monthly_report

    settings = load_settings()
    forecasts = Captured.for_runtime(settings, SystemClock().now())
    target = output or settings.exports_dir / f"12355-report-{month}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with progress_bar(f"report {month}") as progress:
        try:
            written = asyncio.run(
                _with_sessions(
                    settings,
                    lambda sessions: write_monthly_report(
                        sessions, month, target, progress, zone=settings.zone, forecasts=forecasts
                    ),
                )
            )
        except ValueError as exc:  # e.g. a month that is not YYYY-MM
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    console.print(f"monthly report written to {written}")


@sites_app.command("import")
def sites_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Create or update local counselling sites from a CSV file (all or nothing)."""
    from callcenter.kernel.db import transaction
    from workorders.referrals.sites import ImportResult, import_sites

    settings = load_settings()

    with progress_bar("sites") as progress:

        async def run(sessions: Any) -> ImportResult:
            async with transaction(sessions) as session:
                return await import_sites(session, file, progress)

        result = asyncio.run(_with_sessions(settings, run))
    if not result.ok:
        for error in result.errors:
            console.print(f"[red]{error}[/red]")
        raise typer.Exit(1)
    console.print(f"sites imported: {result.created} created, {result.updated} updated")


staffing_app = typer.Typer(help="Forecast, rota and forecast accuracy.", no_args_is_help=True)
app.add_typer(staffing_app, name="staffing")


@staffing_app.command("forecast")
def staffing_forecast(
    days: Annotated[int, typer.Option(min=1, max=28, help="days from today")] = 14,
) -> None:
    """Calls and seats needed per day (peak half-hour) from the call history."""
    from callcenter.app import staffing_cli

    settings = load_settings()
    lines = asyncio.run(_with_sessions(settings, staffing_cli.forecast_lines(settings, days)))
    for line in lines:
        console.print(line)


@staffing_app.command("rota")
def staffing_rota(
    first: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (hotline time)")],
    days: Annotated[int, typer.Option(min=1, max=28)] = 7,
    publish: Annotated[bool, typer.Option(help="publish it")] = False,
) -> None:
    """Solve a rota from the forecast and everyone's availability; print its gaps and fairness."""
    from callcenter.app import staffing_cli

    settings = load_settings()
    work = staffing_cli.rota_lines(settings, _day(first), days, publish=publish)
    try:
        lines = asyncio.run(_with_sessions(settings, work))
    except staffing_cli.StaffingRefused as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for line in lines:
        console.print(line)


@staffing_app.command("accuracy")
def staffing_accuracy(
    first: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    last: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
) -> None:
    """The day-ahead forecast against the calls that came, per day and in all."""
    from callcenter.app import staffing_cli

    settings = load_settings()
    work = staffing_cli.accuracy_lines(settings, _day(first), _day(last))
    for line in asyncio.run(_with_sessions(settings, work)):
        console.print(line)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        console.print(f"[red]a day looks like 2026-11-30, got {text!r}[/red]")
        raise typer.Exit(2) from exc


def main() -> None:  # pragma: no cover - console entry
    app()
