"""Cutting a text into words, clauses and sentences, and finding the pattern terms in them.

Only sentences that may hold a hit are segmented (``Grammar.has_anchor``); the
others are read for the people they name, so pronouns after them still resolve.
Per word, ``Clause.caller_at`` says whether the clause speaks of the caller there:
it follows the last person named, pronouns meaning whoever was named last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crisis.assessment.grammar import Grammar
from crisis.assessment.text import Segmenter, normalise

Span = tuple[int, int]  # word indices [start, end)


@dataclass
class Words:
    text: str  # the normalised text
    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # character offsets in ``text``
    ends: list[int] = field(default_factory=list)
    masked: list[bool] = field(default_factory=list)  # part of an idiom: never a hit
    # before this word, skipped sentences last named the caller (True) or someone else
    named_before: dict[int, bool] = field(default_factory=dict)

    def add(self, word: str, start: int, end: int, masked: bool) -> None:
        self.words.append(word)
        self.starts.append(start)
        self.ends.append(end)
        self.masked.append(masked)

    def surface(self, start: int, end: int) -> str:
        return self.text[self.starts[start] : self.ends[end - 1]].strip()


@dataclass
class Clause:
    start: int
    end: int
    sentence: int
    found: dict[str, list[Span]]  # group → where its terms occur
    caller_at: list[bool]  # per word of the clause: is the subject there the caller?


SENTENCE = re.compile(r"[^。.!?…\n]+[。.!?…\n]*|[。.!?…\n]+")


def split_words(text: str, grammar: Grammar, segmenter: Segmenter) -> Words:
    """The words of the sentences that could hold a hit; the others are only read for names.

    Segmenting is most of the cost, and most sentences of a long summary hold no
    pattern's rarest word; skipped, they still say who was named last, so a "她"
    after them means the right person.
    """
    normal = normalise(text)
    masked = bytearray(len(normal))
    if grammar.idioms is not None:
        for match in grammar.idioms.finditer(normal):
            masked[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    out = Words(normal)
    named: bool | None = None
    for sentence in SENTENCE.finditer(normal):
        chunk = sentence.group()
        if not grammar.has_anchor("".join(chunk.split())):
            named = _last_named(chunk, grammar, named)
            continue
        if named is not None:
            out.named_before[len(out.words)] = named
            named = None
        _segment(out, sentence.start(), chunk, masked, grammar, segmenter)
        out.add("\n", sentence.end(), sentence.end(), False)
    return out


def _last_named(chunk: str, grammar: Grammar, named: bool | None) -> bool | None:
    if grammar.people is None:
        return named
    for match in grammar.people.finditer(chunk):
        named = grammar.people_kind.get(match.group(), named)
    return named


def _segment(
    out: Words, base: int, chunk: str, masked: bytearray, grammar: Grammar, segmenter: Segmenter
) -> None:
    offset = base
    for word in segmenter.cut(chunk):
        start, offset = offset, offset + len(word)
        if word.isspace():
            if "\n" not in word:
                continue
            word = "\n"
        hidden = any(masked[start:offset])
        cursor = start
        for part in grammar.split.get(word, (word,)):
            end = min(offset, cursor + len(part))
            out.add(part, cursor, end, hidden)
            cursor = end


def clauses_of(words: Words, grammar: Grammar) -> list[Clause]:
    clauses: list[Clause] = []
    sentence = start = 0
    for index, word in enumerate([*words.words, "\n"]):
        groups = grammar.groups_of(word)
        ends_sentence = "sentence_break" in groups or word == "\n"
        if ends_sentence or "clause_break" in groups:
            if index > start:
                clauses.append(Clause(start, index, sentence, {}, []))
            start = index + 1
            sentence += ends_sentence
    _find_terms(words, grammar, clauses)
    _subjects(words, grammar, clauses)
    return clauses


def _find_terms(words: Words, grammar: Grammar, clauses: list[Clause]) -> None:
    for clause in clauses:
        found = clause.found
        for i in range(clause.start, clause.end):
            key = ""
            for j in range(i, min(clause.end, i + grammar.max_words)):
                if words.masked[j]:
                    break
                key += words.words[j]
                if key not in grammar.prefixes:
                    break
                for group in grammar.groups_of(key):
                    found.setdefault(group, []).append((i, j + 1))
        if grammar.regex_groups:
            _find_regex(words, grammar, clause)


def _find_regex(words: Words, grammar: Grammar, clause: Clause) -> None:
    """Regex groups match from the start of a word to the end of one (三十多片 over 三十多 片)."""
    base = words.starts[clause.start]
    text = words.text[base : words.ends[clause.end - 1]]
    last = {words.ends[i] - base: i + 1 for i in range(clause.start, clause.end)}
    for name, expression in grammar.regex_groups:
        for i in range(clause.start, clause.end):
            match = expression.match(text, words.starts[i] - base)
            if match is not None and match.end() in last:
                clause.found.setdefault(name, []).append((i, last[match.end()]))


def _subjects(words: Words, grammar: Grammar, clauses: list[Clause]) -> None:
    """Per word: is the person the clause speaks of at that point the caller?"""
    referent = True  # a pronoun means whoever was named last; at first, the caller
    current = True
    seen = 0
    for clause in clauses:
        for i in range(seen, clause.end):  # names read from skipped sentences, in order
            if i in words.named_before:
                current = referent = words.named_before[i]
        seen = clause.end
        for i in range(clause.start, clause.end):
            clause.caller_at.append(current)
            groups = grammar.groups_of(words.words[i])
            if i > clause.start and "preposition" in grammar.groups_of(words.words[i - 1]):
                continue  # 被继父打, 跟我说: not the subject
            if "me" in groups and not _possessive(words, grammar, i):
                current = True
            elif "caller" in groups:
                current = referent = True
            elif "other_person" in groups or any(g in grammar.who for g in groups):
                current = referent = False
            elif "pronoun" in groups:
                current = referent


def _possessive(words: Words, grammar: Grammar, i: int) -> bool:
    """我朋友, 我的同学, my friend: the person named next is the subject, not me."""
    following = words.words[i + 1 : i + 3]
    if following and following[0] in ("的", "de"):
        following = following[1:]
    if not following:
        return False
    groups = grammar.groups_of(following[0])
    return "other_person" in groups or any(g in grammar.who for g in groups)
