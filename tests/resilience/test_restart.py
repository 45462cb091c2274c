"""Kill -9 ``callcenter serve`` with callers waiting, talking and a callback ringing; start it
again: nobody is lost, nothing is doubled, the seats are as they were."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from acd.callback.policy import CallbackPolicy
from acd.callback.store import record_miss
from acd.events import MissReason
from tests.resilience.processes import Floor, Serve, processes, serve_env, simulator, until

AGENTS = [("a1", "8001"), ("a2", "8002"), ("a3", "8003"), ("cb1", "8099")]


async def staff_the_floor(serve: Serve) -> None:
    for agent, _ in AGENTS:
        body = {"agent": agent, "name": agent, "skills": ["general", "psychological"]}
        await serve.call("PUT", "/api/agents", body, as_="admin")
    for agent, seat in AGENTS:  # each counsellor takes their own seat
        await serve.call("POST", "/api/agents/login", {"seat": seat}, as_=agent)
    await serve.call("POST", "/api/agents/pause", {"reason": "meal"}, as_="a3")


async def owe_a_callback(floor: Floor, number: str) -> None:
    """A caller missed ten minutes ago: the callback is due now."""
    async with floor.sessions() as session, session.begin():
        await record_miss(
            session, number=number, dial_number=number, call_id="earlier-1",
            reason=MissReason.ABANDONED, waited_seconds=40.0,
            missed_at=datetime.now(UTC) - timedelta(minutes=10), high_risk=False,
            work_order_id=None, policy=CallbackPolicy(),
        )  # fmt: skip


def seats_of(snapshot: dict[str, Any]) -> dict[str, tuple[str, str | None, str | None]]:
    return {s["seat"]: (s["state"], s["agent"], s["pause_reason"]) for s in snapshot["seats"]}


def originates(sim: Any) -> int:
    return sum(1 for a in sim.actions if a.get("Action") == "Originate")


async def test_a_restart_keeps_every_caller_and_every_seat(
    tmp_path: Path, empty_pg_url: str
) -> None:
    async with simulator() as sim:
        sim.configure_seat("8099", answer_delay=60)  # the callback seat rings through the kill
        new = processes(tmp_path, serve_env(sim, empty_pg_url, tmp_path))
        first = new("node-a", {})
        started = [first]
        floor = Floor(empty_pg_url)
        try:
            await first.start()
            await first.until_role("active")
            await owe_a_callback(floor, "+8613900000009")
            await staff_the_floor(first)
            await until(lambda: originates(sim) == 1, what="the callback dialled")

            talking = [
                sim.place_call(f"1380000000{n}", ivr_choice="0", talk_time=600) for n in (1, 2)
            ]
            await until(lambda: all(sim.calls[c].connected_seat for c in talking), what="talking")
            waiting = []
            for n, choice in ((3, "1"), (4, "0")):  # c3 first, c4 second, different skills
                waiting.append(sim.place_call(f"1380000000{n}", ivr_choice=choice))
                await until(lambda c=waiting[-1]: sim.calls[c].outcome == "waiting", what="queued")
            calls_before = await until(lambda: _rows(floor, 4), what="calls recorded")
            assert calls_before >= 0

            first.kill()
            await first.reap()
            again = new("node-a", {})
            started.append(again)
            await again.start()
            await again.until_role("active")
            logged_in = time.monotonic()

            # Within 5 s of its login it knows both waiting callers, in their order.
            async def queue_is_back() -> bool:
                queue = await again.call("GET", "/api/queue")
                ids = [entry["call_id"] for entry in queue["waiting"] if entry["position"]]
                return ids == waiting

            await until(queue_is_back, timeout=5, what="waiting callers known again")
            queue = await again.call("GET", "/api/queue")
            assert [e["skill"] for e in queue["waiting"]] == ["psychological", "general"]
            seats = seats_of(await again.call("GET", "/api/seats"))
            assert seats["8001"] == ("on_call", "a1", None)
            assert seats["8002"] == ("on_call", "a2", None)
            assert seats["8003"] == ("paused", "a3", "meal")
            assert seats["8004"][0] == "offline"
            assert time.monotonic() - logged_in < 5

            # The talkers hang up; the waiting callers go to their seats, oldest first.
            for call in talking:
                sim.hangup_call(call)
            await until(lambda: all(sim.calls[c].connected_seat for c in waiting), timeout=20,
                        what="waiting callers routed")  # fmt: skip
            first_answer, second_answer = (sim.calls[c].answered or 0 for c in waiting)
            assert first_answer < second_answer
            for call in waiting:
                sim.hangup_call(call)
            await until(lambda: all(sim.calls[c].ended for c in [*talking, *waiting]))
            await until(lambda: _all_ended(floor, [*talking, *waiting]), what="ends recorded")

            rows = await floor.calls()
            assert all(rows[c].outcome == "answered" for c in [*talking, *waiting])
            assert [rows[c].seat for c in talking] == [sim.calls[c].connected_seat for c in talking]
            orders = await floor.orders_per_call()
            assert {c: orders.get(c) for c in [*talking, *waiting]} == dict.fromkeys(
                [*talking, *waiting], 1
            )
            assert originates(sim) == 1  # the ringing callback was not dialled again
            _, attempts = await floor.callbacks()
            assert len(attempts) == 1
        finally:
            for process in started:  # the restarted one too: it would outlive the test
                await process.reap()
            await floor.close()
            print(first.tail(60))


async def _rows(floor: Floor, count: int) -> bool:
    return len(await floor.calls()) >= count


async def _all_ended(floor: Floor, calls: list[str]) -> bool:
    rows = await floor.calls()
    return all(c in rows and rows[c].ended_at is not None for c in calls)
