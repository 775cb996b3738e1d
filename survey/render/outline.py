"""The whole report body, in order: :func:`report_blocks` (used by report.docx and report.html).

一、项目基本情况 … 七、相关建议, then 附件-1 评分表 and 附件-2 问卷调查汇总分析报告, built
from :mod:`survey.render.body` and :mod:`survey.render.survey_body`; charts come from
:mod:`survey.render.charts` (skipped when matplotlib is missing).
"""

from __future__ import annotations

from survey.definitions.vocab import ANNEX_SCORECARD, ANNEX_SURVEY
from survey.evaluation.headline import headlines
from survey.inputs.privacy import mask_text
from survey.render.blocks import Heading, PageBreak, Para, Table
from survey.render.body import (
    annex_table,
    report_title,
    section_analysis,
    section_basics,
    section_closing,
    section_conclusion,
    section_work,
    unit_label,
)
from survey.render.narrative import Narrative
from survey.render.previous import previous_blocks
from survey.render.suggestions import OTHER, group_suggestions
from survey.render.survey_body import (
    appendix_survey,
    item_label,
    lowest_items,
    overall_item,
    scored_item_stats,
    suppress_threshold,
    survey_section,
)
from survey.stats.presentation import standard_of


def _texts(s, item: str) -> list[str]:
    data = s.cleaned.valid.data
    return [m for m in (mask_text(str(t)) for t in data[item].dropna()) if m]


def theme_blocks(s) -> tuple[list, list[str]]:
    """The 意见和建议 part of one survey's subsection of 五、满意度调查分析.

    For every ``text`` item of the questionnaire, collects the valid respondents' answers
    (masked by :func:`survey.inputs.privacy.mask_text`) and groups them with the item's
    declared ``themes`` (or the default ones) by :func:`survey.render.suggestions.group_suggestions`.

    Parameters
    ----------
    s
        One survey of the analysis (``analysis.surveys``).

    Returns
    -------
    blocks : list
        Per item with answers: a paragraph counting them (how many wrote something, how many
        said nothing; it names the question when the survey has several text items) and, when
        any theme was found, the 意见和建议分类 table (主题, 条数, 原文摘录); empty when nobody
        wrote anything.
    top_themes : list of str
        Up to three theme names, largest first, 其他 left out: fed to the 七、相关建议
        placeholder as 意见建议较集中的方面.
    """
    q, data = s.questionnaire, s.cleaned.valid.data
    items = [it for it in q.items if it.type == "text" and it.id in data]
    blocks: list = []
    top: list = []
    for it in items:
        g = group_suggestions(_texts(s, it.id), it.themes or None)
        if not g.total:
            continue
        kept = g.total - g.empty
        which = f"对“{it.text.rstrip('？?。')}”，" if len(items) > 1 else ""
        said = f"{which}共有{g.total}人填写了意见和建议，"
        blocks.append(Para(said + "均为“无”“很好”等无具体内容的回答。" if not kept else
                           said + "按主题归类如下（一条可涉及多个主题）。" if not g.empty else
                           said + f"除去“无”“很好”等无具体内容的{g.empty}条，{kept}条按主题归类如下（一条可涉及多个主题）。"))
        if g.themes:
            rows = tuple((t.theme, str(t.count), "；".join(f"“{x}”" for x in t.quotes) or "—") for t in g.themes)
            blocks.append(Table(("主题", "条数", "原文摘录（已隐去个人信息）"), rows, numeric=frozenset({1}),
                                widths=(1.3, 0.6, 5.0), caption="意见和建议分类"))
        top += [(t.count, f"“{t.term}”" if t.term else t.theme) for t in g.themes if t.theme != OTHER]
    return blocks, [name for _, name in sorted(top, key=lambda x: -x[0])][:3]


def notes_blocks(analysis) -> list:
    """What the run asks the evaluator to check (``analysis.notes``: a year that disagrees …), one line each.

    Shown at the end of 二、评价工作开展情况 so the reader sees it beside the data description.

    >>> from types import SimpleNamespace as NS
    >>> [b.text for b in notes_blocks(NS(notes=("评分表标题“2022年…”写的是2022年，评价年度为2023年，请核对",)))]
    ['数据核对提示：评分表标题“2022年…”写的是2022年，评价年度为2023年，请核对。']
    """
    return [Para(f"数据核对提示：{n.rstrip('。')}。") for n in getattr(analysis, "notes", ())]


def report_blocks(analysis, narrative: Narrative | None = None, charts: dict | None = None,
                  suppress_below: int | None = None) -> list:
    """Every block of the report, in order; units below ``suppress_below`` respondents are shown as suppressed.

    ``suppress_below`` defaults to the analysis's ``min_per_district`` (:func:`suppress_threshold`).
    """
    from survey.render.validity import validity_paragraph

    narrative = narrative or Narrative()
    charts = charts or {}
    unit = unit_label(analysis)
    suppress_below = suppress_threshold(analysis, suppress_below)
    hs = {h.questionnaire: h for h in headlines(analysis)}
    card = analysis.scorecard
    out: list = [Heading(report_title(analysis), 0)]
    out += section_basics(analysis, narrative)
    out += section_work(analysis, narrative)
    out += notes_blocks(analysis)
    out += section_conclusion(analysis, charts)
    out += section_analysis(analysis, narrative)
    out.append(Heading("五、满意度调查分析", 1))
    lowest, themes = {}, {}
    for k, s in enumerate(analysis.surveys, start=1):
        q = s.questionnaire
        blocks, top = theme_blocks(s)
        themes[q.title] = top
        stats = scored_item_stats(s, hs[q.id])
        lowest[q.title] = [f"“{item_label(st.text)}”" for st in lowest_items(stats, overall_item(q))]
        out += survey_section(s, hs[q.id], k, unit, charts, blocks, suppress_below, standard_of(analysis))
    out += previous_blocks(analysis, len(analysis.surveys) + 1, unit)  # 与上年比较, with --previous only
    out += section_closing(analysis, narrative, lowest, themes)
    if card is not None:
        out += [PageBreak(landscape=True), Heading(ANNEX_SCORECARD, 1), Para(card.title, "centre"), annex_table(card)]
    out += [PageBreak(), Heading(ANNEX_SURVEY, 1), Para("问卷调查汇总分析报告", "centre")]
    for s in analysis.surveys:
        out += appendix_survey(s, hs[s.questionnaire.id], validity_paragraph(s.validity) if s.validity else "",
                               standard_of(analysis))
    return out


def report_body(analysis, suppress_below: int | None = None, charts: dict | None = None) -> list:
    """The report's blocks with the charts (drawn here unless given) and the narrative beside the workbook."""
    from survey.render.charts import report_charts
    from survey.render.narrative import read_narrative

    if charts is None:
        charts = report_charts(analysis, suppress_below)
    return report_blocks(analysis, read_narrative(analysis.workbook), charts, suppress_below)
