"""The general per-step deduction rule (``per_step``): any fact or survey rate.

"≥90%满分，每低1个百分点扣0.5分" for 预算执行率, "每高1个百分点扣1分" for a complaint
rate, "每少1次扣1分" for a count: full marks when the value is at ``threshold`` or
better, ``points`` off for each ``step`` it falls short (``better: higher``) or goes
over (``better: lower``), counted as ``mode`` says (ceil: a partial step counts as a
whole one, 不足一步按一步计; floor: only whole steps; linear: the exact fraction, the
deduction published to two decimals), floored at zero (扣完为止).

The rule reads one fact, ``value`` (default: the ``label``), from the year's facts
(指标数据), or takes a survey rate when a questionnaire measure names the indicator.
With ``percent`` (the default) the value, threshold and step are proportions
(0.9 = 90%, a step of 0.01 = one percentage point); otherwise plain numbers with a
``unit`` (次, 人, 天).

``step_deduction`` (:class:`survey.definitions.rules.StepRule`) is the satisfaction
form of the same shape, reading the fact 满意度; its 评分过程 text is kept as the 2021
annex prints it.

>>> from survey.definitions.rules import RateView
>>> rule = PerStepRule(type="per_step", label="预算执行率", threshold=0.9, step=0.01, points=0.5)
>>> rule.score(5, RateView("预算执行", "预算执行率", 0.875)).narrative
'预算执行率为87.50%，低于90%，每低1个百分点扣0.5分（不足1个百分点按1个百分点计），扣1.5分，得3.5分'
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from survey.definitions.base import FrozenModel
from survey.definitions.outcome import MODE_TEXT, FactView, Outcome, count_steps, finish, lead, published, shown_value
from survey.definitions.vocab import STEP_MODES
from survey.formatting import fmt_num, fmt_pct_short, fmt_pp

MAX_CUTS = 10_000  # the score's jump points listed for a rate's uncertainty


class PerStepRule(FrozenModel):
    """Full marks at ``threshold`` or better, ``points`` off per ``step`` short of it, floored at zero."""

    type: Literal["per_step"]
    label: str = Field(min_length=1)            # what the value is called in 评分过程: 预算执行率
    value: str | None = None                    # the 指标数据 item it reads [default: label]
    threshold: float = Field(ge=0)
    step: float = Field(gt=0)
    points: float = Field(gt=0)
    mode: Literal[STEP_MODES] = "ceil"  # type: ignore[valid-type]
    better: Literal["higher", "lower"] = "higher"
    percent: bool = True
    unit: str = ""                              # unit of a value that is not a percentage: 次

    @model_validator(mode="after")
    def _proportions(self):
        if self.percent and not (self.threshold <= 1 and self.step <= 1):
            raise ValueError("with percent: true, threshold and step are proportions (0.9 for 90%, 0.01 for one "
                             "percentage point); set percent: false for a value that is not a rate")
        return self

    @property
    def item(self) -> str:
        """The 指标数据 item the rule reads."""
        return self.value or self.label

    def reads(self) -> tuple[str, ...]:
        return (self.item,)

    def cuts(self) -> list[float]:
        """Values where the score can change: the threshold and each step away from it
        (towards 0 when higher is better; up to 1 for a rate when lower is better)."""
        if self.better == "higher":
            k = math.ceil(round(self.threshold / self.step, 9))
            return [max(0.0, self.threshold - i * self.step) for i in range(min(k, MAX_CUTS) + 1)]
        k = math.ceil(round((1 - self.threshold) / self.step, 9)) if self.percent and self.threshold < 1 else 0
        return [min(1.0, self.threshold + i * self.step) for i in range(min(k, MAX_CUTS) + 1)]

    def shortfall(self, x: float) -> float:
        """How far ``x`` falls short of the threshold (0 at the threshold or better)."""
        return max(0.0, self.threshold - x if self.better == "higher" else x - self.threshold)

    def deduction(self, weight: float, x: float, mode: str | None = None) -> float:
        """Points off for the value ``x`` (at most the weight)."""
        mode = mode or self.mode
        d = min(weight, count_steps(self.shortfall(x), self.step, mode) * self.points)
        return published(d) if mode == "linear" else d

    def _fmt(self, x: float) -> str:
        return fmt_pct_short(x) if self.percent else f"{fmt_num(x)}{self.unit}"

    def _step_text(self) -> str:
        return fmt_pp(self.step) if self.percent else f"{fmt_num(self.step)}{self.unit}"

    def score(self, weight: float, view: FactView, *, mode: str | None = None) -> Outcome:
        mode = mode or self.mode
        x = view.value(self.item)
        if self.percent and not 0 <= x <= 1:
            raise view.error(f"'{self.item}' is a proportion", self.item, got=fmt_num(x), expected="0 … 1",
                             hint=f"type {x / 100:.4g}, not {fmt_num(x)}" if 1 < x <= 100
                             else "type a proportion, or set percent: false in the framework")
        d = self.deduction(weight, x, mode)

        def key(v):
            return self.shortfall(v) == 0, self.deduction(weight, v, mode)

        shown = shown_value(x, key, percent=self.percent) + ("" if self.percent else self.unit)
        higher = self.better == "higher"
        parts = [lead(view), f"{self.label}为{shown}"]
        if self.shortfall(x) == 0:
            parts.append(f"{'不低于' if higher else '不高于'}{self._fmt(self.threshold)}")
        else:
            step = self._step_text()
            parts.append(f"{'低于' if higher else '高于'}{self._fmt(self.threshold)}，每{'低' if higher else '高'}"
                         f"{step}扣{fmt_num(self.points)}分（{MODE_TEXT[mode].format(step=step)}）")
        return finish(weight, d, parts)
