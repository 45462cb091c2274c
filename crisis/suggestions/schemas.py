"""API shapes of the live assessment and of the agent's answer to a suggestion."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from crisis.assessment import Assessment


class TextIn(BaseModel):
    summary: str = Field(default="", max_length=20000)
    notes: str = Field(default="", max_length=20000)


class EvidenceOut(BaseModel):
    dimension: str
    words: list[str]


class HarmOut(BaseModel):
    who: list[str]
    how: list[str]
    recurs: bool
    now: bool


class AssessmentOut(BaseModel):
    level: str
    dimensions: list[str]
    evidence: list[EvidenceOut]
    timing: str | None
    harm: HarmOut | None
    others: list[str]  # heard about someone else, not the caller
    reasons: list[str]
    version: str

    @classmethod
    def of(cls, found: Assessment) -> AssessmentOut:
        harm = found.harm
        return cls(
            level=found.level.value,
            dimensions=[d.value for d in found.dimensions],
            evidence=[
                EvidenceOut(dimension=d.value, words=list(words))
                for d, words in found.evidence.items()
            ],
            timing=found.timing.value if found.timing else None,
            harm=None
            if harm is None
            else HarmOut(
                who=list(harm.who),
                how=[k.value for k in harm.how],
                recurs=harm.recurs,
                now=harm.now,
            ),
            others=[d.value for d in found.others],
            reasons=list(found.reasons),
            version=found.version,
        )


class DismissReason(StrEnum):
    NOT_ABOUT_CALLER = "not_about_caller"  # a friend's trouble, a question for someone else
    FIGURE_OF_SPEECH = "figure_of_speech"  # an idiom, a joke
    QUOTED = "quoted"  # a film, a story, a hypothetical
    ALREADY_HANDLED = "already_handled"  # assessed and acted on otherwise
    OTHER = "other"  # say why in the note


class ReviewIn(TextIn):
    call_id: str = Field(min_length=1, max_length=64)
    order_id: int | None = None
    decision: Literal["accepted", "dismissed"]
    reason: DismissReason | None = None
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _reason_for_a_dismissal(self) -> ReviewIn:
        if self.decision == "dismissed" and self.reason is None:
            raise ValueError("a dismissal needs a reason")
        if self.decision == "accepted" and self.reason is not None:
            raise ValueError("an accepted suggestion takes no reason")
        if self.reason is DismissReason.OTHER and not self.note.strip():
            raise ValueError("reason 'other' needs a note saying why")
        return self


class ReviewOut(BaseModel):
    id: int
    call_id: str
    order_id: int | None
    decision: str
    level: str
    dimensions: list[str]
    reason: str | None
    note: str
    by: str
    at: datetime
