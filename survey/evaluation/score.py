"""Scoring the annex (评分表): the framework, the scorecard and the score's uncertainty.

The framework is data (a YAML file of the evaluation: its ``framework.yaml``, or the one
found beside a workbook, :mod:`survey.inputs.sidecar`): the three levels of every
indicator, 指标值, 评分标准 text, 分值 and a rule (:mod:`survey.definitions.rules`). It loads
into frozen, validated models; an error names the file and the path inside it
(``framework.yaml: indicators[3].rule.items: …``). Validation: names unique,
weights add up to 100, every rule's parameters present, a checklist's sub-items
add up to the weight, no band scores more than the weight.

:func:`score_framework` turns a framework, the year's facts (:mod:`survey.inputs.facts`)
and the survey rates into a :class:`Scorecard`: one row per indicator with its
评分过程, the total and the grade (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差; on the
unrounded total).

An indicator is survey-fed when a questionnaire measure names it (``indicator:``)
or its rule is ``step_deduction``; any rule that scores one value (step deduction,
higher / lower is better, bands without ``per``) can take the rate.

Score uncertainty, for each survey-fed indicator: the score at the interval's
ends, the probability of each score under the sampling distribution of the rate,
and the probability of full marks (the probability of the scores equal to the
weight). The distribution is Beta(p·n_eff + ½, (1 − p)·n_eff + ½) when n_eff is
known (Jeffreys; never a point mass at 0% or 100%), else Normal(p, se) with the
mass outside [0, 1] put on the ends; without either the rate is taken as exact.
The total's interval takes every survey-fed row at the worse and at the better of
its interval's two end scores (every rule is monotone in the rate).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from survey.definitions.base import FrozenModel as _Model
from survey.definitions.base import problems_error, read_yaml, repeated, validation_problems
from survey.definitions.rules import (  # noqa: F401  (StepRule, Score, score_rate: public API kept here)
    MODE_TEXT,
    RATE_RULE_TYPES,
    RULE_TYPES,
    ChecklistRule,
    Rule,
    Score,
    StepRule,
    max_score,
    rate_cuts,
    rate_item,
    score_rate,
    score_value,
    shown_value,
)
from survey.definitions.vocab import OVERALL, OVERALL_LEVEL
from survey.errors import DataError, DefinitionError, ScoringError, choice_error
from survey.formatting import fmt_num, fmt_pct

GRADES = ((90.0, "优"), (80.0, "良"), (60.0, "中"), (0.0, "差"))


class RateSource(_Model):
    """Which estimate feeds a satisfaction indicator.

    ``measure``: the measure id in the questionnaire whose measures name the
    indicator; ``weighted``: ``auto`` takes the weighted columns (``estimate_w``,
    ``ci_low_w`` …) when the estimates have them, ``true`` requires them, ``false``
    takes the unweighted ``estimate``.
    """

    measure: str = "overall"
    weighted: bool | Literal["auto"] = "auto"


class Indicator(_Model):
    """One annex indicator: its three levels, 指标值, 评分标准, 分值 and scoring rule."""

    level1: str
    level2: str
    name: str
    target: str
    criterion: str
    weight: float = Field(gt=0)
    rule: Rule
    rates: RateSource | None = None   # overrides the framework's setting (survey-fed rows only)

    @field_validator("rule", mode="before")
    @classmethod
    def _rule_by_name(cls, v):
        return {"type": v} if isinstance(v, str) else v  # `rule: judgement`; a rule with parameters says which are missing

    @model_validator(mode="after")
    def _rule_fits_weight(self):
        top = max_score(self.rule, self.weight)
        if isinstance(self.rule, ChecklistRule) and top is not None and abs(top - self.weight) > 1e-9:
            raise ValueError(f"the sub-items' points add up to {fmt_num(top)}, the weight is {fmt_num(self.weight)}")
        if top is not None and top > self.weight + 1e-9:
            raise ValueError(f"a band scores {fmt_num(top)}, more than the weight {fmt_num(self.weight)}")
        return self

    @property
    def needs_rate(self) -> bool:
        """A step rule scores a satisfaction rate and nothing else."""
        return isinstance(self.rule, StepRule)

    @property
    def takes_rate(self) -> bool:
        """The rule scores one value, so a questionnaire measure can feed it."""
        return rate_item(self.rule) is not None


class Framework(_Model):
    """An annex framework: its indicators (分值 adding up to 100) and where survey rates come from."""

    id: str
    title: str
    rates: RateSource = RateSource()
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    file: str | None = None

    @model_validator(mode="after")
    def _whole(self):
        dup = repeated(i.name for i in self.indicators)
        if dup:
            raise ValueError(f"indicator names must be unique; repeated: {', '.join(dup)}")
        total = sum(i.weight for i in self.indicators)
        if abs(total - 100) > 1e-6:
            raise ValueError(f"the weights (分值) add up to {fmt_num(total)}, expected 100")
        return self

    def indicator(self, name: str) -> Indicator:
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise choice_error(ScoringError, "indicator", name, [i.name for i in self.indicators], file=self.file)

    def rate_source(self, name: str) -> RateSource:
        return self.indicator(name).rates or self.rates


def load_framework(path: str | Path) -> Framework:
    """Load a scoring framework file (:func:`survey.inputs.sidecar.find_framework` finds a workbook's).

    Every problem is reported at once, each with its path inside the file
    (``fw.yaml: indicators[5].rule.items: Field required``).
    """
    keys = "id, title, rates, indicators"
    name = str(path)
    data = read_yaml(path, what="framework", keys=keys)
    data["file"] = name
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        raise problems_error(name, validation_problems(exc, data, tags={"rule": RULE_TYPES}, top="indicators",
                                                       model=Framework),
                             hint="correct the framework: `survey framework rules` (docs/rules.md) lists every rule "
                                  "and its parameters") from None


# -- rates from the estimates -------------------------------------------------------

RATE_KEYS = ("estimate", "ci_low", "ci_high", "se", "n_eff")


def overall_row(estimates, source: RateSource, indicator: str = "", questionnaire: str = ""):
    """The whole-sample row of ``source.measure`` in an estimates table."""
    rows = estimates[estimates["measure"] == source.measure]
    if "domain" in rows.columns:
        rows = rows[rows["domain"] == OVERALL]
    elif "level" in rows.columns:
        rows = rows[rows["level"] == OVERALL_LEVEL]
    if rows.empty:
        if len(estimates) == 0:
            raise ScoringError(f"no estimates for '{indicator}'", hint="check that the questionnaire has valid responses")
        raise choice_error(ScoringError, f"measure for '{indicator}' in questionnaire '{questionnaire}'",
                           source.measure, sorted(set(estimates["measure"])), path="rates.measure")
    return rows.iloc[0]


def pick_rate(estimates, source: RateSource, *, weighted_estimates=None, indicator: str = "",
              questionnaire: str = "") -> dict:
    """The overall row of ``source.measure`` as a dict of RATE_KEYS.

    Beside the RATE_KEYS: ``column``, ``measure``, ``questionnaire`` and ``row``
    (the table row itself).

    Weighted estimates are either a table of their own (``weighted_estimates``, the
    pipeline's design-based table with the same columns) or columns with the suffix
    ``_w`` (``estimate_w``, ``ci_low_w`` …) in ``estimates``; a missing weighted key
    falls back to the unweighted one. ``source.weighted``: ``auto`` takes the weighted
    estimate when there is one, ``true`` requires it, ``false`` never takes it.
    """
    import pandas as pd

    row = overall_row(estimates, source, indicator, questionnaire)
    suffix, label = "", "estimate"
    if source.weighted is not False and weighted_estimates is not None and len(weighted_estimates):
        row, label = overall_row(weighted_estimates, source, indicator, questionnaire), "weighted estimate"
    elif source.weighted is not False and "estimate_w" in row.index and pd.notna(row["estimate_w"]):
        suffix, label = "_w", "estimate_w"
    elif source.weighted is True:
        raise ScoringError(f"'{indicator}' asks for the weighted estimate but there is none",
                           hint="weight the sample (抽样框) or set rates.weighted: auto in the framework")
    out: dict[str, Any] = {}
    for k in RATE_KEYS:
        v = row.get(k + suffix, row.get(k))
        out[k] = None if v is None or pd.isna(v) else float(v)
    if out["estimate"] is None:
        raise ScoringError(f"no estimate for measure '{source.measure}' of '{questionnaire}'",
                           hint="every respondent left the item unanswered")
    out.update(column=label, measure=source.measure, questionnaire=questionnaire, row=row)
    return out


def _fed_indicator(framework: Framework, q, i: int, name: str) -> None:
    """A questionnaire's ``measures[i].indicator`` must name a framework indicator whose rule takes a rate."""
    where = dict(file=q.file, path=f"measures[{i}].indicator")
    names = [ind.name for ind in framework.indicators]
    if name not in names:
        raise choice_error(DefinitionError, f"indicator (not in the framework {framework.file or framework.id})",
                           name, names, **where,
                           hint="name your framework (--framework FILE, or framework: in evaluation.yaml), or "
                                "write one of its 三级指标 here")
    ind = framework.indicator(name)
    if not ind.takes_rate:
        raise ScoringError(f"indicator '{name}' has a {ind.rule.type} rule, which cannot score a survey rate",
                           got=ind.rule.type, **where,
                           expected="a rule that takes one value: " + ", ".join(RATE_RULE_TYPES),
                           hint="remove `indicator:` from the measure, or give the indicator such a rule")


def check_fed_indicators(framework: Framework, questionnaires: Iterable) -> None:
    """Check, before any data is read, that every indicator a measure names can take its rate.

    The errors are :func:`survey_rates`' own (an indicator the framework lacks, or whose
    rule cannot take a rate), naming the questionnaire file and ``measures[i].indicator``.
    """
    for q in questionnaires:
        for i, m in enumerate(q.measures):
            if m.indicator:
                _fed_indicator(framework, q, i, m.indicator)


def survey_rates(framework: Framework, surveys: Iterable) -> dict[str, dict]:
    """Rates of the survey-fed indicators.

    ``surveys``: the pipeline's survey results (``.questionnaire``, ``.estimates`` and
    optionally ``.weighted``) or ``(questionnaire, estimates[, weighted])`` tuples. A
    questionnaire feeds the indicators its measures name (``indicator:``); which
    measure, weighted or not, is the framework's ``rates`` setting. An indicator the
    framework lacks, or whose rule cannot take a rate, is an error naming the
    questionnaire file and ``measures[i].indicator``.
    """
    out: dict[str, dict] = {}
    for s in surveys:
        if hasattr(s, "questionnaire"):
            q, est, wtd = s.questionnaire, s.estimates, getattr(s, "weighted", None)
        else:
            q, est, *rest = s
            wtd = rest[0] if rest else None
        for i, m in enumerate(q.measures):
            if m.indicator:
                _fed_indicator(framework, q, i, m.indicator)
            if m.indicator and m.indicator not in out:
                src = framework.rate_source(m.indicator)
                out[m.indicator] = pick_rate(est, src, weighted_estimates=wtd, indicator=m.indicator,
                                             questionnaire=q.id)
    return out


# -- the scorecard ---------------------------------------------------------------

def grade(total: float) -> str:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (财预〔2020〕10号; on the unrounded total)."""
    for cut, g in GRADES:
        if total >= cut - 1e-9:
            return g
    return GRADES[-1][1]


def grade_rule_text() -> str:
    """'优≥90，良≥80，中≥60，差<60' from :data:`GRADES`."""
    parts = [f"{g}≥{fmt_num(cut)}" for cut, g in GRADES[:-1]]
    return "，".join([*parts, f"{GRADES[-1][1]}<{fmt_num(GRADES[-2][0])}"])


@dataclass(frozen=True)
class ScoreRow:
    """One row of the annex: the three levels, 指标值, 评分标准, 评分过程, 分值, 得分, its rule, survey-fed or not."""

    level1: str
    level2: str
    name: str
    target: str
    criterion: str
    narrative: str
    weight: float
    score: float
    rule: str
    survey: bool = False


def _range(a: float, b: float) -> str:
    return fmt_num(a) if abs(a - b) < 1e-9 else f"{fmt_num(a)}–{fmt_num(b)}"


@dataclass(frozen=True)
class RateUncertainty:
    """How sure a survey-fed indicator's score is, given the rate's sampling error."""

    indicator: str
    weight: float
    estimate: float
    ci_low: float | None
    ci_high: float | None
    se: float | None
    n_eff: float | None
    distribution: str                                   # beta(n_eff) / normal(se) / none
    score: float
    score_low: float                                    # the score at ci_low
    score_high: float                                   # the score at ci_high
    p_full: float
    probabilities: tuple[tuple[float, float, float], ...]  # (score_min, score_max, probability), high first
    warning: str | None = None
    shown: tuple[str, str | None, str | None] = ("", None, None)  # estimate, ci_low, ci_high as the text shows them

    def probability_text(self) -> str:
        """'15分：99.99%；14分：0.01%' (a range of scores: '14–15分')."""
        return "；".join(f"{_range(a, b)}分：{p:.2%}" for a, b, p in self.probabilities)


@dataclass(frozen=True)
class Scorecard:
    """The scored annex: its rows, total and grade, the survey-fed rows' scores and uncertainty, warnings."""

    title: str
    framework: str
    rows: tuple[ScoreRow, ...]
    total: float
    grade: str
    uncertainty: tuple[RateUncertainty, ...] = ()
    total_low: float | None = None
    total_high: float | None = None
    allocation: object = field(default=None, repr=False)  # survey.inputs.facts.Allocation or None
    warnings: tuple[str, ...] = ()
    scores: tuple[Score, ...] = ()  # the survey-fed rows' scores (score_fed), in row order

    @property
    def weight_total(self) -> float:
        return round(sum(r.weight for r in self.rows), 6)

    def to_frame(self):
        """The annex table as a DataFrame (English column names; render adds the Chinese)."""
        import pandas as pd

        cols = ["level1", "level2", "name", "target", "criterion", "narrative", "weight", "score"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows], columns=cols)


def _check_fact_items(ind: Indicator, view, allowed: tuple[str, ...] | None) -> None:
    """Every 指标数据 row of an indicator must be one its rule reads."""
    if allowed is None:
        return
    for f in view.rows():
        if f.item not in allowed:
            raise DataError(f"'{ind.name} / {f.item}': the {ind.rule.type} rule of '{ind.name}' does not read "
                            f"'{f.item}'", file=view.file, sheet=view.sheet, row=f.row, column="项目",
                            got=f.item, expected="one of " + ", ".join(allowed),
                            hint="correct 项目, or delete the row")


def _rate_from_facts(ind: Indicator, view) -> dict:
    """A step rule's rate typed in 指标数据 (no questionnaire gives it): a proportion."""
    item = rate_item(ind.rule)
    v = view.value(item)
    if not 0 <= v <= 1:
        raise view.error(f"'{item}' is a proportion", item, got=fmt_num(v), expected="0 … 1",
                         hint=f"type {v / 100:.4g}, not {fmt_num(v)}" if 1 < v <= 100 else "type a proportion")
    return {"estimate": v}


def score_fed(ind: Indicator, rate: Mapping, *, step_mode: str | None = None) -> Score:
    """Score a survey-fed indicator from its rate: the one place a survey rate is scored.

    :func:`score_framework` scores its survey-fed rows with it, and the pipeline's
    indicators are those rows (or, without the year's facts, this function's results).
    ``rate`` is a mapping with ``estimate`` (a proportion); ``step_mode`` overrides a
    step rule's rounding mode.

    >>> ind = Indicator(level1="项目绩效", level2="满意度", name="工作人员满意度", target="≥85%",
    ...                 criterion="超过85%得满分，低于85%每降低5%扣1分", weight=15,
    ...                 rule=dict(type="step_deduction", threshold=0.85, step=0.05, points=1))
    >>> sc = score_fed(ind, {"estimate": 379 / 389})   # the 2021 annex: "满意度为97.43%，得15分"
    >>> sc.score, sc.narrative
    (15.0, '满意度为97.43%，得15分')
    """
    return score_value(float(rate["estimate"]), ind.rule, ind.weight, indicator=ind.name, mode=step_mode)


def weighted_basis(text: str, rate: Mapping) -> str:
    """评分过程 of a survey-fed row: a weighted rate says （加权） after its figure.

    An unweighted one, as the 2021 annex scores, is left as it is.

    >>> weighted_basis("满意度为86.39%，得19.2分", {"estimate": 0.86394, "column": "weighted_estimate"})
    '满意度为86.39%（加权），得19.2分'
    >>> weighted_basis("满意度为97.43%，得15分", {"estimate": 379 / 389, "column": "estimate"})
    '满意度为97.43%，得15分'
    """
    if rate.get("column") in (None, "estimate"):
        return text
    shown = fmt_pct(float(rate["estimate"]))
    return text.replace(shown, f"{shown}（加权）", 1) if shown in text else f"{text}（按加权满意度计分）"


def score_framework(framework: Framework, facts=None, rates: Mapping[str, Mapping] | None = None, *,
                    step_mode: str | None = None, title: str | None = None) -> Scorecard:
    """Score every indicator of the framework.

    ``facts``: a :class:`survey.inputs.facts.Facts` (the 指标数据 sheet), or None when every
    indicator is survey-fed. ``rates``: indicator name → mapping with ``estimate``
    and, for the uncertainty, ``ci_low``, ``ci_high``, ``se``, ``n_eff``; any indicator
    whose rule takes one value (:func:`survey.definitions.rules.rate_item`) can be fed a rate. A
    step rule without a rate takes its 满意度 from the facts. ``step_mode`` overrides
    the step rules' rounding mode (ceil / floor / linear). A 指标数据 row the
    indicator's rule does not read is an error.
    """
    from survey.inputs.facts import Facts

    facts = facts if facts is not None else Facts.empty()
    rates = dict(rates or {})
    names = {i.name for i in framework.indicators}
    for f in facts.facts:
        if f.indicator not in names:
            raise ScoringError(f"指标 '{f.indicator}' is not in the framework", file=facts.file, sheet=facts.sheet,
                               row=f.row, column="指标", expected="one of " + ", ".join(i.name for i in framework.indicators),
                               hint="correct the name (it must be the 三级指标 as in the framework)")
    for name in rates:
        if not framework.indicator(name).takes_rate:  # an unknown indicator is an error, not silently dropped
            raise ScoringError(f"'{name}' has a {framework.indicator(name).rule.type} rule, which cannot score a rate",
                               file=framework.file)
    rows, unc, warnings, scores = [], [], [], []
    for ind in framework.indicators:
        view = facts.of(ind.name)
        fed = ind.name in rates or ind.needs_rate
        item = rate_item(ind.rule)
        _check_fact_items(ind, view, (() if item is None else (item,)) if fed else ind.rule.reads())
        if fed:
            rate = rates.get(ind.name)
            if rate is None and view.rows():
                rate = _rate_from_facts(ind, view)
            elif rate is not None and view.rows():
                f = view.rows()[0]
                where = f"第{f.row}行" if f.row is not None else ""
                warnings.append(f"{ind.name}：问卷估计值{fmt_pct(float(rate['estimate']))}与指标数据{where}的"
                                f"{f.item}{'' if f.value is None else fmt_num(f.value)}同时给出，采用问卷估计值")
            if rate is None:
                raise ScoringError(f"no rate for the survey-fed indicator '{ind.name}'",
                                   hint="give a questionnaire measure with this indicator, or a 指标数据 row "
                                        f"'{ind.name} / {rate_item(ind.rule)}'")
            sc = score_fed(ind, rate, step_mode=step_mode)
            scores.append(sc)
            score, text = sc.score, weighted_basis(sc.narrative, rate)
            if rate.get("ci_low") is not None or rate.get("se") is not None or rate.get("n_eff") is not None:
                u = rate_uncertainty(ind, rate, step_mode=step_mode)
                unc.append(u)
                if u.warning:
                    warnings.append(u.warning)
        else:
            out = ind.rule.score(ind.weight, view)
            score, text = out.score, out.narrative
        rows.append(ScoreRow(ind.level1, ind.level2, ind.name, ind.target, ind.criterion, text,
                             ind.weight, score, ind.rule.type, fed))
    total = round(sum(r.score for r in rows), 6)
    total_low = total_high = None
    if unc:
        # a rule may fall with the rate (lower_better): each row's worst and best end
        total_low = round(total + sum(min(u.score_low, u.score_high) - u.score for u in unc), 6)
        total_high = round(total + sum(max(u.score_low, u.score_high) - u.score for u in unc), 6)
        if grade(total_low) != grade(total_high):
            warnings.append(f"总分区间{fmt_num(total_low)}–{fmt_num(total_high)}分跨越评价等级界限"
                            f"（{grade(total_low)}/{grade(total_high)}），等级取决于满意度抽样误差")
    alloc = facts.allocation
    if alloc is not None:
        warnings.extend(f.message for f in alloc.findings())
    return Scorecard(title or framework.title, framework.id, tuple(rows), total, grade(total), tuple(unc),
                     total_low, total_high, alloc, tuple(warnings), tuple(scores))


# -- uncertainty ----------------------------------------------------------------

def _cdf(rate: Mapping):
    """(name, P(rate ≤ x) on [0, 1]) of the rate's sampling distribution; cdf None without se / n_eff."""
    from survey.stats import distributions as stats

    p, n_eff, se = float(rate["estimate"]), rate.get("n_eff"), rate.get("se")
    if n_eff is not None and n_eff > 0:
        d = stats.beta(p * n_eff + 0.5, (1 - p) * n_eff + 0.5)
        return f"beta(n_eff={n_eff:.1f})", lambda x: float(d.cdf(x)) if 0 < x < 1 else float(x >= 1)
    if se is not None and se > 0:
        d = stats.norm(p, se)
        return f"normal(se={se:.4f})", lambda x: 0.0 if x < 0 else 1.0 if x >= 1 else float(d.cdf(x))
    return "none", None


def rate_uncertainty(ind: Indicator, rate: Mapping, *, step_mode: str | None = None) -> RateUncertainty:
    """Scores at the interval's ends and the probability of each score.

    The rate's range [0, 1] is cut where the rule's score can jump or change slope
    (a step rule's threshold, threshold − step …; a band's bounds; a linear rule's
    target); each cell gets its probability under the sampling distribution and the
    range of scores over its inside (one score, or a range for linear scoring).
    Without se or n_eff the rate is taken as exact: its own score, probability 1.
    ``p_full`` is the probability of the cells that score the full weight.
    """
    rule = ind.rule

    def s(x):
        return score_value(min(1.0, max(0.0, x)), rule, ind.weight, indicator=ind.name, mode=step_mode).score

    p = float(rate["estimate"])
    lo, hi = rate.get("ci_low"), rate.get("ci_high")
    name, cdf = _cdf(rate)
    score = s(p)
    probs: dict[tuple[float, float], float] = {}
    if cdf is None:
        probs[(score, score)] = 1.0
    else:
        cuts = sorted(set(rate_cuts(rule)) | {0.0, 1.0})
        for a, b in itertools.pairwise(cuts):
            mass = max(0.0, cdf(b) - (cdf(a) if a > 0 else 0.0))
            d = min(1e-7, (b - a) / 4)
            inside = (s(a + d), s((a + b) / 2), s(b - d))
            key = (min(inside), max(inside))
            probs[key] = probs.get(key, 0.0) + mass
    table = tuple(sorted(((a, b, round(q, 6)) for (a, b), q in probs.items() if q > 5e-7), reverse=True))
    p_full = round(sum(q for (a, b), q in probs.items() if a == b == ind.weight), 6)
    s_lo = s(lo) if lo is not None else score
    s_hi = s(hi) if hi is not None else score
    shown: tuple[str, str | None, str | None] = (
        shown_value(p, s), None if lo is None else shown_value(lo, s), None if hi is None else shown_value(hi, s))
    warning = None
    if s_lo != s_hi:
        warning = (f"{ind.name}：满意度置信区间{shown[1]}–{shown[2]}跨越评分阈值，"
                   f"得分可能为{_range(min(s_lo, s_hi), max(s_lo, s_hi))}分（得满分{fmt_num(ind.weight)}分的概率{p_full:.1%}）")
    return RateUncertainty(ind.name, ind.weight, p, lo, hi, rate.get("se"), rate.get("n_eff"), name,
                           score, s_lo, s_hi, p_full, table, warning, shown)
