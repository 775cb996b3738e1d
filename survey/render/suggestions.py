"""Open-ended suggestions grouped by theme, for the report body.

Each valid respondent's free-text answer (already masked: phone and ID numbers) is
put under every theme whose keywords it contains, or under 其他. Answers that say
nothing (无, 没有, 暂无, 很好, 无意见 …) are left out and counted. The themes are a
small, general lexicon of what public-service staff and service users write about
(:data:`THEMES`); a report lists each theme with its count and a few quotes.

>>> g = group_suggestions(["社工待遇偏低，建议提高薪酬。", "无", "希望加强业务培训。", "很好！"])
>>> [(t.theme, t.count) for t in g.themes], g.empty
([('薪酬待遇', 1), ('培训与专业能力', 1)], 2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# theme → keywords (any one present puts the answer under the theme)
THEMES: dict[str, tuple[str, ...]] = {
    "人员编制与队伍": ("编制", "人手", "人员不足", "人员配备", "配备工作人员", "专职", "队伍", "流动性"),
    "薪酬待遇": ("待遇", "薪酬", "工资", "补贴", "津贴", "收入", "福利"),
    "培训与专业能力": ("培训", "学习", "专业", "业务能力", "案例"),
    "经费与物质保障": ("经费", "资金", "用车", "办公用房", "装备", "设备", "场所"),
    "信息化建设": ("信息化", "系统", "平台", "数据", "定位", "视频", "监控"),
    "安全与风险保障": ("安全", "风险", "防护", "报警", "应急", "突发", "免责"),
    "身心健康与关心关爱": ("心理", "身心", "关心", "关爱", "压力"),
    "部门协作与社会参与": ("协作", "联动", "共享", "社会力量", "宣传", "认可", "参与"),
    "就业与帮扶": ("就业", "帮扶", "救助", "低保", "技能"),
    "管理与服务方式": ("报到", "请假", "销假", "灵活", "流程", "程序", "手续", "制度", "值班", "调休"),
}
OTHER = "其他"
_EMPTY = {"无", "没有", "暂无", "暂时没有", "没", "无意见", "没意见", "没有意见", "无建议", "没有建议", "暂无建议",
          "暂无意见", "很好", "挺好", "都很好", "非常好", "好", "满意", "很满意", "非常满意", "不知道", "说不清",
          "没什么", "没什么意见", "没什么建议", "无其他意见", "无其他建议", "一切都好", "都挺好"}
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:…~～/\\\-—_]+")


_NO_OPINION = re.compile(r".{0,10}?(没有意见|无意见|没意见|没有建议|无建议|没什么意见|没什么建议)")


def is_empty_answer(text: str) -> bool:
    """An answer that says nothing: 无, 没有, 很好, 挺好的, 无意见 … (punctuation and spaces ignored).

    >>> [is_empty_answer(t) for t in ("无。", "挺好的", "工作人员很耐心，没有意见", "希望多组织就业培训")]
    [True, True, True, False]
    """
    t = _PUNCT.sub("", str(text)).rstrip("的了啊呀")
    return not t or t in _EMPTY or bool(re.fullmatch(r"(无|没有|暂无)+", t)) or bool(_NO_OPINION.fullmatch(t))


@dataclass(frozen=True)
class Theme:
    """One theme of the grouped suggestions.

    Attributes
    ----------
    theme : str
        The theme's name (a key of :data:`THEMES`, or 其他).
    count : int
        How many answers fall under the theme (an answer may fall under several).
    quotes : tuple of str
        A few distinct answers quoted in the report, those without masked data or a leading
        ``=``/``+``/``-`` first, each cut to ``max_quote`` characters.
    """
    theme: str
    count: int
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class Grouped:
    """Free-text answers grouped by theme: what :func:`group_suggestions` returns.

    Attributes
    ----------
    themes : tuple of Theme
        The themes found, by count (largest first, ties in :data:`THEMES` order), 其他 last.
    empty : int
        Answers left out as saying nothing (:func:`is_empty_answer`).
    total : int
        Answers with any text.
    """
    themes: tuple[Theme, ...]   # by count, largest first; 其他 last
    empty: int                  # answers left out as saying nothing
    total: int                  # answers with text


def group_suggestions(texts, *, quotes: int = 3, max_quote: int = 60) -> Grouped:
    """Group free-text answers by theme (see the module docstring); quotes are the first distinct ones."""
    texts = [str(t).strip() for t in texts if t is not None and str(t).strip()]
    kept = [t for t in texts if not is_empty_answer(t)]
    found: dict[str, list[str]] = {}
    for t in kept:
        hits = [name for name, words in THEMES.items() if any(w in t for w in words)] or [OTHER]
        for name in hits:
            found.setdefault(name, []).append(t)
    order = sorted(found, key=lambda k: (k == OTHER, -len(found[k]), list(THEMES).index(k) if k in THEMES else 99))
    out = []
    for name in order:
        # quotes without masked personal data or a leading '=' read better in a report
        plain = sorted(found[name], key=lambda t: ("*" in t or t.startswith(("=", "+", "-")), found[name].index(t)))
        shown = list(dict.fromkeys(t if len(t) <= max_quote else t[:max_quote] + "…" for t in plain))[:quotes]
        out.append(Theme(name, len(found[name]), tuple(shown)))
    return Grouped(tuple(out), len(texts) - len(kept), len(texts))
