"""The whole chain for one evaluation workbook: read → tidy → clean → estimate → score.

:func:`analyze` is pure apart from reading its inputs; writing the report is
:func:`survey.render.report.write_report`'s job. ``survey analyze`` is these two calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from survey.definitions.questionnaire import Questionnaire, load_dir
from survey.errors import DataError, DefinitionError
from survey.evaluation.clean import Cleaned, clean
from survey.evaluation.headline import scores_weighted
from survey.evaluation.measures import estimate
from survey.evaluation.score import (
    Framework,
    Score,
    Scorecard,
    check_fed_indicators,
    load_framework,
    score_fed,
    score_framework,
    survey_rates,
)
from survey.evaluation.validity import SurveyValidity, check_survey
from survey.evaluation.weighting import weight_responses
from survey.inputs.facts import read_facts
from survey.inputs.frame import read_frame
from survey.inputs.read import Workbook
from survey.inputs.tidy import tidy
from survey.stats.design import Design
from survey.stats.weights import Weighted


@dataclass(frozen=True)
class SurveyResult:
    """One questionnaire's part of an analysis.

    ``estimates`` are unweighted (simple random sampling, as evaluations have always
    reported them); ``weighted`` are the design-based estimates with the frame's
    weights, strata and finite population correction (None when the workbook has no
    frame or the questionnaire no weighting section — ``notes`` then says why).
    """

    questionnaire: Questionnaire
    sheet: str
    cleaned: Cleaned
    estimates: pd.DataFrame = field(repr=False)
    weighted: pd.DataFrame | None = field(default=None, repr=False)
    weights: Weighted | None = field(default=None, repr=False)
    design: Design | None = None
    notes: tuple[str, ...] = ()
    validity: SurveyValidity | None = field(default=None, repr=False)


@dataclass(frozen=True)
class IndicatorResult:
    """A survey-fed annex indicator: the estimate it takes and its score."""

    questionnaire: str
    measure: str
    estimate: pd.Series = field(repr=False)  # the overall row of the estimates table
    score: Score


@dataclass(frozen=True)
class Analysis:
    """Everything analyze() found for one workbook: each questionnaire's results, the indicators, the annex.

    ``parameters`` are the settings it ran with (recorded in manifest.json);
    ``scorecard`` is None when the workbook has no 指标数据 sheet.
    """

    workbook: str
    name: str
    surveys: tuple[SurveyResult, ...]
    indicators: tuple[IndicatorResult, ...]
    framework: Framework
    parameters: dict
    scorecard: Scorecard | None = None  # the whole annex, when the workbook has the facts sheet

    @property
    def estimates(self) -> pd.DataFrame:
        return pd.concat([s.estimates for s in self.surveys], ignore_index=True)

    @property
    def weighted_estimates(self) -> pd.DataFrame | None:
        parts = [s.weighted for s in self.surveys if s.weighted is not None]
        return pd.concat(parts, ignore_index=True) if parts else None


def find_sheet(wb: Workbook, q: Questionnaire, *, first_if_none: bool = False) -> str:
    """The sheet of the workbook that holds the questionnaire's responses.

    With ``first_if_none`` a workbook with none of the questionnaire's sheet names
    (a single downloaded export) gives its first sheet instead of an error.
    """
    names = wb.sheet_names
    for want in q.source.sheets:
        if want in names:
            return want
    if first_if_none:
        return names[0]
    raise DataError(
        f"no sheet for questionnaire '{q.id}' ({q.title})",
        file=wb.path, got="sheets " + ", ".join(names),
        expected="a sheet named " + " or ".join(q.source.sheets),
        hint=f"rename the sheet, or add its name to source.sheets in {q.file}",
    )


def _annex_position(q: Questionnaire, fw: Framework) -> int:
    """Questionnaires in the order their indicators appear in the annex (others last)."""
    names = [i.name for i in fw.indicators]
    return min((names.index(m.indicator) for m in q.measures if m.indicator in names), default=len(names))


def _survey(wb: Workbook, q: Questionnaire, *, weigh: bool, alpha: float, ci_method: str,
            min_per_district: int, scored_weighted: bool = True,
            step: Callable[[str], None] = lambda _: None) -> SurveyResult:
    """One questionnaire's sheet: tidy → clean → estimate (unweighted, and weighted to the frame) → validity."""
    sheet = find_sheet(wb, q)
    step(f"{q.id}: reading and cleaning sheet {sheet}")
    responses = tidy(wb.table(sheet), q, format=None if q.source.format == "auto" else q.source.format)
    cleaned = clean(responses)
    if cleaned.n_valid == 0:
        raise DataError(f"no valid response left for questionnaire '{q.id}'", file=wb.path, sheet=sheet,
                        hint="see the audit: every response was excluded")
    step(f"{q.id}: estimating")
    est = estimate(cleaned.valid, by=q.district_item, alpha=alpha, ci_method=ci_method)
    has_frame = q.weighting is not None and q.weighting.frame_sheet in wb.sheet_names
    # validity compares the sample with the frame even when it is not weighted
    frame = read_frame(wb, q) if has_frame else None
    weighted = wts = design = weights = None
    notes = []
    if not weigh or q.weighting is None:
        notes.append("未加权：" + ("按要求不加权" if not weigh else "问卷未定义加权方案"))
    elif frame is None:
        notes.append(f"未加权：工作簿中没有抽样框工作表“{q.weighting.frame_sheet}”")
    else:
        step(f"{q.id}: weighting and weighted estimates")
        weighted_responses, wts, design = weight_responses(cleaned.valid, frame)
        weighted = estimate(weighted_responses, by=q.district_item, design=design, alpha=alpha, ci_method=ci_method)
        weights = weighted_responses.data["weight"]
        if not wts.diagnostics.converged:
            notes.append(f"加权未收敛：{wts.diagnostics.iterations}次迭代后边际相对误差"
                         f"{wts.diagnostics.history[-1]:.2e}")
    # The achieved margin is the one of the scored figure (evaluation.headline): the design
    # estimates when the framework scores them — their se carries the weights' design effect
    # and, with the design's fpc, the FPC already — else the unweighted ones.
    design_based = weighted is not None and scored_weighted
    step(f"{q.id}: sample validity")
    validity = check_survey(cleaned, weighted if design_based else est,
                            None if frame is None else frame.population,
                            frame_margins=None if frame is None else
                            {q.item(k).text: v for k, v in frame.margins.items()},
                            issued=cleaned.usable_issued(),  # the reporting sentence notes an unusable one
                            min_per_district=min_per_district, confidence=1 - alpha,
                            se_includes_fpc=design_based and design is not None and design.fpc is not None,
                            allocation=None if frame is None else planned_allocation(wb, q), weights=weights)
    return SurveyResult(q, sheet, cleaned, est, weighted, wts, design, tuple(notes), validity)


PLANNED_COLUMNS = ("计划样本量（{id}）", "计划样本量({id})", "{title}计划样本量", "计划样本量")


def planned_allocation(wb: Workbook, q: Questionnaire) -> pd.Series | None:
    """Planned sample sizes by district from the frame sheet, when it has a 计划样本量 column.

    The column is ``计划样本量（<questionnaire id>）`` (or ``<title>计划样本量``, or plain
    ``计划样本量`` when one survey uses the frame); a deliberately disproportionate
    allocation there turns a district mix unlike the frame's into a planned difference.
    """
    wt = q.weighting
    if wt is None:
        return None
    table = wb.table(wt.frame_sheet).data
    names = [c.format(id=q.id, title=q.title) for c in PLANNED_COLUMNS]
    col = next((c for c in names if c in table.columns), None)
    if col is None:
        return None
    from survey.definitions.cells import population_table

    return population_table(table, None, col, file=str(wb.path), sheet=wt.frame_sheet)


def analyze(
    workbook: str | Path,
    questionnaires: str | Path | list[Questionnaire] = "questionnaires",
    *,
    framework: str | Path | Framework | None = None,
    step_mode: str | None = None,
    alpha: float = 0.05,
    ci_method: str = "wilson",
    name: str | None = None,
    weigh: bool = True,
    min_per_district: int = 5,
    progress: Callable[[str], None] | None = None,
) -> Analysis:
    """Analyse every questionnaire's sheet of an evaluation workbook and score the indicators.

    With ``weigh`` (default) each questionnaire with a weighting section is also
    weighted to the workbook's frame and estimated with its design (strata =
    district, finite population correction), beside the unweighted estimates.
    ``progress``, if given, is called with the name of each step as it starts
    (the CLI passes :class:`survey.render.progress.Progress`).
    """
    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    qs = load_dir(questionnaires) if isinstance(questionnaires, (str, Path)) else list(questionnaires)
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    qs.sort(key=lambda q: _annex_position(q, fw))
    check_fed_indicators(fw, qs)  # a definition error before reading any data
    step(f"opening {Path(workbook).name}")
    wb = Workbook(workbook)
    readers: dict[str, Questionnaire] = {}
    for q in qs:  # a copied questionnaire file would count one sheet's respondents twice
        first = readers.setdefault(find_sheet(wb, q), q)
        if first is not q:
            raise DefinitionError(f"questionnaires '{first.id}' and '{q.id}' both read sheet '{find_sheet(wb, q)}'",
                                  file=q.file, got=f"{first.file} and {q.file}",
                                  hint="each survey has its own sheet: remove the copy, or give it its own source.sheets")
    surveys = [_survey(wb, q, weigh=weigh, alpha=alpha, ci_method=ci_method, min_per_district=min_per_district,
                       scored_weighted=scores_weighted(fw, q), step=step)
               for q in qs]
    step("scoring")
    # The survey-fed indicators take the rate the framework's `rates` setting names
    # (measure, weighted or not); the whole annex needs the year's facts as well.
    # Each rate is scored once, by score_fed: the scorecard's survey-fed rows are the
    # indicators' scores (without the facts, score_fed alone); `rate["row"]` is the
    # estimates row it came from.
    rates = survey_rates(fw, surveys)
    facts = read_facts(wb, required=False)
    card = None if facts is None else score_framework(fw, facts, rates, step_mode=step_mode)
    scores = ({sc.indicator: sc for sc in card.scores} if card is not None else
              {name: score_fed(fw.indicator(name), rate, step_mode=step_mode) for name, rate in rates.items()})
    indicators = [IndicatorResult(rate["questionnaire"], rate["measure"], rate["row"], scores[name])
                  for name, rate in rates.items()]
    params = dict(alpha=alpha, ci_method=ci_method, step_mode=step_mode or "framework", weigh=weigh,
                  min_per_district=min_per_district)
    return Analysis(str(workbook), name or Path(workbook).stem, tuple(surveys), tuple(indicators), fw, params, card)
