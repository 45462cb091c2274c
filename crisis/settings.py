"""Crisis settings, read from the environment with the ``CALLCENTER_CRISIS_`` prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CrisisSettings(BaseSettings):
    """Where hand-offs go and how long a hand-off may wait for an acknowledgement."""

    model_config = SettingsConfigDict(env_prefix="CALLCENTER_CRISIS_", extra="ignore")

    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout: float = Field(default=5.0, gt=0)
    # retry backoff of the outbox: base * 2**attempt, capped
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    ack_deadline_seconds: float = Field(default=300.0, gt=0)
    follow_up_grace_seconds: float = Field(default=3600.0, ge=0)
    police_liaison_number: str | None = None
    hotline_caller_id: str = "12355"
    default_owner: str = "crisis-duty"
    # a worker sleeps until its next retry or deadline is due (woken at once by new work
    # of its own process), at most worker_idle_seconds: the delay before it sees work
    # another process left due; worker_poll_seconds before it looks again at a due row
    # another worker holds, and the first pause after a failed pass
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_idle_seconds: float = Field(default=30.0, gt=0)
    local_directory_file: str | None = None
    # a rules YAML to use instead of the bundled default (overrides in the database win)
    rules_file: str | None = None
    # the hotline's own risk patterns, merged over crisis/data/risk_patterns.yaml
    patterns_file: str | None = None
