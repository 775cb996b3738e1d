"""What reviewers found wrong in the report body (issue #11): the per-question analysis on the
scored basis (weighted or not, and said), suggestion themes from the questionnaire, every 绩效目标,
every reliability row, 有限总体校正 only when applied, the suppression threshold threaded."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from survey.definitions.questionnaire import load
from survey.errors import DefinitionError
from survey.evaluation.headline import Figure, headlines
from survey.formatting import fmt_pct
from survey.render.blocks import Chart, Para, Table
from survey.render.outline import report_blocks
from survey.render.suggestions import group_suggestions, recurring_term
from survey.render.survey_body import design_effect_words, item_stats, scored_item_stats

from .conftest import QDIR, RAW_2021, ROOT

RURAL_WATER = ROOT / "survey" / "examples" / "rural-water-2023"


@pytest.fixture(scope="module")
def rural_water(analysis_rural_water):
    """The shipped rural-water example analysed as `survey analyze` does (conftest, once for the session)."""
    return analysis_rural_water


def tables(blocks, start: str) -> list[Table]:
    return [b for b in blocks if isinstance(b, Table) and (b.caption or "").startswith(start)]


# -- 1. the per-question analysis follows the scored measure --------------------------------

def test_weighted_scored_survey_shows_weighted_item_rates_and_says_so(rural_water):
    (h,) = headlines(rural_water)
    s = rural_water.surveys[0]
    assert h.scored.weighted
    stats = {st.item: st for st in scored_item_stats(s, h)}
    # the overall item's weighted 满意率 is the scored design-based estimate (92.37%), not the
    # unweighted share of respondents (92.42%, the 对照口径 in the console)
    assert stats["overall"].rate == pytest.approx(h.scored.estimate, rel=1e-12)
    assert fmt_pct(stats["overall"].rate) == "92.37%"
    assert fmt_pct({st.item: st for st in item_stats(s)}["overall"].rate) == fmt_pct(h.other.estimate) == "92.42%"
    assert sum(stats["overall"].shares) == pytest.approx(1.0)
    blocks = report_blocks(rural_water)
    (t,) = tables(blocks, "各题选项分布与满意率")
    assert "加权，同计分口径" in t.caption and "加权占比" in t.caption and t.header[-1] == "加权满意率"
    assert t.rows[-1][-1] == "92.37%"
    assert any(isinstance(b, Para) and b.text.startswith("加权满意率最低的题项为") for b in blocks)
    assert "加权满意率的平均" in tables(blocks, "各维度满意率")[0].caption


def test_unweighted_scored_survey_keeps_its_rates_and_is_labelled(analysis_2021):
    blocks = report_blocks(analysis_2021)
    staff, offender = tables(blocks, "各题选项分布与满意率")
    assert staff.caption == "各题选项分布与满意率（未加权，同计分口径；上行人数，下行占比）"
    assert staff.header[-1] == "满意率" and staff.rows[-1][-1] == "97.43%" and offender.rows[-1][-1] == "100.00%*"
    assert staff.rows[1][2:4] == ("124\n31.9%", "152\n39.1%")


def test_items_chart_says_weighted(rural_water):
    from survey.render.charts import report_charts

    charts = report_charts(rural_water)
    chart = charts[(rural_water.surveys[0].questionnaire.id, "items")]
    assert isinstance(chart, Chart) and chart.caption.endswith("各题满意率（加权）") and "加权满意率（%）" in chart.svg


# -- 2. suggestion themes --------------------------------------------------------------------

def test_no_field_specific_words_in_the_code():
    code = (ROOT / "survey" / "render" / "suggestions.py").read_text(encoding="utf-8")
    assert not [w for w in ("报到", "请假", "定位", "矫正", "社工", "司法", "编制") if w in code]


def test_themes_come_from_the_questionnaire():
    staff = load(QDIR / "staff.yaml")
    themes = staff.item("suggestion").themes
    assert "薪酬待遇" in themes and "定位" in themes["信息化建设"]
    g = group_suggestions(["社工待遇偏低", "电子定位手环充电不方便", "无"], themes)
    assert [(t.theme, t.count) for t in g.themes] == [("薪酬待遇", 1), ("信息化建设", 1)] and g.empty == 1


def test_themes_only_on_text_items(tmp_path):
    data = yaml.safe_load((QDIR / "staff.yaml").read_text(encoding="utf-8"))
    first = next(it for it in data["items"] if it["type"] != "text")
    first["themes"] = {"待遇": ["工资"]}
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="themes are for open-ended items"):
        load(path)
    data["items"][0].pop("themes")
    next(it for it in data["items"] if it["type"] == "text")["themes"] = {"待遇": []}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="non-empty keywords"):
        load(path)


def test_unmatched_answers_grouped_by_a_recurring_term_not_one_big_other():
    answers = ["希望水压更稳定", "水压太低，早上经常没水", "晚上水压不够", "校车太挤", "增加校车班次",
               "暂无", "没有意见", "很好", "继续保持", "路灯坏了"]
    g = group_suggestions(answers)  # no declared themes: the default, field-neutral ones
    assert [(t.theme, t.count) for t in g.themes] == [("涉及“水压”的建议", 3), ("涉及“校车”的建议", 2), ("其他", 1)]
    assert g.empty == 4 and g.total == 10
    assert recurring_term(["路灯坏了", "校车太挤"]) is None  # a term must recur


def test_report_groups_a_new_field_s_answers(rural_water):
    blocks = report_blocks(rural_water)
    (t,) = tables(blocks, "意见和建议分类")
    assert t.rows[0][:2] == ("涉及“水压”的建议", "21") and "其他" not in [r[0] for r in t.rows]
    # nothing left out: no "除去…0条"
    assert "共有21人填写了意见和建议，按主题归类如下（一条可涉及多个主题）。" in [getattr(b, "text", "") for b in blocks]


# -- 3. every 绩效目标 ------------------------------------------------------------------------

def test_every_target_is_listed(analysis_2021):
    card = analysis_2021.scorecard
    (t,) = tables(report_blocks(analysis_2021), "评分表各三级指标的指标值")
    with_target = [r for r in card.rows if r.target]
    assert len(with_target) > 8 and [r[2] for r in t.rows] == [r.name for r in with_target]
    assert t.rows[-1][2:] == ("社区矫正对象满意度", "85%")


# -- 4. every reliability row ----------------------------------------------------------------

def test_every_reliability_row_reaches_the_quality_paragraph(analysis_2021):
    texts = [b.text for b in report_blocks(analysis_2021) if isinstance(b, Para)]
    staff = next(x for x in texts if x.startswith("社区矫正工作人员幸福感和安全感调查：总体满意率"))
    offender = next(x for x in texts if x.startswith("社区矫正对象满意度访谈：总体满意率"))
    # validity.xlsx: 全部 0.923, 幸福感 0.861, 安全感 0.857; offenders 0.868, 0.775, 0.717, 帮扶 one item
    assert "全部题项0.923，幸福感维度0.861、安全感维度0.857，均达到0.7的可接受标准" in staff
    assert "全部题项0.868，监督管理维度0.775、教育矫正维度0.717，均达到0.7的可接受标准" in offender
    assert "帮扶维度无法计算（只有1个题项" in offender


# -- 5. 有限总体校正 only when applied ----------------------------------------------------------

def test_design_effect_words_mention_fpc_only_when_applied():
    f = Figure(True, 0.9, 0.85, 0.94, 400, 480.0, 0.83, "wilson_neff")
    assert "有限总体校正" not in design_effect_words(f)
    assert design_effect_words(f).startswith("加权后，抽样误差小于同样本量的简单随机抽样（设计效应0.83）")
    assert "有限总体校正" in design_effect_words(f, fpc=True)


# -- 6. the suppression threshold ------------------------------------------------------------

def test_suppression_threshold_is_a_parameter_of_the_body(analysis_2021):
    def offender_units(blocks):
        unit_tables = tables(blocks, "各区总体满意率")
        return {r[0]: r for r in unit_tables[1].rows}

    default = offender_units(report_blocks(analysis_2021))
    # 5 respondents: above the default threshold 5, so only NCHS (n < 30) keeps the rate out
    assert default["玄武区"][1:] == ("5", "—", "不予报告")
    higher = offender_units(report_blocks(analysis_2021, suppress_below=8))
    assert higher["玄武区"][2:] == ("—", "样本少于8人，不予报告") and higher["秦淮区"][2:] == ("—", "不予报告")
    # the analysis's min_per_district (--min-per-district, evaluation.yaml thresholds.min_cell) is the default
    stricter = dataclasses.replace(analysis_2021, parameters={**analysis_2021.parameters, "min_per_district": 8})
    assert offender_units(report_blocks(stricter))["玄武区"][3] == "样本少于8人，不予报告"


def test_cli_threshold_reaches_report_html(tmp_path, without_charts):
    from survey.cli import main

    res = CliRunner().invoke(main, ["analyze", str(RAW_2021), "-q", str(QDIR), "-o", str(tmp_path),
                                    "--min-per-district", "8"])
    assert res.exit_code == 0, res.output
    page = Path(tmp_path / "report.html").read_text(encoding="utf-8")
    assert "样本少于8人，不予报告" in page


# -- 7. what read wrong on the rendered pages ------------------------------------------------

def test_unit_word_after_a_trailing_suo_zai():
    q = load(ROOT / "survey" / "examples" / "school-meals-2023" / "questionnaires" / "parents.yaml")
    assert q.item(q.district_item).text == "孩子就读学校所在街道" and q.unit_word == "街道"
    assert load(QDIR / "staff.yaml").unit_word == "区"


def test_quotes_show_masked_data_as_omitted():
    g = group_suggestions(["本人身份证号320***********1230，反映岗位定级问题。", "=建议增加编制"],
                          {"岗位": ("岗位", "编制")})
    (t,) = g.themes
    assert set(t.quotes) == {"建议增加编制", "本人身份证号（略），反映岗位定级问题。"}


def test_per_event_text_reads_once(rural_water):
    text = "\n".join(getattr(b, "text", "") for b in report_blocks(rural_water))
    assert "当年发生水质污染事故0起、停水超过24小时1起" in text and "安全事故水质污染" not in text


def test_generic_suggestion_words_are_not_themes():
    # "尽快解决" and "大家" are in every kind of suggestion: the recurring term is what is asked about
    answers = ["希望尽快解决停车难", "停车位太少，请尽快解决", "大家都说停车不方便", "尽快解决噪音", "噪音太大，大家睡不好"]
    assert [(t.theme, t.count) for t in group_suggestions(answers).themes] == [("涉及“停车”的建议", 3),
                                                                           ("涉及“噪音”的建议", 2)]


def test_evaluation_folder_min_cell_reaches_the_report(tmp_path):
    import shutil

    from survey.evaluation.folder import folder_run
    from survey.pipeline import analyze

    folder = tmp_path / "rw"
    shutil.copytree(RURAL_WATER, folder)
    ev = folder / "evaluation.yaml"
    ev.write_text(ev.read_text(encoding="utf-8").replace("min_cell: 5", "min_cell: 50"), encoding="utf-8")
    run = folder_run(folder)
    a = analyze(run.tables, **run.analysis_options({}))
    (t,) = tables(report_blocks(a), "各乡镇总体满意率")
    rows = {r[0]: r for r in t.rows}
    assert rows["东岭乡"][1:] == ("43", "—", "样本少于50人，不予报告") and rows["城关镇"][2] == "91.08%"
