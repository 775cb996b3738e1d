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
``per_step``        any fact or rate: full marks at ``threshold`` or better, ``points`` off per
                    ``step`` short of it (每低1个百分点扣0.5分; :mod:`survey.definitions.steps`)
=================  =====================================================================

A rule takes its numbers from the year's facts (the workbook sheet 指标数据, see
:mod:`survey.inputs.facts`): ``rule.score(weight, view)`` where ``view`` is that
indicator's facts, and ``rule.reads()`` names the items it reads (None: any label,
for judgements). A rule that scores one value (:func:`rate_item`: step deduction,
higher / lower is better, bands without ``per``) can take a survey rate instead
(:func:`score_value`). A rule returns an :class:`Outcome`: the score, the deduction
and the 评分过程 text in the style of the 2021 annex ("…，扣1分，得1分"). Evaluator
notes (the facts' 说明) lead the text. A value shown next to a score gets the
decimals it needs to read as that score (:func:`shown_value`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from survey.definitions.base import FrozenModel as _Model
from survey.definitions.base import repeated
from survey.definitions.outcome import MODE_TEXT, SCORE_DECIMALS, FactView, Outcome, count_steps, shown_value  # noqa: F401 (public API)
from survey.definitions.outcome import finish as _finish
from survey.definitions.outcome import itemised as _itemised
from survey.definitions.outcome import lead as _lead
from survey.definitions.outcome import published as _published
from survey.definitions.steps import PerStepRule
from survey.definitions.vocab import STEP_MODES, StepMode
from survey.errors import ScoringError, choice_error
from survey.formatting import fmt_amount, fmt_num, fmt_pct, fmt_pct_short, fmt_pp

QUALITATIVE_BANDS = ("达成", "部分达成", "未达成")
RATE_ITEM = "满意度"      # the 指标数据 item of a step rule's rate (when no questionnaire gives it)


# -- a survey rate as the fact a rule reads (Outcome, FactView, shown_value: definitions/outcome.py) --

@dataclass(frozen=True)
class RateView:
    """A survey rate seen as the one fact a rule reads (``item`` = the rate)."""

    indicator: str
    item: str
    rate: float

    def value(self, item: str) -> float:
        if item != self.item:
            raise self.error(f"no value for '{item}'; a survey rate gives only '{self.item}'")
        return self.rate

    def rows(self) -> list:
        return []

    def notes(self) -> list[str]:
        return []

    def error(self, message: str, item: str | None = None, **kw) -> ScoringError:
        return ScoringError(f"{self.indicator}: {message}", **kw)


# -- step deduction (satisfaction) ---------------------------------------------

class StepRule(_Model):
    """Full marks at or above ``threshold``, ``points`` off per ``step`` below it (``mode``: ceil / floor / linear).

    The annex's "超过85%得满分，低于85%每降低5%扣1分" is threshold 0.85, step 0.05, points 1.
    """

    type: Literal["step_deduction"] = "step_deduction"
    threshold: float = Field(gt=0, le=1)
    step: float = Field(gt=0, le=1)
    points: float = Field(gt=0)
    mode: StepMode = "ceil"

    def cuts(self) -> list[float]:
        """Rates where the score can change: threshold, threshold − step, … down to 0."""
        k = math.ceil(round(self.threshold / self.step, 9))
        return [max(0.0, self.threshold - i * self.step) for i in range(k + 1)]

    def reads(self) -> tuple[str, ...]:
        return (RATE_ITEM,)

    def score(self, weight: float, view: FactView, *, mode: str | None = None) -> Outcome:
        s = score_rate(view.value(RATE_ITEM), self, weight, indicator=view.indicator, mode=mode)
        return Outcome(s.score, s.deduction, s.narrative)


@dataclass(frozen=True)
class Score:
    """One survey-fed indicator's score and the text of its 评分过程.

    ``steps`` and ``mode`` are a step rule's (None for other rules).
    """

    indicator: str
    weight: float
    rate: float
    steps: float | None
    deduction: float
    score: float
    mode: str | None
    narrative: str


def _step_score(rate: float, rule: StepRule, weight: float, mode: str) -> tuple[float, float, float, float]:
    """(shortfall in steps, steps counted, deduction, score) of a rate."""
    shortfall = max(0.0, rule.threshold - rate)
    raw = round(shortfall / rule.step, 9)  # 0.85 − 0.80 is 0.04999…; do not lose a step to it
    steps = count_steps(shortfall, rule.step, mode)
    deduction = min(weight, steps * rule.points)
    if mode == "linear":
        deduction = _published(deduction)
    return raw, float(steps), float(deduction), round(weight - deduction, 6)


def score_rate(rate: float, rule: StepRule, weight: float, *, indicator: str = "", mode: str | None = None) -> Score:
    """Score a satisfaction rate by a step-deduction rule (``mode`` overrides the rule's).

    shortfall = threshold − rate (0 if the rate reaches the threshold)
    steps = ceil / floor / exactly shortfall ÷ step; score = max(0, weight − steps × points).
    The rate is compared unrounded; the narrative shows it to two decimals in %, more
    when two would read as another step (:func:`shown_value`).
    """
    mode = mode or rule.mode
    if mode not in STEP_MODES:
        raise choice_error(ScoringError, "step mode", mode, STEP_MODES)
    _check_rate(rate, indicator)
    raw, steps, deduction, score = _step_score(rate, rule, weight, mode)

    def key(v):
        r, _, _, s = _step_score(v, rule, weight, mode)
        return r == 0, s

    shown = shown_value(rate, key)
    if raw == 0:
        text = f"满意度为{shown}，得{fmt_num(score)}分"
    else:
        step_txt = fmt_pp(rule.step)   # a difference of rates: 个百分点, whatever the criterion's wording
        how = MODE_TEXT[mode].format(step=step_txt)
        text = (f"满意度为{shown}，低于{fmt_pct(rule.threshold).replace('.00', '')}，"
                f"每降低{step_txt}扣{fmt_num(rule.points)}分（{how}），扣{fmt_num(deduction)}分，得{fmt_num(score)}分")
    return Score(indicator, weight, rate, steps, deduction, score, mode, text)


def _check_rate(rate, indicator: str) -> None:
    if rate is None or not (0 <= rate <= 1):
        raise ScoringError(f"satisfaction rate of '{indicator}' is not a proportion", got=rate, expected="0 … 1",
                           hint="a rate is a proportion: 0.9743, not 97.43")


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
        return self.above is not None and x > self.above

    def _say(self, words: dict[str, str], fmt) -> str:
        key = next(k for k in words if getattr(self, k) is not None)  # exactly one bound is set
        return words[key] + fmt(getattr(self, key))

    def text(self, fmt) -> str:
        return self._say({"below": "低于", "at_most": "不超过", "at_least": "不低于", "above": "高于"}, fmt)

    def complement(self, fmt) -> str:
        return self._say({"below": "不低于", "at_most": "超过", "at_least": "低于", "above": "不超过"}, fmt)


class BandsRule(_Model):
    """Score by the first band that holds (再犯罪率: <0.1% → 10, ≤0.2% → 8, else 0)."""

    type: Literal["bands"]
    label: str = Field(min_length=1)           # what the value is called: 再犯罪率
    value: str = Field(min_length=1)           # fact item: 重新犯罪人数
    per: str | None = None                     # optional denominator fact item: 年平均在册人数
    percent: bool = True
    bands: tuple[Band, ...] = Field(min_length=1)
    otherwise: float = Field(default=0, ge=0)

    def reads(self) -> tuple[str, ...]:
        return (self.value,) if self.per is None else (self.value, self.per)

    def cuts(self) -> list[float]:
        return sorted({v for b in self.bands for v in (b.below, b.at_most, b.at_least, b.above) if v is not None})

    def band_of(self, x: float) -> int:
        """Index of the first band that holds (len(bands): none holds, ``otherwise``)."""
        return next((k for k, b in enumerate(self.bands) if b.holds(x)), len(self.bands))

    def score(self, weight: float, view: FactView) -> Outcome:
        x = view.value(self.value)
        shown = ""
        if self.per is not None:
            if x < 0:
                raise view.error(f"'{self.value}' is a count and must not be negative", self.value, got=fmt_num(x))
            d = view.value(self.per)
            if d <= 0:
                raise view.error(f"'{self.per}' must be positive to compute {self.label}", self.per, got=d)
            shown = f"（{self.value}{fmt_num(x)}/{self.per}{fmt_num(d)}）"
            x = x / d
        fmt = fmt_pct_short if self.percent else fmt_num
        value = "0" if x == 0 else shown_value(x, self.band_of, percent=self.percent)
        k = self.band_of(x)
        if k < len(self.bands):
            s, why = self.bands[k].score, self.bands[k].text(fmt)
        else:
            s, why = self.otherwise, self.bands[-1].complement(fmt)
        return _finish(weight, weight - s, [_lead(view), f"{self.label}为{value}{shown}", why])


# -- per-event deduction ----------------------------------------------------------

class Event(_Model):
    """One kind of event of a per-event rule: its fact item, the points off per event, the unit (起)."""

    name: str = Field(min_length=1)   # fact item: 未追回
    points: float = Field(gt=0)
    unit: str = "起"


class PerEventRule(_Model):
    """Points off per event of each kind, floored at zero (每起扣6分，扣完为止)."""

    type: Literal["per_event"]
    label: str = ""                   # leads the counts: 当年新增脱管漏管（在逃）
    events: tuple[Event, ...] = Field(min_length=1)

    def reads(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.events)

    def score(self, weight: float, view: FactView) -> Outcome:
        counts, deduction = [], 0.0
        for e in self.events:
            n = view.value(e.name)
            if n < 0 or not float(n).is_integer():
                raise view.error("an event count must be a whole number ≥ 0", e.name, got=n)
            deduction += n * e.points
            counts.append(f"{e.name}{fmt_num(n)}{e.unit}")
        units = {e.unit for e in self.events}
        if deduction == 0 and len(units) == 1:  # "未追回0起、已追回0起" reads mechanically: say none
            names = "、".join(e.name for e in self.events)
            return _finish(weight, 0, [_lead(view), f"{self.label}{names}{'均' if len(self.events) > 1 else ''}为0{units.pop()}"])
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

    def reads(self) -> tuple[str, ...]:
        return (self.actual, self.planned)

    def of(self, weight: float, r: float) -> float:
        return weight if r >= self.target else _published(weight * r / self.target)

    def score(self, weight: float, view: FactView) -> Outcome:
        a, p = view.value(self.actual), view.value(self.planned)
        if p <= 0:
            raise view.error(f"'{self.planned}' must be positive", self.planned, got=p)
        if a < 0:
            raise view.error(f"'{self.actual}' must not be negative", self.actual, got=a)
        r = a / p
        shown = shown_value(r, lambda v: (v >= self.target, self.of(weight, v)))
        text = f"{self.label}={self.actual}{fmt_amount(a)}{self.unit}/{self.planned}{fmt_amount(p)}{self.unit}={shown}"
        return _finish(weight, weight - self.of(weight, r), [_lead(view), text])


class HigherBetterRule(_Model):
    """Full marks at ``target`` or above, else weight × value / target."""

    type: Literal["higher_better"]
    label: str = Field(min_length=1)
    value: str = Field(min_length=1)
    target: float = Field(gt=0)
    percent: bool = True

    def reads(self) -> tuple[str, ...]:
        return (self.value,)

    def cuts(self) -> list[float]:
        return [self.target]

    def of(self, weight: float, x: float) -> float:
        return weight if x >= self.target else _published(weight * x / self.target)

    def score(self, weight: float, view: FactView) -> Outcome:
        x = view.value(self.value)
        if x < 0:
            raise view.error(f"'{self.value}' must not be negative", self.value, got=x)
        fmt = fmt_pct if self.percent else fmt_num
        shown = shown_value(x, lambda v: (v >= self.target, self.of(weight, v)), percent=self.percent)
        cmp = "达到" if x >= self.target else "低于"
        return _finish(weight, weight - self.of(weight, x),
                       [_lead(view), f"{self.label}为{shown}，{cmp}目标值{fmt(self.target)}"])


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

    @property
    def zero(self) -> float:
        return self.zero_at if self.zero_at is not None else 2 * self.target

    def reads(self) -> tuple[str, ...]:
        return (self.value,)

    def cuts(self) -> list[float]:
        return [self.target, self.zero]

    def of(self, weight: float, x: float) -> float:
        if x <= self.target:
            return weight
        return _published(max(0.0, weight * (self.zero - x) / (self.zero - self.target)))

    def score(self, weight: float, view: FactView) -> Outcome:
        x = view.value(self.value)
        fmt = fmt_pct if self.percent else fmt_num
        shown = shown_value(x, lambda v: (v <= self.target, self.of(weight, v)), percent=self.percent)
        cmp = "未超过" if x <= self.target else "超过"
        return _finish(weight, weight - self.of(weight, x),
                       [_lead(view), f"{self.label}为{shown}，{cmp}目标值{fmt(self.target)}"])


# -- checklist, share failing, qualitative, judgement -----------------------------

class SubItem(_Model):
    """One sub-item of a checklist and the points it is worth."""

    name: str = Field(min_length=1)
    points: float = Field(gt=0)


class ChecklistRule(_Model):
    """Sub-items with points; the evaluator marks each (0 … points) with a note."""

    type: Literal["checklist"]
    items: tuple[SubItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        dup = repeated(i.name for i in self.items)
        if dup:
            raise ValueError(f"sub-item names must be unique: {', '.join(dup)}")
        return self

    def reads(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.items)

    def score(self, weight: float, view: FactView) -> Outcome:
        """Each sub-item's line names it: （1）设有项目目标：有绩效目标，得1分；…；合计扣1分，得3分."""
        lines = []
        notes = {f.item: f.note for f in view.rows()}
        for it in self.items:
            mark = view.value(it.name)
            if not 0 <= mark <= it.points:
                raise view.error(f"mark of '{it.name}' out of range", it.name, got=mark,
                                 expected=f"0 … {fmt_num(it.points)}")
            lines.append((it.name, notes.get(it.name) or "", it.points - mark, mark))
        return _itemised(weight, lines)


class ShareFailingRule(_Model):
    """weight × failing / units off (两个区启动较慢: 6 × 2/12 = 1 point off)."""

    type: Literal["share_failing"]
    units: str = Field(min_length=1)      # fact item: 区总数
    failing: str = Field(min_length=1)    # fact item: 启动较慢区数
    unit_label: str = "个单位"

    def reads(self) -> tuple[str, ...]:
        return (self.units, self.failing)

    def score(self, weight: float, view: FactView) -> Outcome:
        u, f = view.value(self.units), view.value(self.failing)
        if u <= 0 or not float(u).is_integer():
            raise view.error(f"'{self.units}' must be a whole number > 0", self.units, got=u)
        if not (0 <= f <= u) or not float(f).is_integer():
            raise view.error(f"'{self.failing}' must be a whole number from 0 to {fmt_num(u)}", self.failing, got=f)
        d = _published(weight * f / u)
        if d == 0:
            return _finish(weight, 0, [_lead(view), f"{fmt_num(u)}{self.unit_label}均达标"])
        how = f"按{fmt_num(u)}{self.unit_label}权重比扣{fmt_num(d)}分（{fmt_num(weight)}×{fmt_num(f)}/{fmt_num(u)}）"
        return _finish(weight, d, [_lead(view), how], state_deduction=False)


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

    def reads(self) -> tuple[str, ...]:
        return QUALITATIVE_BANDS

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
            raise view.error(f"score {fmt_num(s)} is outside the band of '{f.item}'", f.item, got=s,
                             expected=f"{fmt_num(lo)} ≤ score {'≤' if closed else '<'} {fmt_num(hi)}",
                             hint="change the score or the level")
        lead = _lead(view)
        # the evaluator's note says why; "评价为达成" after it only repeats the full marks
        level = "" if lead and f.item == QUALITATIVE_BANDS[0] else f"评价为{f.item}"
        return _finish(weight, weight - s, [lead, level])


class JudgementRule(_Model):
    """Evaluator deductions: one fact row per deduction, 数值 = points off, 说明 = reason."""

    type: Literal["judgement"]

    def reads(self) -> None:
        return None  # any label: each row is one deduction

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
            raise view.error("deductions exceed the weight", None, got=fmt_num(deduction), expected=f"≤ {fmt_num(weight)}")
        if len(rows) == 1:  # one judgement: its reason (the 项目 is often just 扣分)
            return _finish(weight, deduction, [_lead(view)])
        # a row's 项目 names its point, unless it is only the word the template gives (扣分, 扣分2 …)
        return _itemised(weight, [("" if re.fullmatch(r"扣分\d*", f.item) else f.item, f.note or "",
                                   view.value(f.item), None) for f in rows])


def _rule_tag(v) -> str | None:
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
    | Annotated[JudgementRule, Tag("judgement")]
    | Annotated[PerStepRule, Tag("per_step")],
    Discriminator(_rule_tag),
]
RULE_TYPES = ("step_deduction", "bands", "per_event", "ratio", "higher_better", "lower_better", "checklist",
              "share_failing", "qualitative", "judgement", "per_step")


def max_score(rule, weight: float) -> float | None:
    """The most a rule can give, where the rule itself bounds it (bands, checklist)."""
    if isinstance(rule, BandsRule):
        return max([b.score for b in rule.bands] + [rule.otherwise])
    if isinstance(rule, ChecklistRule):
        return sum(i.points for i in rule.items)
    return None


# -- rules that take a survey rate ------------------------------------------------

RATE_RULE_TYPES = ("step_deduction", "per_step", "higher_better", "lower_better", "bands (without per)")


def rate_item(rule) -> str | None:
    """The one fact a rule scores, when a survey rate can stand for it (else None).

    Step deductions, higher / lower is better and bands without ``per`` take a single
    value; the others need several facts or the evaluator's marks.
    """
    if isinstance(rule, StepRule):
        return RATE_ITEM
    if isinstance(rule, PerStepRule):
        return rule.item
    if isinstance(rule, (HigherBetterRule, LowerBetterRule)) or (isinstance(rule, BandsRule) and rule.per is None):
        return rule.value
    return None


def score_value(rate: float, rule, weight: float, *, indicator: str = "", mode: str | None = None) -> Score:
    """Score a survey rate by any rule that takes one value (:func:`rate_item`).

    A step rule scores it with :func:`score_rate` (``mode`` overrides its rounding);
    the other rules read the rate as their value fact.
    """
    if isinstance(rule, StepRule):
        return score_rate(rate, rule, weight, indicator=indicator, mode=mode)
    item = rate_item(rule)
    if item is None:
        raise ScoringError(f"'{indicator}': a {rule.type} rule cannot score a survey rate",
                           expected="a rule that takes one value: " + ", ".join(RATE_RULE_TYPES))
    _check_rate(rate, indicator)
    out = rule.score(weight, RateView(indicator, item, rate))
    return Score(indicator, weight, rate, None, out.deduction, out.score, None, out.narrative)


def rate_cuts(rule) -> list[float]:
    """Rates in [0, 1] where a rate-taking rule's score can jump or change slope."""
    return [c for c in rule.cuts() if 0 <= c <= 1]
