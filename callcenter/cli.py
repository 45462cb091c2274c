"""The ``callcenter`` command line."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from callcenter.settings import Settings

app = typer.Typer(help="12355 hotline call center beside Asterisk.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; an invalid one stops start-up naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors():
            name = "CALLCENTER_" + "_".join(str(p) for p in error["loc"]).upper()
            console.print(f"[red]invalid setting {name}: {error['msg']}[/red]")
        raise typer.Exit(2) from exc


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    database: Annotated[str, typer.Option(help="database URL")] = (
        "sqlite+aiosqlite:///./var/demo.sqlite3"
    ),
    scenario: Annotated[str, typer.Option(help="simulator scenario name or file")] = "demo",
    time_scale: Annotated[float, typer.Option(help="simulated durations × this")] = 1.0,
) -> None:
    """Run everything on embedded defaults: PBX simulator, ACD, 8 seats, calls, SQLite, API."""
    from callcenter.demo import DemoOptions, DemoStack
    from callcenter.logs import configure_logging

    load_settings()
    configure_logging()
    options = DemoOptions(
        http_port=port, database_url=database, scenario=scenario, time_scale=time_scale
    )

    async def run() -> None:
        async with DemoStack(options) as stack:
            console.print(f"[bold green]12355 demo running[/bold green] at {stack.url}")
            console.print(f"  API docs      {stack.url}/docs")
            console.print(f"  seats         {stack.url}/api/seats")
            console.print(f"  queue         {stack.url}/api/queue")
            console.print(f"  calls         {stack.url}/api/calls")
            console.print(f"  work orders   {stack.url}/api/workorders")
            console.print(f"  health        {stack.url}/api/health")
            console.print("Ctrl-C stops it.")
            await stack.serve_until_stopped()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        console.print("stopped")


@app.command()
def serve() -> None:
    """Run the ACD and the API against a real Asterisk (settings from CALLCENTER_*)."""
    import uvicorn

    from callcenter.app import create_app
    from callcenter.logs import configure_logging
    from callcenter.system import System

    settings = load_settings()
    configure_logging()

    async def run() -> None:
        async with System(settings) as system:
            config = uvicorn.Config(
                create_app(system.runtime),
                host=settings.http_host,
                port=settings.http_port,
                lifespan="off",
            )
            await uvicorn.Server(config).serve()

    asyncio.run(run())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the configured database (PostgreSQL or SQLite) to the newest schema."""
    from callcenter.db import make_engine
    from callcenter.migrations import upgrade_to_head

    settings = load_settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    console.print("database is at the newest schema")


def main() -> None:  # pragma: no cover - console entry
    app()


__all__ = ["Path", "app"]
