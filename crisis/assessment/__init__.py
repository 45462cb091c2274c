"""Structured risk assessment of what the caller said, as the agent wrote it down.

``Assessor.assess(summary, notes)`` reads the text the way a crisis counsellor's
checklist does (ideation, intent, plan, means, timing, an attempt now or in the
past, self-harm, harm from others: who, how, again?) and suggests a risk level
with the words that triggered each dimension. Pure and deterministic for a given
pattern file; the segmenter loads its dictionary once (``warm`` it at start-up).

Rooms: ``model`` (what an assessment says), ``grammar`` (the pattern file, validated
and compiled), ``text`` (normalising, segmenting), ``clauses`` (words, clauses, who
is spoken of), ``reader`` (clauses → hits),
``level`` (hits → suggested level).
"""

from __future__ import annotations

import asyncio
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from crisis.assessment.grammar import Grammar, PatternExtension, PatternFile, compile_grammar
from crisis.assessment.level import conclude
from crisis.assessment.model import (
    NOTHING,
    Assessment,
    Dimension,
    Harm,
    HarmKind,
    Hit,
    Timing,
)
from crisis.assessment.reader import read
from crisis.assessment.text import Segmenter, normalise


class Assessor:
    """A compiled pattern file and its segmenter; ``assess`` is safe to call from any thread."""

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self.segmenter = Segmenter(grammar.segmenter_words)

    @property
    def version(self) -> str:
        return self.grammar.version

    def warm(self) -> None:
        """Load jieba's dictionary and OpenCC's tables now, not on the first case."""
        normalise("預熱")
        self.segmenter.warm()

    async def ready(self) -> None:
        """Wait, in a thread and not holding the event loop, until ``warm`` has run:
        the serving process loads the dictionary beside start-up, not before it."""
        if not self.segmenter.loaded:
            await asyncio.to_thread(self.warm)

    def assess(self, summary: str, notes: str = "") -> Assessment:
        text = "\n".join(part for part in (summary, notes) if part.strip())
        if not text:
            return Assessment(level=NOTHING.level, dimensions=(), evidence={}, version=self.version)
        return conclude(read(text, self.grammar, self.segmenter), self.version)


def bundled_patterns() -> PatternFile:
    text = resources.files("crisis").joinpath("data/risk_patterns.yaml").read_text("utf-8")
    return PatternFile.model_validate(yaml.safe_load(text))


def load_patterns(extra_file: str | None = None) -> Grammar:
    """The bundled patterns, with the hotline's own file merged over them when named."""
    patterns = bundled_patterns()
    if not extra_file:
        return compile_grammar(patterns)
    extra = PatternExtension.model_validate(yaml.safe_load(Path(extra_file).read_text("utf-8")))
    return compile_grammar(patterns.merged(extra), label="local")


@cache
def default_assessor(extra_file: str | None = None) -> Assessor:
    return Assessor(load_patterns(extra_file))


__all__ = [
    "Assessment",
    "Assessor",
    "Dimension",
    "Harm",
    "HarmKind",
    "Hit",
    "PatternExtension",
    "PatternFile",
    "Timing",
    "default_assessor",
    "load_patterns",
]
