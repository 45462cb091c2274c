"""What a hand-off notification says, to the police and to the local team (pure).

The police get the full number, the location, the agent's summary and the words
the assessment heard: they must find the person. The local team gets the masked
number (site users do not see full numbers), the region and the suggested level
without the words; both get the rules that fired and how to acknowledge.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from callcenter.kernel.phone import mask
from crisis.assessment import Assessment
from crisis.assessment.model import NOTHING
from crisis.directory import LocalContact
from crisis.draft import CaseDraft
from crisis.ruleset import Verdict


def police_referral(
    escalation_id: int,
    draft: CaseDraft,
    verdict: Verdict,
    owner: str,
    at: datetime,
    round_: int,
    assessment: Assessment = NOTHING,
) -> dict[str, Any]:
    return {
        "type": "crisis.police_referral",
        "round": round_,
        "escalation_id": escalation_id,
        "call_id": draft.call_id,
        "order_id": draft.order_id,
        "raised_at": at.isoformat(),
        "caller_number": draft.caller_number,
        "location": draft.location,
        "region": draft.region,
        "risk_level": draft.risk_level.value,
        "immediate_danger": draft.immediate_danger,
        "summary": draft.summary,
        "suggested_risk": suggestion(assessment, words=True),
        "rules": _rules(verdict),
        "owner": owner,
        "acknowledge": f"/api/crisis/escalations/{escalation_id}/acknowledge",
    }


def local_referral(
    escalation_id: int,
    draft: CaseDraft,
    verdict: Verdict,
    owner: str,
    contact: LocalContact,
    at: datetime,
    round_: int,
    assessment: Assessment = NOTHING,
) -> dict[str, Any]:
    return {
        "type": "crisis.local_referral",
        "round": round_,
        "escalation_id": escalation_id,
        "call_id": draft.call_id,
        "order_id": draft.order_id,
        "raised_at": at.isoformat(),
        "caller_number": mask(draft.caller_number),
        "region": draft.region,
        "league_contact": contact.league_contact,
        "site_id": contact.site_id,
        "site_name": contact.site_name,
        "risk_level": draft.risk_level.value,
        "suggested_risk": suggestion(assessment, words=False),
        "rules": _rules(verdict),
        "owner": owner,
        "acknowledge": f"/api/crisis/escalations/{escalation_id}/acknowledge",
    }


def suggestion(assessment: Assessment, *, words: bool) -> dict[str, Any]:
    """The assessment's level and dimensions; the words only for those who get the summary."""
    out: dict[str, Any] = {
        "level": assessment.level.value,
        "dimensions": [d.value for d in assessment.dimensions],
    }
    if words:
        out["evidence"] = {d.value: list(w) for d, w in assessment.evidence.items()}
    return out


def again(payload: dict[str, Any], round_: int, at: datetime) -> dict[str, Any]:
    """The same hand-off re-sent because nobody acknowledged it in time."""
    return {**payload, "round": round_, "renotified_at": at.isoformat()}


def _rules(verdict: Verdict) -> list[dict[str, Any]]:
    return [
        {
            "name": rule.name,
            "priority": rule.priority,
            "fields": sorted({finding.field for finding in rule.findings}),
        }
        for rule in verdict.fired
    ]


def explanation(verdict: Verdict) -> list[dict[str, Any]]:
    """Which rules fired and on which fields, as stored with the escalation and shown by the API."""
    return [
        {
            "name": rule.name,
            "priority": rule.priority,
            "condition": rule.condition,
            "findings": [{"field": f.field, "detail": f.detail} for f in rule.findings],
            "actions": [action.kind for action in rule.actions],
        }
        for rule in verdict.fired
    ]


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)
