"""Why a caller is still waiting, in words a supervisor can act on."""

from __future__ import annotations

from collections.abc import Iterable

from acd.calls import CallBook
from acd.events import Skill
from acd.policy import RoutingPolicy
from acd.views import QueueEntryView, queue_entry
from acd.waiting import CallRecord, Need, need_of
from seats.agents import serves
from seats.state import Seat, SeatState


class WaitExplainer:
    """Explains waits against one snapshot of the seats; build it once per queue view."""

    def __init__(self, seats: Iterable[Seat], open_seats: frozenset[str], policy: RoutingPolicy):
        self._policy = policy
        staffed = [seat for seat in seats if seat.seat in open_seats and seat.agent]
        self._fitting: dict[Skill, list[Seat]] = {}
        self._free: dict[Skill, set[str]] = {}
        for skill in Skill:
            fitting = [seat for seat in staffed if seat.agent and serves(seat.agent, skill)]
            self._fitting[skill] = fitting
            self._free[skill] = {s.seat for s in fitting if s.state is SeatState.AVAILABLE}
        self._said: dict[Need, str] = {}  # the text for callers who skipped no free seat
        self._crisis_staffed = bool(self._fitting[Skill.CRISIS])

    def explain(self, call: CallRecord, ahead: int, now: float) -> str:
        need = need_of(call, now, self._policy, crisis_staffed=self._crisis_staffed)
        skipped = self._free[need.skill] & call.skipped
        if skipped:
            text = self._describe(need, skipped)
        else:
            text = self._said.get(need) or self._said.setdefault(need, self._describe(need, set()))
        if call.crisis and need.skill is Skill.CRISIS:
            widen_in = self._policy.crisis_widen_after - call.waited(now)
            text += f"; widens to any agent in {widen_in:.0f} s"
        if ahead:
            text += f"; {ahead} caller{'s' if ahead != 1 else ''} ahead"
        return text

    def _describe(self, need: Need, skipped: set[str]) -> str:
        wanted = f"with skill {need.label}" if need.skill is not Skill.GENERAL else "at all"
        fitting = self._fitting[need.skill]
        if not fitting:
            return f"no agent logged in {wanted}"
        counts: dict[str, int] = {}
        for seat in fitting:
            if seat.seat not in skipped:
                label = seat.state.value.replace("_", " ")
                counts[label] = counts.get(label, 0) + 1
        text = f"no available agent {wanted}"
        if counts:  # "available" ones only show between a change and the next routing pass
            text += "; " + ", ".join(
                f"{n} seat{'s' if n != 1 else ''} {label}" for label, n in sorted(counts.items())
            )
        if skipped:
            text += f"; did not answer this caller: {', '.join(sorted(skipped))}"
        return text


def explain_routed(call: CallRecord) -> str:
    where = "connected to" if call.connected else "ringing at"
    return f"{where} {call.seat}: {call.explanation}"


def queue_entries(calls: CallBook, explainer: WaitExplainer, now: float) -> list[QueueEntryView]:
    """The queue as the wallboard shows it: waiting callers in order, then those ringing."""
    views = [
        queue_entry(call, now, position, explainer.explain(call, position - 1, now))
        for position, call in enumerate(calls.waiting, start=1)
    ]
    views += [queue_entry(call, now, None, explain_routed(call)) for call in calls.routed()]
    return views


def explain_call(calls: CallBook, explainer: WaitExplainer, call_id: str, now: float) -> str | None:
    call = calls.get(call_id)
    if call is None:
        return None
    if call.seat is not None:
        return explain_routed(call)
    return explainer.explain(call, (calls.waiting.position(call_id) or 1) - 1, now)
