"""Each routing rule, shown end to end: simulator ⇄ AMI over TCP ⇄ ACD shell ⇄ core."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.events import MissReason, Skill
from acd.policy import CallerPriority, RoutingPolicy
from tests.acd.acd_stack import acd_stack, until


def _connected_seat(stack, call_id: str) -> str | None:  # type: ignore[no-untyped-def]
    record = stack.sim.calls.get(call_id)
    return None if record is None else record.connected_seat


async def test_a_seat_that_does_not_answer_is_skipped_for_the_next(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        stack.sim.configure_seat("8001", behaviour="no_answer")
        stack.login("a1", "8001")  # idle longest: tried first
        stack.login("a2", "8002")
        call = stack.sim.place_call("13800000001", ivr_choice="0")
        await until(lambda: _connected_seat(stack, call) == "8002")
        assert stack.redirects() == [("acd-seat", "8001"), ("acd-seat", "8002")]
        failed = stack.of_kind("SeatFailed")
        assert [(e.seat, e.dial_status) for e in failed] == [("8001", "NOANSWER")]  # type: ignore[attr-defined]


async def test_two_no_answers_in_a_row_pause_the_seat_and_alert(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        stack.sim.configure_seat("8001", behaviour="no_answer")
        stack.login("a1", "8001")
        stack.login("a2", "8002")
        first = stack.sim.place_call("13800000001", ivr_choice="0", talk_time=0.5)
        await until(lambda: _connected_seat(stack, first) == "8002")
        second = stack.sim.place_call("13800000002", ivr_choice="0")
        await until(lambda: stack.seat("8001")["state"] == "paused", timeout=5)
        assert stack.seat("8001")["pause_reason"] == "no_answer"
        alerts = stack.of_kind("AgentAlert")
        assert [a.seat for a in alerts] == ["8001"]  # type: ignore[attr-defined]
        await until(lambda: _connected_seat(stack, second) == "8002", timeout=5)


async def test_an_unreachable_seat_is_never_rung(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        stack.login("a1", "8001")
        stack.login("a2", "8002")
        stack.sim.configure_seat("8001", registered=False)
        await until(lambda: stack.seat("8001")["state"] == "unreachable")
        call = stack.sim.place_call("13800000001", ivr_choice="0")
        await until(lambda: _connected_seat(stack, call) == "8002")
        assert ("acd-seat", "8001") not in stack.redirects()


async def test_a_crisis_caller_waits_for_a_crisis_agent_then_widens(tmp_path: Path) -> None:
    policy = RoutingPolicy(wrapup_seconds=0.05, crisis_widen_after=0.4)
    async with acd_stack(tmp_path, policy=policy) as stack:
        stack.login("general", "8001", [Skill.GENERAL, Skill.PSYCHOLOGICAL])
        stack.login("crisis", "8002", [Skill.CRISIS])  # logged in, on a break
        stack.acd.command(lambda now: stack.acd.core.pause("8002", "meal", now))
        stack.acd.core.set_caller_priority("+8613800000009", CallerPriority.CRISIS)
        call = stack.sim.place_call("13800000009", ivr_choice="1")
        await until(lambda: bool(stack.of_kind("CallWaiting")))
        await until(lambda: _connected_seat(stack, call) == "8001", timeout=5)
        waited = stack.sim.calls[call].answered - stack.sim.calls[call].arrived  # type: ignore[operator]
        assert waited >= 0.4


async def test_a_crisis_caller_goes_to_a_crisis_agent_first(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        stack.login("general", "8001", [Skill.GENERAL, Skill.PSYCHOLOGICAL])
        stack.login("crisis", "8002", [Skill.CRISIS, Skill.PSYCHOLOGICAL])
        stack.acd.core.set_caller_priority("+8613800000009", CallerPriority.CRISIS)
        call = stack.sim.place_call("13800000009", ivr_choice="1")
        await until(lambda: _connected_seat(stack, call) == "8002")


async def test_a_caller_waiting_too_long_hears_the_callback_offer(tmp_path: Path) -> None:
    policy = RoutingPolicy(wrapup_seconds=0.05, max_wait=0.3)
    async with acd_stack(tmp_path, policy=policy) as stack:
        stack.login("a1", "8001")
        stack.acd.command(lambda now: stack.acd.core.pause("8001", "break", now))
        call = stack.sim.place_call("13800000001", ivr_choice="0")
        await until(lambda: ("acd-overflow", "s") in stack.redirects(), timeout=5)
        missed = stack.of_kind("CallMissed")
        await until(lambda: bool(stack.sim.calls[call].ended))
        assert [(m.call_id, m.reason) for m in missed] == [(call, MissReason.OVERFLOW)]  # type: ignore[attr-defined]


async def test_out_of_hours_calls_are_missed_calls(tmp_path: Path) -> None:
    policy = RoutingPolicy(wrapup_seconds=0.05, is_open=lambda now: False)
    async with acd_stack(tmp_path, policy=policy) as stack:
        stack.login("a1", "8001")
        call = stack.sim.place_call("13800000001", ivr_choice="0")
        await until(lambda: ("acd-closed", "s") in stack.redirects())
        await until(lambda: bool(stack.of_kind("CallMissed")))
        assert stack.of_kind("CallMissed")[0].reason is MissReason.CLOSED  # type: ignore[attr-defined]
        assert _connected_seat(stack, call) is None


async def test_surge_opens_seats_9_to_20_and_closing_it_waits_for_the_call(
    tmp_path: Path,
) -> None:
    from seats.state import SeatError

    async with acd_stack(tmp_path) as stack:
        with pytest.raises(SeatError):
            stack.login("s1", "8015")
        stack.acd.command(lambda now: stack.acd.core.set_surge(True, "flood", now))
        stack.login("s1", "8015")
        call = stack.sim.place_call("13800000001", ivr_choice="0", talk_time=30)
        await until(lambda: _connected_seat(stack, call) == "8015")
        await until(lambda: stack.seat("8015")["state"] == "on_call")  # the ACD saw it too
        stack.acd.command(lambda now: stack.acd.core.set_surge(False, "", now))
        await until(lambda: stack.seat("8015")["state"] == "on_call")  # the call goes on
        stack.sim.hangup_call(call)
        await until(lambda: stack.seat("8015")["state"] == "offline", timeout=5)
        with pytest.raises(SeatError):
            stack.login("s1", "8015")
