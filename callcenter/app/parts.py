"""The running parts the application floor's own routers read (typed slots).

Health, metrics and the browser surface live up here beside the composition
root, so they may name the domain services' types; the domain packages declare
their own slots in their ``deps.py``.
"""

from __future__ import annotations

from acd.ami import AmiLink
from acd.callback.dialer import CallbackService
from acd.service import AcdService
from callcenter.app.failover import Failover
from callcenter.app.fallback import FallbackKeeper
from callcenter.app.meters import HotlineMetrics
from callcenter.app.recorder import Recorder
from callcenter.app.web.fanout import LiveHub
from callcenter.kernel.runtime import Slot

AMI_LINK: Slot[AmiLink] = Slot("ACD's AMI link")
ACD: Slot[AcdService] = Slot("ACD")
RECORDER: Slot[Recorder] = Slot("recorder")
CALLBACKS: Slot[CallbackService] = Slot("callback dialer")
LIVE_HUB: Slot[LiveHub] = Slot("live hub")
FAILOVER: Slot[Failover] = Slot("active/standby role")
METRICS: Slot[HotlineMetrics] = Slot("metrics of the ACD process")
FALLBACK: Slot[FallbackKeeper] = Slot("fail-safe fallback keeper")
