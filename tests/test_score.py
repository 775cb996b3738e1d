"""Step-deduction scoring of the satisfaction indicators.

The rule is the 2021 annex's (seed report, 附件-1, rows 社区矫正工作人员满意度 and
社区矫正对象满意度): "超过85%得满分，低于85%每降低5%扣1分，扣完为止"; the
published 评分过程 reads "满意度为97.43%,得15分" and "满意度为100%,得5分".
"""

from __future__ import annotations

import pytest

from survey.errors import DefinitionError, ScoringError
from survey.score import StepRule, load_framework, score_rate

RULE = StepRule(threshold=0.85, step=0.05, points=1, mode="ceil")


@pytest.mark.parametrize(
    "rate, mode, score",
    [
        (0.85, "ceil", 15),        # exactly on the line: full marks
        (0.8500001, "ceil", 15),
        (0.8499, "ceil", 14),      # a partial step counts as a whole step (不足5%按5%计)
        (0.8499, "floor", 15),     # only whole steps count
        (0.8499, "linear", 15),    # linear deductions are published to 2 decimals: 0.002 → 0.00
        (0.8372, "linear", 14.74),
        (0.80, "ceil", 14),        # 0.85 − 0.80 is 0.0499999… in binary: still one step
        (0.80, "floor", 14),
        (0.7999, "ceil", 13),
        (0.7999, "floor", 14),
        (0.775, "linear", 13.5),
        (0.10, "ceil", 0),         # 扣完为止: never below zero
        (0.0, "linear", 0),
        (1.0, "ceil", 15),
    ],
)
def test_step_deduction(rate, mode, score):
    assert score_rate(rate, RULE, 15, mode=mode).score == pytest.approx(score)


def test_narratives_follow_the_report():
    s = score_rate(379 / 389, RULE, 15, indicator="社区矫正工作人员满意度")
    assert s.narrative == "满意度为97.43%，得15分"
    assert score_rate(1.0, RULE, 5).narrative == "满意度为100.00%，得5分"
    low = score_rate(0.8210, RULE, 15)
    assert low.score == 14 and low.deduction == 1
    assert low.narrative == "满意度为82.10%，低于85%，每降低5%扣1分（不足5%按5%计），扣1分，得14分"


def test_a_rate_just_below_the_line_never_reads_as_85_percent():
    s = score_rate(0.8499999, RULE, 15)
    assert s.score == 14 and "85.00%" not in s.narrative and "84.99999%" in s.narrative


def test_bad_inputs():
    with pytest.raises(ScoringError, match="not a proportion"):
        score_rate(97.43, RULE, 15, indicator="x")
    with pytest.raises(ScoringError, match="one of ceil, floor, linear"):
        score_rate(0.9, RULE, 15, mode="round")


def test_shipped_framework_has_the_survey_indicators():
    fw = load_framework()
    staff = fw.indicator("社区矫正工作人员满意度")
    assert (staff.weight, staff.rule.threshold, staff.rule.step, staff.rule.mode) == (15, 0.85, 0.05, "ceil")
    assert fw.indicator("社区矫正对象满意度").weight == 5
    with pytest.raises(ScoringError, match="unknown indicator"):
        fw.indicator("不存在")


def test_broken_framework(tmp_path):
    p = tmp_path / "fw.yaml"
    p.write_text("id: x\ntitle: t\nindicators:\n  - {level1: a, level2: b, name: c, target: 85%, criterion: d,"
                 " weight: 5, rule: {threshold: 85, step: 0.05, points: 1}}\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"indicators\[0\]\.rule\.threshold"):
        load_framework(p)
