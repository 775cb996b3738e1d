"""The working-paper workbooks as a reviewer reads them: Chinese headers, texts before ids.

The tables of :mod:`survey.render.report` (``satisfaction_table`` …) keep their English,
tidy columns for programs; these functions turn them into the sheets written to
satisfaction.xlsx, audit.xlsx and validity.xlsx: Chinese headers, questionnaire titles,
item and option texts, 剔除 / 标记 instead of exclude / flag, the ids in the last
columns, the scored figure marked (计分口径), and the number format of every column
(:data:`FORMATS`, read by :func:`survey.render.office.xlsx_bytes`).
"""

from __future__ import annotations

import re

import pandas as pd

from survey.definitions.outcome import MODE_TEXT
from survey.definitions.vocab import OVERALL
from survey.evaluation.clean import RULE_LABELS
from survey.formatting import fmt_num, fmt_pct
from survey.inputs.formats import FORMATS as EXPORT_FORMATS
from survey.render.body import unit_label

METHOD_TEXT = {"poststratify": "事后分层", "rake": "迭代加权（raking）", "calibrate": "线性校准", "design": "设计权重"}
ACTION_TEXT = {"exclude": "剔除", "flag": "标记（保留）"}
SATISFACTION = {
    "title": "问卷", "label": "口径", "level": "分组", "n": "样本量", "estimate": "估计值", "ci_low": "置信下限",
    "ci_high": "置信上限", "reliability": "可靠性（NCHS）", "se": "标准误", "ci_method": "区间方法",
    "n_eff": "有效样本量（方差折算）", "deff": "设计效应",
    "estimate_w": "加权估计值", "ci_low_w": "加权置信下限", "ci_high_w": "加权置信上限", "reliability_w": "加权可靠性（NCHS）",
    "se_w": "加权标准误",
    "ci_method_w": "加权区间方法", "n_eff_w": "加权有效样本量（方差折算，含有限总体校正，可大于样本量）",
    "kish_n_eff": "加权Kish有效样本量", "deff_w": "加权设计效应", "scored": "计分口径", "note": "备注",
    "questionnaire": "问卷编号", "measure": "口径编号", "domain": "分组方式",
}
FORMATS = {
    "信度": {"α系数": "0.000", "置信下限": "0.000", "置信上限": "0.000"},
    "题项分析": {"均值": "0.00", "标准差": "0.00", "校正题总相关": "0.000", "删除该题后α": "0.000"},
    "天花板效应": {"α系数": "0.000", "剔除后α": "0.000"},
    "KMO与Bartlett": {"MSA": "0.000"},
    "其他结构": {"期望样本量": "0.0"},
    "满意度统计明细": {"有效样本量（方差折算）": "0", "加权有效样本量（方差折算，含有限总体校正，可大于样本量）": "0",
             "加权Kish有效样本量": "0", "设计效应": "0.00", "加权设计效应": "0.00"},
    "权重": {"权重合计": "0.00", "最小": "0.000", "最大": "0.000", "均值": "0.000", "变异系数": "0.000",
           "Kish设计效应": "0.000", "Kish有效样本量": "0.0"},
    "权重边际": {"目标": "0.00", "实现": "0.00", "差值": "0.0000"},
    "权重明细": {"权重": "0.0000", "行号": "0"},
}


def sheet_formats(sheets) -> dict[str, dict[str, str]]:
    """:data:`FORMATS` and the coverage sheet's, whose name is the unit's (区覆盖, 乡镇覆盖 …)."""
    return {**FORMATS, **{name: {"期望样本量": "0.0"} for name in sheets if name.endswith("覆盖")}}



def _titles(analysis) -> dict[str, str]:
    return {s.questionnaire.id: s.questionnaire.title for s in analysis.surveys}


def _ids_last(df: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    keep = [c for c in df.columns if c not in ids]
    return df[keep + [c for c in ids if c in df.columns]]


def satisfaction_sheet(table: pd.DataFrame, analysis) -> pd.DataFrame:
    """satisfaction_table → the 满意度 sheet (Chinese headers, 计分口径 marked, Kish n_eff beside the variance one)."""
    from survey.evaluation.headline import headlines

    df = table.copy()
    df.insert(0, "title", df["questionnaire"].map(_titles(analysis)))
    scored = {h.questionnaire: h for h in headlines(analysis)}
    df["scored"] = [("是（" + scored[q].scored.basis + "）") if q in scored and m == scored[q].measure else None
                    for q, m in zip(df["questionnaire"], df["measure"])]
    kish = {s.questionnaire.id: s.weights.diagnostics.n_eff for s in analysis.surveys if s.weights is not None}
    if "n_eff_w" in df:
        df.insert(list(df.columns).index("n_eff_w") + 1, "kish_n_eff",
                  [kish.get(q) if d == OVERALL else None for q, d in zip(df["questionnaire"], df["domain"])])
    unit = unit_label(analysis)
    df["domain"] = df["domain"].map(lambda d: "全部" if d == OVERALL else f"按{unit}")
    for col in ("ci_method", "ci_method_w"):
        if col in df:
            df[col] = df[col].map(ci_method_text)
    order = [c for c in SATISFACTION if c in df.columns]
    return df[order].rename(columns=SATISFACTION)


READER_COLUMNS = ("问卷", "口径", "分组", "样本量", "估计值", "置信下限", "置信上限", "可靠性（NCHS）", "加权估计值",
                  "加权置信下限", "加权置信上限", "加权可靠性（NCHS）", "计分口径", "备注")


def reader_columns(sheet: pd.DataFrame) -> pd.DataFrame:
    """The columns a reviewer reads (estimates and intervals); the rest go to the 统计明细 sheet."""
    return sheet[[c for c in READER_COLUMNS if c in sheet.columns]]


CI_METHODS = {"wilson": "Wilson", "beta": "Clopper–Pearson", "jeffreys": "Jeffreys", "agresti_coull": "Agresti–Coull",
              "normal": "正态近似", "logit": "logit变换", "korn_graubard": "Korn–Graubard", "t": "t分布"}


def ci_method_text(m):
    """'wilson_neff_kish' → 'Wilson（按有效样本量，Kish）'."""
    if not isinstance(m, str):
        return m
    base, *rest = m.split("_neff")
    text = CI_METHODS.get(base, base)
    if rest:
        text += "（按有效样本量" + ("，Kish）" if "kish" in rest[0] else "）")
    elif m.endswith("_kish"):
        text = CI_METHODS.get(m.removesuffix("_kish"), m) + "（Kish有效样本量）"
    return text


def indicator_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """indicator_table → the 指标得分 sheet of satisfaction.xlsx, with Chinese headers.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`survey.render.report.indicator_table` (one row per survey-fed indicator).

    Returns
    -------
    pandas.DataFrame
        A new frame with the columns present, in reading order (三级指标, 样本量, 满意度,
        interval, 指标值, 分值, 得分, 扣分取整方式, 评分过程) and the ids last (问卷编号,
        口径编号); values are not changed.
    """
    names = {"indicator": "三级指标", "n": "样本量", "rate": "满意度", "ci_low": "置信下限", "ci_high": "置信上限",
             "ci_method": "区间方法", "target": "指标值", "weight": "分值", "score": "得分", "step_mode": "扣分取整方式",
             "narrative": "评分过程", "questionnaire": "问卷编号", "measure": "口径编号"}
    table = table.assign(**{c: table[c].map(f) for c, f in (("ci_method", ci_method_text), ("step_mode", step_mode_text))
                            if c in table.columns})
    return table[[c for c in names if c in table.columns]].rename(columns=names)


def step_mode_text(mode):
    """'ceil' → '不足一档按一档计' (how a partial step of the criterion counts, :data:`MODE_TEXT`)."""
    return MODE_TEXT[mode].format(step="一档") if mode in MODE_TEXT else mode


def weights_sheets(diag: pd.DataFrame, margins: pd.DataFrame, analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """weights_tables → the 权重 and 权重边际 sheets of satisfaction.xlsx.

    Parameters
    ----------
    diag : pandas.DataFrame
        Weight diagnostics, one row per questionnaire (:func:`survey.render.report.weights_tables`).
    margins : pandas.DataFrame
        Achieved against target margins, one row per variable and category.
    analysis
        The analysis (questionnaire titles, the unit's name).

    Returns
    -------
    weights : pandas.DataFrame
        The diagnostics with the questionnaire's title first, the method in Chinese
        (:data:`METHOD_TEXT`), 是/否 for convergence, the estimation design in words (strata
        and finite-population-correction column, ``district`` named as the unit), Chinese
        headers and the id last.
    margins : pandas.DataFrame
        The margins with the title first and Chinese headers (变量, 类别, 目标, 实现, 差值).
    """
    titles = _titles(analysis)
    d = diag.copy()
    d.insert(0, "title", d["questionnaire"].map(titles))
    if "method" in d:
        d["method"] = d["method"].map(lambda m: METHOD_TEXT.get(m, m))
    if "converged" in d:
        d["converged"] = d["converged"].map(lambda c: None if c is None or c != c else ("是" if c else "否"))
    if "design" in d:
        shown = variable_names(analysis)
        d["design"] = [design_text(t, shown.get(q, {})) for q, t in zip(d["questionnaire"], d["design"])]
    names = {"title": "问卷", "method": "加权方法", "n": "样本量", "total": "权重合计", "min": "最小", "max": "最大",
             "mean": "均值", "cv": "变异系数", "deff_kish": "Kish设计效应", "n_eff": "Kish有效样本量",
             "converged": "是否收敛", "iterations": "迭代次数", "tolerance": "收敛容差", "trimmed": "截尾权重数",
             "design": "估计设计", "note": "备注", "questionnaire": "问卷编号"}
    d = d[[c for c in names if c in d.columns]].rename(columns=names)
    m = margins.copy()
    m.insert(0, "title", m["questionnaire"].map(titles))
    if "variable" in m:
        shown = variable_names(analysis)
        m["variable_id"] = m["variable"]
        m["variable"] = [shown.get(q, {}).get(v, v) for q, v in zip(m["questionnaire"], m["variable"])]
    mnames = {"title": "问卷", "variable": "变量", "level": "类别", "target": "目标", "achieved": "实现",
              "difference": "差值", "variable_id": "变量编号", "questionnaire": "问卷编号"}
    return d, m[[c for c in mnames if c in m.columns]].rename(columns=mnames)


OVERALL_ANSWER = "overall_answer"  # weights_detail's column of the overall item's answer (its id differs by questionnaire)


def weights_detail_sheet(table: pd.DataFrame, analysis) -> dict[str, pd.DataFrame]:
    """:func:`survey.render.report.weights_detail` as the 权重明细 sheet (none when no survey is weighted).

    The questionnaire's title first, each answer column headed by what a reader sees (the unit
    word, else the item's text), the weight, and the questionnaire's id last.
    """
    if table.empty:
        return {}
    shown, titles = variable_names(analysis), _titles(analysis)
    t = table.copy()
    t.insert(0, "title", t["questionnaire"].map(titles))
    fixed = {"title": "问卷", "respondent": "受访者（化名）", "row": "行号"}
    answers = [c for c in t.columns if c not in (*fixed, "questionnaire", "weight", OVERALL_ANSWER)]
    answers += [OVERALL_ANSWER] if OVERALL_ANSWER in t else []

    def head(c: str) -> str:  # one text for the column in every questionnaire having it, else its id
        if c == OVERALL_ANSWER:
            return "总体评价"
        texts = {shown[q][c] for q in t["questionnaire"].unique() if c in shown.get(q, {})}
        return texts.pop() if len(texts) == 1 else c

    t = t[[*fixed, *answers, "weight", "questionnaire"]]
    t.columns = [*fixed.values(), *[head(c) for c in answers], "权重", "问卷编号"]
    return {"权重明细": t}


def design_text(design, names: dict[str, str]):
    """'strata=town, fpc=fpc' → '分层：乡镇；有限总体校正：按各乡镇总体数' (variables named as the reader sees them)."""
    m = re.fullmatch(r"strata=(.*?), fpc=(.*)", design) if isinstance(design, str) else None
    if not m:
        return design
    strata = names.get(m[1], m[1]) if m[1] not in ("", "None") else "不分层"
    fpc = f"按各{strata}总体数" if m[2] not in ("", "None") and m[1] not in ("", "None") else \
        "按总体数" if m[2] not in ("", "None") else "不作校正"
    return f"分层：{strata}；有限总体校正：{fpc}"


def suggestions_sheet(table: pd.DataFrame, analysis) -> pd.DataFrame:
    """suggestions_table → the 意见建议 sheet of satisfaction.xlsx.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`survey.render.report.suggestions_table`: valid respondents' masked free-text
        answers with pseudonyms and their unit.
    analysis
        The analysis (questionnaire titles, the unit's name).

    Returns
    -------
    pandas.DataFrame
        问卷 (title), 受访者（化名）, the unit column headed by the unit's name (区, 街道 …),
        the answer, then the item and questionnaire ids.
    """
    df = table.copy()
    df.insert(0, "title", df["questionnaire"].map(_titles(analysis)))
    names = {"title": "问卷", "respondent": "受访者（化名）", "district": unit_label(analysis),
             "text": "意见和建议（已隐去个人信息）",
             "item": "题项编号", "questionnaire": "问卷编号"}
    return df[list(names)].rename(columns=names)


def _item_texts(analysis) -> dict[str, dict[str, str]]:
    return {s.questionnaire.id: {it.id: it.text for it in s.questionnaire.items} for s in analysis.surveys}


def variable_names(analysis) -> dict[str, dict[str, str]]:
    """Questionnaire → variable id → what a reader sees (the unit word, else the item's text).

    The breakdown (``district``, or the questionnaire's district item) is called by the unit word
    (区, 乡镇 …); any other variable by its item's text.
    """
    unit, out = unit_label(analysis), {}
    for s in analysis.surveys:
        q = s.questionnaire
        out[q.id] = {**{it.id: it.text for it in q.items}, "district": unit,
                     **({q.district_item: unit} if q.district_item else {})}
    return out


def _replace_ids(text, ids: dict[str, str]):
    """Item ids quoted in an audit message → the item's text ("必答题未作答或无法识别：tenure" → "…：您从事…")."""
    if not isinstance(text, str) or not ids:
        return text
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(k) for k in sorted(ids, key=len, reverse=True))
                         + r")(?![A-Za-z0-9_])")
    return pattern.sub(lambda m: f"“{ids[m.group(1)]}”", text)


def action_texts(audit: pd.DataFrame) -> list[str]:
    """处理 of each audit row: 剔除, 标记（保留）, or 标记（已因…剔除） on an excluded response.

    A finding on a response another rule excluded never says 保留: the response is not in the results.
    """
    excluded = audit[audit["action"] == "exclude"]
    why = dict(zip(zip(excluded["questionnaire"], excluded["row"]), excluded["rule_label"]))
    return [f"标记（已因{why[(q, r)]}剔除）" if act == "flag" and (q, r) in why else ACTION_TEXT.get(act, act)
            for q, r, act in zip(audit["questionnaire"], audit["row"], audit["action"])]


def audit_sheets(summary: pd.DataFrame, audit: pd.DataFrame, analysis) -> dict[str, pd.DataFrame]:
    """The 汇总, 审核明细 and 规则 sheets of audit.xlsx."""
    titles, texts = _titles(analysis), _item_texts(analysis)
    s = summary.copy()
    s.insert(0, "title", s["questionnaire"].map(titles))
    if "format" in s:
        s["format_id"] = s["format"]
        s["format"] = s["format"].map(lambda f: EXPORT_FORMATS[f].label if f in EXPORT_FORMATS else f)
    names = {"title": "问卷", "file": "文件", "sheet": "工作表", "format": "导出格式", "issued": "发放", "returned": "回收",
             "return_rate": "回收率", "valid": "有效", "valid_rate": "有效率（按回收）"}
    names |= {c: "剔除：" + RULE_LABELS.get(c.removeprefix("excluded_"), c) for c in s.columns if c.startswith("excluded_")}
    names |= {"summary": "报告语句", "notes": "备注", "format_id": "导出格式编号", "questionnaire": "问卷编号"}
    s = s[[c for c in names if c in s.columns]].rename(columns=names)
    a = audit.copy()
    a.insert(0, "title", a["questionnaire"].map(titles))
    a["action"] = action_texts(a)
    a["item"] = a["column"]
    a["column"] = [texts.get(q, {}).get(c, c) if isinstance(c, str) else c for q, c in zip(a["questionnaire"], a["column"])]
    a["message"] = [_replace_ids(m, texts.get(q, {})) for q, m in zip(a["questionnaire"], a["message"])]
    anames = {"title": "问卷", "rule_label": "规则", "action": "处理", "respondent": "受访者（化名）", "sheet": "工作表",
              "row": "行号", "column": "列（题目）", "value": "值", "message": "说明", "rule": "规则编号",
              "item": "列编号", "questionnaire": "问卷编号"}
    a = a[[c for c in anames if c in a.columns]].rename(columns=anames)
    rules = pd.DataFrame([(label, rule) for rule, label in RULE_LABELS.items()], columns=["规则", "规则编号"])
    return {"汇总": s, "审核明细": a, "规则": rules}


def check_value(check: str, v):
    """A 检验汇总 value as text in its own unit: rates in %, p-values (<0.001), counts, coefficients."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    v = float(v)
    if "p值" in check:
        return "<0.001" if v < 0.001 else f"{v:.3f}"
    if any(k in check for k in ("率", "误差", "占比")):
        return fmt_pct(v)
    if "样本量" in check or "份" in check:
        return fmt_num(v)
    return f"{v:.3f}"


def validity_sheets(sheets: dict[str, pd.DataFrame], analysis) -> dict[str, pd.DataFrame]:
    """validity_tables → sheets with titles for ids, one unit per column, ids last."""
    titles, texts, unit = _titles(analysis), _item_texts(analysis), unit_label(analysis)
    variables = variable_names(analysis)
    out = {}
    for name, df in sheets.items():
        df = df.copy()
        if "问卷" in df.columns:
            df.insert(len(df.columns), "问卷编号", df["问卷"])
            df["问卷"] = df["问卷"].map(lambda q: titles.get(q, q))
        if name == "检验汇总":
            for col in ("结果", "标准"):
                df[col] = [check_value(c, v) for c, v in zip(df["检验项目"], df[col])]
        if "口径" in df.columns:
            df = df.rename(columns={"口径": "口径编号"})
        if "分组" in df.columns:
            df["分组"] = df["分组"].map(lambda d: "全部" if d == OVERALL else f"按{unit}" if isinstance(d, str) else d)
        if "题项" in df.columns and "问卷编号" in df.columns:
            df["题项编号"] = df["题项"]
            df["题项"] = [texts.get(q, {}).get(i, i) for q, i in zip(df["问卷编号"], df["题项"])]
        if "变量" in df.columns and "问卷编号" in df.columns:
            df["变量编号"] = df["变量"]
            df["变量"] = [variables.get(q, {}).get(v, v) for q, v in zip(df["问卷编号"], df["变量"])]
        out[name] = _ids_last(df, ["口径编号", "题项编号", "变量编号", "问卷编号"])
    return out
