"""Chinese marks for the NCHS reliability flags (:mod:`survey.stats.presentation`).

The report writer can add :func:`reliability_notes` beside any table flagged by
:func:`survey.stats.presentation.flag_estimates`: 可报告 / 需复核（reason）/ 不予报告（reason）,
and :func:`mark` to print a suppressed value as "—" and a reviewed one with "*".
"""

from __future__ import annotations

import pandas as pd

from survey.stats.presentation import PRESENT, REVIEW, SUPPRESS

LEVEL_ZH = {PRESENT: "可报告", REVIEW: "需复核", SUPPRESS: "不予报告"}
REASON_ZH = {
    "n_eff": "样本量或有效样本量不足30",
    "width": "置信区间宽度不低于30个百分点",
    "relative_width": "置信区间相对宽度超过130%",
    "df": "自由度少于8",
    "zero_or_one": "比例为0%或100%",
    "complement": "互补比例的相对宽度超过130%",
}


def reliability_note(level: str, reasons: str) -> str:
    """One cell: 可报告, or 需复核 / 不予报告 with the reasons in Chinese."""
    if not level:
        return ""
    why = "、".join(REASON_ZH.get(r, r) for r in str(reasons).split(";") if r)
    return LEVEL_ZH.get(level, level) + (f"（{why}）" if why else "")


def reliability_notes(flagged: pd.DataFrame) -> pd.Series:
    """The note of every row of a flagged estimates table (NCHS 比例估计呈现标准)."""
    return pd.Series([reliability_note(lv, rs) for lv, rs in zip(flagged["reliability"], flagged["reasons"])],
                     index=flagged.index, dtype=object)


def mark(value: str, level: str) -> str:
    """A formatted value as a table shows it: "—" when suppressed, a trailing "*" for review."""
    return "—" if level == SUPPRESS else f"{value}*" if level == REVIEW else value
