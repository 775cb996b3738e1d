"""The one scored figure of each survey (计分口径), and the same measure the other way.

Every output (terminal, annex, report.docx, report.html, the validity paragraph) quotes a
survey's satisfaction as :func:`headlines` gives it: the measure and weighting the
framework scores (``rates:`` — unweighted when it says ``weighted: false``, else the
design-based estimate when there is one). The same measure weighted the other way is
kept beside it (:attr:`Headline.other`) for the appendix, with the score it would give,
so a report can say when the choice of weighting would change a score.

Entry points: :func:`headlines` (an analysis → one :class:`Headline` per survey) and
:func:`scores_weighted` (does the framework score the weighted estimate of a questionnaire).
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.definitions.rules import score_value
from survey.errors import ScoringError
from survey.evaluation.score import Framework, RateSource, overall_row, pick_rate


@dataclass(frozen=True)
class Figure:
    """One overall estimate of a measure: rate, interval, n and how it was weighted."""

    weighted: bool
    estimate: float
    ci_low: float | None
    ci_high: float | None
    n: int
    n_eff: float | None
    deff: float | None
    ci_method: str
    score: float | None = None  # the indicator's score at this rate (None when no indicator)

    @property
    def basis(self) -> str:
        """'加权' or '未加权' — how a reader is told which one this is."""
        return "加权" if self.weighted else "未加权"


@dataclass(frozen=True)
class Headline:
    """A survey's scored figure (``scored``) and the same measure the other way (``other``)."""

    questionnaire: str
    title: str
    measure: str
    label: str
    indicator: str | None
    weight: float | None
    scored: Figure
    other: Figure | None = None
    level: float = 0.95          # confidence level of the intervals

    @property
    def ci_name(self) -> str:
        """'95%置信区间'."""
        return f"{self.level * 100:g}%置信区间"

    @property
    def other_scores_differently(self) -> bool:
        """The other weighting would give another score (the report must say so)."""
        o = self.other
        return o is not None and o.score is not None and self.scored.score is not None and \
            abs(o.score - self.scored.score) > 1e-9


def _figure(row, weighted: bool, score: float | None) -> Figure:
    def num(k):
        v = row.get(k)
        return None if v is None or v != v else float(v)

    return Figure(weighted, float(row["estimate"]), num("ci_low"), num("ci_high"), int(row["n"]), num("n_eff"),
                  num("deff"), str(row.get("ci_method") or ""), score)


def _measure_indicator(q, fw: Framework) -> tuple[str | None, str]:
    """The indicator a questionnaire feeds (first measure naming one) and the measure scored."""
    names = {i.name for i in fw.indicators}
    for m in q.measures:
        if m.indicator and m.indicator in names:
            return m.indicator, fw.rate_source(m.indicator).measure
    return None, fw.rates.measure if any(m.id == fw.rates.measure for m in q.measures) else q.measures[0].id


def scores_weighted(fw: Framework, q) -> bool:
    """Whether the framework scores a questionnaire's weighted estimate when it has one."""
    indicator, _ = _measure_indicator(q, fw)
    src = fw.rate_source(indicator) if indicator else fw.rates
    return src.weighted is not False


def headline(s, fw: Framework, *, step_mode: str | None = None, level: float = 0.95) -> Headline:
    """The scored figure of one survey result (``.questionnaire``, ``.estimates``, ``.weighted``)."""
    q = s.questionnaire
    indicator, measure = _measure_indicator(q, fw)
    src = fw.rate_source(indicator) if indicator else RateSource(measure=measure, weighted=fw.rates.weighted)
    src = RateSource(measure=measure, weighted=src.weighted)
    rate = pick_rate(s.estimates, src, weighted_estimates=s.weighted, indicator=indicator or "", questionnaire=q.id)
    is_weighted = rate["column"] != "estimate"
    ind = fw.indicator(indicator) if indicator else None

    def score(x: float) -> float | None:
        if ind is None:
            return None
        return score_value(x, ind.rule, ind.weight, indicator=ind.name, mode=step_mode).score

    scored = _figure(rate["row"], is_weighted, score(rate["estimate"]))
    other = None
    other_table = s.estimates if is_weighted else s.weighted
    if other_table is not None and len(other_table):
        try:
            row = overall_row(other_table, src, indicator or "", q.id)
        except ScoringError:
            row = None
        if row is not None and row.get("estimate") == row.get("estimate"):
            other = _figure(row, not is_weighted, score(float(row["estimate"])))
    label = next((m.label for m in q.measures if m.id == measure), measure)
    return Headline(q.id, q.title, measure, label, indicator, None if ind is None else ind.weight, scored, other, level)


def headlines(analysis) -> tuple[Headline, ...]:
    """One :class:`Headline` per survey of an analysis, in the analysis' order."""
    mode = analysis.parameters.get("step_mode")
    mode = None if mode in (None, "framework") else mode
    level = 1 - float(analysis.parameters.get("alpha", 0.05))
    return tuple(headline(s, analysis.framework, step_mode=mode, level=level) for s in analysis.surveys)
