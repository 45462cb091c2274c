"""Any well-formed condition tree evaluates without error, and its logic holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from crisis.assessment import Dimension, default_assessor
from crisis.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    CountInWindow,
    Facts,
    KeywordHitCondition,
    Not,
    SuggestedRisk,
    evaluate,
)
from crisis.draft import CaseDraft, RiskLevel
from crisis.lexicon import default_lexicon

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
FIELDS = [
    "risk_level",
    "summary",
    "category",
    "caller_age",
    "region",
    "immediate_danger",
    "number_flagged",
]
VALUES = st.one_of(st.integers(-5, 30), st.booleans(), st.sampled_from(["high", "imminent", "x"]))

leaves = st.one_of(
    st.builds(
        Compare,
        field=st.sampled_from(FIELDS),
        op=st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "in"]),
        value=VALUES | st.lists(VALUES, max_size=3),
    ),
    st.builds(KeywordHitCondition, categories=st.lists(st.sampled_from(["suicide", "self_harm"]))),
    st.builds(
        SuggestedRisk,
        op=st.sampled_from(["eq", "ge", "gt"]),
        value=st.sampled_from(list(RiskLevel)),
        dimensions=st.lists(st.sampled_from(list(Dimension)), max_size=2),
    ),
    st.builds(
        CountInWindow,
        series=st.just("calls_from_number"),
        window_minutes=st.floats(1, 600),
        at_least=st.integers(1, 4),
    ),
)
conditions: st.SearchStrategy[Any] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(AllOf, conditions=st.lists(inner, min_size=1, max_size=3)),
        st.builds(AnyOf, conditions=st.lists(inner, min_size=1, max_size=3)),
        st.builds(Not, condition=inner),
    ),
    max_leaves=8,
)
drafts = st.builds(
    CaseDraft,
    call_id=st.just("c"),
    risk_level=st.sampled_from(list(RiskLevel)),
    summary=st.sampled_from(["", "想自杀", "没有想自杀", "学习压力", "刚吞了一整瓶安眠药"]),
    caller_age=st.none() | st.integers(0, 30),
    region=st.none() | st.just("金水区"),
    immediate_danger=st.booleans(),
)


def facts_for(draft: CaseDraft, calls: int) -> Facts:
    arrivals = tuple(NOW - timedelta(minutes=7 * n) for n in range(calls))
    assessment = default_assessor().assess(draft.summary, draft.notes)
    return Facts(draft, NOW, default_lexicon(), calls_from_number=arrivals, assessment=assessment)


@given(condition=conditions, draft=drafts, calls=st.integers(0, 5))
def test_not_inverts_and_a_match_always_explains_itself(
    condition: Condition, draft: CaseDraft, calls: int
) -> None:
    facts = facts_for(draft, calls)
    outcome = evaluate(condition, facts)
    assert evaluate(Not(condition=condition), facts).matched is not outcome.matched
    if outcome.matched:
        assert outcome.findings


@given(parts=st.lists(conditions, min_size=1, max_size=4), draft=drafts, calls=st.integers(0, 5))
def test_all_and_any_agree_with_their_parts(
    parts: list[Condition], draft: CaseDraft, calls: int
) -> None:
    facts = facts_for(draft, calls)
    each = [evaluate(part, facts).matched for part in parts]
    assert evaluate(AllOf(conditions=parts), facts).matched is all(each)
    assert evaluate(AnyOf(conditions=parts), facts).matched is any(each)


@given(condition=conditions)
def test_a_condition_survives_a_round_trip_through_json(condition: Condition) -> None:
    data = condition.model_dump(mode="json")
    assert type(condition).model_validate(data) == condition
