"""Without the ``staffing`` extra the forecast works and the rota says how to enable it.

OR-tools is installed for the test suite, so a subprocess hides it (``sys.modules``
entry set to None makes every import of it fail, as on a core install).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    sys.modules["ortools"] = None  # as if `pip install -e .` without the staffing extra
    import httpx
    from callcenter.app.factory import create_app
    from callcenter.kernel.bus import EventBus
    from callcenter.kernel.db import make_engine, make_sessionmaker
    from callcenter.kernel.live import MemoryLive
    from callcenter.kernel.migrations import upgrade_to_head
    from callcenter.kernel.runtime import Runtime
    from callcenter.kernel.settings import Settings
    from datetime import date
    from acd.records import call_history
    from seats.staffing.deps import CALL_HISTORY
    from seats.staffing.rota import SHIFT_ORDER, Counsellor, RotaProblem
    from seats.staffing.solver import SolverMissing, solve_rota
    from tests.staff import Staff

    async def main():
        settings = Settings(database_url="sqlite+aiosqlite:///" + sys.argv[1])
        engine = make_engine(settings.database_url)
        await upgrade_to_head(engine)
        runtime = Runtime(settings=settings, bus=EventBus(), engine=engine,
                          sessions=make_sessionmaker(engine), live=MemoryLive())
        runtime.provide(CALL_HISTORY, call_history)
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as anonymous:
            http = await Staff(anonymous, runtime.sessions, settings).client("supervisor")
            rota = await http.post("/api/staffing/rotas", json={"first_day": "2026-11-02"})
            state = await http.get("/api/staffing/status")
            forecast = await http.get("/api/staffing/forecast?days=1")
            page = await http.get("/rota")
        await engine.dispose()
        try:
            anyone = Counsellor("a", "A", True, 40, 7, frozenset((0, k) for k in SHIFT_ORDER))
            solve_rota(RotaProblem(date(2026, 11, 2), 1, (anyone,), {}))
            missing = ""
        except SolverMissing as exc:
            missing = str(exc)
        print(json.dumps({
            "rota": [rota.status_code, rota.json()],
            "status": state.json(),
            "forecast": forecast.status_code,
            "page": page.status_code,
            "missing": missing,
        }))

    asyncio.run(main())
    """
)


def test_the_rota_names_the_extra_to_install_when_or_tools_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "core.sqlite3")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    code, body = seen["rota"]
    assert code == 501
    assert body["enable"] == "pip install -e '.[staffing]'"
    assert "pip install -e '.[staffing]'" in body["detail"]
    assert seen["status"] == {"rota_solver": False, "enable": "pip install -e '.[staffing]'"}
    assert seen["forecast"] == 200 and seen["page"] == 200
    assert "pip install -e '.[staffing]'" in seen["missing"]
