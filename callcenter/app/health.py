"""Health of the system's links: AMI, database, Redis, and the recorder's backlog."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy import text

from callcenter.app.parts import AMI_LINK, FAILOVER, FALLBACK, RECORDER
from callcenter.app.recorder import describe
from callcenter.kernel.auth import Public
from callcenter.kernel.deps import RuntimeDep
from callcenter.kernel.runtime import Runtime

# Probes and load balancers ask without signing in; nothing here names a caller.
router = APIRouter(prefix="/api", tags=["health"], dependencies=[Depends(Public("health probes"))])


@router.get("/health")
async def health(runtime: RuntimeDep) -> dict[str, Any]:
    database = await _database_ok(runtime)
    redis: str = "not configured"
    if runtime.settings.redis_url:
        redis = "ok" if await runtime.live.ping() else "down"
    ami: dict[str, Any] = {"status": "not running"}
    link = runtime.find(AMI_LINK)
    if link is not None:
        status = link.status
        ami = {
            "status": "ok" if status.logged_in else "down",
            "reconnects": status.reconnects,
            "last_error": status.last_error,
        }
    recorder = runtime.get(RECORDER)
    backlog = runtime.bus.backlog()
    ok = database and redis != "down" and ami["status"] != "down" and recorder.healthy
    failover = runtime.find(FAILOVER)
    acd = failover.describe() if failover is not None else {"role": "none"}
    keeper = runtime.find(FALLBACK)
    return {
        "status": "ok" if ok else "degraded",
        "role": acd["role"],
        "acd": acd,
        "database": "ok" if database else "down",
        "redis": redis,
        "ami": ami,
        "recorder": {"backlog": backlog.get("recorder", 0), **describe(recorder)},
        "fallback": keeper.describe() if keeper is not None else None,
    }


@router.get("/ready")
async def ready(runtime: RuntimeDep, response: Response) -> dict[str, Any]:
    """503 until this process can do its job: a load balancer sends it no traffic before.

    Every process: the database takes writes and the process knows its role. One that
    runs the ACD (active or standby): AMI logged in and the calls in progress listed.
    """
    waiting: list[str] = []
    if not await _database_writable(runtime):
        waiting.append("the database does not take writes")
    failover = runtime.find(FAILOVER)
    role = failover.describe()["role"] if failover is not None else "api"
    link = runtime.find(AMI_LINK)
    if link is not None:
        status = link.status
        if not status.logged_in:
            waiting.append("AMI is not logged in")
        elif not status.resynced:
            waiting.append("AMI has not listed the calls in progress yet")
    if failover is not None and role not in ("active", "standby"):
        waiting.append(f"the ACD's role is still {role}")
    if waiting:
        response.status_code = 503
    return {"ready": not waiting, "role": role, "waiting_for": waiting}


async def _database_writable(runtime: Runtime) -> bool:
    """A read-write transaction opens (SQLite takes its write lock) on a primary."""
    try:
        async with asyncio.timeout(2), runtime.sessions() as session, session.begin():
            if runtime.engine.dialect.name == "postgresql":
                read_only = await session.scalar(text("show transaction_read_only"))
                return bool(read_only == "off")
            await session.execute(text("select 1"))
        return True
    except Exception:
        return False


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as conn:
                await conn.execute(text("select 1"))
        return True
    except Exception:
        return False
