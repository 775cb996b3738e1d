"""与上年比较 in the report: blocks for report.docx / report.html and a sheet for satisfaction.xlsx.

Built from ``analysis.previous`` (:class:`survey.evaluation.previous.Previous`, set by
``survey analyze --previous``) with the sentences and tables of :mod:`survey.render.yoy`:
per questionnaire the paragraphs (:func:`~survey.render.yoy.comparison_paragraphs`: each
scored rate, the items, the units, the answer distributions; items changed between the
years listed and not compared) and one table of the measures, the items and the units
(difference, interval, p-value, 显著提高 / 无显著变化 / 显著下降); with a respondent key
(``--key``) the introduction says who was compared as paired samples (:func:`paired_clause`).
Cells the NCHS presentation standard flags are marked (* 需复核, — 不予报告) with a note under
the table.
No analysis.previous: no blocks, no sheet — the report is what it was.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from survey.definitions.vocab import OVERALL_LEVEL
from survey.evaluation.years import analysis_year
from survey.formatting import fmt_cn, fmt_pct
from survey.render.blocks import Heading, Para, Table
from survey.render.presentation import flag_note, mark, table_marks
from survey.render.yoy import VERDICT_ZH, comparison_labels, comparison_paragraphs, comparison_tables, pair_word
from survey.stats.presentation import standard_of

SECTION_TITLE = "与上年比较"


def _years(analysis) -> tuple[str, str]:
    """How the two years are called: by their evaluation years (2021年 / 2022年), else their names;
    前次 / 本次 for two of one year, 上年 / 本年 when the names agree (:func:`comparison_labels`)."""
    prev = analysis.previous
    old, new, _ = comparison_labels(getattr(prev, "year", None), analysis_year(analysis), prev.name, analysis.name)
    return old, new


def _p(p) -> str:
    return "—" if pd.isna(p) else "<0.001" if p < 0.001 else f"{p:.3f}"


def _diff(r) -> tuple[str, str]:
    if r["verdict"] == "not_compared":
        return "—", "—"
    return f"{r['difference'] * 100:+.2f}", f"{r['ci_low'] * 100:+.2f}至{r['ci_high'] * 100:+.2f}"


def _row(r: pd.Series, kind: str) -> tuple[str, ...]:
    name = r["label"] if r["level"] == OVERALL_LEVEL else str(r["level"])
    old = mark(fmt_pct(r["estimate_old"]), r["reliability_old"])
    new = mark(fmt_pct(r["estimate_new"]), r["reliability_new"])
    return (kind, name, str(int(r["n_old"])), old, str(int(r["n_new"])), new, *_diff(r), _p(r["p_adjusted"]),
            VERDICT_ZH[r["verdict"]])


def comparison_table(cmp, old: str, new: str, unit: str) -> Table:
    """The measures (whole sample), the items, and the units of the first measure, one row each."""
    t = cmp.table
    ov = t["level"] == OVERALL_LEVEL
    measures = t[ov & (t["family"] == "measure")]
    items = t[ov & (t["family"] == "item")]
    units = t[~ov & (t["family"] == "measure")]
    units = units[units["measure"] == units["measure"].iloc[0]] if len(units) else units
    rows = ([_row(r, "指标") for _, r in measures.iterrows()] + [_row(r, "题目") for _, r in items.iterrows()]
            + [_row(r, f"{unit}\n（{r['label']}）") for _, r in units.iterrows()])
    conf = f"{(1 - cmp.alpha) * 100:g}%"
    header = ("类别", "名称", "样本", old, "样本", new, "差值（百分点）", f"差值的{conf}置信区间", "p值", "结论")
    return Table(header, tuple(rows), numeric=frozenset({2, 3, 4, 5, 6, 7, 8}), merge_columns=frozenset({0}),
                 widths=(0.7, 1.8, 0.5, 0.95, 0.5, 0.95, 0.75, 1.35, 0.7, 1.2),
                 caption=f"{cmp.title}：{new}与{old}比较")


def previous_blocks(analysis, k: int, unit: str) -> list:
    """The （k）与上年比较 subsection of 五、满意度调查分析; empty without ``analysis.previous``."""
    prev = getattr(analysis, "previous", None)
    if prev is None:
        return []
    old, new = _years(analysis)
    pair = pair_word(old, new)
    out: list = [Heading(f"（{fmt_cn(k)}）{SECTION_TITLE}", 2),
                 Para(f"本节将{new}调查结果与{old}比较：差值为{new}减{old}，检验为基于抽样设计的两样本比较"
                      f"{paired_clause(prev, pair)}；{pair}题目或选项有变化的题目只列出、不作比较。")]
    for j, cmp in enumerate(prev.comparisons, start=1):
        out.append(Heading(f"{j}. {cmp.title}", 3))
        out += [Para(p) for p in comparison_paragraphs(cmp, old, new, unit)]
        table = comparison_table(cmp, old, new, unit)
        star, dash = table_marks(row[i] for row in table.rows for i in (3, 5))  # the two years' rates
        note = flag_note(standard_of(analysis), star=star, dash=dash) + ("标“—”的也不作比较。" if dash else "")
        out.append(table)
        out.append(Para((note or "注：")
                        + "p值为Holm校正后的值（各题为一族、各单位为一族）；“显著提高/显著下降”仅在检验显著时使用。", "note"))
    out += [Para(f"注：{n}。", "note") for n in prev.notes]
    return out


def paired_clause(prev, pair: str = "两年") -> str:
    """With a respondent key (``--key``): which respondents were compared as paired samples, per questionnaire.

    ``；按关联键“工号”，…对两年均作答的389名受访者按配对样本计算`` — empty without a key.
    """
    if not getattr(prev, "key", None):
        return ""
    parts = [f"{c.title}对{pair}均作答的{c.overlap}名受访者按配对样本计算" if c.overlap else
             f"{c.title}未识别出{pair}均作答的受访者，按独立样本计算" for c in prev.comparisons]
    return f"；按关联键“{prev.key}”，" + "，".join(parts) if parts else ""


def previous_sheet(analysis) -> pd.DataFrame | None:
    """The 与上年比较 sheet of satisfaction.xlsx (every questionnaire's comparisons), None without one."""
    prev = getattr(analysis, "previous", None)
    if prev is None or not prev.comparisons:
        return None
    parts = [comparison_tables(c)["与上年比较"].assign(问卷=c.title) for c in prev.comparisons]
    t = pd.concat(parts, ignore_index=True)
    old, new = _years(analysis)
    t = t.rename(columns=lambda c: c.replace("上年", old).replace("本年", new))
    return t[["问卷", *[c for c in t.columns if c != "问卷"]]]


def changes_sheet(analysis) -> pd.DataFrame:
    """The 问卷变化 sheet: items added, removed, reworded or rescaled between the years (not compared)."""
    prev = getattr(analysis, "previous", None)
    parts = [comparison_tables(c)["问卷变化"].assign(问卷=c.title) for c in (prev.comparisons if prev else ())]
    t = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["问卷", "题目", "变化", "上年", "本年"])
    if prev is not None:
        old, new = _years(analysis)
        t = t.rename(columns={"上年": old, "本年": new})
    return t[["问卷", *[c for c in t.columns if c != "问卷"]]]


def previous_sheets(analysis) -> dict[str, pd.DataFrame]:
    """satisfaction.xlsx's 与上年比较 and 问卷变化 sheets; none without ``analysis.previous``."""
    t = previous_sheet(analysis)
    if t is None:
        return {}
    return {SECTION_TITLE: t, "问卷变化": changes_sheet(analysis)}


def previous_manifest(analysis) -> dict:
    """manifest.json's ``previous`` entry: what last year was read from; nothing without a comparison."""
    prev = getattr(analysis, "previous", None)
    if prev is None:
        return {}
    src = Path(prev.source)
    try:  # no machine paths in a manifest that may be committed: relative to the working folder, else the name
        shown = src.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = src.name
    paired = ({"key": prev.key, "paired": {c.questionnaire: c.overlap or 0 for c in prev.comparisons}}
              if getattr(prev, "key", None) else {})  # respondents of both years, per questionnaire
    return {"previous": {"name": prev.name, "source": shown,
                         "questionnaires": [c.questionnaire for c in prev.comparisons], **paired}}


def previous_formats(analysis) -> dict[str, dict[str, str]]:
    """Number formats of the 与上年比较 sheet (rates and differences in %, p-values as p)."""
    prev = getattr(analysis, "previous", None)
    if prev is None:
        return {}
    old, new = _years(analysis)
    pct = {c: "0.00%" for c in (old, new, "差值", "差值下限", "差值上限")}
    return {SECTION_TITLE: {**pct, "p值": "p", "校正p值": "p", f"{old}样本": "0", f"{new}样本": "0"}}
