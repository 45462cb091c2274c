"""The parts work-order routers take from the composition root (typed slots)."""

from __future__ import annotations

from callcenter.kernel.runtime import Slot
from workorders.context import PendingCallbacks
from workorders.referrals.core import Deadlines
from workorders.stats.callbacks import CallbackSource, callback_tasks_table

# For the screen pop: the callbacks a caller was owed (the callback dialer answers).
PENDING_CALLBACKS: Slot[PendingCallbacks] = Slot("callback look-up")
# Where the statistics read callback figures; by default the dialer's table, by name.
CALLBACK_SOURCE: Slot[CallbackSource] = Slot(
    "callback figures", default=lambda: callback_tasks_table
)
REFERRAL_DEADLINES: Slot[Deadlines] = Slot("referral deadlines", default=Deadlines)
