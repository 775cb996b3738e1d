"""The rule types of an annex (评分表) indicator, as validated models with their scoring.

Each rule is a frozen pydantic model whose ``type`` names it in the framework YAML
(DOMAIN.md §1 lists the shapes seen in real indicator tables):

=================  =====================================================================
``step_deduction``  satisfaction: full marks at ``threshold`` or above, ``points`` off per
                    ``step`` below it (mode ceil / floor / linear), floored at zero
``bands``           value (optionally value / per) in bands: first band that holds wins
``per_event``       ``points`` off per event of each kind, floored at zero (扣完为止)
``ratio``           actual / planned: full marks at ``target`` or above, else weight × ratio / target
``higher_better``   full marks at ``target`` or above, else weight × value / target
``lower_better``    full marks at ``target`` or below, linear to 0 at ``zero_at`` (default 2 × target)
``checklist``       sub-items with their points; the evaluator marks each
``share_failing``   weight × (1 − failing / units) (6 × 2/12 = 1 point off)
``qualitative``     达成 [0.8w, w], 部分达成 [0.6w, 0.8w), 未达成 [0, 0.6w): the evaluator's
                    score must lie in the band the evaluator chose
``judgement``       evaluator deductions, each with its reason
=================  =====================================================================

Every rule but ``step_deduction`` takes its numbers from the year's facts (the
workbook sheet 指标数据, see :mod:`survey.facts`): ``rule.score(weight, view)``
where ``view`` is that indicator's facts. A rule returns an :class:`Outcome`: the
score, the deduction and the 评分过程 text in the style of the 2021 annex
("…，扣1分，得1分"). Evaluator notes (the facts' 说明) lead the text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .errors import ScoringError, choice_error
from .vocab import STEP_MODES

MODE_TEXT = {"ceil": "不足{step}按{step}计", "floor": "不足{step}不扣分", "linear": "按比例扣分"}
QUALITATIVE_BANDS = ("达成", "部分达成", "未达成")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# -- formatting ---------------------------------------------------------------

def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _pct_short(x: float) -> str:
    """0.85 → '85%', 0.001 → '0.1%' (criterion style)."""
    return f"{x * 100:.6f}".rstrip("0").rstrip(".") + "%"


def _num(x: float) -> str:
    x = round(float(x), 6)
    return f"{x:g}" if x.is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _amount(x: float) -> str:
    return f"{x:,.2f}" if not float(x).is_integer() else f"{x:,.0f}"


@dataclass(frozen=True)
class Outcome:
    """What a rule gives for one indicator."""

    score: float
    deduction: float
    narrative: str


class FactView(Protocol):
    """The facts of one indicator (implemented by :class:`survey.facts.IndicatorFacts`)."""

    indicator: str

    def value(self, item: str) -> float: ...
    def rows(self) -> list: ...            # facts in sheet order: .item, .value, .note
    def notes(self) -> list[str]: ...
    def error(self, message: str, item: str | None = None, **kw) -> ScoringError: ...


def _finish(weight: float, deduction: float, parts: list[str]) -> Outcome:
    deduction = round(min(weight, max(0.0, deduction)), 6)
    score = round(weight - deduction, 6)
    text = "，".join(p for p in parts if p)
    if deduction > 0:
        text += f"{'，' if text else ''}扣{_num(deduction)}分"
    text += f"{'，' if text else ''}得{_num(score)}分"
    return Outcome(score, deduction, text)


def _lead(view: FactView) -> str:
    return "；".join(view.notes())


# -- step deduction (satisfaction) ---------------------------------------------

class StepRule(_Model):
    type: Literal["step_deduction"] = "step_deduction"
    threshold: float = Field(gt=0, le=1)
    step: float = Field(gt=0, le=1)
    points: float = Field(gt=0)
    mode: Literal[STEP_MODES] = "ceil"

    def cuts(self) -> list[float]:
        """Rates where the score can change: threshold, threshold − step, … down to 0."""
        k = math.ceil(round(self.threshold / self.step, 9))
        return [max(0.0, self.threshold - i * self.step) for i in range(k + 1)]


@dataclass(frozen=True)
class Score:
    """One satisfaction indicator's score and the text of its 评分过程."""

    indicator: str
    weight: float
    rate: float
    steps: float
    deduction: float
    score: float
    mode: str
    narrative: str


def score_rate(rate: float, rule: StepRule, weight: float, *, indicator: str = "", mode: str | None = None) -> Score:
    """Score a satisfaction rate by a step-deduction rule (``mode`` overrides the rule's).

    shortfall = threshold − rate (0 if the rate reaches the threshold)
    steps = ceil / floor / exactly shortfall ÷ step; score = max(0, weight − steps × points).
    The rate is compared unrounded; the narrative shows it to two decimals in %.
    """
    mode = mode or rule.mode
    if mode not in STEP_MODES:
        raise choice_error(ScoringError, "step mode", mode, STEP_MODES)
    if rate is None or not (0 <= rate <= 1):
        raise ScoringError(f"satisfaction rate of '{indicator}' is not a proportion", got=rate, expected="0 … 1")
    shortfall = max(0.0, rule.threshold - rate)
    raw = round(shortfall / rule.step, 9)  # 0.85 − 0.80 is 0.04999…; do not lose a step to it
    steps = {"ceil": math.ceil, "floor": math.floor, "linear": float}[mode](raw)
    deduction = min(weight, steps * rule.points)
    if mode == "linear":
        deduction = round(deduction, 2)  # scores are published to two decimals
    score = round(weight - deduction, 6)
    shown = _pct(rate)
    if raw > 0 and shown == _pct(rule.threshold):  # 84.9999…% must not read as 85.00%
        shown = f"{rate * 100:.6f}".rstrip("0") + "%"
    if raw == 0:
        text = f"满意度为{shown}，得{_num(score)}分"
    else:
        step_txt = _pct(rule.step).replace(".00", "")
        how = MODE_TEXT[mode].format(step=step_txt)
        text = (f"满意度为{shown}，低于{_pct(rule.threshold).replace('.00', '')}，"
                f"每降低{step_txt}扣{_num(rule.points)}分（{how}），扣{_num(deduction)}分，得{_num(score)}分")
    return Score(indicator, weight, rate, float(steps), float(deduction), score, mode, text)


# -- bands ----------------------------------------------------------------------

class Band(_Model):
    """One band: exactly one bound (below / at_most / at_least / above) and its score."""

    below: float | None = None
    at_most: float | None = None
    at_least: float | None = None
    above: float | None = None
    score: float = Field(ge=0)

    @model_validator(mode="after")
    def _one_bound(self):
        if sum(v is not None for v in (self.below, self.at_most, self.at_least, self.above)) != 1:
            raise ValueError("a band needs exactly one of below, at_most, at_least, above")
        return self

    def holds(self, x: float) -> bool:
        if self.below is not None:
            return x < self.below
        if self.at_most is not None:
            return x <= self.at_most
        if self.at_least is not None:
            return x >= self.at_least
        return x > self.above

    def text(self, fmt) -> str:
        for key, word in (("below", "低于"), ("at_most", "不超过"), ("at_least", "不低于"), ("above", "高于")):
            v = getattr(self, key)
            if v is not None:
                return word + fmt(v)
        raise AssertionError  # pragma: no cover

    def complement(self, fmt) -> str:
        for key, word in (("below", "不低于"), ("at_most", "超过"), ("at_least", "低于"), ("above", "不超过")):
            v = getattr(self, key)
            if v is not None:
                return word + fmt(v)
        raise AssertionError  # pragma: no cover


class BandsRule(_Model):
    """Score by the first band that holds (再犯罪率: <0.1% → 10, ≤0.2% → 8, else 0)."""

    type: Literal["bands"]
    label: str = Field(min_length=1)           # what the value is called: 再犯罪率
    value: str = Field(min_length=1)           # fact item: 重新犯罪人数
    per: str | None = None                     # optional denominator fact item: 年平均在册人数
    percent: bool = True
    bands: tuple[Band, ...] = Field(min_length=1)
    otherwise: float = Field(default=0, ge=0)

    def score(self, weight: float, view: FactView) -> Outcome:
        x = view.value(self.value)
        shown = ""
        if self.per is not None:
            d = view.value(self.per)
            if d <= 0:
                raise view.error(f"'{self.per}' must be positive to compute {self.label}", self.per, got=d)
            shown = f"（{self.value}{_num(x)}/{self.per}{_num(d)}）"
            x = x / d
        fmt = _pct_short if self.percent else _num
        value = (_pct(x) if self.percent else _num(x)) if x != 0 else "0"
        for band in self.bands:
            if band.holds(x):
                s, why = band.score, band.text(fmt)
                break
        else:
            s, why = self.otherwise, self.bands[-1].complement(fmt)
        return _finish(weight, weight - s, [_lead(view), f"{self.label}为{value}{shown}", why])


# -- per-event deduction ----------------------------------------------------------

class Event(_Model):
    name: str = Field(min_length=1)   # fact item: 未追回
    points: float = Field(gt=0)
    unit: str = "起"


class PerEventRule(_Model):
    """Points off per event of each kind, floored at zero (每起扣6分，扣完为止)."""

    type: Literal["per_event"]
    label: str = ""                   # leads the counts: 当年新增脱管漏管（在逃）
    events: tuple[Event, ...] = Field(min_length=1)

    def score(self, weight: float, view: FactView) -> Outcome:
        counts, deduction = [], 0.0
        for e in self.events:
            n = view.value(e.name)
            if n < 0 or not float(n).is_integer():
                raise view.error("an event count must be a whole number ≥ 0", e.name, got=n)
            deduction += n * e.points
            counts.append(f"{e.name}{_num(n)}{e.unit}")
        return _finish(weight, deduction, [_lead(view), self.label + "、".join(counts)])


# -- ratio, higher / lower is better --------------------------------------------

class RatioRule(_Model):
    """actual / planned (资金到位率): full marks at ``target`` or above, else weight × ratio / target."""

    type: Literal["ratio"]
    label: str = Field(min_length=1)     # 资金到位率
    actual: str = Field(min_length=1)    # fact item: 实际到位
    planned: str = Field(min_length=1)   # fact item: 计划到位
    unit: str = ""                       # 万元
    target: float = Field(default=1.0, gt=0)

    def score(self, weight: float, view: FactView) -> Outcome:
        a, p = view.value(self.actual), view.value(self.planned)
        if p <= 0:
            raise view.error(f"'{self.planned}' must be positive", self.planned, got=p)
        if a < 0:
            raise view.error(f"'{self.actual}' must not be negative", self.actual, got=a)
        r = a / p
        s = weight if r >= self.target else round(weight * r / self.target, 2)
        text = f"{self.label}={self.actual}{_amount(a)}{self.unit}/{self.planned}{_amount(p)}{self.unit}={_pct(r)}"
        return _finish(weight, weight - s, [_lead(view), text])


class HigherBetterRule(_Model):
    """Full marks at ``target`` or above, else weight × value / target."""

    type: Literal["higher_better"]
    label: str = Field(min_length=1)
    value: str = Field(min_length=1)
    target: float = Field(gt=0)
    percent: bool = True

    def score(self, weight: float, view: FactView) -> Outcome:
        x = view.value(self.value)
        if x < 0:
            raise view.error(f"'{self.value}' must not be negative", self.value, got=x)
        s = weight if x >= self.target else round(weight * x / self.target, 2)
        fmt = _pct if self.percent else _num
        cmp = "达到" if x >= self.target else "低于"
        return _finish(weight, weight - s, [_lead(view), f"{self.label}为{fmt(x)}，{cmp}目标值{fmt(self.target)}"])


class LowerBetterRule(_Model):
    """Full marks at ``target`` or below, linear to 0 at ``zero_at`` (default 2 × target)."""

    type: Literal["lower_better"]
    label: str = Field(min_length=1)
    value: str = Field(min_length=1)
    target: float = Field(ge=0)
    zero_at: float | None = None
    percent: bool = True

    @model_validator(mode="after")
    def _zero_after_target(self):
        if self.zero_at is None and self.target == 0:
            raise ValueError("zero_at is needed when target is 0")
        if self.zero_at is not None and self.zero_at <= self.target:
            raise ValueError(f"zero_at ({self.zero_at}) must be greater than target ({self.target})")
        return self

    def score(self, weight: float, view: FactView) -> Outcome:
        x = view.value(self.value)
        zero = self.zero_at if self.zero_at is not None else 2 * self.target
        if x <= self.target:
            s = weight
        else:
            s = round(max(0.0, weight * (zero - x) / (zero - self.target)), 2)
        fmt = _pct if self.percent else _num
        cmp = "未超过" if x <= self.target else "超过"
        return _finish(weight, weight - s, [_lead(view), f"{self.label}为{fmt(x)}，{cmp}目标值{fmt(self.target)}"])


# -- checklist, share failing, qualitative, judgement -----------------------------

class SubItem(_Model):
    name: str = Field(min_length=1)
    points: float = Field(gt=0)


class ChecklistRule(_Model):
    """Sub-items with points; the evaluator marks each (0 … points) with a note."""

    type: Literal["checklist"]
    items: tuple[SubItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        names = [i.name for i in self.items]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"sub-item names must be unique: {', '.join(dup)}")
        return self

    def score(self, weight: float, view: FactView) -> Outcome:
        known = {i.name for i in self.items}
        for f in view.rows():
            if f.item not in known:
                raise view.error(f"'{f.item}' is not a sub-item of this checklist", f.item,
                                 expected="one of " + ", ".join(i.name for i in self.items))
        parts, deduction = [], 0.0
        notes = {f.item: f.note for f in view.rows()}
        for it in self.items:
            mark = view.value(it.name)
            if not 0 <= mark <= it.points:
                raise view.error(f"mark of '{it.name}' out of range", it.name, got=mark,
                                 expected=f"0 … {_num(it.points)}")
            off = it.points - mark
            deduction += off
            note = notes.get(it.name) or f"{it.name}{_num(mark)}分"
            parts.append(note + (f"扣{_num(off)}分" if off > 0 else ""))
        score = round(weight - deduction, 6)
        return Outcome(score, round(deduction, 6), f"{'；'.join(parts)}，得{_num(score)}分")


class ShareFailingRule(_Model):
    """weight × failing / units off (两个区启动较慢: 6 × 2/12 = 1 point off)."""

    type: Literal["share_failing"]
    units: str = Field(min_length=1)      # fact item: 区总数
    failing: str = Field(min_length=1)    # fact item: 启动较慢区数
    unit_label: str = "个单位"

    def score(self, weight: float, view: FactView) -> Outcome:
        u, f = view.value(self.units), view.value(self.failing)
        if u <= 0 or not float(u).is_integer():
            raise view.error(f"'{self.units}' must be a whole number > 0", self.units, got=u)
        if not (0 <= f <= u) or not float(f).is_integer():
            raise view.error(f"'{self.failing}' must be a whole number from 0 to {_num(u)}", self.failing, got=f)
        d = round(weight * f / u, 2)
        if d == 0:
            return _finish(weight, 0, [_lead(view), f"{_num(u)}{self.unit_label}均达标"])
        how = f"按{_num(u)}{self.unit_label}权重比扣{_num(d)}分（{_num(weight)}×{_num(f)}/{_num(u)}）"
        return Outcome(round(weight - d, 6), d, "，".join(p for p in (_lead(view), how) if p)
                       + f"，得{_num(weight - d)}分")


class QualitativeRule(_Model):
    """The evaluator's 达成 / 部分达成 / 未达成 and a score inside that band."""

    type: Literal["qualitative"]
    achieved: float = Field(default=0.8, gt=0, lt=1)   # 达成 from 0.8 w
    partial: float = Field(default=0.6, gt=0, lt=1)    # 部分达成 from 0.6 w

    @model_validator(mode="after")
    def _order(self):
        if self.partial >= self.achieved:
            raise ValueError("partial must be below achieved")
        return self

    def band(self, weight: float, level: str) -> tuple[float, float, bool]:
        """(low, high, high_included) of a level's score band."""
        return {"达成": (self.achieved * weight, weight, True),
                "部分达成": (self.partial * weight, self.achieved * weight, False),
                "未达成": (0.0, self.partial * weight, False)}[level]

    def score(self, weight: float, view: FactView) -> Outcome:
        rows = view.rows()
        levels = [f for f in rows if f.item in QUALITATIVE_BANDS]
        if len(levels) != 1 or len(rows) != 1:
            raise view.error("a qualitative indicator needs exactly one row whose 项目 is its level", None,
                             got=", ".join(f.item for f in rows) or "no row",
                             expected="one of " + ", ".join(QUALITATIVE_BANDS))
        f = levels[0]
        lo, hi, closed = self.band(weight, f.item)
        s = view.value(f.item)
        inside = lo - 1e-9 <= s <= hi + 1e-9 if closed else lo - 1e-9 <= s < hi - 1e-9
        if not inside:
            raise view.error(f"score {_num(s)} is outside the band of '{f.item}'", f.item, got=s,
                             expected=f"{_num(lo)} ≤ score {'≤' if closed else '<'} {_num(hi)}",
                             hint="change the score or the level")
        return _finish(weight, weight - s, [_lead(view), f"评价为{f.item}"])


class JudgementRule(_Model):
    """Evaluator deductions: one fact row per deduction, 数值 = points off, 说明 = reason."""

    type: Literal["judgement"]

    def score(self, weight: float, view: FactView) -> Outcome:
        rows = view.rows()
        if not rows:
            raise view.error("no judgement: give a row with the deduction (0 for none) and its reason", None)
        deduction = 0.0
        for f in rows:
            d = view.value(f.item)
            if d < 0:
                raise view.error("a deduction must not be negative", f.item, got=d)
            if d > 0 and not f.note:
                raise view.error("a deduction needs its reason in 说明", f.item, column="说明")
            deduction += d
        if deduction > weight + 1e-9:
            raise view.error("deductions exceed the weight", None, got=_num(deduction), expected=f"≤ {_num(weight)}")
        return _finish(weight, deduction, [_lead(view)])


def _rule_tag(v) -> str:
    t = v.get("type", "step_deduction") if isinstance(v, dict) else getattr(v, "type", None)
    return t


Rule = Annotated[
    Annotated[StepRule, Tag("step_deduction")]
    | Annotated[BandsRule, Tag("bands")]
    | Annotated[PerEventRule, Tag("per_event")]
    | Annotated[RatioRule, Tag("ratio")]
    | Annotated[HigherBetterRule, Tag("higher_better")]
    | Annotated[LowerBetterRule, Tag("lower_better")]
    | Annotated[ChecklistRule, Tag("checklist")]
    | Annotated[ShareFailingRule, Tag("share_failing")]
    | Annotated[QualitativeRule, Tag("qualitative")]
    | Annotated[JudgementRule, Tag("judgement")],
    Discriminator(_rule_tag),
]
RULE_TYPES = ("step_deduction", "bands", "per_event", "ratio", "higher_better", "lower_better", "checklist",
              "share_failing", "qualitative", "judgement")


def max_score(rule, weight: float) -> float | None:
    """The most a rule can give, where the rule itself bounds it (bands, checklist)."""
    if isinstance(rule, BandsRule):
        return max([b.score for b in rule.bands] + [rule.otherwise])
    if isinstance(rule, ChecklistRule):
        return sum(i.points for i in rule.items)
    return None
