"""Escalation rules and rule sets: parse, version, evaluate, plan the actions (pure).

A rule set is declarative data (``crisis/rules/default.yaml``, or an override
stored in the database). Evaluation is deterministic: the same facts give the
same fired rules, in priority order, each with the findings that made it fire.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisis.conditions import Condition, Facts, Finding, describe, evaluate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoliceHandoff(_Strict):
    """110 linkage: a police referral, sent by signed webhook and/or a warm conference call."""

    kind: Literal["police_handoff"] = "police_handoff"
    webhook: bool = True
    conference: bool = False


class LocalNotification(_Strict):
    """The league committee contact and the local site of the caller's region."""

    kind: Literal["local_notification"] = "local_notification"


class AssignOwner(_Strict):
    """A named follow-up owner (专人跟进); ``None`` means the agent who took the call."""

    kind: Literal["assign_owner"] = "assign_owner"
    owner: str | None = None


class SupervisorAlert(_Strict):
    kind: Literal["supervisor_alert"] = "supervisor_alert"


class FlagNumber(_Strict):
    """Later calls from this number get priority; a crisis flag also crisis-qualified agents.

    ``crisis: false`` (say, "repeated calls") only moves the caller up the queue: any
    agent may take them, and a milder flag never replaces a crisis one.
    """

    kind: Literal["flag_number"] = "flag_number"
    reason: str = Field(min_length=1, max_length=200)
    crisis: bool = True


Action = Annotated[
    PoliceHandoff | LocalNotification | AssignOwner | SupervisorAlert | FlagNumber,
    Field(discriminator="kind"),
]


class Rule(_Strict):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[\w.-]+$")
    description: str = ""
    priority: int = Field(ge=0, le=1000)
    when: Condition
    actions: list[Action] = Field(min_length=1)


class RuleSet(_Strict):
    name: str = Field(default="default", min_length=1, max_length=80)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> RuleSet:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique, repeated: {duplicates}")
        return self

    def digest(self) -> str:
        """A short content hash, so two sets with the same label can never be confused."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class VersionedRuleSet:
    version: str  # recorded with every escalation it raised
    rules: RuleSet


@dataclass(frozen=True)
class FiredRule:
    name: str
    priority: int
    condition: str
    findings: tuple[Finding, ...]
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Plan:
    """The union of the fired rules' actions; the owner comes from the highest-priority rule."""

    police_webhook: bool = False
    police_conference: bool = False
    local: bool = False
    owner: str | None = None
    owner_assigned: bool = False
    supervisor_alert: bool = False
    flag_reason: str | None = None
    flag_crisis: bool = False  # one of the flags says crisis

    @property
    def escalates(self) -> bool:
        """An escalation (with its deadlines) is opened only for a hand-off or an owner."""
        return self.police_webhook or self.police_conference or self.local or self.owner_assigned

    @property
    def police(self) -> bool:
        return self.police_webhook or self.police_conference


@dataclass(frozen=True)
class Verdict:
    version: str
    fired: tuple[FiredRule, ...]
    plan: Plan

    @property
    def fired_names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self.fired)


def assess(ruleset: VersionedRuleSet, facts: Facts) -> Verdict:
    fired: list[FiredRule] = []
    ordered = sorted(ruleset.rules.rules, key=lambda rule: (-rule.priority, rule.name))
    for rule in ordered:
        outcome = evaluate(rule.when, facts)
        if outcome.matched:
            fired.append(
                FiredRule(
                    rule.name,
                    rule.priority,
                    describe(rule.when),
                    outcome.findings,
                    tuple(rule.actions),
                )
            )
    return Verdict(ruleset.version, tuple(fired), plan_actions(fired, facts))


def plan_actions(fired: list[FiredRule], facts: Facts) -> Plan:
    webhook = conference = local = alert = assigned = crisis_flag = False
    owner: str | None = None
    reasons: list[str] = []
    for rule in fired:  # highest priority first
        for action in rule.actions:
            match action:
                case PoliceHandoff():
                    webhook = webhook or action.webhook
                    conference = conference or action.conference
                case LocalNotification():
                    local = True
                case AssignOwner() if not assigned:
                    assigned = True
                    owner = action.owner or facts.draft.agent
                case SupervisorAlert():
                    alert = True
                case FlagNumber():
                    crisis_flag = crisis_flag or action.crisis
                    if action.reason not in reasons:
                        reasons.append(action.reason)
    return Plan(
        police_webhook=webhook,
        police_conference=conference,
        local=local,
        owner=owner,
        owner_assigned=assigned,
        supervisor_alert=alert,
        flag_reason="; ".join(reasons) or None,
        flag_crisis=crisis_flag,
    )


def parse_ruleset(text: str, *, label: str) -> VersionedRuleSet:
    """YAML (or JSON) text → a validated, versioned rule set (``label@digest``)."""
    rules = RuleSet.model_validate(yaml.safe_load(text))
    return VersionedRuleSet(f"{label}@{rules.digest()}", rules)


def bundled_ruleset() -> VersionedRuleSet:
    text = resources.files("crisis").joinpath("rules/default.yaml").read_text(encoding="utf-8")
    return parse_ruleset(text, label="default")
