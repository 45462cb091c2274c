"""Risk keywords in Chinese and English, with negation handled the way an agent writes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crisis.lexicon import default_lexicon

LEXICON = default_lexicon()


def live_hits(text: str) -> list[tuple[str, str]]:
    return [(hit.category, hit.keyword) for hit in LEXICON.scan(text) if hit.negated_by is None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("来电者说想自杀", [("suicide", "自杀")]),
        ("她说不想活了，想跳楼", [("suicide", "不想活"), ("suicide", "跳楼")]),
        ("长期遭受家暴", [("domestic_violence", "家暴")]),
        ("曾被性侵", [("sexual_assault", "性侵")]),
        ("I want to kill myself", [("suicide", "kill myself")]),
        ("He said: SUICIDE", [("suicide", "suicide")]),
        ("没人在乎我想自杀", [("suicide", "自杀")]),  # 没 is not next to the keyword
        ("不，我想自杀", [("suicide", "自杀")]),  # the negation ends its own clause
        ("并没有想轻生，但是我想跳楼", [("suicide", "跳楼")]),
    ],
)
def test_risk_words_are_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert live_hits(text) == expected


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("没有想自杀", "没有"),
        ("从来没有过自残的想法", "从来没有"),
        ("不是要轻生", "不是"),
        ("I am not suicidal", "not"),
        ("I don't want to kill myself", "don't"),
        ("She denies suicide plans", "denies"),
    ],
)
def test_negated_mentions_do_not_count(text: str, cue: str) -> None:
    hits = LEXICON.scan(text)
    assert hits and all(hit.negated_by == cue for hit in hits)
    assert live_hits(text) == []


def test_english_keywords_match_whole_words_only() -> None:
    assert live_hits("grapes and drapes") == []
    assert live_hits("she was raped") == [("sexual_assault", "raped")]


NEUTRAL = st.text(alphabet="今天我们他她你在家学校朋友老师的了吗很好累", max_size=20)
KEYWORDS = st.sampled_from(["自杀", "轻生", "跳楼", "割腕", "不想活", "家暴", "性侵"])


@given(before=NEUTRAL, keyword=KEYWORDS, after=NEUTRAL)
def test_a_keyword_in_neutral_words_always_counts(before: str, keyword: str, after: str) -> None:
    assert any(kw == keyword for _, kw in live_hits(before + keyword + after))


@given(
    cue=st.sampled_from(["没有", "没", "不是", "并不", "从没"]),
    keyword=KEYWORDS.filter(lambda k: k != "不想活"),
    middle=NEUTRAL,
)
def test_a_negation_in_an_earlier_clause_never_hides_a_keyword(
    cue: str, keyword: str, middle: str
) -> None:
    assert any(kw == keyword for _, kw in live_hits(f"{cue}{middle}，{keyword}"))
