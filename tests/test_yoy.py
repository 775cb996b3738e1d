"""Year over year (survey.evaluation.yoy, survey.render.yoy, `survey compare`).

raw/2022.xlsx is made by raw/make_2022.py with ONE planted change: the staff item
薪酬福利待遇 (h_pay) has its latent mean raised (truth: raw/2022.truth.json); everything
else is drawn from the 2021 model. At alpha = 0.05, with Holm's correction within each
family (the items of a questionnaire; the districts of a measure), the comparison must
find that change and no other.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.evaluation.yoy import (
    DOWN,
    NOT_COMPARED,
    SAME,
    UP,
    comparable_items,
    compare_analyses,
    compare_surveys,
    questionnaire_changes,
)
from survey.pipeline import analyze
from survey.render.yoy import comparison_paragraphs, comparison_sentence, comparison_tables

from .conftest import QDIR, RAW_2021, ROOT

RAW_2022 = ROOT / "raw" / "2022.xlsx"


@pytest.fixture(scope="module")
def years(analysis_2021_unweighted):
    return analysis_2021_unweighted, analyze(RAW_2022, QDIR, weigh=False)  # 2021: the session's run (conftest)


def test_make_2022_is_byte_reproducible(tmp_path):
    (tmp_path / "raw").mkdir()
    for f in ("make_2021.py", "make_2022.py"):
        shutil.copy(ROOT / "raw" / f, tmp_path / "raw" / f)
    shutil.copytree(QDIR, tmp_path / "questionnaires")
    subprocess.run([sys.executable, str(tmp_path / "raw" / "make_2022.py")], check=True, capture_output=True)
    assert (tmp_path / "raw" / "2022.xlsx").read_bytes() == RAW_2022.read_bytes()
    assert (tmp_path / "raw" / "2022.truth.json").read_bytes() == (ROOT / "raw" / "2022.truth.json").read_bytes()


def test_finds_the_planted_change_and_no_other(years):
    truth = json.loads((ROOT / "raw" / "2022.truth.json").read_text(encoding="utf-8"))["planted_change"]
    comparisons, notes = compare_analyses(*years)
    assert not notes and [c.questionnaire for c in comparisons] == ["staff", "offender"]
    for c in comparisons:
        t = c.table
        changed = t[t["verdict"].isin([UP, DOWN])]
        planted = c.questionnaire == truth["questionnaire"]
        assert changed["measure"].tolist() == ([truth["item"]] if planted else [])
        assert set(t["verdict"]) <= {UP, SAME, NOT_COMPARED}
        moved = c.distributions[c.distributions["significant"]]
        assert moved["item"].tolist() == ([truth["item"]] if planted else [])
    staff = comparisons[0].table.set_index(["family", "measure", "level"])
    row = staff.loc[("item", "h_pay", "全部")]
    # counts from the truth files: 276/389 in 2021, 341/395 in 2022
    assert (row["estimate_old"], row["estimate_new"]) == pytest.approx((276 / 389, 341 / 395))
    assert row["verdict"] == UP and row["p_adjusted"] < 0.001
    # the annex rate did not move: 97.43% → 97.47%, 无显著变化
    assert staff.loc[("measure", "overall", "全部"), "verdict"] == SAME


def test_sentences_say_the_verdict_only_when_the_test_does(years):
    c = compare_analyses(*years)[0][0]
    text = "\n".join(comparison_paragraphs(c, "2021年", "2022年"))
    assert text.count("显著提高") == 1 and "显著下降" not in text
    assert "薪酬福利待遇2022年为86.33%，2021年为70.95%，提高15.38个百分点" in text
    assert "总体满意率2022年为97.47%，2021年为97.43%，两年相差+0.04个百分点" in text
    assert "无显著变化" in text and "偏保守" in text
    row = pd.Series(dict(label="总体满意率", level="全部", estimate_old=0.9, estimate_new=0.93, difference=0.03,
                         se=0.02, ci_low=-0.01, ci_high=0.07, p_value=0.13, p_adjusted=0.13, verdict=SAME))
    s = comparison_sentence(row, "上年", "本年")
    assert "提高" not in s and s.endswith("无显著变化。")
    s = comparison_sentence(row.replace({SAME: NOT_COMPARED}), "上年", "本年")
    assert "不作比较" in s and "%" not in s


def test_flagged_rows_share_one_caveat_and_items_go_by_their_short_label(years):
    """Found by a new-user trial: each flagged rate repeated （比例需审慎解读，…）, items by their full text."""
    offender = compare_analyses(*years)[0][1]          # 2021 and 2022 offenders: all four rates at or near 100%
    text = "\n".join(comparison_paragraphs(offender, "2021年", "2022年"))
    assert text.count("审慎解读") == 1
    assert ("总体满意率、各题满意率均值、满意答案占比、满意度得分指数两年比较均无显著变化"
            "（以上比例需审慎解读，不引用具体数值，见比较表）。") in text
    t = offender.table.copy()                         # every item flagged and significant: one list, one caveat
    items = t["family"] == "item"
    t.loc[items, "verdict"] = UP
    t.loc[items, "reliability_new"] = "review"
    para = next(p for p in comparison_paragraphs(replace(offender, table=t), "2021年", "2022年")
                if p.startswith("分题目"))
    assert para.count("审慎解读") == 1 and "您对" not in para and "是否满意" not in para
    assert para.startswith("分题目：“社区矫正工作人员的工作态度”、“报到、请销假等规定的告知和解释”、")
    assert para.endswith("两年比较均显著提高（以上比例需审慎解读，不引用具体数值，见比较表）。")


def test_no_remaining_items_are_spoken_of_when_every_item_changed(years):
    """Found by a new-user trial: all 5 items 显著提高, then "其余题目满意率无显著变化" of none."""
    offender = compare_analyses(*years)[0][1]
    t = offender.table.copy()
    t.loc[t["family"] == "item", "verdict"] = UP
    text = "\n".join(comparison_paragraphs(replace(offender, table=t), "2021年", "2022年"))
    n = int((t["family"] == "item").sum())
    assert "其余题目" not in text and f"共比较{n}题，各题满意率均有显著变化（Holm校正）。" in text
    t.loc[t.index[t["family"] == "item"][1:], "verdict"] = SAME      # one changed: the others are 其余
    assert "其余题目满意率无显著变化" in "\n".join(comparison_paragraphs(replace(offender, table=t)))


def test_questionnaire_changes_are_reported_and_never_compared(years):
    old, new = years[0].surveys[0], years[1].surveys[0]
    q = new.questionnaire
    items = tuple(
        it.model_copy(update={"text": "信息化监管手段（电子定位、视频督察、智慧矫正平台）"}) if it.id == "s_it"
        else it.model_copy(update={"scale": "satisfaction3"}) if it.id == "h_care" else it
        for it in q.items)
    sc3 = q.scales["satisfaction5"].model_copy(update={"options": ("满意", "一般", "不满意"), "satisfied": ("满意",),
                                                       "scores": {}})
    q2 = q.model_copy(update={"items": items, "scales": {**q.scales, "satisfaction3": sc3}})
    ch = questionnaire_changes(old.questionnaire, q2)
    assert set(zip(ch["item"], ch["change"])) == {("s_it", "reworded"), ("h_care", "scale_changed")}
    assert {"s_it", "h_care"}.isdisjoint(comparable_items(old.questionnaire, q2))
    c = compare_surveys(old, replace(new, questionnaire=q2))
    assert {"s_it", "h_care"}.isdisjoint(set(c.table["measure"]))
    # measures pooling a changed item are not compared either, and the report says so
    assert set(c.table.loc[c.table["family"] == "measure", "measure"]) == {"overall"}
    text = "\n".join(comparison_paragraphs(c))
    assert "题目措辞变化：s_it" in text and "选项（量表）变化：h_care" in text
    assert "不作比较：item_mean、answer_share、score_index" in text
    assert set(comparison_tables(c)) == {"与上年比较", "答案分布检验", "问卷变化"}


def test_linked_respondents_enter_the_covariance(years):
    """The same 389 staff answer again; 60 of them now rate 薪酬福利待遇 satisfied.

    With the respondent key the SE of the difference is the paired one: for the 2×2 table
    of (old, new) satisfied, Var(p̂_new − p̂_old) = [(p₁₀ + p₀₁) − (p₀₁ − p₁₀)²]/n
    (Agresti, Categorical Data Analysis, 2nd ed., §10.1.1); here p₁₀ = 0 and p₀₁ = 60/389.
    """
    from survey.evaluation.measures import estimate

    old = years[0].surveys[0]
    data = old.cleaned.valid.data.copy()
    unsat = data.index[data["h_pay"] > 2][:60]          # codes 3–5: 一般 … 非常不满意
    data.loc[unsat, "h_pay"] = 2.0                       # 满意
    valid = replace(old.cleaned.valid, data=data)
    new = replace(old, cleaned=replace(old.cleaned, valid=valid),
                  estimates=estimate(valid, by=old.questionnaire.district_item))
    linked = compare_surveys(old, new, key="respondent")
    plain = compare_surveys(old, new)
    assert linked.overlap == 389 and plain.overlap is None
    row = linked.table.set_index(["family", "measure"]).loc[("item", "h_pay")]
    p01, n = 60 / 389, 389
    assert row["difference"] == pytest.approx(p01)
    assert row["se"] == pytest.approx(((p01 - p01 ** 2) / n) ** 0.5, rel=1e-12)
    se_plain = plain.table.set_index(["family", "measure"]).loc[("item", "h_pay"), "se"]
    assert row["se"] < se_plain                           # the independent test is conservative
    assert "389名受访者相同" in "".join(comparison_paragraphs(linked))
    # an unchanged item: identical answers, zero difference with zero SE
    same = linked.table.set_index(["family", "measure"]).loc[("item", "h_care")]
    assert same["difference"] == 0 and same["se"] == pytest.approx(0, abs=1e-12)


def test_cli_compare(tmp_path):
    res = CliRunner().invoke(main, ["compare", str(RAW_2021), str(RAW_2022), "-q", str(QDIR), "-o", str(tmp_path),
                                    "--details"])
    assert res.exit_code == 0, res.output
    # the summary and the detail line each say it once, for the one planted change
    assert res.output.count("显著提高") == 2 and res.output.count("显著下降") == 0
    assert "明细（各题、各区）" in res.output and "玄武区总体满意率：样本量不足" in res.output
    assert "各区与全部样本比较" in res.output
    assert (tmp_path / "comparison.xlsx").exists()


def test_cli_compare_finds_or_takes_the_frameworks_as_analyze_does(tmp_path):
    """Found by a new-user trial: compare had no --framework, so two workbooks copied away from their
    frameworks could not be compared at all. The same lookup as analyze, the same one-line error."""
    for year in ("2021", "2022"):
        (tmp_path / year).mkdir()
        shutil.copy(ROOT / "raw" / f"{year}.xlsx", tmp_path / year)
    old, new = tmp_path / "2021" / "2021.xlsx", tmp_path / "2022" / "2022.xlsx"
    base = ["compare", str(old), str(new), "-q", str(QDIR), "-o", str(tmp_path / "out")]
    res = CliRunner().invoke(main, base)
    assert res.exit_code == 1 and len(res.output.strip().splitlines()) == 1
    assert res.output.startswith(f"Error: {old}: no scoring framework (评分表) found") and "--framework FILE" in res.output
    res = CliRunner().invoke(main, [*base, "--old-framework", str(tmp_path / "none.yaml"),  # OLD's: it is read
                                    "--framework", str(ROOT / "raw" / "2022.framework.yaml")])
    assert res.exit_code == 1 and "none.yaml" in res.output
    res = CliRunner().invoke(main, [*base, "--framework", str(ROOT / "raw" / "2022.framework.yaml")])  # both years'
    assert res.exit_code == 0, res.output
    assert res.output.count("显著提高") == 1 and "与2021年比较" in res.output
    assert (tmp_path / "out" / "comparison.xlsx").exists()
    # `analyze --previous OLD` likewise: OLD without definitions of its own takes this run's
    res = CliRunner().invoke(main, ["analyze", str(new), "-q", str(QDIR), "--framework",
                                    str(ROOT / "raw" / "2022.framework.yaml"), "--previous", str(old), "-o",
                                    str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "rep" / "manifest.json").read_text(encoding="utf-8"))["previous"]["name"] == "2021"


def test_weighted_comparison_finds_the_same_single_change(analysis_2021):
    # Design-based on both years' frame weights (post-stratified by district; the FPC is
    # left out by default, see compare_surveys).
    a, b = analysis_2021, analyze(RAW_2022, QDIR)  # 2021: the session's analyze(raw/2021.xlsx, questionnaires/)
    comparisons, _ = compare_analyses(a, b, weighted=True)
    staff, offender = comparisons
    assert staff.weighted and offender.weighted
    ups = staff.table[staff.table["verdict"] == UP]["measure"].tolist()
    assert ups == ["h_pay"] and not (staff.table["verdict"] == DOWN).any()
    assert not offender.table["verdict"].isin([UP, DOWN]).any()
    # the weighted 2021 overall rate is the analysis's own (97.46%, README)
    row = staff.table.set_index(["family", "measure", "level"]).loc[("measure", "overall", "全部")]
    assert row["estimate_old"] == pytest.approx(a.surveys[0].weighted.iloc[0]["estimate"])


def test_distribution_test_matches_svychisq_on_the_stacked_years(years):
    """The two years' answers stacked (year as a stratum and as the column variable).

    R 4.2.2, survey 4.1.1, on the stacked table written to CSV (answer, year, w = 1, stratum = year):
        des <- svydesign(id=~1, strata=~stratum, weights=~w, data=d)
        svychisq(~answer + year, des, statistic="F")
    h_pay: F = 10.12269986, ndf = 4, ddf = 3128, p = 3.853892252e-08
    s_it:  F = 2.748218475, ndf = 3, ddf = 2346, p = 0.04145341236 (not significant after Holm)
    """
    c = compare_analyses(*years)[0][0].distributions.set_index("item")
    assert (c.loc["h_pay", "F"], c.loc["h_pay", "ndf"], c.loc["h_pay", "ddf"]) == pytest.approx((10.12269986, 4, 3128),
                                                                                                 rel=1e-8)
    assert c.loc["h_pay", "p_value"] == pytest.approx(3.853892252e-08, rel=1e-6)
    assert c.loc["s_it", "F"] == pytest.approx(2.748218475, rel=1e-8)
    assert c.loc["s_it", "p_value"] == pytest.approx(0.04145341236, rel=1e-7)
    assert not c.loc["s_it", "significant"]


def test_cli_compare_takes_an_evaluation_folder(tmp_path):
    folder = tmp_path / "eval2021"
    assert CliRunner().invoke(main, ["init", str(folder), "--from", "nanjing-2021"]).exit_code == 0
    res = CliRunner().invoke(main, ["compare", str(folder), str(RAW_2022), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert res.output.count("显著提高") == 1 and "与2021年比较" in res.output


def test_linked_respondents_weighted_match_svymean_of_the_paired_differences(analysis_2021):
    """Weighted panel: the 389 staff of 2021 answer again with the same weights and districts.

    60 of them now rate 薪酬福利待遇 satisfied. With the key, the SE of the weighted
    difference is that of the design-weighted mean of the paired differences. The panel
    (yold, ynew = h_pay satisfied in each year, w = the 2021 post-stratified weight, stratum =
    district) written to CSV, R 4.2.2, survey 4.1.1:
        des <- svydesign(ids=~1, strata=~stratum, weights=~w, data=d)
        svymean(~I(ynew - yold), des)    # 0.155553888703603, SE 0.0185750842009896
        SE(svymean(~yold, des))          # 0.0232231903720455 (independent SEs, for the conservative test)
        SE(svymean(~ynew, des))          # 0.017398595008574
    """
    old = analysis_2021.surveys[0]  # analyze(raw/2021.xlsx, questionnaires/), the session's run
    data = old.cleaned.valid.data.copy()
    unsat = data.index[data["h_pay"] > 2][:60]          # codes 3–5: 一般 … 非常不满意
    data.loc[unsat, "h_pay"] = 2.0                       # 满意
    new = replace(old, cleaned=replace(old.cleaned, valid=replace(old.cleaned.valid, data=data)))
    linked = compare_surveys(old, new, key="respondent", weighted=True)
    plain = compare_surveys(old, new, weighted=True)
    assert linked.weighted and linked.overlap == 389
    row = linked.table.set_index(["family", "measure"]).loc[("item", "h_pay")]
    assert row["difference"] == pytest.approx(0.155553888703603, rel=1e-12)
    assert row["se"] == pytest.approx(0.0185750842009896, rel=1e-9)
    se_plain = plain.table.set_index(["family", "measure"]).loc[("item", "h_pay"), "se"]
    assert se_plain == pytest.approx((0.0232231903720455 ** 2 + 0.017398595008574 ** 2) ** 0.5, rel=1e-9)
    same = linked.table.set_index(["family", "measure"]).loc[("item", "h_care")]
    assert same["difference"] == pytest.approx(0, abs=1e-12) and same["se"] == pytest.approx(0, abs=1e-9)


def test_the_overall_question_is_compared_once_as_its_measure(years):
    # staff's 总体满意率 is the top-box rate of the item `overall` (questionnaires/staff.yaml): one row,
    # the measure's, in the comparison, the report's table (report.docx / report.html) and the sheet
    from survey.render.previous import comparison_table

    for c in compare_analyses(*years)[0]:
        t = c.table
        assert "overall" not in set(t.loc[t["family"] == "item", "measure"])
        assert t[(t["measure"] == "overall") & (t["level"] == "全部")]["family"].tolist() == ["measure"]
        question = {s.questionnaire.id: s.questionnaire for s in years[1].surveys}[c.questionnaire]
        names = [row[1] for row in comparison_table(c, "2021年", "2022年", "区").rows]
        assert names.count("总体满意率") == 1 and question.item("overall").text not in names
        sheet = comparison_tables(c)["与上年比较"]
        assert ((sheet["指标/题目"] == "overall") & (sheet["范围"] == "全部")).sum() == 1
    staff = compare_analyses(*years)[0][0]
    assert "共比较12题" in "".join(comparison_paragraphs(staff))  # 12 items besides the overall question


def test_compare_folder_tells_two_evaluations_of_one_name_apart():
    # a new user's two years were both data.xlsx: the folder was reports/data-vs-data
    from types import SimpleNamespace as NS

    from survey.cli.evaluate import comparison_folder

    assert comparison_folder(NS(name="2021", year=None), NS(name="2022", year=None)) == "2022-vs-2021"
    assert comparison_folder(NS(name="data", year=2022), NS(name="data", year=2023)) == "data-2023-vs-2022"
    same = NS(name="data", year=2023)
    assert comparison_folder(same, same) == "data-vs-previous"
