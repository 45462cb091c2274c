"""The demo's staffing: seeded history, 90 counsellors, a published rota, and the CLI's figures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from acd.simulator.scenario import load_scenario
from callcenter.app.cli import app
from callcenter.app.demo import DemoOptions, DemoStack
from callcenter.kernel.calendar import local_date
from tests.staff import demo_client

QUIET = {"seats": [], "callers": {"arrivals": []}}


def test_the_demo_forecasts_from_its_history_and_publishes_a_rota(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"

    async def run() -> tuple[dict[str, object], dict[str, object], str]:
        options = DemoOptions(
            http_port=0,
            database_url=database,
            time_scale=0.05,
            history_weeks=2,
            login_agents=False,
        )
        async with DemoStack(options, load_scenario(QUIET)) as stack:
            assert stack.system is not None
            today = local_date(stack.system.runtime.clock.now(), stack.system.runtime.settings.zone)
            async with await demo_client(stack, "demo-supervisor") as http:
                forecast = (await http.get("/api/staffing/forecast", params={"days": 1})).json()
                for _ in range(200):  # the rota is solved beside the start
                    outlook = (await http.get("/api/staffing/outlook")).json()
                    if outlook["rota_published"]:
                        break
                    await asyncio.sleep(0.2)
                people = (await http.get("/api/staffing/availability")).json()
        assert len(people) == 91  # 90 counsellors and the callback seat's agent
        return forecast, outlook, (today - timedelta(days=7)).isoformat()

    forecast, outlook, week_ago = asyncio.run(run())
    assert forecast["observed_half_hours"] > 0 and forecast["model"].startswith("Erlang A")
    assert max(h["seats"] for h in forecast["half_hours"]) >= 5
    assert outlook["rota_published"] is True
    assert all(h["rostered"] is not None for h in outlook["hours"])

    result = CliRunner().invoke(
        app,
        ["staffing", "accuracy", "--from", week_ago, "--to", week_ago],
        env={"CALLCENTER_DATABASE_URL": database},
    )
    assert result.exit_code == 0, result.output
    assert "WAPE" in result.output and "half-hours compared" in result.output
