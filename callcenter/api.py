"""Health of the system's links: AMI, database, Redis, and the recorder's backlog."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from callcenter.deps import RuntimeDep
from callcenter.recorder import Recorder, describe

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
async def health(runtime: RuntimeDep) -> dict[str, Any]:
    database = await _database_ok(runtime)
    redis: str = "not configured"
    if runtime.settings.redis_url:
        redis = "ok" if await runtime.live.ping() else "down"
    ami: dict[str, Any] = {"status": "not running"}
    if runtime.ami is not None:
        status = runtime.ami.status
        ami = {
            "status": "ok" if status.logged_in else "down",
            "reconnects": status.reconnects,
            "last_error": status.last_error,
        }
    recorder: Recorder = runtime.extras["recorder"]
    backlog = runtime.bus.backlog()
    ok = database and redis != "down" and ami["status"] != "down" and recorder.healthy
    return {
        "status": "ok" if ok else "degraded",
        "database": "ok" if database else "down",
        "redis": redis,
        "ami": ami,
        "recorder": {"backlog": backlog.get("recorder", 0), **describe(recorder)},
    }


async def _database_ok(runtime: Any) -> bool:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as conn:
                await conn.execute(text("select 1"))
        return True
    except Exception:
        return False
