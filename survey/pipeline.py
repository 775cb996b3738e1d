"""The whole chain for one evaluation workbook: read → tidy → clean → estimate → score.

:func:`analyze` is pure apart from reading its inputs; writing the report is
:func:`survey.render.report.write_report`'s job. ``survey analyze`` is these two calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from survey.definitions.questionnaire import Questionnaire, load_dir
from survey.errors import DataError, DefinitionError
from survey.evaluation.clean import Cleaned, clean, columns_to_check
from survey.evaluation.headline import scores_weighted
from survey.evaluation.measures import estimate
from survey.evaluation.previous import Previous
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
from survey.evaluation.validity import THRESHOLDS, SurveyValidity, check_survey
from survey.evaluation.weighting import weight_responses
from survey.evaluation.years import analysis_year_warnings
from survey.inputs.frame import frame_from_tables, frame_gap_warnings, frame_gaps
from survey.inputs.read import RawTable
from survey.inputs.sidecar import find_framework
from survey.inputs.tables import InputTables, workbook_tables
from survey.inputs.tables import find_sheet as find_sheet  # re-exported: where it was
from survey.inputs.tidy import option_labels, tidy
from survey.stats.design import Design
from survey.stats.presentation import Standard
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
    warnings: tuple[str, ...] = ()  # to check by hand (a unit the frame misses): Analysis.notes


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
    input_files: tuple[str, ...] = ()  # every file read (the workbook, or an evaluation folder's files)
    previous: Previous | None = None  # last year's comparison (survey analyze --previous), for 与上年比较
    notes: tuple[str, ...] = ()  # what to check by hand (a year that disagrees …): console, report, manifest
    year: int | None = None  # the evaluation year of evaluation.yaml (None: see survey.evaluation.years.analysis_year)

    @property
    def estimates(self) -> pd.DataFrame:
        return pd.concat([s.estimates for s in self.surveys], ignore_index=True)

    @property
    def weighted_estimates(self) -> pd.DataFrame | None:
        parts = [s.weighted for s in self.surveys if s.weighted is not None]
        return pd.concat(parts, ignore_index=True) if parts else None


def _annex_position(q: Questionnaire, fw: Framework) -> int:
    """Questionnaires in the order their indicators appear in the annex (others last)."""
    names = [i.name for i in fw.indicators]
    return min((names.index(m.indicator) for m in q.measures if m.indicator in names), default=len(names))


def _survey(tables: InputTables, q: Questionnaire, *, weigh: bool, alpha: float, ci_method: str,
            min_per_district: int, thresholds: dict, scored_weighted: bool = True,
            step: Callable[[str], None] = lambda _: None) -> SurveyResult:
    """One questionnaire's responses: tidy → clean → estimate (unweighted, and weighted to the frame) → validity."""
    raw, sheet = tables.exports[q.id], tables.export_label(q.id)
    step(f"{q.id}: cleaning {sheet}")
    responses = tidy(raw, q, format=None if q.source.format == "auto" else q.source.format)
    cleaned = clean(responses)
    if cleaned.n_valid == 0:
        raise DataError(f"no valid response left for questionnaire '{q.id}'", file=raw.file, sheet=raw.sheet,
                        hint="see the audit: every response was excluded")
    step(f"{q.id}: estimating")
    est = estimate(cleaned.valid, by=q.district_item, alpha=alpha, ci_method=ci_method)
    has_frame = q.weighting is not None and q.id in tables.frames
    # validity compares the sample with the frame even when it is not weighted
    frame = frame_from_tables(q, tables.frames[q.id], tables.margins.get(q.id)) if has_frame else None
    weighted = wts = design = weights = None
    notes, warnings = [], []
    units = option_labels(cleaned.valid, q.district_item) if frame is not None and q.district_item else None
    if frame is not None and units is not None and (gaps := frame_gaps(q, frame, units)):
        if not (weigh and gaps.answered):  # weighted, an answered unit is weight_responses' error
            warnings = frame_gap_warnings(q, frame, gaps)
        frame = None if gaps.answered and not weigh else frame  # no coverage test without those respondents' unit
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
                            allocation=None if frame is None else planned_allocation(tables.frames[q.id], q),
                            weights=weights, **thresholds)
    return SurveyResult(q, sheet, cleaned, est, weighted, wts, design, tuple(notes), validity, tuple(warnings))


PLANNED_COLUMNS = ("计划样本量（{id}）", "计划样本量({id})", "{title}计划样本量", "计划样本量")


def planned_allocation(frame: RawTable, q: Questionnaire) -> pd.Series | None:
    """Planned sample sizes by district from the frame table, when it has a 计划样本量 column.

    The column is ``计划样本量（<questionnaire id>）`` (or ``<title>计划样本量``, or plain
    ``计划样本量`` when one survey uses the frame); a deliberately disproportionate
    allocation there turns a district mix unlike the frame's into a planned difference.
    """
    wt = q.weighting
    if wt is None:
        return None
    table = frame.data
    names = [c.format(id=q.id, title=q.title) for c in PLANNED_COLUMNS]
    col = next((c for c in names if c in table.columns), None)
    if col is None:
        return None
    from survey.definitions.cells import population_table

    return population_table(table, None, col, file=frame.file, sheet=frame.sheet)


def analyze(
    workbook: str | Path | InputTables,
    questionnaires: str | Path | list[Questionnaire] = "questionnaires",
    *,
    framework: str | Path | Framework | None = None,
    step_mode: str | None = None,
    alpha: float = 0.05,
    ci_method: str = "wilson",
    name: str | None = None,
    weigh: bool = True,
    min_per_district: int = 5,
    reliable_n: int = 30,
    progress: Callable[[str], None] | None = None,
    max_margin: float = THRESHOLDS["margin"],
    min_alpha: float = THRESHOLDS["cronbach_alpha"],
) -> Analysis:
    """Analyse every questionnaire's sheet of an evaluation workbook and score the indicators.

    With ``weigh`` (default) each questionnaire with a weighting section is also
    weighted to the workbook's frame and estimated with its design (strata =
    district, finite population correction), beside the unweighted estimates.
    ``workbook`` is an evaluation workbook, or the tables already read
    (:class:`~survey.inputs.tables.InputTables`, e.g. from an evaluation folder).
    ``max_margin`` and ``min_alpha`` are the validity checks' thresholds. ``reliable_n`` is the
    NCHS presentation standard's minimum sample and effective sample size of a shown rate
    (recorded in ``parameters``; the report reads it with
    :func:`survey.stats.presentation.standard_of`).
    ``progress``, if given, is called with the name of each step as it starts
    (the CLI passes :class:`survey.render.progress.Progress`).
    ``framework`` None: the workbook's own (:func:`survey.inputs.sidecar.find_framework`:
    ``<workbook stem>.framework.yaml`` beside it, else ``framework.yaml`` beside it, else
    ``framework.yaml`` in the folder that holds the questionnaires folder); none found is an error.
    """
    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    qs = load_dir(questionnaires) if isinstance(questionnaires, (str, Path)) else list(questionnaires)
    if framework is None:  # the workbook's own: <stem>.framework.yaml or framework.yaml beside it, or beside qs
        framework = find_framework(workbook.source if isinstance(workbook, InputTables) else workbook, questionnaires)
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    qs.sort(key=lambda q: _annex_position(q, fw))
    check_fed_indicators(fw, qs)  # a definition error before reading any data
    step(f"opening {Path(workbook).name}" if not isinstance(workbook, InputTables) else "reading the inputs")
    tables = workbook if isinstance(workbook, InputTables) else workbook_tables(workbook, qs)
    readers: dict[tuple[str, str | None], Questionnaire] = {}
    for q in qs:  # a copied questionnaire file would count one sheet's respondents twice
        raw = tables.exports[q.id]
        first = readers.setdefault((raw.file, raw.sheet), q)
        if first is not q:
            where = f"sheet '{raw.sheet}'" if raw.sheet else tables.export_label(q.id)
            raise DefinitionError(f"questionnaires '{first.id}' and '{q.id}' both read {where}",
                                  file=q.file, got=f"{first.file} and {q.file}",
                                  hint="each survey has its own sheet: remove the copy, or give it its own source.sheets")
    Standard(min_n=reliable_n)  # an impossible threshold is an error before any data is read
    thresholds = dict(max_margin=max_margin, min_cronbach_alpha=min_alpha)
    surveys = [_survey(tables, q, weigh=weigh, alpha=alpha, ci_method=ci_method, min_per_district=min_per_district,
                       thresholds=thresholds, scored_weighted=scores_weighted(fw, q), step=step) for q in qs]
    step("scoring")
    # The survey-fed indicators take the rate the framework's `rates` setting names
    # (measure, weighted or not); the whole annex needs the year's facts as well.
    # Each rate is scored once, by score_fed: the scorecard's survey-fed rows are the
    # indicators' scores (without the facts, score_fed alone); `rate["row"]` is the
    # estimates row it came from.
    rates = survey_rates(fw, surveys)
    facts = tables.facts
    card = None if facts is None else score_framework(fw, facts, rates, step_mode=step_mode)
    scores = ({sc.indicator: sc for sc in card.scores} if card is not None else
              {name: score_fed(fw.indicator(name), rate, step_mode=step_mode) for name, rate in rates.items()})
    indicators = [IndicatorResult(rate["questionnaire"], rate["measure"], rate["row"], scores[name])
                  for name, rate in rates.items()]
    params = dict(alpha=alpha, ci_method=ci_method, step_mode=step_mode or "framework", weigh=weigh,
                  min_per_district=min_per_district, reliable_n=reliable_n)
    result = Analysis(tables.source, name or tables.name, tuple(surveys), tuple(indicators), fw, params, card,
                      tables.files)
    # a year in the framework title, the workbook's name or the answers that is not the evaluation's
    columns = [n for sv in surveys for n in columns_to_check(sv.cleaned, sv.questionnaire.title)]
    return replace(result, year=tables.year,
                   notes=(*analysis_year_warnings(result, tables.source if tables.year is None else None, tables.year),
                          *columns, *(w for sv in surveys for w in sv.warnings)))
