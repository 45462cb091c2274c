"""The demo stack end to end: simulator → AMI over TCP → ACD → seats → work orders → HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from callcenter.app.demo import DemoOptions, DemoStack
from tests.staff import demo_client


async def _answered_calls(client: httpx.AsyncClient, wanted: int, within: float) -> list[Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        calls = (await client.get("/api/calls", params={"limit": 500})).json()
        answered = [c for c in calls if c["outcome"] == "answered"]
        if len(answered) >= wanted or asyncio.get_running_loop().time() > deadline:
            return list(calls)
        await asyncio.sleep(0.2)


async def _all_orders(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await client.get("/api/workorders", params={"page": page, "size": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


async def test_calls_are_answered_and_each_has_exactly_one_work_order(
    empty_database_url: str, tmp_path: Path
) -> None:
    options = DemoOptions(
        http_port=0,
        database_url=empty_database_url,
        data_dir=tmp_path,
        time_scale=0.05,
    )
    async with (
        DemoStack(options) as stack,
        await demo_client(stack, "demo-supervisor") as client,
        await demo_client(stack, "demo-ops") as ops,
    ):
        calls = await _answered_calls(client, wanted=5, within=30)
        answered = [c for c in calls if c["outcome"] == "answered"]
        assert len(answered) >= 5, calls
        assert all(c["seat"] and c["agent"] for c in answered)
        assert {c["seat"] for c in answered} <= {str(n) for n in range(8001, 8009)}

        await asyncio.sleep(0.5)  # let the recorder catch up with the newest arrivals
        calls = (await client.get("/api/calls", params={"limit": 500})).json()
        orders = await _all_orders(client)
        per_call: dict[str, int] = {}
        for order in orders:
            for call_id in set(order.get("calls") or []) | {order["call_id"]}:
                per_call[call_id] = per_call.get(call_id, 0) + 1
        assert {c["call_id"] for c in calls} <= set(per_call), "a call without a work order"
        assert all(count == 1 for count in per_call.values())

        seats = (await client.get("/api/seats")).json()["seats"]
        assert len([s for s in seats if s["agent"] and not s["callback"]]) == 8
        assert [s["agent"] for s in seats if s["callback"]] == ["cb1"]
        health = (await client.get("/api/health")).json()
        assert health["ami"]["status"] == "ok"
        assert health["database"] == "ok"
        metrics = (await ops.get("/metrics")).text
        assert "callcenter_ami_up 1.0" in metrics
        assert 'callcenter_seats{state="offline"}' in metrics


async def test_invalid_query_parameter_names_the_field(tmp_path: Path) -> None:
    options = DemoOptions(
        http_port=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/d.sqlite3",
        data_dir=tmp_path,
        time_scale=0.05,
    )
    async with DemoStack(options) as stack, httpx.AsyncClient(base_url=stack.url) as anonymous:
        assert (await anonymous.get("/api/calls")).status_code == 401  # like production
        roles = sorted({account.role.value for account in stack.accounts})
        assert roles == ["admin", "agent", "ops", "police", "site", "supervisor"]
        async with await demo_client(stack, "a01") as counsellor:
            response = await counsellor.get("/api/calls", params={"limit": "lots"})
            assert response.status_code == 422
            assert response.json()["detail"][0]["field"] == "limit"
            sites = (await counsellor.get("/api/sites")).json()
            assert len(sites) >= 4  # the sample referral sites, ready for a first referral
        async with await demo_client(stack, "demo-site") as site:
            own = (await site.get("/api/sites")).json()
            assert len(own) == 1 and own[0] in sites  # a site user sees their own site only
