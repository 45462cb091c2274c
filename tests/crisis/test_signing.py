"""Webhook signatures as a receiver checks them, and the retry backoff."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crisis.signing import backoff_seconds, signed_headers, verify

SECRET = "s3cret"


@given(body=st.binary(max_size=200), timestamp=st.integers(1_600_000_000, 2_000_000_000))
def test_a_signed_body_verifies_and_any_change_breaks_it(body: bytes, timestamp: int) -> None:
    headers = signed_headers(SECRET, timestamp, body, "7")
    assert verify(SECRET, headers, body, now=timestamp)
    assert not verify(SECRET, headers, body + b"x", now=timestamp)
    assert not verify("other", headers, body, now=timestamp)
    moved = {**headers, "X-Crisis-Timestamp": str(timestamp + 1)}
    assert not verify(SECRET, moved, body, now=timestamp)


def test_an_old_signature_is_refused() -> None:
    headers = signed_headers(SECRET, 1_800_000_000, b"{}", "1")
    assert verify(SECRET, headers, b"{}", now=1_800_000_300)
    assert not verify(SECRET, headers, b"{}", now=1_800_000_301)


def test_missing_headers_do_not_verify() -> None:
    assert not verify(SECRET, {}, b"{}", now=0)


@given(st.integers(1, 40))
def test_backoff_grows_and_is_capped(attempts: int) -> None:
    delay = backoff_seconds(attempts, base=2, cap=300)
    assert delay <= 300
    assert delay >= backoff_seconds(max(1, attempts - 1), base=2, cap=300)
    assert backoff_seconds(1, base=2, cap=300) == 2
