"""Scoring the annex (评分表): the framework, the scorecard and the score's uncertainty.

The framework is data (``survey/frameworks/*.yaml``): the three levels of every
indicator, 指标值, 评分标准 text, 分值 and a rule (:mod:`survey.rules`). It loads
into frozen, validated models; an error names the file and the path inside it
(``nanjing-2021.yaml: indicators[3].rule.items: …``). Validation: names unique,
weights add up to 100, every rule's parameters present, a checklist's sub-items
add up to the weight, no band scores more than the weight.

:func:`score_framework` turns a framework, the year's facts (:mod:`survey.facts`)
and the survey rates into a :class:`Scorecard`: one row per indicator with its
评分过程, the total and the grade (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差; on the
unrounded total).

Score uncertainty, for each survey-fed (step_deduction) indicator: the score at
the interval's ends, the probability of each score under the sampling
distribution of the rate, and the probability of full marks. The distribution is
Beta(p·n_eff + ½, (1 − p)·n_eff + ½) when n_eff is known (Jeffreys; never a point
mass at 0% or 100%), else Normal(p, se) with the mass outside [0, 1] put on the
ends. The total's interval takes every survey-fed score at its interval's low end
and at its high end (all rules are monotone in the rate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DefinitionError, ScoringError, choice_error
from .rules import (  # noqa: F401  (StepRule, Score, score_rate: public API kept here)
    MODE_TEXT,
    RULE_TYPES,
    ChecklistRule,
    Rule,
    Score,
    StepRule,
    _num,
    _pct,
    max_score,
    score_rate,
)

DEFAULT_FRAMEWORK = "nanjing-2021.yaml"
GRADES = ((90.0, "优"), (80.0, "良"), (60.0, "中"), (0.0, "差"))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


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
    level1: str
    level2: str
    name: str
    target: str
    criterion: str
    weight: float = Field(gt=0)
    rule: Rule
    rates: RateSource | None = None   # overrides the framework's setting (survey-fed rows only)

    @model_validator(mode="after")
    def _rule_fits_weight(self):
        top = max_score(self.rule, self.weight)
        if isinstance(self.rule, ChecklistRule) and abs(top - self.weight) > 1e-9:
            raise ValueError(f"the sub-items' points add up to {_num(top)}, the weight is {_num(self.weight)}")
        if top is not None and top > self.weight + 1e-9:
            raise ValueError(f"a band scores {_num(top)}, more than the weight {_num(self.weight)}")
        return self

    @property
    def survey_fed(self) -> bool:
        return self.rule.type == "step_deduction"


class Framework(_Model):
    id: str
    title: str
    rates: RateSource = RateSource()
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    file: str | None = None

    @model_validator(mode="after")
    def _whole(self):
        names = [i.name for i in self.indicators]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"indicator names must be unique; repeated: {', '.join(dup)}")
        total = sum(i.weight for i in self.indicators)
        if abs(total - 100) > 1e-6:
            raise ValueError(f"the weights (分值) add up to {_num(total)}, expected 100")
        return self

    def indicator(self, name: str) -> Indicator:
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise choice_error(ScoringError, "indicator", name, [i.name for i in self.indicators], file=self.file)

    def rate_source(self, name: str) -> RateSource:
        return self.indicator(name).rates or self.rates


def _loc(err: dict) -> str:
    parts, loc = [], list(err["loc"])
    for k, p in enumerate(loc):
        if k and loc[k - 1] == "rule" and p in RULE_TYPES:
            continue  # the union's tag, not a key of the file
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts).lstrip(".") or "indicators"


def load_framework(path: str | Path | None = None) -> Framework:
    """Load a scoring framework; ``None`` loads the one shipped with the package."""
    if path is None:
        ref = resources.files("survey.frameworks").joinpath(DEFAULT_FRAMEWORK)
        text, name = ref.read_text(encoding="utf-8"), f"survey/frameworks/{DEFAULT_FRAMEWORK}"
    else:
        try:
            text, name = Path(path).read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            raise DefinitionError("framework file not found", file=path) from None
        except (IsADirectoryError, UnicodeDecodeError) as exc:
            raise DefinitionError(f"cannot read the framework ({type(exc).__name__})", file=path,
                                  hint="name a UTF-8 YAML file") from None
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise DefinitionError("expected a mapping with id, title and indicators", file=name,
                                  got=type(data).__name__)
        data["file"] = name
        return Framework.model_validate(data)
    except (yaml.YAMLError, TypeError) as exc:
        raise DefinitionError(f"invalid framework YAML: {exc}", file=name) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        raise DefinitionError(msg, file=name, path=_loc(err)) from None


# -- rates from the estimates -------------------------------------------------------

RATE_KEYS = ("estimate", "ci_low", "ci_high", "se", "n_eff")


def _overall_row(estimates, source: RateSource, indicator: str, questionnaire: str):
    rows = estimates[estimates["measure"] == source.measure]
    if "domain" in rows.columns:
        rows = rows[rows["domain"] == "overall"]
    elif "level" in rows.columns:
        rows = rows[rows["level"] == "全部"]
    if rows.empty:
        if len(estimates) == 0:
            raise ScoringError(f"no estimates for '{indicator}'", hint="check that the questionnaire has valid responses")
        raise choice_error(ScoringError, f"measure for '{indicator}' in questionnaire '{questionnaire}'",
                           source.measure, sorted(set(estimates["measure"])), path="rates.measure")
    return rows.iloc[0]


def pick_rate(estimates, source: RateSource, *, weighted_estimates=None, indicator: str = "",
              questionnaire: str = "") -> dict:
    """The overall row of ``source.measure`` as a dict of RATE_KEYS (+ ``column``, ``measure``).

    Weighted estimates are either a table of their own (``weighted_estimates``, the
    pipeline's design-based table with the same columns) or columns with the suffix
    ``_w`` (``estimate_w``, ``ci_low_w`` …) in ``estimates``; a missing weighted key
    falls back to the unweighted one. ``source.weighted``: ``auto`` takes the weighted
    estimate when there is one, ``true`` requires it, ``false`` never takes it.
    """
    import pandas as pd

    row = _overall_row(estimates, source, indicator, questionnaire)
    suffix, label = "", "estimate"
    if source.weighted is not False and weighted_estimates is not None and len(weighted_estimates):
        row, label = _overall_row(weighted_estimates, source, indicator, questionnaire), "weighted estimate"
    elif source.weighted is not False and "estimate_w" in row.index and pd.notna(row["estimate_w"]):
        suffix, label = "_w", "estimate_w"
    elif source.weighted is True:
        raise ScoringError(f"'{indicator}' asks for the weighted estimate but there is none",
                           hint="weight the sample (抽样框) or set rates.weighted: auto in the framework")
    out = {}
    for k in RATE_KEYS:
        v = row.get(k + suffix, row.get(k))
        out[k] = None if v is None or pd.isna(v) else float(v)
    if out["estimate"] is None:
        raise ScoringError(f"no estimate for measure '{source.measure}' of '{questionnaire}'",
                           hint="every respondent left the item unanswered")
    out["column"] = label
    out["measure"] = source.measure
    return out


def survey_rates(framework: Framework, surveys: Iterable) -> dict[str, dict]:
    """Rates of the survey-fed indicators.

    ``surveys``: the pipeline's survey results (``.questionnaire``, ``.estimates`` and
    optionally ``.weighted``) or ``(questionnaire, estimates[, weighted])`` tuples. A
    questionnaire feeds the indicators its measures name (``indicator:``); which
    measure, weighted or not, is the framework's ``rates`` setting.
    """
    out: dict[str, dict] = {}
    for s in surveys:
        if hasattr(s, "questionnaire"):
            q, est, wtd = s.questionnaire, s.estimates, getattr(s, "weighted", None)
        else:
            q, est, *rest = s
            wtd = rest[0] if rest else None
        for m in q.measures:
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


@dataclass(frozen=True)
class ScoreRow:
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


@dataclass(frozen=True)
class Scorecard:
    title: str
    framework: str
    rows: tuple[ScoreRow, ...]
    total: float
    grade: str
    uncertainty: tuple[RateUncertainty, ...] = ()
    total_low: float | None = None
    total_high: float | None = None
    allocation: object = field(default=None, repr=False)  # survey.facts.Allocation or None
    warnings: tuple[str, ...] = ()

    @property
    def weight_total(self) -> float:
        return round(sum(r.weight for r in self.rows), 6)

    def to_frame(self):
        """The annex table as a DataFrame (English column names; render adds the Chinese)."""
        import pandas as pd

        cols = ["level1", "level2", "name", "target", "criterion", "narrative", "weight", "score"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows], columns=cols)

    def uncertainty_frame(self):
        import pandas as pd

        rows = [{"indicator": u.indicator, "weight": u.weight, "estimate": u.estimate, "ci_low": u.ci_low,
                 "ci_high": u.ci_high, "se": u.se, "n_eff": u.n_eff, "distribution": u.distribution,
                 "score": u.score, "score_at_ci_low": u.score_low, "score_at_ci_high": u.score_high,
                 "p_full": u.p_full,
                 "score_probabilities": "；".join(f"{_range(a, b)}分：{p:.4f}" for a, b, p in u.probabilities),
                 "warning": u.warning} for u in self.uncertainty]
        return pd.DataFrame(rows)


def _range(a: float, b: float) -> str:
    return _num(a) if abs(a - b) < 1e-9 else f"{_num(a)}–{_num(b)}"


def score_framework(framework: Framework, facts=None, rates: Mapping[str, Mapping] | None = None, *,
                    step_mode: str | None = None, title: str | None = None) -> Scorecard:
    """Score every indicator of the framework.

    ``facts``: a :class:`survey.facts.Facts` (the 指标数据 sheet), or None when every
    indicator is survey-fed. ``rates``: indicator name → mapping with ``estimate``
    and, for the uncertainty, ``ci_low``, ``ci_high``, ``se``, ``n_eff``.
    ``step_mode`` overrides the step rules' rounding mode (ceil / floor / linear).
    """
    from .facts import Facts

    facts = facts if facts is not None else Facts.empty()
    rates = dict(rates or {})
    names = {i.name for i in framework.indicators}
    for f in facts.facts:
        if f.indicator not in names:
            raise ScoringError(f"指标 '{f.indicator}' is not in the framework", file=facts.file, sheet=facts.sheet,
                               row=f.row, column="指标", expected="one of " + ", ".join(i.name for i in framework.indicators),
                               hint="correct the name (it must be the 三级指标 as in the framework)")
    for name in rates:
        framework.indicator(name)  # an unknown indicator is an error, not silently dropped
    rows, unc, warnings = [], [], []
    for ind in framework.indicators:
        if ind.survey_fed:
            rate = rates.get(ind.name)
            if rate is None and facts.has(ind.name):
                rate = {"estimate": facts.of(ind.name).value("满意度")}
            if rate is None:
                raise ScoringError(f"no rate for the survey-fed indicator '{ind.name}'",
                                   hint="give a questionnaire measure with this indicator, or a 指标数据 row "
                                        f"'{ind.name} / 满意度'")
            sc = score_rate(float(rate["estimate"]), ind.rule, ind.weight, indicator=ind.name, mode=step_mode)
            score, text = sc.score, sc.narrative
            if rate.get("ci_low") is not None or rate.get("se") is not None or rate.get("n_eff") is not None:
                u = rate_uncertainty(ind, rate, step_mode=step_mode)
                unc.append(u)
                if u.warning:
                    warnings.append(u.warning)
        else:
            out = ind.rule.score(ind.weight, facts.of(ind.name))
            score, text = out.score, out.narrative
        rows.append(ScoreRow(ind.level1, ind.level2, ind.name, ind.target, ind.criterion, text,
                             ind.weight, score, ind.rule.type, ind.survey_fed))
    total = round(sum(r.score for r in rows), 6)
    total_low = total_high = None
    if unc:
        total_low = round(total + sum(u.score_low - u.score for u in unc), 6)
        total_high = round(total + sum(u.score_high - u.score for u in unc), 6)
        if grade(total_low) != grade(total_high):
            warnings.append(f"总分区间{_num(total_low)}–{_num(total_high)}分跨越评价等级界限"
                            f"（{grade(total_low)}/{grade(total_high)}），等级取决于满意度抽样误差")
    alloc = facts.allocation
    if alloc is not None:
        warnings.extend(f.message for f in alloc.findings())
    return Scorecard(title or framework.title, framework.id, tuple(rows), total, grade(total), tuple(unc),
                     total_low, total_high, alloc, tuple(warnings))


# -- uncertainty ----------------------------------------------------------------

def _cdf(rate: Mapping, mode: str):
    """(name, cdf on [0, 1]) of the rate's sampling distribution."""
    from scipy import stats

    p, n_eff, se = float(rate["estimate"]), rate.get("n_eff"), rate.get("se")
    if n_eff is not None and n_eff > 0:
        d = stats.beta(p * n_eff + 0.5, (1 - p) * n_eff + 0.5)
        return f"beta(n_eff={n_eff:.1f})", lambda x: float(d.cdf(x)) if 0 < x < 1 else float(x >= 1)
    if se is not None and se > 0:
        d = stats.norm(p, se)
        return f"normal(se={se:.4f})", lambda x: 0.0 if x < 0 else 1.0 if x >= 1 else float(d.cdf(x))
    return "none", lambda x: float(x >= p) if x < 1 else 1.0


def rate_uncertainty(ind: Indicator, rate: Mapping, *, step_mode: str | None = None) -> RateUncertainty:
    """Scores at the interval's ends and the probability of each score (a step rule's cells)."""
    rule = ind.rule
    mode = step_mode or rule.mode

    def s(x):
        return score_rate(min(1.0, max(0.0, x)), rule, ind.weight, indicator=ind.name, mode=mode).score

    p = float(rate["estimate"])
    lo, hi = rate.get("ci_low"), rate.get("ci_high")
    name, cdf = _cdf(rate, mode)
    # cells between the rates where the score can change; the top cell [threshold, 1] is full marks
    cuts = sorted(set(rule.cuts()) | {0.0, 1.0})
    probs: dict[tuple[float, float], float] = {}
    for a, b in zip(cuts, cuts[1:]):
        mass = cdf(b) - (cdf(a) if a > 0 else 0.0)
        if a >= rule.threshold:
            key = (ind.weight, ind.weight)
        else:
            mid = (a + b) / 2
            key = (s(a), s(b - 1e-12)) if mode == "linear" else (s(mid), s(mid))
        probs[key] = probs.get(key, 0.0) + max(0.0, mass)
    table = tuple(sorted(((a, b, round(q, 6)) for (a, b), q in probs.items() if q > 5e-7), reverse=True))
    score = s(p)
    s_lo = s(lo) if lo is not None else score
    s_hi = s(hi) if hi is not None else score
    p_full = round(1 - cdf(rule.threshold - 1e-12), 6)  # P(rate ≥ threshold)
    warning = None
    if s_lo != s_hi:
        warning = (f"{ind.name}：满意度置信区间{_pct(lo)}–{_pct(hi)}跨越评分阈值，"
                   f"得分可能为{_num(s_lo)}–{_num(s_hi)}分（满分概率{p_full:.1%}）")
    return RateUncertainty(ind.name, ind.weight, p, lo, hi, rate.get("se"), rate.get("n_eff"), name,
                           score, s_lo, s_hi, p_full, table, warning)
