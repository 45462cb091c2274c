"""What the tests see of Asterisk and the ACD: an AMI session of their own, and the API.

``AmiWatch`` logs in as the ACD's AMI user (the rendered manager.conf has one)
and keeps every event, so a test waits for "a Hangup of that channel" or lists
ConfBridge members. ``Api`` is the running ``callcenter serve`` over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from acd.ami import AmiConfig, AmiEvent, AmiLink
from callcenter.kernel.auth import Role
from tests.staff import SignedAt

Match = Callable[[AmiEvent], bool]


class AmiWatch:
    def __init__(self, host: str, port: int, username: str, secret: str) -> None:
        self.link = AmiLink(AmiConfig(host, port, username, secret, backoff_max=1.0))
        self.events: list[AmiEvent] = []
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AmiWatch:
        await self.link.start()
        await self.link.wait_logged_in(10)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.link.close()

    async def _read(self) -> None:
        while True:
            event = await self.link.events.get()
            async with self._arrived:
                self.events.append(event)
                self._arrived.notify_all()

    async def wait(self, match: Match, *, within: float = 10.0, after: int = 0) -> AmiEvent:
        """The first event (from index ``after``) that matches, waiting for it if need be."""
        async with asyncio.timeout(within), self._arrived:
            seen = after
            while True:
                for event in self.events[seen:]:
                    if match(event):
                        return event
                seen = len(self.events)
                await self._arrived.wait()

    def dump(self, last: int = 200) -> str:
        """The latest events, one line each, for a failed test's output."""
        keys = ("Channel", "DestChannel", "Linkedid", "UserEvent", "DialStatus", "State",
                "Device", "Conference", "ContactStatus", "EndpointName", "Cause")  # fmt: skip
        lines = []
        for ev in self.events[-last:]:
            fields = " ".join(f"{k}={ev.text(k)}" for k in keys if ev.text(k))
            lines.append(f"{ev.received_at:%H:%M:%S.%f} {ev.name} {fields}")
        return "\n".join(lines)

    def all(self, match: Match) -> list[AmiEvent]:
        return [event for event in self.events if match(event)]

    async def listing(self, action: dict[str, str]) -> list[AmiEvent]:
        reply = await self.link.send(action, as_list=True)
        return [item for item in reply.items if not item.name.endswith("Complete")]


def event(name: str, **headers: str) -> Match:
    """A matcher: event ``name`` whose headers equal (or, with a trailing *, start with) these."""

    def match(ev: AmiEvent) -> bool:
        if ev.name != name:
            return False
        for key, want in headers.items():
            have = ev.text(key)
            if want.endswith("*") and have.startswith(want[:-1]):
                continue
            if have != want:
                return False
        return True

    return match


def user_event(name: str, **headers: str) -> Match:
    """A matcher for the dialplan's UserEvent ``name`` (CallWaiting, SeatFailed, ...)."""
    return event("UserEvent", UserEvent=name, **headers)


class Api:
    """The served API as the duty supervisor; ``acting`` for someone else."""

    def __init__(self, client: httpx.AsyncClient, database_url: str) -> None:
        self.client = client
        self.database_url = database_url

    def acting(self, login: str, role: Role) -> httpx.AsyncClient:
        """A client signed in as ``login`` (an account made for it in the served database)."""
        auth = SignedAt(str(self.client.base_url), self.database_url, login, role)
        return httpx.AsyncClient(base_url=self.client.base_url, timeout=10, auth=auth)

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    async def post(self, path: str, body: dict[str, Any], *, status: int = 200) -> Any:
        response = await self.client.post(path, json=body)
        assert response.status_code == status, (
            f"POST {path}: {response.status_code} {response.text}"
        )
        return response.json()

    async def patch(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.client.patch(path, json=body)
        assert response.status_code == 200, f"PATCH {path}: {response.text}"
        return response.json()

    async def seat(self, seat: str) -> dict[str, Any]:
        seats = (await self.get("/api/seats"))["seats"]
        return next(s for s in seats if s["seat"] == seat)

    async def call_of(self, number: str) -> dict[str, Any] | None:
        calls = await self.get("/api/calls", limit=200)
        mine = [c for c in calls if c["caller_number"].endswith(number[-8:])]
        return mine[0] if mine else None


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float = 10.0, every: float = 0.1
) -> Any:
    """Poll ``check`` until it returns something truthy; its last value on timeout fails."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s; last: {value!r}")
        await asyncio.sleep(every)
