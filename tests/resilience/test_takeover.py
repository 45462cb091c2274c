"""Two ``callcenter serve`` processes, one lease: the standby takes over when the active dies
(kill -9) and when it is stopped (SIGTERM hands the lease over); no caller is lost or routed
twice, and the stopped one logs off AMI and exits within 10 s."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.resilience.processes import Floor, Serve, processes, serve_env, simulator, until
from tests.resilience.test_restart import seats_of

TAKEOVER_BUDGET = 5.0


def seat_redirects(sim: Any) -> Counter[str]:
    """Redirects to a seat per waiting channel: more than one means routed twice."""
    return Counter(
        a["Channel"] for a in sim.actions if a.get("Action") == "Redirect"
        and a.get("Context") == "acd-seat"
    )  # fmt: skip


async def login(serve: Serve, agents: list[tuple[str, str]]) -> None:
    for agent, seat in agents:
        await serve.call("PUT", "/api/agents", {"agent": agent, "name": agent,
                                                "skills": ["general"]}, as_="admin")  # fmt: skip
        await serve.call("POST", "/api/agents/login", {"seat": seat}, as_=agent)


async def test_the_standby_takes_over_within_5_s_and_a_sigterm_hands_over(
    tmp_path: Path, empty_pg_url: str, redis_url: str, redis_namespace: str
) -> None:
    async with simulator() as sim:
        base = serve_env(sim, empty_pg_url, tmp_path, redis_url=redis_url, ha=True)
        base["CALLCENTER_HOTLINE_ID"] = redis_namespace  # this test's own live keys
        new = processes(tmp_path, base)
        one, two = new("node-1", {}), new("node-2", {})
        floor = Floor(empty_pg_url)
        try:
            await one.start()
            await one.until_role("active")
            await two.start()
            standby = await two.until_role("standby")
            assert standby["acd"]["ha"] is True
            refused = await two.status("POST", "/api/agents/login", {"seat": "8004"}, as_="x")
            assert refused.status_code in (404, 503)  # the standby takes no seat commands
            await login(one, [("a1", "8001"), ("a2", "8002")])

            talking = sim.place_call("13800000001", ivr_choice="0", talk_time=600)
            await until(lambda: sim.calls[talking].connected_seat is not None, what="talking")
            await until(lambda: _followed(two), what="standby follows the AMI stream")

            one.kill()
            killed = time.monotonic()
            # A caller arrives while nobody is active: it waits, then is routed by the standby.
            waiting = sim.place_call("13800000002", ivr_choice="0", talk_time=600)
            health = await two.until_role("active", timeout=10)
            took_over = time.monotonic() - killed
            await until(lambda: sim.calls[waiting].connected_seat is not None, timeout=5,
                        what="the caller who arrived meanwhile routed")  # fmt: skip
            routed = time.monotonic() - killed
            print(f"takeover: active role after {took_over:.2f}s, caller routed after "
                  f"{routed:.2f}s, resync {health['acd']['takeover_ms']} ms")  # fmt: skip
            assert routed < TAKEOVER_BUDGET
            seats = seats_of(await two.call("GET", "/api/seats"))
            assert {seats["8001"][0], seats["8002"][0]} == {"on_call"}

            # The old active comes back as a standby; SIGTERM on the new active hands over.
            await one.start()
            await one.until_role("standby")
            sim.hangup_call(talking)
            exit_seconds = await two.terminate()
            assert exit_seconds < 10
            assert two.process is not None and two.process.returncode == 0
            assert any(a.get("Action") == "Logoff" for a in sim.actions)
            await one.until_role("active", timeout=5)
            third = sim.place_call("13800000003", ivr_choice="0", talk_time=600)
            await until(lambda: sim.calls[third].connected_seat is not None, timeout=10,
                        what="routed after the hand-over")  # fmt: skip

            assert max(seat_redirects(sim).values()) == 1  # nobody was routed twice
            orders = await floor.orders_per_call()
            assert [orders.get(c) for c in (talking, waiting, third)] == [1, 1, 1]
        finally:
            for serve in (one, two):
                await serve.reap()
                print(serve.name, serve.tail(40))
            await floor.close()


def _followed(serve: Serve) -> Any:
    async def check() -> bool:
        health = await serve.health()
        return bool(health and health["acd"]["events_followed"] > 0)

    return check()
