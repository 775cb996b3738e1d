"""The general per-step deduction rule (``per_step``): any fact or survey rate.

Expected scores are derived by hand in the comments: shortfall = threshold − value
(value − threshold when lower is better), steps = ceil / floor / exact shortfall ÷ step,
score = max(0, weight − steps × points).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from survey.definitions.rules import RATE_RULE_TYPES, RULE_TYPES, HigherBetterRule, RateView, rate_item, score_value
from survey.definitions.steps import PerStepRule
from survey.errors import ScoringError
from survey.evaluation.score import Framework, rate_uncertainty, score_framework
from survey.inputs.facts import Facts


def rule(**kw) -> PerStepRule:
    return PerStepRule(**{"type": "per_step", "label": "预算执行率", "threshold": 0.9, "step": 0.01, "points": 0.5, **kw})


def view(value, item="预算执行率"):
    return Facts.from_mapping({"预算执行": {item: value}}).of("预算执行")


@pytest.mark.parametrize("value, mode, score", [
    (0.95, "ceil", 5),      # above the threshold: full marks
    (0.90, "ceil", 5),      # on it
    (0.875, "ceil", 3.5),   # 0.025 short = 2.5 steps → 3 steps × 0.5 = 1.5 off
    (0.875, "floor", 4),    # → 2 steps → 1 off
    (0.875, "linear", 3.75),  # → 2.5 × 0.5 = 1.25 off
    (0.80, "ceil", 0),      # 10 steps × 0.5 = 5 off: floored at zero (扣完为止)
    (0.10, "ceil", 0),
])
def test_deduction_per_percentage_point(value, mode, score):
    out = rule(mode=mode).score(5, view(value))
    assert out.score == pytest.approx(score)
    assert out.deduction == pytest.approx(5 - score)


def test_the_issue_example_8_not_9_6():
    # issue 16: "每低1个百分点扣0.5分" at 86% against 90% on 10 points: 4 steps × 0.5 = 2 off → 8;
    # a proportional rule standing in for it gives 10 × 0.86 / 0.9 = 9.56, printed 9.56.
    assert rule().score(10, view(0.86)).score == 8
    proportional = HigherBetterRule(type="higher_better", label="预算执行率", value="预算执行率", target=0.9)
    assert proportional.score(10, view(0.86)).score == pytest.approx(9.56)


def test_narrative():
    assert rule().score(5, view(0.875)).narrative == (
        "预算执行率为87.50%，低于90%，每低1个百分点扣0.5分（不足1个百分点按1个百分点计），扣1.5分，得3.5分")
    assert rule().score(5, view(0.93)).narrative == "预算执行率为93.00%，不低于90%，得5分"
    # a value just below a step shows the decimals that keep its score (not "89.00%")
    assert "88.9996%" in rule().score(5, view(0.889996)).narrative


def test_any_fact_and_lower_is_better():
    complaints = rule(label="投诉率", threshold=0.02, better="lower", points=1)
    # 3.5% against at most 2%: 1.5 points over → 2 steps → 2 off
    out = complaints.score(5, view(0.035, "投诉率"))
    assert out.score == 3 and "高于2%，每高1个百分点扣1分" in out.narrative
    assert complaints.score(5, view(0.01, "投诉率")).narrative == "投诉率为1.00%，不高于2%，得5分"


def test_a_count_that_is_not_a_rate():
    trainings = rule(label="培训次数", value="培训场次", threshold=12, step=1, points=0.5, percent=False, unit="次")
    out = trainings.score(4, view(9, "培训场次"))   # 3 short → 3 × 0.5 = 1.5 off
    assert out.score == 2.5
    assert out.narrative.startswith("培训次数为9次，低于12次，每低1次扣0.5分")
    assert trainings.reads() == ("培训场次",)


def test_invalid_parameters_and_values():
    with pytest.raises(ValidationError, match="percent: false"):
        rule(threshold=90)
    with pytest.raises(ValidationError):
        rule(step=0)
    with pytest.raises(ScoringError, match=r"is a proportion.*type 0\.875"):
        rule().score(5, view(87.5))


def test_it_is_a_rule_type_that_takes_a_rate():
    assert "per_step" in RULE_TYPES and "per_step" in RATE_RULE_TYPES
    r = rule()
    assert rate_item(r) == "预算执行率"
    assert score_value(0.875, r, 5, indicator="x").score == 3.5
    assert r.score(5, RateView("x", "预算执行率", 0.875)).score == 3.5


def framework(rule_dict, weight=100):
    return Framework.model_validate({"id": "t", "title": "t", "indicators": [
        {"level1": "效益", "level2": "满意度", "name": "服务对象满意度", "target": "≥90%",
         "criterion": "满意度≥90%得满分，每低1个百分点扣0.5分", "weight": weight, "rule": rule_dict}]})


def test_in_a_framework_from_facts_or_from_a_survey_rate():
    fw = framework({"type": "per_step", "label": "满意度", "threshold": 0.9, "step": 0.01, "points": 0.5})
    # from the facts: 85.5% → 4.5 steps → 5 × 0.5 = 2.5 off
    card = score_framework(fw, Facts.from_mapping({"服务对象满意度": {"满意度": 0.855}}))
    assert card.total == 97.5
    # from a survey rate, with its interval: the score at both ends and the probabilities
    card = score_framework(fw, None, {"服务对象满意度": {"estimate": 0.855, "ci_low": 0.82, "ci_high": 0.89,
                                                   "n_eff": 400}})
    assert card.total == 97.5 and card.rows[0].survey
    u = rate_uncertainty(fw.indicators[0], {"estimate": 0.855, "ci_low": 0.82, "ci_high": 0.89, "n_eff": 400})
    assert (u.score_low, u.score_high) == (96.0, 99.5)   # 8 steps → 4 off; 1 step → 0.5 off
    assert sum(p for _, _, p in u.probabilities) == pytest.approx(1, abs=1e-5)
