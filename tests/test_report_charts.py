"""Charts: Chinese labels as SVG text, the full-marks line, PNG only with a CJK font, deterministic."""

from __future__ import annotations

import re

import pytest

from survey.render import charts

from .conftest import need_cjk_font


@pytest.fixture(scope="module")
def made(report_2021):
    a = report_2021[0]
    return a, charts.report_charts(a)


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_every_chart_is_made(made):
    _, ch = made
    # no offenders' units chart: every district has fewer than 30 interviews (NCHS: not reported)
    assert set(ch) == {"level1", ("staff", "items"), ("staff", "units"), ("staff", "ipa"),
                       ("offender", "items"), ("offender", "ipa")}


def test_labels_are_svg_text(made):
    _, ch = made
    units = svg_texts(ch[("staff", "units")].svg)
    # NCHS: 建邺区 (24 answers, 91.67%) is suppressed and left out; 江北新区 (100%) is starred
    assert "江北新区*" in units and "江宁区*" in units and "满分线85%" in units and "93.33%" in units
    assert "建邺区" not in units and "91.67%" not in units
    assert "带*者需审慎解读" in ch[("staff", "units")].caption
    assert "薪酬福利待遇" in svg_texts(ch[("staff", "items")].svg)
    assert "优先改进区" in svg_texts(ch[("staff", "ipa")].svg)
    assert "项目绩效" in svg_texts(ch["level1"].svg)
    assert "<path" in ch["level1"].svg and "Noto Sans CJK SC" in ch["level1"].svg


def test_full_marks_line_is_the_lowest_full_score_rate(made):
    a, _ = made
    assert charts.full_marks_rate(a.framework, "社区矫正工作人员满意度") == pytest.approx(0.85)
    assert charts.full_marks_rate(a.framework, None) is None


def test_png_with_a_cjk_font_and_none_without(made, monkeypatch):
    a, ch = made
    need_cjk_font()
    assert ch["level1"].png.startswith(b"\x89PNG")
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    monkeypatch.setattr(charts, "_WARNED", set())
    with pytest.warns(UserWarning, match="no CJK font"):
        c = charts.level1_chart(a.scorecard, "x")
    assert c.png == b"" and "项目决策" in svg_texts(c.svg)


def test_charts_are_deterministic(made):
    a, ch = made
    again = charts.level1_chart(a.scorecard, "各一级指标得分")
    assert again.svg == ch["level1"].svg and again.png == ch["level1"].png


def test_short_item_text():
    assert charts.short_text("您对组织的教育学习活动是否满意") == "组织的教育学习活动"
    assert len(charts.short_text("一" * 40)) == 18


def test_rate_charts_draw_dots_on_a_marked_cut_axis(made):
    # a new user's trial: bars on an axis starting near the lowest interval made one point look like a factor of two
    _, ch = made
    for key, start in ((("staff", "units"), "80%"), (("staff", "items"), "65%"), (("offender", "items"), "90%")):
        svg = ch[key].svg
        assert f"横轴从{start}起（截断）" in "".join(svg_texts(svg)), key   # the axis says where it starts
        bars = re.findall(r'<g id="patch_\d+">\s*<path [^>]*style="fill: #(?:3b6ea5|1f3f66)"', svg)
        assert not bars, key                                                # no bars: their length would lie
