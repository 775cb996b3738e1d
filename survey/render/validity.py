"""The validity checks as a reader sees them: the Chinese paragraph and the sheets of validity.xlsx.

:func:`validity_paragraph` writes the paragraph for the report from the numbers of a
:class:`~survey.evaluation.validity.SurveyValidity` (honest on failures);
:func:`validity_tables` lays out the sheets of ``validity.xlsx`` with Chinese names
and headers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.definitions.vocab import OVERALL_LEVEL
from survey.evaluation.validity import THRESHOLDS, SurveyValidity
from survey.formatting import fmt_pct


# --------------------------------------------------------------------------- report text
def validity_paragraph(v: SurveyValidity) -> str:
    """A Chinese paragraph on the sample's validity, written from the numbers (honest on failures)."""
    c = v.counts.iloc[0]
    parts = [_counts_sentence(v.title, c)]
    margin = _margin_sentence(v)
    if margin is not None:
        parts.append(margin)
    parts.append(_reliability_sentence(v, c))
    parts.append(_factor_sentence(v))
    if v.coverage is not None:
        parts.append(coverage_sentence(v.coverage, v.other_margins, v.unit))
    return "".join(parts)


def _counts_sentence(title, c) -> str:
    """Questionnaires issued (when known), returned and valid."""
    if pd.notna(c["issued"]):
        return (f"{title}共发放问卷{int(c['issued'])}份，回收{int(c['returned'])}份（回收率{fmt_pct(c['return_rate'])}），"
                f"其中有效问卷{int(c['valid'])}份（有效率{fmt_pct(c['valid_rate'])}，按回收问卷计）。")
    return (f"{title}共回收问卷{int(c['returned'])}份，其中有效问卷{int(c['valid'])}份"
            f"（有效率{fmt_pct(c['valid_rate'])}，按回收问卷计）。")


def _margin_sentence(v: SurveyValidity) -> str | None:
    """The overall sampling error against the threshold, and the districts over it; None without an overall row."""
    conf = v.parameters.get("confidence", 0.95)
    ov = v.margins[v.margins["level"] == OVERALL_LEVEL]
    if not len(ov):
        return None
    head = ov.iloc[0]
    fpc = f"（总体{int(head['population'])}人，已做有限总体校正）" if pd.notna(head["population"]) else ""
    # design-based estimates (weighted to the frame) differ a little from the unweighted
    # rate quoted in the annex: say which one this is
    label = head["label"] + ("（按抽样框加权）" if v.parameters.get("se_includes_fpc") else "")
    text = (f"在{conf:.0%}置信水平下，{label}{fmt_pct(head['estimate'])}的抽样误差为±{fmt_pct(head['margin'])}{fpc}，"
            f"按最保守的50%比例计算的抽样误差为±{fmt_pct(head['moe_p50'])}")
    thr = v.parameters.get("max_margin", THRESHOLDS["margin"])
    text += f"，{'满足' if head['passed'] else '未满足'}抽样误差不超过{thr:.0%}的要求"
    if head["passed"] and head["moe_p50"] > thr:
        text += f"（保守口径超过{thr:.0%}，对满意率以外、接近50%的比例精度不足）"
    dist = v.margins[(v.margins["level"] != OVERALL_LEVEL) & (v.margins["measure"] == head["measure"])]
    if len(dist):
        bad = dist[dist["passed"] == False]  # noqa: E712
        if len(bad):
            text += f"；分{v.unit}样本较小，{len(bad)}个{v.unit}的抽样误差超过{thr:.0%}，分{v.unit}结果仅供参考"
    return text + "。"


def _na_words(options: tuple[str, ...]) -> str:
    """'或选择不适用选项（如未接触）' for the questionnaire's own not-applicable options ('' without any)."""
    return f"或选择不适用选项（如{'、'.join(options[:2])}）" if options else ""


def _reliability_sentence(v: SurveyValidity, c) -> str:
    """Cronbach's α of the scale and its dimensions, and the ceiling effect."""
    rel = v.reliability
    r0 = rel.iloc[0]
    if r0["passed"] is None:
        return f"量表信度无法计算：{r0['note']}。"
    dims = rel.iloc[1:]
    dtext = "、".join(f"{r['scale']}{r['cronbach_alpha']:.3f}" for _, r in dims.iterrows() if r["passed"] is not None)
    nd = [f"{r['scale']}（{r['note']}）" for _, r in dims.iterrows() if r["passed"] is None]
    dropped = int(c["valid"]) - int(r0["n"])
    min_a = f"{v.parameters.get('min_cronbach_alpha', THRESHOLDS['cronbach_alpha']):g}"
    t = (f"量表{int(r0['k'])}个题项的克隆巴赫α系数为{r0['cronbach_alpha']:.3f}"
         f"（95%置信区间{r0['ci_low']:.3f}–{r0['ci_high']:.3f}，n={int(r0['n'])}"
         + (f"，{dropped}人因有题项未作答{_na_words(v.na_options)}未纳入" if dropped > 0 else "") + "），"
         f"{'达到' if r0['passed'] else '未达到'}{min_a}的可接受标准")
    if dtext:
        t += f"；各维度α系数分别为{dtext}"
        weak = [r["scale"] for _, r in dims.iterrows() if r["passed"] is False]
        if weak:
            t += f"，其中{'、'.join(weak)}低于{min_a}"
    if nd:
        t += f"；{'、'.join(nd)}无法计算α"
    ce = v.ceiling.iloc[0]
    if ce["n_ceiling"] > 0:
        a_wo = ce["cronbach_alpha_without_ceiling"]
        t += (f"。{int(ce['n_ceiling'])}名受访者（{fmt_pct(ce['ceiling_share'])}）所有题项均选择最高等级，存在天花板效应，"
              f"剔除后α系数为{'无法计算' if pd.isna(a_wo) else format(a_wo, '.3f')}")
    return t + "。"


def _factor_sentence(v: SurveyValidity) -> str:
    """KMO and Bartlett's test: whether the items suit a factor analysis."""
    k, b = v.kmo, v.bartlett
    if not k.computable or not b.computable:
        return f"效度检验无法计算：{k.reason or b.reason}。"
    good = (k.overall >= v.parameters.get("min_kmo", THRESHOLDS["kmo"])
            and b.p_value < v.parameters.get("bartlett_alpha", THRESHOLDS["bartlett_p"]))
    ptxt = "p<0.001" if b.p_value < 0.001 else f"p={b.p_value:.3f}"
    return (f"KMO值为{k.overall:.3f}，Bartlett球形检验χ²={b.chi2:.2f}（df={b.df}，{ptxt}），"
            f"{'适合' if good else '不完全适合'}进行因子分析，{'结构效度良好' if good else '结构效度有待检验'}。")


def coverage_sentence(cv, other_margins=(), unit: str = "单位") -> str:
    """The representativeness sentence: the mix of units (``unit``: 区, 乡镇 …) tested, and what a difference means."""
    pv = "—" if np.isnan(cv.p_value) else f"{cv.p_value:.3f}"
    t = f"样本覆盖全部{len(cv.table)}个{unit}中的{int((cv.table['n'] > 0).sum())}个，"
    if cv.planned:  # tested against the plan; the frame test is shown beside it
        fp = "—" if np.isnan(cv.frame_p_value) else f"{cv.frame_p_value:.3f}"
        t += (f"样本{unit}分布与计划分配的卡方检验χ²={cv.chi2:.2f}（df={cv.df}，p={pv}），"
              f"与总体的检验χ²={cv.frame_chi2:.2f}（p={fp}），")
    else:
        t += f"样本{unit}分布与总体的卡方拟合优度检验χ²={cv.chi2:.2f}（df={cv.df}，p={pv}），"
    t += f"各{unit}占比最大相差{fmt_pct(cv.max_abs_diff)}，"
    kind = cv.kind
    if kind == "off_plan" and not np.isnan(cv.frame_p_value) and cv.frame_p_value >= cv.alpha:
        kind = "off_plan_frame_like"
    t += COVERAGE_VERDICT[kind].format(unit=unit)
    if cv.below_minimum:
        t += f"；{'、'.join(cv.below_minimum)}样本量低于最低要求（{int(cv.table['minimum'].max())}份）"
    for o in other_margins:
        t += (f"；{o.variable}结构χ²={o.chi2:.2f}（p={o.p_value:.3f}），"
              + ("与总体一致" if o.passed_fit else "与总体存在差异" if o.passed_fit is False else "无法检验"))
        if o.weighted and o.passed_fit is False:
            t += "，加权后与总体无显著差异" if o.passed_weighted_fit else "，加权后仍与总体存在差异"
    return t + "。"


# What the district mix means, by :attr:`survey.evaluation.validity.Coverage.kind`.
COVERAGE_VERDICT = {
    "consistent": "样本结构与总体无显著差异，具有代表性",
    "planned": "样本{unit}分布与总体的差异系按设计采用非比例分配所致，实际样本与计划分配无显著差异，加权（设计权数）后可代表总体",
    "off_plan": "样本{unit}分布既不同于总体、也偏离计划分配（非计划差异），宜加权调整并关注应答率偏低的{unit}",
    "off_plan_frame_like": "实际样本偏离计划分配，但与总体结构无显著差异，具有代表性",
    "corrected": ("样本{unit}分布与总体存在显著差异（非计划差异，可能源于各{unit}应答率不同），"
                  "已按{unit}加权调整，加权后与总体无显著差异"),
    "unplanned": "样本{unit}分布与总体存在显著差异，宜加权调整",
    "untestable": "无法检验{unit}分布",
}


SHEET_HEADERS = {
    "questionnaire": "问卷", "check": "检验项目", "value": "结果", "threshold": "标准", "verdict": "结论",
    "detail": "说明", "issued": "发放", "returned": "回收", "valid": "有效", "return_rate": "回收率",
    "valid_rate": "有效率（按回收）", "valid_rate_issued": "有效率（按发放）", "measure": "口径", "label": "指标",
    "domain": "分组", "level": "组别", "n": "样本量", "population": "总体", "estimate": "估计值",
    "ci_low": "置信下限", "ci_high": "置信上限", "half_width": "区间半宽", "moe_fpc": "抽样误差（FPC）",
    "moe_p50": "保守抽样误差（p=50%）", "margin": "抽样误差", "variable": "变量", "category": "类别",
    "population_share": "总体占比", "sample_share": "样本占比", "share_diff": "占比差", "response_rate": "样本/总体",
    "expected": "期望样本量", "minimum": "最低样本量", "scale": "量表", "k": "题项数", "cronbach_alpha": "α系数",
    "item": "题项", "mean": "均值", "sd": "标准差", "item_total_r": "校正题总相关", "cronbach_alpha_if_deleted": "删除该题后α",
    "note": "备注", "n_ceiling": "全选最高等级人数", "ceiling_share": "天花板比例",
    "cronbach_alpha_without_ceiling": "剔除后α", "n_without_ceiling": "剔除后样本量", "msa": "MSA",
}


def _zh(df: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns=[c for c in ("passed",) if c in df.columns])
    return out.rename(columns=SHEET_HEADERS)


def coverage_sheet(results) -> str:
    """The name of validity.xlsx's coverage sheet: {unit}覆盖 (区覆盖, 乡镇覆盖 …), 单位覆盖 when the surveys differ.

    >>> from types import SimpleNamespace as NS
    >>> coverage_sheet([NS(unit="街道")]), coverage_sheet([NS(unit="街道"), NS(unit="村")])
    ('街道覆盖', '单位覆盖')
    """
    units = {v.unit for v in results}
    return f"{units.pop() if len(units) == 1 else '单位'}覆盖"


def validity_tables(results) -> dict[str, pd.DataFrame]:
    """The sheets of ``validity.xlsx`` (Chinese sheet names and headers) for one or more questionnaires.

    The coverage sheet is named after the breakdown unit (:func:`coverage_sheet`).
    """
    results = [results] if isinstance(results, SurveyValidity) else list(results)

    def cat(get, with_q=True):
        frames = []
        for v in results:
            df = get(v)
            if df is None or len(df) == 0:
                continue
            df = df.copy()
            if with_q and "questionnaire" not in df:
                df.insert(0, "questionnaire", v.questionnaire)
            frames.append(df)
        return _zh(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()

    def kmo_table(v):
        rows = [dict(item=OVERALL_LEVEL, msa=v.kmo.overall, note=v.kmo.reason)]
        rows += [dict(item=str(i), msa=float(m), note="") for i, m in v.kmo.items.items()]
        b = v.bartlett
        rows.append(dict(item="Bartlett χ²", msa=b.chi2, note=b.reason or f"df={b.df}，p={b.p_value:.3g}，n={b.n}"))
        return pd.DataFrame(rows)

    return {
        "检验汇总": cat(lambda v: v.checks),
        "报告段落": pd.DataFrame({"问卷": [v.questionnaire for v in results], "段落": [validity_paragraph(v) for v in results]}),
        "样本与回收": cat(lambda v: v.counts),
        "抽样误差": cat(lambda v: v.margins),
        coverage_sheet(results): cat(lambda v: v.coverage.table if v.coverage is not None else None),
        "其他结构": cat(lambda v: pd.concat([o.table for o in v.other_margins], ignore_index=True)
                     if v.other_margins else None),
        "信度": cat(lambda v: v.reliability),
        "题项分析": cat(lambda v: v.items),
        "天花板效应": cat(lambda v: v.ceiling),
        "KMO与Bartlett": cat(kmo_table),
    }
