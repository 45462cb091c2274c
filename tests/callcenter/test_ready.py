"""GET /api/ready: 503 until the process can do its job, and then 200 with its role."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx

from callcenter.app.factory import create_app
from callcenter.app.system import System
from callcenter.kernel.db import make_engine
from callcenter.kernel.settings import Settings
from tests.acd.acd_stack import acd_stack, until


async def _ready(system: System) -> tuple[int, dict[str, object]]:
    transport = httpx.ASGITransport(app=create_app(system.runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://lb") as client:
        response = await client.get("/api/ready")
    body: dict[str, object] = response.json()
    return response.status_code, body


async def test_the_acd_is_ready_once_logged_in_and_resynced(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        link = stack.system.link
        assert link is not None
        await until(lambda: link.status.resynced)
        assert await _ready(stack.system) == (
            200,
            {"ready": True, "role": "active", "waiting_for": []},
        )


async def test_an_acd_without_asterisk_is_not_ready(tmp_path: Path) -> None:
    settings = Settings(ami_port=1, data_dir=tmp_path)  # nothing listens on port 1
    async with System(settings, with_services=False) as system:
        status, body = await _ready(system)
    assert status == 503 and body["waiting_for"] == ["AMI is not logged in"]


async def _read_only(server_url: str, database: str, on: bool) -> None:
    """Turn ``database`` read-only for new connections (from the server's own database)."""
    engine = make_engine(server_url, isolation_level="AUTOCOMMIT")
    value = "on" if on else "off"
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(
                f'ALTER DATABASE "{database}" SET default_transaction_read_only = {value}'
            )
    finally:
        await engine.dispose()


async def test_an_api_worker_is_ready_when_its_database_takes_writes(
    tmp_path: Path, empty_pg_url: str, pg_server_url: str
) -> None:
    settings = Settings(database_url=empty_pg_url, data_dir=tmp_path)
    name = urlsplit(empty_pg_url).path.lstrip("/")
    async with System(settings, with_acd=False, with_services=False) as worker:
        assert await _ready(worker) == (200, {"ready": True, "role": "api", "waiting_for": []})
        await _read_only(pg_server_url, name, True)  # a replica, or a primary turned read-only
        await worker.runtime.engine.dispose()  # new connections take the setting
        try:
            status, body = await _ready(worker)
        finally:
            await _read_only(pg_server_url, name, False)
            await worker.runtime.engine.dispose()
    assert status == 503 and body["waiting_for"] == ["the database does not take writes"]
