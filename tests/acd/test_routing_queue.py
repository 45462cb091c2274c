"""The waiting queue's order, the matching of callers to free seats, and the deadline heap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from acd.deadlines import DeadlineKind, Deadlines
from acd.events import Skill
from acd.policy import RoutingPolicy
from acd.routing import plan_routes
from acd.waiting import CallRecord, WaitingQueue
from seats.agents import Agent
from seats.state import Seat, SeatState

POLICY = RoutingPolicy()


def record(
    n: int, waiting_since: float, head_start: float = 0.0, skill: Skill = Skill.GENERAL
) -> CallRecord:
    return CallRecord(
        call_id=f"c{n}",
        number=f"+86138{n:08d}",
        skill=skill,
        wait_channel=f"PJSIP/trunk-{n}",
        waiting_since=waiting_since,
        seq=n,
        head_start=head_start,
    )


def free_seat(name: str, idle_since: float, *skills: Skill) -> Seat:
    return Seat(name, SeatState.AVAILABLE, idle_since, Agent(name, name, frozenset(skills)))


@given(
    st.lists(
        st.tuples(st.integers(0, 300), st.sampled_from([0.0, 90.0, 300.0]), st.booleans()),
        max_size=60,
    )
)
def test_the_queue_always_yields_callers_by_head_start_then_wait(
    entries: list[tuple[int, float, bool]],
) -> None:
    queue = WaitingQueue()
    present: dict[str, CallRecord] = {}
    for n, (since, head_start, leaves) in enumerate(entries):
        call = record(n, float(since), head_start)
        queue.add(call)
        present[call.call_id] = call
        if leaves and n % 2:
            gone = present.pop(f"c{n // 2}", None)
            if gone:
                queue.remove(gone)
    expected = sorted(present.values(), key=lambda c: (c.waiting_since - c.head_start, c.seq))
    assert sorted(c.key for c in present.values()) == [c.key for c in expected]
    assert [c.call_id for c in queue] == [c.call_id for c in expected]
    assert len(queue) == len(expected)
    for position, call in enumerate(expected, start=1):
        assert queue.position(call.call_id) == position
        assert call.call_id in queue


def test_removing_a_caller_twice_is_harmless() -> None:
    queue = WaitingQueue()
    call = record(1, 0.0)
    queue.add(call)
    queue.remove(call)
    queue.remove(call)
    assert (len(queue), queue.position("c1")) == (0, None)


def test_several_free_seats_go_to_callers_in_rank_order_longest_idle_first() -> None:
    callers = [record(1, 10.0), record(2, 5.0), record(3, 20.0, skill=Skill.LEGAL)]
    queue = WaitingQueue()
    for call in callers:
        queue.add(call)
    seats = [free_seat("8001", 50.0), free_seat("8002", 30.0, Skill.LEGAL), free_seat("8003", 40.0)]
    routes = plan_routes(queue, seats, 60.0, POLICY)
    assert [(r.call.call_id, r.seat) for r in routes] == [("c2", "8002"), ("c1", "8003")]
    assert routes[0].explanation == "longest idle among 3 available seats: 8002 idle 30 s"


def test_no_free_seat_means_no_route() -> None:
    queue = WaitingQueue()
    queue.add(record(1, 0.0))
    assert plan_routes(queue, [], 10.0, POLICY) == []


@given(
    callers=st.lists(st.sampled_from(list(Skill)), max_size=25),
    seats=st.lists(st.frozensets(st.sampled_from(list(Skill))), max_size=10),
)
def test_each_seat_and_each_caller_is_used_at_most_once(
    callers: list[Skill], seats: list[frozenset[Skill]]
) -> None:
    queue = WaitingQueue()
    for n, skill in enumerate(callers):
        queue.add(record(n, float(n), skill=skill))
    free = [free_seat(f"80{n:02d}", float(n), *skills) for n, skills in enumerate(seats)]
    routes = plan_routes(queue, free, 100.0, POLICY)
    assert len({r.seat for r in routes}) == len(routes)
    assert len({r.call.call_id for r in routes}) == len(routes)
    fitting = {s.seat: s.agent.skills for s in free if s.agent}
    for route in routes:
        need = Skill.GENERAL if route.call.skill is Skill.CRISIS else route.call.skill
        assert need is Skill.GENERAL or need in fitting[route.seat]


def test_deadlines_come_due_in_time_order_and_skip_what_no_longer_applies() -> None:
    deadlines = Deadlines()
    deadlines.add(30.0, DeadlineKind.WRAP_UP, "8001")
    deadlines.add(10.0, DeadlineKind.MAX_WAIT, "c1", token=1)
    deadlines.add(20.0, DeadlineKind.RING_GUARD, "c2", token=2)
    cancelled = {"c2"}
    due = list(deadlines.due(25.0, lambda d: d.key not in cancelled))
    assert [(d.at, d.key) for d in due] == [(10.0, "c1")]
    assert deadlines.next_at(lambda d: True) == 30.0
    assert deadlines.next_at(lambda d: False) is None
    assert len(deadlines) == 0
