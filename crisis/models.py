"""Crisis tables: escalations and their audit steps, the notification outbox, flagged
numbers, caller contacts (for repeated-call rules), the rules fired per call, rule-set
overrides, the access log, the agents' answers to suggested risk levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.crypto import Encrypted, Lookup, keep_lookup
from callcenter.kernel.db import Base


class Escalation(Base):
    """One crisis case per call: who fired it, where it stands, who follows it through."""

    __tablename__ = "crisis_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int | None]
    caller_number: Mapped[str] = mapped_column(Encrypted())  # sealed at rest
    caller_key: Mapped[str | None] = mapped_column(Lookup(), index=True)  # its digest
    region: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(Encrypted())
    site_id: Mapped[int | None]
    stage: Mapped[str] = mapped_column(String(16))
    ruleset_version: Mapped[str] = mapped_column(String(100))
    # JSON: rules, findings (which quote the case notes), version per round
    fired_rules: Mapped[str] = mapped_column(Encrypted())
    owner: Mapped[str] = mapped_column(String(64))
    police: Mapped[bool] = mapped_column(default=False)
    local: Mapped[bool] = mapped_column(default=False)
    conference: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[datetime]
    ack_due_at: Mapped[datetime]
    next_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    reached_at: Mapped[datetime | None]
    follow_up_24h_at: Mapped[datetime | None]
    follow_up_72h_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_override_reason: Mapped[str | None] = mapped_column(Encrypted())
    renotified: Mapped[int] = mapped_column(default=0)
    overdue_alerted: Mapped[str] = mapped_column(String(64), default="")  # comma-separated

    __table_args__ = (Index("ix_crisis_escalations_raised_at", "raised_at"),)


keep_lookup(Escalation.caller_number, "caller_key")


class EscalationStep(Base):
    """The audit trail: every step of an escalation, timestamped, with who did it."""

    __tablename__ = "crisis_escalation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("crisis_escalations.id"), index=True)
    at: Mapped[datetime]
    step: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Encrypted(), default="")


class OutboxMessage(Base):
    """A notification to send; the worker retries it with backoff until delivered."""

    __tablename__ = "crisis_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("crisis_escalations.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))  # police | local
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Encrypted())  # the exact JSON body that is signed
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_crisis_outbox_due", "delivered_at", "next_attempt_at"),)


class FlaggedNumber(Base):
    __tablename__ = "crisis_flagged_numbers"

    number: Mapped[str] = mapped_column(Lookup(), primary_key=True)  # a digest, never the number
    number_sealed: Mapped[str] = mapped_column(
        Encrypted(), default="", server_default=""
    )  # for the ACD's priority
    reason: Mapped[str] = mapped_column(String(500))
    flagged_at: Mapped[datetime]
    first_flagged_at: Mapped[datetime]  # "history" means flagged before the current call
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("crisis_escalations.id"))
    # a crisis flag (crisis-qualified agents first); False: only a queue priority
    crisis: Mapped[bool] = mapped_column(default=True, server_default=true())


class CallerContact(Base):
    """One row per call from a number, for "repeated calls in a short time"."""

    __tablename__ = "crisis_caller_contacts"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(Lookup())  # a digest: only ever compared
    at: Mapped[datetime]

    __table_args__ = (Index("ix_crisis_caller_contacts_number_at", "number", "at"),)


class CaseAssessment(Base):
    """The rules that have fired so far for a call, so a rule alerts once per call."""

    __tablename__ = "crisis_assessments"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fired: Mapped[str] = mapped_column(Text, default="")  # comma-separated rule names
    ruleset_version: Mapped[str] = mapped_column(String(100))
    assessed_at: Mapped[datetime]


class RuleSetOverride(Base):
    """A rule set stored by a supervisor; the newest one is active."""

    __tablename__ = "crisis_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(Text)  # JSON of the validated rule set
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class AccessLog(Base):
    """Every read of a crisis record: who, when, what."""

    __tablename__ = "crisis_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    escalation_id: Mapped[int | None] = mapped_column(index=True)
    what: Mapped[str] = mapped_column(String(200))


class SuggestionReview(Base):
    """The agent's answer to a suggested risk level: accepted, or dismissed with a reason."""

    __tablename__ = "crisis_suggestion_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    order_id: Mapped[int | None]
    decision: Mapped[str] = mapped_column(String(16))  # accepted | dismissed
    level: Mapped[str] = mapped_column(String(16))  # the suggested level answered
    dimensions: Mapped[str] = mapped_column(String(200))  # comma-separated
    evidence: Mapped[str] = mapped_column(Encrypted())  # JSON: dimension → words of the notes
    reason: Mapped[str | None] = mapped_column(String(32))  # why dismissed
    note: Mapped[str] = mapped_column(Encrypted(), default="")
    patterns_version: Mapped[str] = mapped_column(String(100))
    by: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)
