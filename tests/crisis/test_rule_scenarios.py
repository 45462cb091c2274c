"""Each bundled rule, end to end on a fake clock: what the service does when it fires."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.events import CallArrived
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from crisis.draft import CaseDraft
from crisis.events import CallerFlagged, CrisisAlert
from crisis.models import Escalation, FlaggedNumber
from crisis.ruleset import bundled_ruleset
from crisis.service import CrisisService
from tests.crisis.conftest import WebhookReceiver

NUMBER = "+8613800000001"


@dataclass(frozen=True)
class Expect:
    fields: dict[str, Any]
    escalation: bool
    notices: tuple[str, ...]  # webhook types delivered
    flagged: bool
    earlier_calls: int = 0
    earlier_flag: bool = False


SCENARIOS = {
    "imminent-risk": Expect(
        {"risk_level": "imminent"}, True, ("crisis.local_referral", "crisis.police_referral"), True
    ),
    "immediate-danger": Expect({"immediate_danger": True}, True, ("crisis.police_referral",), True),
    "child-at-risk": Expect(
        {"caller_age": 11, "summary": "被打"}, True, ("crisis.local_referral",), True
    ),
    "high-risk": Expect({"risk_level": "high"}, True, ("crisis.local_referral",), True),
    "suicide-or-self-harm-words": Expect({"notes": "说过想割腕"}, True, (), True),
    "violence-or-sexual-assault-words": Expect(
        {"summary": "在学校被同学欺负"}, True, ("crisis.local_referral",), False
    ),
    "suggested-imminent-risk": Expect(
        {"summary": "来电者刚吞了一整瓶安眠药"},
        True,
        ("crisis.local_referral", "crisis.police_referral"),
        True,
    ),
    "suggested-high-risk": Expect({"summary": "遗书已经写好了"}, True, (), True),
    "high-risk-history": Expect({"risk_level": "medium"}, True, (), False, earlier_flag=True),
    "repeated-calls": Expect({}, False, (), True, earlier_calls=2),
    "young-caller": Expect({"caller_age": 9}, False, (), False),
}


def test_every_bundled_rule_has_a_scenario() -> None:
    assert {rule.name for rule in bundled_ruleset().rules.rules} == set(SCENARIOS)


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
async def test_a_rule_fires_and_the_service_acts_on_it(
    rule: str,
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    receiver: WebhookReceiver,
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    expect = SCENARIOS[rule]
    for n in range(expect.earlier_calls):
        await crisis.on_event(
            CallArrived(call_id=f"early-{n}", caller_number=NUMBER, at=clock.now())
        )
        clock.advance(300)
    if expect.earlier_flag:
        await crisis.submit(CaseDraft(call_id="early", caller_number=NUMBER, risk_level="high"))
        await crisis.deliver_due()
        clock.advance(86400)
        receiver.received.clear()
        published.clear()
    draft = CaseDraft(call_id="now", caller_number=NUMBER, agent="agent-wang", **expect.fields)
    result = await crisis.submit(draft)
    await crisis.deliver_due()

    assert rule in result.verdict.fired_names
    assert (result.escalation_id is not None) is expect.escalation
    assert tuple(sorted(m.payload["type"] for m in receiver.received)) == expect.notices
    assert any(isinstance(e, CrisisAlert) and rule in e.rules for e in published)
    flags = [e for e in published if isinstance(e, CallerFlagged)]
    assert bool(flags) is expect.flagged
    async with transaction(sessions) as session:
        row = (await session.scalars(select(Escalation).where(Escalation.call_id == "now"))).first()
        flagged = await session.get(FlaggedNumber, NUMBER)
    if expect.escalation:
        assert row is not None and row.owner == "agent-wang"
        assert any(
            r["name"] == rule for round_ in json.loads(row.fired_rules) for r in round_["rules"]
        )
    if expect.flagged:
        assert flagged is not None
