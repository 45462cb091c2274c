"""The fallback's staleness threshold must leave a standby time to take over first."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from callcenter.kernel.settings import Settings, fallback_floor


def test_the_defaults_leave_a_standby_well_over_twice_the_time_it_needs() -> None:
    settings = Settings()
    assert settings.fallback_after >= 2 * fallback_floor(settings.lease_ttl, 0)
    assert settings.fallback_after > fallback_floor(settings.lease_ttl, settings.heartbeat_seconds)


def test_a_threshold_a_takeover_could_outlast_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(lease_ttl=10, fallback_after=20)
    message = str(refused.value)
    assert "fallback_after (20s) must be at least 30s" in message
    assert "lease_ttl" in message


@given(
    ttl=st.floats(0.5, 60),
    beat=st.floats(0.2, 60),
    after=st.integers(2, 3600),
)
def test_accepted_settings_always_let_the_standby_stamp_before_callers_fall_back(
    ttl: float, beat: float, after: int
) -> None:
    try:
        settings = Settings(lease_ttl=ttl, heartbeat_seconds=beat, fallback_after=after)
    except ValidationError:
        assert after < fallback_floor(ttl, beat)
        return
    # worst case: the last heartbeat one interval before death, the lease a whole ttl
    # later, a quarter ttl until the standby's next try, then its first heartbeat
    worst_takeover = beat + ttl + ttl / 4 + beat
    assert settings.fallback_after >= worst_takeover + 1
