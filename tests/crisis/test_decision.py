"""Deciding a case without a database: facts in, assessment, fired rules and plan out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from crisis.decision import CaseFacts, Conference, OpenEscalation, decide
from crisis.draft import CaseDraft, RiskLevel
from crisis.intake import intake_config
from crisis.ruleset import bundled_ruleset
from crisis.settings import CrisisSettings

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
CONFIG = intake_config(CrisisSettings(), webhook_url="http://127.0.0.1:9/hooks")
OVERDOSE = "来电者说刚才吞了一整瓶安眠药，现在头很晕"


def facts(summary: str = "", **changes: object) -> CaseFacts:
    draft = CaseDraft(call_id="c1", caller_number="+8613800000001", agent="wang", summary=summary)
    return replace(CaseFacts(draft=draft, now=NOW, ruleset=bundled_ruleset()), **changes)  # type: ignore[arg-type]


def test_an_overdose_in_the_summary_opens_an_escalation_with_a_police_referral() -> None:
    decision = decide(facts(OVERDOSE), CONFIG)
    assert decision.assessment.level is RiskLevel.IMMINENT
    assert decision.verdict.fired_names[0] == "suggested-imminent-risk"
    assert decision.opening is not None and decision.opening.ack_due_at > NOW
    assert decision.owner == "wang"
    assert decision.police and decision.police_webhook and decision.local
    assert decision.conference is None  # the warm conference waits for the agent's own level
    assert decision.flag == (
        "suggested imminent risk; suggested high risk; suicide or self-harm words"
    )
    assert decision.alert and decision.new_rules == decision.verdict.fired_names


def test_nothing_is_done_twice_on_an_open_escalation() -> None:
    done = OpenEscalation(
        id=7, owner="wang", raised_at=NOW, police=True, local=True, conference=False
    )
    first = decide(facts(OVERDOSE), CONFIG)
    again = decide(
        facts(
            OVERDOSE,
            escalation=done,
            fired_before=frozenset(first.verdict.fired_names),
            flag_reason=first.flag,
        ),
        CONFIG,
    )
    assert again.opening is None and not again.police and not again.local
    assert not again.round_added and not again.alert and again.flag is None
    # The agent accepts the suggestion: the assessed level adds the conference ask.
    accepted = decide(
        replace(
            facts(OVERDOSE, escalation=done, fired_before=frozenset(first.verdict.fired_names)),
            draft=CaseDraft(call_id="c1", summary=OVERDOSE, risk_level=RiskLevel.IMMINENT),
        ),
        CONFIG,
    )
    assert accepted.round_added and accepted.new_rules == ("imminent-risk", "high-risk")
    assert not accepted.police  # already referred
    assert accepted.conference is None  # no AMI here; only a new referral notes that


def test_an_assessed_imminent_risk_asks_for_the_warm_conference() -> None:
    draft = CaseDraft(call_id="c2", risk_level=RiskLevel.IMMINENT)
    plain = CaseFacts(draft=draft, now=NOW, ruleset=bundled_ruleset())
    assert decide(plain, CONFIG).conference is Conference.UNAVAILABLE
    assert decide(plain, replace(CONFIG, conference=True)).conference is Conference.PLACE


def test_a_dismissed_suggestion_no_longer_escalates_but_a_graver_one_does() -> None:
    dismissed = decide(facts(OVERDOSE, dismissed=RiskLevel.IMMINENT), CONFIG)
    assert dismissed.assessment.level is RiskLevel.IMMINENT  # still shown ...
    assert dismissed.verdict.fired == ()  # ... but no rule acts on it
    worse = decide(facts("她说今晚很想死", dismissed=RiskLevel.MEDIUM), CONFIG)
    assert "suggested-high-risk" in worse.verdict.fired_names


def test_negated_and_idiomatic_summaries_decide_nothing() -> None:
    for summary in ("来电者否认有自杀想法", "今天加班累死了", "我朋友说她想死，我该怎么帮她"):
        decision = decide(facts(summary), CONFIG)
        assert decision.verdict.fired == () and decision.opening is None


def test_repeated_calls_count_this_one_before_it_is_recorded() -> None:
    earlier = (NOW - timedelta(minutes=20), NOW - timedelta(minutes=10), NOW)
    decision = decide(facts(calls_from_number=earlier), CONFIG)
    assert decision.verdict.fired_names == ("repeated-calls",)
    assert decision.opening is None and decision.flag == "repeated calls" and decision.alert
    assert not decision.flag_crisis  # a repeat caller goes ahead, but needs no crisis agent


def test_a_milder_flag_never_replaces_a_crisis_flag() -> None:
    earlier = (NOW - timedelta(minutes=20), NOW - timedelta(minutes=10), NOW)
    flagged = facts(calls_from_number=earlier, flag_reason="imminent risk", flag_crisis=True)
    decision = decide(flagged, CONFIG)
    assert decision.verdict.fired_names == ("repeated-calls",)
    assert decision.flag is None  # "imminent risk" stays the number's flag, and a crisis one
    graver = decide(facts(OVERDOSE, flag_reason="repeated calls", flag_crisis=False), CONFIG)
    assert graver.flag is not None and graver.flag_crisis  # a crisis flag replaces a mild one
