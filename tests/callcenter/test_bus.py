"""The event bus: a database-bound subscriber lets a burst settle, loses nothing."""

from __future__ import annotations

import asyncio

from callcenter.kernel.bus import DomainEvent, EventBus


class Ping(DomainEvent):
    pass


async def test_a_settling_batch_subscriber_takes_a_burst_in_one_batch() -> None:
    bus = EventBus()
    batches: list[list[int]] = []

    async def write(events: list[DomainEvent]) -> None:
        batches.append([event.seq for event in events])

    bus.subscribe_batches("recorder", write, settle=0.05)
    bus.start()
    await asyncio.sleep(0.01)  # the subscriber waits, idle
    try:
        for _ in range(3):  # an AMI chunk's events, a millisecond apart
            bus.publish(Ping())
            await asyncio.sleep(0.001)
        await asyncio.wait_for(bus.join(), 2)
        assert batches == [[1, 2, 3]]
    finally:
        await bus.stop()


async def test_without_settle_each_event_is_handled_at_once() -> None:
    bus = EventBus()
    seen: list[int] = []

    async def handle(event: DomainEvent) -> None:
        seen.append(event.seq)

    bus.subscribe("live", handle)
    bus.start()
    await asyncio.sleep(0.01)  # the subscriber waits, idle
    try:
        bus.publish(Ping())
        await asyncio.sleep(0.01)
        assert seen == [1]
    finally:
        await bus.stop()


async def test_an_event_held_while_settling_is_still_pending_when_the_bus_stops() -> None:
    bus = EventBus()

    async def write(events: list[DomainEvent]) -> None:
        raise AssertionError("stopped before the event settled")

    bus.subscribe_batches("recorder", write, settle=30.0)
    bus.start()
    await asyncio.sleep(0.01)  # the subscriber waits, idle
    bus.publish(Ping())
    await asyncio.sleep(0.01)
    await bus.stop(drain_timeout=0.05)
    assert [event.seq for event in bus.take_pending("recorder")] == [1]


class Pong(DomainEvent):
    pass


async def test_a_subscriber_is_sent_only_the_events_it_wants_in_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, int]] = []
    everything: list[int] = []

    async def handle(event: DomainEvent) -> None:
        seen.append((event.kind, event.seq))

    async def handle_all(event: DomainEvent) -> None:
        everything.append(event.seq)

    bus.subscribe("pongs", handle, wants=lambda event: isinstance(event, Pong))
    bus.subscribe("all", handle_all)
    bus.start()
    try:
        for event in (Ping(), Pong(), Ping(), Pong()):
            bus.publish(event)
        assert bus.backlog() == {"pongs": 2, "all": 4}  # the pings never queued for it
        await asyncio.wait_for(bus.join(), 2)
        assert seen == [("Pong", 2), ("Pong", 4)]
        assert everything == [1, 2, 3, 4]
    finally:
        await bus.stop()


async def test_a_broken_filter_neither_stops_the_publisher_nor_loses_the_event() -> None:
    bus = EventBus()
    seen: dict[str, list[int]] = {"broken": [], "other": []}

    def broken(event: DomainEvent) -> bool:
        raise LookupError("a filter that fails")

    async def note(event: DomainEvent, into: str) -> None:
        seen[into].append(event.seq)

    bus.subscribe("broken", lambda event: note(event, "broken"), wants=broken)
    bus.subscribe("other", lambda event: note(event, "other"))
    bus.start()
    try:
        bus.publish(Ping())
        await asyncio.wait_for(bus.join(), 2)
        assert seen == {"broken": [1], "other": [1]}
    finally:
        await bus.stop()
