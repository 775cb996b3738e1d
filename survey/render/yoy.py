"""与上年比较: Chinese sentences and tables from a :class:`~survey.evaluation.yoy.YearComparison`.

A sentence says 显著提高 / 显著下降 only when the comparison's verdict says so (the
test, Holm-adjusted within its family, below alpha); otherwise it gives the signed
difference and 无显著变化, never "提高" or "下降" on its own. A comparison whose cell
is suppressed under the NCHS presentation standard is not quoted (样本量不足，不作比较),
nor is one flagged for review (the verdict only, the numbers left to the table).
The report writer can call :func:`comparison_paragraphs` and :func:`comparison_tables`.
"""

from __future__ import annotations

import pandas as pd

from survey.definitions.vocab import OVERALL_LEVEL
from survey.evaluation.yoy import DOWN, NOT_COMPARED, SAME, UP, YearComparison
from survey.render.presentation import LEVEL_ZH
from survey.render.survey_body import item_label
from survey.stats.presentation import REVIEW

VERDICT_ZH = {UP: "显著提高", SAME: "无显著变化", DOWN: "显著下降", NOT_COMPARED: "不作比较"}
CHANGE_ZH = {"added": "新增题目", "removed": "删除题目", "reworded": "题目措辞变化", "scale_changed": "选项（量表）变化",
             "type_changed": "题型变化"}
RELIABILITY_ZH = {**LEVEL_ZH, "": ""}
CAVEAT = "比例需审慎解读，不引用具体数值，见比较表"  # said once for the flagged rows of a paragraph


def _pp(x: float) -> str:
    return f"{x * 100:+.2f}"


def _p(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def comparison_sentence(row: pd.Series, old: str, new: str, alpha: float = 0.05) -> str:
    """One sentence for one comparison row (a rate of two years)."""
    name = row_name(row)
    if row["verdict"] == NOT_COMPARED:
        return f"{name}：样本量不足（按NCHS比例估计呈现标准不予报告），不作比较。"
    if flagged(row):  # a flagged cell is not quoted
        return f"{flagged_clause([row], old, new)}。"
    conf = f"{(1 - alpha) * 100:g}%"
    adjusted = not (row["p_adjusted"] == row["p_value"] or pd.isna(row["p_adjusted"]))
    p = row["p_adjusted"] if pd.notna(row["p_adjusted"]) else row["p_value"]
    head = f"{name}{new}为{row['estimate_new']:.2%}，{old}为{row['estimate_old']:.2%}"
    if row["se"] == 0 and row["difference"] == 0:  # both years at 0% or 100%: nothing to test
        return f"{name}{old}、{new}均为{row['estimate_new']:.2%}，无显著变化。"
    ci = f"{conf} CI {_pp(row['ci_low'])}至{_pp(row['ci_high'])}个百分点，" + (
        f"该区间未作多重比较校正，Holm校正后{_p(p)}" if adjusted else _p(p))
    if row["verdict"] == UP:
        return f"{head}，提高{row['difference'] * 100:.2f}个百分点（{ci}），显著提高。"
    if row["verdict"] == DOWN:
        return f"{head}，下降{-row['difference'] * 100:.2f}个百分点（{ci}），显著下降。"
    return f"{head}，{pair_word(old, new)}相差{_pp(row['difference'])}个百分点（{ci}），无显著变化。"


def row_name(row: pd.Series) -> str:
    """How a sentence names a comparison row.

    An item by its short label (:func:`item_label`, as the rest of the report does), a measure by
    its label; a unit's row as unit + label (玄武区总体满意率).
    """
    label = item_label(row["label"]) if row.get("family") == "item" else row["label"]
    return label if row["level"] == OVERALL_LEVEL else f"{row['level']}{label}"


def flagged(row: pd.Series) -> bool:
    """Whether a compared row has a cell the NCHS standard flags for review (not quoted in a sentence)."""
    return row["verdict"] != NOT_COMPARED and REVIEW in (row.get("reliability_old"), row.get("reliability_new"))


def flagged_clause(rows, old: str, new: str) -> str:
    """Flagged rows named together by verdict, the caveat said once after the list (no final 。).

    >>> r = [pd.Series(dict(label=x, level="全部", verdict="same")) for x in ("总体满意率", "满意度得分指数")]
    >>> flagged_clause(r, "2021年", "2022年")
    '总体满意率、满意度得分指数两年比较均无显著变化（以上比例需审慎解读，不引用具体数值，见比较表）'
    """
    rows = list(rows)
    parts = []
    for v in (UP, DOWN, SAME):
        group = [r for r in rows if r["verdict"] == v]
        quote = len(group) > 1  # an item's label may hold a 、 itself: quoted in a list, as 存在问题 lists them
        names = [f"“{row_name(r)}”" if quote and r.get("family") == "item" else row_name(r) for r in group]
        if names:
            parts.append(f"{'、'.join(names)}{pair_word(old, new)}比较{'均' if len(names) > 1 else ''}{VERDICT_ZH[v]}")
    return "；".join(parts) + f"（{'以上' if len(rows) > 1 else ''}{CAVEAT}）"


def row_sentences(rows: pd.DataFrame, old: str, new: str, alpha: float) -> list[str]:
    """Sentences (no final 。) for ``rows``: each quoted row its own, the flagged ones in one clause at the end."""
    out = [comparison_sentence(r, old, new, alpha).rstrip("。") for _, r in rows.iterrows() if not flagged(r)]
    review = [r for _, r in rows.iterrows() if flagged(r)]
    return out + ([flagged_clause(review, old, new)] if review else [])


def change_lines(cmp: YearComparison) -> list[str]:
    """Questionnaire changes between the years, one line each (never compared)."""
    out = []
    for _, c in cmp.changes.iterrows():
        what = CHANGE_ZH.get(c["change"], c["change"])
        detail = f"“{c['old']}”→“{c['new']}”" if c["old"] and c["new"] else f"“{c['old'] or c['new']}”"
        out.append(f"{what}：{c['item']} {detail}，不作比较。")
    return out


def comparison_paragraphs(cmp: YearComparison, old: str = "上年", new: str = "本年", unit: str = "单位") -> list[str]:
    """The 与上年比较 paragraphs of one questionnaire: measures, items, units, distributions, notes.

    ``unit`` is what a breakdown unit is called (区, 乡镇, 街道 …: :func:`survey.render.body.unit_label`).
    """
    t = cmp.table
    how = "计入重复受访者的协方差" if cmp.overlap else "独立样本检验"
    basis = ("计分口径，" if cmp.scored else "") + ("加权" if cmp.weighted else "未加权")
    out = [f"{cmp.title}（与{old}比较，{basis}，{how}，显著性水平{cmp.alpha:g}）："]
    out += change_lines(cmp)
    overall = t[(t["family"] == "measure") & (t["level"] == OVERALL_LEVEL)]
    out += [f"{x}。" for x in row_sentences(overall, old, new, cmp.alpha)]
    items = t[(t["family"] == "item") & (t["verdict"].isin([UP, DOWN]))]
    if len(items):
        out += ["分题目：" + "；".join(row_sentences(items, old, new, cmp.alpha)) + "。"]
    n_items = int((t["family"] == "item").sum())
    if len(items) == n_items and n_items:  # every item changed: there is no 其余题目 to speak of
        out.append(f"共比较{n_items}题，各题满意率均有显著变化（Holm校正）。")
    else:
        out.append(f"{'其余题目满意率' if len(items) else '各题满意率均'}无显著变化（共比较{n_items}题，Holm校正）。")
    units = t[(t["family"] == "measure") & (t["level"] != OVERALL_LEVEL)]
    units = units[units["measure"] == units["measure"].iloc[0]] if len(units) else units  # the headline measure
    sig = units[units["verdict"].isin([UP, DOWN])]
    blocked = units[units["verdict"] == NOT_COMPARED]
    if len(units):
        text = "；".join(row_sentences(sig, old, new, cmp.alpha))
        compared = len(units) - len(blocked)
        same = compared - len(sig)
        out.append(f"分{unit}：" + (text + "；" if text else "")
                   + (f"{'其余' if text else ''}{same}个{unit}无显著变化（Holm校正）。" if same else "")
                   + (f"{len(blocked)}个{unit}的样本量不足（按NCHS比例估计呈现标准不予报告），不作比较。"
                      if len(blocked) else ""))
    d = cmp.distributions
    moved = d[d["significant"]]
    if len(d):
        out.append("答案分布（Rao–Scott校正卡方检验，Holm校正）：" + (
            "、".join(f"{item_label(r['text'])}（F={r['F']:.2f}，{_p(r['p_adjusted'])}）" for _, r in moved.iterrows())
            + "的答案分布有显著变化。" if len(moved) else "各题答案分布均无显著变化。"))
    if cmp.overlap:
        out.append(f"{pair_word(old, new)}样本中有{cmp.overlap}名受访者相同（按关联键识别），全样本差异的标准误已计入其协方差；"
                   f"分{unit}比较仍按独立样本检验，结论偏保守。")
    else:
        out.append(f"若{pair_word(old, new)}受访者有重叠（如同一批人员每年参加调查），独立样本检验未计入其正相关，结论偏保守。")
    out += list(cmp.notes)
    return out


def comparison_details(cmp: YearComparison, old: str = "上年", new: str = "本年") -> list[str]:
    """One sentence per comparison: every item, then every district of the headline measure."""
    t = cmp.table
    items = t[t["family"] == "item"]
    units = t[(t["family"] == "measure") & (t["level"] != OVERALL_LEVEL)]
    units = units[units["measure"] == units["measure"].iloc[0]] if len(units) else units
    return ([f"  {comparison_sentence(r, old, new, cmp.alpha)}" for _, r in items.iterrows()]
            + [f"  {comparison_sentence(r, old, new, cmp.alpha)}" for _, r in units.iterrows()])


TABLE_HEADERS = {"measure": "指标/题目", "label": "名称", "level": "范围", "n_old": "上年样本", "n_new": "本年样本",
                 "estimate_old": "上年", "estimate_new": "本年", "difference": "差值", "ci_low": "差值下限",
                 "ci_high": "差值上限", "p_value": "p值", "p_adjusted": "校正p值", "reliability_old": "上年可靠性",
                 "reliability_new": "本年可靠性", "verdict": "结论"}


def comparison_tables(cmp: YearComparison) -> dict[str, pd.DataFrame]:
    """Sheets for a workbook: the comparisons, the distributions and the questionnaire changes."""
    t = cmp.table[list(TABLE_HEADERS)].copy()
    for c in ("reliability_old", "reliability_new"):
        t[c] = t[c].map(lambda v: RELIABILITY_ZH.get(v, v))
    t["verdict"] = t["verdict"].map(VERDICT_ZH)
    d = cmp.distributions.rename(columns={"item": "题目", "text": "名称", "p_value": "p值", "p_adjusted": "校正p值",
                                          "significant": "显著"})
    ch = cmp.changes.assign(change=cmp.changes["change"].map(lambda c: CHANGE_ZH.get(c, c))).rename(
        columns={"item": "题目", "change": "变化", "old": "上年", "new": "本年"})
    return {"与上年比较": t.rename(columns=TABLE_HEADERS), "答案分布检验": d, "问卷变化": ch}


def verdict_counts(cmp: YearComparison) -> dict[str, int]:
    """How many comparisons of each verdict (for a summary line)."""
    v = cmp.table["verdict"].value_counts()
    return {k: int(v.get(k, 0)) for k in (UP, SAME, DOWN, NOT_COMPARED)}


def units_below_sentence(table: pd.DataFrame, alpha: float = 0.05, unit: str = "单位") -> str:
    """The units significantly below the whole (:func:`survey.evaluation.units.unit_contrast_table`)."""
    if table.empty:
        return ""
    label = table["label"].iloc[0]
    below = table[table["below"]]
    tested = int(table["named"].sum())
    if len(below):
        review = [r["unit"] for _, r in below.iterrows() if r.get("reliability") == REVIEW]  # named, not quoted
        names = "、".join([f"{r['unit']}（{r['estimate']:.2%}，低{-r['difference'] * 100:.2f}个百分点）"
                          for _, r in below.iterrows() if r["unit"] not in review] + review)
        caveat = f"{'、'.join(review)}的比例需审慎解读，不引用具体数值；" if review else ""
        return (f"与全部样本的{label}（{table['overall'].iloc[0]:.2%}）相比，{names}显著偏低"
                f"（{caveat}Holm校正，显著性水平{alpha:g}）。")
    if tested == 0:
        return f"各{unit}样本不足（按NCHS比例估计呈现标准不予报告）或比例为0%/100%，不作与全部样本的比较。"
    rest = len(table) - tested
    return (f"{tested}个可比较的{unit}中，没有{unit}的{label}显著低于全部样本（Holm校正，显著性水平{alpha:g}）"
            + (f"；其余{rest}个{unit}样本不足或比例为0%/100%，不作比较。" if rest else "。"))


def year_label(name: str) -> str:
    """2021 → 2021年; any other workbook name as it is."""
    return f"{name}年" if name.isdigit() else name


SAME_YEAR = ("前次", "本次")  # the labels of two evaluations of one year


def pair_word(old: str, new: str) -> str:
    """两年, or 两次 when the two are labelled as evaluations of one year (:data:`SAME_YEAR`)."""
    return "两次" if (old, new) == SAME_YEAR else "两年"


def comparison_labels(old_year: int | None, new_year: int | None, old_name: str,
                      new_name: str) -> tuple[str, str, str | None]:
    """How the two evaluations are called, and a warning when both are of one year.

    Each by its evaluation year (2021年), else by its name; two of one year are 前次 / 本次
    (with a warning to check the folders); two unnamed years 上年 / 本年.

    >>> comparison_labels(2021, 2022, "nj", "eval")
    ('2021年', '2022年', None)
    >>> comparison_labels(2024, 2024, "eval", "eval2")[:2]
    ('前次', '本次')
    """
    old = year_label(str(old_year)) if old_year else year_label(old_name)
    new = year_label(str(new_year)) if new_year else year_label(new_name)
    if old_year and old_year == new_year:
        return (*SAME_YEAR, f"两次评价的年度均为{old_year}年（{old_name}、{new_name}），按前次、本次比较，"
                            "请核对是否选对了上年的评价")
    return ("上年", "本年", None) if old == new else (old, new, None)


def compare_output(comparisons, notes, units=(), *, old: str = "上年", new: str = "本年",
                   details: bool = False, alpha: float = 0.05, unit: str = "单位") -> tuple[list[str], dict[str, pd.DataFrame]]:
    """What `survey compare` prints (lines) and writes (comparison.xlsx sheets); ``unit`` names the breakdown unit."""
    lines: list[str] = []
    sheets: dict[str, pd.DataFrame] = {}
    for c in comparisons:
        lines += comparison_paragraphs(c, old, new, unit)
        if details:
            lines += [f"明细（各题、各{unit}）：", *comparison_details(c, old, new)]
        lines.append("")
        sheets.update({f"{c.questionnaire}_{k}"[:31]: t for k, t in comparison_tables(c).items()})
    for s, table in units:
        lines.append(f"{s.questionnaire.title}（{new}各{unit}与全部样本比较）："
                     + units_below_sentence(table, alpha, unit))
    lines += [f"warning: {n}" for n in notes]
    return lines, sheets

