"""Text before reading: one form for every way of writing it, and cutting it into words.

``normalise`` folds full-width forms (NFKC), case, Traditional characters (OpenCC
``t2s``) and English contractions, so "I'M NOT", "我現在站在樓頂" and their plain
forms read the same. ``Segmenter`` cuts text into words with jieba, which loads
its dictionary once (about a second): call ``warm`` at start-up, off the request
path, so no caller waits for it.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

log = logging.getLogger(__name__)
WORD_FREQUENCY = 50_000

_CONTRACTIONS = (
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), ""),  # "mom's boyfriend": the possessive adds nothing here
)


@cache
def _to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, Traditional → Simplified, contractions spelled out.

    Length may change (contractions), so positions refer to the normalised text.
    """
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()
    if not folded.isascii():
        folded = _to_simplified().convert(folded)
    if "'" in folded:
        for pattern, replacement in _CONTRACTIONS:
            folded = pattern.sub(replacement, folded)
        folded = folded.replace("'", " ")
    return folded


class Segmenter:
    """jieba's tokenizer with the pattern vocabulary added; built once, on first use or ``warm``."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._words = tuple(words)
        self._lock = threading.Lock()
        self._tokenizer: Any = None

    def warm(self) -> None:
        """Load the dictionary now (about a second), e.g. from a thread at start-up."""
        self._ready()

    @property
    def loaded(self) -> bool:
        return self._tokenizer is not None

    def cut(self, text: str) -> list[str]:
        # HMM off: only dictionary words, so a sentence always cuts the same way
        words: list[str] = self._ready().lcut(text, HMM=False)
        return words

    def _ready(self) -> Any:
        if self._tokenizer is not None:
            return self._tokenizer
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = _build(self._words)
        return self._tokenizer


def _build(words: tuple[str, ...]) -> Any:
    import jieba

    _quiet(jieba)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in words:
        # As frequent as a common word, so "在天台上" cuts 在/天台/上 and not 在/天/台上
        tokenizer.add_word(word, freq=WORD_FREQUENCY)
    log.info("segmenter ready: jieba dictionary and %d pattern words", len(words))
    return tokenizer


def _quiet(jieba: Any) -> None:
    """jieba prints its loading chatter to stderr; send it to our logs, warnings only."""
    logger = jieba.default_logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = True
