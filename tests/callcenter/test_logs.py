"""A caller's number never reaches the log in full."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.kernel.logs import MaskNumbersFilter, mask_numbers

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
