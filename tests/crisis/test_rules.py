"""The bundled rules: each fires on its signal, explains itself, and rule data is checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from crisis.assessment import default_assessor
from crisis.conditions import Facts
from crisis.directory import load_directory
from crisis.draft import CaseDraft, RiskLevel, age_upper_bound
from crisis.lexicon import default_lexicon
from crisis.ruleset import (
    RuleSet,
    Verdict,
    VersionedRuleSet,
    assess,
    bundled_ruleset,
    parse_ruleset,
)
from workorders.reference import regions

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
RULES = bundled_ruleset()


def verdict(*, calls: int = 1, flagged: bool = False, **draft: Any) -> Verdict:
    case = CaseDraft(call_id="c1", caller_number="+8613800000001", agent="wang", **draft)
    arrivals = tuple(NOW - timedelta(minutes=10 * i) for i in range(calls))
    facts = Facts(
        case,
        NOW,
        default_lexicon(),
        calls_from_number=arrivals,
        number_flagged=flagged,
        assessment=default_assessor().assess(case.summary, case.notes),
    )
    return assess(RULES, facts)


def fired_fields(result: Verdict, rule: str) -> set[str]:
    (fired,) = [r for r in result.fired if r.name == rule]
    return {finding.field for finding in fired.findings}


def test_a_quiet_call_fires_nothing() -> None:
    result = verdict(summary="咨询学习压力，情绪平稳", risk_level="low")
    assert result.fired == ()
    assert not result.plan.escalates


def test_imminent_risk_hands_off_to_police_with_a_conference_and_an_owner() -> None:
    result = verdict(risk_level="imminent")
    assert result.fired_names[0] == "imminent-risk"
    assert fired_fields(result, "imminent-risk") == {"risk_level"}
    plan = result.plan
    assert plan.police_webhook and plan.police_conference and plan.local
    assert plan.owner == "wang" and plan.supervisor_alert
    assert plan.flag_reason is not None and "imminent risk" in plan.flag_reason
    assert result.version == RULES.version


def test_high_risk_notifies_the_local_team_but_not_the_police() -> None:
    result = verdict(risk_level="high")
    assert result.fired_names == ("high-risk",)
    assert result.plan.local and not result.plan.police


def test_reported_immediate_danger_reaches_the_police() -> None:
    result = verdict(immediate_danger=True)
    assert "immediate-danger" in result.fired_names
    assert fired_fields(result, "immediate-danger") == {"immediate_danger"}
    assert result.plan.police_webhook


def test_suicide_words_fire_on_the_notes_field() -> None:
    result = verdict(notes="来电者反复说不想活")
    assert fired_fields(result, "suicide-or-self-harm-words") == {"assessment"}
    (fired,) = [r for r in result.fired if r.name == "suicide-or-self-harm-words"]
    assert "不想活" in fired.findings[0].detail
    assert result.plan.owner_assigned and not result.plan.police


def test_negated_suicide_words_fire_nothing() -> None:
    assert verdict(summary="来电者明确表示没有想自杀").fired == ()


def test_violence_words_notify_the_local_team() -> None:
    result = verdict(summary="长期家暴")
    assert "violence-or-sexual-assault-words" in result.fired_names
    assert result.plan.local


def test_a_child_at_risk_is_referred_locally_but_a_calm_child_only_watched() -> None:
    at_risk = verdict(caller_age=12, risk_level="medium")
    assert at_risk.fired_names == ("child-at-risk", "young-caller")
    assert fired_fields(at_risk, "child-at-risk") == {"caller_age", "risk_level"}
    calm = verdict(caller_age=12)
    assert calm.fired_names == ("young-caller",) and not calm.plan.escalates
    assert verdict(caller_age=14, risk_level="medium").fired == ()


def test_repeated_calls_alert_and_flag_without_an_escalation() -> None:
    result = verdict(calls=3)
    assert result.fired_names == ("repeated-calls",)
    assert fired_fields(result, "repeated-calls") == {"calls_from_number"}
    assert result.plan.flag_reason == "repeated calls" and not result.plan.escalates
    assert verdict(calls=2).fired == ()


def test_a_flagged_number_with_risk_gets_an_owner() -> None:
    assert "high-risk-history" in verdict(flagged=True, risk_level="medium").fired_names
    assert verdict(flagged=True, risk_level="low").fired == ()


@pytest.mark.parametrize(
    ("label", "upper"), [("7-13", 13), ("under_14", 13), ("14-17", 17), ("12岁", 12), ("", None)]
)
def test_age_groups_give_the_oldest_age_they_admit(label: str, upper: int | None) -> None:
    assert age_upper_bound(label) == upper


def test_rules_are_data_not_code() -> None:
    with pytest.raises(ValidationError):
        RuleSet.model_validate(
            {
                "rules": [
                    {
                        "name": "x",
                        "priority": 1,
                        "when": "risk_level == 'high'",
                        "actions": [{"kind": "supervisor_alert"}],
                    }
                ]
            }
        )
    with pytest.raises(ValidationError, match="kind"):
        RuleSet.model_validate(
            {
                "rules": [
                    {
                        "name": "x",
                        "priority": 1,
                        "when": {"kind": "python", "code": "1"},
                        "actions": [{"kind": "supervisor_alert"}],
                    }
                ]
            }
        )


def test_duplicate_rule_names_are_refused() -> None:
    rule = {
        "name": "same",
        "priority": 1,
        "when": {"kind": "compare", "field": "caller_age", "op": "lt", "value": 14},
        "actions": [{"kind": "supervisor_alert"}],
    }
    with pytest.raises(ValidationError, match="repeated"):
        RuleSet.model_validate({"rules": [rule, rule]})


def test_the_version_changes_with_the_content() -> None:
    text = (
        "rules:\n  - name: a\n    priority: 1\n"
        "    when: {kind: compare, field: caller_age, op: lt, value: 14}\n"
        "    actions: [{kind: supervisor_alert}]\n"
    )
    first = parse_ruleset(text, label="t")
    second = parse_ruleset(text.replace("value: 14", "value: 15"), label="t")
    assert first.version.startswith("t@") and first.version != second.version
    assert parse_ruleset(text, label="t").version == first.version


@given(
    risk=st.sampled_from(list(RiskLevel)),
    age=st.none() | st.integers(0, 30),
    danger=st.booleans(),
    calls=st.integers(1, 5),
    seed=st.randoms(use_true_random=False),
)
def test_evaluation_is_deterministic_whatever_the_rule_order(
    risk: RiskLevel, age: int | None, danger: bool, calls: int, seed: Any
) -> None:
    shuffled = list(RULES.rules.rules)
    seed.shuffle(shuffled)
    reordered = VersionedRuleSet(RULES.version, RuleSet(name="default", rules=shuffled))
    case = CaseDraft(call_id="c", risk_level=risk, caller_age=age, immediate_danger=danger)
    arrivals = tuple(NOW - timedelta(minutes=i) for i in range(calls))
    facts = Facts(case, NOW, default_lexicon(), calls_from_number=arrivals)
    assert assess(reordered, facts) == assess(RULES, facts)
    police = assess(RULES, facts).plan.police
    assert police == (risk is RiskLevel.IMMINENT or danger)


def test_the_bundled_local_directory_names_only_henan_regions() -> None:
    """Work orders carry Henan's cities and counties: a region named otherwise never matches."""
    known = regions()
    counties = {county for city in known.values() for county in city}
    directory = load_directory()
    assert directory.regions, "the bundled directory lists some regions"
    assert set(directory.regions) <= set(known) | counties
    assert directory.lookup("二七区", "郑州市") == directory.regions["郑州市"]  # county, then city
