"""Numbers are stored in one form and never shown whole to roles that need not see them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callcenter.kernel.phone import mask, normalise


@given(st.text(alphabet="+0123456789", min_size=1, max_size=20))
def test_a_masked_number_hides_at_least_three_digits(number: str) -> None:
    masked = mask(number)
    assert len(masked) == len(number)
    assert masked.count("*") >= min(3, len(number))


def test_mobile_numbers_are_normalised_to_e164() -> None:
    assert normalise("13812345678") == "+8613812345678"
    assert normalise("+86 138-1234-5678") == "+8613812345678"
    assert normalise("<unknown>") == ""


def test_a_mobile_keeps_its_prefix_and_last_two_digits() -> None:
    assert mask("+8613812345678") == "+86138******78"
