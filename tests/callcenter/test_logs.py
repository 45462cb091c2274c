"""A caller's number never reaches the log in full."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.logs import (
    MaskNumbersFilter,
    call_context,
    configure_logging,
    current_call_id,
    mask_numbers,
)

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(mobiles, st.sampled_from(["", "+86", "86"]))
def test_mobile_numbers_are_masked(number: str, prefix: str) -> None:
    text = mask_numbers(f"caller {prefix}{number} hung up")
    assert number not in text
    assert number[-2:] in text


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.mask")
    logger.addFilter(MaskNumbersFilter())
    with caplog.at_level(logging.INFO):
        logger.info("work order for %s", "13812345678")
    assert "13812345678" not in caplog.text
    assert "78" in caplog.text


def test_uniqueids_and_times_are_left_alone() -> None:
    text = "Uniqueid sim-1795911163.12 at 2026-11-29"
    assert mask_numbers(text) == text


@pytest.mark.usefixtures("restore_root_logging")
def test_json_logs_are_one_object_a_line_with_the_call_id_and_masked_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", json=True)
    logger = logging.getLogger("acd.test")
    with call_context("sim-1700000000.7"):
        logger.info("routed %s to seat 8001", "+8613812345678", extra={"dialled": "13812345678"})
    logger.warning("no call here")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == [
        "routed +86138******78 to seat 8001",
        "no call here",
    ]
    assert lines[0]["call_id"] == "sim-1700000000.7" and "call_id" not in lines[1]
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "acd.test"
    assert lines[0]["dialled"] == "138******78"  # extra fields are masked too
    assert "13812345678" not in json.dumps(lines)


async def test_bus_subscribers_log_with_the_call_id_of_the_event_they_handle(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[object] = []

    async def handler(event: DomainEvent) -> None:
        seen.append(current_call_id())

    bus.subscribe("probe", handler)
    bus.start()
    bus.publish(DomainEvent(call_id="sim-1.1"))
    bus.publish(DomainEvent())
    await bus.join()
    await bus.stop()
    assert seen == ["sim-1.1", None]
