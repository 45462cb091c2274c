"""The assessment against 240-odd statements a counsellor could hear, dev and held-out.

Two later probes (about 40 statements each, figures of their one blind run in their
headers) are printed beside them but not held to the targets.

Fails under 95 % recall for imminent statements, under 90 % for the others (the
suggested level at least the labelled one, and each dimension found), or over 5 %
false alarms on the negatives (negations, idioms, a friend's trouble, legal questions).
Run with ``-s`` to see the table per dimension.
"""

from __future__ import annotations

import pytest

from crisis.assessment import Assessor, Dimension, default_assessor
from tests.crisis.risk_figures import PROBES, SETS, Figures, load, measure


@pytest.fixture(scope="module")
def assessor() -> Assessor:
    return default_assessor()


@pytest.fixture(scope="module")
def figures(assessor: Assessor) -> dict[str, Figures]:
    measured = {name: measure(assessor, load(path)) for name, path in (SETS | PROBES).items()}
    for name, found in measured.items():
        print("\n" + found.table(name))
        for miss in found.misses:
            print("  miss:", miss)
    return measured


def test_the_labelled_set_is_large_and_covers_every_dimension_and_harm() -> None:
    statements = [s for path in SETS.values() for s in load(path)]
    assert len(statements) >= 200
    labelled = {d for s in statements for d in s.dims}
    assert labelled == {d.value for d in Dimension}
    kinds = {k for s in statements if s.harm for k in s.harm["how"]}
    assert kinds == {"physical", "sexual", "sextortion", "threat", "bullying"}
    negatives = [s for s in statements if s.negative]
    assert len(negatives) >= 60
    for path in SETS.values():  # the held-out part is about 30 %, both have every level
        assert {s.level for s in load(path)} == {s.level for s in statements}


@pytest.mark.parametrize("name", list(SETS))
def test_recall_and_false_alarms_meet_the_targets(figures: dict[str, Figures], name: str) -> None:
    found = figures[name]
    assert found.imminent.rate >= 0.95, found.table(name)
    assert found.rest.rate >= 0.90, found.table(name)
    assert found.false_alarms.rate <= 0.05, found.table(name)
    for dimension, recall in found.recall.items():
        assert recall.rate >= 0.90, f"{dimension}: {recall}\n{found.table(name)}"
