"""Listen-in: a supervisor's phone rings and spies on (or whispers to) a seat, over AMI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import httpx
import pytest

from acd.ami import AmiConfig, AmiLink
from callcenter.app.parts import AMI_LINK
from callcenter.kernel.runtime import Runtime
from tests.acd.ami_fake import FakeAmi, reply
from tests.staff import Staff


@pytest.fixture
async def supervisor(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("supervisor")


@pytest.fixture
async def ami(memory_worker: tuple[str, Runtime]) -> AsyncIterator[FakeAmi]:
    _, runtime = memory_worker
    fake = await FakeAmi().start()
    link = AmiLink(AmiConfig("127.0.0.1", fake.port, fake.username, fake.secret))
    await link.start()
    await link.wait_logged_in(timeout=5)
    runtime.provide(AMI_LINK, link)
    yield fake
    runtime.withdraw(AMI_LINK)
    await link.close()
    await fake.stop()


def _originates(fake: FakeAmi) -> list[dict[str, str | list[str]]]:
    return [a for a in fake.actions if a.get("Action") == "Originate"]


@pytest.mark.parametrize(
    ("whisper", "data"), [(False, "PJSIP/8003-,qES"), (True, "PJSIP/8003-,qwES")]
)
async def test_listen_rings_the_supervisor_into_chanspy_on_the_seat(
    memory_worker: tuple[str, Runtime],
    ami: FakeAmi,
    whisper: bool,
    data: str,
    supervisor: httpx.AsyncClient,
) -> None:
    async with supervisor as client:
        response = await client.post(
            "/api/supervisor/listen",
            json={"seat": "8003", "supervisor_phone": "8090", "whisper": whisper},
        )
    assert response.status_code == 200, response.text
    [originate] = _originates(ami)
    assert originate["Channel"] == "PJSIP/8090"
    assert originate["Application"] == "ChanSpy"
    assert originate["Data"] == data
    assert originate["ChannelId"] == response.json()["channel_id"]


async def test_listen_to_an_unknown_seat_is_404_and_dials_nobody(
    memory_worker: tuple[str, Runtime], ami: FakeAmi, supervisor: httpx.AsyncClient
) -> None:
    async with supervisor as client:
        response = await client.post(
            "/api/supervisor/listen", json={"seat": "9999", "supervisor_phone": "8090"}
        )
    assert response.status_code == 404
    assert _originates(ami) == []


async def test_listen_without_the_acd_running_is_503(
    memory_worker: tuple[str, Runtime], supervisor: httpx.AsyncClient
) -> None:
    async with supervisor as client:
        response = await client.post(
            "/api/supervisor/listen", json={"seat": "8001", "supervisor_phone": "8090"}
        )
    assert response.status_code == 503


async def test_agents_may_not_listen_and_bad_payloads_name_the_field(
    ami: FakeAmi, supervisor: httpx.AsyncClient, staff: Staff
) -> None:
    agent = await staff.client("agent", "a01")
    forbidden = await agent.post(
        "/api/supervisor/listen", json={"seat": "8001", "supervisor_phone": "8090"}
    )
    async with supervisor as client:
        invalid = await client.post(
            "/api/supervisor/listen", json={"seat": "8001", "supervisor_phone": "80 90; Hangup"}
        )
    assert forbidden.status_code == 403
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["field"] == "supervisor_phone"
    assert _originates(ami) == []


async def test_asterisk_refusing_the_call_is_reported_as_502(
    memory_worker: tuple[str, Runtime], ami: FakeAmi, supervisor: httpx.AsyncClient
) -> None:
    def refuse(action: dict[str, str | list[str]]) -> Iterable[bytes]:
        yield reply(str(action.get("ActionID", "")), "Originate failed", "Error")

    ami.on_action = refuse
    async with supervisor as client:
        response = await client.post(
            "/api/supervisor/listen", json={"seat": "8001", "supervisor_phone": "8090"}
        )
    assert response.status_code == 502
    assert "refused" in response.json()["detail"]
