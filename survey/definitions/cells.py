"""Spreadsheet cells as people type them: blanks, missing-value spellings, counts, total rows.

One vocabulary for every reader of hand-made tables (frames, targets, facts, exports):

- :data:`SKIPPED`, :data:`BLANK` — how survey platforms write a skipped or empty answer;
- :data:`MISSING_TEXT` — every spelling of a missing value in a spreadsheet cell;
- :func:`is_total_label` — a 合计 / 总计 / 小计 row (全市合计, 全县合计 …), never a unit;
- :func:`number_value` — the one parser of a number typed in a cell (``1,520``,
  ``1，520``, `` 10.10 ``), NaN when the cell is not a number;
- :func:`population_table` — population counts by unit from a frame table.
"""

from __future__ import annotations

import math
import numbers
from os import PathLike

import numpy as np
import pandas as pd

from survey.errors import DataError, SurveyError, excel_row

SKIPPED = ("(跳过)", "（跳过）")
BLANK = ("(空)", "（空）")
MISSING_TEXT = frozenset({"", "NA", "N/A", "#N/A", "NaN", "nan", "-", "—", *SKIPPED, *BLANK})
TOTAL_WORDS = ("合计", "总计", "小计")


def is_blank(value) -> bool:
    """None, NaN or only white space.

    >>> is_blank(None), is_blank(float("nan")), is_blank("  "), is_blank(0)
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip() == ""


def is_total_label(value) -> bool:
    """A unit label that marks a total row: 合计, 总计, 小计, or a name ending in one (全市合计, 全县总计).

    >>> [is_total_label(v) for v in ("合计", "全市合计", " 全县总计 ", "玄武区", None)]
    [True, True, True, False, False]
    """
    if is_blank(value):
        return False
    text = str(value).strip().replace(" ", "").replace("\u3000", "")
    return text.endswith(TOTAL_WORDS)


def number_value(value) -> float:
    """A cell as a finite number; NaN when it is blank, text, a boolean or not finite.

    Thousands separators (``,`` and the full-width ``，``) and surrounding spaces are
    allowed in text.

    >>> number_value("1,520"), number_value("1，520"), number_value(" 10.10 "), number_value(7)
    (1520.0, 1520.0, 10.1, 7.0)
    >>> [math.isnan(number_value(v)) for v in ("", "abc", True, float("inf"), "85%")]
    [True, True, True, True, True]
    """
    if is_blank(value) or isinstance(value, bool):
        return math.nan
    if isinstance(value, numbers.Real):
        x = float(value)
    else:
        try:
            x = float(str(value).replace(",", "").replace("，", "").strip())
        except ValueError:
            return math.nan
    return x if math.isfinite(x) else math.nan


def population_table(
    table: pd.DataFrame,
    district_col: str | None = None,
    count_col: str | None = None,
    *,
    file: str | PathLike[str] | None = None,
    sheet: str | None = None,
    whole: bool = False,
    error: type[SurveyError] = DataError,
) -> pd.Series:
    """Population counts by district from a frame table as typed in a spreadsheet.

    ``table`` holds a sheet's cells (``RawTable.data``, indexed by the Excel row) or
    any DataFrame (its rows are then numbered as if the header were Excel row 1).
    Rows whose district is blank or a total (合计, 全市合计, 总计) are skipped, so a
    total row never becomes a district; counts may carry thousands separators
    (``1,234``). ``district_col`` defaults to the first column, ``count_col`` to the
    only other column whose filled cells are all numbers. With ``whole`` a count must be a
    whole number.

    Returns a float Series indexed by district name (``name`` = the count column);
    ``attrs`` keeps ``file``, ``sheet``, ``column`` and ``rows`` (district → Excel
    row) so later checks can point at the frame cell. Problems raise ``error``
    naming the file, sheet, Excel row and column: a missing column, a blank,
    non-numeric or negative count, a district listed twice.

    >>> population_table(pd.DataFrame({"区": ["玄武区", "秦淮区", "合计"], "人数": ["1,520", 236, 1756]}))
    ... # doctest: +NORMALIZE_WHITESPACE
    区
    玄武区    1520.0
    秦淮区     236.0
    Name: 人数, dtype: float64
    """
    shown = None if file is None else str(file)
    cols = list(table.columns)
    if not cols:
        raise error("the frame has no columns", file=shown, sheet=sheet,
                    hint="add a column of the units (区, 乡镇, 街道 …) and a count column")
    if district_col is None:
        district_col = cols[0]
    if district_col not in cols:
        raise error(f"the frame has no column '{district_col}'", file=shown, sheet=sheet,
                    got="columns " + ", ".join(map(str, cols)), hint="name the unit column as in the frame")
    names = [None if is_blank(v) else str(v).strip() for v in table[district_col]]
    keep = [i for i, n in enumerate(names) if n is not None and not is_total_label(n)]
    if count_col is None:
        def numeric_column(c):  # every filled cell a number (a blank one is reported below, with its row)
            cells = [table[c].iloc[i] for i in keep if not is_blank(table[c].iloc[i])]
            return bool(cells) and all(np.isfinite(number_value(v)) for v in cells)

        numeric = [c for c in cols if c != district_col and numeric_column(c)]
        if len(numeric) != 1:
            raise error("which frame column holds the population counts?", file=shown, sheet=sheet,
                        got="numeric columns " + (", ".join(map(str, numeric)) or "(none)"),
                        hint="name it: --population-column on the command line, count_col in Python")
        count_col = numeric[0]
    if count_col not in cols:
        raise error(f"the frame has no column '{count_col}'", file=shown, sheet=sheet,
                    got="columns " + ", ".join(map(str, cols)), hint="name the count column as in the frame")
    counts: dict[str, float] = {}
    rows: dict[str, int | None] = {}
    for i in keep:
        raw = table[count_col].iloc[i]
        x = number_value(raw)
        row = excel_row(table, i)
        if np.isnan(x) or x < 0 or (whole and x != round(x)):
            raise error("population count is not a " + ("whole number ≥ 0" if whole else "non-negative number"),
                        file=shown, sheet=sheet, row=row, column=str(count_col), got="(blank)" if is_blank(raw) else raw,
                        hint="type the count as a number")
        name = names[i]
        assert name is not None  # kept rows have a name
        if name in counts:
            raise error(f"unit '{name}' is listed twice in the frame", file=shown, sheet=sheet, row=row,
                        column=str(district_col), got=f"also in row {rows[name]}",
                        hint="keep one row per unit (add the two counts together if both are right)")
        counts[name], rows[name] = x, row
    out = pd.Series(counts, dtype=float, name=str(count_col))
    out.index.name = str(district_col)
    out.attrs = {"file": shown, "sheet": sheet, "column": str(count_col), "rows": rows}
    return out
