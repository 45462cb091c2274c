"""Statistics as JSON-ready dicts, CSV and XLSX: the same columns in every format."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import partial
from typing import Any

from openpyxl import Workbook

from callcenter.kernel.calendar import local_iso
from workorders.lifecycle import RiskLevel
from workorders.reference import taxonomy
from workorders.stats.core import UNCATEGORISED, Figures
from workorders.stats.queries import StatsReport

Getter = Callable[[Figures], Any]

FIGURES: list[tuple[str, Getter]] = [
    ("calls_offered", lambda f: f.calls_offered),
    ("calls_answered", lambda f: f.calls_answered),
    ("calls_abandoned", lambda f: f.calls_abandoned),
    ("answer_rate", lambda f: f.answer_rate),
    ("service_level", lambda f: f.service_level),
    ("avg_wait_seconds", lambda f: f.avg_wait_seconds),
    ("avg_talk_seconds", lambda f: f.avg_talk_seconds),
    ("missed_calls", lambda f: f.missed_calls),
    ("callbacks_made", lambda f: f.callbacks_made),
    ("callbacks_reached", lambda f: f.callbacks_reached),
    ("avg_callback_delay_seconds", lambda f: f.avg_callback_delay_seconds),
    ("orders", lambda f: f.orders),
    ("counselling_cases", lambda f: f.counselling_cases),
    ("crisis_cases", lambda f: f.crisis_cases),
    ("people_helped", lambda f: f.people_helped),
    ("referrals_sent", lambda f: f.referrals_sent),
    ("referrals_accepted", lambda f: f.referrals_accepted),
    ("referrals_overdue", lambda f: f.referrals_overdue),
    ("referrals_closed", lambda f: f.referrals_closed),
    ("forecast_calls", lambda f: round(f.forecast_calls, 1)),
    ("forecast_actual_calls", lambda f: f.forecast_actual_calls),
    ("forecast_wape", lambda f: f.forecast_wape),
    ("forecast_bias", lambda f: f.forecast_bias),
]


def as_dict(figures: Figures) -> dict[str, Any]:
    data: dict[str, Any] = {"key": figures.key}
    data.update({name: get(figures) for name, get in FIGURES})
    data["orders_by_category"] = dict(sorted(figures.orders_by_category.items()))
    data["orders_by_risk"] = {r.value: figures.orders_by_risk.get(r.value, 0) for r in RiskLevel}
    return data


def _category_count(category: str, figures: Figures) -> int:
    return figures.orders_by_category.get(category, 0)


def _risk_count(risk: str, figures: Figures) -> int:
    return figures.orders_by_risk.get(risk, 0)


def _flat_columns() -> list[tuple[str, Getter]]:
    columns = list(FIGURES)
    for category in [*taxonomy(), UNCATEGORISED]:
        columns.append((f"orders_{category}", partial(_category_count, category)))
    for risk in RiskLevel:
        columns.append((f"risk_{risk.value}", partial(_risk_count, risk.value)))
    return columns


def table(report: StatsReport) -> list[list[Any]]:
    """Header, one line per bucket, and the total line.

    Each line says the period it covers in the hotline's local time with its UTC
    offset (ISO 8601), so a spreadsheet opened anywhere never guesses the zone.
    """
    columns = _flat_columns()
    header = [report.grouping.value, "starts_at", "ends_at"] + [name for name, _ in columns]
    lines: list[list[Any]] = [header]
    for figures in [*report.rows, report.total]:
        bounds = report.bounds_of(figures.key)
        period = [local_iso(bounds.start, report.zone), local_iso(bounds.end, report.zone)]
        lines.append([figures.key, *period] + [get(figures) for _, get in columns])
    return lines


def to_csv(report: StatsReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in table(report):
        writer.writerow(["" if value is None else value for value in line])
    return buffer.getvalue()


def to_xlsx(report: StatsReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"stats by {report.grouping.value}"
    for line in table(report):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
