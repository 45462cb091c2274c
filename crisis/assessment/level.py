"""From hits to a suggested risk level, with the reasons (pure).

The table a counsellor's checklist uses, after the C-SSRS triage:

- imminent: an attempt in progress or just made; a plan, wish or intent with the
  means at hand and the time now or today; harm from others happening now; someone
  else's attempt in progress (the caller is reporting an emergency).
- high: intent; a plan (method chosen or looked up); ideation with means, a time or
  a past attempt; self-harm right now; sexual abuse, sextortion, a threat of serious
  harm, or physical harm that goes on or is threatened again.
- medium: ideation alone, self-harm, a past attempt, other harm from others.
- none otherwise: means or a time alone say nothing ("今晚去天台看星星").
"""

from __future__ import annotations

from collections.abc import Iterable

from crisis.assessment.model import (
    SELF_DIRECTED,
    Assessment,
    Dimension,
    Harm,
    HarmKind,
    Hit,
    Timing,
)
from crisis.draft import RiskLevel

_URGENCY = (Timing.NOW, Timing.TODAY, Timing.SOON)
_SERIOUS_HARM = {HarmKind.SEXUAL, HarmKind.SEXTORTION, HarmKind.THREAT}


def conclude(hits: Iterable[Hit], version: str) -> Assessment:
    hits = tuple(hits)
    caller = [hit for hit in hits if hit.about_caller and hit.timing is None]
    risky_sentences = {hit.sentence for hit in caller}
    timings = [
        hit
        for hit in hits
        if hit.timing is not None and hit.sentence in risky_sentences and hit.about_caller
    ]
    evidence: dict[Dimension, list[str]] = {}
    for hit in [*caller, *timings]:
        for dimension in hit.dimensions:
            words = evidence.setdefault(dimension, [])
            if not any(hit.phrase in word for word in words):  # the longer phrase says it
                words[:] = [word for word in words if word not in hit.phrase] + [hit.phrase]
    timing = min((hit.timing for hit in timings if hit.timing), key=_URGENCY.index, default=None)
    harm = _harm(caller)
    others = {
        d for hit in hits if not hit.about_caller and hit.timing is None for d in hit.dimensions
    }
    found = set(evidence)
    level, reasons = suggest(found, timing, harm, others)
    ordered = tuple(d for d in Dimension if d in found)
    return Assessment(
        level=level,
        dimensions=ordered,
        evidence={d: tuple(evidence[d]) for d in ordered},
        timing=timing,
        harm=harm,
        others=tuple(d for d in Dimension if d in others),
        reasons=tuple(reasons),
        hits=hits,
        version=version,
    )


def _harm(hits: list[Hit]) -> Harm | None:
    harmful = [hit for hit in hits if hit.harm is not None]
    if not harmful:
        return None
    who = sorted({who for hit in harmful for who in hit.who}) or ["unknown"]
    return Harm(
        who=tuple(who),
        how=tuple(k for k in HarmKind if any(hit.harm is k for hit in harmful)),
        recurs=any(hit.recurs for hit in harmful),
        now=any(hit.now for hit in harmful),
    )


def suggest(
    found: set[Dimension],
    timing: Timing | None,
    harm: Harm | None,
    others: set[Dimension] = frozenset(),  # type: ignore[assignment]
) -> tuple[RiskLevel, list[str]]:
    """The level and why; ``found`` are the dimensions about the caller."""
    today = timing in (Timing.NOW, Timing.TODAY)
    wish = found & {Dimension.PLAN, Dimension.IDEATION, Dimension.INTENT}
    imminent = [
        (Dimension.ATTEMPT_NOW in found, "an attempt in progress or just made"),
        (bool(wish) and Dimension.MEANS in found and today, "plan or wish, means at hand, now"),
        (harm is not None and harm.now, "harm from others happening now"),
        (Dimension.ATTEMPT_NOW in others, "someone else's attempt in progress"),
    ]
    if reasons := [why for hit, why in imminent if hit]:
        return RiskLevel.IMMINENT, reasons
    ideation = Dimension.IDEATION in found
    serious = harm is not None and (
        bool(_SERIOUS_HARM & set(harm.how)) or (HarmKind.PHYSICAL in harm.how and harm.recurs)
    )
    high = [
        (Dimension.INTENT in found, "intent to act"),
        (Dimension.PLAN in found, "a method chosen or looked up"),
        (ideation and Dimension.MEANS in found, "ideation with means at hand"),
        (ideation and timing is not None, "ideation with a time"),
        (ideation and Dimension.PAST_ATTEMPT in found, "ideation after a past attempt"),
        (Dimension.SELF_HARM in found and timing is Timing.NOW, "self-harm right now"),
        (serious, "serious or repeated harm from others"),
    ]
    if reasons := [why for hit, why in high if hit]:
        return RiskLevel.HIGH, reasons
    medium = [
        (ideation, "thoughts of dying"),
        (Dimension.SELF_HARM in found, "self-harm"),
        (Dimension.PAST_ATTEMPT in found, "a past attempt"),
        (harm is not None, "harm from others"),
    ]
    if reasons := [why for hit, why in medium if hit]:
        return RiskLevel.MEDIUM, reasons
    return RiskLevel.NONE, []


__all__ = ["SELF_DIRECTED", "conclude", "suggest"]
