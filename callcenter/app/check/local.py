"""Checks of what sits beside the service: database, Redis, data folder, webhooks."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from redis.asyncio import Redis
from sqlalchemy.engine import Connection

from callcenter.app.check.results import CheckResult
from callcenter.kernel.db import make_engine
from callcenter.kernel.migrations import alembic_config
from callcenter.kernel.paths import DataDirUnwritable, ensure_writable
from callcenter.kernel.settings import Settings
from crisis.settings import CrisisSettings

TIMEOUT = 5.0


async def database(settings: Settings) -> CheckResult:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = make_engine(settings.database_url)

    def current(connection: Connection) -> tuple[str, ...]:
        return MigrationContext.configure(connection).get_current_heads()

    try:
        async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
            revisions = await conn.run_sync(current)
    except Exception as exc:
        return CheckResult.failed(
            "database",
            f"cannot connect: {_reason(exc)}",
            "check CALLCENTER_DATABASE_URL and that the database server answers",
        )
    finally:
        await engine.dispose()
    if revisions != (head,):
        found = ", ".join(revisions) or "an empty schema"
        return CheckResult.failed(
            "database",
            f"schema at {found}, newest is {head}",
            "run `callcenter db upgrade` (after a backup: docs/operations.md)",
        )
    return CheckResult.passed("database", f"reachable, schema at the newest revision ({head})")


async def redis(settings: Settings) -> CheckResult:
    if not settings.redis_url:
        return CheckResult.passed("redis", "not configured: live state stays in this process")
    client = Redis.from_url(settings.redis_url, socket_connect_timeout=TIMEOUT)
    try:
        async with asyncio.timeout(TIMEOUT):
            await client.ping()
    except Exception as exc:
        return CheckResult.failed(
            "redis",
            f"{_host_of(settings.redis_url)} does not answer: {_reason(exc)}",
            "start Redis, or fix CALLCENTER_REDIS_URL (unset it for a single process)",
        )
    finally:
        await client.aclose()
    return CheckResult.passed("redis", f"{_host_of(settings.redis_url)} answers")


def data_dir(settings: Settings) -> CheckResult:
    try:
        ensure_writable(settings.data_dir)
    except DataDirUnwritable as exc:
        return CheckResult.failed(
            "data folder",
            str(exc),
            f"create {settings.data_dir} writable for the service's user (the unit's "
            "StateDirectory does), or point CALLCENTER_DATA_DIR elsewhere",
        )
    return CheckResult.passed(
        "data folder", f"{settings.data_dir} is writable (journal, dead letters, exports)"
    )


async def webhooks(crisis: CrisisSettings) -> CheckResult:
    if not crisis.webhook_url:
        return CheckResult.failed(
            "webhooks",
            "no hand-off target: police and local teams would never hear of a crisis",
            "set CALLCENTER_CRISIS_WEBHOOK_URL (and CALLCENTER_CRISIS_WEBHOOK_SECRET)",
        )
    parts = urlsplit(crisis.webhook_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CheckResult.failed(
            "webhooks",
            f"{crisis.webhook_url!r} is not an http(s) URL",
            "set CALLCENTER_CRISIS_WEBHOOK_URL to the receiver's https:// address",
        )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        async with asyncio.timeout(TIMEOUT):
            await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, port, type=socket.SOCK_STREAM
            )
    except (OSError, TimeoutError) as exc:
        return CheckResult.failed(
            "webhooks",
            f"{parts.hostname} does not resolve: {_reason(exc)}",
            "fix the host name in CALLCENTER_CRISIS_WEBHOOK_URL or this host's DNS",
        )
    return CheckResult.passed("webhooks", f"{parts.hostname} resolves")


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.hostname else url


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
