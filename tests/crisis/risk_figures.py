"""Recall and false alarms of the risk assessment over a labelled set of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crisis.assessment import Assessment, Assessor, Dimension
from crisis.draft import RiskLevel

DATA = Path(__file__).parent / "data"
SETS = {"dev": DATA / "statements_dev.yaml", "held-out": DATA / "statements_heldout.yaml"}
# Written later, each run once blind (figures in their headers), then learned from: shown,
# not held to the targets, since how a pattern list fares on new wording is what they tell.
PROBES = {"probe 1": DATA / "statements_probe.yaml", "probe 2": DATA / "statements_probe2.yaml"}


@dataclass(frozen=True)
class Statement:
    text: str
    level: RiskLevel
    dims: frozenset[str]
    harm: dict[str, Any] | None = None

    @property
    def negative(self) -> bool:
        return self.level is RiskLevel.NONE


def load(path: Path) -> list[Statement]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Statement(row["text"], RiskLevel(row["level"]), frozenset(row["dims"]), row.get("harm"))
        for row in rows
    ]


@dataclass
class Ratio:
    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.total += 1

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.hits}/{self.total})"


@dataclass
class Figures:
    imminent: Ratio = field(default_factory=Ratio)  # imminent suggested for imminent statements
    rest: Ratio = field(default_factory=Ratio)  # at least the labelled level, high and medium
    false_alarms: Ratio = field(default_factory=Ratio)  # any level suggested for a negative
    recall: dict[str, Ratio] = field(default_factory=dict)  # per dimension
    alarms: dict[str, Ratio] = field(default_factory=dict)  # per dimension, on negatives
    harm_how: Ratio = field(default_factory=Ratio)
    harm_who: Ratio = field(default_factory=Ratio)
    misses: list[str] = field(default_factory=list)

    def table(self, name: str) -> str:
        lines = [
            f"{name}: imminent recall {self.imminent}, high/medium recall {self.rest}, "
            f"false alarms {self.false_alarms}",
            f"  harm: how {self.harm_how}, who {self.harm_who}",
        ]
        for dimension in Dimension:
            recall = self.recall.get(dimension.value, Ratio())
            alarm = self.alarms.get(dimension.value, Ratio())
            lines.append(f"  {dimension.value:<17} recall {recall}   false alarms {alarm}")
        return "\n".join(lines)


def measure(assessor: Assessor, statements: list[Statement]) -> Figures:
    figures = Figures()
    for statement in statements:
        found = assessor.assess(statement.text)
        _count(figures, statement, found)
    return figures


def _count(figures: Figures, statement: Statement, found: Assessment) -> None:
    dims = {d.value for d in found.dimensions}
    if statement.negative:
        figures.false_alarms.add(found.level is not RiskLevel.NONE)
        for dimension in Dimension:
            figures.alarms.setdefault(dimension.value, Ratio()).add(dimension.value in dims)
        if found.level is not RiskLevel.NONE:
            figures.misses.append(f"false alarm {found.level.value}: {statement.text}")
        return
    if statement.level is RiskLevel.IMMINENT:
        figures.imminent.add(found.level is RiskLevel.IMMINENT)
    else:
        figures.rest.add(found.level.rank >= statement.level.rank)
    if found.level.rank < statement.level.rank:
        figures.misses.append(f"{found.level.value} for {statement.level.value}: {statement.text}")
    for dimension in statement.dims:
        figures.recall.setdefault(dimension, Ratio()).add(dimension in dims)
    if statement.harm:
        harm = found.harm
        how = {k.value for k in harm.how} if harm else set()
        who = set(harm.who) if harm else set()
        figures.harm_how.add(set(statement.harm["how"]) <= how)
        figures.harm_who.add(set(statement.harm["who"]) <= who)
