"""What must hold for any wording: filler words, another clause order or Traditional
characters never lower the suggested level; a negation in the same clause removes a
hit, one in another clause does not."""

from __future__ import annotations

import re
from functools import cache

import opencc
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis.assessment import default_assessor
from crisis.draft import RiskLevel
from tests.crisis.risk_figures import SETS, load

POSITIVES = sorted(
    {s.text for path in SETS.values() for s in load(path) if not s.negative},
)
CLAUSE = re.compile(r"[，,；;。.!！?？]")
FILLERS = ["嗯", "那个", "就是说", "怎么说呢", "你知道吗", "然后", "呃", "um", "you know"]


def level(text: str) -> RiskLevel:
    return default_assessor().assess(text).level


def clauses(text: str) -> list[str]:
    return [part.strip() for part in CLAUSE.split(text) if part.strip()]


@cache
def traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@settings(max_examples=150, deadline=None)
@given(
    text=st.sampled_from(POSITIVES),
    fillers=st.lists(st.tuples(st.integers(0, 8), st.sampled_from(FILLERS)), max_size=3),
)
def test_filler_words_never_lower_the_level(text: str, fillers: list[tuple[int, str]]) -> None:
    parts = clauses(text)
    for where, filler in fillers:  # said between phrases, or as a phrase opens
        at = where % (len(parts) + 1)
        if at < len(parts) and where % 2:
            parts[at] = f"{filler} {parts[at]}" if filler.isascii() else filler + parts[at]
        else:
            parts.insert(at, filler)
    padded = "，".join(parts) + "。"
    assert level(padded).rank >= level(text).rank, padded


@settings(max_examples=150, deadline=None)
@given(text=st.sampled_from(POSITIVES), data=st.data())
def test_another_clause_order_never_lowers_the_level(text: str, data: st.DataObject) -> None:
    parts = clauses(text)
    reordered = "，".join(data.draw(st.permutations(parts))) + "。"
    assert level(reordered).rank >= level(text).rank, reordered


@settings(max_examples=100, deadline=None)
@given(text=st.sampled_from(POSITIVES))
def test_traditional_characters_never_lower_the_level(text: str) -> None:
    written = traditional().convert(text)
    assert level(written).rank >= level(text).rank, written


# Things a caller says of themselves, each a risk on its own.
SAID = [
    "想自杀",
    "想死",
    "打算跳楼",
    "割过腕",
    "吞了一整瓶安眠药",
    "伤害过自己",
    "被继父打",
    "想过要结束自己的生命",
    "有轻生的念头",
    "喝了农药",
    "被班主任猥亵",
    "自残",
]
CUES = ["没有", "从来没有", "并没有", "从没"]
OTHER_CLAUSES = ["我没有骗你", "不是开玩笑", "没人知道", "我不知道该怎么办"]


@settings(max_examples=120, deadline=None)
@given(said=st.sampled_from(SAID), cue=st.sampled_from(CUES), other=st.sampled_from(OTHER_CLAUSES))
def test_a_negation_removes_a_hit_in_its_clause_only(said: str, cue: str, other: str) -> None:
    plain = level(f"我{said}")
    assert plain is not RiskLevel.NONE, said
    assert level(f"我{cue}{said}") is RiskLevel.NONE
    assert level(f"{other}，我{said}").rank >= plain.rank
    assert level(f"我{said}，{other}").rank >= plain.rank


ENGLISH = ["want to die", "want to kill myself", "am suicidal", "have been hurting myself"]


@given(said=st.sampled_from(ENGLISH))
def test_english_negations_too(said: str) -> None:
    assert level(f"I {said}") is not RiskLevel.NONE
    negated = {"want": "do not want", "am": "am not", "have": "have never"}
    verb, rest = said.split(" ", 1)
    assert level(f"I {negated[verb]} {rest}") is RiskLevel.NONE
    assert level(f"I am not lying, I {said}") is not RiskLevel.NONE
