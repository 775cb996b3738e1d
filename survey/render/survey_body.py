"""五、满意度调查分析 and 附件2 问卷调查汇总分析报告: the survey part of the report body.

Per survey: the scored rate (计分口径) with its interval and score; each question's
option distribution and 满意率; each unit (区 …) with its interval; the dimensions;
the lowest-rated items; an importance–performance 四分图 when there is an overall
item; the open-ended suggestions grouped by theme (:mod:`survey.render.suggestions`).
The appendix holds the same measure weighted the other way, the other measures with
a one-line meaning each, the design effect in words, and the validity paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.definitions.vocab import ANNEX_SURVEY, OVERALL, SUPPRESS_BELOW
from survey.evaluation.headline import Headline
from survey.formatting import fmt_ci, fmt_cn, fmt_num, fmt_pct
from survey.render.blocks import Heading, Para, Table
from survey.render.presentation import flag_note, levels, mark, srs_levels, table_marks
from survey.render.survey_words import rate_word
from survey.stats.presentation import NCHS, PRESENT, SUPPRESS, Standard

MEASURE_MEANING = {
    "top_box": "总体评价题选择满意选项的受访者占比",
    "item_mean": "各评价题满意率的算术平均",
    "answer_share": "每位受访者满意答案占其有效回答的比例，再对受访者平均",
    "score_index": "按选项赋分（如100/80/60/40/20）计算的平均得分，以百分制表示",
}


@dataclass(frozen=True)
class ItemStat:
    """One scored item's unweighted option counts and 满意率 (see :func:`item_stats`).

    Attributes
    ----------
    item : str
        The item's id.
    text : str
        The item's question text.
    dimension : str or None
        The dimension (维度) the item belongs to, if any.
    counts : tuple of int
        Valid respondents choosing each option, in the scale's order.
    options : tuple of str
        The scale's option texts, in the same order.
    answered : int
        Answers that count: all answers minus the scale's not-applicable options.
    satisfied : int
        Answers in the scale's satisfied options.
    weighted : tuple of float or None
        With weights (:func:`item_stats` ``weighted=True``): the sum of the respondents' weights
        choosing each option; None when unweighted.
    weight_squares : float or None
        With weights: the sum of the squared weights of the answers that count (for :attr:`n_eff`).
    rate
        满意率: ``satisfied / answered``, or with weights the weighted share of satisfied answers
        among those that count (the ratio estimate the weighted estimates use). None when nobody answered.
    shares
        Each option's share of the item's answers (weighted when ``weighted`` is set).
    basis
        '加权' or '未加权'.
    """
    item: str
    text: str
    dimension: str | None
    counts: tuple[int, ...]        # per option, in the scale's order
    options: tuple[str, ...]
    answered: int                  # answers that count (not-applicable options excluded)
    satisfied: int
    weighted: tuple[float, ...] | None = None   # weight sums per option, when weighted
    satisfied_options: frozenset[str] = frozenset()
    na_options: frozenset[str] = frozenset()
    weight_squares: float | None = None   # Σw² of the answers that count, when weighted (Kish's n_eff)

    @property
    def n_eff(self) -> float:
        """Kish's effective sample size of the answers that count, (Σw)²/Σw²; ``answered`` when unweighted."""
        if self.weighted is None or not self.weight_squares:
            return float(self.answered)
        counted = sum(w for o, w in zip(self.options, self.weighted) if o not in self.na_options)
        return counted ** 2 / self.weight_squares

    @property
    def rate(self) -> float | None:
        if self.weighted is None:
            return self.satisfied / self.answered if self.answered else None
        by = dict(zip(self.options, self.weighted))
        counted = sum(w for o, w in by.items() if o not in self.na_options)
        return sum(w for o, w in by.items() if o in self.satisfied_options) / counted if counted > 0 else None

    @property
    def shares(self) -> tuple[float | None, ...]:
        values = self.counts if self.weighted is None else self.weighted
        total = sum(values)
        return tuple(v / total if total else None for v in values)

    @property
    def basis(self) -> str:
        return "未加权" if self.weighted is None else "加权"


def item_stats(s, weighted: bool = False) -> list[ItemStat]:
    """Option counts and 满意率 of every scored item (the overall item included).

    With ``weighted`` and weights on the survey (``s.weights``), the shares and 满意率 are
    weighted (the counts stay respondents); the headline's ``scored.weighted`` says which the
    framework scores (:func:`scored_item_stats`).
    """
    q, data = s.questionnaire, s.cleaned.valid.data
    w = s.weights.weights.reindex(data.index).to_numpy(dtype=float) if weighted and s.weights is not None else None
    out = []
    for it in q.items:
        sc = q.scale_of(it.id)
        if sc is None or it.id not in data:
            continue
        values = data[it.id].to_numpy(dtype=float)
        answered = ~np.isnan(values)
        codes = values[answered].astype(int)
        k = len(sc.options)
        counts = tuple(int(c) for c in np.bincount(codes[(codes >= 1) & (codes <= k)], minlength=k + 1)[1:k + 1])
        sat = sum(c for c, o in zip(counts, sc.options) if o in sc.satisfied)
        na = sum(c for c, o in zip(counts, sc.options) if o in sc.not_applicable)
        wsum = w2 = None
        if w is not None:  # a weight missing counts as 0, as pandas' sum skips it
            wa = np.nan_to_num(w[answered], nan=0.0)
            wsum = tuple(float(wa[codes == j].sum()) for j in range(1, k + 1))
            na_codes = [j for j, o in enumerate(sc.options, start=1) if o in sc.not_applicable]
            w2 = float((wa[(codes >= 1) & (codes <= k) & ~np.isin(codes, na_codes)] ** 2).sum())
        out.append(ItemStat(it.id, it.text, it.dimension, counts, tuple(sc.options), sum(counts) - na, sat, wsum,
                            frozenset(sc.satisfied), frozenset(sc.not_applicable), w2))
    return out


def scored_item_stats(s, h: Headline) -> list[ItemStat]:
    """:func:`item_stats` on the scored measure's basis: weighted when the framework scores the weighted rate."""
    return item_stats(s, weighted=h.scored.weighted)


def item_label(text: str) -> str:
    """An item's text as a label: '您对公益活动的安排是否满意' → '公益活动的安排'."""
    t = text.strip().rstrip("？?。")
    for prefix in ("总体而言，", "您对"):
        t = t.removeprefix(prefix)
    for tail in ("是否满意", "的满意程度", "满意度"):
        t = t.removesuffix(tail)
    return t or text


def overall_item(q) -> str | None:
    """The item a top_box measure scores (the questionnaire's overall item), if any."""
    for m in q.measures:
        if m.type == "top_box" and m.item:
            return m.item
    return None


def distribution_table(stats: list[ItemStat], basis_note: str = "", standard: Standard = NCHS) -> Table:
    """The 各题选项分布与满意率 table of 五、满意度调查分析 (1. 各题满意情况).

    Parameters
    ----------
    stats : list of ItemStat
        The survey's items (:func:`item_stats`, weighted or not as scored).
    basis_note : str
        Put before the caption's 上行人数 when the stats are unweighted (e.g. ``未加权，同计分口径；``
        when the survey also has weighted estimates); weighted stats always say so.
    standard : Standard
        The presentation standard the 满意率 cells are marked by (:func:`item_levels`).

    Returns
    -------
    Table
        One row per item: 序号, 题项, for every option of any of the scales a cell with the
        count over its share of the item's answers (weighted share when weighted; — when the
        item's scale lacks the option), 有效回答 and 满意率 (加权满意率 when weighted).
    """
    options = list(dict.fromkeys(o for st in stats for o in st.options))
    rows = []
    for i, (st, level) in enumerate(zip(stats, item_levels(stats, standard)), start=1):
        by = dict(zip(st.options, st.counts))
        share = dict(zip(st.options, st.shares))
        cells = [f"{by[o]}\n{fmt_pct(share[o], 1)}" if o in by and share[o] is not None else "—" for o in options]
        rows.append((str(i), st.text, *cells, str(st.answered), mark(fmt_pct(st.rate), level)))
    weighted = any(st.weighted is not None for st in stats)
    header = ("序号", "题项", *options, "有效回答", rate_word(weighted))
    widths = (0.5, 3.4, *[0.9] * len(options), 0.8, 1.1)
    caption = ("各题选项分布与满意率（加权，同计分口径；上行人数，下行加权占比）" if weighted else
               f"各题选项分布与满意率（{basis_note}上行人数，下行占比）")
    return Table(header, tuple(rows), numeric=frozenset(range(2, len(header))), widths=widths, caption=caption)


def item_levels(stats: list[ItemStat], standard: Standard = NCHS) -> list[str]:
    """The level of each item's 满意率 under ``standard``; '' for an unanswered item.

    se² = p(1 − p)/n_eff with n the answers that count: unweighted, n_eff = n (simple random
    sampling); weighted items (:func:`item_stats` ``weighted=True``), n_eff is Kish's effective
    sample size (Σw)²/Σw² of the answering respondents (:attr:`ItemStat.n_eff`), so unequal
    weights widen the interval the standard judges.
    """
    answered = [st for st in stats if st.rate is not None]
    lv = iter(srs_levels([st.answered for st in answered], [st.rate for st in answered], standard,
                         n_eff=[st.n_eff for st in answered]) if answered else [])
    return [next(lv) if st.rate is not None else "" for st in stats]


def marked(table: Table, columns: tuple[int, ...] = (-2, -1), standard: Standard = NCHS) -> list:
    """The table, and the note on its marks (* and —) when a cell of ``columns`` carries one."""
    star, dash = table_marks(row[i] for row in table.rows for i in columns)
    return [table, Para(flag_note(standard, star=star, dash=dash), "note")] if star or dash else [table]


def scored_rows(s, h: Headline) -> pd.DataFrame:
    """The scored table's rows of the headline measure (overall and by unit)."""
    table = s.weighted if h.scored.weighted else s.estimates
    return table[table["measure"] == h.measure]


def suppress_threshold(analysis, given: int | None = None) -> int:
    """The fewest respondents a unit needs to be reported: ``given``, else the analysis's ``min_per_district``.

    ``min_per_district`` is what ``--min-per-district`` and an evaluation folder's
    ``thresholds.min_cell`` set (:func:`survey.pipeline.analyze` records it in ``parameters``);
    :data:`SUPPRESS_BELOW` when neither says.
    """
    if given is not None:
        return int(given)
    return int(getattr(analysis, "parameters", {}).get("min_per_district", SUPPRESS_BELOW))


def unit_table(s, h: Headline, unit: str, suppress_below: int = SUPPRESS_BELOW,
               standard: Standard = NCHS) -> Table | None:
    """The 各{unit}满意情况 table: the scored measure per unit, with its interval.

    Parameters
    ----------
    s
        One survey of the analysis.
    h : Headline
        The survey's headline (:func:`survey.evaluation.headline.headlines`): which measure
        is scored and whether weighted, its label and interval name.
    unit : str
        What a breakdown unit is called (区, 街道 …, :func:`survey.render.body.unit_label`).

    Returns
    -------
    Table or None
        One row per unit of the scored table (weighted or not, as scored): 有效样本, the
        estimate and its interval; a unit with fewer than ``suppress_below`` respondents
        (default :data:`SUPPRESS_BELOW`) shows its size only; a rate ``standard`` suppresses shows
        "—", one it flags for review a "*". None when the survey has no breakdown.
    """
    rows_df = scored_rows(s, h)
    rows_df = rows_df[rows_df["domain"] != OVERALL]
    if rows_df.empty:
        return None
    rows = []
    for (_, r), level in zip(rows_df.iterrows(), levels(rows_df, standard)):
        n = int(r["n"])
        if n < suppress_below:
            rows.append((str(r["level"]), str(n), "—", f"样本少于{suppress_below}人，不予报告"))
        elif level == SUPPRESS:  # NCHS: neither the rate nor its interval is shown
            rows.append((str(r["level"]), str(n), "—", "不予报告"))
        else:
            rows.append((str(r["level"]), str(n), mark(fmt_pct(r["estimate"]), level),
                         fmt_ci(r['ci_low'], r['ci_high'])))
    return Table((unit, "有效样本", h.label, h.ci_name), tuple(rows), numeric=frozenset({1, 2, 3}),
                 widths=(1.2, 0.8, 1.0, 1.8), caption=f"各{unit}{h.label}（{h.scored.basis}）")


def dimension_table(q, stats: list[ItemStat], weighted: bool = False) -> Table | None:
    """The 各维度满意情况 table: each dimension's average item 满意率.

    Parameters
    ----------
    q
        The questionnaire (its ``dimensions``).
    stats : list of ItemStat
        The survey's items (:func:`item_stats`).
    weighted : bool
        The items' 满意率 are weighted (the caption says so).

    Returns
    -------
    Table or None
        Per dimension with at least one rated item: 维度, its description, the number of
        rated items and the plain mean of their 满意率. None when the questionnaire
        defines no dimensions or none has a rated item.
    """
    if not q.dimensions:
        return None
    rows = []
    for d in q.dimensions:
        rates = [st.rate for st in stats if st.dimension == d.name and st.rate is not None]
        if rates:
            rows.append((d.name, d.description or "", str(len(rates)), fmt_pct(float(np.mean(rates)))))
    if not rows:
        return None
    return Table(("维度", "内容", "题项数", "平均满意率"), tuple(rows), numeric=frozenset({2, 3}),
                 widths=(1.0, 2.6, 0.7, 1.0),
                 caption=f"各维度满意率（维度内各题{rate_word(weighted)}的平均）")


def lowest_items(stats: list[ItemStat], overall: str | None, k: int = 3) -> list[ItemStat]:
    """The ``k`` items with the lowest 满意率, the overall item left out.

    Parameters
    ----------
    stats : list of ItemStat
        The survey's items (:func:`item_stats`).
    overall : str or None
        The overall item's id (:func:`overall_item`), not counted.
    k : int
        How many to return.

    Returns
    -------
    list of ItemStat
        Lowest 满意率 first (ties by item id); items nobody answered are left out.
    """
    rated = [st for st in stats if st.item != overall and st.rate is not None]
    return sorted(rated, key=lambda st: (st.rate, st.item))[:k]


def importance(s, stats: list[ItemStat], overall: str | None) -> pd.DataFrame | None:
    """Derived importance (Pearson r of each item's score with the overall item) against 满意率."""
    data = s.cleaned.valid.data
    if overall is None or overall not in data:
        return None
    q = s.questionnaire
    y_all = data[overall].to_numpy(dtype=float)
    rows = []
    for st in stats:
        if st.item == overall or st.rate is None:
            continue
        sc = q.scale_of(st.item)
        x = data[st.item].to_numpy(dtype=float)
        na_codes = [k for k, o in enumerate(sc.options, start=1) if o in sc.not_applicable]
        keep = ~np.isnan(x) & ~np.isnan(y_all) & ~np.isin(x, na_codes)
        x, y = x[keep], y_all[keep]
        if len(x) < 3 or len(np.unique(x)) < 2 or len(np.unique(y)) < 2:
            continue
        rows.append({"item": st.item, "text": st.text, "importance": float(np.corrcoef(x, y)[0, 1]),  # Pearson r
                     "performance": st.rate})
    return pd.DataFrame(rows) if len(rows) >= 3 else None


def headline_text(h: Headline) -> str:
    """The paragraph opening a survey's subsection: the scored figure and what it scores.

    Parameters
    ----------
    h : Headline
        The survey's headline.

    Returns
    -------
    str
        The scored estimate (计分口径, weighted or not, its interval and n) and, when it feeds
        the annex, the indicator's score out of its weight; then the other weighting's result:
        its estimate and score when it would score differently, otherwise a pointer to 附件2.
    """
    f = h.scored
    text = (f"{h.label}为{fmt_pct(f.estimate)}（计分口径，{f.basis}；{h.ci_name}{fmt_ci(f.ci_low, f.ci_high)}，"
            f"有效样本{f.n}人）")
    if h.indicator:
        text += f"，据此评分表“{h.indicator}”得{fmt_num(f.score)}分（分值{fmt_num(h.weight)}分）"
    text += "。"
    if h.other is not None:
        if h.other_scores_differently:
            text += (f"若按{h.other.basis}口径计算，{h.label}为{fmt_pct(h.other.estimate)}，将得{fmt_num(h.other.score)}分，"
                     f"评分结果取决于是否加权，详见{ANNEX_SURVEY}。")
        else:
            text += f"按{h.other.basis}口径计算的结果见{ANNEX_SURVEY}，得分相同。"
    return text


def headline_lines(h: Headline) -> list[str]:
    """The scored figure for the console, and the other weighting (saying when it would score differently)."""
    f, o = h.scored, h.other
    name = h.indicator or f"{h.title}{h.label}"
    line = f"{name} {fmt_pct(f.estimate)}（计分口径，{f.basis}；{h.ci_name} {fmt_ci(f.ci_low, f.ci_high)}，n={f.n}）"
    if f.score is not None:
        line += f" → {fmt_num(f.score)}/{fmt_num(h.weight)} 分"
    out = [line]
    if o is not None:
        tail = ""
        if o.score is not None:
            tail = (f"，将得 {fmt_num(o.score)} 分：评分取决于是否加权" if h.other_scores_differently
                    else "，得分相同")
        out.append(f"  对照口径（{o.basis}）{fmt_pct(o.estimate)}（{fmt_ci(o.ci_low, o.ci_high)}）{tail}")
    return out


def survey_section(s, h: Headline, k: int, unit: str, charts: dict, themes_blocks: list,
                   suppress_below: int = SUPPRESS_BELOW, standard: Standard = NCHS) -> list:
    """One survey's subsection of 五、满意度调查分析.

    In order: the heading （k）title and :func:`headline_text`; 1. 各题满意情况
    (:func:`distribution_table`, the items chart, the lowest-rated items); 2. 各{unit}满意情况
    (:func:`unit_table` and the units chart, or a sentence that the survey has no breakdown);
    then, numbered on, 各维度满意情况 (:func:`dimension_table`), 重要性—满意度分析 (the
    四分图, when its chart exists) and 意见和建议 (``themes_blocks``), each when present.

    Parameters
    ----------
    s
        One survey of the analysis.
    h : Headline
        The survey's headline.
    k : int
        The subsection's number (1 → （一）).
    unit : str
        What a breakdown unit is called.
    charts : dict
        The report's charts, keyed ``(questionnaire id, "items" | "units" | "ipa")``.
    themes_blocks : list
        The suggestion blocks of :func:`survey.render.outline.theme_blocks`.
    suppress_below : int
        Units with fewer respondents are shown as suppressed (:func:`unit_table`).
    standard : Standard
        The presentation standard of the marks (:func:`survey.stats.presentation.standard_of`).

    Returns
    -------
    list
        The subsection's blocks.
    """
    q = s.questionnaire
    stats = scored_item_stats(s, h)
    overall = overall_item(q)
    out: list = [Heading(f"（{fmt_cn(k)}）{q.title}", 2), Para(headline_text(h))]
    out.append(Heading("1. 各题满意情况", 3))
    out += marked(distribution_table(stats, "未加权，同计分口径；" if s.weighted is not None else "", standard),
                  standard=standard)
    if (q.id, "items") in charts:
        out.append(charts[(q.id, "items")])
    low = lowest_items([st for st, lv in zip(stats, item_levels(stats, standard)) if lv == PRESENT],
                       overall)  # quotable only
    if low:
        named = "；".join(f"{item_label(st.text)}（{fmt_pct(st.rate)}）" for st in low)
        out.append(Para(f"{rate_word(h.scored.weighted)}最低的题项为：{named}。"))
    elif lowest_items(stats, overall):
        out.append(Para(f"各题{rate_word(h.scored.weighted)}均需审慎解读（见表注），不单列满意率最低的题项。"))
    t = unit_table(s, h, unit, suppress_below, standard)
    out.append(Heading(f"2. 各{unit}满意情况", 3))
    if t is not None:
        out += marked(t, standard=standard)
        if (q.id, "units") in charts:
            out.append(charts[(q.id, "units")])
    else:
        out.append(Para(f"问卷未按{unit}分组。"))
    d = dimension_table(q, stats, h.scored.weighted)
    n = 3
    if d is not None:
        out += [Heading(f"{n}. 各维度满意情况", 3), d]
        n += 1
    if (q.id, "ipa") in charts:
        out += [Heading(f"{n}. 重要性—满意度分析", 3),
                Para(f"以各题得分与总体评价题得分的相关系数表示重要性，以{rate_word(h.scored.weighted)}表示表现，"
                     "按两者的平均值划分四个象限；"
                     "重要性高而满意率低的题项（右下象限）宜优先改进。"), charts[(q.id, "ipa")]]
        n += 1
    if themes_blocks:
        out += [Heading(f"{n}. 意见和建议", 3), *themes_blocks]
    return out


def design_effect_words(f, fpc: bool = False) -> str:
    """The design effect of a weighted estimate in words, for the 附件2 table.

    Parameters
    ----------
    f
        One figure of a headline (``h.scored`` / ``h.other``), with ``deff`` and ``n``.
    fpc : bool
        Whether the design applied a finite population correction (``s.design.fpc``):
        only then do the words mention 有限总体校正.

    Returns
    -------
    str
        Below 0.95: the error is smaller than a simple random sample's of the same size;
        0.95–1.05: weighting hardly changes the precision; above: the equivalent simple random
        sample size ``n / deff``. Empty when there is no finite design effect.
    """
    if f.deff is None or not np.isfinite(f.deff):
        return ""
    if f.deff < 0.95:
        done = "加权并作有限总体校正后" if fpc else "加权后"
        return f"{done}，抽样误差小于同样本量的简单随机抽样（设计效应{f.deff:.2f}）"
    if f.deff <= 1.05:
        return "加权对精度影响很小"
    return f"加权使抽样误差相当于{round(f.n / f.deff)}人的简单随机样本（设计效应{f.deff:.2f}）"


def appendix_survey(s, h: Headline, paragraph: str, standard: Standard = NCHS) -> list:
    """One survey's part of 附件2 问卷调查汇总分析报告.

    Parameters
    ----------
    s
        One survey of the analysis.
    h : Headline
        The survey's headline.
    paragraph : str
        The validity paragraph (:func:`survey.render.validity.validity_paragraph`), or empty.
    standard : Standard
        The presentation standard of the marks (:func:`survey.stats.presentation.standard_of`).

    Returns
    -------
    list
        The heading (the questionnaire's title), the cleaning summary, the 计分口径 and
        对照口径 table (estimate, interval, n, score, and the weighting in words), the other
        measures over all respondents with their meaning (:data:`MEASURE_MEANING`, 不计分),
        the 样本有效性检验 table when validity was checked, and the paragraph.
    """
    q = s.questionnaire
    out: list = [Heading(q.title, 2), Para(s.cleaned.summary())]
    rows = []
    for f, role in ((h.scored, "计分口径"), (h.other, "对照口径")):
        if f is None:
            continue
        fpc = s.design is not None and s.design.fpc is not None
        words = (design_effect_words(f, fpc=fpc) or "估计值在边界上，加权不改变结果") if f.weighted else "各样本权重相同"
        t = s.weighted if f.weighted else s.estimates
        lv = levels(t[(t["domain"] == OVERALL) & (t["measure"] == h.measure)], standard)
        rows.append((role, f.basis, mark(fmt_pct(f.estimate), lv.iloc[0] if len(lv) else ""),
                     f"{fmt_ci(f.ci_low, f.ci_high)}", str(f.n), "—" if f.score is None else fmt_num(f.score), words))
    out += marked(Table(("口径", "加权", h.label, h.ci_name, "有效样本", "得分", "说明"), tuple(rows),
                        numeric=frozenset({2, 3, 4, 5}), widths=(0.9, 0.7, 1.25, 1.7, 0.95, 0.6, 2.5),
                        caption=f"{h.label}：计分口径与对照口径"), columns=(2,), standard=standard)
    table = s.weighted if h.scored.weighted else s.estimates
    ov = table[(table["domain"] == OVERALL) & (table["measure"] != h.measure)]
    types = {m.id: m.type for m in q.measures}
    mrows = [(str(r["label"]), mark(fmt_pct(r["estimate"]), lv), fmt_ci(r['ci_low'], r['ci_high']),
              MEASURE_MEANING.get(types.get(r["measure"], ""), "")) for (_, r), lv in zip(ov.iterrows(), levels(ov, standard))]
    if mrows:
        out += marked(Table(("其他口径", "结果", h.ci_name, "含义"), tuple(mrows), numeric=frozenset({1, 2}),
                            widths=(1.3, 0.9, 1.7, 4.0), caption=f"其他满意度口径（{h.scored.basis}，不计分）"),
                      columns=(1,), standard=standard)
    v = s.validity
    if v is not None and len(v.checks):
        from survey.render.sheets import check_value

        check_rows = tuple((str(c["check"]), check_value(str(c["check"]), c["value"]) or "—",
                      check_value(str(c["check"]), c["threshold"]) or "—", str(c["verdict"] or "—"))
                     for _, c in v.checks.iterrows())
        out.append(Table(("检验项目", "结果", "标准", "结论"), check_rows, numeric=frozenset({1, 2, 3}),
                         widths=(3.0, 1.0, 1.0, 0.8), caption="样本有效性检验", width=0.85))
    if paragraph:
        out.append(Para(paragraph))
    return out
