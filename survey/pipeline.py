"""The whole chain for one evaluation workbook: read → tidy → clean → estimate → score.

:func:`analyze` is pure apart from reading its inputs; writing the report is
:func:`survey.report.write_report`'s job. ``survey analyze`` is these two calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .clean import Cleaned, clean
from .errors import DataError, ScoringError
from .estimate import OVERALL, estimate
from .questionnaire import Questionnaire, load_dir
from .read import Workbook
from .score import Framework, Score, load_framework, score_rate
from .tidy import tidy


@dataclass(frozen=True)
class SurveyResult:
    """One questionnaire's part of an analysis."""

    questionnaire: Questionnaire
    sheet: str
    cleaned: Cleaned
    estimates: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class IndicatorResult:
    """A survey-fed annex indicator: the estimate it takes and its score."""

    questionnaire: str
    measure: str
    estimate: pd.Series = field(repr=False)  # the overall row of the estimates table
    score: Score


@dataclass(frozen=True)
class Analysis:
    workbook: str
    name: str
    surveys: tuple[SurveyResult, ...]
    indicators: tuple[IndicatorResult, ...]
    framework: Framework
    parameters: dict

    @property
    def estimates(self) -> pd.DataFrame:
        return pd.concat([s.estimates for s in self.surveys], ignore_index=True)


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


def analyze(
    workbook: str | Path,
    questionnaires: str | Path | list[Questionnaire] = "questionnaires",
    *,
    framework: str | Path | Framework | None = None,
    step_mode: str | None = None,
    alpha: float = 0.05,
    ci_method: str = "wilson",
    name: str | None = None,
) -> Analysis:
    """Analyse every questionnaire's sheet of an evaluation workbook and score the indicators."""
    qs = load_dir(questionnaires) if isinstance(questionnaires, (str, Path)) else list(questionnaires)
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    qs.sort(key=lambda q: _annex_position(q, fw))
    wb = Workbook(workbook)
    surveys = []
    for q in qs:
        sheet = find_sheet(wb, q)
        raw = wb.table(sheet)
        if raw.data.empty:
            raise DataError(f"no responses below the header (row {raw.header_row})", file=wb.path, sheet=sheet,
                            hint="paste the export's rows into the sheet")
        responses = tidy(raw, q, format=None if q.source.format == "auto" else q.source.format)
        cleaned = clean(responses)
        if cleaned.n_valid == 0:
            raise DataError(f"no valid response left for questionnaire '{q.id}'", file=wb.path, sheet=sheet,
                            hint="see the audit: every response was excluded")
        est = estimate(cleaned.valid, by=q.district_item, alpha=alpha, ci_method=ci_method)
        surveys.append(SurveyResult(q, sheet, cleaned, est))
    indicators = []
    for s in surveys:
        for m in s.questionnaire.measures:
            if not m.indicator:
                continue
            ind = fw.indicator(m.indicator)
            rows = s.estimates[(s.estimates["measure"] == m.id) & (s.estimates["level"] == OVERALL)]
            row = rows.iloc[0]
            if pd.isna(row["estimate"]):
                raise ScoringError(f"no estimate for measure '{m.id}' of '{s.questionnaire.id}'",
                                   hint="every respondent left the item unanswered")
            sc = score_rate(float(row["estimate"]), ind.rule, ind.weight, indicator=ind.name, mode=step_mode)
            indicators.append(IndicatorResult(s.questionnaire.id, m.id, row, sc))
    params = dict(alpha=alpha, ci_method=ci_method, step_mode=step_mode or "framework")
    return Analysis(str(workbook), name or Path(workbook).stem, tuple(surveys), tuple(indicators), fw, params)
