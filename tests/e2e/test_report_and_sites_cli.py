"""The monthly report and the site import, from the command line against a real run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from typer.testing import CliRunner

from callcenter.app.cli import app
from callcenter.app.demo import DemoOptions, DemoStack
from tests.staff import demo_client
from workorders.stats.report import FIRST_FIGURE_ROW, HEADINGS, SUMMARY_SHEET

SAMPLE_SITES = Path(__file__).resolve().parents[2] / "workorders" / "data" / "sites_sample.csv"


def test_report_figures_match_the_api_after_a_demo_run(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    month, today = local.strftime("%Y-%m"), local.date()

    async def run_demo() -> dict[str, object]:
        options = DemoOptions(http_port=0, database_url=database, time_scale=0.05)
        async with DemoStack(options) as stack, await demo_client(stack, "demo-ops") as http:
            for _ in range(300):
                calls = (await http.get("/api/calls", params={"limit": 500})).json()
                if sum(c["outcome"] == "answered" for c in calls) >= 4:
                    break
                await asyncio.sleep(0.05)
        # The stack is stopped: no call changes the figures between the two reads.
        options2 = DemoOptions(http_port=0, database_url=database, time_scale=0.05)
        from acd.simulator.scenario import load_scenario

        quiet = load_scenario({"seats": [], "callers": {"arrivals": []}})
        async with (
            DemoStack(options2, quiet) as stack,
            await demo_client(stack, "demo-supervisor") as http,
        ):
            params = {"from": f"{month}-01", "to": today.isoformat(), "group_by": "month"}
            response = await http.get("/api/stats", params=params)
            assert response.status_code == 200, response.text
            total: dict[str, object] = response.json()["total"]
            return total

    api = asyncio.run(run_demo())
    output = tmp_path / "report.xlsx"
    result = CliRunner().invoke(
        app,
        ["report", "--month", month, "--output", str(output)],
        env={"CALLCENTER_DATABASE_URL": database},
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(output)[SUMMARY_SHEET]
    figures = {
        row[1]: row[2] for row in sheet.iter_rows(min_row=FIRST_FIGURE_ROW, values_only=True)
    }
    assert figures == {english: api[name] for _, english, name in HEADINGS}
    assert figures["calls answered"] >= 4
    bad = CliRunner().invoke(
        app, ["report", "--month", "November"], env={"CALLCENTER_DATABASE_URL": database}
    )
    assert bad.exit_code == 2
    assert "November" in bad.output


def test_sites_import_is_all_or_nothing(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'sites.sqlite3'}"
    env = {"CALLCENTER_DATABASE_URL": database}
    runner = CliRunner()
    imported = runner.invoke(app, ["sites", "import", str(SAMPLE_SITES)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "created" in imported.output
    broken = tmp_path / "broken.csv"
    broken.write_text(SAMPLE_SITES.read_text(encoding="utf-8") + "only-a-name\n", encoding="utf-8")
    refused = runner.invoke(app, ["sites", "import", str(broken)], env=env)
    assert refused.exit_code == 1
    again = runner.invoke(app, ["sites", "import", str(SAMPLE_SITES)], env=env)
    assert "0 created" in again.output
