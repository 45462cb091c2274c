"""The parts crisis routers take from the composition root (typed slots)."""

from __future__ import annotations

from functools import cache

from callcenter.kernel.runtime import Slot
from crisis.intake import IntakeConfig, intake_config
from crisis.settings import CrisisSettings


@cache
def _bundled_config() -> IntakeConfig:
    """The bundled rules and policy, for a process that runs no crisis service."""
    return intake_config(CrisisSettings())


CRISIS_CONFIG: Slot[IntakeConfig] = Slot("crisis rules", default=_bundled_config)
