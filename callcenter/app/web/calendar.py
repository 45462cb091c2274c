"""GET /api/calendar: the hotline's zone, today, this week and this month, from the server.

Pages never derive a hotline date from the browser's clock (a wallboard on a
kiosk left on UTC would show the wrong day for eight hours); they ask here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.calendar import Period, Span, local_iso, period_span, utc_offset
from callcenter.kernel.deps import RuntimeDep

router = APIRouter(prefix="/api", tags=["calendar"])
SignedIn = Annotated[Principal, Depends(requires(Permission.SIGNED_IN))]


@router.get("/calendar")
async def calendar(runtime: RuntimeDep, principal: SignedIn) -> dict[str, Any]:
    zone = runtime.settings.zone
    now = runtime.clock.now()

    def described(span: Span) -> dict[str, str]:
        return {
            "from": span.first.isoformat(),
            "to": span.last.isoformat(),
            "starts_at": local_iso(span.starts_at, zone),
            "ends_at": local_iso(span.ends_at, zone),
        }

    return {
        "zone": zone.key,
        "utc_offset": utc_offset(now, zone),
        "now": local_iso(now, zone),
        **{period.value: described(period_span(period, now, zone)) for period in Period},
    }
