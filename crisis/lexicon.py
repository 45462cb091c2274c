"""The risk lexicon and keyword matching with simple negation handling (pure).

A keyword hit counts unless a negation cue ends the text right before it, within
the same clause, allowing a few filler words between them: "没有想自杀" and
"I am not suicidal" are negated, "没人在乎我想自杀" and "不，我想自杀" are not. A
missed crisis costs more than a false alarm, so the cue must be close.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

_CLAUSE_END = re.compile(r"[，,。.!！?？;；:：\n]|但是|可是|\bbut\b", re.IGNORECASE)


@dataclass(frozen=True)
class KeywordHit:
    category: str
    keyword: str
    start: int
    negated_by: str | None = None


@dataclass(frozen=True)
class Lexicon:
    categories: dict[str, tuple[str, ...]]
    zh_negation: re.Pattern[str]
    en_negation: re.Pattern[str]

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Lexicon:
        categories = {
            name: tuple(str(word).lower() for lang in ("zh", "en") for word in words.get(lang, []))
            for name, words in data["categories"].items()
        }
        zh_cues = "|".join(map(re.escape, sorted(data["negations"]["zh"], key=len, reverse=True)))
        fillers = "|".join(map(re.escape, data.get("fillers", {}).get("zh", [])))
        zh = re.compile(rf"({zh_cues})(?:{fillers})*\s*$" if fillers else rf"({zh_cues})\s*$")
        en_cues = "|".join(map(re.escape, data["negations"]["en"]))
        en = re.compile(rf"\b({en_cues})\b(?:\s+[\w'-]+){{0,2}}\s+$", re.IGNORECASE)
        return cls(categories=categories, zh_negation=zh, en_negation=en)

    def scan(self, text: str) -> list[KeywordHit]:
        """Every keyword occurrence in ``text``, negated ones marked with their cue."""
        lowered = text.lower()
        hits: list[KeywordHit] = []
        for category, words in self.categories.items():
            for word in words:
                for match in re.finditer(_keyword_pattern(word), lowered):
                    cue = self._negation_before(lowered, match.start())
                    hits.append(KeywordHit(category, word, match.start(), cue))
        hits.sort(key=lambda hit: (hit.start, hit.category, hit.keyword))
        return hits

    def _negation_before(self, text: str, start: int) -> str | None:
        before = text[:start]
        clause_starts = [match.end() for match in _CLAUSE_END.finditer(before)]
        clause = before[clause_starts[-1] :] if clause_starts else before
        for pattern in (self.zh_negation, self.en_negation):
            if match := pattern.search(clause):
                return match.group(1)
        return None


@cache
def _keyword_pattern(word: str) -> re.Pattern[str]:
    if word.isascii():  # English: whole words only ("rape" must not hit "grape")
        return re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])")
    return re.compile(re.escape(word))


@cache
def default_lexicon() -> Lexicon:
    text = resources.files("crisis").joinpath("data/lexicon.yaml").read_text(encoding="utf-8")
    return Lexicon.from_mapping(yaml.safe_load(text))
