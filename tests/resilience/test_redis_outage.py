"""Redis cut under a running ``callcenter serve``: calls go on, pages keep their snapshots
in-process, health says so, and everything is back on Redis without a restart."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tests.callcenter.test_database_outage import CuttableProxy
from tests.resilience.processes import processes, serve_env, simulator, until
from tests.resilience.test_takeover import login


async def test_calls_go_on_while_redis_is_away_and_it_comes_back_by_itself(
    tmp_path: Path, empty_pg_url: str, redis_url: str, redis_namespace: str
) -> None:
    proxy = CuttableProxy(redis_url.replace("redis://", "postgresql://"))  # host and port only
    await proxy.start()
    through = urlsplit(redis_url)._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    async with simulator() as sim:
        base = serve_env(sim, empty_pg_url, tmp_path, redis_url=through)
        base["CALLCENTER_HOTLINE_ID"] = redis_namespace
        serve = processes(tmp_path, base)("node-r", {})
        try:
            await serve.start()
            await serve.until_role("active")
            await login(serve, [("a1", "8001")])
            assert (await serve.call("GET", "/api/health"))["redis"] == "ok"

            await proxy.cut()
            first = sim.place_call("13800000001", ivr_choice="0", talk_time=600)
            await until(lambda: sim.calls[first].connected_seat == "8001", timeout=5,
                        what="routed with Redis away")  # fmt: skip

            async def shows(state: str) -> bool:
                health = await serve.health()
                return bool(health and health["redis"] == state)

            await until(lambda: shows("down"), what="health shows Redis down")
            seats = await serve.call("GET", "/api/seats")  # the in-process snapshot
            assert [s["state"] for s in seats["seats"] if s["seat"] == "8001"] == ["on_call"]

            await proxy.start()
            await until(lambda: shows("ok"), timeout=10, what="Redis back in use")
            sim.hangup_call(first)
            await until(lambda: _seat_state(serve, "8001", "available"), timeout=10,
                        what="snapshots written to Redis again")  # fmt: skip
        finally:
            await serve.reap()
            print(serve.tail(40))
            await proxy.cut()


async def _seat_state(serve: object, seat: str, state: str) -> bool:
    from tests.resilience.processes import Serve

    assert isinstance(serve, Serve)
    seats = await serve.call("GET", "/api/seats")
    return [s["state"] for s in seats["seats"] if s["seat"] == seat] == [state]
