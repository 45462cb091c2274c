"""Evaluate a case and open or upgrade its escalation, in one transaction.

A work order changes many times during a call; each change is evaluated again.
The first rules that call for a hand-off open the escalation; later changes only
add what was not done yet (a police hand-off once the agent raises the risk to
imminent, a new flag reason), so nothing is sent twice. The caller of ``intake``
publishes the returned events after the transaction commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.phone import mask
from crisis import notices, store
from crisis.directory import LocalDirectory, load_directory
from crisis.draft import CaseDraft
from crisis.escalation import Policy, raise_escalation
from crisis.events import AlertReason, CallerFlagged, CrisisAlert, EscalationChanged
from crisis.lexicon import Lexicon, default_lexicon
from crisis.models import Escalation, OutboxMessage
from crisis.ruleset import Verdict, VersionedRuleSet, assess, bundled_ruleset, parse_ruleset
from crisis.settings import CrisisSettings


@dataclass(frozen=True)
class IntakeConfig:
    policy: Policy
    lexicon: Lexicon
    directory: LocalDirectory
    bundled: VersionedRuleSet
    webhook_url: str | None
    default_owner: str
    conference: bool = False  # a warm conference can be placed (AMI and liaison number set)


def intake_config(settings: CrisisSettings, *, webhook_url: str | None = None) -> IntakeConfig:
    """Rules, lexicon, directory and deadlines as the settings name them."""
    bundled = (
        parse_ruleset(Path(settings.rules_file).read_text(encoding="utf-8"), label="file")
        if settings.rules_file
        else bundled_ruleset()
    )
    return IntakeConfig(
        policy=Policy(
            ack_deadline=timedelta(seconds=settings.ack_deadline_seconds),
            follow_up_grace=timedelta(seconds=settings.follow_up_grace_seconds),
        ),
        lexicon=default_lexicon(),
        directory=load_directory(settings.local_directory_file),
        bundled=bundled,
        webhook_url=webhook_url or settings.webhook_url,
        default_owner=settings.default_owner,
    )


@dataclass
class IntakeResult:
    verdict: Verdict
    escalation_id: int | None = None
    events: list[DomainEvent] = field(default_factory=list)
    conference_room: str | None = None
    queued: int = 0  # outbox messages added


async def evaluate(
    session: AsyncSession, draft: CaseDraft, now: datetime, config: IntakeConfig
) -> Verdict:
    """The verdict alone: what the dry run returns, and the first step of ``intake``."""
    ruleset = await store.active_ruleset(session, config.bundled)
    facts = await store.facts_for(session, draft, now, config.lexicon)
    return assess(ruleset, facts)


async def intake(
    session: AsyncSession, draft: CaseDraft, now: datetime, config: IntakeConfig
) -> IntakeResult:
    await store.record_contact(session, draft.call_id, draft.caller_number, now)
    verdict = await evaluate(session, draft, now, config)
    result = IntakeResult(verdict)
    if not verdict.fired:
        return result
    plan = verdict.plan
    row = (
        await session.scalars(select(Escalation).where(Escalation.call_id == draft.call_id))
    ).first()
    new_rules = await store.newly_fired(
        session, draft.call_id, verdict.fired_names, verdict.version, now
    )
    opened = row is None and plan.escalates
    if row is None and plan.escalates:
        row = await _open(session, draft, verdict, now, config)
        result.events.append(
            EscalationChanged(
                call_id=draft.call_id, escalation_id=row.id, stage=row.stage, actor="rules"
            )
        )
    if row is not None:
        result.escalation_id = row.id
        if new_rules and not opened:
            _record_round(row, verdict)
            store.add_step(session, row.id, now, "rules_fired", detail=", ".join(new_rules))
        newly_police = plan.police and not row.police
        result.queued = _hand_off(session, row, draft, verdict, now, config)
        if plan.police_conference and not row.conference:
            if config.conference:
                row.conference = True
                result.conference_room = f"77{row.id}"
            elif newly_police:
                store.add_step(session, row.id, now, "conference_unavailable")
    if plan.flag_reason and draft.caller_number:
        escalation_id = row.id if row is not None else None
        if await store.flag_number(
            session, draft.caller_number, plan.flag_reason, now, escalation_id
        ):
            result.events.append(
                CallerFlagged(
                    call_id=draft.call_id, number=draft.caller_number, reason=plan.flag_reason
                )
            )
    if plan.supervisor_alert and new_rules:
        result.events.append(
            CrisisAlert(
                call_id=draft.call_id,
                reason=AlertReason.RULES_FIRED,
                escalation_id=result.escalation_id,
                caller=mask(draft.caller_number),
                message="crisis rules fired: " + ", ".join(new_rules),
                rules=tuple(new_rules),
                owner=row.owner if row is not None else None,
            )
        )
    return result


async def _open(
    session: AsyncSession, draft: CaseDraft, verdict: Verdict, now: datetime, config: IntakeConfig
) -> Escalation:
    state = raise_escalation(now, config.policy)
    contact = config.directory.lookup(draft.region)
    row = Escalation(
        call_id=draft.call_id,
        order_id=draft.order_id,
        caller_number=draft.caller_number,
        region=draft.region,
        location=draft.location,
        site_id=contact.site_id,
        ruleset_version=verdict.version,
        fired_rules="[]",
        owner=verdict.plan.owner or config.default_owner,
        raised_at=now,
        ack_due_at=state.ack_due_at,
        stage=state.stage.value,
    )
    store.store_state(row, state, config.policy)
    _record_round(row, verdict)
    session.add(row)
    await session.flush()
    detail = f"rules {', '.join(verdict.fired_names)} (rule set {verdict.version})"
    store.add_step(session, row.id, now, "raised", detail=detail)
    store.add_step(session, row.id, now, "owner_assigned", detail=row.owner)
    return row


def _hand_off(
    session: AsyncSession,
    row: Escalation,
    draft: CaseDraft,
    verdict: Verdict,
    now: datetime,
    config: IntakeConfig,
) -> int:
    plan = verdict.plan
    queued = 0
    if plan.police and not row.police:
        row.police = True
        store.add_step(session, row.id, now, "police_referral", detail=draft.location or "")
        if plan.police_webhook and config.webhook_url:
            body = notices.police_referral(row.id, draft, verdict, row.owner, row.raised_at, 1)
            _enqueue(session, row.id, "police", config.webhook_url, body, now)
            queued += 1
    if plan.local and not row.local:
        row.local = True
        contact = config.directory.lookup(draft.region)
        store.add_step(session, row.id, now, "local_referral", detail=contact.league_contact)
        if config.webhook_url:
            body = notices.local_referral(
                row.id, draft, verdict, row.owner, contact, row.raised_at, 1
            )
            _enqueue(session, row.id, "local", config.webhook_url, body, now)
            queued += 1
    return queued


def _enqueue(
    session: AsyncSession,
    escalation_id: int,
    audience: str,
    url: str,
    payload: dict[str, object],
    now: datetime,
) -> None:
    session.add(
        OutboxMessage(
            escalation_id=escalation_id,
            audience=audience,
            url=url,
            payload=notices.dumps(payload),
            created_at=now,
            next_attempt_at=now,
        )
    )


def _record_round(row: Escalation, verdict: Verdict) -> None:
    rounds = json.loads(row.fired_rules)
    rounds.append({"version": verdict.version, "rules": notices.explanation(verdict)})
    row.fired_rules = json.dumps(rounds, ensure_ascii=False)
