"""The risk patterns as data: word groups, markers and patterns, validated and compiled.

The hotline edits ``crisis/data/risk_patterns.yaml`` (or adds its own file through
``CALLCENTER_CRISIS_PATTERNS_FILE``, merged over the bundled one). A pattern is a
sequence of slots, each a word group (``@group``) or words (``a|b``), that must meet
within one clause, in order or in any order, within so many words; it may ask for an
aspect marker (了, 已经, 正在), be vetoed by words before it, or count only beside
another dimension in the same sentence. Every assessment records the version
(``label@content-hash``) of the patterns that made it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisis.assessment.model import Dimension, HarmKind, Timing
from crisis.assessment.text import normalise

# Groups the reader itself relies on; a pattern file must define every one.
RESERVED = (
    "negation",  # a cue that cancels a hit after it in the clause (没有, never)
    "negation_filler",  # words that may stand between the cue and the hit (想, 过, tried)
    "hypothetical",  # 如果, 要是, if: what follows is not asserted ...
    "consequence",  # ... until 就 / then
    "topic",  # a clause about law, school work, the news: not an event
    "aspect_done",  # 了, 已经, 刚刚
    "aspect_ongoing",  # 正在, 着
    "past_time",  # 以前, 去年, 过: a done attempt in the past is a past attempt
    "recurrence",  # 经常, 每天, 还要: harm that goes on or is threatened again
    "harm_now",  # 正在, 就在门外: harm happening right now
    "clause_break",
    "sentence_break",
    "preposition",  # 被, 把, 对, by: the person after it is not the subject
    "caller",  # 来电者, 来电女生, caller: the person the hotline is talking to
    "other_person",  # 朋友, 同学, friend: someone else
    "pronoun",  # 他, 她, he: whoever was named last
    "me",  # 我, me
    "generic_person",  # 人, 学生: "自杀的人" speaks of people in general
    "on_behalf",  # 帮朋友问, asking for a friend: the sentence is about someone else
    "not_meant",  # 开玩笑的, just kidding: the sentence is not the caller's risk
)
WHO_PREFIX = "who_"
TIMING_GROUPS = {Timing.NOW: "timing_now", Timing.TODAY: "timing_today", Timing.SOON: "timing_soon"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternSpec(_Strict):
    id: str = Field(min_length=1, max_length=80, pattern=r"^[\w.-]+$")
    dimensions: list[Dimension] = Field(min_length=1)
    slots: list[str] = Field(min_length=1, max_length=5)
    order: Literal["seq", "any"] = "seq"
    within: int = Field(default=6, ge=1, le=30)  # words from the first slot to the last
    aspect: Literal["done", "ongoing", "done_or_ongoing"] | None = None
    unless_before: list[str] = []  # groups that veto the hit when just before it
    unless_clause: list[str] = []  # groups that veto the hit anywhere in its clause
    about: Literal["subject", "caller"] = "subject"  # "caller": the slots name the caller
    hypothetical_ok: bool = False  # the pattern is itself a wish ("要是能一睡不醒就好了")
    requires: list[Dimension] = []  # counts only beside one of these in the sentence
    harm: HarmKind | None = None
    now: bool = False  # the harm is happening now (a perpetrator at the door)


class PatternExtension(_Strict):
    """A hotline's own file: more words for the bundled groups, more patterns."""

    version: str = Field(min_length=1, max_length=40, pattern=r"^[\w.+-]+$")
    words: list[str] = []  # extra words the segmenter should keep whole
    split: dict[str, list[str]] = {}  # words to cut apart: 不想 → 不 想
    idioms: list[str] = []  # figures of speech that never count: 累死了, 笑死
    common_words: list[str] = []  # in nearly every sentence: never the word a pattern is keyed on
    groups: dict[str, list[str]] = {}
    regex_groups: dict[str, str] = {}  # e.g. a count of pills: 三十多片
    patterns: list[PatternSpec] = []


class PatternFile(PatternExtension):
    """A whole pattern file: every group the reader needs, and at least one pattern."""

    groups: dict[str, list[str]]
    patterns: list[PatternSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> PatternFile:
        missing = [name for name in (*RESERVED, *TIMING_GROUPS.values()) if name not in self.groups]
        if missing:
            raise ValueError(f"pattern file lacks the groups {missing}")
        known = set(self.groups) | set(self.regex_groups)
        ids = [p.id for p in self.patterns]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"pattern ids must be unique, repeated: {repeated}")
        for spec in self.patterns:
            for ref in (*spec.slots, *spec.unless_before, *spec.unless_clause):
                names = ref[1:].split("|") if ref.startswith("@") else []
                for name in names:
                    if name not in known:
                        raise ValueError(f"pattern {spec.id} names an unknown group @{name}")
            for ref in (*spec.unless_before, *spec.unless_clause):
                if not ref.startswith("@"):
                    raise ValueError(f"pattern {spec.id}: vetoes name groups (@name), not {ref!r}")
            if Dimension.HARM_FROM_OTHERS in spec.dimensions and spec.harm is None:
                raise ValueError(f"pattern {spec.id} finds harm from others but not its kind")
        for name, expression in self.regex_groups.items():
            try:
                re.compile(expression)
            except re.error as exc:
                raise ValueError(f"regex group {name}: {exc}") from exc
        return self

    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def merged(self, extra: PatternExtension) -> PatternFile:
        """The hotline's own file over the bundled one: groups grow, patterns are added."""
        groups = {name: list(words) for name, words in self.groups.items()}
        for name, words in extra.groups.items():
            groups[name] = [*groups.get(name, []), *words]
        return PatternFile(
            version=f"{self.version}+{extra.version}",
            words=[*self.words, *extra.words],
            split={**self.split, **extra.split},
            idioms=[*self.idioms, *extra.idioms],
            common_words=[*self.common_words, *extra.common_words],
            groups=groups,
            regex_groups={**self.regex_groups, **extra.regex_groups},
            patterns=[*self.patterns, *extra.patterns],
        )


def term_key(term: str) -> str:
    """How a term is looked up: normalised like the text, spaces dropped."""
    return "".join(normalise(term).split())


@dataclass(frozen=True)
class Pattern:
    spec: PatternSpec
    slots: tuple[frozenset[str], ...]  # each slot: the groups that may fill it
    unless_before: frozenset[str]
    unless_clause: frozenset[str]


@dataclass(frozen=True)
class Grammar:
    version: str
    terms: Mapping[str, frozenset[str]]  # term key → groups
    prefixes: frozenset[str]
    max_words: int
    split: Mapping[str, tuple[str, ...]]
    idioms: re.Pattern[str] | None
    regex_groups: tuple[tuple[str, re.Pattern[str]], ...]
    patterns: tuple[Pattern, ...]
    by_anchor_group: Mapping[str, tuple[Pattern, ...]]  # a pattern under its rarest slot's groups
    segmenter_words: tuple[str, ...]
    who: Mapping[str, str]  # group → perpetrator category
    anchors: Mapping[str, tuple[int, ...]]  # first character → lengths of anchor terms
    anchor_terms: frozenset[str]  # a sentence without one of these cannot hold a hit
    anchor_regexes: tuple[re.Pattern[str], ...]
    people: re.Pattern[str] | None  # the caller or someone else, named in plain text
    people_kind: Mapping[str, bool]  # named term → is it the caller?

    def has_anchor(self, compact: str) -> bool:
        """Could this sentence (spaces removed) hold a hit? A cheap test before segmenting."""
        anchors, terms = self.anchors, self.anchor_terms
        for i, char in enumerate(compact):
            lengths = anchors.get(char)
            if lengths and any(compact[i : i + n] in terms for n in lengths):
                return True
        return any(rx.search(compact) for rx in self.anchor_regexes)

    def groups_of(self, key: str) -> frozenset[str]:
        return self.terms.get(key, frozenset())


def _whole_words(terms: Mapping[str, set[str]]) -> list[str]:
    """Terms the segmenter should keep whole: Chinese, and not hiding another group's term.

    Kept whole, "今晚就" would hide "今晚" (a time) from the reader; such phrases are
    found anyway as a run of words, so only single-idea terms are given to jieba.
    """
    found: list[str] = []
    for key, groups in terms.items():
        if len(key) < 2 or key.isascii():
            continue
        inner = (
            key[i:j]
            for i in range(len(key))
            for j in range(i + 1, len(key) + 1)
            if j - i < len(key)
        )
        if not any(terms.get(part, groups) - groups for part in inner):
            found.append(key)
    return found


def compile_grammar(source: PatternFile, *, label: str = "bundled") -> Grammar:
    terms: dict[str, set[str]] = {}

    def add(group: str, words: Iterable[str]) -> None:
        for word in words:
            key = term_key(word)
            if key:
                terms.setdefault(key, set()).add(group)

    for group, words in source.groups.items():
        add(group, words)
    patterns: list[Pattern] = []
    for spec in source.patterns:
        slots: list[frozenset[str]] = []
        for slot in spec.slots:
            if slot.startswith("@"):  # "@a|b": any word of group a or b
                slots.append(frozenset(slot[1:].split("|")))
            else:  # literal words become a group of their own
                name = "=" + slot
                add(name, slot.split("|"))
                slots.append(frozenset({name}))
        patterns.append(
            Pattern(
                spec,
                tuple(slots),
                frozenset(name for ref in spec.unless_before for name in ref[1:].split("|")),
                frozenset(name for ref in spec.unless_clause for name in ref[1:].split("|")),
            )
        )
    prefixes = {key[:n] for key in terms for n in range(1, len(key) + 1)}
    cjk = {normalise(word) for word in (*source.words, *source.split)}
    cjk.update(_whole_words(terms))
    idioms = sorted({normalise(i) for i in source.idioms}, key=len, reverse=True)
    regexes = {name: re.compile(rx) for name, rx in source.regex_groups.items()}
    by_group: dict[str, list[str]] = {}
    for key, groups in terms.items():
        for group in groups:
            by_group.setdefault(group, []).append(key)
    common = frozenset(term_key(word) for word in source.common_words)
    rarest = [_rarest_slot(pattern, by_group, regexes, common) for pattern in patterns]
    by_anchor: dict[str, list[Pattern]] = {}
    for pattern, keyed_on in zip(patterns, rarest, strict=True):
        for group in sorted(keyed_on):
            by_anchor.setdefault(group, []).append(pattern)
    anchor_terms = {key for slot in rarest for group in slot for key in by_group.get(group, ())}
    anchor_regexes = {
        group: regexes[group] for slot in rarest for group in slot if group in regexes
    }
    anchors: dict[str, set[int]] = {}
    for key in anchor_terms:
        anchors.setdefault(key[0], set()).add(len(key))
    people = sorted(
        {
            normalise(word)
            for group, words in source.groups.items()
            if group in ("caller", "other_person") or group.startswith(WHO_PREFIX)
            for word in words
        },
        key=len,
        reverse=True,
    )
    return Grammar(
        version=f"{label}@{source.version}-{source.digest()}",
        terms={key: frozenset(groups) for key, groups in terms.items()},
        prefixes=frozenset(prefixes),
        max_words=8,
        split={normalise(k): tuple(normalise(p) for p in v) for k, v in source.split.items()},
        idioms=re.compile("|".join(map(re.escape, idioms))) if idioms else None,
        regex_groups=tuple(regexes.items()),
        patterns=tuple(patterns),
        by_anchor_group={group: tuple(found) for group, found in by_anchor.items()},
        segmenter_words=tuple(sorted(cjk)),
        who={
            name: name[len(WHO_PREFIX) :] for name in source.groups if name.startswith(WHO_PREFIX)
        },
        anchors={char: tuple(sorted(lengths)) for char, lengths in anchors.items()},
        anchor_terms=frozenset(anchor_terms),
        anchor_regexes=tuple(anchor_regexes.values()),
        people=re.compile("|".join(map(_word, people))) if people else None,
        people_kind={word: "caller" in terms.get(term_key(word), set()) for word in people},
    )


def _word(term: str) -> str:
    """An English name matches whole words only ("friend" not in "friendly")."""
    escaped = re.escape(term)
    return rf"(?<![a-z]){escaped}(?![a-z])" if term.isascii() else escaped


def _rarest_slot(
    pattern: Pattern,
    by_group: Mapping[str, list[str]],
    regexes: Mapping[str, re.Pattern[str]],
    common: frozenset[str],
) -> frozenset[str]:
    """The slot with the fewest everyday words (then single characters, then words): every
    hit fills it, so a clause without it need not be tried, nor a sentence without it cut."""

    def commonness(slot: frozenset[str]) -> tuple[int, int, int]:
        keys = [key for group in slot for key in by_group.get(group, ())]
        patterns = sum(group in regexes for group in slot)  # a number matches too much
        return (
            sum(key in common for key in keys) + patterns,
            sum(len(key) == 1 for key in keys),
            len(keys) + patterns,
        )

    return min(pattern.slots, key=commonness)
