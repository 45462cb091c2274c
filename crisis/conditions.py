"""Typed rule conditions and their evaluation over the facts of one case (pure).

A condition is data, never code: a pydantic discriminated union (``kind``) of
all / any / not, a field comparison, a keyword hit, a count in a time window and
the risk level the assessment of the summary suggests.
Evaluating one returns whether it matched and the findings that made it match,
so every escalation can say which fields fired which rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from crisis.assessment import Assessment, Dimension
from crisis.assessment.model import NOTHING
from crisis.draft import CaseDraft, RiskLevel
from crisis.lexicon import Lexicon

FieldName = Literal[
    "risk_level",
    "summary",
    "notes",
    "category",
    "status",
    "caller_age",
    "age_group",
    "region",
    "immediate_danger",
    "number_flagged",
]
TextField = Literal["summary", "notes"]
Series = Literal["calls_from_number", "escalations_for_number"]
Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Compare(_Strict):
    """``field op value``; ``risk_level`` compares by rank (none < low < … < imminent)."""

    kind: Literal["compare"] = "compare"
    field: FieldName
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in"]
    value: Scalar | list[Scalar]


class KeywordHitCondition(_Strict):
    """At least ``min_hits`` non-negated lexicon hits of the given categories (all if empty)."""

    kind: Literal["keyword_hit"] = "keyword_hit"
    fields: list[TextField] = Field(default=["summary", "notes"], min_length=1)
    categories: list[str] = Field(default_factory=list)
    min_hits: int = Field(default=1, ge=1)


class CountInWindow(_Strict):
    """At least ``at_least`` events of ``series`` in the last ``window_minutes`` (this one too)."""

    kind: Literal["count_in_window"] = "count_in_window"
    series: Series
    window_minutes: float = Field(gt=0)
    at_least: int = Field(ge=1)


class SuggestedRisk(_Strict):
    """The level the assessment of summary and notes suggests, compared by rank.

    A level the agent dismissed for this call, or a lower one, no longer counts; a
    higher one does ("the agent already said no to this, a graver reading asks again").
    ``dimensions`` narrows it to suggestions resting on one of them (any if empty).
    """

    kind: Literal["suggested_risk"] = "suggested_risk"
    op: Literal["eq", "ge", "gt"] = "ge"
    value: RiskLevel
    dimensions: list[Dimension] = Field(default_factory=list)


class AllOf(_Strict):
    kind: Literal["all"] = "all"
    conditions: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    kind: Literal["any"] = "any"
    conditions: list[Condition] = Field(min_length=1)


class Not(_Strict):
    kind: Literal["not"] = "not"
    condition: Condition


Condition = Annotated[
    Compare | KeywordHitCondition | CountInWindow | SuggestedRisk | AllOf | AnyOf | Not,
    Field(discriminator="kind"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


@dataclass(frozen=True)
class Facts:
    """Everything a rule may look at: the draft plus what the shell knows of the number."""

    draft: CaseDraft
    now: datetime
    lexicon: Lexicon
    calls_from_number: tuple[datetime, ...] = ()  # arrivals, this call included
    escalations_for_number: tuple[datetime, ...] = ()
    number_flagged: bool = False
    assessment: Assessment = NOTHING  # of the draft's summary and notes
    dismissed: RiskLevel = RiskLevel.NONE  # the highest suggestion the agent dismissed


@dataclass(frozen=True)
class Finding:
    """Why part of a condition matched: which field, and what was seen there."""

    field: str
    detail: str


@dataclass(frozen=True)
class Outcome:
    matched: bool
    findings: tuple[Finding, ...] = ()


def evaluate(condition: Condition, facts: Facts) -> Outcome:
    match condition:
        case AllOf(conditions=parts):
            outcomes = [evaluate(part, facts) for part in parts]
            if all(o.matched for o in outcomes):
                return Outcome(True, tuple(f for o in outcomes for f in o.findings))
            return Outcome(False)
        case AnyOf(conditions=parts):
            outcomes = [evaluate(part, facts) for part in parts]
            found = tuple(f for o in outcomes if o.matched for f in o.findings)
            return Outcome(any(o.matched for o in outcomes), found)
        case Not(condition=inner):
            if evaluate(inner, facts).matched:
                return Outcome(False)
            return Outcome(True, (Finding("-", f"not ({describe(inner)})"),))
        case Compare():
            return _compare(condition, facts)
        case KeywordHitCondition():
            return _keywords(condition, facts)
        case CountInWindow():
            return _count(condition, facts)
        case SuggestedRisk():
            return _suggested(condition, facts)
    raise AssertionError(f"unknown condition {condition!r}")  # pragma: no cover


# The facts the shell may leave unread while no rule could fire on them (``settled``).
UNREAD_FIRST = frozenset({"number_flagged", "escalations_for_number", "dismissed"})


def settled(condition: Condition, facts: Facts, unread: frozenset[str]) -> bool | None:
    """Whether ``condition`` matches whatever values the facts named in ``unread`` hold
    (their values in ``facts`` are placeholders); ``None`` when the answer depends on them.

    Three-valued (Kleene) logic over ``evaluate``: never a wrong answer, at worst a
    ``None`` where reading the facts would have settled it, so a shell may skip reading
    them exactly when every rule settles to ``False``.
    """
    match condition:
        case AllOf(conditions=parts):
            answers = [settled(part, facts, unread) for part in parts]
            if False in answers:
                return False
            return True if all(answers) else None
        case AnyOf(conditions=parts):
            answers = [settled(part, facts, unread) for part in parts]
            if True in answers:
                return True
            return False if all(answer is False for answer in answers) else None
        case Not(condition=inner):
            answer = settled(inner, facts, unread)
            return None if answer is None else not answer
    readings = {evaluate(condition, each).matched for each in _possible(condition, facts, unread)}
    return readings.pop() if len(readings) == 1 else None


def _possible(condition: Condition, facts: Facts, unread: frozenset[str]) -> Sequence[Facts]:
    """Facts covering every answer a leaf can give while ``unread`` facts are unknown
    (empty when they are too many to try: any series of moments)."""
    match condition:
        case Compare(field="number_flagged") if "number_flagged" in unread:
            return [replace(facts, number_flagged=False), replace(facts, number_flagged=True)]
        case CountInWindow(series=series) if series in unread:
            return []
        case SuggestedRisk() if "dismissed" in unread:
            # a dismissal leaves the suggested level as it is or takes it to none
            return [replace(facts, dismissed=RiskLevel.NONE), replace(facts, dismissed=_TOP)]
    return [facts]


_TOP = max(RiskLevel, key=lambda level: level.rank)


def describe(condition: Condition) -> str:
    match condition:
        case Compare(field=field, op=op, value=value):
            return f"{field} {op} {value!r}"
        case KeywordHitCondition(fields=fields, categories=cats, min_hits=n):
            return f"≥{n} keyword hit(s) {cats or 'any'} in {fields}"
        case CountInWindow(series=series, window_minutes=minutes, at_least=n):
            return f"≥{n} {series} in {minutes:g} min"
        case SuggestedRisk(op=op, value=value, dimensions=dims):
            about = f" on {[d.value for d in dims]}" if dims else ""
            return f"suggested risk {op} {value.value}{about}"
        case AllOf(conditions=parts):
            return "all(" + "; ".join(describe(p) for p in parts) + ")"
        case AnyOf(conditions=parts):
            return "any(" + "; ".join(describe(p) for p in parts) + ")"
        case Not(condition=inner):
            return f"not ({describe(inner)})"
    raise AssertionError(f"unknown condition {condition!r}")  # pragma: no cover


def field_value(facts: Facts, field: FieldName) -> Scalar | None:
    if field == "number_flagged":
        return facts.number_flagged
    value: Scalar | None = getattr(facts.draft, field)
    return value


def _comparable(field: FieldName, value: Scalar) -> Scalar:
    if field == "risk_level" and isinstance(value, str):
        try:
            return RiskLevel(value).rank
        except ValueError:
            return -1
    return value


def _compare(condition: Compare, facts: Facts) -> Outcome:
    actual = field_value(facts, condition.field)
    if actual is None:
        return Outcome(False)
    left = _comparable(condition.field, actual)
    expected = condition.value
    try:
        if condition.op == "in":
            options = expected if isinstance(expected, list) else [expected]
            matched = left in [_comparable(condition.field, option) for option in options]
        elif isinstance(expected, list):
            matched = False
        else:
            right = _comparable(condition.field, expected)
            matched = _OPS[condition.op](left, right)
    except TypeError:  # e.g. a number compared with a word: not a match, not a crash
        matched = False
    if not matched:
        return Outcome(False)
    detail = f"{actual!s} {condition.op} {expected!s}"
    return Outcome(True, (Finding(condition.field, detail),))


_OPS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _keywords(condition: KeywordHitCondition, facts: Facts) -> Outcome:
    wanted = set(condition.categories)
    findings: list[Finding] = []
    for field in condition.fields:
        for hit in facts.lexicon.scan(getattr(facts.draft, field)):
            if wanted and hit.category not in wanted:
                continue
            if hit.negated_by is None:
                findings.append(Finding(field, f"keyword {hit.keyword!r} ({hit.category})"))
    if len(findings) >= condition.min_hits:
        return Outcome(True, tuple(findings))
    return Outcome(False)


def _count(condition: CountInWindow, facts: Facts) -> Outcome:
    since = facts.now - timedelta(minutes=condition.window_minutes)
    series: tuple[datetime, ...] = getattr(facts, condition.series)
    count = sum(1 for moment in series if since <= moment <= facts.now)
    if count < condition.at_least:
        return Outcome(False)
    detail = f"{count} in the last {condition.window_minutes:g} min"
    return Outcome(True, (Finding(condition.series, detail),))


def _suggested(condition: SuggestedRisk, facts: Facts) -> Outcome:
    found = facts.assessment
    level = found.level if found.level.rank > facts.dismissed.rank else RiskLevel.NONE
    wanted = set(condition.dimensions)
    if wanted and not wanted & set(found.dimensions):
        return Outcome(False)
    if not _OPS[condition.op](level.rank, condition.value.rank):
        return Outcome(False)
    dims = [d for d in found.dimensions if not wanted or d in wanted] or list(found.dimensions)
    evidence = "; ".join(f"{d.value}: {'/'.join(found.evidence.get(d, ()))}" for d in dims)
    detail = f"suggested {level.value} ({evidence})" if evidence else f"suggested {level.value}"
    return Outcome(True, (Finding("assessment", detail),))
