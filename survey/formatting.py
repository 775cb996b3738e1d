"""Numbers as the report prints them: one formatter per kind of number.

Every module that writes a number into text (评分过程, the validity paragraph, the
console, html) uses these, so 97.43% reads the same everywhere. They take plain
floats and return text; a missing value (None or NaN) prints as ``missing``.

>>> fmt_pct(0.974293), fmt_pct(None), fmt_pct_short(0.85), fmt_num(6.0), fmt_num(1 / 3), fmt_amount(3170300)
('97.43%', '—', '85%', '6', '0.33', '3,170,300')
>>> fmt_count(1, "problem"), fmt_count(3, "problem"), fmt_count(2, "response")
('1 problem', '3 problems', '2 responses')
"""

from __future__ import annotations

import math


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_count(n: int, noun: str, plural: str | None = None) -> str:
    """A count and an English noun for the console, pluralised: 1 problem, 2 problems.

    >>> fmt_count(1, "finding"), fmt_count(0, "finding"), fmt_count(2, "analysis", "analyses")
    ('1 finding', '0 findings', '2 analyses')
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def fmt_pct(x, digits: int = 2, *, missing: str = "—") -> str:
    """A proportion as a percentage with ``digits`` decimals: 0.974293 → '97.43%'.

    >>> fmt_pct(379 / 389), fmt_pct(1.0, 0), fmt_pct(float("nan"))   # the 2021 staff rate: 97.43%
    ('97.43%', '100%', '—')
    """
    return missing if _missing(x) else f"{float(x) * 100:.{digits}f}%"


def fmt_ci(low, high, digits: int = 2, *, missing: str = "—") -> str:
    """An interval of proportions as every output prints it: '95.33%–98.60%'.

    >>> fmt_ci(0.95327, 0.98603)
    '95.33%–98.60%'
    """
    if _missing(low) or _missing(high):
        return missing
    return f"{fmt_pct(low, digits)}–{fmt_pct(high, digits)}"


def fmt_pct_short(x: float) -> str:
    """A threshold as a criterion prints it, without trailing zeros: 0.85 → '85%', 0.001 → '0.1%'.

    >>> fmt_pct_short(0.85), fmt_pct_short(0.001), fmt_pct_short(0.05)   # "超过85%得满分…每降低5%"
    ('85%', '0.1%', '5%')
    """
    return f"{x * 100:.6f}".rstrip("0").rstrip(".") + "%"


def fmt_pp(x: float) -> str:
    """A difference of two rates in 个百分点 (percentage points): 0.05 → '5个百分点', 0.025 → '2.5个百分点'.

    >>> fmt_pp(0.05), fmt_pp(0.025), fmt_pp(0.01)          # "每降低5个百分点扣1分"
    ('5个百分点', '2.5个百分点', '1个百分点')
    """
    return f"{x * 100:.6f}".rstrip("0").rstrip(".") + "个百分点"


def fmt_num(x, *, missing: str = "—") -> str:
    """A score or count: whole numbers without decimals, others to at most two: 6.0 → '6', 2.5 → '2.5'.

    >>> fmt_num(97.0), fmt_num(2.5), fmt_num(1 / 3), fmt_num(None)     # the 2021 total: 97
    ('97', '2.5', '0.33', '—')
    """
    if _missing(x):
        return missing
    x = round(float(x), 6)
    return f"{x:g}" if x.is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def fmt_amount(x: float) -> str:
    """A money amount with thousands separators: two decimals unless whole.

    >>> fmt_amount(3170000), fmt_amount(317.03)       # the 2021 fund, 317万元; its district sum
    ('3,170,000', '317.03')
    """
    return f"{x:,.2f}" if not float(x).is_integer() else f"{x:,.0f}"


_DIGITS = "零一二三四五六七八九"


def fmt_cn(i: int) -> str:
    """A section number in Chinese numerals: 1 → '一', 10 → '十', 12 → '十二', 21 → '二十一'.

    Numbers from 1 to 99 are written out; others are left as digits.

    >>> [fmt_cn(i) for i in (1, 10, 12, 20, 21, 100)]
    ['一', '十', '十二', '二十', '二十一', '100']
    """
    if not 1 <= i <= 99:
        return str(i)
    tens, ones = divmod(i, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + ("" if ones == 0 else _DIGITS[ones])
