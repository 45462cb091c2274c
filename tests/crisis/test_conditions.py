"""Any well-formed condition tree evaluates without error, and its logic holds."""

from __future__ import annotations

from dataclasses import replace
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
    settled,
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
        series=st.sampled_from(["calls_from_number", "escalations_for_number"]),
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


UNREAD = st.sets(st.sampled_from(["number_flagged", "escalations_for_number", "dismissed"]))


@given(
    condition=conditions,
    draft=drafts,
    calls=st.integers(0, 5),
    unread=UNREAD,
    flagged=st.booleans(),
    escalations=st.integers(0, 4),
    dismissed=st.sampled_from(list(RiskLevel)),
)
def test_a_settled_answer_holds_whatever_the_unread_facts_are(
    condition: Condition,
    draft: CaseDraft,
    calls: int,
    unread: set[str],
    flagged: bool,
    escalations: int,
    dismissed: RiskLevel,
) -> None:
    """The shell skips reading a number's flag, escalations and dismissals when every rule
    settles to "no" without them: a settled answer must be the answer for any of their values."""
    known = facts_for(draft, calls)
    actual = replace(
        known,
        number_flagged=flagged if "number_flagged" in unread else known.number_flagged,
        escalations_for_number=tuple(NOW - timedelta(days=n) for n in range(escalations))
        if "escalations_for_number" in unread
        else known.escalations_for_number,
        dismissed=dismissed if "dismissed" in unread else known.dismissed,
    )
    answer = settled(condition, known, frozenset(unread))
    if answer is not None:
        assert evaluate(condition, actual).matched is answer
    if not unread:
        assert answer is evaluate(condition, known).matched  # nothing unread: always settled


def test_a_suggestion_the_agent_may_have_dismissed_is_not_settled_until_read() -> None:
    suggested = SuggestedRisk(op="ge", value=RiskLevel.MEDIUM)
    heard = facts_for(CaseDraft(call_id="c", summary="想自杀"), 0)
    assert evaluate(suggested, heard).matched
    assert settled(suggested, heard, frozenset({"dismissed"})) is None
    assert settled(Not(condition=suggested), heard, frozenset({"dismissed"})) is None
    silent = facts_for(CaseDraft(call_id="c"), 0)  # nothing suggested: no dismissal matters
    assert settled(suggested, silent, frozenset({"dismissed"})) is False


def test_a_flag_or_a_count_not_read_settles_only_where_the_rest_decides() -> None:
    flagged = Compare(field="number_flagged", op="eq", value=True)
    medium = Compare(field="risk_level", op="ge", value="medium")
    history = AllOf(conditions=[flagged, medium])
    unread = frozenset({"number_flagged", "escalations_for_number"})
    assert settled(history, facts_for(CaseDraft(call_id="c"), 0), unread) is False
    assert settled(history, facts_for(CaseDraft(call_id="c", risk_level="high"), 0), unread) is None
    earlier = CountInWindow(series="escalations_for_number", window_minutes=60, at_least=1)
    assert (
        settled(
            AnyOf(conditions=[earlier, medium]),
            facts_for(CaseDraft(call_id="c", risk_level="high"), 0),
            unread,
        )
        is True
    )
    assert settled(earlier, facts_for(CaseDraft(call_id="c"), 0), unread) is None
