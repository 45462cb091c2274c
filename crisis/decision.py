"""Deciding a case, in pure code: the facts the shell loaded → assessment, rules, plan.

``decide`` reads the summary with the structured assessment, runs the rule set and
works out what this change of the case adds to what was already done: open an
escalation, hand off to the police or the local team, place the warm conference,
flag the number, alert the supervisor. The shell (``crisis.intake``) loads the
facts before and applies the decision after, in one unit of work, so a decision
can be read and tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from crisis.assessment import Assessment, Assessor
from crisis.conditions import Facts, settled
from crisis.directory import LocalContact, LocalDirectory
from crisis.draft import CaseDraft, RiskLevel
from crisis.escalation import EscalationState, Policy, raise_escalation
from crisis.lexicon import Lexicon
from crisis.ruleset import Verdict, VersionedRuleSet, assess


@dataclass(frozen=True)
class IntakeConfig:
    policy: Policy
    lexicon: Lexicon
    directory: LocalDirectory
    bundled: VersionedRuleSet
    webhook_url: str | None
    default_owner: str
    assessor: Assessor
    conference: bool = False  # a warm conference can be placed (AMI and liaison number set)


@dataclass(frozen=True)
class OpenEscalation:
    """What is already on record for this call's escalation."""

    id: int
    owner: str
    raised_at: datetime
    police: bool
    local: bool
    conference: bool


@dataclass(frozen=True)
class CaseFacts:
    """Everything the decision looks at, read by the shell before deciding."""

    draft: CaseDraft
    now: datetime
    ruleset: VersionedRuleSet
    calls_from_number: tuple[datetime, ...] = ()  # this call included
    escalations_for_number: tuple[datetime, ...] = ()  # other calls', last year
    number_flagged: bool = False  # flagged before this call began
    flag_reason: str | None = None  # the number's flag now, if any
    flag_crisis: bool = True  # ... and whether it is a crisis flag (older flags all were)
    contact_recorded: bool = False  # this call's arrival is already on record
    escalation: OpenEscalation | None = None
    fired_before: frozenset[str] = frozenset()  # rules that already fired on this call
    dismissed: RiskLevel = RiskLevel.NONE  # the highest suggestion the agent dismissed
    # facts the shell did not read (their values above are placeholders): it reads them
    # only when ``may_fire`` says a rule could fire on them
    unread: frozenset[str] = frozenset()


class Conference(StrEnum):
    PLACE = "place"
    UNAVAILABLE = "unavailable"  # asked for, but this hotline cannot place one


@dataclass(frozen=True)
class Decision:
    facts: CaseFacts
    assessment: Assessment
    verdict: Verdict
    new_rules: tuple[str, ...] = ()  # fired on this call for the first time
    opening: EscalationState | None = None  # a new escalation, with its deadlines
    owner: str | None = None
    contact: LocalContact | None = None  # the local team of the caller's region
    round_added: bool = False  # new rules on an open escalation: record another round
    police: bool = False  # hand off to the police now
    police_webhook: bool = False  # ... by the signed webhook
    local: bool = False  # notify the local team now
    conference: Conference | None = None
    flag: str | None = None  # flag the number with this reason (new or changed)
    flag_crisis: bool = False  # a crisis flag (crisis-qualified agents), not only priority
    alert: bool = False  # alert the supervisor

    @property
    def draft(self) -> CaseDraft:
        return self.facts.draft

    @property
    def escalates(self) -> bool:
        return self.opening is not None or self.facts.escalation is not None


def assess_draft(draft: CaseDraft, config: IntakeConfig) -> Assessment:
    return config.assessor.assess(draft.summary, draft.notes)


def may_fire(facts: CaseFacts, assessment: Assessment, config: IntakeConfig) -> bool:
    """False when no rule of the set can fire, whatever the unread facts hold."""
    known = rule_facts(facts, assessment, config.lexicon)
    return any(
        settled(rule.when, known, facts.unread) is not False for rule in facts.ruleset.rules.rules
    )


def decide(
    facts: CaseFacts, config: IntakeConfig, assessment: Assessment | None = None
) -> Decision:
    """``assessment``: of the draft's summary and notes, when the caller already made it."""
    draft = facts.draft
    if assessment is None:
        assessment = assess_draft(draft, config)
    verdict = assess(facts.ruleset, rule_facts(facts, assessment, config.lexicon))
    decision = Decision(facts=facts, assessment=assessment, verdict=verdict)
    if not verdict.fired:
        return decision
    plan = verdict.plan
    new_rules = tuple(name for name in verdict.fired_names if name not in facts.fired_before)
    open_ = facts.escalation
    opening = (
        raise_escalation(facts.now, config.policy) if open_ is None and plan.escalates else None
    )
    on_record = open_ is not None or opening is not None
    police = on_record and plan.police and not (open_ and open_.police)
    conference: Conference | None = None
    if on_record and plan.police_conference and not (open_ and open_.conference):
        if config.conference:
            conference = Conference.PLACE
        elif police:
            conference = Conference.UNAVAILABLE
    flag = plan.flag_reason if draft.caller_number else None
    if facts.flag_reason and facts.flag_crisis and not plan.flag_crisis:
        flag = None  # a milder flag never replaces a crisis flag (or its reason)
    elif flag == facts.flag_reason and plan.flag_crisis == facts.flag_crisis:
        flag = None  # nothing new
    return Decision(
        facts=facts,
        assessment=assessment,
        verdict=verdict,
        new_rules=new_rules,
        opening=opening,
        owner=(plan.owner or config.default_owner) if opening is not None else None,
        contact=config.directory.lookup(draft.region, draft.city),
        round_added=open_ is not None and bool(new_rules),
        police=police,
        police_webhook=police and plan.police_webhook and bool(config.webhook_url),
        local=on_record and plan.local and not (open_ and open_.local),
        conference=conference,
        flag=flag,
        flag_crisis=plan.flag_crisis,
        alert=plan.supervisor_alert and bool(new_rules),
    )


def rule_facts(facts: CaseFacts, assessment: Assessment, lexicon: Lexicon) -> Facts:
    return Facts(
        draft=facts.draft,
        now=facts.now,
        lexicon=lexicon,
        calls_from_number=facts.calls_from_number,
        escalations_for_number=facts.escalations_for_number,
        number_flagged=facts.number_flagged,
        assessment=assessment,
        dismissed=facts.dismissed,
    )
