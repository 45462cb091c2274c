"""Health of the system's links: AMI, database, Redis, and the recorder's backlog."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text

from callcenter.app.parts import AMI_LINK, FAILOVER, RECORDER
from callcenter.app.recorder import describe
from callcenter.kernel.auth import Public
from callcenter.kernel.deps import RuntimeDep
from callcenter.kernel.runtime import Runtime

# Probes and load balancers ask without signing in; nothing here names a caller.
router = APIRouter(prefix="/api", tags=["health"], dependencies=[Depends(Public("health probes"))])


@router.get("/ready")
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """200 when this process can serve requests (its database answers), else 503."""
    ok = await _database_ok(runtime)
    return JSONResponse({"ready": ok}, status_code=200 if ok else 503)


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
    return {
        "status": "ok" if ok else "degraded",
        "role": acd["role"],
        "acd": acd,
        "database": "ok" if database else "down",
        "redis": redis,
        "ami": ami,
        "recorder": {"backlog": backlog.get("recorder", 0), **describe(recorder)},
    }


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as conn:
                await conn.execute(text("select 1"))
        return True
    except Exception:
        return False
