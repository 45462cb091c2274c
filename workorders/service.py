"""Work-order shell: create on arrival, answer, edit, move status, submit. One session, no commit.

The caller's transaction (a request's SessionDep, or the ACD subscriber's
``transaction()``) commits; events go out only after that commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from callcenter.kernel.after_commit import publish_after_commit
from callcenter.kernel.bus import EventBus
from callcenter.kernel.crypto import Encrypted, Lookup
from callcenter.kernel.db import UTCDateTime, table_of
from callcenter.kernel.errors import NotFound
from callcenter.kernel.phone import normalise
from workorders.events import WorkOrderCreated, WorkOrderSubmitted, WorkOrderUpdated
from workorders.lifecycle import Allowed, Denied, Status, check_transition
from workorders.models import WorkOrder, WorkOrderCall, WorkOrderHistory
from workorders.numbering import local_day

SYSTEM = "system"
EDITABLE = (
    "summary",
    "risk_level",
    "category",
    "subcategory",
    "tags",
    "age_group",
    "gender",
    "identity",
    "city",
    "county",
)


class OrderNotFound(NotFound):
    """No work order with that id."""


class TransitionDenied(Exception):
    def __init__(self, denied: Denied) -> None:
        super().__init__(denied.reason)
        self.denied = denied


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _entry(
    order_id: int, at: datetime, actor: str, field: str, old: object, new: object
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "at": at,
        "actor": actor,
        "field": field,
        "old_value": None if old is None else str(old),
        "new_value": None if new is None else str(new),
        "reason": None,
    }


def record(
    session: AsyncSession,
    order_id: int,
    *,
    at: datetime,
    actor: str,
    field: str,
    old: object,
    new: object,
    reason: str | None = None,
) -> None:
    """Append one history entry (who, when, old value, new value)."""
    session.add(
        WorkOrderHistory(
            order_id=order_id,
            at=at,
            actor=actor,
            field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            reason=reason,
        )
    )


# Written as text because the dialect-specific INSERT ... ON CONFLICT constructs are not
# cached by SQLAlchemy and recompiling them dominated the cost of taking a call; the
# syntax is the same on PostgreSQL and SQLite (3.35+).
_BUMP_COUNTER = text(
    "INSERT INTO work_order_counters (day, last) VALUES (:day, :step) "
    "ON CONFLICT (day) DO UPDATE SET last = work_order_counters.last + :step "
    "RETURNING last"
)


def _insert_order(number: str) -> Any:
    return select(WorkOrder).from_statement(
        text(
            "INSERT INTO work_orders (number, call_id, caller_number, caller_key, created_at, "
            f"status, tags, summary, risk_level) VALUES ({number}, :call_id, :caller_number, "
            ":caller_key, :created_at, :status, :tags, '', 'none') "
            "ON CONFLICT (call_id) DO NOTHING RETURNING "
            # named, in the model's order: a migrated table's physical order may differ
            + ", ".join(column.name for column in WorkOrder.__table__.columns)
        )
        .bindparams(
            bindparam("created_at", type_=UTCDateTime()),
            # the number sealed, and its digest for look-ups: never the plaintext
            bindparam("caller_number", type_=Encrypted()),
            bindparam("caller_key", type_=Lookup()),
        )
        .columns(*WorkOrder.__table__.columns)
    )


_INSERT_ORDER = _insert_order(":number")
# SQLite: the transaction holds the whole database's write lock (BEGIN IMMEDIATE), so the
# order can take the day's next number as it is inserted, and the counter follows: no
# stand-in to overwrite, and a repeated call (no row inserted) burns no number either.
_INSERT_NUMBERED_ORDER_SQLITE = _insert_order(
    ":prefix || printf('%04d', COALESCE((SELECT last FROM work_order_counters "
    "WHERE day = :day), 0) + 1)"  # readable_number's format
)
# PostgreSQL takes the counter and stamps the number in one statement, so the counter
# row stays locked for that statement and the commit only (readable_number's format).
_NUMBER_ORDER_PG = text(
    "WITH bump AS (INSERT INTO work_order_counters (day, last) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = work_order_counters.last + 1 RETURNING last) "
    "UPDATE work_orders SET number = :prefix || CASE WHEN bump.last < 10000 "
    "THEN lpad(bump.last::text, 4, '0') ELSE bump.last::text END "
    "FROM bump WHERE work_orders.id = :id RETURNING work_orders.number"
)
_ORDER_OF_CALL = (
    select(WorkOrder)
    .join(WorkOrderCall, WorkOrderCall.order_id == WorkOrder.id)
    .where(WorkOrderCall.call_id == bindparam("call_id"))
)


async def _assign_number(session: AsyncSession, order: WorkOrder, hotline: str, day: str) -> None:
    """PostgreSQL: give ``order`` the day's next readable number (the counter row lock
    orders concurrent callers)."""
    params = {"day": day, "prefix": f"{hotline}-{day}-", "id": order.id}
    number = (await session.execute(_NUMBER_ORDER_PG, params)).scalar_one()
    set_committed_value(order, "number", number)


async def _set_columns(session: AsyncSession, order: WorkOrder, **values: Any) -> None:
    """Write ``values`` to the order's row now, and to the loaded object as committed: one
    UPDATE statement, without the unit of work's bookkeeping (the recorder's hot path)."""
    table = table_of(WorkOrder)
    await session.execute(update(table).where(table.c.id == order.id).values(values))
    for name, value in values.items():
        set_committed_value(order, name, value)


async def order_for_call(session: AsyncSession, call_id: str) -> WorkOrder | None:
    """The order covering ``call_id``, following merges to the surviving order."""
    found = await session.scalars(_ORDER_OF_CALL, {"call_id": call_id})
    return await _surviving(session, found.one_or_none())


async def _surviving(session: AsyncSession, order: WorkOrder | None) -> WorkOrder | None:
    while order is not None and order.merged_into_id is not None:
        order = await session.get(WorkOrder, order.merged_into_id)
    return order


async def open_for_call(
    session: AsyncSession,
    *,
    call_id: str,
    caller_number: str,
    at: datetime,
    tags: Sequence[str] = (),
    zone: ZoneInfo,
    hotline: str = "12355",
    bus: EventBus | None = None,
) -> WorkOrder:
    """Exactly one order per call: a second call with the same ``call_id`` gets the first."""
    number = normalise(caller_number)
    day = local_day(at, zone)
    values = {
        "call_id": call_id,
        "caller_number": number,
        "caller_key": number,
        "created_at": at,
        "status": Status.NEW.value,
        "tags": ",".join(tag.strip() for tag in tags if tag.strip()),
    }
    numbered_now = session.bind.dialect.name == "sqlite"
    if numbered_now:
        statement, values = (
            _INSERT_NUMBERED_ORDER_SQLITE,
            {**values, "day": day, "prefix": f"{hotline}-{day}-"},
        )
    else:
        # A unique stand-in until the day's counter is taken, last: the counter row's lock
        # then lasts only to the commit, and a losing concurrent insert burns no number.
        statement, values = _INSERT_ORDER, {**values, "number": f"~{uuid.uuid4().hex[:31]}"}
    # Every call id ever linked to an order is some order's own call_id, so the insert's
    # conflict alone tells a repeated (or concurrently reported) call from a new one.
    order: WorkOrder | None = (await session.scalars(statement, values)).one_or_none()
    if order is None:
        found = await order_for_call(session, call_id)
        assert found is not None
        return found
    await session.execute(
        insert(table_of(WorkOrderCall)), [{"call_id": call_id, "order_id": order.id, "at": at}]
    )
    await session.execute(
        insert(table_of(WorkOrderHistory)),
        [_entry(order.id, at, SYSTEM, "status", None, order.status)],
    )
    if numbered_now:
        await session.execute(_BUMP_COUNTER, {"day": day, "step": 1})
    else:
        await _assign_number(session, order, hotline, day)
    publish_after_commit(
        session,
        bus,
        WorkOrderCreated(
            call_id=call_id,
            order_id=order.id,
            number=order.number,
            caller_number=order.caller_number,
        ),
    )
    return order


async def mark_answered(
    session: AsyncSession,
    *,
    call_id: str,
    seat: str,
    agent: str | None,
    at: datetime,
    bus: EventBus | None = None,
    order_id: int | None = None,
) -> WorkOrder | None:
    """The agent answered: new → in_progress, and the order is linked to seat and agent.

    ``order_id``, when the caller knows which order it opened for the call, saves looking
    the call up (merges are still followed to the surviving order)."""
    order = None
    if order_id is not None:
        order = await _answer_untouched(session, order_id, seat=seat, agent=agent, at=at)
        if order is not None:
            changed = ["status", "seat"] + (["agent"] if agent is not None else [])
            publish_after_commit(session, bus, updated_event(order, changed))
            return order
        order = await _surviving(session, await session.get(WorkOrder, order_id))
    if order is None:
        order = await order_for_call(session, call_id)
    if order is None:
        return None
    actor = agent or seat
    entries: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    if order.status == Status.NEW:
        entries.append(
            _entry(order.id, at, actor, "status", order.status, Status.IN_PROGRESS.value)
        )
        values.update(status=Status.IN_PROGRESS.value, answered_at=at)
    for name, value in (("seat", seat), ("agent", agent)):
        if getattr(order, name) != value:
            entries.append(_entry(order.id, at, actor, name, getattr(order, name), value))
            values[name] = value
    if entries:
        changed = [entry["field"] for entry in entries]
        await session.execute(insert(table_of(WorkOrderHistory)), entries)
        await _set_columns(session, order, **values, updated_at=at)
        publish_after_commit(session, bus, updated_event(order, changed))
    return order


# An order as its call opened it, answered in one statement that returns it: no read first.
_ANSWER_UNTOUCHED = (
    update(WorkOrder)
    .where(
        WorkOrder.id == bindparam("order_id"),
        WorkOrder.status == Status.NEW.value,
        WorkOrder.merged_into_id.is_(None),
        WorkOrder.seat.is_(None),
        WorkOrder.agent.is_(None),
    )
    .values(
        status=Status.IN_PROGRESS.value,
        answered_at=bindparam("at", type_=UTCDateTime()),
        updated_at=bindparam("at", type_=UTCDateTime()),
        seat=bindparam("seat"),
        agent=bindparam("agent"),
    )
    .returning(WorkOrder)
    .execution_options(synchronize_session=False)
)


async def _answer_untouched(
    session: AsyncSession, order_id: int, *, seat: str, agent: str | None, at: datetime
) -> WorkOrder | None:
    """``mark_answered`` for the usual order: still new, unmerged, with no seat or agent yet.
    Any other (``None``) takes the general path, which reads it first."""
    answered = (
        await session.scalars(
            _ANSWER_UNTOUCHED, {"order_id": order_id, "seat": seat, "agent": agent, "at": at}
        )
    ).one_or_none()
    if answered is None:
        return None
    actor = agent or seat
    entries = [
        _entry(answered.id, at, actor, "status", Status.NEW.value, Status.IN_PROGRESS.value),
        _entry(answered.id, at, actor, "seat", None, seat),
    ]
    if agent is not None:
        entries.append(_entry(answered.id, at, actor, "agent", None, agent))
    await session.execute(insert(table_of(WorkOrderHistory)), entries)
    return answered


async def get_order(session: AsyncSession, order_id: int) -> WorkOrder:
    order = await session.get(WorkOrder, order_id)
    if order is None:
        raise OrderNotFound(f"work order {order_id} not found")
    return order


async def update_fields(
    session: AsyncSession,
    order_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    at: datetime,
    bus: EventBus | None = None,
) -> WorkOrder:
    """Edit the form's fields; each real change is recorded in the history."""
    order = await get_order(session, order_id)
    entries: list[dict[str, Any]] = []
    for name, value in changes.items():
        if name not in EDITABLE:
            raise ValueError(f"{name} is not an editable field")
        stored = ",".join(value) if name == "tags" else value
        old = getattr(order, name)
        if old != stored:
            entries.append(_entry(order.id, at, actor, name, old, stored))
            setattr(order, name, stored)
    changed = [entry["field"] for entry in entries]
    if entries:
        # one bulk insert: a form submit changes many fields at once
        await session.execute(insert(WorkOrderHistory), entries)
        order.updated_at = at
        publish_after_commit(session, bus, updated_event(order, changed))
    return order


async def change_status(
    session: AsyncSession,
    order_id: int,
    new: Status,
    *,
    actor: str,
    at: datetime,
    reason: str | None = None,
    bus: EventBus | None = None,
) -> WorkOrder:
    """Move the order along its lifecycle, or raise ``TransitionDenied`` listing what is allowed."""
    order = await get_order(session, order_id)
    decision = check_transition(Status(order.status), new, reason)
    if isinstance(decision, Denied):
        raise TransitionDenied(decision)
    assert isinstance(decision, Allowed)
    field = "status (reopened)" if decision.reopening else "status"
    record(
        session,
        order.id,
        at=at,
        actor=actor,
        field=field,
        old=order.status,
        new=new.value,
        reason=reason,
    )
    order.status = new.value
    order.updated_at = at
    if new is Status.ESCALATED:
        order.escalated_at = order.escalated_at or at
    if new is Status.CLOSED:
        order.closed_at = at
    elif decision.reopening:
        order.closed_at = None
    publish_after_commit(session, bus, updated_event(order, ["status"]))
    return order


async def submit(
    session: AsyncSession,
    order_id: int,
    *,
    actor: str,
    at: datetime,
    bus: EventBus | None = None,
) -> WorkOrder:
    """The agent submitted the form: wrap-up for the call ends."""
    order = await get_order(session, order_id)
    record(session, order.id, at=at, actor=actor, field="submitted", old=None, new=at.isoformat())
    order.submitted_at = at
    order.updated_at = at
    publish_after_commit(
        session,
        bus,
        WorkOrderSubmitted(
            call_id=order.call_id,
            order_id=order.id,
            agent=order.agent,
            seat=order.seat,
            risk_level=order.risk_level,
        ),
    )
    return order


def updated_event(order: WorkOrder, changed: Sequence[str] = ()) -> WorkOrderUpdated:
    return WorkOrderUpdated(
        call_id=order.call_id,
        order_id=order.id,
        number=order.number,
        caller_number=order.caller_number,
        risk_level=order.risk_level,
        summary=order.summary,
        category=order.category,
        subcategory=order.subcategory,
        status=order.status,
        agent=order.agent,
        age_group=order.age_group,
        gender=order.gender,
        identity=order.identity,
        city=order.city,
        county=order.county,
        changed=tuple(changed),
    )
