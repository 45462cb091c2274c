"""Prometheus text metrics for ops: AMI link, routing, queue, seats, recorder, bus."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from acd.ami import AmiLink
from acd.service import AcdService
from callcenter.app.parts import ACD, AMI_LINK, RECORDER
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import RuntimeDep

router = APIRouter(tags=["ops"])
# ops accounts, or Prometheus with CALLCENTER_METRICS_TOKEN as its bearer token
Scraper = Annotated[Principal, Depends(requires(Permission.METRICS))]


def _line(name: str, value: float, help_text: str, labels: dict[str, str] | None = None) -> str:
    label = ""
    if labels:
        label = "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
    return f"# HELP {name} {help_text}\n# TYPE {name} gauge\n{name}{label} {value}\n"


def _ami_lines(ami: AmiLink | None) -> list[str]:
    if ami is None:
        return []
    status = ami.status
    return [
        _line(
            "callcenter_ami_logged_in", int(status.logged_in), "1 when the AMI link is logged in"
        ),
        _line("callcenter_ami_reconnects", status.reconnects, "AMI reconnects since start"),
        _line("callcenter_ami_events_total", status.events_in, "AMI events received"),
        _line("callcenter_ami_queue_depth", status.queue_depth, "AMI events waiting for the ACD"),
        _line("callcenter_ami_garbage_frames", status.garbage_frames, "malformed AMI frames"),
        _line("callcenter_ami_ping_timeouts", status.ping_timeouts, "pings without a Pong"),
    ]


def _acd_lines(acd: AcdService | None) -> list[str]:
    if acd is None:
        return []
    now = acd._now()
    lines = [
        _line("callcenter_routing_decisions_total", acd.decisions, "callers sent to a seat"),
        _line("callcenter_queue_waiting", len(acd.core.queue_view(now)), "callers waiting"),
    ]
    states = Counter(view.state for view in acd.core.seats_view(now))
    for state, count in sorted(states.items()):
        lines.append(_line("callcenter_seats", count, "seats by state", {"state": state}))
    return lines


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(runtime: RuntimeDep, principal: Scraper) -> str:
    recorder = runtime.find(RECORDER)  # an API-only worker records nothing itself
    lines = [*_ami_lines(runtime.find(AMI_LINK)), *_acd_lines(runtime.find(ACD))]
    if recorder is not None:
        lines += [
            _line("callcenter_recorder_journalled", len(recorder.journal), "events awaiting DB"),
            _line("callcenter_recorder_dead_letters", len(recorder.dead_letters), "unwritable"),
        ]
    for name, depth in sorted(runtime.bus.backlog().items()):
        lines.append(_line("callcenter_bus_backlog", depth, "events queued", {"subscriber": name}))
    return "".join(lines)
