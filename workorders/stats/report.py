"""The monthly report (月报) as an XLSX workbook whose figures equal /api/stats for that month."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.calendar import local_iso, month_of
from callcenter.kernel.db import transaction
from callcenter.kernel.progress import Progress
from workorders.stats.callbacks import CallbackSource, callback_tasks_table
from workorders.stats.core import Figures, Grouping
from workorders.stats.export import FIGURES, table
from workorders.stats.forecasts import Captured, half_hour_out
from workorders.stats.queries import StatsReport, compute_stats

SUMMARY_SHEET = "月度汇总 Summary"
FIRST_FIGURE_ROW = 4  # after the title, the period and the column headings

# (Chinese heading as the hotline reports it, English, figure name on Figures)
HEADINGS: list[tuple[str, str, str]] = [
    ("来电总数", "calls offered", "calls_offered"),
    ("接听来电", "calls answered", "calls_answered"),
    ("放弃来电", "calls abandoned", "calls_abandoned"),
    ("接通率", "answer rate", "answer_rate"),
    ("20秒服务水平", "service level (answered within 20 s)", "service_level"),
    ("平均等待时长(秒)", "average wait (s)", "avg_wait_seconds"),
    ("平均通话时长(秒)", "average talk time (s)", "avg_talk_seconds"),
    ("未接来电", "missed calls", "missed_calls"),
    ("未接来电已回拨", "missed calls called back", "callbacks_made"),
    ("回拨接通", "callbacks that reached the caller", "callbacks_reached"),
    ("平均回拨用时(秒)", "average time to call back (s)", "avg_callback_delay_seconds"),
    ("工单总数", "work orders", "orders"),
    ("咨询个案", "counselling cases", "counselling_cases"),
    ("危机干预", "crisis cases handled", "crisis_cases"),
    ("服务人数", "people helped", "people_helped"),
    ("转介个案", "referrals sent", "referrals_sent"),
    ("转介已接收", "referrals accepted", "referrals_accepted"),
    ("转介逾期督办", "referrals overdue (supervised)", "referrals_overdue"),
    ("转介办结", "referrals closed", "referrals_closed"),
    ("预测来电(次日预测)", "calls forecast (a day ahead)", "forecast_calls"),
    ("预测对比实际来电", "calls in the half-hours compared", "forecast_actual_calls"),
    ("预测误差(WAPE)", "forecast error (WAPE)", "forecast_wape"),
    ("预测偏差", "forecast bias (+ = over-forecast)", "forecast_bias"),
]
ACCURACY_SHEET = "预测准确度 Forecast accuracy"
GETTERS = dict(FIGURES)

BREAKDOWNS = [
    (Grouping.DAY, "按日 By day"),
    (Grouping.CATEGORY, "按类别 By category"),
    (Grouping.REGION, "按地区 By region"),
]

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_days(month: str) -> tuple[date, date]:
    """``"2026-11"`` → (2026-11-01, 2026-11-30)."""
    found = MONTH.match(month)
    if not found:
        raise ValueError(f"month must look like 2026-11, got {month!r}")
    return month_of(date(int(found[1]), int(found[2]), 1))


def figure(figures: Figures, name: str) -> Any:
    """The figure as /api/stats shows it (same getter, same rounding)."""
    return GETTERS[name](figures)


async def write_monthly_report(
    sessions: async_sessionmaker[AsyncSession],
    month: str,
    path: Path | str,
    progress: Progress | None = None,
    *,
    zone: ZoneInfo,
    callbacks: CallbackSource | None = callback_tasks_table,
    forecasts: Captured | None = None,
) -> Path:
    """Write the month's summary, its breakdowns by day, category and region, and the
    forecast's accuracy half-hour by half-hour (when ``forecasts`` is given)."""
    first, last = month_days(month)
    steps = len(BREAKDOWNS) + 1
    reports: list[StatsReport] = []
    async with transaction(sessions) as session:
        for done, (grouping, title) in enumerate(BREAKDOWNS):
            if progress:
                progress(title, done, steps)
            reports.append(
                await compute_stats(
                    session,
                    first,
                    last,
                    grouping,
                    zone=zone,
                    callbacks=callbacks,
                    forecasts=forecasts if grouping is Grouping.DAY else None,
                )
            )
    if progress:
        progress("writing", len(BREAKDOWNS), steps)
    target = Path(path)
    workbook = _workbook(month, reports)
    if forecasts is not None:
        _accuracy_sheet(workbook, forecasts, zone)
    await asyncio.to_thread(workbook.save, target)
    if progress:
        progress("done", steps, steps)
    return target


def _workbook(month: str, reports: list[StatsReport]) -> Workbook:
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    summary.append([f"12355 月报 Monthly report {month}"])
    period = reports[0].bounds_of(reports[0].total.key)
    zone = reports[0].zone
    summary.append(
        [
            "统计时段 Period",
            f"{local_iso(period.start, zone)} – {local_iso(period.end, zone)}",
            f"{zone.key}",
        ]
    )
    summary.append(["指标", "Item", "数值 Value"])
    total = reports[0].total
    for chinese, english, name in HEADINGS:
        summary.append([chinese, english, figure(total, name)])
    for report, (_, title) in zip(reports, BREAKDOWNS, strict=True):
        sheet = workbook.create_sheet(title)
        for line in table(report):
            sheet.append(line)
    return workbook


def _accuracy_sheet(workbook: Workbook, forecasts: Captured, zone: ZoneInfo) -> None:
    sheet = workbook.create_sheet(ACCURACY_SHEET)
    sheet.append(["时段开始 Half-hour (local)", "预测 Forecast", "实际 Actual"])
    for half_hour in forecasts.half_hours:
        row = half_hour_out(half_hour, zone)
        sheet.append([row["start"], row["forecast"], row["actual"]])
