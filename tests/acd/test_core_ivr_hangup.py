"""A caller who hangs up before ever waiting (in the IVR menu) is still a missed call."""

from __future__ import annotations

from acd.commands import Publish
from acd.core import AcdCore
from acd.events import CallArrived, CallEnded, CallMissed, CallWaiting, MissReason
from acd.policy import RoutingPolicy


def _missed(commands: list[object]) -> list[CallMissed]:
    return [c.event for c in commands if isinstance(c, Publish) and isinstance(c.event, CallMissed)]


def test_a_hang_up_in_the_menu_is_a_short_missed_call() -> None:
    core = AcdCore(RoutingPolicy(), seats=["8001"])
    core.handle(CallArrived(call_id="c1", caller_number="+8613800000001"), now=100.0)
    missed = _missed(core.handle(CallEnded(call_id="c1"), now=103.0))
    assert [(m.call_id, m.caller_number, m.reason) for m in missed] == [
        ("c1", "+8613800000001", MissReason.SHORT_HANGUP)
    ]
    assert missed[0].waited_seconds == 3.0


def test_a_long_menu_then_hang_up_is_abandoned_and_counted_once() -> None:
    core = AcdCore(RoutingPolicy(short_hangup_seconds=10), seats=["8001"])
    core.handle(CallArrived(call_id="c1", caller_number="+8613800000001"), now=100.0)
    assert (
        _missed(core.handle(CallEnded(call_id="c1"), now=130.0))[0].reason is MissReason.ABANDONED
    )
    assert _missed(core.handle(CallEnded(call_id="c1"), now=131.0)) == []


def test_a_caller_who_reached_the_queue_is_not_double_counted() -> None:
    core = AcdCore(RoutingPolicy(), seats=["8001"])
    core.handle(CallArrived(call_id="c1", caller_number="+8613800000001"), now=100.0)
    waiting = core.handle(
        CallWaiting(call_id="c1", caller_number="+8613800000001", wait_channel="PJSIP/trunk-1"),
        now=101.0,
    )
    ended = core.handle(CallEnded(call_id="c1"), now=104.0)
    assert len(_missed(waiting) + _missed(ended)) == 1
