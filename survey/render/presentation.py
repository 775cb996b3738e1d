"""Chinese marks for the NCHS reliability flags (:mod:`survey.stats.presentation`).

The report writer can add :func:`reliability_notes` beside any table flagged by
:func:`survey.stats.presentation.flag_estimates`: 可靠 / 需审慎解读（reason）/ 不予报告（reason）,
:func:`mark` to print a suppressed value as "—" and a reviewed one with "*", and
:func:`flag_note` under a table with marked cells (the thresholds read from the standard).
satisfaction.xlsx carries the note of every estimate row; the report's unit tables and
charts, and its 与上年比较 tables, mark their cells.
"""

from __future__ import annotations

import pandas as pd

from survey.stats.presentation import NCHS, PRESENT, REVIEW, SUPPRESS, Standard, flag_estimates

LEVEL_ZH = {PRESENT: "可靠", REVIEW: "需审慎解读", SUPPRESS: "不予报告"}
REASON_ZH = {
    "n_eff": "样本量或有效样本量不足30",
    "width": "置信区间宽度不低于30个百分点",
    "relative_width": "置信区间相对宽度超过130%",
    "df": "自由度少于8",
    "zero_or_one": "比例为0%或100%",
    "complement": "互补比例的相对宽度超过130%",
}


def reason_zh(code: str, standard: Standard = NCHS) -> str:
    """A reason code in Chinese, with the threshold of ``standard`` it failed (n_eff: its ``min_n``)."""
    if code == "n_eff":
        return f"样本量或有效样本量不足{standard.min_n:g}"
    return REASON_ZH.get(code, code)


def reliability_note(level: str, reasons: str, standard: Standard = NCHS) -> str:
    """One cell: 可靠, or 需审慎解读 / 不予报告 with the reasons in Chinese."""
    if not level:
        return ""
    why = "、".join(reason_zh(r, standard) for r in str(reasons).split(";") if r)
    return LEVEL_ZH.get(level, level) + (f"（{why}）" if why else "")


def reliability_notes(flagged: pd.DataFrame, standard: Standard = NCHS) -> pd.Series:
    """The note of every row of a flagged estimates table (NCHS 比例估计呈现标准), judged by ``standard``."""
    return pd.Series([reliability_note(lv, rs, standard) for lv, rs in zip(flagged["reliability"], flagged["reasons"])],
                     index=flagged.index, dtype=object)


def mark(value: str, level: str) -> str:
    """A formatted value as a table shows it: "—" when suppressed, a trailing "*" for review."""
    return "—" if level == SUPPRESS else f"{value}*" if level == REVIEW else value


def flag_note(standard: Standard = NCHS, *, star: bool = True, dash: bool = True) -> str:
    """The note under a table with marked cells: what the marks present mean, and on which interval.

    ``star``: a "*" is in the table, ``dash``: a "—"; the standard's thresholds are quoted.
    The judgement uses the Korn–Graubard interval, not the interval the table prints (a Wilson
    interval's relative width can read under the threshold), so the note says so.
    """
    parts = []
    if star:
        parts.append(f"带“*”的比例需审慎解读（自由度少于{standard.min_df:g}、比例为0%或100%，或互补比例的置信区间相对宽度"
                     f"超过{standard.max_relative_width:.0%}）")
    if dash:
        parts.append(f"“—”表示样本量或有效样本量不足{standard.min_n:g}、置信区间宽度不低于{standard.large_width * 100:g}"
                     f"个百分点，或宽度在{standard.small_width * 100:g}至{standard.large_width * 100:g}个百分点之间且"
                     f"相对宽度超过{standard.max_relative_width:.0%}，不予报告")
    if not parts:
        return ""
    return ("注：" + "；".join(parts) + "。按美国国家卫生统计中心（NCHS）比例估计呈现标准判断，"
            "所用置信区间为Korn–Graubard区间，不是表中所列区间。")


def table_marks(cells) -> tuple[bool, bool]:
    """Whether any of ``cells`` (formatted values) carries a "*" and whether any is "—" (for :func:`flag_note`)."""
    cells = [c for c in cells if isinstance(c, str)]
    return any(c.endswith("*") for c in cells), any(c == "—" for c in cells)


def levels(table: pd.DataFrame, standard: Standard = NCHS) -> pd.Series:
    """The NCHS level (present / review / suppress) of every row of an estimates table, same index."""
    if table.empty:
        return pd.Series([], index=table.index, dtype=object)
    return flag_estimates(table, standard=standard)["reliability"]


def srs_levels(n, p, standard: Standard = NCHS, n_eff=None) -> list[str]:
    """The level of rates from their counts: se² = p(1 − p)/n_eff (simple random sampling when ``n_eff`` is None).

    ``n`` is the number of answers (the standard's minimum sample); ``n_eff``, when given, the
    effective sample size the variance is taken on (e.g. Kish's for weighted rates).
    """
    t = pd.DataFrame({"n": list(n), "estimate": list(p)}, dtype=float)
    t["n_eff"] = t["n"] if n_eff is None else pd.Series(list(n_eff), dtype=float).to_numpy()
    t["se"] = (t["estimate"] * (1 - t["estimate"]) / t["n_eff"].clip(lower=1)) ** 0.5
    return levels(t, standard).tolist()


def reliability_column_note(standard: Standard = NCHS) -> str:
    """The 说明 sheet's line for the 可靠性 columns, with the standard's thresholds."""
    return (f"可靠性：按美国国家卫生统计中心（NCHS）比例估计呈现标准（Parker等，2017）判断。样本量或有效样本量不足"
            f"{standard.min_n:g}、Korn–Graubard置信区间宽度不低于{standard.large_width * 100:g}个百分点，或宽度在"
            f"{standard.small_width * 100:g}至{standard.large_width * 100:g}个百分点之间且相对宽度超过"
            f"{standard.max_relative_width:.0%}的，不予报告；自由度少于{standard.min_df:g}、比例为0%或100%、"
            "或互补比例相对宽度过大的，需审慎解读；其余为可靠。满意度得分指数按比例同样判断")
