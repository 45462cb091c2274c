"""The routing path (an AMI frame read, the ACD's decision, its action written) never
stops for an automatic garbage collection: one that comes due waits until after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from acd.ami.messages import AmiEvent
from acd.ami.protocol import AmiProtocol

YOUNG_GENERATION_OVERFLOW = 50_000  # objects; far past gen 0's threshold (700 by default)


class _Transport:
    def write(self, data: bytes) -> None:
        pass


class _BusySink:
    """A sink that allocates like a busy routing decision, noting each collection that
    starts (True: inside the sink)."""

    def __init__(self) -> None:
        self.events: list[AmiEvent] = []
        self.inside = False
        self.kept: list[list[object]] = []
        self.collections: list[bool] = []

    def on_event(self, event: AmiEvent) -> None:
        self.inside = True
        self.kept = [[] for _ in range(YOUNG_GENERATION_OVERFLOW)]
        self.events.append(event)
        self.inside = False

    def on_garbage(self) -> None: ...

    def on_first_reply(self, action_id: str) -> None: ...

    def on_connection_lost(self, protocol: AmiProtocol, exc: Exception | None) -> None: ...

    def watch(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.collections.append(self.inside)


@pytest.fixture
def sink() -> Iterator[_BusySink]:
    busy = _BusySink()
    gc.callbacks.append(busy.watch)
    try:
        yield busy
    finally:
        gc.callbacks.remove(busy.watch)


async def test_a_collection_due_on_the_routing_path_starts_after_it(sink: _BusySink) -> None:
    protocol = AmiProtocol(sink)
    protocol.connection_made(_Transport())
    assert gc.isenabled()

    protocol.data_received(b"Event: Newchannel\r\nChannel: PJSIP/8001-00000001\r\n\r\n" * 3)

    assert len(sink.events) == 3
    assert True not in sink.collections  # 150,000 young objects, no collection inside
    assert gc.isenabled()
    [[] for _ in range(YOUNG_GENERATION_OVERFLOW)]
    assert sink.collections, "collections go on once the frames are handled"
