"""Hotline statistics through /api/stats (JSON, CSV, XLSX) and the monthly report built on them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.models import Call
from callcenter.kernel.db import transaction
from callcenter.kernel.runtime import Runtime
from tests.staff import Staff
from tests.workorders.conftest import SHANGHAI, arrive
from workorders.deps import CALLBACK_SOURCE
from workorders.lifecycle import Status
from workorders.referrals.core import Party, ReferralStatus
from workorders.referrals.models import Site
from workorders.referrals.service import escalate_overdue, send_referral, step_referral
from workorders.service import change_status, update_fields
from workorders.stats.core import CallbackFact
from workorders.stats.forecasts import Captured
from workorders.stats.report import (
    FIRST_FIGURE_ROW,
    HEADINGS,
    SUMMARY_SHEET,
    write_monthly_report,
)

pytestmark = pytest.mark.hotline_time

A, B, C, D, E = (f"1380000000{n}" for n in range(1, 6))


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def callbacks(session: AsyncSession, start: datetime, end: datetime) -> list[CallbackFact]:
    facts = [
        CallbackFact(
            utc(11, 3, 3, 0) + timedelta(seconds=40),
            utc(11, 3, 3, 10) + timedelta(seconds=40),
            True,
            "c3",
        ),
        CallbackFact(utc(11, 15, 4, 2), None, False, "c6"),
    ]
    return [fact for fact in facts if start <= fact.missed_at < end]


async def call(
    sessions: async_sessionmaker[AsyncSession],
    call_id: str,
    caller: str,
    arrived: datetime,
    *,
    wait: float | None,
    talk: float = 0,
    outcome: str = "answered",
    form: dict[str, Any] | None = None,
) -> int:
    """A call as the ACD records it, with its work order as the agent fills it in."""
    answered = arrived + timedelta(seconds=wait) if wait is not None else None
    ended = (answered or arrived) + timedelta(seconds=talk if answered else 40)
    async with transaction(sessions) as session:
        session.add(
            Call(
                call_id=call_id,
                caller_number=caller,
                arrived_at=arrived,
                answered_at=answered,
                ended_at=ended,
                outcome=outcome,
            )
        )
    order = await arrive(
        sessions, call_id, caller, arrived, answered_by="agent-li" if answered else None
    )
    if form:
        async with transaction(sessions) as session:
            await update_fields(session, order.id, form, actor="agent-li", at=arrived)
    return order.id


@pytest.fixture
async def month(sessions: async_sessionmaker[AsyncSession], runtime: Runtime) -> None:
    runtime.provide(CALLBACK_SOURCE, callbacks)
    psych = {"category": "psychological", "city": "郑州市"}
    o1 = await call(
        sessions, "c1", A, utc(11, 2, 1), wait=10, talk=300, form={**psych, "risk_level": "high"}
    )
    o2 = await call(
        sessions,
        "c2",
        B,
        utc(11, 2, 2),
        wait=30,
        talk=600,
        form={"category": "legal", "city": "洛阳市"},
    )
    await call(sessions, "c3", C, utc(11, 3, 3), wait=None, outcome="abandoned")
    o4 = await call(
        sessions, "c4", A, utc(10, 31, 17), wait=5, talk=60, form={**psych, "risk_level": "medium"}
    )
    await call(
        sessions, "c5", D, utc(11, 30, 16, 30), wait=3, talk=50
    )  # 00:30 on 1 December locally
    await call(sessions, "c6", E, utc(11, 15, 4), wait=None, outcome="overflow")
    async with transaction(sessions) as session:
        await change_status(session, o4, Status.ESCALATED, actor="agent-li", at=utc(11, 1, 17, 5))
        site = Site(name="示例站点 Stats（虚构）", city="洛阳市")
        session.add(site)
        await session.flush()
        r2 = await send_referral(
            session, o2, site.id, reason="x", actor="agent-li", at=utc(11, 2, 3)
        )
        await step_referral(
            session,
            r2.id,
            ReferralStatus.ACCEPTED,
            party=Party.SITE,
            site_id=site.id,
            actor="site",
            at=utc(11, 2, 5),
        )
        await send_referral(session, o1, site.id, reason="y", actor="agent-li", at=utc(11, 20, 2))
    async with transaction(sessions) as session:
        await escalate_overdue(session, utc(11, 21, 3), None)


NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


async def stats(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/api/stats", params={**NOVEMBER, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.usefixtures("month")
async def test_the_months_figures(supervisor: httpx.AsyncClient) -> None:
    total = (await stats(supervisor))["total"]
    assert {
        k: total[k]
        for k in (
            "calls_offered",
            "calls_answered",
            "calls_abandoned",
            "missed_calls",
            "answer_rate",
            "service_level",
            "avg_wait_seconds",
            "avg_talk_seconds",
        )
    } == {
        "calls_offered": 5,
        "calls_answered": 3,
        "calls_abandoned": 1,
        "missed_calls": 2,
        "answer_rate": 0.6,
        "service_level": 0.4,
        "avg_wait_seconds": 15.0,
        "avg_talk_seconds": 320.0,
    }
    assert (
        total["callbacks_made"],
        total["callbacks_reached"],
        total["avg_callback_delay_seconds"],
    ) == (1, 1, 600.0)
    assert (
        total["orders"],
        total["counselling_cases"],
        total["crisis_cases"],
        total["people_helped"],
    ) == (5, 3, 2, 2)
    assert total["orders_by_category"] == {"legal": 1, "psychological": 2, "uncategorised": 2}
    assert total["orders_by_risk"] == {"none": 3, "low": 0, "medium": 1, "high": 1, "imminent": 0}
    assert (
        total["referrals_sent"],
        total["referrals_accepted"],
        total["referrals_overdue"],
        total["referrals_closed"],
    ) == (2, 1, 2, 0)  # the accepted one also missed its 7-day outcome deadline


@pytest.mark.usefixtures("month")
async def test_grouping_by_day_week_month_region_and_category(
    supervisor: httpx.AsyncClient,
) -> None:
    by_day = await stats(supervisor, group_by="day")
    assert len(by_day["rows"]) == 30
    offered = {row["key"]: row["calls_offered"] for row in by_day["rows"] if row["calls_offered"]}
    assert offered == {"2026-11-01": 1, "2026-11-02": 2, "2026-11-03": 1, "2026-11-15": 1}
    by_week = await stats(supervisor, group_by="week")
    assert [row["key"] for row in by_week["rows"]] == [f"2026-W{n}" for n in range(44, 50)]
    assert by_week["rows"][0]["calls_offered"] == 1  # Sunday 1 November closes ISO week 44
    by_month = (
        await supervisor.get(
            "/api/stats",
            params={"from": "2026-10-15", "to": "2026-12-15", "group_by": "month"},
        )
    ).json()
    assert [(r["key"], r["calls_offered"]) for r in by_month["rows"]] == [
        ("2026-10", 0),
        ("2026-11", 5),
        ("2026-12", 1),
    ]
    by_region = await stats(supervisor, group_by="region")
    assert {r["key"]: r["calls_offered"] for r in by_region["rows"]} == {
        "unknown": 2,
        "洛阳市": 1,
        "郑州市": 2,
    }
    by_category = await stats(supervisor, group_by="category")
    rows = {r["key"]: r for r in by_category["rows"]}
    assert rows["psychological"]["crisis_cases"] == 2
    assert rows["legal"]["referrals_accepted"] == 1
    assert rows["uncategorised"]["callbacks_made"] == 1
    assert by_category["total"] == by_day["total"]


def value(cell: object) -> object:
    """A spreadsheet cell or CSV field as a comparable value (numbers as floats)."""
    if cell is None or cell == "":
        return None
    try:
        return float(str(cell))
    except ValueError:
        return cell


@pytest.mark.usefixtures("month")
async def test_csv_and_xlsx_carry_the_same_table(supervisor: httpx.AsyncClient) -> None:
    as_csv = await supervisor.get(
        "/api/stats",
        params={**NOVEMBER, "group_by": "category", "format": "csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(as_csv.text)))
    assert lines[0][:4] == ["category", "starts_at", "ends_at", "calls_offered"]
    # The period in the hotline's local time with its offset, whatever the machine's zone.
    assert lines[-1][:4] == ["total", "2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00", "5"]
    as_xlsx = await supervisor.get(
        "/api/stats",
        params={**NOVEMBER, "group_by": "category", "format": "xlsx"},
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    cells = [[value(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == [[value(v) for v in line] for line in lines]


async def test_bad_stats_queries_are_422_naming_the_field(
    supervisor: httpx.AsyncClient, staff: Staff
) -> None:
    for params, field in [
        ({"to": "2026-11-30"}, "from"),
        ({**NOVEMBER, "group_by": "hour"}, "group_by"),
        ({**NOVEMBER, "format": "pdf"}, "format"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "to"),
    ]:
        response = await supervisor.get("/api/stats", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", field]
    assert (
        await (await staff.client("site", site=1)).get("/api/stats", params=NOVEMBER)
    ).status_code == 403


@pytest.mark.usefixtures("month")
async def test_monthly_report_figures_equal_the_api(
    supervisor: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    runtime: Runtime,
) -> None:
    steps: list[tuple[str, int, int]] = []
    path = await write_monthly_report(
        sessions,
        "2026-11",
        tmp_path / "report.xlsx",
        progress=lambda step, done, total: steps.append((step, done, total)),
        zone=SHANGHAI,
        callbacks=callbacks,
        forecasts=Captured.for_runtime(runtime.settings, runtime.clock.now()),
    )
    api = (await stats(supervisor))["total"]
    sheet = load_workbook(path)[SUMMARY_SHEET]
    figures = {
        row[1]: row[2] for row in sheet.iter_rows(min_row=FIRST_FIGURE_ROW, values_only=True)
    }
    assert figures == {english: api[name] for _, english, name in HEADINGS}
    assert figures["calls answered"] == 3 and figures["crisis cases handled"] == 2
    headings = [row[0] for row in sheet.iter_rows(min_row=FIRST_FIGURE_ROW, values_only=True)]
    period = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert period[1:] == ("2026-11-01T00:00:00+08:00 – 2026-12-01T00:00:00+08:00", "Asia/Shanghai")
    assert {"接听来电", "咨询个案", "危机干预", "服务人数"} <= set(headings)
    assert steps[-1][1] == steps[-1][2]
    with pytest.raises(ValueError, match="2026-11"):
        await write_monthly_report(sessions, "November", tmp_path / "x.xlsx", zone=SHANGHAI)


async def test_callbacks_are_read_from_the_dialers_table_when_it_exists(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from acd.callback.models import CallbackTask
    from workorders.stats.callbacks import callback_tasks_table

    missed = utc(11, 5, 1)
    async with transaction(sessions) as session:
        session.add(
            CallbackTask(
                number="+8613800000001",
                dial_number="13800000001",
                status="reached",
                first_call_id="m1",
                first_missed_at=missed,
                last_missed_at=missed,
                due_at=missed,
                attempts=1,
                first_attempt_at=missed + timedelta(minutes=4),
            )
        )
    async with transaction(sessions) as session:
        facts = await callback_tasks_table(session, utc(11, 1, 0), utc(12, 1, 0))
    assert facts == [CallbackFact(missed, missed + timedelta(minutes=4), True, "m1")]
