"""Reading a text with the patterns: words → clauses → hits (pure, given the segmenter).

A clause ends at a comma, a colon, 但是 / but; a sentence at 。 ! ? or a new line.
Within a clause a hit is dropped when a negation cue stands before it with only
filler words between ("没有想过要自杀", "never tried to hurt myself"), when it is
hypothetical ("如果…", up to 就), when the clause is about a topic (law, homework,
the news) or speaks of people in general ("自杀的人"). Whose risk a hit speaks of
follows the last person named before it, pronouns meaning whoever was named last:
"朋友说她想死" is a friend's, "来电者说她吞了药" the caller's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace

from crisis.assessment.clauses import Clause, Span, Words, clauses_of, split_words
from crisis.assessment.grammar import TIMING_GROUPS, Grammar, Pattern
from crisis.assessment.model import Dimension, Hit, Timing
from crisis.assessment.text import Segmenter

MAX_TRIES = 64  # combinations of slot fillers tried per pattern and clause


def read(text: str, grammar: Grammar, segmenter: Segmenter) -> list[Hit]:
    words = split_words(text, grammar, segmenter)
    clauses = clauses_of(words, grammar)
    hits: list[tuple[Pattern, Hit]] = []
    for clause in clauses:
        candidates: dict[str, Pattern] = {}
        for group in clause.found:
            for pattern in grammar.by_anchor_group.get(group, ()):
                candidates.setdefault(pattern.spec.id, pattern)
        for pattern in candidates.values():
            hit = _match(pattern, clause, words, grammar)
            if hit is not None:
                hits.append((pattern, hit))
    for_others = {  # "帮朋友问", "开玩笑的"; but "不是开玩笑" says it is meant
        clause.sentence
        for clause in clauses
        for group in ("on_behalf", "not_meant")
        for start, _ in clause.found.get(group, ())
        if not _cue_before(clause.start, words, grammar, start)
    }
    kept = [
        _with_harm_context(
            replace(hit, about_caller=False) if hit.sentence in for_others else hit,
            clauses,
            words,
            grammar,
        )
        for hit in _with_requirements(hits)
    ]
    return kept + _timing(clauses, words, kept)


def _with_harm_context(hit: Hit, clauses: list[Clause], words: Words, grammar: Grammar) -> Hit:
    """Who does it (named before the deed, or after 被 / by) and whether it goes on."""
    if hit.harm is None:
        return hit
    sentence = [clause for clause in clauses if clause.sentence == hit.sentence]
    who: set[str] = set()
    recurs, now = False, hit.now
    for clause in sentence:
        now = now or "harm_now" in clause.found
        for group, spans in clause.found.items():
            category = grammar.who.get(group)
            if category is None:
                continue
            for start, _ in spans:
                before = range(max(clause.start, start - 3), start)
                after_by = any("preposition" in grammar.groups_of(words.words[i]) for i in before)
                if start <= hit.span[0] or after_by:
                    who.add(category)
        recurs = recurs or "recurrence" in clause.found
    return replace(hit, who=tuple(sorted(who)), recurs=recurs, now=now)


def _match(pattern: Pattern, clause: Clause, words: Words, grammar: Grammar) -> Hit | None:
    fillers = [sorted({s for g in slot for s in clause.found.get(g, ())}) for slot in pattern.slots]
    if not all(fillers):
        return None
    for spans in itertools.islice(_combinations(pattern, fillers), MAX_TRIES):
        first, last = min(start for start, _ in spans), max(end for _, end in spans)
        if _vetoed(pattern, clause, words, grammar, spans):
            continue
        return _hit(pattern, clause, words, grammar, spans, first, last)
    return None


def _combinations(pattern: Pattern, fillers: list[list[Span]]) -> Iterator[list[Span]]:
    within = pattern.spec.within
    if pattern.spec.order == "any":
        for combo in itertools.product(*fillers):
            ordered = sorted(combo)
            apart = all(a[1] <= b[0] for a, b in itertools.pairwise(ordered))
            if apart and ordered[-1][1] - ordered[0][0] <= within:
                yield list(combo)
        return

    def extend(chosen: list[Span], slot: int) -> Iterator[list[Span]]:
        if slot == len(fillers):
            yield chosen
            return
        for span in fillers[slot]:
            if span[0] >= chosen[-1][1] and span[1] - chosen[0][0] <= within:
                yield from extend([*chosen, span], slot + 1)

    for span in fillers[0]:
        if span[1] - span[0] <= within:
            yield from extend([span], 1)


def _vetoed(
    pattern: Pattern, clause: Clause, words: Words, grammar: Grammar, spans: list[Span]
) -> bool:
    spec = pattern.spec
    first, last = min(start for start, _ in spans), max(end for _, end in spans)
    in_clause = range(clause.start, clause.end)

    def groups(i: int) -> frozenset[str]:
        return grammar.groups_of(words.words[i])

    if any("topic" in groups(i) for i in in_clause):
        return True
    if _negated(clause, words, grammar, spans):
        return True
    if not spec.hypothetical_ok and _hypothetical(clause, grammar, words, first):
        return True
    if last + 1 < clause.end and words.words[last] == "的":
        if "generic_person" in groups(last + 1):
            return True  # 自杀的人: people in general
    if spec.aspect is not None:
        wanted = {
            "done": ("aspect_done",),
            "ongoing": ("aspect_ongoing",),
            "done_or_ongoing": ("aspect_done", "aspect_ongoing"),
        }[spec.aspect]
        window = range(max(clause.start, first - 3), min(clause.end, last + 3))
        if not any(g in groups(i) for i in window for g in wanted):
            return True
    before = range(max(clause.start, first - 3), first)
    if pattern.unless_before and any(groups(i) & pattern.unless_before for i in before):
        return True
    return bool(pattern.unless_clause) and any(groups(i) & pattern.unless_clause for i in in_clause)


def _negated(clause: Clause, words: Words, grammar: Grammar, spans: list[Span]) -> bool:
    """A cue before the hit, or between its slots ("爸妈从来没有打过我"), fillers aside."""
    ordered = sorted(spans)
    if _cue_before(clause.start, words, grammar, ordered[0][0]):
        return True
    return any(
        _cue_before(previous[1], words, grammar, span[0])
        for previous, span in itertools.pairwise(ordered)
    )


def _cue_before(floor: int, words: Words, grammar: Grammar, first: int) -> bool:
    for i in range(first - 1, floor - 1, -1):
        groups = grammar.groups_of(words.words[i])
        if "negation" in groups:
            return True
        if "negation_filler" not in groups:
            return False
    return False


def _hypothetical(clause: Clause, grammar: Grammar, words: Words, first: int) -> bool:
    for i in range(first - 1, clause.start - 1, -1):
        groups = grammar.groups_of(words.words[i])
        if "consequence" in groups:
            return False
        if "hypothetical" in groups:
            return True
    return False


def _hit(
    pattern: Pattern,
    clause: Clause,
    words: Words,
    grammar: Grammar,
    spans: list[Span],
    first: int,
    last: int,
) -> Hit:
    spec = pattern.spec
    dimensions = tuple(spec.dimensions)
    in_clause = range(clause.start, clause.end)
    if Dimension.ATTEMPT_NOW in dimensions and any(
        "past_time" in grammar.groups_of(words.words[i]) for i in in_clause
    ):
        dimensions = tuple(
            Dimension.PAST_ATTEMPT if d is Dimension.ATTEMPT_NOW else d for d in dimensions
        )
    about_caller = spec.about == "caller" or clause.caller_at[first - clause.start]
    return Hit(
        pattern=spec.id,
        dimensions=dimensions,
        words=tuple(words.surface(start, end) for start, end in sorted(spans)),
        clause=words.surface(clause.start, clause.end),
        sentence=clause.sentence,
        about_caller=about_caller,
        harm=spec.harm,
        now=spec.now,
        span=(first, last),
        phrase=words.surface(first, last),
    )


def _with_requirements(hits: list[tuple[Pattern, Hit]]) -> list[Hit]:
    """Drop hits whose pattern counts only beside another dimension that is not there."""
    present: dict[int, set[Dimension]] = {}
    for pattern, hit in hits:
        if not pattern.spec.requires:
            present.setdefault(hit.sentence, set()).update(hit.dimensions)
    return [
        hit
        for pattern, hit in hits
        if not pattern.spec.requires
        or present.get(hit.sentence, set()) & set(pattern.spec.requires)
    ]


def _timing(clauses: list[Clause], words: Words, hits: list[Hit]) -> list[Hit]:
    """When: only in a sentence that speaks of a risk, so "今晚要考试" alone says nothing."""
    risky = {hit.sentence for hit in hits}
    found: list[Hit] = []
    for clause in clauses:
        if clause.sentence not in risky:
            continue
        for timing, group in TIMING_GROUPS.items():
            for start, end in clause.found.get(group, ()):
                found.append(
                    Hit(
                        pattern=group,
                        dimensions=(Dimension.TIMING,),
                        words=(words.surface(start, end),),
                        clause=words.surface(clause.start, clause.end),
                        sentence=clause.sentence,
                        about_caller=clause.caller_at[start - clause.start],
                        timing=Timing(timing),
                        span=(start, end),
                        phrase=words.surface(start, end),
                    )
                )
    return found
