"""Evaluate a case and open or upgrade its escalation: load the facts, decide, apply.

A work order changes many times during a call; each change is evaluated again.
``store.load_facts`` reads what the decision needs (``load_first_facts`` only the
part that usually shows no rule can fire), ``decision.decide`` works out
in pure code what this change adds (the first rules that call for a hand-off
open the escalation; later changes only add what was not done yet, so nothing is
sent twice) and ``apply`` writes it all in the caller's one transaction. The
caller of ``intake`` publishes the returned events after the transaction commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.phone import mask
from crisis import notices, store
from crisis.assessment import default_assessor
from crisis.decision import (
    CaseFacts,
    Conference,
    Decision,
    IntakeConfig,
    assess_draft,
    decide,
    may_fire,
)
from crisis.directory import load_directory
from crisis.draft import CaseDraft
from crisis.escalation import Policy
from crisis.events import AlertReason, CallerFlagged, CrisisAlert, EscalationChanged
from crisis.lexicon import default_lexicon
from crisis.models import Escalation, OutboxMessage
from crisis.ruleset import Verdict, bundled_ruleset, parse_ruleset
from crisis.settings import CrisisSettings


def intake_config(settings: CrisisSettings, *, webhook_url: str | None = None) -> IntakeConfig:
    """Rules, patterns, lexicon, directory and deadlines as the settings name them."""
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
        assessor=default_assessor(settings.patterns_file),
    )


@dataclass
class IntakeResult:
    verdict: Verdict
    decision: Decision
    escalation_id: int | None = None
    events: list[DomainEvent] = field(default_factory=list)
    conference_room: str | None = None
    queued: int = 0  # outbox messages added


async def evaluate(
    session: AsyncSession, draft: CaseDraft, now: datetime, config: IntakeConfig
) -> Decision:
    """The decision alone, nothing written: what the dry run returns."""
    facts = await store.load_facts(session, draft, now, config.bundled)
    return decide(facts, config)


async def intake(
    session: AsyncSession, draft: CaseDraft, now: datetime, config: IntakeConfig
) -> IntakeResult:
    """Decide and apply. Most changes of most cases can fire no rule whatever the number's
    flag, its earlier escalations or the agent's dismissals say: those are then not read."""
    assessment = assess_draft(draft, config)
    facts = await store.load_first_facts(session, draft, now, config.bundled)
    if may_fire(facts, assessment, config):
        facts = await store.load_facts(session, draft, now, config.bundled)
    decision = decide(facts, config, assessment)
    if decision.verdict.fired and facts.unread:  # ``settled`` cannot err; never act on half
        decision = decide(await store.load_facts(session, draft, now, config.bundled), config)
    return await apply(session, decision, config)


async def apply(session: AsyncSession, decision: Decision, config: IntakeConfig) -> IntakeResult:
    """Write what ``decide`` chose, in the session's transaction; the events to publish after."""
    facts, draft, verdict = decision.facts, decision.draft, decision.verdict
    result = IntakeResult(verdict, decision)
    if not facts.contact_recorded:
        await store.record_contact(session, draft.call_id, draft.caller_number, facts.now)
    if not verdict.fired:
        return result
    await store.remember_fired(
        session,
        draft.call_id,
        facts.fired_before | set(verdict.fired_names),
        verdict.version,
        facts.now,
    )
    row = await _escalation(session, decision, config)
    if row is not None:
        result.escalation_id = row.id
        if decision.opening is not None:
            result.events.append(
                EscalationChanged(
                    call_id=draft.call_id, escalation_id=row.id, stage=row.stage, actor="rules"
                )
            )
        result.queued = _hand_off(session, row, decision, config)
        if decision.conference is Conference.PLACE:
            row.conference = True
            result.conference_room = f"77{row.id}"
        elif decision.conference is Conference.UNAVAILABLE:
            store.add_step(session, row.id, facts.now, "conference_unavailable")
    if decision.flag:
        await store.set_flag(
            session,
            draft.caller_number,
            decision.flag,
            facts.now,
            result.escalation_id,
            crisis=decision.flag_crisis,
        )
        result.events.append(
            CallerFlagged(
                call_id=draft.call_id,
                number=draft.caller_number,
                reason=decision.flag,
                crisis=decision.flag_crisis,
            )
        )
    if decision.alert:
        result.events.append(
            CrisisAlert(
                call_id=draft.call_id,
                reason=AlertReason.RULES_FIRED,
                escalation_id=result.escalation_id,
                caller=mask(draft.caller_number),
                message="crisis rules fired: " + ", ".join(decision.new_rules),
                rules=decision.new_rules,
                owner=row.owner if row is not None else None,
            )
        )
    return result


async def _escalation(
    session: AsyncSession, decision: Decision, config: IntakeConfig
) -> Escalation | None:
    """The call's escalation: opened now, or the open one with this round recorded."""
    facts, draft, verdict = decision.facts, decision.draft, decision.verdict
    if facts.escalation is not None:
        row = await session.get(Escalation, facts.escalation.id)
        assert row is not None
        if decision.round_added:
            _record_round(row, verdict)
            detail = ", ".join(decision.new_rules)
            store.add_step(session, row.id, facts.now, "rules_fired", detail=detail)
        return row
    state = decision.opening
    if state is None:
        return None
    contact = decision.contact
    row = Escalation(
        call_id=draft.call_id,
        order_id=draft.order_id,
        caller_number=draft.caller_number,
        region=draft.region,
        location=draft.location,
        site_id=contact.site_id if contact else None,
        ruleset_version=verdict.version,
        fired_rules="[]",
        owner=decision.owner or config.default_owner,
        raised_at=facts.now,
        ack_due_at=state.ack_due_at,
        stage=state.stage.value,
    )
    store.store_state(row, state, config.policy)
    _record_round(row, verdict)
    session.add(row)
    await session.flush()  # the id, for the steps and the outbox
    detail = f"rules {', '.join(verdict.fired_names)} (rule set {verdict.version})"
    store.add_step(session, row.id, facts.now, "raised", detail=detail)
    store.add_step(session, row.id, facts.now, "owner_assigned", detail=row.owner)
    return row


def _hand_off(
    session: AsyncSession, row: Escalation, decision: Decision, config: IntakeConfig
) -> int:
    facts, draft, verdict = decision.facts, decision.draft, decision.verdict
    queued = 0
    if decision.police:
        row.police = True
        store.add_step(session, row.id, facts.now, "police_referral", detail=draft.location or "")
        if decision.police_webhook and config.webhook_url:
            body = notices.police_referral(
                row.id, draft, verdict, row.owner, row.raised_at, 1, decision.assessment
            )
            _enqueue(session, row.id, "police", config.webhook_url, body, facts.now)
            queued += 1
    if decision.local and decision.contact is not None:
        row.local = True
        contact = decision.contact
        store.add_step(session, row.id, facts.now, "local_referral", detail=contact.league_contact)
        if config.webhook_url:
            body = notices.local_referral(
                row.id, draft, verdict, row.owner, contact, row.raised_at, 1, decision.assessment
            )
            _enqueue(session, row.id, "local", config.webhook_url, body, facts.now)
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


__all__ = ["CaseFacts", "IntakeConfig", "IntakeResult", "apply", "evaluate", "intake"]
