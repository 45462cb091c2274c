"""HTTP routes of work orders: search, read, edit, status, submit, merge, history, screen pop."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from callcenter.kernel.audit import Action, record_by
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import MAX_PAGE, RowId, RuntimeDep, SessionDep
from callcenter.kernel.runtime import Runtime
from workorders.access import open_order
from workorders.context import caller_context
from workorders.deps import PENDING_CALLBACKS
from workorders.lifecycle import RiskLevel, Status
from workorders.merging import MergeRefused, calls_of, full_history, merge_orders
from workorders.schemas import (
    CallerContext,
    HistoryOut,
    MergeRequest,
    StatusChange,
    WorkOrderOut,
    WorkOrderPage,
    WorkOrderPatch,
)
from workorders.search import OrderFilter, search_orders
from workorders.service import (
    TransitionDenied,
    change_status,
    get_order,
    submit,
    update_fields,
)

router = APIRouter(prefix="/api/workorders", tags=["workorders"])
Reader = Annotated[Principal, Depends(requires(Permission.ORDERS_READ))]
Writer = Annotated[Principal, Depends(requires(Permission.ORDERS_WRITE))]


async def _opened(
    session: SessionDep, runtime: Runtime, principal: Principal, order_id: int, why: str
) -> bool:
    """403 unless the order is the principal's to open; True: the full number is theirs to see."""
    order = await get_order(session, order_id)
    return await open_order(
        session, runtime.live, principal, order, at=runtime.clock.now(), why=why
    )


@router.get("", response_model=WorkOrderPage)
async def list_orders(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
    number: Annotated[str | None, Query(max_length=32)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    subcategory: Annotated[str | None, Query(max_length=64)] = None,
    risk_level: RiskLevel | None = None,
    status: Status | None = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    city: Annotated[str | None, Query(max_length=32)] = None,
    county: Annotated[str | None, Query(max_length=32)] = None,
    tag: Annotated[str | None, Query(max_length=32)] = None,
) -> WorkOrderPage:
    """Supervisors search every order; a counsellor the orders of the calls they answered."""
    if date_from and date_to and date_to < date_from:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["query", "date_to"],
                    "msg": "date_to is before date_from",
                    "type": "value_error",
                }
            ],
        )
    filters = OrderFilter(
        number=number,
        date_from=date_from,
        date_to=date_to,
        category=category,
        subcategory=subcategory,
        risk_level=risk_level.value if risk_level else None,
        status=status.value if status else None,
        agent=agent if principal.sees_all_orders else principal.agent_id,
        city=city,
        county=county,
        tag=tag,
    )
    orders, total = await search_orders(
        session, filters, limit=size, offset=(page - 1) * size, zone=runtime.settings.zone
    )
    full = principal.sees_full_numbers or not principal.sees_all_orders  # their own calls
    others = [order.id for order in orders if order.agent != principal.user]
    if others:
        record_by(
            session,
            principal,
            at=runtime.clock.now(),
            action=Action.READ_ORDER,
            target="workorders:search",
            detail="orders " + ",".join(str(order_id) for order_id in others),
        )
    return WorkOrderPage(
        items=[WorkOrderOut.of(order, full_number=full) for order in orders],
        total=total,
        page=page,
        size=size,
    )


@router.get("/{order_id}", response_model=WorkOrderOut)
async def read_order(
    order_id: RowId, session: SessionDep, runtime: RuntimeDep, principal: Reader
) -> WorkOrderOut:
    full = await _opened(session, runtime, principal, order_id, "read")
    order = await get_order(session, order_id)
    calls = await calls_of(session, order.id)
    return WorkOrderOut.of(order, full_number=full, calls=calls)


@router.patch("/{order_id}", response_model=WorkOrderOut)
async def edit_order(
    order_id: RowId,
    patch: WorkOrderPatch,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> WorkOrderOut:
    full = await _opened(session, runtime, principal, order_id, "edit")
    order = await update_fields(
        session,
        order_id,
        patch.changes(),
        actor=principal.user,
        at=runtime.clock.now(),
        bus=runtime.bus,
    )
    return WorkOrderOut.of(order, full_number=full)


@router.post("/{order_id}/status", response_model=WorkOrderOut)
async def move_order(
    order_id: RowId,
    change: StatusChange,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> WorkOrderOut:
    full = await _opened(session, runtime, principal, order_id, "status")
    try:
        order = await change_status(
            session,
            order_id,
            change.status,
            actor=principal.user,
            at=runtime.clock.now(),
            reason=change.reason,
            bus=runtime.bus,
        )
    except TransitionDenied as exc:
        denied = exc.denied
        raise HTTPException(
            409,
            {
                "reason": denied.reason,
                "status": denied.old.value,
                "allowed": [status.value for status in denied.allowed],
            },
        ) from exc
    return WorkOrderOut.of(order, full_number=full)


@router.post("/{order_id}/submit", response_model=WorkOrderOut)
async def submit_order(
    order_id: RowId, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> WorkOrderOut:
    full = await _opened(session, runtime, principal, order_id, "submit")
    order = await submit(
        session, order_id, actor=principal.user, at=runtime.clock.now(), bus=runtime.bus
    )
    return WorkOrderOut.of(order, full_number=full)


@router.post("/{order_id}/merge", response_model=WorkOrderOut)
async def merge_into(
    order_id: RowId,
    request: MergeRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> WorkOrderOut:
    """Merge the order ``duplicate_id`` into this one (both must be the principal's to open)."""
    full = await _opened(session, runtime, principal, order_id, "merge")
    await _opened(session, runtime, principal, request.duplicate_id, "merge")
    try:
        order = await merge_orders(
            session,
            order_id,
            request.duplicate_id,
            actor=principal.user,
            at=runtime.clock.now(),
            reason=request.reason,
            bus=runtime.bus,
        )
    except MergeRefused as exc:
        raise HTTPException(409, str(exc)) from exc
    calls = await calls_of(session, order.id)
    return WorkOrderOut.of(order, full_number=full, calls=calls)


@router.get("/{order_id}/history", response_model=list[HistoryOut])
async def order_history(
    order_id: RowId, session: SessionDep, runtime: RuntimeDep, principal: Reader
) -> list[HistoryOut]:
    await _opened(session, runtime, principal, order_id, "history")
    rows = await full_history(session, order_id)
    return [HistoryOut.of(row) for row in rows]


@router.get("/{order_id}/context", response_model=CallerContext)
async def order_context(
    order_id: RowId, session: SessionDep, runtime: RuntimeDep, principal: Reader
) -> CallerContext:
    """The screen pop, with the callbacks the caller was owed when the dialer runs here."""
    full = await _opened(session, runtime, principal, order_id, "screen pop")
    return await caller_context(
        session,
        order_id,
        pending_callbacks=runtime.find(PENDING_CALLBACKS),
        full_number=full,
    )
