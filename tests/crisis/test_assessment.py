"""The structured assessment: dimensions, evidence, harm, levels and the pattern file."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from crisis.assessment import (
    Assessor,
    Dimension,
    HarmKind,
    PatternFile,
    Timing,
    default_assessor,
    load_patterns,
)
from crisis.assessment.level import suggest
from crisis.draft import RiskLevel

D = Dimension


def assess(summary: str, notes: str = ""):  # type: ignore[no-untyped-def]
    return default_assessor().assess(summary, notes)


def test_an_overdose_already_swallowed_is_imminent_with_its_evidence() -> None:
    found = assess("来电者说她半小时前把一整瓶安眠药都吞下去了，现在头很晕")
    assert found.level is RiskLevel.IMMINENT
    assert D.ATTEMPT_NOW in found.dimensions
    assert any("安眠药" in words for words in found.evidence[D.ATTEMPT_NOW])
    assert "an attempt in progress or just made" in found.reasons
    assert found.version.startswith("bundled@1-")


def test_plan_means_and_tonight_make_imminent_but_a_plan_alone_is_high() -> None:
    found = assess("他说绳子已经买好了，今晚就上吊")
    assert found.level is RiskLevel.IMMINENT
    assert {D.PLAN, D.MEANS, D.TIMING} <= set(found.dimensions)
    assert found.timing is Timing.TODAY
    assert assess("她说想过上吊").level is RiskLevel.HIGH


@pytest.mark.parametrize(
    "text",
    ["今天加班累死了", "笑死我了", "这道题难死了", "我想死你了", "商场在搞跳楼价", "电脑死机了"],
)
def test_idioms_are_not_risk(text: str) -> None:
    assert assess(text).level is RiskLevel.NONE


def test_negation_is_scoped_to_its_clause() -> None:
    assert assess("来电者否认有自杀的想法").level is RiskLevel.NONE
    assert assess("我没有想过自杀").level is RiskLevel.NONE
    assert assess("我不开心想自杀").level is RiskLevel.MEDIUM  # 不开心 is no negation of 自杀
    assert assess("没人在乎我，我想自杀").level is RiskLevel.MEDIUM
    assert assess("我不想上学，想死").level is RiskLevel.MEDIUM


def test_a_friends_trouble_is_reported_as_someone_elses() -> None:
    found = assess("我朋友说她想自杀，我该怎么劝她")
    assert found.level is RiskLevel.NONE and found.others == (D.IDEATION,)
    # ... unless the friend is in danger now: the caller is reporting an emergency
    emergency = assess("我室友刚刚吞了一整瓶安眠药，叫不醒")
    assert emergency.level is RiskLevel.IMMINENT
    assert "someone else's attempt in progress" in emergency.reasons


def test_the_agents_third_person_speaks_of_the_caller() -> None:
    assert assess("来电女生称她昨晚割了手腕").level is RiskLevel.IMMINENT
    assert assess("她说今晚很想死").level is RiskLevel.HIGH


def test_harm_from_others_says_who_how_and_again() -> None:
    harm = assess("继父经常用皮带抽我，说明天还要打").harm
    assert harm is not None
    assert harm.who == ("step_parent",) and HarmKind.PHYSICAL in harm.how and harm.recurs
    sextortion = assess("网友拿我的裸照威胁我，不给钱就发到网上")
    assert sextortion.harm is not None and sextortion.harm.how == (HarmKind.SEXTORTION,)
    assert sextortion.level is RiskLevel.HIGH
    now = assess("他现在就在门外，拿着刀说要杀了我")
    assert now.level is RiskLevel.IMMINENT and now.harm is not None and now.harm.now


def test_traditional_and_english_and_mixed_text() -> None:
    assert assess("我已經吞了一整瓶安眠藥").level is RiskLevel.IMMINENT
    assert assess("I just swallowed all my sleeping pills").level is RiskLevel.IMMINENT
    assert assess("I'm NOT suicidal").level is RiskLevel.NONE
    assert assess("她说 she wants to kill herself 今晚").level is RiskLevel.HIGH


def test_summary_and_notes_are_read_together() -> None:
    found = assess("来电者情绪低落", "说药已经买好了，今晚就全吃掉，不想活了")
    assert found.level is RiskLevel.IMMINENT


def test_the_level_table() -> None:
    assert suggest({D.MEANS}, Timing.NOW, None)[0] is RiskLevel.NONE
    assert suggest({D.IDEATION}, None, None)[0] is RiskLevel.MEDIUM
    assert suggest({D.IDEATION}, Timing.SOON, None)[0] is RiskLevel.HIGH
    assert suggest({D.IDEATION, D.MEANS}, Timing.NOW, None)[0] is RiskLevel.IMMINENT
    assert suggest({D.PLAN, D.MEANS}, Timing.SOON, None)[0] is RiskLevel.HIGH


def test_a_hotline_extends_the_patterns_with_its_own_file(tmp_path: Path) -> None:
    own = tmp_path / "ours.yaml"
    own.write_text(
        yaml.safe_dump(
            {
                "version": "site-3",
                "groups": {"die": ["去见太奶"]},  # local slang for dying
                "patterns": [
                    {"id": "local.slang", "dimensions": ["ideation"], "slots": ["想去见太奶"]}
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValidationError):  # a partial file is not a whole one ...
        PatternFile.model_validate(yaml.safe_load(own.read_text(encoding="utf-8")))
    grammar = load_patterns(str(own))  # ... but merges over the bundled one
    assert grammar.version.startswith("local@1+site-3-")
    local = Assessor(grammar)
    assert local.assess("我真想去见太奶").level is RiskLevel.MEDIUM
    assert local.assess("今天加班累死了").level is RiskLevel.NONE


def test_a_broken_pattern_file_names_the_problem() -> None:
    base = PatternFile.model_validate(
        yaml.safe_load(
            (Path(__file__).parents[2] / "crisis/data/risk_patterns.yaml").read_text("utf-8")
        )
    )
    data = base.model_dump(mode="json")
    data["patterns"].append({"id": "x", "dimensions": ["plan"], "slots": ["@nope"]})
    with pytest.raises(ValidationError, match="unknown group @nope"):
        PatternFile.model_validate(data)
    data["patterns"][-1] = {"id": "y", "dimensions": ["harm_from_others"], "slots": ["打"]}
    with pytest.raises(ValidationError, match="not its kind"):
        PatternFile.model_validate(data)


def test_the_segmenter_loads_once_and_quietly() -> None:
    code = (
        "import logging, time;"
        "from crisis.assessment import default_assessor as d;"
        "a = d(); t = time.perf_counter(); a.warm(); first = time.perf_counter() - t;"
        "t = time.perf_counter(); a.assess('我想死'); again = time.perf_counter() - t;"
        "assert again < first / 10, (first, again)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # jieba's "Building prefix dict" chatter does not reach stderr
    assert logging.getLogger("jieba").level == logging.WARNING
