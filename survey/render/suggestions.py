"""Open-ended suggestions grouped by theme, for the report body.

Each valid respondent's free-text answer (already masked: phone and ID numbers) is
put under every theme whose keywords it contains. The themes are the ones the
questionnaire declares for the item (``themes:`` of a ``text`` item: theme → keywords),
else a short field-neutral list (:data:`DEFAULT_THEMES`). Answers matching no theme are
grouped by what they have in common: the 2–4 character term that recurs in most of
them (:func:`recurring_term`), shown as 涉及“水压”的建议; what is left is 其他.
Answers that say nothing (无, 没有, 暂无, 很好, 无意见 …) are left out and counted.

>>> g = group_suggestions(["办事流程太繁琐。", "无", "希望水压更稳定", "水压太低", "很好！"])
>>> [(t.theme, t.count) for t in g.themes], g.empty
([('办事效率与流程', 1), ('涉及“水压”的建议', 2)], 2)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

# theme → keywords (any one present puts the answer under the theme): what people write
# about any public service; an evaluation declares its own in the questionnaire.
DEFAULT_THEMES: dict[str, tuple[str, ...]] = {
    "服务态度与质量": ("态度", "耐心", "热情", "服务质量", "服务水平"),
    "办事效率与流程": ("效率", "流程", "手续", "繁琐", "拖延", "等待时间"),
    "宣传与信息公开": ("宣传", "公开", "告知", "知晓", "透明"),
    "资金投入与保障": ("经费", "资金", "投入", "补贴", "补助", "费用", "收费"),
    "人员与培训": ("人手", "培训", "专业", "队伍"),
    "设施设备": ("设施", "设备", "场地", "维修", "维护", "老化"),
    "沟通与反馈": ("沟通", "反馈", "回访", "投诉"),
    "监督与管理": ("监督", "考核", "检查", "制度"),
}
OTHER = "其他"
_EMPTY = {"无", "没有", "暂无", "暂时没有", "没", "无意见", "没意见", "没有意见", "无建议", "没有建议", "暂无建议",
          "暂无意见", "很好", "挺好", "都很好", "非常好", "好", "满意", "很满意", "非常满意", "不知道", "说不清",
          "没什么", "没什么意见", "没什么建议", "无其他意见", "无其他建议", "一切都好", "都挺好", "继续保持",
          "继续努力", "加油", "辛苦了", "谢谢", "感谢"}
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:…~～/\\\-—_]+")
_NO_OPINION = re.compile(r".{0,10}?(没有意见|无意见|没意见|没有建议|无建议|没什么意见|没什么建议)")

# Recurring terms: runs of Chinese characters, cut into 2–4 character pieces. A piece with a
# particle or pronoun, or one of the words every suggestion uses (希望, 建议, 加强 …), says
# nothing about what the answers have in common.
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_PARTICLES = set("的了是我你他她们也很都就更让被吗呢吧啊着这那些和与及或等还再又太请把但而并其该在")
_GENERIC = ("希望", "建议", "意见", "能够", "可以", "应该", "需要", "进一步", "加强", "加大", "提高", "提升", "增加",
            "完善", "改进", "改善", "继续", "保持", "做好", "工作", "问题", "方面", "情况", "目前", "现在", "一些",
            "有关", "相关", "没有", "不够", "比较", "非常", "更加", "已经", "就是", "如果", "因为", "所以", "一点",
            "一下", "多多", "感谢", "谢谢", "辛苦", "尽快", "解决", "落实", "大家", "努力", "地方", "这个", "还有",
            "但是", "可能", "一直", "满意", "群众", "百姓", "部门", "领导", "单位", "现象", "存在")
MAX_TERM_CHARS = 200  # characters of an answer searched for recurring terms


def is_empty_answer(text: str) -> bool:
    """An answer that says nothing: 无, 没有, 很好, 挺好的, 无意见 … (punctuation and spaces ignored).

    >>> [is_empty_answer(t) for t in ("无。", "挺好的", "工作人员很耐心，没有意见", "希望多组织就业培训")]
    [True, True, True, False]
    """
    t = _PUNCT.sub("", str(text)).rstrip("的了啊呀")
    return not t or t in _EMPTY or bool(re.fullmatch(r"(无|没有|暂无)+", t)) or bool(_NO_OPINION.fullmatch(t))


_BREAKS = re.compile("|".join(sorted(_GENERIC, key=len, reverse=True)) + "|[" + "".join(sorted(_PARTICLES)) + "]")


def _terms(text: str) -> list[str]:
    """The distinct 2–4 character pieces of an answer's Chinese runs (cut at particles and generic
    words first), in reading order."""
    out: dict[str, None] = {}
    for run in _CJK_RUN.findall(_BREAKS.sub(" ", text[:MAX_TERM_CHARS])):
        for i in range(len(run)):
            out.update((run[i:i + size], None) for size in (2, 3, 4) if i + size <= len(run))
    return list(out)


def recurring_term(texts: list[str], min_count: int = 2) -> str | None:
    """The 2–4 character term found in most of ``texts`` (at least ``min_count``), or None.

    Ties go to the longer term (营养餐 over 营养 when both are in the same answers), then to
    the one met first. Pieces holding a particle (的, 了, 更 …) or a word every suggestion
    uses (希望, 建议, 加强 …) are not terms.

    >>> recurring_term(["希望水压更稳定", "水压太低", "营养餐口味一般"])
    '水压'
    >>> recurring_term(["增加营养餐品种", "营养餐口味单一", "校车太挤"])
    '营养餐'
    """
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for t in texts:
        for term in _terms(t):
            counts[term] += 1
            first.setdefault(term, len(first))
    best = sorted(counts, key=lambda k: (-counts[k], -len(k), first[k]))
    return best[0] if best and counts[best[0]] >= min_count else None


@dataclass(frozen=True)
class Theme:
    """One theme of the grouped suggestions.

    Attributes
    ----------
    theme : str
        The theme's name (a declared or default theme, 涉及“…”的建议, or 其他).
    count : int
        How many answers fall under the theme (an answer may fall under several named themes).
    quotes : tuple of str
        A few distinct answers quoted in the report (:func:`quote_text`: masked data as （略）),
        each cut to ``max_quote`` characters; those without masked personal data (``*``) or a
        leading ``=``/``+``/``-`` first.
    term : str or None
        The recurring term of a 涉及“…”的建议 group, else None.
    """
    theme: str
    count: int
    quotes: tuple[str, ...]
    term: str | None = None


@dataclass(frozen=True)
class Grouped:
    """Free-text answers grouped by theme: what :func:`group_suggestions` returns.

    Attributes
    ----------
    themes : tuple of Theme
        The named themes found, by count (largest first, ties in declaration order); then the
        recurring-term groups, by count; 其他 last.
    empty : int
        Answers left out as saying nothing (:func:`is_empty_answer`).
    total : int
        Answers with any text.
    """
    themes: tuple[Theme, ...]
    empty: int
    total: int


_MASKED = re.compile(r"[0-9A-Za-z+@._\-]*\*[0-9A-Za-z+@._\-*]*")


def quote_text(text: str) -> str:
    """An answer as the report quotes it: masked data as （略）, no leading ``=`` or ``@``.

    A masked number or address (``139****0000``) reads （略）; a leading ``=`` or ``@`` (a
    spreadsheet formula's start, typed into the export) goes.

    >>> quote_text("+86139****0000 欢迎回访，希望改善服务。"), quote_text("=建议增加班次")
    ('（略）欢迎回访，希望改善服务。', '建议增加班次')
    """
    t = _MASKED.sub("（略）", text).lstrip("=@").strip()
    return re.sub(r"（略）\s+", "（略）", t) or text


def _quotes(answers: list[str], k: int, max_quote: int) -> tuple[str, ...]:
    """Up to ``k`` distinct answers (:func:`quote_text`), those without masked data or a leading ``=+-@`` first."""
    ranked = sorted(answers, key=lambda t: ("*" in t or t.startswith(("=", "+", "-", "@"))))
    shown = (quote_text(t) for t in ranked)
    return tuple(list(dict.fromkeys(t if len(t) <= max_quote else t[:max_quote] + "…" for t in shown))[:k])


def group_suggestions(texts, themes: Mapping[str, tuple[str, ...]] | None = None, *, quotes: int = 3,
                      max_quote: int = 60, max_terms: int = 6, min_term: int = 2) -> Grouped:
    """Group free-text answers by theme (see the module docstring).

    Parameters
    ----------
    texts : iterable of str
        The answers (masked); blanks are not counted.
    themes : mapping, optional
        Theme → keywords (the item's ``themes:``); :data:`DEFAULT_THEMES` when None or empty.
    quotes, max_quote : int
        Quotes per theme, and their length.
    max_terms : int
        At most this many recurring-term groups (:func:`recurring_term`) for the answers that
        match no theme; what is left goes to 其他.
    min_term : int
        Answers a recurring term must be found in.

    Returns
    -------
    Grouped
    """
    themes = dict(themes) if themes else DEFAULT_THEMES
    texts = [str(t).strip() for t in texts if t is not None and str(t).strip()]
    kept = [t for t in texts if not is_empty_answer(t)]
    found: dict[str, list[str]] = {}
    rest = []
    for t in kept:
        hits = [name for name, words in themes.items() if any(w in t for w in words)]
        for name in hits:
            found.setdefault(name, []).append(t)
        if not hits:
            rest.append(t)
    order = list(themes)
    out = [Theme(name, len(found[name]), _quotes(found[name], quotes, max_quote))
           for name in sorted(found, key=lambda k: (-len(found[k]), order.index(k)))]
    by_term: list[Theme] = []
    while rest and len(by_term) < max_terms:
        term = recurring_term(rest, min_term)
        if term is None:
            break
        group = [t for t in rest if term in t]
        rest = [t for t in rest if term not in t]
        by_term.append(Theme(f"涉及“{term}”的建议", len(group), _quotes(group, quotes, max_quote), term))
    out += sorted(by_term, key=lambda t: -t.count)
    if rest:
        out.append(Theme(OTHER, len(rest), _quotes(rest, quotes, max_quote)))
    return Grouped(tuple(out), len(texts) - len(kept), len(texts))
