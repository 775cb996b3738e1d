"""Step-deduction scoring of the satisfaction indicators.

The rule is the 2021 annex's (seed report, 附件-1, rows 社区矫正工作人员满意度 and
社区矫正对象满意度): "超过85%得满分，低于85%每降低5%扣1分，扣完为止"; the
published 评分过程 reads "满意度为97.43%,得15分" and "满意度为100%,得5分".
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.definitions.rules import (
    BandsRule,
    ChecklistRule,
    HigherBetterRule,
    JudgementRule,
    LowerBetterRule,
    PerEventRule,
    QualitativeRule,
    RatioRule,
    ShareFailingRule,
)
from survey.errors import DefinitionError, ScoringError
from survey.evaluation.score import StepRule, grade, load_framework, rate_uncertainty, score_framework, score_rate
from survey.inputs.facts import Allocation, Facts

from .conftest import FRAMEWORK_2021

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
    # a step between two rates is a difference in 个百分点, even when the criterion writes "每降低5%"
    # (the 2021 annex's criterion; its 评分过程 rows only ever say "满意度为97.43%,得15分")
    assert low.narrative == "满意度为82.10%，低于85%，每降低5个百分点扣1分（不足5个百分点按5个百分点计），扣1分，得14分"
    assert "5%扣" not in low.narrative


def test_a_rate_just_below_the_line_never_reads_as_85_percent():
    s = score_rate(0.8499999, RULE, 15)
    assert s.score == 14 and "85.00%" not in s.narrative and "84.99999%" in s.narrative


def test_bad_inputs():
    with pytest.raises(ScoringError, match="not a proportion"):
        score_rate(97.43, RULE, 15, indicator="x")
    with pytest.raises(ScoringError, match="one of ceil, floor, linear"):
        score_rate(0.9, RULE, 15, mode="round")


def test_shipped_framework_has_the_survey_indicators():
    fw = load_framework(FRAMEWORK_2021)
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


# -- the full annex: every rule type, with hand-derived values ------------------------------


REOFFENDING = BandsRule(type="bands", label="再犯罪率", value="重新犯罪人数", per="年平均在册人数",
                        bands=({"below": 0.001, "score": 10}, {"at_most": 0.002, "score": 8}), otherwise=0)


def view(**items):
    """The facts of one indicator 'x': item → value or (value, note)."""
    return Facts.from_mapping({"x": items}).of("x")


@pytest.mark.parametrize("count, per, score", [
    (0, 3806, 10),     # 0%            < 0.1%          → 10
    (3, 3806, 10),     # 0.0788%       < 0.1%          → 10
    (1, 1000, 8),      # 0.1% exactly: not below 0.1%, ≤ 0.2% → 8
    (2, 1000, 8),      # 0.2% exactly: "不超过0.2%" holds → 8
    (3, 1000, 0),      # 0.3%          otherwise       → 0
])
def test_bands(count, per, score):
    out = REOFFENDING.score(10, view(重新犯罪人数=count, 年平均在册人数=per))
    assert out.score == score and out.deduction == 10 - score


def test_bands_narrative():
    out = REOFFENDING.score(10, view(重新犯罪人数=(0, "社区矫正对象重新犯罪的情况统计"), 年平均在册人数=3806))
    assert out.narrative == "社区矫正对象重新犯罪的情况统计，再犯罪率为0（重新犯罪人数0/年平均在册人数3806），低于0.1%，得10分"
    high = REOFFENDING.score(10, view(重新犯罪人数=3, 年平均在册人数=1000)).narrative
    assert "再犯罪率为0.30%" in high and "超过0.2%" in high and high.endswith("扣10分，得0分")


ESCAPES = PerEventRule(type="per_event", label="新增脱管漏管", events=({"name": "未追回", "points": 6},
                                                                    {"name": "已追回", "points": 3}))


@pytest.mark.parametrize("lost, found, score", [
    (0, 0, 6),
    (0, 1, 3),     # 6 − 3
    (1, 0, 0),     # 6 − 6
    (1, 1, 0),     # 6 − 9 → floored at 0 (扣完为止)
    (0, 3, 0),
])
def test_per_event(lost, found, score):
    assert ESCAPES.score(6, view(未追回=lost, 已追回=found)).score == score


def test_per_event_narrative_and_bad_counts():
    assert ESCAPES.score(6, view(未追回=0, 已追回=1)).narrative == "新增脱管漏管未追回0起、已追回1起，扣3分，得3分"
    with pytest.raises(ScoringError, match="whole number"):
        ESCAPES.score(6, view(未追回=-1, 已追回=0))
    with pytest.raises(ScoringError, match="no value for '已追回'"):
        ESCAPES.score(6, view(未追回=0))


@pytest.mark.parametrize("actual, planned, score", [
    (317, 317, 2),
    (330, 317, 2),      # over 100% is still full marks
    (300, 317, 1.89),   # 2 × 300/317 = 1.8927 → 1.89
    (0, 317, 0),
])
def test_ratio(actual, planned, score):
    rule = RatioRule(type="ratio", label="资金到位率", actual="实际到位", planned="计划到位", unit="万元")
    out = rule.score(2, view(实际到位=actual, 计划到位=planned))
    assert out.score == pytest.approx(score)
    if actual == planned:
        assert out.narrative == "资金到位率=实际到位317万元/计划到位317万元=100.00%，得2分"


def test_ratio_needs_a_positive_plan():
    rule = RatioRule(type="ratio", label="资金到位率", actual="实际到位", planned="计划到位")
    with pytest.raises(ScoringError, match="must be positive"):
        rule.score(2, view(实际到位=1, 计划到位=0))


def test_higher_and_lower_is_better():
    hb = HigherBetterRule(type="higher_better", label="完成率", value="完成率", target=0.95)
    assert hb.score(4, view(完成率=0.97)).score == 4
    assert hb.score(4, view(完成率=0.90)).score == pytest.approx(3.79)   # 4 × 0.90/0.95 = 3.789
    lb = LowerBetterRule(type="lower_better", label="再犯罪率", value="再犯罪率", target=0.001)
    assert lb.score(10, view(再犯罪率=0.0008)).score == 10
    assert lb.score(10, view(再犯罪率=0.0015)).score == pytest.approx(5)  # 10 × (0.002 − 0.0015)/0.001
    assert lb.score(10, view(再犯罪率=0.003)).score == 0                  # beyond 2 × target
    with pytest.raises(ValueError, match="zero_at"):
        LowerBetterRule(type="lower_better", label="x", value="x", target=0.01, zero_at=0.005)


GOALS = ChecklistRule(type="checklist", items=[{"name": n, "points": 1} for n in
                                               ("设有项目目标", "项目目标明确", "项目目标细化", "项目目标量化")])


def test_checklist():
    marks = dict(设有项目目标=(1, "有绩效目标"), 项目目标明确=(1, "目标明确"), 项目目标细化=(1, "目标细化"))
    out = GOALS.score(4, view(**marks, 项目目标量化=(0, "目标量化不足")))
    assert out.score == 3 and out.deduction == 1   # 4 × 1 − 1
    # each line names its sub-item, as a reviewer writes it (found by a new-user trial: the lines
    # were the evaluator's notes only, with no sub-item to tell which point lost the mark)
    assert out.narrative == ("（1）设有项目目标：有绩效目标，得1分；（2）项目目标明确：目标明确，得1分；"
                             "（3）项目目标细化：目标细化，得1分；（4）项目目标量化：目标量化不足，扣1分；合计扣1分，得3分")
    assert GOALS.score(4, view(**marks, 项目目标量化=1)).narrative.endswith("；（4）项目目标量化：得1分；合计得4分")
    with pytest.raises(ScoringError, match="out of range"):
        GOALS.score(4, view(**marks, 项目目标量化=2))
    # a row that is no sub-item is rejected by score_framework (test_fact_rows_a_rule_does_not_read)


@pytest.mark.parametrize("failing, score", [(0, 6), (1, 5.5), (2, 5), (5, 3.5), (12, 0)])
def test_share_failing(failing, score):
    # 6 × failing/12 off: 2 of 12 districts late → 1 point off (the 2021 annex)
    rule = ShareFailingRule(type="share_failing", units="区总数", failing="启动较慢区数", unit_label="个区")
    out = rule.score(6, view(区总数=12, 启动较慢区数=failing))
    assert out.score == pytest.approx(score)
    if failing == 2:
        assert out.narrative == "按12个区权重比扣1分（6×2/12），得5分"
    with pytest.raises(ScoringError, match="whole number from 0 to 12"):
        rule.score(6, view(区总数=12, 启动较慢区数=13))


@pytest.mark.parametrize("level, score, ok", [
    ("达成", 4, True), ("达成", 3.2, True),           # 达成: [0.8 × 4, 4] = [3.2, 4]
    ("达成", 3, False),
    ("部分达成", 3, True), ("部分达成", 2.4, True),    # 部分达成: [2.4, 3.2)
    ("部分达成", 3.2, False),
    ("未达成", 2, True), ("未达成", 2.5, False),       # 未达成: [0, 2.4)
])
def test_qualitative_band(level, score, ok):
    rule = QualitativeRule(type="qualitative")
    if ok:
        assert rule.score(4, view(**{level: score})).score == score
    else:
        with pytest.raises(ScoringError, match="outside the band"):
            rule.score(4, view(**{level: score}))


def test_qualitative_needs_one_level():
    with pytest.raises(ScoringError, match="exactly one row"):
        QualitativeRule(type="qualitative").score(4, view(很好=4))


def test_judgement():
    rule = JudgementRule(type="judgement")
    out = rule.score(2, view(扣分=(1, "部分区未制定资金管理办法")))
    assert (out.score, out.narrative) == (1, "部分区未制定资金管理办法，扣1分，得1分")
    assert rule.score(2, view(扣分=(0, "制度健全"))).narrative == "制度健全，得2分"
    # several judgements: one line each, naming its 项目, then the total
    two = rule.score(4, view(财务制度=(1, "部分区未制定资金管理办法"), 资金使用=(0.5, "个别区未及时使用"), 会计核算=0))
    assert two.narrative == ("（1）财务制度：部分区未制定资金管理办法，扣1分；（2）资金使用：个别区未及时使用，扣0.5分；"
                             "（3）会计核算：不扣分；合计扣1.5分，得2.5分")
    generic = rule.score(4, view(扣分=(1, "部分区未制定资金管理办法"), 扣分2=(0.5, "个别区未及时使用")))
    assert generic.narrative == "（1）部分区未制定资金管理办法，扣1分；（2）个别区未及时使用，扣0.5分；合计扣1.5分，得2.5分"
    with pytest.raises(ScoringError, match="needs its reason"):
        rule.score(2, view(扣分=1))
    with pytest.raises(ScoringError, match="exceed the weight"):
        rule.score(2, view(扣分=(3, "x")))


@pytest.mark.parametrize("total, g", [(97.0, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.5, "中"),
                                      (60, "中"), (59.99, "差"), (0, "差")])
def test_grade(total, g):
    assert grade(total) == g


# -- framework validation ------------------------------------------------------------------

def test_shipped_framework_is_the_whole_annex():
    fw = load_framework(FRAMEWORK_2021)
    assert len(fw.indicators) == 19 and sum(i.weight for i in fw.indicators) == 100
    types = {i.rule.type for i in fw.indicators}
    assert types >= {"step_deduction", "bands", "per_event", "ratio", "checklist", "share_failing",
                     "qualitative", "judgement"}
    # the 2021 report quotes unweighted rates (379/389 = 97.43%); the model's default is auto
    assert (fw.rates.measure, fw.rates.weighted) == ("overall", False)


def _shipped() -> dict:
    return yaml.safe_load(FRAMEWORK_2021.read_text("utf-8"))


@pytest.mark.parametrize("edit, message, path", [
    (lambda d: d["indicators"][0].update(weight=5), r"add up to", r"indicators\[0\]"),   # checklist 4 × 1 ≠ 5
    (lambda d: d["indicators"][5].update(weight=3), r"weights \(分值\) add up to 101, expected 100", r"indicators"),
    (lambda d: d["indicators"][2].update(name="目标内容"), r"unique; repeated: 目标内容", r"indicators"),
    (lambda d: d["indicators"][15]["rule"].pop("value"), r"Field required", r"indicators\[15\]\.rule\.value"),
    (lambda d: d["indicators"][15]["rule"]["bands"][0].update(score=12), r"more than the weight",
     r"indicators\[15\]"),
    (lambda d: d["indicators"][5]["rule"].update(type="guess"), r"guess", r"indicators\[5\]\.rule"),
    (lambda d: d["indicators"][13]["rule"]["events"][0].pop("points"), r"Field required",
     r"indicators\[13\]\.rule\.events\[0\]\.points"),
    (lambda d: d["indicators"][8]["rule"].update(partial=0.9), r"partial must be below achieved",
     r"indicators\[8\]\.rule"),
    # a rule named without its parameters says which are missing (not "Unable to extract tag")
    (lambda d: d["indicators"][0].update(rule="checklist"), r"Field required", r"indicators\[0\]\.rule\.items"),
    (lambda d: d["indicators"][0].update(rule=42), r"expected a mapping with its type", r"indicators\[0\]\.rule"),
])
def test_framework_errors_name_file_and_path(tmp_path, edit, message, path):
    data = _shipped()
    edit(data)
    p = tmp_path / "fw.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match=message) as exc:
        load_framework(p)
    assert str(exc.value).startswith(f"{p}: ")
    assert re_match(path, exc.value.path)


def re_match(pattern, text):
    import re

    return re.fullmatch(pattern, text) is not None


# -- scoring a framework -----------------------------------------------------------------

def small_framework(tmp_path, indicators) -> object:
    p = tmp_path / "small.yaml"
    p.write_text(yaml.safe_dump({"id": "t", "title": "测试评分表", "indicators": indicators}, allow_unicode=True),
                 encoding="utf-8")
    return load_framework(p)


SAT = {"level1": "绩效", "level2": "满意度", "name": "满意度", "target": "85%", "criterion": "c", "weight": 15,
       "rule": {"type": "step_deduction", "threshold": 0.85, "step": 0.05, "points": 1}}
JUDGE = {"level1": "管理", "level2": "制度", "name": "制度", "target": "健全", "criterion": "c", "weight": 85,
         "rule": {"type": "judgement"}}


def test_score_framework_totals_and_errors(tmp_path):
    fw = small_framework(tmp_path, [JUDGE, SAT])
    facts = Facts.from_mapping({"制度": {"扣分": (5, "制度不全")}})
    card = score_framework(fw, facts, {"满意度": {"estimate": 0.82}})
    # 85 − 5 = 80; 82% is one (partial) step below 85% → 15 − 1 = 14; total 94 → 优
    assert [r.score for r in card.rows] == [80, 14] and card.total == 94 and card.grade == "优"
    assert card.rows[1].survey and not card.rows[0].survey and card.uncertainty == ()
    with pytest.raises(ScoringError, match="no rate for the survey-fed indicator '满意度'"):
        score_framework(fw, facts, {})
    with pytest.raises(ScoringError, match=r"制度: no value|no judgement"):
        score_framework(fw, Facts.from_mapping({}), {"满意度": {"estimate": 0.9}})
    with pytest.raises(ScoringError, match="'不存在' is not in the framework"):
        score_framework(fw, Facts.from_mapping({"制度": {"扣分": (0, "ok")}, "不存在": {"a": 1}}),
                        {"满意度": {"estimate": 0.9}})
    with pytest.raises(ScoringError, match="unknown indicator"):
        score_framework(fw, facts, {"满意度": {"estimate": 0.9}, "其他": {"estimate": 0.9}})


def test_allocation_findings_become_warnings(tmp_path):
    fw = small_framework(tmp_path, [JUDGE, SAT])
    alloc = Allocation((("甲区", 100.01, 2), ("乙区", 217.02, 3)), total=317.00, total_row=4)
    facts = Facts.from_mapping({"制度": {"扣分": (0, "ok")}}, allocation=alloc)
    card = score_framework(fw, facts, {"满意度": {"estimate": 0.9}})
    assert card.warnings == ("资金分配：各区分配金额合计317.03万元，与全市合计317.00万元不符（差+0.03万元）",)


# -- score uncertainty -----------------------------------------------------------------

def test_uncertainty_normal_straddling_the_threshold(tmp_path):
    fw = small_framework(tmp_path, [JUDGE, SAT])
    ind = fw.indicator("满意度")
    # rate 86% ± se 1% (no n_eff → normal): P(rate ≥ 85%) = Φ(1) = 0.841345;
    # P(80% ≤ rate < 85%) = Φ(−1) − Φ(−6) = 0.158655 → 14 points; 95% CI 84.04%–87.96% → 14 / 15
    u = rate_uncertainty(ind, {"estimate": 0.86, "se": 0.01, "ci_low": 0.8404, "ci_high": 0.8796})
    assert u.distribution.startswith("normal")
    assert u.p_full == pytest.approx(0.841345, abs=1e-6)
    assert {a: p for a, _, p in u.probabilities} == pytest.approx({15: 0.841345, 14: 0.158655}, abs=1e-6)
    assert (u.score, u.score_low, u.score_high) == (15, 14, 15)
    assert "跨越评分阈值" in u.warning
    assert u.warning.endswith("得分可能为14–15分（得满分15分的概率84.1%）")  # the full marks named (a new user misread it)
    card = score_framework(fw, Facts.from_mapping({"制度": {"扣分": (0, "ok")}}),
                           {"满意度": {"estimate": 0.86, "se": 0.01, "ci_low": 0.8404, "ci_high": 0.8796}})
    assert (card.total_low, card.total, card.total_high) == (99, 100, 100)
    assert u.warning in card.warnings


def test_uncertainty_beta_at_100_percent(tmp_path):
    fw = small_framework(tmp_path, [JUDGE, SAT])
    # 120 of 120 satisfied: Beta(120.5, 0.5) (Jeffreys) is not a point mass at 100%
    u = rate_uncertainty(fw.indicator("满意度"), {"estimate": 1.0, "n_eff": 120, "ci_low": 0.969, "ci_high": 1.0})
    assert u.distribution == "beta(n_eff=120.0)"
    # P(rate ≥ 85%) under Beta(120.5, 0.5), from R 4.x:
    #   Rscript -e 'print(pbeta(0.85,120.5,0.5,lower.tail=FALSE), digits=15)'  →  0.999999999594663
    assert u.p_full == pytest.approx(0.999999999594663, abs=1e-6)
    assert sum(p for _, _, p in u.probabilities) == pytest.approx(1, abs=1e-5)
    assert u.warning is None and u.score_low == u.score_high == 15


def test_uncertainty_linear_mode_gives_score_ranges(tmp_path):
    fw = small_framework(tmp_path, [JUDGE, SAT])
    u = rate_uncertainty(fw.indicator("满意度"), {"estimate": 0.84, "se": 0.02}, step_mode="linear")
    # linear: 84% is 0.2 steps short → 15 − 0.2 = 14.8; the cell [80%, 85%) spans scores 14–15
    assert u.score == pytest.approx(14.8)
    assert any(a == 14 and b == pytest.approx(15) for a, b, _ in u.probabilities)


# -- which estimate feeds a satisfaction indicator (framework setting `rates`) ----------------

def estimates_table(weighted: bool):
    import pandas as pd

    row = {"measure": "overall", "domain": "overall", "estimate": 0.90, "ci_low": 0.85, "ci_high": 0.94,
           "se": 0.02, "n_eff": 200.0}
    if weighted:
        row |= {"estimate_w": 0.88, "ci_low_w": 0.82, "ci_high_w": 0.93, "se_w": 0.025}
    other = dict(row, measure="item_mean", estimate=0.80)
    district = dict(row, domain="district", estimate=0.70)
    return pd.DataFrame([row, other, district])


def test_pick_rate_follows_the_setting():
    from survey.evaluation.score import RateSource, pick_rate

    auto = pick_rate(estimates_table(True), RateSource())
    # auto takes the weighted columns when present; n_eff has no weighted twin and falls back
    assert (auto["estimate"], auto["ci_low"], auto["se"], auto["n_eff"], auto["column"]) == \
        (0.88, 0.82, 0.025, 200.0, "estimate_w")
    assert pick_rate(estimates_table(True), RateSource(weighted=False))["estimate"] == 0.90
    assert pick_rate(estimates_table(False), RateSource())["estimate"] == 0.90
    assert pick_rate(estimates_table(False), RateSource(measure="item_mean"))["estimate"] == 0.80
    # the pipeline keeps the design-based estimates in a table of their own
    wtd = estimates_table(False).assign(estimate=0.87)
    assert pick_rate(estimates_table(False), RateSource(), weighted_estimates=wtd)["estimate"] == 0.87
    assert pick_rate(estimates_table(False), RateSource(weighted=False), weighted_estimates=wtd)["estimate"] == 0.90
    with pytest.raises(ScoringError, match="asks for the weighted estimate"):
        pick_rate(estimates_table(False), RateSource(weighted=True), indicator="x")
    with pytest.raises(ScoringError, match=r"unknown measure.*'banana'.*one of item_mean, overall"):
        pick_rate(estimates_table(False), RateSource(measure="banana"), indicator="x")


def test_survey_rates_from_the_2021_workbook(analysis_2021):
    from survey.evaluation.score import RateSource, survey_rates


    result = analysis_2021
    rates = survey_rates(result.framework, result.surveys)
    assert set(rates) == {"社区矫正工作人员满意度", "社区矫正对象满意度"}
    assert rates["社区矫正工作人员满意度"]["estimate"] == pytest.approx(379 / 389)   # 97.43%, the report's
    assert rates["社区矫正对象满意度"]["estimate"] == 1.0
    weighted = survey_rates(result.framework.model_copy(update={"rates": RateSource(weighted="auto")}),
                            result.surveys)
    assert weighted["社区矫正工作人员满意度"]["column"] == "weighted estimate"


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0, 1), se=st.floats(0.001, 0.2), n_eff=st.one_of(st.none(), st.floats(2, 5000)),
       mode=st.sampled_from(["ceil", "floor", "linear"]))
def test_uncertainty_invariants(p, se, n_eff, mode):
    from survey.evaluation.score import Indicator

    ind = Indicator(level1="a", level2="b", name="满意度", target="85%", criterion="c", weight=15, rule=RULE)
    lo, hi = max(0.0, p - 2 * se), min(1.0, p + 2 * se)
    u = rate_uncertainty(ind, {"estimate": p, "se": se, "n_eff": n_eff, "ci_low": lo, "ci_high": hi},
                         step_mode=mode)
    assert sum(q for _, _, q in u.probabilities) == pytest.approx(1, abs=1e-4)
    assert 0 <= u.score_low <= u.score <= u.score_high <= 15
    assert 0 <= u.p_full <= 1
    assert all(0 <= a <= b <= 15 for a, b, _ in u.probabilities)
    assert (u.warning is None) == (u.score_low == u.score_high)
    # full marks: exactly the table's cells that score the weight, in every mode
    assert u.p_full == pytest.approx(sum(q for a, b, q in u.probabilities if a == b == 15), abs=1e-5)


# -- review fixes -------------------------------------------------------------------------

def _shipped_with(tmp_path, edit, name="fw.yaml"):
    data = _shipped()
    edit(data)
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_a_rule_named_without_parameters_that_needs_none_loads(tmp_path):
    fw = load_framework(_shipped_with(tmp_path, lambda d: d["indicators"][5].update(rule="judgement")))
    assert fw.indicators[5].rule.type == "judgement"


def test_framework_lists_every_problem_with_its_path(tmp_path):
    def edit(d):
        d["indicators"][15]["rule"].pop("value")
        d["indicators"][13]["rule"]["events"][0].pop("points")

    p = _shipped_with(tmp_path, edit)
    with pytest.raises(DefinitionError) as exc:
        load_framework(p)
    text = str(exc.value)
    assert text.startswith(f"{p}: 2 problems: ")
    assert "indicators[13].rule.events[0].points: Field required" in text
    assert "indicators[15].rule.value: Field required" in text


def test_framework_yaml_syntax_error_is_one_line(tmp_path):
    p = tmp_path / "fw.yaml"
    p.write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"line \d+, column \d+: invalid YAML") as exc:
        load_framework(p)
    assert "\n" not in str(exc.value) and "<unicode string>" not in str(exc.value)


HB_STAFF = {"type": "higher_better", "label": "满意度", "value": "满意度", "target": 0.99}


def test_a_survey_rate_can_feed_a_higher_better_rule(tmp_path):
    """Finding 1: a survey-fed indicator with a non-step rule used to crash (AttributeError: 'mode')."""
    from click.testing import CliRunner

    from survey.cli import main
    from survey.pipeline import analyze

    from .conftest import QDIR, RAW_2021

    p = _shipped_with(tmp_path, lambda d: d["indicators"][17].update(rule=HB_STAFF))
    result = analyze(RAW_2021, QDIR, framework=p)
    # 379/389 = 97.43% below the target 99%: 15 × 0.974293 / 0.99 = 14.7620 → 14.76; total 97 − 0.24
    [staff] = [r for r in result.scorecard.rows if r.name == "社区矫正工作人员满意度"]
    assert staff.score == 14.76 and staff.survey
    assert staff.narrative == "满意度为97.43%，低于目标值99.00%，扣0.24分，得14.76分"
    assert result.scorecard.total == pytest.approx(96.76)
    assert result.indicators[0].score.score == 14.76 and result.indicators[0].score.mode is None
    res = CliRunner().invoke(main, ["score", str(RAW_2021), "-q", str(QDIR), "--framework", str(p),
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "社区矫正工作人员满意度: 14.76/15" in res.output


def test_higher_better_uncertainty(tmp_path):
    hb = dict(SAT, rule=HB_STAFF)
    fw = small_framework(tmp_path, [JUDGE, hb])
    u = rate_uncertainty(fw.indicator("满意度"), {"estimate": 0.97, "se": 0.01, "ci_low": 0.95, "ci_high": 0.99})
    # full marks at ≥ 99%: P = 1 − Φ((0.99 − 0.97)/0.01) = 1 − Φ(2) = 0.022750 (standard normal table)
    assert u.p_full == pytest.approx(0.022750, abs=1e-6)
    assert (u.score_low, u.score, u.score_high) == (14.39, 14.7, 15)   # 15 × 0.95/0.99, 15 × 0.97/0.99
    assert u.probabilities[0] == (15, 15, pytest.approx(0.022750, abs=1e-6))


def _questionnaires_pointing_at(tmp_path, indicator):
    import shutil

    from .conftest import QDIR

    qdir = tmp_path / "q"
    shutil.copytree(QDIR, qdir)
    off = qdir / "offender.yaml"
    off.write_text(off.read_text(encoding="utf-8").replace("indicator: 社区矫正对象满意度", f"indicator: {indicator}"),
                   encoding="utf-8")
    return qdir


def test_a_measure_feeding_a_rule_without_a_value_names_the_questionnaire(tmp_path):
    from survey.pipeline import analyze

    from .conftest import RAW_2021

    with pytest.raises(ScoringError, match="checklist rule, which cannot score a survey rate") as exc:
        analyze(RAW_2021, _questionnaires_pointing_at(tmp_path, "目标内容"))
    assert re_match(r"measures\[\d+\]\.indicator", exc.value.path)
    assert str(exc.value).startswith(str(tmp_path / "q" / "offender.yaml") + ": measures[")


def test_an_unknown_indicator_is_blamed_on_the_questionnaire(tmp_path):
    from survey.pipeline import analyze

    from .conftest import RAW_2021

    with pytest.raises(DefinitionError, match=r"unknown indicator.*'不存在的指标'") as exc:
        analyze(RAW_2021, _questionnaires_pointing_at(tmp_path, "不存在的指标"))
    assert exc.value.file == str(tmp_path / "q" / "offender.yaml")
    assert re_match(r"measures\[\d+\]\.indicator", exc.value.path)


def test_p_full_in_floor_mode(tmp_path):
    """Finding 2: floor mode gives full marks down to threshold − step (exclusive)."""
    fw = small_framework(tmp_path, [JUDGE, SAT])
    u = rate_uncertainty(fw.indicator("满意度"), {"estimate": 0.83, "se": 0.02}, step_mode="floor")
    # floor: 15 points for rate > 80%: P = 1 − Φ((0.80 − 0.83)/0.02) = Φ(1.5) = 0.933193 (standard normal table)
    assert u.p_full == pytest.approx(0.933193, abs=1e-6)
    ceil = rate_uncertainty(fw.indicator("满意度"), {"estimate": 0.83, "se": 0.02}, step_mode="ceil")
    # ceil: 15 points for rate ≥ 85%: 1 − Φ(1) = 0.158655
    assert ceil.p_full == pytest.approx(0.158655, abs=1e-6)


def test_exact_rate_on_the_threshold_without_se(tmp_path):
    """Finding 14: no se / n_eff: the rate is exact, and 85% exactly is full marks."""
    fw = small_framework(tmp_path, [JUDGE, SAT])
    u = rate_uncertainty(fw.indicator("满意度"), {"estimate": 0.85, "ci_low": 0.85, "ci_high": 0.85})
    assert u.distribution == "none" and u.score == 15
    assert u.probabilities == ((15, 15, 1.0),) and u.p_full == 1.0


def test_narrative_rate_is_shown_in_its_step():
    s = score_rate(0.799996, RULE, 15)
    assert s.score == 13
    assert s.narrative.startswith("满意度为79.9996%，低于85%") and "80.00%" not in s.narrative


def test_bands_value_is_shown_in_its_band():
    out = REOFFENDING.score(10, view(重新犯罪人数=2, 年平均在册人数=2003))
    # 2/2003 = 0.0998502%: below 0.1% → 10; "0.10%" would read as not below 0.1%
    assert out.narrative == "再犯罪率为0.0999%（重新犯罪人数2/年平均在册人数2003），低于0.1%，得10分"


@settings(max_examples=200, deadline=None)
@given(rate=st.floats(0, 1), mode=st.sampled_from(["ceil", "floor", "linear"]))
def test_the_shown_rate_scores_the_same(rate, mode):
    import re

    s = score_rate(rate, RULE, 15, mode=mode)
    shown = float(re.match(r"满意度为([\d.]+)%", s.narrative).group(1)) / 100
    assert score_rate(shown, RULE, 15, mode=mode).score == s.score


@settings(max_examples=200, deadline=None)
@given(count=st.integers(0, 50), per=st.integers(1, 100_000))
def test_the_shown_band_value_scores_the_same(count, per):
    import re

    out = REOFFENDING.score(10, view(重新犯罪人数=count, 年平均在册人数=per))
    shown = float(re.match(r"再犯罪率为([\d.]+)%?", out.narrative).group(1)) / 100
    assert REOFFENDING.score(10, view(重新犯罪人数=shown * 1000, 年平均在册人数=1000)).score == out.score


def test_bands_reject_a_negative_count():
    with pytest.raises(ScoringError, match="'重新犯罪人数' is a count and must not be negative"):
        REOFFENDING.score(10, view(重新犯罪人数=-1, 年平均在册人数=3806))


def test_a_rate_typed_in_percent_in_the_facts_is_located(tmp_path, write_xlsx):
    from survey.inputs.facts import read_facts

    fw = small_framework(tmp_path, [JUDGE, SAT])
    book = write_xlsx({"指标数据": [["指标", "项目", "数值", "说明"], ["制度", "扣分", 0, "ok"],
                                    ["满意度", "满意度", 97.43, None]]})
    with pytest.raises(ScoringError) as exc:
        score_framework(fw, read_facts(book), {})
    text = str(exc.value)
    assert "sheet '指标数据', row 3, column '数值'" in text and "type 0.9743, not 97.43" in text


def test_a_rate_given_twice_warns_which_is_used(tmp_path, write_xlsx):
    from survey.inputs.facts import read_facts

    fw = small_framework(tmp_path, [JUDGE, SAT])
    book = write_xlsx({"指标数据": [["指标", "项目", "数值", "说明"], ["制度", "扣分", 0, "ok"],
                                    ["满意度", "满意度", 0.95, None]]})
    card = score_framework(fw, read_facts(book), {"满意度": {"estimate": 0.82}})
    assert card.rows[1].score == 14   # the survey's 82%, not the sheet's 95%
    assert card.warnings == ("满意度：问卷估计值82.00%与指标数据第3行的满意度0.95同时给出，采用问卷估计值",)
    # the sheet alone still feeds it
    assert score_framework(fw, read_facts(book)).rows[1].score == 15


ESC = {"level1": "绩效", "level2": "社会效益", "name": "脱管漏管", "target": "0", "criterion": "c", "weight": 6,
       "rule": {"type": "per_event", "events": [{"name": "未追回", "points": 6}, {"name": "已追回", "points": 3}]}}


def test_fact_rows_a_rule_does_not_read(tmp_path, write_xlsx):
    """Finding 10: 脱管漏管 / 未找到 = 2 used to be ignored (6/6)."""
    from survey.errors import DataError
    from survey.inputs.facts import read_facts

    fw = small_framework(tmp_path, [dict(JUDGE, weight=79), ESC, SAT])
    book = write_xlsx({"指标数据": [["指标", "项目", "数值", "说明"], ["制度", "扣分", 0, "ok"],
                                    ["脱管漏管", "未追回", 0, None], ["脱管漏管", "已追回", 0, None],
                                    ["脱管漏管", "未找到", 2, None]]})
    with pytest.raises(DataError, match="does not read '未找到'") as exc:
        score_framework(fw, read_facts(book), {"满意度": {"estimate": 0.9}})
    assert "sheet '指标数据', row 5, column '项目'" in str(exc.value)
    assert "expected one of 未追回, 已追回" in str(exc.value)
    # a checklist's unknown sub-item, and a survey-fed indicator's other rows, likewise
    goals = {"level1": "决策", "level2": "目标", "name": "目标内容", "target": "明晰", "criterion": "c", "weight": 4,
             "rule": {"type": "checklist", "items": [{"name": "设有项目目标", "points": 4}]}}
    fw = small_framework(tmp_path, [dict(JUDGE, weight=81), goals, SAT])
    with pytest.raises(DataError, match="does not read '目标量化'"):
        score_framework(fw, Facts.from_mapping({"制度": {"扣分": (0, "ok")},
                                                "目标内容": {"设有项目目标": 4, "目标量化": 1}}), {"满意度": {"estimate": 0.9}})
    with pytest.raises(DataError, match="expected one of 满意度"):
        score_framework(fw, Facts.from_mapping({"制度": {"扣分": (0, "ok")}, "目标内容": {"设有项目目标": 4},
                                                "满意度": {"满意率": 0.9}}), {"满意度": {"estimate": 0.9}})


def test_grade_rule_text_follows_grades():
    from survey.evaluation.score import grade_rule_text

    assert grade_rule_text() == "优≥90，良≥80，中≥60，差<60"
