"""GET /api/stats: hotline figures by day, week, month, region or category; JSON, CSV or XLSX."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from callcenter.kernel.audit import Action, record_by
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.calendar import Period, local_iso, period_span
from callcenter.kernel.deps import RuntimeDep, SessionDep
from workorders.deps import CALLBACK_SOURCE
from workorders.stats.core import Grouping
from workorders.stats.export import as_dict, to_csv, to_xlsx
from workorders.stats.forecasts import Captured, accuracy_out
from workorders.stats.queries import compute_stats

router = APIRouter(prefix="/api", tags=["stats"])

MAX_DAYS = 3 * 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Reader = Annotated[Principal, Depends(requires(Permission.STATS_READ))]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _bad(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["query", field], "msg": message, "type": "value_error"}])


@router.get("/stats", response_model=None)
async def stats(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    period: Period | None = None,
    group_by: Grouping = Grouping.DAY,
    format: Format = Format.JSON,
) -> Response | dict[str, Any]:
    """``from`` and ``to`` are the hotline's local days, both included; or name a ``period``
    (``today``, ``this_week`` ...) and the server reads it off the hotline's own calendar.
    A CSV or XLSX export is audited."""
    zone = runtime.settings.zone
    if period is not None:
        span = period_span(period, runtime.clock.now(), zone)
        first, last = span.first, span.last
    if first is None:
        raise _bad("from", "give from and to, or a period")
    if last is None:
        raise _bad("to", "give from and to, or a period")
    if last < first:
        raise _bad("to", "to is before from")
    if (last - first).days > MAX_DAYS:
        raise _bad("to", f"a period is at most {MAX_DAYS} days")
    forecasts = Captured.for_runtime(runtime.settings, runtime.clock.now())
    report = await compute_stats(
        session,
        first,
        last,
        group_by,
        zone=zone,
        callbacks=runtime.get(CALLBACK_SOURCE),
        forecasts=forecasts,
    )
    name = f"stats-{first}-{last}-{group_by.value}"
    if format is not Format.JSON:
        record_by(
            session,
            principal,
            at=runtime.clock.now(),
            action=Action.EXPORT,
            target=f"stats:{format.value}",
            detail=name,
        )
    if format is Format.CSV:
        return Response(
            to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format is Format.XLSX:
        return Response(
            to_xlsx(report),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    whole = report.bounds_of(report.total.key)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "zone": zone.key,
        "starts_at": local_iso(whole.start, zone),
        "ends_at": local_iso(whole.end, zone),
        "group_by": group_by.value,
        "rows": [as_dict(row) for row in report.rows],
        "total": as_dict(report.total),
        "forecast_accuracy": accuracy_out(forecasts, report.total, runtime.settings.zone),
    }
