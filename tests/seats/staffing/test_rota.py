"""The rota: every rota the solver returns respects every hard rule; impossible ones say why."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seats.staffing.rota import (
    SHIFT_ORDER,
    Counsellor,
    HardRule,
    RotaProblem,
    Shift,
    ShiftKind,
    breaches,
    parse_shift,
    summarise,
)
from seats.staffing.solver import Infeasible, Solved, solve_rota

MONDAY = date(2026, 11, 2)
EVERY_SHIFT = frozenset((d, k) for d in range(7) for k in SHIFT_ORDER)


def _person(
    agent: str,
    crisis: bool = False,
    hours: int = 40,
    nights: int = 7,
    available: frozenset[tuple[int, ShiftKind]] = EVERY_SHIFT,
) -> Counsellor:
    return Counsellor(agent, agent.upper(), crisis, hours, nights, available)


def _problem(people: list[Counsellor], days: int = 2, need: int = 2) -> RotaProblem:
    shifts = [
        Shift(MONDAY.replace(day=MONDAY.day + d), k) for d in range(days) for k in SHIFT_ORDER
    ]
    return RotaProblem(MONDAY, days, tuple(people), {s: (need,) * 16 for s in shifts}, max_seats=8)


def _solve(problem: RotaProblem) -> Solved | Infeasible:
    return solve_rota(problem, time_limit=10, workers=1)


def test_a_feasible_week_is_covered_with_no_gaps_and_nights_spread() -> None:
    people = [_person(f"c{i}", crisis=i % 2 == 0, hours=24, nights=2) for i in range(14)]
    problem = _problem(people, days=7, need=2)
    result = _solve(problem)
    assert isinstance(result, Solved)
    assert breaches(problem, result.assignment) == []
    summary = summarise(problem, result.assignment)
    assert summary.open_seat_half_hours == 0 and summary.short_shifts == []
    _, high = summary.night_spread
    assert high == result.most_nights.value == 1  # 14 nights over 14 people: one each
    assert result.open_half_hours.gap == 0.0


def test_too_few_counsellors_leave_gaps_the_summary_names() -> None:
    people = [
        _person("a", crisis=True, hours=8),
        _person("b", crisis=True, hours=8),
        _person("c", crisis=True, hours=8),
    ]
    problem = _problem(people, days=1, need=2)
    result = _solve(problem)
    assert isinstance(result, Solved)
    summary = summarise(problem, result.assignment)
    assert summary.open_seat_half_hours == 3 * 16
    assert summary.short_shifts[0] == "2026-11-02 mon night: need 2, 1 rostered"


def test_a_shift_nobody_qualified_can_take_is_named_before_solving() -> None:
    days_only = frozenset((d, ShiftKind.DAY) for d in range(7))
    people = [_person("a", crisis=True, available=days_only), _person("b")]
    result = _solve(_problem(people, days=1))
    assert isinstance(result, Infeasible)
    assert [b.rule for b in result.breaches] == [HardRule.CRISIS_COVER] * 2
    assert "2026-11-02 mon night" in result.message and "evening" in result.message


def test_limits_that_starve_crisis_cover_are_named_with_the_rule_they_break() -> None:
    # Two crisis-qualified counsellors may each work one 8-hour shift: three shifts
    # a day cannot all have one, although each shift alone could.
    people = [_person("a", crisis=True, hours=8), _person("b", crisis=True, hours=8), _person("c")]
    result = _solve(_problem(people, days=1))
    assert isinstance(result, Infeasible)
    assert {b.rule for b in result.breaches} == {HardRule.CRISIS_COVER}
    assert HardRule.WEEKLY_HOURS in result.together_with
    assert "nobody over their weekly hours" in result.message


def test_breaches_name_each_broken_rule() -> None:
    people = [_person("a", crisis=True, hours=8, nights=0), _person("b")]
    problem = _problem(people, days=2)
    night, day, evening, next_night, next_day, _ = problem.shifts
    rota = {
        night: frozenset({"a", "b"}),
        day: frozenset({"a"}),
        evening: frozenset({"b", "z"}),
        next_night: frozenset({"b"}),  # straight after Monday's evening
        next_day: frozenset({"a"}),
    }
    found = breaches(problem, rota)
    rules = {b.rule for b in found}
    assert rules == {
        HardRule.WEEKLY_HOURS,
        HardRule.WEEKLY_NIGHTS,
        HardRule.ONE_SHIFT_A_DAY,
        HardRule.REST,
        HardRule.AVAILABLE,
        HardRule.CRISIS_COVER,
    }
    assert "b: 2026-11-02 mon evening then 2026-11-03 tue night back to back" in {
        b.message for b in found
    }


def test_availability_entries_are_checked() -> None:
    assert parse_shift("sun:evening") == (6, ShiftKind.EVENING)
    with pytest.raises(ValueError, match="unknown weekday"):
        parse_shift("sunday:evening")
    with pytest.raises(ValueError, match="unknown shift"):
        parse_shift("sun:late")


counsellors = st.builds(
    Counsellor,
    agent_id=st.sampled_from([f"c{i}" for i in range(12)]),
    name=st.just("x"),
    crisis=st.booleans(),
    max_hours_week=st.sampled_from([0, 8, 16, 24, 40]),
    max_nights_week=st.integers(0, 3),
    available=st.frozensets(
        st.tuples(st.integers(0, 6), st.sampled_from(SHIFT_ORDER)), max_size=21
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(counsellors, min_size=1, max_size=10, unique_by=lambda c: c.agent_id),
    st.integers(1, 3),
    st.lists(st.integers(0, 4), min_size=9, max_size=9),
)
def test_every_rota_respects_every_hard_rule(
    people: list[Counsellor], days: int, peaks: list[int]
) -> None:
    shifts = [Shift(date(2026, 11, 2 + d), k) for d in range(days) for k in SHIFT_ORDER]
    need = {s: (peaks[i],) * 8 + (max(0, peaks[i] - 1),) * 8 for i, s in enumerate(shifts)}
    problem = RotaProblem(MONDAY, days, tuple(people), need, max_seats=3)
    result = solve_rota(problem, time_limit=5, workers=1)
    if isinstance(result, Solved):
        assert breaches(problem, result.assignment) == []
        assert result.open_half_hours.bound <= result.open_half_hours.value
    else:
        assert result.breaches and all(b.rule is HardRule.CRISIS_COVER for b in result.breaches)
        # the explanation is true: no crisis-qualified counsellor can be on all those shifts
        assert result.message
