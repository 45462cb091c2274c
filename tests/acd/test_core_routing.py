"""Who gets the next free seat, which seat it is, and why."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.core import AcdCore
from acd.events import CallRouted, Skill
from acd.policy import CallerPriority, RoutingPolicy
from tests.acd.core_world import (
    T0,
    agent,
    answer,
    connects,
    ended,
    make_core,
    on_duty,
    published,
    routed,
    waiting,
    wake,
)


def test_a_caller_is_connected_in_the_same_step_a_seat_becomes_free() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    assert routed(core.handle(waiting("c1"), T0)) == {"c1": "8001"}
    answer(core, "c1", "8001", T0)
    assert routed(core.handle(waiting("c2"), T0 + 1)) == {}
    core.handle(ended("c1"), T0 + 30)
    assert routed(core.wrapup_done("8001", T0 + 40)) == {"c2": "8001"}


def test_callers_are_served_first_come_first_served() -> None:
    core = make_core()
    on_duty(core)
    for n, call in enumerate(["c1", "c2", "c3"]):
        core.handle(waiting(call), T0 + n)
    assert routed(core.login(agent("ann"), "8001", T0 + 10)) == {"c1": "8001"}
    assert routed(core.login(agent("ben"), "8002", T0 + 11)) == {"c2": "8002"}


def test_the_seat_idle_longest_takes_the_call() -> None:
    core = make_core()
    core.login(agent("ann"), "8003", T0)
    core.login(agent("ben"), "8001", T0 + 5)
    core.login(agent("cat"), "8002", T0 + 9)
    commands = core.handle(waiting("c1"), T0 + 42)
    [connect] = connects(commands)
    assert connect.seat == "8003"
    assert connect.explanation == "longest idle among 3 available seats: 8003 idle 42 s"
    assert published(commands, CallRouted)[0].explanation == connect.explanation


def test_skilled_calls_go_only_to_agents_with_the_skill() -> None:
    core = make_core()
    core.login(agent("gen"), "8001", T0)
    core.login(agent("psy", Skill.PSYCHOLOGICAL), "8002", T0 + 1)
    [connect] = connects(core.handle(waiting("c1", Skill.PSYCHOLOGICAL), T0 + 10))
    assert connect.seat == "8002"
    assert "available psychological seat: 8002" in connect.explanation
    assert routed(core.handle(waiting("c2", Skill.LEGAL), T0 + 11)) == {}
    assert routed(core.handle(waiting("c3", Skill.GENERAL), T0 + 12)) == {"c3": "8001"}


def test_a_skilled_caller_waiting_does_not_block_a_general_caller_behind() -> None:
    core = make_core()
    on_duty(core)
    core.handle(waiting("legal", Skill.LEGAL), T0)
    core.handle(waiting("anyone"), T0 + 1)
    assert routed(core.login(agent("gen"), "8001", T0 + 2)) == {"anyone": "8001"}


def test_priority_callers_go_ahead_of_earlier_callers() -> None:
    core = make_core()
    on_duty(core)
    core.set_caller_priority("+8613900000001", CallerPriority.CALLBACK)
    core.handle(waiting("early"), T0)
    core.handle(waiting("returner", number="+8613900000001"), T0 + 30)
    assert routed(core.login(agent("ann"), "8001", T0 + 31)) == {"returner": "8001"}


def test_aging_lets_a_long_waiting_caller_pass_a_new_priority_caller() -> None:
    head_start = 90.0
    policy = RoutingPolicy(priority_head_start={CallerPriority.CALLBACK: head_start})
    core = make_core(policy)
    on_duty(core)
    core.set_caller_priority("+8613900000001", CallerPriority.CALLBACK)
    core.handle(waiting("patient"), T0)
    core.handle(waiting("returner", number="+8613900000001"), T0 + head_start + 1)
    assert routed(core.login(agent("ann"), "8001", T0 + head_start + 2)) == {"patient": "8001"}


def test_flagging_a_waiting_caller_moves_them_up_at_once() -> None:
    core = make_core()
    on_duty(core)
    core.handle(waiting("early"), T0)
    core.handle(waiting("flagged", number="+8613900000002"), T0 + 5)
    core.set_caller_priority("+8613900000002", CallerPriority.CALLBACK)
    assert [view.call_id for view in core.queue_view(T0 + 6)] == ["flagged", "early"]
    core.set_caller_priority("+8613900000002", None)
    assert [view.call_id for view in core.queue_view(T0 + 7)] == ["early", "flagged"]


def crisis_agent_on_a_break(core: AcdCore, seat: str = "8007") -> None:
    """A crisis-qualified agent is logged in, but not free now."""
    core.login(agent("cri", Skill.CRISIS), seat, T0 - 600)
    core.pause(seat, "meal", T0 - 600)


def test_crisis_callers_wait_for_a_crisis_agent_then_widen_to_anyone() -> None:
    core = make_core(RoutingPolicy(crisis_widen_after=20.0))
    crisis_agent_on_a_break(core)
    core.set_caller_priority("+8613900000003", CallerPriority.CRISIS)
    core.login(agent("gen"), "8001", T0)
    commands = core.handle(waiting("crisis", number="+8613900000003"), T0 + 1)
    assert routed(commands) == {}
    assert wake(commands) == T0 + 21
    assert "widens to any agent in 15 s" in (core.explain("crisis", T0 + 6) or "")
    assert routed(core.tick(T0 + 20.9)) == {}
    [connect] = connects(core.tick(T0 + 21))
    assert connect.seat == "8001"
    assert "crisis caller, widened to any agent" in connect.explanation


def test_a_crisis_caller_waits_for_nobody_when_no_crisis_agent_is_logged_in() -> None:
    core = make_core(RoutingPolicy(crisis_widen_after=20.0))
    core.set_caller_priority("+8613900000003", CallerPriority.CRISIS)
    core.login(agent("gen"), "8001", T0)
    [connect] = connects(core.handle(waiting("crisis", number="+8613900000003"), T0 + 1))
    assert connect.seat == "8001"
    assert "crisis caller, widened to any agent" in connect.explanation


def test_a_repeat_caller_goes_ahead_and_any_agent_takes_them() -> None:
    core = make_core()
    crisis_agent_on_a_break(core)
    on_duty(core)
    core.set_caller_priority("+8613900000004", CallerPriority.REPEAT)
    core.handle(waiting("first"), T0)
    core.handle(waiting("repeat", number="+8613900000004"), T0 + 30)
    assert routed(core.login(agent("gen"), "8001", T0 + 31)) == {"repeat": "8001"}


def test_a_crisis_agent_takes_the_crisis_caller_before_the_general_agent_idle_longer() -> None:
    core = make_core()
    core.set_caller_priority("+8613900000003", CallerPriority.CRISIS)
    core.login(agent("gen"), "8001", T0)
    core.login(agent("cri", Skill.CRISIS), "8002", T0 + 50)
    [connect] = connects(core.handle(waiting("crisis", number="+8613900000003"), T0 + 60))
    assert connect.seat == "8002"
    assert connect.explanation.startswith("longest idle among 1 available crisis-qualified seat")


def test_a_crisis_caller_goes_ahead_of_everyone_waiting() -> None:
    core = make_core()
    on_duty(core)
    core.set_caller_priority("+8613900000003", CallerPriority.CRISIS)
    for n in range(5):
        core.handle(waiting(f"c{n}"), T0 + n)
    core.handle(waiting("crisis", number="+8613900000003"), T0 + 10)
    routes = routed(core.login(agent("cri", Skill.CRISIS), "8001", T0 + 11))
    assert routes == {"crisis": "8001"}


def test_the_callback_seat_is_never_rung_for_inbound_callers() -> None:
    core = make_core()
    core.login(agent("cb"), "8099", T0)
    core.login(agent("ann"), "8001", T0 + 1)
    core.handle(waiting("c1"), T0 + 2)
    assert routed(core.handle(waiting("c2"), T0 + 3)) == {}
    assert "no available agent at all; 1 seat ringing" in (core.explain("c2", T0 + 4) or "")


def test_the_queue_explains_why_a_caller_still_waits() -> None:
    core = make_core()
    core.login(agent("l1", Skill.LEGAL), "8001", T0)
    core.login(agent("l2", Skill.LEGAL), "8002", T0)
    core.login(agent("l3", Skill.LEGAL), "8003", T0)
    core.handle(waiting("a"), T0 + 1)
    core.handle(waiting("b"), T0 + 1)
    answer(core, "a", "8001", T0 + 2)
    answer(core, "b", "8002", T0 + 2)
    core.pause("8003", "break", T0 + 3)
    core.handle(waiting("c", Skill.LEGAL), T0 + 4)
    core.handle(waiting("d", Skill.PSYCHOLOGICAL), T0 + 5)
    views = {view.call_id: view for view in core.queue_view(T0 + 10)}
    assert views["c"].explanation == (
        "no available agent with skill legal; 2 seats on call, 1 seat paused"
    )
    assert views["d"].explanation == "no agent logged in with skill psychological; 1 caller ahead"
    assert (views["c"].position, views["d"].position, views["d"].waited) == (1, 2, 5.0)


def test_queue_view_shows_where_a_caller_is_ringing() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    [view] = core.queue_view(T0 + 2)
    assert (view.position, view.ringing_at) == (None, "8001")
    assert view.explanation.startswith("ringing at 8001: longest idle")
    assert core.explain("nobody", T0) is None


@settings(max_examples=50)
@given(
    arrivals=st.lists(
        st.tuples(st.sampled_from(list(Skill)), st.booleans()), min_size=1, max_size=30
    ),
    agents=st.lists(st.frozensets(st.sampled_from(list(Skill))), min_size=1, max_size=7),
)
def test_routing_is_by_rank_and_only_to_agents_who_fit(
    arrivals: list[tuple[Skill, bool]], agents: list[frozenset[Skill]]
) -> None:
    core = make_core()
    on_duty(core)
    core.set_caller_priority("+8613900000009", CallerPriority.CALLBACK)
    for n, (skill, returner) in enumerate(arrivals):
        number = "+8613900000009" if returner else ""
        core.handle(waiting(f"c{n}", skill, number), T0 + n)
    skills_at: dict[str, frozenset[Skill]] = {}
    for n, skills in enumerate(agents):
        seat = f"80{n + 1:02d}"
        skills_at[seat] = skills
        before = [view.call_id for view in core.queue_view(T0 + 100 + n) if view.position]
        routes = routed(core.login(agent(f"a{n}", *skills), seat, T0 + 100 + n))
        for call_id, to in routes.items():
            assert fits(arrivals[int(call_id[1:])][0], skills_at[to])
            # nobody ahead of the routed caller could have taken this seat
            for ahead in before[: before.index(call_id)]:
                assert not fits(arrivals[int(ahead[1:])][0], skills)


def fits(skill: Skill, skills: frozenset[Skill]) -> bool:
    """By the time agents log in here, crisis callers have widened to anyone."""
    return skill in (Skill.GENERAL, Skill.CRISIS) or skill in skills


def test_a_widened_crisis_caller_is_routed_past_a_flagged_one_still_waiting_for_crisis() -> None:
    core = make_core(RoutingPolicy(crisis_widen_after=20))
    crisis_agent_on_a_break(core)
    core.set_caller_priority("+8613900000003", CallerPriority.CRISIS)
    core.handle(waiting("ivr-crisis", Skill.CRISIS), T0)
    core.handle(waiting("flagged", number="+8613900000003"), T0 + 20)
    commands = core.login(agent("gen"), "8001", T0 + 25)
    assert routed(commands) == {"ivr-crisis": "8001"}
    assert [v.call_id for v in core.queue_view(T0 + 26) if v.position] == ["flagged"]


def test_many_waiting_callers_of_one_skill_do_not_hide_a_caller_of_another() -> None:
    core = make_core(RoutingPolicy(max_queue=2000))
    on_duty(core)
    for n in range(500):
        core.handle(waiting(f"legal{n}", Skill.LEGAL), T0 + n / 100)
    core.handle(waiting("psy", Skill.PSYCHOLOGICAL), T0 + 10)
    assert routed(core.login(agent("p", Skill.PSYCHOLOGICAL), "8001", T0 + 11)) == {"psy": "8001"}
