"""Warnings when an evaluation's year disagrees with its names or its data.

A copy of last year's workbook renamed 2022.xlsx still carries a framework titled 2021;
a project called 2023 whose answers were all submitted in 2021 is the wrong folder or the
wrong export. :func:`year_warnings` compares the evaluation year (evaluation.yaml's ``year``,
else the year in the framework's title) with the years in titles and file names and with
when the responses were submitted, and each questionnaire's fieldwork dates with its
submission dates (:func:`fieldwork_warnings`); each disagreement is one sentence in Chinese
for the console and the report's 数据核对提示. A year of fieldwork may run into the next year.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from survey.definitions.evaluation import years_in


def year_warnings(year: int | None, *, texts: Mapping[str, str | None] | None = None,
                  dates: Mapping[str, pd.Series] | None = None) -> list[str]:
    """Each title / file name naming another year, and each questionnaire answered in another year.

    ``year`` is the evaluation year (None: the first year a text names); ``texts`` maps what a
    text is (评分表标题, 工作簿文件名 …) to it; ``dates`` maps a questionnaire to its submission
    times. Fieldwork in the evaluation year or the next one agrees.

    >>> year_warnings(2023, texts={"工作簿文件名": "2022"})
    ['工作簿文件名“2022”写的是2022年，评价年度为2023年，请核对']
    """
    texts = dict(texts or {})
    if year is None:
        year = next((min(ys) for ys in map(years_in, texts.values()) if ys), None)
        if year is None:
            return []
    out = []
    for what, text in texts.items():
        other = sorted(y for y in years_in(text) if y not in (year, year + 1))
        if other:
            out.append(f"{what}“{text}”写的是{'、'.join(map(str, other))}年，评价年度为{year}年，请核对")
    for qid, when in dict(dates or {}).items():
        years = pd.to_datetime(when, errors="coerce").dropna().dt.year
        if len(years) and not years.isin((year, year + 1)).mean() >= 0.5:
            common = int(years.mode().iloc[0])
            out.append(f"问卷{qid}的答卷多数提交于{common}年，不在评价年度{year}年或次年，请核对数据是否为本年度")
    return out


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def fieldwork_warnings(fieldwork: Mapping[str, tuple], dates: Mapping[str, pd.Series]) -> list[str]:
    """Each questionnaire whose answers were mostly submitted outside its fieldwork, or in another year than it.

    ``fieldwork`` maps a questionnaire to its (start, end) dates (either may be None: no
    check on that side); ``dates`` to its submission times. A questionnaire reused from
    last year keeps last year's dates: its report would say 调查时间 of the wrong year.

    >>> import datetime as dt
    >>> when = pd.Series(pd.to_datetime(["2022-10-31", "2022-11-05", "2022-11-28"]))
    >>> fieldwork_warnings({"staff": (dt.date(2021, 11, 1), dt.date(2021, 11, 30))}, {"staff": when})[0]
    '问卷staff的调查时间为2021年11月1日至2021年11月30日，但3份有效答卷中3份的提交时间与之不符（提交于2022年10月31日至2022年11月28日），请核对问卷的调查时间（fieldwork）或数据是否为本年度'
    """
    out = []
    for qid, (start, end) in fieldwork.items():
        when = pd.to_datetime(dates.get(qid, pd.Series(dtype=object)), errors="coerce").dropna()
        if not len(when) or (start is None and end is None):
            continue
        day = when.dt.normalize()
        outside = pd.Series(False, index=when.index)
        if start is not None:
            outside |= day < pd.Timestamp(start)
        if end is not None:
            outside |= day > pd.Timestamp(end)
        other_year = ~when.dt.year.isin({d.year for d in (start, end) if d is not None})
        if outside.mean() > 0.5 or other_year.mean() > 0.5:
            period = "至".join(_day(d) for d in (start, end) if d is not None)
            period = period if start is not None and end is not None else (f"自{period}起" if start else f"至{period}止")
            k = int((outside | other_year).sum())
            out.append(f"问卷{qid}的调查时间为{period}，但{len(when)}份有效答卷中{k}份的提交时间与之不符"
                       f"（提交于{_day(day.min())}至{_day(day.max())}），请核对问卷的调查时间（fieldwork）或数据是否为本年度")
    return out


def named_year(*texts: str | None) -> int | None:
    """The year the first text naming one names (its earliest): a workbook's file name, then a title.

    >>> named_year("data", "某县2024年农村饮水安全补助资金绩效评价指标评分表"), named_year("x", None)
    (2024, None)
    """
    return next((min(ys) for ys in map(years_in, texts) if ys), None)


def analysis_year(analysis) -> int | None:
    """The evaluation year of an analysis (None when nothing names one).

    evaluation.yaml's ``year``, else the year the workbook's file name names, else the framework title's.
    """
    year = getattr(analysis, "year", None)
    if year is not None:
        return int(year)
    return named_year(Path(analysis.workbook).stem if analysis.workbook else None, analysis.framework.title)


def analysis_year_warnings(analysis, workbook=None, year: int | None = None) -> list[str]:
    """:func:`year_warnings` of an analysis.

    Its framework's title, the workbook's file name (``survey analyze WORKBOOK``) and each
    questionnaire's submission times; then each questionnaire's fieldwork dates against its
    submission times (:func:`fieldwork_warnings`).
    """
    texts = {"工作簿文件名": Path(workbook).stem} if workbook is not None else {}
    texts["评分表标题"] = analysis.framework.title
    dates = {s.questionnaire.id: s.cleaned.valid.data["submitted_at"] for s in analysis.surveys
             if "submitted_at" in s.cleaned.valid.data}
    fieldwork = {s.questionnaire.id: (s.questionnaire.fieldwork.start, s.questionnaire.fieldwork.end)
                 for s in analysis.surveys}
    return year_warnings(year, texts=texts, dates=dates) + fieldwork_warnings(fieldwork, dates)
