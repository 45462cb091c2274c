"""The sign-in throttle every sign-in route shares (one per API process, counts maybe in Redis)."""

from __future__ import annotations

from callcenter.app.accounts.throttle import LoginThrottle
from callcenter.kernel.runtime import Slot

SIGN_IN_THROTTLE: Slot[LoginThrottle] = Slot("sign-in throttle")
