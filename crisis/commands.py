"""What police liaisons, local sites and supervisors do to an escalation.

Each command loads the row, asks the state machine, stores the new state and an
audit step. Refusals carry the reason; who may act is decided here too: police,
site (only for their own site's cases) and supervisors; a close without every
checkpoint needs a supervisor and a reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.auth import Permission, Principal, Role
from crisis import escalation as machine
from crisis import store
from crisis.escalation import Policy, Stage, TransitionRefused
from crisis.models import Escalation


class Command(StrEnum):
    ACKNOWLEDGE = "acknowledged"
    REACHED = "reached"
    FOLLOW_UP_24H = "follow_up_24h"
    FOLLOW_UP_72H = "follow_up_72h"
    CLOSE = "closed"


class Forbidden(Exception):
    pass


class NotFound(Exception):
    pass


def may_see(principal: Principal, row: Escalation) -> bool:
    if not principal.may(Permission.CRISIS_READ):
        return False
    if principal.role is Role.SITE:
        return principal.site_id == row.site_id
    if principal.role is Role.POLICE:
        return row.police
    return True


async def load(
    session: AsyncSession, escalation_id: int, principal: Principal, *, lock: bool = False
) -> Escalation:
    if not principal.may(Permission.CRISIS_READ):
        raise Forbidden(f"permission crisis:read needed; role {principal.role.value} lacks it")
    # commands lock the row so two people acting at once are applied one after the other
    row = await session.get(Escalation, escalation_id, with_for_update=lock)
    if row is None:
        raise NotFound(f"no escalation {escalation_id}")
    if not may_see(principal, row):
        raise Forbidden(
            "this escalation is not a police hand-off"
            if principal.role is Role.POLICE
            else "this escalation belongs to another site"
        )
    return row


async def apply(
    session: AsyncSession,
    escalation_id: int,
    command: Command,
    principal: Principal,
    now: datetime,
    policy: Policy,
    *,
    note: str = "",
    override_reason: str | None = None,
) -> Escalation:
    row = await load(session, escalation_id, principal, lock=True)
    state = store.state_of(row)
    match command:
        case Command.ACKNOWLEDGE:
            state = machine.acknowledge(state, now)
            row.acknowledged_by = principal.user
        case Command.REACHED:
            state = machine.record_reached(state, now)
        case Command.FOLLOW_UP_24H | Command.FOLLOW_UP_72H:
            state = machine.record_follow_up(state, Stage(command.value), now)
        case Command.CLOSE:
            if override_reason and principal.role is not Role.SUPERVISOR:
                raise Forbidden("only a supervisor may close with an override")
            checkpoints_done = state.stage is Stage.FOLLOW_UP_72H
            state = machine.close(
                state, now, override_reason=None if checkpoints_done else override_reason
            )
            if not checkpoints_done:
                row.close_override_reason = override_reason
                note = f"override: {override_reason}" + (f"; {note}" if note else "")
    store.store_state(row, state, policy)
    store.add_step(
        session,
        row.id,
        now,
        command.value,
        actor=principal.user,
        role=principal.role.value,
        detail=note,
    )
    return row


__all__ = ["Command", "Forbidden", "NotFound", "TransitionRefused", "apply", "load", "may_see"]
