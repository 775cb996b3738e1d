"""``report.html``: one page with the results of an analysis, for reading in a browser.

The page gathers what the xlsx files hold in detail: each survey's reporting
sentence and notes, its overall satisfaction measures (unweighted and weighted, with
intervals), the validity checks and paragraph, and the annex table with its total,
grade, score uncertainty and warnings. It is deterministic (no timestamps), escapes
every value, and holds no personal data (no free text, no respondent ids).

Entry point: :func:`report_html`.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from survey import __version__
from survey.definitions.vocab import OVERALL
from survey.render.validity import validity_paragraph

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.5; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #f2f2f2; } td.n { text-align: right; white-space: nowrap; }
.fail { color: #b00020; font-weight: bold; } .pass { color: #1b5e20; } .note { color: #555; }
"""


def _e(v) -> str:
    return html.escape("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def _pct(x) -> str:
    return "" if x is None or pd.isna(x) else f"{float(x):.2%}"


def _ci(lo, hi) -> str:
    return "" if lo is None or pd.isna(lo) else f"{_pct(lo)}–{_pct(hi)}"


def _table(header: list[str], rows: list[list[str]], numeric: Collection[int] = frozenset()) -> str:
    """Rows of already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if j in numeric else f"<td>{c}</td>"
                                    for j, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _estimates(s) -> str:
    est = s.estimates[s.estimates["domain"] == OVERALL]
    w = None if s.weighted is None else s.weighted[s.weighted["domain"] == OVERALL].set_index("measure")
    rows = []
    for _, r in est.iterrows():
        row = [_e(r["label"]), _e(int(r["n"])), _pct(r["estimate"]), _ci(r["ci_low"], r["ci_high"])]
        if w is not None and r["measure"] in w.index:
            x = w.loc[r["measure"]]
            row += [_pct(x["estimate"]), _ci(x["ci_low"], x["ci_high"]), f"{x['n_eff']:.0f}",
                    "" if pd.isna(x["deff"]) else f"{x['deff']:.2f}", _e(x["ci_method"])]
        rows.append(row)
    header = ["口径", "n", "满意度", "95%置信区间"]
    if w is not None:
        header += ["加权满意度", "加权置信区间", "有效样本量", "设计效应", "区间方法"]
    return _table(header, rows, numeric={1, 2, 3, 4, 5, 6, 7})


def _checks(s) -> str:
    v = s.validity
    if v is None:
        return ""
    rows = []
    for _, c in v.checks.iterrows():
        css = {"通过": "pass", "未通过": "fail"}.get(str(c["verdict"]), "")
        rows.append([_e(c["check"]), f'<span class="{css}">{_e(c["verdict"])}</span>', _e(c["detail"])])
    return _table(["检验", "结论", "说明"], rows) + f"<p>{_e(validity_paragraph(v))}</p>"


def _annex(card) -> str:
    rows = [[_e(r.level1), _e(r.level2), _e(r.name), _e(r.target), _e(r.criterion), _e(r.narrative),
             _e(f"{r.weight:g}"), _e(f"{r.score:g}")] for r in card.rows]
    from survey.render.annex import total_text

    rows.append(["<b>合计</b>", "", "", "", "", "", _e(f"{card.weight_total:g}"), f"<b>{_e(total_text(card.total))}</b>"])
    rows.append(["<b>评价等级</b>", "", "", "", "", "", "", f"<b>{_e(card.grade)}</b>"])
    out = _table(["一级指标", "二级指标", "三级指标", "指标值", "评分标准", "评分过程", "分值", "得分"], rows,
                 numeric={6, 7})
    notes = [f"{_e(u.indicator)}：区间两端得分{u.score_low:g}–{u.score_high:g}分，满分概率{u.p_full:.2%}"
             for u in card.uncertainty]
    notes += [f"提示：{_e(w)}" for w in card.warnings]
    if notes:
        out += "<ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"
    return out


def report_html(analysis) -> bytes:
    """The results page of an analysis, as UTF-8 bytes."""
    parts = [f"<h1>{_e(analysis.name)} 满意度调查与绩效评价结果</h1>",
             f'<p class="note">由 survey {_e(__version__)} 生成；工作簿 {_e(Path(analysis.workbook).name)}；'
             f"参数 {_e(', '.join(f'{k}={v}' for k, v in analysis.parameters.items()))}。"
             "明细见 satisfaction.xlsx、validity.xlsx、audit.xlsx 与 annex.xlsx。</p>"]
    for s in analysis.surveys:
        q = s.questionnaire
        parts.append(f"<h2>{_e(q.title)}</h2><p>{_e(s.cleaned.summary())}</p>")
        notes = [*s.cleaned.notes, *s.notes]
        if notes:
            parts.append("<ul>" + "".join(f'<li class="note">{_e(n)}</li>' for n in notes) + "</ul>")
        parts.append(_estimates(s))
        parts.append(_checks(s))
    card = getattr(analysis, "scorecard", None)
    if card is not None:
        parts.append(f"<h2>{_e(card.title)}</h2>" + _annex(card))
    else:
        lines = [f"{_e(i.score.indicator)}：{_e(i.score.narrative)}" for i in analysis.indicators]
        parts.append("<h2>指标得分</h2><ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>")
    page = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{_e(analysis.name)} 满意度调查结果</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
    return page.encode("utf-8")

