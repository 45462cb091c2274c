"""What an assessment of a case's text says: the dimensions found, their evidence, the
harm from others (who, how, again?) and the suggested risk level, with its reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from crisis.draft import RiskLevel


class Dimension(StrEnum):
    """The counsellor's checklist (after the Columbia Suicide Severity Rating Scale)."""

    IDEATION = "ideation"  # a wish to die or not to exist, passive or active
    INTENT = "intent"  # a decision or resolve to act
    PLAN = "plan"  # a method chosen or looked up
    MEANS = "means"  # access to the method: pills at hand, standing on a bridge
    TIMING = "timing"  # when: now, tonight, this weekend
    ATTEMPT_NOW = "attempt_now"  # an attempt in progress or just made
    PAST_ATTEMPT = "past_attempt"
    SELF_HARM = "self_harm"  # non-suicidal self-injury
    HARM_FROM_OTHERS = "harm_from_others"


SELF_DIRECTED = frozenset(Dimension) - {Dimension.HARM_FROM_OTHERS, Dimension.TIMING}


class Timing(StrEnum):
    NOW = "now"
    TODAY = "today"
    SOON = "soon"


class HarmKind(StrEnum):
    PHYSICAL = "physical"
    SEXUAL = "sexual"
    SEXTORTION = "sextortion"  # intimate images used as a threat
    THREAT = "threat"  # a threat of serious harm
    BULLYING = "bullying"


@dataclass(frozen=True)
class Hit:
    """One pattern matched in one clause, and whose risk it speaks of."""

    pattern: str
    dimensions: tuple[Dimension, ...]
    words: tuple[str, ...]  # the words that filled its slots, as written (simplified)
    clause: str
    sentence: int
    about_caller: bool = True  # False: the clause speaks of someone else (a friend, a pupil)
    harm: HarmKind | None = None
    now: bool = False  # the harm is happening right now
    who: tuple[str, ...] = ()  # for harm: who does it (parent, step_parent, peer, ...)
    recurs: bool = False  # for harm: it goes on, or is threatened again
    timing: Timing | None = None  # for a timing hit: how soon
    span: tuple[int, int] = field(default=(0, 0), compare=False)  # word indices
    phrase: str = ""  # from the first slot to the last: the evidence shown


@dataclass(frozen=True)
class Harm:
    """Harm from others: who does it, how, and whether it goes on or is threatened again."""

    who: tuple[str, ...]
    how: tuple[HarmKind, ...]
    recurs: bool
    now: bool


@dataclass(frozen=True)
class Assessment:
    level: RiskLevel
    dimensions: tuple[Dimension, ...]  # about the caller, in checklist order
    evidence: dict[Dimension, tuple[str, ...]]  # dimension → the words that triggered it
    timing: Timing | None = None
    harm: Harm | None = None
    others: tuple[Dimension, ...] = ()  # dimensions heard about someone else
    reasons: tuple[str, ...] = ()  # why this level, for the agent and the audit trail
    hits: tuple[Hit, ...] = field(default=(), repr=False)
    version: str = ""

    @property
    def found(self) -> bool:
        return self.level is not RiskLevel.NONE


NOTHING = Assessment(level=RiskLevel.NONE, dimensions=(), evidence={})
