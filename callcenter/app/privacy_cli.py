"""``callcenter keys rotate`` and ``callcenter retention``: privacy chores, with progress bars."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from callcenter.app.discovery import import_all_models
from callcenter.app.sealing import rotate, sealed_tables
from callcenter.app.startup import load_settings
from callcenter.kernel.clock import SystemClock
from callcenter.kernel.crypto import Keyring, KeySettingError, install
from callcenter.kernel.db import make_engine, make_sessionmaker
from callcenter.kernel.migrations import upgrade_to_head
from callcenter.kernel.settings import Settings
from workorders.retention import apply_retention

keys_app = typer.Typer(
    help="Encryption keys of the numbers and notes at rest.", no_args_is_help=True
)
console = Console()
DAYS = re.compile(r"^(\d+)d$")


def _keyring(settings: Settings) -> Keyring:
    try:
        ring = Keyring.from_settings(settings)
    except KeySettingError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    install(ring)
    return ring


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-seal every stored number and note under the first key of CALLCENTER_ENCRYPTION_KEYS.

    Add the new key first in the list, keep the old ones after it until this has run,
    then remove them. Also seals rows written before encryption and fills look-up digests.
    """
    settings = load_settings()
    ring = _keyring(settings)
    tables = sealed_tables(iter(import_all_models().sorted_tables))

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
            with Progress(console=console) as bar:
                tasks = {t.table.name: bar.add_task(t.table.name, total=None) for t in tables}

                def progress(table: str, done: int, total: int) -> None:
                    bar.update(tasks[table], completed=done, total=total)

                return await rotate(engine, tables, ring, progress)
        finally:
            await engine.dispose()

    rewritten = asyncio.run(run())
    console.print(f"{rewritten} rows re-sealed under key {ring.current!r}")


def retention(
    older_than: Annotated[
        str | None, typer.Option(help="e.g. 365d; default CALLCENTER_RETENTION_DAYS")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count only, change nothing")] = False,
) -> None:
    """Anonymise closed orders that were never crisis cases: numbers and notes go, figures stay."""
    settings = load_settings()
    _keyring(settings)
    days = settings.retention_days
    if older_than is not None:
        found = DAYS.match(older_than.strip())
        if not found or int(found[1]) < 1:
            console.print(f"[red]--older-than takes days, like 365d, not {older_than!r}[/red]")
            raise typer.Exit(2)
        days = int(found[1])

    async def run() -> tuple[int, int]:
        engine = make_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
            with Progress(console=console) as bar:
                task = bar.add_task(f"orders closed over {days} days ago", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                result = await apply_retention(
                    make_sessionmaker(engine),
                    now=SystemClock().now(),
                    days=days,
                    dry_run=dry_run,
                    progress=progress,
                )
            return result.due, result.anonymised
        finally:
            await engine.dispose()

    due, anonymised = asyncio.run(run())
    if dry_run:
        console.print(f"{due} orders would be anonymised (dry run: nothing changed)")
    else:
        console.print(f"{anonymised} orders anonymised; their statistics are kept")
