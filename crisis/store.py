"""Reading and writing crisis rows: state ↔ row, audit steps, facts for the rules,
flags, contacts, rule-set overrides and the access log. No decisions live here."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.crypto import keyring
from crisis.conditions import UNREAD_FIRST
from crisis.decision import CaseFacts, OpenEscalation
from crisis.draft import CaseDraft, RiskLevel
from crisis.escalation import EscalationState, Policy, Stage, next_deadline
from crisis.models import (
    AccessLog,
    CallerContact,
    CaseAssessment,
    Escalation,
    EscalationStep,
    FlaggedNumber,
    RuleSetOverride,
    SuggestionReview,
)
from crisis.ruleset import RuleSet, VersionedRuleSet

CONTACT_LOOKBACK = timedelta(days=1)
HISTORY_LOOKBACK = timedelta(days=365)


def state_of(row: Escalation) -> EscalationState:
    return EscalationState(
        stage=Stage(row.stage),
        raised_at=row.raised_at,
        ack_due_at=row.ack_due_at,
        notified_at=row.notified_at,
        acknowledged_at=row.acknowledged_at,
        reached_at=row.reached_at,
        follow_up_24h_at=row.follow_up_24h_at,
        follow_up_72h_at=row.follow_up_72h_at,
        closed_at=row.closed_at,
        renotified=row.renotified,
        overdue_alerted=frozenset(Stage(s) for s in row.overdue_alerted.split(",") if s),
    )


def store_state(row: Escalation, state: EscalationState, policy: Policy) -> None:
    row.stage = state.stage.value
    row.ack_due_at = state.ack_due_at
    row.notified_at = state.notified_at
    row.acknowledged_at = state.acknowledged_at
    row.reached_at = state.reached_at
    row.follow_up_24h_at = state.follow_up_24h_at
    row.follow_up_72h_at = state.follow_up_72h_at
    row.closed_at = state.closed_at
    row.renotified = state.renotified
    row.overdue_alerted = ",".join(sorted(s.value for s in state.overdue_alerted))
    row.next_deadline_at = next_deadline(state, policy)


def add_step(
    session: AsyncSession,
    escalation_id: int,
    at: datetime,
    step: str,
    *,
    actor: str = "system",
    role: str = "system",
    detail: str = "",
) -> None:
    session.add(
        EscalationStep(
            escalation_id=escalation_id, at=at, step=step, actor=actor, role=role, detail=detail
        )
    )


async def steps_of(session: AsyncSession, escalation_id: int) -> list[EscalationStep]:
    query = (
        select(EscalationStep)
        .where(EscalationStep.escalation_id == escalation_id)
        .order_by(EscalationStep.id)
    )
    return list((await session.scalars(query)).all())


async def record_contact(session: AsyncSession, call_id: str, number: str, at: datetime) -> None:
    """This call from ``number`` (normalised), unless it is on record already."""
    if not number:
        return
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(CallerContact)
        .values(call_id=call_id, number=number, at=at)
        .on_conflict_do_nothing(index_elements=[CallerContact.call_id])
    )


async def load_first_facts(
    session: AsyncSession,
    draft: CaseDraft,
    now: datetime,
    fallback: VersionedRuleSet,
) -> CaseFacts:
    """The rule set and this number's calls: enough to tell, for most changes of most
    cases, that no rule can fire (``decision.may_fire``). The facts in ``UNREAD_FIRST``
    are left unread; ``load_facts`` reads everything."""
    this_call, calls, versions = await _contacts(session, draft, now)
    ruleset = (
        await _ruleset(session, versions[0], fallback)
        if versions
        else await active_ruleset(session, fallback)
    )
    return CaseFacts(
        draft=draft,
        now=now,
        ruleset=ruleset,
        calls_from_number=calls,
        contact_recorded=this_call is not None,
        unread=UNREAD_FIRST,
    )


async def load_facts(
    session: AsyncSession,
    draft: CaseDraft,
    now: datetime,
    fallback: VersionedRuleSet,
) -> CaseFacts:
    """Everything ``decision.decide`` looks at, read in one go before deciding."""
    number = draft.caller_number
    this_call, calls, _ = await _contacts(session, draft, now)
    escalations: tuple[datetime, ...] = ()
    flag: FlaggedNumber | None = None
    if number:
        earlier = await session.scalars(
            select(Escalation.raised_at).where(
                Escalation.caller_key == number,
                Escalation.call_id != draft.call_id,
                Escalation.raised_at >= now - HISTORY_LOOKBACK,
            )
        )
        escalations = tuple(earlier.all())
        flag = await session.get(FlaggedNumber, keyring().digest(number))
    call_start = this_call if this_call is not None else now
    row = (
        await session.scalars(select(Escalation).where(Escalation.call_id == draft.call_id))
    ).first()
    fired = await session.get(CaseAssessment, draft.call_id)
    return CaseFacts(
        draft=draft,
        now=now,
        ruleset=await active_ruleset(session, fallback),
        calls_from_number=calls,
        escalations_for_number=escalations,
        number_flagged=flag is not None and flag.first_flagged_at < call_start,
        flag_reason=flag.reason if flag is not None else None,
        flag_crisis=flag is None or flag.crisis,
        contact_recorded=this_call is not None,
        escalation=None
        if row is None
        else OpenEscalation(
            id=row.id,
            owner=row.owner,
            raised_at=row.raised_at,
            police=row.police,
            local=row.local,
            conference=row.conference,
        ),
        fired_before=frozenset(filter(None, fired.fired.split(","))) if fired else frozenset(),
        dismissed=await dismissed_level(session, draft.call_id),
    )


async def _contacts(
    session: AsyncSession, draft: CaseDraft, now: datetime
) -> tuple[datetime | None, tuple[datetime, ...], list[str | None]]:
    """When this call arrived (``None``: not on record yet) and the number's calls of the
    last day, this one included even before its arrival is recorded. One query, which
    also brings the newest stored rule set's version on each row it returns (no row: not
    read), so that an ordinary change costs one statement."""
    mine = CallerContact.call_id == draft.call_id
    newest = _newest_version().scalar_subquery().label("ruleset")
    if not draft.caller_number:
        row = (await session.execute(select(CallerContact.at, newest).where(mine))).first()
        return (row.at, (), [row.ruleset]) if row is not None else (None, (), [])
    counted = and_(
        CallerContact.number == draft.caller_number, CallerContact.at >= now - CONTACT_LOOKBACK
    )
    rows = (
        await session.execute(
            select(CallerContact.call_id, CallerContact.at, counted.label("counted"), newest).where(
                or_(mine, counted)
            )
        )
    ).all()
    this_call = next((row.at for row in rows if row.call_id == draft.call_id), None)
    calls = tuple(row.at for row in rows if row.counted)
    calls += () if this_call is not None else (now,)
    return this_call, calls, [row.ruleset for row in rows]


async def dismissed_level(session: AsyncSession, call_id: str) -> RiskLevel:
    levels = await session.scalars(
        select(SuggestionReview.level).where(
            SuggestionReview.call_id == call_id, SuggestionReview.decision == "dismissed"
        )
    )
    ranked = [RiskLevel(level) for level in levels.all()]
    return max(ranked, key=lambda level: level.rank, default=RiskLevel.NONE)


async def remember_fired(
    session: AsyncSession, call_id: str, fired: frozenset[str], version: str, at: datetime
) -> None:
    """The rules fired on this call so far, so each one alerts once per call."""
    row = await session.get(CaseAssessment, call_id)
    if row is None:
        row = CaseAssessment(call_id=call_id, fired="", ruleset_version=version, assessed_at=at)
        session.add(row)
    row.fired = ",".join(sorted(fired))
    row.ruleset_version, row.assessed_at = version, at


async def set_flag(
    session: AsyncSession,
    number: str,
    reason: str,
    at: datetime,
    escalation_id: int | None,
    *,
    crisis: bool = True,
) -> None:
    """Flag the number, or give its flag a new reason (``decide`` never passes a milder
    one for a crisis flag)."""
    digest = keyring().digest(number)  # the key the row is stored and found under
    row = await session.get(FlaggedNumber, digest)
    if row is None:
        session.add(
            FlaggedNumber(
                number=digest,
                number_sealed=number,
                reason=reason,
                flagged_at=at,
                first_flagged_at=at,
                escalation_id=escalation_id,
                crisis=crisis,
            )
        )
        return
    row.reason, row.flagged_at, row.crisis = reason, at, crisis
    row.escalation_id = escalation_id or row.escalation_id


async def crisis_flags(session: AsyncSession) -> dict[str, bool]:
    """Every flagged number → whether its flag is a crisis flag."""
    rows = await session.execute(select(FlaggedNumber.number, FlaggedNumber.crisis))
    return {number: crisis for number, crisis in rows.all()}


async def flagged_numbers(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(FlaggedNumber.number_sealed, FlaggedNumber.reason))
    return {number: reason for number, reason in rows.all()}


def _newest_version() -> Select[tuple[str]]:
    return select(RuleSetOverride.version).order_by(RuleSetOverride.id.desc()).limit(1)


async def active_ruleset(session: AsyncSession, fallback: VersionedRuleSet) -> VersionedRuleSet:
    return await _ruleset(session, await session.scalar(_newest_version()), fallback)


# Stored sets already validated, by version: the version ("label@content-hash") names the
# content, and a set is read for every change of every case.
_PARSED: dict[str, VersionedRuleSet] = {}


async def _ruleset(
    session: AsyncSession, version: str | None, fallback: VersionedRuleSet
) -> VersionedRuleSet:
    """The stored set of that version, the newest (``None``: nothing stored, ``fallback``)."""
    if version is None:
        return fallback
    if (known := _PARSED.get(version)) is not None:
        return known
    query = (
        select(RuleSetOverride.version, RuleSetOverride.body)
        .order_by(RuleSetOverride.id.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()  # the newest again: it may have changed
    if row is None:
        return fallback
    if len(_PARSED) >= 16:
        _PARSED.clear()
    parsed = _PARSED[row.version] = VersionedRuleSet(
        row.version, RuleSet.model_validate_json(row.body)
    )
    return parsed


async def store_ruleset(
    session: AsyncSession, rules: RuleSet, label: str, by: str, at: datetime
) -> VersionedRuleSet:
    version = f"{label}@{rules.digest()}"
    existing = (
        await session.scalars(select(RuleSetOverride).where(RuleSetOverride.version == version))
    ).first()
    if existing is not None:  # storing the same set again makes it the newest
        await session.delete(existing)
        await session.flush()
    body = json.dumps(rules.model_dump(mode="json"), ensure_ascii=False)
    session.add(RuleSetOverride(version=version, body=body, created_at=at, created_by=by))
    await session.flush()
    return VersionedRuleSet(version, rules)


def log_access(
    session: AsyncSession,
    *,
    user: str,
    role: str,
    at: datetime,
    what: str,
    escalation_id: int | None = None,
) -> None:
    session.add(AccessLog(user=user, role=role, at=at, what=what, escalation_id=escalation_id))
