"""The content of report.docx and report.html, in the structure of a 财预〔2020〕10号 report.

:func:`report_blocks` turns an analysis (and the evaluator's narrative) into blocks
(:mod:`survey.render.blocks`): 一、项目基本情况; 二、评价工作开展情况; 三、综合评价结论;
四、绩效分析; 五、满意度调查分析; 六、存在问题; 七、相关建议; 附件1 评分表; 附件2
问卷调查汇总分析报告. Every figure comes from the analysis; what only people know
(概况, 成效, 问题, 建议) comes from the narrative or stands as a 【待填写：…】
placeholder beside the data that bear on it. Labels (区, survey names, indicator
names) come from the questionnaires, the framework and the workbook.
"""

from __future__ import annotations

from survey.evaluation.headline import headlines
from survey.evaluation.score import grade_rule_text
from survey.formatting import fmt_ci, fmt_cn, fmt_num, fmt_pct
from survey.render.blocks import Heading, Para, Table, placeholder
from survey.render.narrative import SECTIONS, Narrative
from survey.render.survey_words import rate_word, reliability_words

MODE_TEXT = {"online": "网络问卷", "interview": "入户或当面访谈"}
WEIGHTING_TEXT = {
    "poststratify": "按抽样框各{unit}人数事后分层加权",
    "rake": "按抽样框各{unit}人数及{margins}结构迭代加权",
    "calibrate": "按抽样框各{unit}人数及{margins}结构校准加权",
}


def report_title(analysis) -> str:
    """The report's title from the annex title: '…项目绩效评价指标评分表' → '…项目绩效评价报告'."""
    card = analysis.scorecard
    title = card.title if card is not None else analysis.framework.title
    for tail in ("指标评分表", "评分表"):
        if title.endswith(tail):
            return title[: -len(tail)] + "报告"
    return title + "报告"


def sentence(text: str) -> str:
    """Text ending with a full stop (评分过程 texts have none)."""
    return text if not text or text[-1] in "。！？；）】" else text + "。"


def narrative_or_placeholder(narrative: Narrative, name: str, data: list[str] | None = None) -> list:
    """The evaluator's paragraphs for a narrative section, or a 【待填写】 placeholder.

    Parameters
    ----------
    narrative : Narrative
        The evaluator's texts (:mod:`survey.render.narrative`).
    name : str
        The section's name, a key of :data:`survey.render.narrative.SECTIONS` (项目概况,
        绩效目标, 主要成效, 存在问题, 相关建议 …).
    data : list of str, optional
        Facts from the analysis that bear on the section, listed in the placeholder.

    Returns
    -------
    list of Para
        One paragraph per narrative paragraph when the narrative has the section; otherwise
        a single placeholder ``【待填写：name（what it should say）】`` followed by the data.
    """
    paras = narrative.get(name)
    if paras:
        return [Para(p) for p in paras]
    return [placeholder(f"{name}（{SECTIONS[name]}）", data)]


def questionnaire_unit(q) -> str | None:
    """What a questionnaire's breakdown unit is called (:attr:`Questionnaire.unit_word`), None when unnamed."""
    word = q.unit_word
    return None if word == "单位" else word


def unit_label(analysis) -> str:
    """What the breakdown unit is called (区, 县, 街道 …): the first questionnaire's that names one, else 单位."""
    return next((u for s in analysis.surveys if (u := questionnaire_unit(s.questionnaire))), "单位")


# -- 一、项目基本情况 -------------------------------------------------------------------

def allocation_table(alloc, unit: str) -> Table:
    """The 资金分配情况 table of 一、项目基本情况（二）资金情况.

    Parameters
    ----------
    alloc
        The scorecard's fund allocation (``scorecard.allocation``): ``districts`` as
        ``(name, amount, …)`` and an optional printed ``total``, in 万元.
    unit : str
        What a breakdown unit is called (:func:`unit_label`), used in the header 各{unit};
        the total row keeps the label typed in the allocation sheet (全市合计, 全县合计, 合计 …).

    Returns
    -------
    Table
        One row per unit with its amount (two decimals), and a bold total row when the
        workbook prints a total.
    """
    rows = [(name, f"{amount:.2f}") for name, amount, _ in alloc.districts]
    bold = set()
    if alloc.total is not None:
        rows.append((alloc.total_label, f"{alloc.total:.2f}"))
        bold.add(len(rows) - 1)
    return Table((f"各{unit}", "分配金额（万元）"), tuple(rows), numeric=frozenset({1}),
                 bold_rows=frozenset(bold), widths=(1.2, 1.0), caption="资金分配情况", width=0.6)


def section_basics(analysis, narrative: Narrative) -> list:
    """一、项目基本情况: （一）项目概况, （二）资金情况, （三）绩效目标.

    项目概况 and 绩效目标 come from the narrative or stand as placeholders, beside the
    number of units and the allocated total (项目概况) and the annex rows' 指标值
    (绩效目标, the first eight). 资金情况 holds the narrative's paragraphs, if any, then a
    sentence and :func:`allocation_table` when the workbook has a fund allocation; with
    neither, a placeholder.

    Parameters
    ----------
    analysis
        The analysis (:func:`survey.pipeline.analyze`).
    narrative : Narrative
        The evaluator's texts.

    Returns
    -------
    list
        The section's blocks, its headings first.
    """
    card, unit = analysis.scorecard, unit_label(analysis)
    out: list = [Heading("一、项目基本情况", 1), Heading("（一）项目概况", 2)]
    alloc = None if card is None else card.allocation
    data = []
    if alloc is not None:
        shown = alloc.total if alloc.total is not None else alloc.sum
        data.append(f"资金分配表列示{len(alloc.districts)}个{unit}，合计{shown:.2f}万元")
    out += narrative_or_placeholder(narrative, "项目概况", data)
    out.append(Heading("（二）资金情况", 2))
    if narrative.get("资金情况"):
        out += [Para(p) for p in narrative.get("资金情况")]
    if alloc is not None:
        shown = alloc.total if alloc.total is not None else alloc.sum
        out.append(Para(f"专项资金分配至{len(alloc.districts)}个{unit}，合计{shown:.2f}万元，分配情况见下表。"))
        out.append(allocation_table(alloc, unit))
    elif not narrative.get("资金情况"):
        out.append(placeholder("资金情况（资金来源、预算安排、到位与使用情况）", ["工作簿中没有资金分配表"]))
    out.append(Heading("（三）绩效目标", 2))
    targets = () if card is None else tuple((r.level1, r.level2, r.name, r.target.replace("\n", ""))
                                            for r in card.rows if r.target)
    out += narrative_or_placeholder(narrative, "绩效目标",
                                    [f"评分表{len(targets)}项三级指标的指标值见下表"] if targets else None)
    if targets and not narrative.get("绩效目标"):  # every target, never a cut list
        out.append(Table(("一级指标", "二级指标", "三级指标", "指标值"), targets, merge_columns=frozenset({0, 1}),
                         widths=(1.0, 1.2, 1.8, 1.2), caption="评分表各三级指标的指标值"))
    return out


# -- 二、评价工作开展情况 -----------------------------------------------------------------

def _method_text(analysis) -> str:
    card = analysis.scorecard
    fw = analysis.framework
    level1 = list(dict.fromkeys(i.level1 for i in fw.indicators))
    fed = [r.name for r in card.rows if r.survey] if card is not None else [i.score.indicator for i in analysis.indicators]
    surveys = "、".join(f"“{s.questionnaire.title}”" for s in analysis.surveys)
    text = (f"本次评价依据《{fw.title}》，设{'、'.join(level1)}{len(level1)}个一级指标、{len(fw.indicators)}个三级指标，"
            f"满分{fmt_num(sum(i.weight for i in fw.indicators))}分。")
    if fed:
        text += f"其中{'、'.join(fed)}由问卷调查结果计分（{surveys}），其余指标依据指标数据与评价人员核查判断计分。"
    text += f"评价等级按总分划分：{grade_rule_text()}。"
    return text


def exclusion_table(analysis) -> Table | None:
    """The 问卷发放、回收与有效问卷 table of 二、评价工作开展情况.

    One row per survey: 发放 (— when unknown), 回收, one 剔除 column per cleaning rule
    that excluded anyone in any survey (labelled from
    :data:`survey.evaluation.clean.RULE_LABELS`), 有效 and 有效率 (valid / returned).

    Parameters
    ----------
    analysis
        The analysis.

    Returns
    -------
    Table or None
        The table, or None when no rule excluded any response.
    """
    from survey.evaluation.clean import RULE_LABELS

    rules: list[str] = []
    for s in analysis.surveys:
        rules += [r for r in s.cleaned.excluded_by_rule() if r not in rules]
    if not rules:
        return None
    rows = []
    for s in analysis.surveys:
        c = s.cleaned
        by = c.excluded_by_rule()
        issued = c.usable_issued()
        rows.append((s.questionnaire.title, "—" if issued is None else str(issued), str(c.returned),
                     *[str(by.get(r, 0)) for r in rules], str(c.n_valid),
                     fmt_pct(c.n_valid / c.returned) if c.returned else "—"))
    header = ("问卷", "发放", "回收", *[f"剔除\n{RULE_LABELS.get(r, r)}" for r in rules], "有效", "有效率\n（按回收）")
    return Table(header, tuple(rows), numeric=frozenset(range(1, len(header))), caption="问卷发放、回收与有效问卷（份）",
                 widths=(1.8, 0.7, 0.7, *[1.35] * len(rules), 0.7, 1.1))


def _date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def sample_design_text(s, unit: str) -> str:
    """The sentence on how one survey was conducted, for 数据采集方法及过程.

    Parameters
    ----------
    s
        One survey of the analysis.
    unit : str
        What a breakdown unit is called (:func:`unit_label`).

    Returns
    -------
    str
        Mode (网络问卷 / 入户或当面访谈, from the questionnaire's ``mode``), the fieldwork
        dates when the questionnaire gives both, the respondents (相关人员 when unnamed) and,
        when the survey is weighted, how (:data:`WEIGHTING_TEXT`: by the frame's counts per
        unit, and the margins' item texts for raking or calibration).
    """
    q = s.questionnaire
    fw = q.fieldwork
    period = ""
    if fw is not None and fw.start and fw.end:
        period = f"调查时间为{_date(fw.start)}至{_date(fw.end)}，"
    mode = MODE_TEXT.get(q.mode, "问卷")
    text = f"“{q.title}”以{mode}方式开展，{period}调查对象为{q.respondents or '相关人员'}。"
    if s.weights is not None and q.weighting is not None:
        margins = "、".join(q.variable_word(m) for m in (q.weighting.margins or ()) if m in {i.id for i in q.items})
        how = WEIGHTING_TEXT.get(q.weighting.method, "加权").format(unit=unit, margins=margins or "其他")
        text += f"为使各{unit}样本与总体结构一致，{how}。"
    return text


def quality_text(s, h) -> str:
    """Two or three sentences on the survey's quality, from the validity checks and the scored figure."""
    v = s.validity
    f = h.scored
    text = (f"{h.label}为{fmt_pct(f.estimate)}（{f.basis}，{h.ci_name}{fmt_ci(f.ci_low, f.ci_high)}，"
            f"有效样本{f.n}人）。")
    if v is None:
        return text
    m = v.margins[(v.margins["measure"] == h.measure) & (v.margins["level"] == "全部")]
    if len(m):
        r = m.iloc[0]
        ok = "满足" if r["passed"] else "未满足"
        text += (f"按{h.level * 100:g}%置信水平计算，该比例的抽样误差为±{fmt_pct(r['margin'])}，"
                 f"{ok}抽样误差不超过{fmt_pct(r['threshold'], 0)}的要求")
    rel = reliability_words(v.reliability)
    if rel:
        text += "；" + rel
    if v.coverage is not None and v.coverage.passed_fit is not None:
        unit = questionnaire_unit(s.questionnaire) or "单位"
        text += (f"；样本各{unit}分布与总体无显著差异" if v.coverage.passed_fit
                 else f"；样本各{unit}分布与总体存在显著差异，已加权调整" if s.weights is not None
                 else f"；样本各{unit}分布与总体存在显著差异")
    return text + "。"


def section_work(analysis, narrative: Narrative) -> list:
    """二、评价工作开展情况: 评价目的, 评价方法, 数据采集方法及过程, 调查质量.

    （一）评价目的 appears only when the narrative has it (the later subsections are numbered
    on from it). 评价方法 describes the framework (一级指标, number of 三级指标, full
    marks, which indicators the surveys score, the grade bands); 数据采集方法及过程 has
    :func:`sample_design_text` and the cleaning summary of each survey (with the checks
    that did not run, ``Cleaned.notes``), then
    :func:`exclusion_table`; 调查质量 has :func:`quality_text` per survey.

    Parameters
    ----------
    analysis
        The analysis.
    narrative : Narrative
        The evaluator's texts.

    Returns
    -------
    list
        The section's blocks.
    """
    unit = unit_label(analysis)
    out: list = [Heading("二、评价工作开展情况", 1)]
    if narrative.get("评价目的"):
        out += [Heading("（一）评价目的", 2), *[Para(p) for p in narrative.get("评价目的")]]
        k = 2
    else:
        k = 1
    out += [Heading(f"（{fmt_cn(k)}）评价方法", 2), Para(_method_text(analysis)),
            Heading(f"（{fmt_cn(k + 1)}）数据采集方法及过程", 2)]
    hs = {h.questionnaire: h for h in headlines(analysis)}
    for s in analysis.surveys:
        not_run = "".join(f"{n.rstrip('。')}。" for n in s.cleaned.notes)  # checks unset or impossible, said
        out.append(Para(sample_design_text(s, unit) + s.cleaned.summary().replace("本次调查", "该调查") + not_run))
    t = exclusion_table(analysis)
    if t is not None:
        out.append(t)
    out.append(Heading(f"（{fmt_cn(k + 2)}）调查质量", 2))
    for s in analysis.surveys:
        out.append(Para(f"{s.questionnaire.title}：" + quality_text(s, hs[s.questionnaire.id])))
    return out


# -- 三、综合评价结论 and 四、绩效分析 ----------------------------------------------------------

def level_rows(card) -> list[tuple[str, str, float, float]]:
    """(一级, 二级, 分值, 得分) for every 二级指标, in the annex order."""
    agg: dict[tuple[str, str], list[float]] = {}
    for r in card.rows:
        a = agg.setdefault((r.level1, r.level2), [0.0, 0.0])
        a[0] += r.weight
        a[1] += r.score
    return [(l1, l2, w, s) for (l1, l2), (w, s) in agg.items()]


def _rate(score: float, weight: float) -> str:
    return fmt_pct(score / weight) if weight else "—"


def subtotal_table(card) -> Table:
    """The 各级指标得分情况 table of 三、综合评价结论.

    Parameters
    ----------
    card
        The scored annex (``analysis.scorecard``).

    Returns
    -------
    Table
        分值, 得分 and 得分率 of every 二级指标 (from :func:`level_rows`), a bold 小计 row
        after each 一级指标 (whose cells merge down the first column), and a bold 合计 row
        spanning the two label columns with the annex total (:func:`survey.render.annex.total_text`).
    """
    rows, bold, span = [], set(), []
    lv = level_rows(card)
    for l1 in dict.fromkeys(r[0] for r in lv):
        part = [r for r in lv if r[0] == l1]
        for _, l2, w, s in part:
            rows.append((l1, l2, fmt_num(w), fmt_num(s), _rate(s, w)))
        w, s = sum(p[2] for p in part), sum(p[3] for p in part)
        rows.append((l1, "小计", fmt_num(w), fmt_num(s), _rate(s, w)))
        bold.add(len(rows) - 1)
    from survey.render.annex import total_text

    rows.append(("合计", "", fmt_num(card.weight_total), total_text(card.total), _rate(card.total, card.weight_total)))
    bold.add(len(rows) - 1)
    span.append((len(rows) - 1, 0, 1))
    return Table(("一级指标", "二级指标", "分值", "得分", "得分率"), tuple(rows), numeric=frozenset({2, 3, 4}),
                 merge_columns=frozenset({0}), bold_rows=frozenset(bold), widths=(1.2, 1.6, 0.8, 0.8, 0.9),
                 caption="各级指标得分情况", span_rows=tuple(span), width=0.85)


def section_conclusion(analysis, charts: dict) -> list:
    """三、综合评价结论: the total score and grade, the subtotals, and the level-1 chart.

    Parameters
    ----------
    analysis
        The analysis.
    charts : dict
        The report's charts (:func:`survey.render.charts.report_charts`); its ``"level1"``
        chart is added when present.

    Returns
    -------
    list
        The heading, a paragraph with the total (总得分, 评价等级 and, if any indicator lost
        points, how many and the points lost), :func:`subtotal_table` and the chart; only a
        placeholder when the workbook has no indicator data (no scorecard).
    """
    card = analysis.scorecard
    out: list = [Heading("三、综合评价结论", 1)]
    if card is None:
        out.append(placeholder("综合评价结论", ["工作簿中没有指标数据表，只计算了满意度指标"]))
        return out
    from survey.render.annex import total_text

    lost = [r for r in card.rows if r.score < r.weight - 1e-9]
    text = (f"经综合评价，{report_title(analysis).removesuffix('报告')}总得分为{total_text(card.total)}分，"
            f"评价等级为“{card.grade}”。")
    if lost:
        text += f"{len(lost)}项三级指标未得满分，共扣{fmt_num(card.weight_total - card.total)}分，见绩效分析。"
    out += [Para(text), subtotal_table(card)]
    if "level1" in charts:
        out.append(charts["level1"])
    return out


def deduction_table(card) -> Table:
    """The 扣分汇总 table of 四、绩效分析: every 三级指标 that lost points.

    Parameters
    ----------
    card
        The scored annex.

    Returns
    -------
    Table
        一级指标, 三级指标, 分值, 得分, 扣分 and 扣分原因 (the indicator's 评分过程) for each
        indicator below full marks, then a bold 合计 row with the points lost over all rows.
    """
    rows = [(r.level1, r.name, fmt_num(r.weight), fmt_num(r.score), fmt_num(r.weight - r.score), r.narrative)
            for r in card.rows if r.score < r.weight - 1e-9]
    total = sum(r.weight - r.score for r in card.rows)
    rows.append(("合计", "", "", "", fmt_num(total), ""))
    return Table(("一级指标", "三级指标", "分值", "得分", "扣分", "扣分原因"), tuple(rows),
                 numeric=frozenset({2, 3, 4}), bold_rows=frozenset({len(rows) - 1}),
                 widths=(1.1, 1.6, 0.6, 0.6, 0.6, 4.0), caption="扣分汇总", span_rows=((len(rows) - 1, 0, 3),))


def section_analysis(analysis, narrative: Narrative) -> list:
    """四、绩效分析: one subsection per 一级指标, then 扣分汇总 and 主要成效.

    Each 一级指标 subsection gives its 分值, 得分 and 得分率, then each of its 三级指标
    with its 二级指标, points and 评分过程. 扣分汇总 is :func:`deduction_table` (or a
    sentence that nothing lost points); 主要成效 comes from the narrative or stands as a
    placeholder listing the indicators with full marks.

    Parameters
    ----------
    analysis
        The analysis.
    narrative : Narrative
        The evaluator's texts.

    Returns
    -------
    list
        The section's blocks; only the heading and a placeholder when there is no scorecard.
    """
    card = analysis.scorecard
    out: list = [Heading("四、绩效分析", 1)]
    if card is None:
        return [*out, placeholder("绩效分析", ["工作簿中没有指标数据表"])]
    for k, l1 in enumerate(dict.fromkeys(r.level1 for r in card.rows), start=1):
        rows = [r for r in card.rows if r.level1 == l1]
        w, s = sum(r.weight for r in rows), sum(r.score for r in rows)
        out.append(Heading(f"（{fmt_cn(k)}）{l1}", 2))
        out.append(Para(f"{l1}类指标分值{fmt_num(w)}分，得分{fmt_num(s)}分，得分率{_rate(s, w)}。"))
        for i, r in enumerate(rows, start=1):
            lost = r.weight - r.score
            tail = f"扣{fmt_num(lost)}分" if lost > 1e-9 else "得满分"
            out.append(Para(f"{i}. {r.name}（{r.level2}，分值{fmt_num(r.weight)}分，得{fmt_num(r.score)}分，{tail}）："
                            + sentence(r.narrative)))
    out.append(Heading(f"（{fmt_cn(len(dict.fromkeys(r.level1 for r in card.rows)) + 1)}）扣分汇总", 2))
    if any(r.score < r.weight - 1e-9 for r in card.rows):
        out.append(deduction_table(card))
    else:
        out.append(Para("各项指标均得满分，无扣分。"))
    full = [r.name for r in card.rows if r.score >= r.weight - 1e-9]
    out.append(Heading(f"（{fmt_cn(len(dict.fromkeys(r.level1 for r in card.rows)) + 2)}）主要成效", 2))
    out += narrative_or_placeholder(narrative, "主要成效", [f"得满分的指标{len(full)}项：" + "、".join(full)] if full else None)
    return out


# -- 六、七 ---------------------------------------------------------------------------

def problem_data(analysis, lowest: dict[str, list[str]]) -> list[str]:
    """The facts listed beside the 六、存在问题 placeholder.

    Parameters
    ----------
    analysis
        The analysis.
    lowest : dict of str to list of str
        Per questionnaire title, the labels of its lowest-rated items
        (:func:`survey.render.survey_body.lowest_items`).

    Returns
    -------
    list of str
        扣分指标 with the points each lost (when there is a scorecard), and each survey's
        lowest-rated items.
    """
    card = analysis.scorecard
    data = []
    if card is not None:
        lost = [f"{r.name}扣{fmt_num(r.weight - r.score)}分" for r in card.rows if r.score < r.weight - 1e-9]
        if lost:
            data.append("扣分指标：" + "、".join(lost))
    words = rate_words(analysis)
    for title, items in lowest.items():
        if items:
            data.append(f"{title}{words.get(title, '满意率')}最低的题项：" + "、".join(items))
    return data


def rate_words(analysis) -> dict[str, str]:
    """Per questionnaire title, the name of its scored rate (:func:`~survey.render.survey_words.rate_word`)."""
    return {s.questionnaire.title: rate_word(h.scored.weighted) for s, h in zip(analysis.surveys, headlines(analysis))}


def section_closing(analysis, narrative: Narrative, lowest: dict[str, list[str]], themes: dict[str, list[str]]) -> list:
    """六、存在问题 and 七、相关建议, from the narrative or as placeholders beside the data.

    Parameters
    ----------
    analysis
        The analysis.
    narrative : Narrative
        The evaluator's texts.
    lowest : dict of str to list of str
        Per questionnaire title, the labels of its lowest-rated items.
    themes : dict of str to list of str
        Per questionnaire title, the suggestion themes most written about
        (:func:`survey.render.outline.theme_blocks`).

    Returns
    -------
    list
        Both sections' blocks: 存在问题 lists :func:`problem_data`; 相关建议 lists the
        lowest-rated items and the main suggestion themes.
    """
    out: list = [Heading("六、存在问题", 1)]
    out += narrative_or_placeholder(narrative, "存在问题", problem_data(analysis, lowest))
    out.append(Heading("七、相关建议", 1))
    words = rate_words(analysis)
    data = [f"{title}{words.get(title, '满意率')}最低的题项：" + "、".join(items) for title, items in lowest.items() if items]
    data += [f"{title}意见建议较集中的方面：" + "、".join(t) for title, t in themes.items() if t]
    out += narrative_or_placeholder(narrative, "相关建议", data)
    return out


# -- 附件1 评分表 ----------------------------------------------------------------------

def annex_table(card) -> Table:
    """附件1 评分表 as a report table (the same annex as annex.xlsx), on a landscape page.

    Parameters
    ----------
    card
        The scored annex.

    Returns
    -------
    Table
        One row per 三级指标 with the annex headers (:data:`survey.definitions.vocab.ANNEX_HEADERS`):
        一级, 二级 and 三级指标, 指标值, 评分标准, 评分过程, 分值, 得分; the 一级 and 二级
        cells merge down; then bold 合计 and 评价等级 rows.
    """
    from survey.definitions.vocab import ANNEX_HEADERS
    from survey.render.annex import total_text

    rows = [(r.level1, r.level2, r.name, r.target, r.criterion, r.narrative, fmt_num(r.weight), fmt_num(r.score))
            for r in card.rows]
    rows.append(("合计", "", "", "", "", "", fmt_num(card.weight_total), total_text(card.total)))
    rows.append(("评价等级", "", "", "", "", "", card.grade, ""))
    n = len(rows)
    return Table(ANNEX_HEADERS, tuple(rows), numeric=frozenset({6, 7}), merge_columns=frozenset({0, 1}),
                 bold_rows=frozenset({n - 2, n - 1}), widths=(1.8, 2.0, 2.6, 1.5, 7.0, 8.4, 1.1, 1.2),
                 span_rows=((n - 2, 0, 5), (n - 1, 0, 5), (n - 1, 6, 7)), landscape=True)
