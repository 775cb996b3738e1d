"""Charts of the report: SVG text for report.html and PNG for report.docx, drawn once with matplotlib.

- satisfaction by unit (区 …), a dot with its interval, and the full-marks line of the scored
  indicator; an axis that does not start at 0 is marked as cut (:func:`percent_axis`);
- each question's 满意率, a dot each on the same kind of axis;
- score against 分值 by 一级指标;
- importance–performance 四分图 (GB/T 19038-2009 Annex D: quadrants split at the means) when the
  questionnaire has an overall item.

Chinese labels need a CJK font: :func:`cjk_font` looks for an installed one (Noto Sans CJK,
Source Han, WenQuanYi, SimHei …). The SVG keeps its text as text (the browser chooses the
font), so it is always drawn; without a CJK font the PNG would show empty boxes, so no PNG
is made, the docx goes without figures, and a warning says so once. Output is
deterministic (no dates, fixed SVG ids).
"""

from __future__ import annotations

import io
import re
import warnings
from functools import cache
from typing import Any, NamedTuple

from survey.formatting import fmt_pct
from survey.render.blocks import Chart
from survey.render.survey_words import rate_word

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Noto Serif CJK SC",
             "AR PL UMing CN", "Droid Sans Fallback")
HTML_FONTS = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', SimHei, sans-serif"
BLUE, GREY, RED = "#3b6ea5", "#c9d3df", "#b22222"


@cache
def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs (matplotlib's font list), or None."""
    from matplotlib import font_manager

    def pick() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        for want in CJK_FONTS:
            if want in names:
                return want
        extra = sorted(n for n in names if any(k in n for k in ("CJK", "Hei", "Han Sans", "Song", "Kai", "Ming")))
        return extra[0] if extra else None

    found = pick()
    if found is None:  # matplotlib's cached font list predates a font installed since: add the files
        for path in font_manager.findSystemFonts():
            if any(k in path for k in ("CJK", "cjk", "wqy", "SourceHan", "DroidSansFallback", "simhei", "msyh")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = pick()
    return found


_WARNED: set[str] = set()  # said once per process


def _warn_no_font() -> None:
    if "font" not in _WARNED:
        warnings.warn("no CJK font found (install fonts-noto-cjk): report.docx is written without charts; "
                      "report.html keeps them as SVG text", stacklevel=3)
        _WARNED.add("font")


def _figure(width_in: float, height_in: float):
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global figure list (0.3 s less)

    font = cjk_font()
    rc: Any = {"font.family": "sans-serif", "font.sans-serif": [font or "DejaVu Sans", "DejaVu Sans"],
          "axes.unicode_minus": False, "svg.fonttype": "none", "svg.hashsalt": "survey", "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(width_in, height_in), dpi=150)
        FigureCanvasAgg(fig)  # the canvas tight_layout measures text with, as pyplot's Agg figures have
        ax = fig.subplots()
    return fig, ax, rc


def tight(fig) -> None:
    """``fig.tight_layout()``, leaving the figure without a layout engine.

    ``Figure.tight_layout`` leaves a placeholder engine behind, and with any engine set
    every ``savefig`` lays the whole figure out once more before drawing it; the layout
    is final here, so that pass is dropped (same bytes, a third less time per chart).
    """
    fig.tight_layout()
    fig.set_layout_engine(None)


def _render(fig, rc, caption: str, width_cm: float = 15.5, *, laid_out: bool = False) -> Chart:
    """The figure drawn as SVG and PNG (``laid_out``: :func:`tight` was called already, and nothing moved since)."""
    import matplotlib

    with matplotlib.rc_context(rc), warnings.catch_warnings():
        # without a CJK font the SVG text stays right (the browser draws it); the layout's glyph warnings are noise
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        if not laid_out:
            tight(fig)
        svg = io.StringIO()
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        png = io.BytesIO()
        if cjk_font() is not None:
            fig.savefig(png, format="png", metadata={"Software": None})
        else:
            _warn_no_font()
    text = svg.getvalue()
    # the browser picks the CJK font: offer the usual ones on every platform
    text = re.sub(r"font-family: ?[^;\"]+", f"font-family: {HTML_FONTS}", text[text.find("<svg"):])
    return Chart(caption, text, png.getvalue(), width_cm)


def short_text(text: str, limit: int = 18) -> str:
    """An item's text for an axis label: '您对…是否满意' → '…', cut to ``limit`` characters."""
    from survey.render.survey_body import item_label

    t = item_label(text)
    return t if len(t) <= limit else t[: limit - 1] + "…"


def units_axis(rows, full_marks: float | None) -> float:
    """Left end (%) of the units chart's axis: 0, or a round value below every interval and the full-marks line.

    Each unit is a dot with its interval, so its place, not a bar's length, carries the value
    and the axis may start above 0 (marked as broken) to show differences of a point or two;
    it starts at 0 when the intervals reach down to 20% or less.
    """
    low = min([r[2] for r in rows] + ([full_marks] if full_marks is not None else [])) * 100
    left = (low - 2) // 5 * 5
    return 0.0 if left <= 20 else float(left)


def units_chart(rows, label: str, unit: str, full_marks: float | None, caption: str, ci_name: str = "95%置信区间") -> Chart:
    """``rows``: (unit name, rate, ci_low, ci_high); a dot per unit with its interval (:func:`units_axis`)."""
    fig, _, rc = units_figure(rows, label, unit, full_marks, ci_name)
    return _render(fig, rc, caption)


def units_figure(rows, label: str, unit: str, full_marks: float | None, ci_name: str = "95%置信区间"):
    """The units chart's figure, axes and rc (:func:`units_chart`): no bars, the axis marked where it is cut."""
    fig, ax, rc = _figure(6.3, 0.32 * len(rows) + 1.3)
    names = [r[0] for r in rows][::-1]
    rate = [r[1] * 100 for r in rows][::-1]
    lo = [max(0.0, (r[1] - r[2]) * 100) for r in rows][::-1]
    hi = [max(0.0, (r[3] - r[1]) * 100) for r in rows][::-1]
    left = units_axis(rows, full_marks)
    ax.errorbar(rate, names, xerr=[lo, hi], fmt="o", color=BLUE, ecolor=BLUE, markersize=4.5, capsize=2.5,
                linewidth=1.2)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    if full_marks is not None:
        ax.axvline(full_marks * 100, color=RED, linestyle="--", linewidth=1)
        ax.text(full_marks * 100, len(rows) - 0.4, f"满分线{fmt_pct(full_marks, 0)}", color=RED, ha="right", va="bottom",
                fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(f"{label}（%），点为估计值、横线为{ci_name}{percent_axis(ax, left, rate)}", linespacing=1.5)
    ax.set_ylabel(unit)
    return fig, ax, rc


def percent_axis(ax, left: float, values) -> str:
    """A 0–100% x-axis from ``left`` (:func:`units_axis`), each value written at its right; what its label adds.

    An axis that does not start at 0 gets a break mark at its left end, and the label
    says where it starts (a second line, ``横轴从80%起（截断）``).
    """
    for y, v in enumerate(values):
        ax.text(101.5, y, f"{v:.2f}%", va="center", fontsize=7.5)
    ax.set_xlim(left, 100 + (100 - left) * 0.12 + 1)
    step = 5 if 100 - left <= 40 else 10 if 100 - left <= 80 else 20
    ax.set_xticks(range(int(left), 101, step))
    if left <= 0:
        return ""
    # two slashes across the axis line near its start, sized in points whatever the chart's height
    ax.plot([0.012, 0.024], [0, 0], transform=ax.transAxes, marker=[(-1, -2), (1, 2)], markersize=9,
            linestyle="none", color="#333333", markeredgewidth=1, clip_on=False, zorder=5)
    return f"\n横轴从{left:g}%起（截断）"


def items_chart(stats, caption: str, overall: str | None = None, standard=None) -> Chart:
    """满意率 of each question in questionnaire order, a dot each; the overall item (darker) is labelled 总体评价.

    Items ``standard`` suppresses (default NCHS) are left out, those it flags are starred.
    """
    from survey.render.survey_body import item_levels
    from survey.stats.presentation import NCHS, REVIEW, SUPPRESS

    lv = {st.item: v for st, v in zip(stats, item_levels(stats, standard or NCHS))}
    rated = [st for st in stats if st.rate is not None and lv[st.item] != SUPPRESS]  # NCHS: suppressed left out
    fig, ax, rc = _figure(6.3, 0.3 * len(rated) + 1.0)
    names = [("总体评价" if st.item == overall else short_text(st.text)) + ("*" if lv[st.item] == REVIEW else "")
             for st in rated][::-1]
    rates = [st.rate * 100 for st in rated][::-1]
    colours = [("#1f3f66" if st.item == overall else BLUE) for st in rated][::-1]
    ax.scatter(rates, names, color=colours, s=26, zorder=3)   # dots: a cut axis cannot make a bar's length lie
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_ylim(-0.7, len(rates) - 0.3)
    left = units_axis([(n, r / 100, r / 100, r / 100) for n, r in zip(names, rates)], None)
    ax.set_xlabel(rate_word(any(st.weighted is not None for st in rated)) + "（%）" + percent_axis(ax, left, rates),
                  linespacing=1.5)
    return _render(fig, rc, caption)


def level1_chart(card, caption: str) -> Chart:
    """得分率 per 一级指标, each bar labelled with its score and 分值."""
    groups = list(dict.fromkeys(r.level1 for r in card.rows))
    weight = [sum(r.weight for r in card.rows if r.level1 == g) for g in groups]
    score = [sum(r.score for r in card.rows if r.level1 == g) for g in groups]
    rate = [100 * s / w for s, w in zip(score, weight)]
    fig, ax, rc = _figure(6.3, 0.45 * len(groups) + 1.0)
    ax.barh(groups[::-1], [100] * len(groups), color=GREY, height=0.6)
    ax.barh(groups[::-1], rate[::-1], color=BLUE, height=0.6)
    for y, (w, s, r) in enumerate(zip(weight[::-1], score[::-1], rate[::-1])):
        ax.text(101, y, f"得分{s:g}/分值{w:g}（{r:.2f}%）", va="center", fontsize=8)
    ax.set_xlim(0, 135)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("得分率（%）")
    return _render(fig, rc, caption)


def ipa_figure(table, weighted: bool = False):
    """The 四分图's figure, axes and rc: importance against 满意率, quadrants split at the means.

    The labels are placed last, once the layout is final, clear of the mean lines, the
    markers, the quadrant names and each other (:func:`survey.render.labels.label_points`).
    """
    import matplotlib

    from survey.render.labels import label_points

    fig, ax, rc = _figure(6.3, 4.4)
    x, y = table["importance"], table["performance"] * 100
    ax.scatter(x, y, color=BLUE, s=18, zorder=3)
    mx, my = float(x.mean()), float(y.mean())
    ax.axvline(mx, color="#888888", linewidth=0.8)
    ax.axhline(my, color="#888888", linewidth=0.8)
    pad_x, pad_y = (x.max() - x.min()) * 0.15 or 0.05, (y.max() - y.min()) * 0.15 or 1
    ax.set_xlim(x.min() - pad_x, x.max() + pad_x * 3)
    ax.set_ylim(y.min() - pad_y, y.max() + pad_y)
    corners = (("优势区", 0.98, 0.97, "right", "top"), ("维持区", 0.02, 0.97, "left", "top"),
               ("次要改进区", 0.02, 0.03, "left", "bottom"), ("优先改进区", 0.98, 0.03, "right", "bottom"))
    for text, cx, cy, ha, va in corners:
        ax.text(cx, cy, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                color=RED if text == "优先改进区" else "#555555")
    ax.set_xlabel("重要性（与总体评价的相关系数）")
    ax.set_ylabel(rate_word(weighted) + "（%）")
    with matplotlib.rc_context(rc):
        tight(fig)
        label_points(ax, list(zip(x, y, (short_text(t, 12) for t in table["text"]))), vlines=(mx,), hlines=(my,))
    return fig, ax, rc


def ipa_chart(table, caption: str, weighted: bool = False) -> Chart:
    """Importance (r with the overall item) against 满意率 (加权满意率 when ``weighted``), quadrants split at the means."""
    fig, _, rc = ipa_figure(table, weighted)
    return _render(fig, rc, caption, laid_out=True)  # the labels were placed inside the axes of the final layout


def full_marks_rate(framework, indicator: str | None, step_mode: str | None = None) -> float | None:
    """The lowest rate that scores the indicator's full weight (the chart's full-marks line)."""
    if not indicator:
        return None
    from survey.definitions.rules import rate_cuts, score_value

    ind = framework.indicator(indicator)
    full = [x for x in sorted(set(rate_cuts(ind.rule)) | {1.0})
            if 0 < x <= 1 and score_value(x, ind.rule, ind.weight, indicator=ind.name, mode=step_mode).score >= ind.weight]
    return full[0] if full else None


class ChartSpec(NamedTuple):
    """A chart of the report before it is drawn: ``draw(*args)`` gives it, captioned ``caption``."""

    key: Any
    cost: float  # relative drawing time (the 一级指标 bars 1): the longest charts are drawn first
    caption: str
    draw: Any
    args: tuple


def chart_specs(analysis, suppress_below: int | None = None) -> list[ChartSpec]:
    """What :func:`report_charts` draws, in report order, not drawn yet."""
    from survey.definitions.vocab import OVERALL
    from survey.evaluation.headline import headlines
    from survey.render.body import unit_label
    from survey.render.presentation import levels
    from survey.render.survey_body import (
        importance,
        item_levels,
        overall_item,
        scored_item_stats,
        scored_rows,
        suppress_threshold,
    )
    from survey.stats.presentation import REVIEW, SUPPRESS, standard_of

    standard = standard_of(analysis)  # the analysis is this worker's argument: its reliable_n travels with it
    out: list = []
    card = analysis.scorecard
    if card is not None:
        out.append(ChartSpec("level1", 1.0, "各一级指标得分", level1_chart, (card, "各一级指标得分")))
    unit = unit_label(analysis)
    suppress_below = suppress_threshold(analysis, suppress_below)
    for s, h in zip(analysis.surveys, headlines(analysis)):
        q = s.questionnaire
        stats = scored_item_stats(s, h)
        item_lv = item_levels(stats, standard)
        if any(v not in ("", SUPPRESS) for v in item_lv):
            basis = "（加权）" if h.scored.weighted else ""
            caption = f"{q.title}各题满意率{basis}（带*者需审慎解读）" if REVIEW in item_lv else \
                f"{q.title}各题满意率{basis}"
            out.append(ChartSpec((q.id, "items"), 1.0 + 0.1 * len(stats), caption, items_chart,
                                 (stats, caption, overall_item(q), standard)))
        rows = scored_rows(s, h)
        rows = rows[(rows["domain"] != OVERALL) & (rows["n"] >= suppress_below) & rows["estimate"].notna()]
        lv = levels(rows, standard)  # NCHS: suppressed units left out, the ones to read with care starred
        shown = rows[lv != SUPPRESS]
        if len(shown):
            data = [(str(r["level"]) + ("*" if lv[i] == REVIEW else ""), r["estimate"], r["ci_low"], r["ci_high"])
                    for i, r in shown.iterrows()]
            notes = [t for t, on in (("带*者需审慎解读", (lv == REVIEW).any()),
                                     ("样本不足、不予报告的未列出", len(shown) < len(rows))) if on]
            note = f"（{'；'.join(notes)}）" if notes else ""
            caption = f"{q.title}各{unit}{h.label}（{h.scored.basis}）{note}"
            out.append(ChartSpec((q.id, "units"), 1.0 + 0.1 * len(data), caption, units_chart,
                                 (data, h.label, unit, full_marks_rate(analysis.framework, h.indicator), caption,
                                  h.ci_name)))
        table = importance(s, stats, overall_item(q))
        if table is not None:
            caption = f"{q.title}重要性—满意度四分图"
            out.append(ChartSpec((q.id, "ipa"), 1.3 + 0.12 * len(table), caption, ipa_chart,
                                 (table, caption, h.scored.weighted)))
    return out


def draw_taken(specs, taken=None) -> dict:
    """Draw the charts of :func:`chart_specs` this process takes, keyed, the longest first.

    ``taken``: a counter shared with other processes (a ``multiprocessing.Value("i", 0)``
    they inherited by fork): each process takes the next chart when it is done with its last,
    so that processes drawing side by side finish together whatever each chart costs and
    whatever else each had to do first. None: every chart.
    """
    order = sorted(range(len(specs)), key=lambda i: -specs[i].cost)
    if taken is None:
        return {specs[i].key: specs[i].draw(*specs[i].args) for i in order}
    out: dict = {}
    while True:
        with taken.get_lock():
            k = taken.value
            taken.value = k + 1
        if k >= len(order):
            return out
        spec = specs[order[k]]
        out[spec.key] = spec.draw(*spec.args)


def report_charts(analysis, suppress_below: int | None = None) -> dict:
    """Every chart of the report, keyed as :func:`survey.render.outline.report_blocks` reads them.

    Units with fewer than ``suppress_below`` respondents (default: the analysis's
    ``min_per_district``, :func:`survey.render.survey_body.suppress_threshold`) are left out.
    """
    specs = chart_specs(analysis, suppress_below)
    drawn = draw_taken(specs)
    return {spec.key: drawn[spec.key] for spec in specs}


def warm() -> None:
    """Import matplotlib's figure and Agg canvas and find the CJK font (what every chart needs first)."""
    import matplotlib.backends.backend_agg
    import matplotlib.figure  # noqa: F401

    cjk_font()


def placeholders(specs: list[ChartSpec]) -> dict:
    """The charts of :func:`chart_specs` as placeholders (caption and key, nothing drawn), keyed as :func:`report_charts`.

    The report body is laid out with them while the charts are drawn elsewhere;
    report.docx fills them in (:func:`survey.render.report_docx.report_docx_bytes`).
    """
    return {spec.key: Chart(spec.caption, "", b"", key=spec.key) for spec in specs}
