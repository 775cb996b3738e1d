"""Sample validity checks (survey.evaluation.validity)."""

from __future__ import annotations

import json
import math
import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pingouin
import pytest

from survey.definitions.cells import population_table
from survey.definitions.questionnaire import Scale, load
from survey.definitions.vocab import FAIL, PASS
from survey.definitions.vocab import NOT_COMPUTABLE as NA
from survey.errors import DataError, WeightingError
from survey.evaluation.clean import clean
from survey.evaluation.measures import estimate
from survey.evaluation.validity import (
    check_survey,
    coverage,
    margins,
    oriented_items,
    response_rates,
    scale_tops,
)
from survey.evaluation.weighting import weight_responses
from survey.inputs.frame import read_frame
from survey.inputs.read import Workbook
from survey.inputs.tidy import tidy
from survey.pipeline import analyze
from survey.render.office import xlsx_bytes
from survey.render.validity import validity_paragraph, validity_tables
from survey.stats.design import Design
from survey.stats.estimate import estimate_column
from survey.stats.reliability import (
    bartlett_sphericity,
    ceiling_effect,
    cronbach,
    item_analysis,
    kmo,
    reliability,
)

from .conftest import FRAMEWORK_2021, QDIR, RAW_2021, framework_beside


# ----------------------------------------------------------------- Cronbach's α
def test_cronbach_alpha_matches_pingouin_documented_example_listwise():
    # pingouin.cronbach_alpha docstring (pingouin 0.5/0.7), "After listwise deletion":
    #   pg.cronbach_alpha(data=pg.read_dataset("cronbach_wide_missing"), nan_policy="listwise")
    #   (0.8016949152542373, array([0.581, 0.933]))   — In R: psych::alpha(data, use="complete.obs")
    # Only α is compared: pingouin's listwise Feldt interval keeps n = 12 (the rows before
    # deletion), ours uses the 9 complete rows that α is computed on — the interval is
    # compared on the complete long-format example below.
    data = pingouin.read_dataset("cronbach_wide_missing")
    a = cronbach(data)
    assert a.cronbach_alpha == pytest.approx(0.8016949152542373, rel=1e-12)
    assert a.n == len(data.dropna()) == 9
    # pingouin rounds Feldt's bounds to 3 decimals; ours are unrounded
    assert (a.ci_low, a.ci_high) == pytest.approx(tuple(pingouin.cronbach_alpha(data.dropna())[1]), abs=5e-4)
    assert a.ci_low < 0.581  # wider than the n = 12 interval of the docstring


def test_cronbach_alpha_matches_pingouin_documented_long_example():
    # pingouin.cronbach_alpha docstring, Likert-type long format:
    #   pg.cronbach_alpha(data=pg.read_dataset("cronbach_alpha"), items="Items", scores="Scores", subject="Subj")
    #   (0.5917188485995826, array([0.195, 0.84 ]))
    long = pingouin.read_dataset("cronbach_alpha")
    wide = long.pivot_table(index="Subj", columns="Items", values="Scores")
    a = cronbach(wide)
    assert a.cronbach_alpha == pytest.approx(0.5917188485995826, rel=1e-12)
    assert (a.ci_low, a.ci_high) == pytest.approx((0.195, 0.84), abs=1e-3)


# R 4.2.2, psych 2.2.9, on the 9 complete rows of pingouin's "cronbach_wide_missing"
# (written with pg.read_dataset("cronbach_wide_missing").dropna().to_csv("cw.csv", index=False)):
#   a <- psych::alpha(na.omit(read.csv("cw.csv")))
#   format(a$item.stats$r.drop, digits=12)    # corrected item–total r (item vs the sum of the others)
#   format(a$alpha.drop$raw_alpha, digits=12) # α if the item is deleted
PSYCH_R_DROP = [0.118887659656, 0.399291825942, 0.428571428571, 0.000000000000, 0.518562978842, 0.780670868297,
                0.554478862095, 0.780670868297, 0.448129079765, 0.448129079765, 0.614192268640]
PSYCH_ALPHA_DROP = [0.812720848057, 0.792452830189, 0.789241622575, 0.829475308642, 0.779645191410, 0.747567844342,
                    0.775413711584, 0.747567844342, 0.787795992714, 0.787795992714, 0.776014109347]


def test_cronbach_alpha_if_deleted_and_corrected_item_total_match_r_psych():
    data = pingouin.read_dataset("cronbach_wide_missing").dropna()
    ia = item_analysis(data)
    assert ia["item"].tolist() == [f"Q{i}" for i in range(1, 12)]
    assert ia["item_total_r"].tolist() == pytest.approx(PSYCH_R_DROP, abs=1e-11)
    assert ia["cronbach_alpha_if_deleted"].tolist() == pytest.approx(PSYCH_ALPHA_DROP, abs=1e-11)


def test_cronbach_alpha_not_computable_is_a_result_not_a_crash():
    same = pd.DataFrame({"a": [5, 5, 5, 5], "b": [5, 5, 5, 5], "c": [5, 5, 5, 5]})  # straight-lined
    a = cronbach(same)
    assert not a.computable and math.isnan(a.cronbach_alpha) and "答案无差异" in a.reason
    assert "只有1个题项" in cronbach(same[["a"]]).reason
    rel = reliability(same, {"one": ["a"]})
    assert rel["verdict"].tolist() == [NA, NA]


def test_ceiling_effect_uses_the_scale_top_when_given():
    # Nobody chose 5 on item b: by the observed maximum (4) rows 0 and 1 would be "at the
    # ceiling"; on a 1–5 scale only row 0 (5, 4 → not all 5) … none is.
    d = pd.DataFrame({"a": [5, 5, 3, 2], "b": [4, 4, 3, 1]})
    assert ceiling_effect(d).iloc[0]["n_ceiling"] == 2
    assert ceiling_effect(d, top=5).iloc[0]["n_ceiling"] == 0
    assert ceiling_effect(d, top={"a": 5, "b": 4}).iloc[0]["n_ceiling"] == 2


def test_ceiling_effect_share_and_cronbach_alpha_without():
    d = pd.DataFrame({"a": [5, 5, 4, 3, 2, 4], "b": [5, 5, 4, 2, 3, 5], "c": [5, np.nan, 3, 3, 2, 4]})
    ce = ceiling_effect(d).iloc[0]
    # rows 0 and 1 give the top value (5) on every item they answered
    assert ce["n_ceiling"] == 2 and ce["ceiling_share"] == pytest.approx(2 / 6)
    assert ce["cronbach_alpha_without_ceiling"] == pytest.approx(cronbach(d.iloc[2:]).cronbach_alpha)


# ----------------------------------------------------------------- KMO and Bartlett
R3 = pd.DataFrame([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]], index=list("xyz"), columns=list("xyz"))


def _partial(rab, rac, rbc):
    """First-order partial correlation r_ab·c (textbook formula, no matrix inverse)."""
    return (rab - rac * rbc) / math.sqrt((1 - rac**2) * (1 - rbc**2))


def test_kmo_and_bartlett_match_r_psych_on_harman74():
    # R 4.2, psych 2.2: the 24 psychological tests of Harman (1976), base R data set
    # Harman74.cor (n = 145); tests/data/harman74_cor.csv is write.csv(Harman74.cor$cov).
    #   KMO(Harman74.cor$cov)$MSA                    -> 0.8813335024
    #   KMO(...)$MSAi["Cubes"], ["Deduction"]        -> 0.842612, 0.933514
    #   cortest.bartlett(Harman74.cor$cov, n = 145)  -> chisq 1545.861863, df 276, p 2.399561072e-175
    from pathlib import Path

    R = pd.read_csv(Path(__file__).parent / "data" / "harman74_cor.csv", index_col=0)
    k = kmo(R, n=145)
    assert k.overall == pytest.approx(0.8813335024, rel=1e-9)
    assert k.items["Cubes"] == pytest.approx(0.842612, abs=5e-7)
    assert k.items["Deduction"] == pytest.approx(0.933514, abs=5e-7)
    b = bartlett_sphericity(R, n=145)
    assert b.chi2 == pytest.approx(1545.861863, rel=1e-9) and b.df == 276
    assert b.p_value == pytest.approx(2.399561072e-175, rel=1e-6)


def test_kmo_by_hand_on_three_variables():
    # Kaiser & Rice (1974): KMO = Σr² / (Σr² + Σq²), q the anti-image (partial)
    # correlations, here first-order partials derived by hand:
    # r_xy·z = (.5 − .4×.3)/√((1 − .16)(1 − .09)) = 0.434633
    # r_xz·y = (.4 − .5×.3)/√((1 − .25)(1 − .09)) = 0.302613
    # r_yz·x = (.3 − .5×.4)/√((1 − .25)(1 − .16)) = 0.125988
    qxy, qxz, qyz = _partial(.5, .4, .3), _partial(.4, .5, .3), _partial(.3, .5, .4)
    assert (qxy, qxz, qyz) == pytest.approx((0.434633, 0.302613, 0.125988), abs=1e-6)
    r2 = .5**2 + .4**2 + .3**2
    expected = r2 / (r2 + qxy**2 + qxz**2 + qyz**2)              # = 0.627861
    res = kmo(R3, n=100)
    assert res.overall == pytest.approx(expected, rel=1e-9)
    assert res.overall == pytest.approx(0.62786, abs=1e-5)
    msa_x = (.5**2 + .4**2) / (.5**2 + .4**2 + qxy**2 + qxz**2)  # = 0.593788
    assert res.items["x"] == pytest.approx(msa_x, rel=1e-9)


def test_bartlett_by_hand_on_three_variables():
    # Bartlett (1951); psych::cortest.bartlett: χ² = −(n − 1 − (2p + 5)/6)·ln|R|, df = p(p−1)/2.
    # |R| = 1 + 2(.5)(.4)(.3) − .25 − .16 − .09 = 0.62; n = 100, p = 3:
    # χ² = −(99 − 11/6)·ln 0.62 = 46.4492, df = 3.
    b = bartlett_sphericity(R3, n=100)
    assert b.chi2 == pytest.approx(-(99 - 11 / 6) * math.log(0.62), rel=1e-12)
    assert b.chi2 == pytest.approx(46.4492, abs=1e-4)
    assert b.df == 3
    from scipy.stats import chi2
    assert b.p_value == pytest.approx(chi2.sf(46.4492, 3), rel=1e-4)


def test_kmo_and_bartlett_from_data_equal_from_its_correlation_matrix():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(300, 1))
    data = pd.DataFrame(f @ np.ones((1, 6)) * 0.7 + rng.normal(size=(300, 6)), columns=list("abcdef"))
    k1, k2 = kmo(data), kmo(data.corr(), n=300)
    assert k1.overall == pytest.approx(k2.overall) and 0.6 < k1.overall < 1
    b1, b2 = bartlett_sphericity(data), bartlett_sphericity(data.corr(), n=300)
    assert b1.chi2 == pytest.approx(b2.chi2) and b1.p_value < 1e-10
    # independent items: Bartlett should not reject (seeded)
    noise = pd.DataFrame(rng.normal(size=(300, 6)), columns=list("abcdef"))
    assert bartlett_sphericity(noise).p_value > 0.05


def test_straight_lined_and_singular_data_are_not_computable():
    straight = pd.DataFrame({"a": [5] * 10, "b": [5] * 10, "c": [4, 5] * 5})
    k, b = kmo(straight), bartlett_sphericity(straight)
    assert not k.computable and not b.computable
    assert "方差为0" in k.reason and "a、b" in k.reason
    dup = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [1, 2, 3, 4, 5, 2], "c": [2, 1, 4, 3, 5, 5]})
    assert "奇异" in kmo(dup).reason and "奇异" in bartlett_sphericity(dup).reason


# ----------------------------------------------------------------- counts, margins, coverage
def test_response_rates():
    r = response_rates(430, 389, issued=550).iloc[0]
    assert r["return_rate"] == pytest.approx(430 / 550) and r["valid_rate"] == pytest.approx(389 / 430)
    assert r["valid_rate_issued"] == pytest.approx(389 / 550)
    with pytest.raises(DataError):
        response_rates(10, 11)


def test_margin_of_fpc_design_estimates_applies_the_fpc_once():
    # A stratified design with a finite population correction: the se from
    # estimate_column already carries √(1 − n_h/N_h); margins must not apply it again.
    y = [1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0]
    data = pd.DataFrame({"y": y, "h": ["A"] * 6 + ["B"] * 6, "N": [20] * 6 + [30] * 6})
    data["w"] = data["N"] / 6
    est = estimate_column(data, "y", design=Design(weights="w", strata="h", fpc="N"), by="h")
    z = 1.959963984540054
    m = margins(est, pd.Series({"A": 20, "B": 30}), se_includes_fpc=True)
    assert m["moe_fpc"].tolist() == pytest.approx((z * est["se"]).tolist(), rel=1e-12)
    assert (m["margin"] >= m["moe_fpc"]).all() and (m["margin"] >= m["half_width"] - 1e-15).all()
    # the same rows read as SRS estimates would be shrunk a second time by √(1 − 12/50)
    twice = margins(est, pd.Series({"A": 20, "B": 30}))
    assert twice.loc[0, "moe_fpc"] == pytest.approx(z * est.loc[0, "se"] * math.sqrt(1 - 12 / 50), rel=1e-12)


def test_pipeline_checks_the_margin_of_the_scored_estimates(analysis_2021):
    # The 2021 framework scores the unweighted rate: the margin is that one's (issue 11: one figure).
    staff = analysis_2021.surveys[0]  # analyze(raw/2021.xlsx, questionnaires/), the session's run
    u = staff.estimates.set_index(["measure", "level"]).loc[("overall", "全部")]
    m = staff.validity.margins.set_index(["measure", "level"]).loc[("overall", "全部")]
    assert staff.validity.parameters["se_includes_fpc"] is False and m["estimate"] == u["estimate"]


def test_pipeline_checks_the_margin_of_the_weighted_estimates():
    from survey.evaluation.score import RateSource, load_framework

    fw = load_framework(FRAMEWORK_2021)
    fw = fw.model_copy(update={"rates": RateSource(measure="overall", weighted="auto")})
    a = analyze(RAW_2021, QDIR, framework=fw)
    staff = a.surveys[0]
    w = staff.weighted.set_index(["measure", "level"]).loc[("overall", "全部")]
    m = staff.validity.margins.set_index(["measure", "level"]).loc[("overall", "全部")]
    assert staff.validity.parameters["se_includes_fpc"] is True
    # z·se of the design estimate (weights' deff and FPC inside), not the unweighted se × √(1 − n/N)
    assert m["moe_fpc"] == pytest.approx(1.959963984540054 * w["se"], rel=1e-9)
    assert m["estimate"] == w["estimate"] and m["n"] == w["n"]


def test_margin_with_fpc_by_hand():
    est = pd.DataFrame([
        dict(questionnaire="q", measure="m", label="L", domain="overall", level="全部", n=400, estimate=0.5,
             se=0.025, ci_low=0.452, ci_high=0.548, deff=1.0),
        dict(questionnaire="q", measure="m", label="L", domain="district", level="A", n=20, estimate=1.0,
             se=0.0, ci_low=0.8389, ci_high=1.0, deff=np.nan),
    ])
    m = margins(est, pd.Series({"A": 100, "B": 3900}))
    # overall: N = 4000; 1.959964 × 0.025 × √(1 − 400/4000) = 0.046484
    assert m.loc[0, "moe_fpc"] == pytest.approx(1.959964 * 0.025 * math.sqrt(0.9), rel=1e-6)
    assert m.loc[0, "margin"] == pytest.approx(0.046484, abs=1e-6) and m.loc[0, "verdict"] == PASS
    # 20/20 satisfied: se = 0, yet the margin is the interval's half-width × √(1 − 20/100), never 0
    assert m.loc[1, "margin"] == pytest.approx((1 - 0.8389) / 2 * math.sqrt(0.8))
    assert m.loc[1, "verdict"] == FAIL


def test_coverage_chi_square_by_hand():
    # 40 vs 10 against a 1:1 population: expected 25/25, χ² = (15² + 15²)/25 = 18, df = 1
    c = coverage(pd.Series({"A": 40, "B": 10}), pd.Series({"A": 500, "B": 500}), minimum=12)
    assert c.chi2 == pytest.approx(18.0) and c.df == 1
    assert c.p_value == pytest.approx(2.209e-5, rel=1e-3)
    assert c.max_abs_diff == pytest.approx(0.3)
    assert c.below_minimum == ("B",) and c.table["verdict"].tolist() == [PASS, FAIL]
    ok = coverage(pd.Series(["A"] * 30 + ["B"] * 20), pd.Series({"A": 600, "B": 400}))
    assert ok.chi2 == pytest.approx(0) and ok.p_value == pytest.approx(1)
    with pytest.raises(DataError, match="not in the frame"):
        coverage(pd.Series(["C"]), pd.Series({"A": 1}))


def test_coverage_judges_the_fit_at_its_own_alpha():
    # 30 vs 20 against 1:1: χ² = (5² + 5²)/25 = 2, p = 0.1573 — passes at 0.05, fails at 0.2
    smp, pop = pd.Series({"A": 30, "B": 20}), pd.Series({"A": 500, "B": 500})
    assert coverage(smp, pop).p_value == pytest.approx(0.157299, rel=1e-5)
    assert coverage(smp, pop).passed_fit is True
    assert coverage(smp, pop, alpha=0.2).passed_fit is False


def test_coverage_errors_name_the_frame_cell(write_xlsx):
    path = write_xlsx({"抽样框": [["区", "人数"], ["A", 100], ["B", 0], ["合计", 100]]})
    raw = Workbook(path).table("抽样框")
    pop = population_table(raw.data, "区", "人数", file=raw.file, sheet=raw.sheet)
    with pytest.raises(DataError, match="'B' has population 0 in the frame but 2 respondents") as e:
        coverage(pd.Series(["A", "B", "B"]), pop)
    assert (e.value.sheet, e.value.row) == ("抽样框", 3) and e.value.file == str(path)
    assert "For each axis slice" not in str(e.value)
    with pytest.raises(DataError, match="sample categories not in the frame: C") as e:
        coverage(pd.Series(["A", "C"]), pop)
    assert e.value.file == str(path) and e.value.sheet == "抽样框"


def test_weighting_refuses_a_zero_population_district_with_respondents(write_xlsx):
    wb = Workbook(RAW_2021)
    q = load(QDIR / "staff.yaml")
    v = clean(tidy(wb.table("工作人员问卷"), q, format=q.source.format)).valid
    rows = [["区", "工作人员数"]] + [[d, 0 if d == "秦淮区" else 40] for d in q.options("district")[:12]]
    rows.append(["合计", 440])
    frame = read_frame(Workbook(write_xlsx({"抽样框": rows})), q)
    assert "合计" not in frame.population.index and frame.population.sum() == 440
    with pytest.raises(WeightingError, match="'秦淮区' has population 0 in the frame but 31 respondents") as e:
        weight_responses(v, frame)
    assert (e.value.sheet, e.value.row) == ("抽样框", 3)


# ----------------------------------------------------------------- the 2021 workbook
@pytest.fixture(scope="module")
def checked():
    wb = Workbook(RAW_2021)
    frame = wb.table("抽样框")
    m = wb.table("对象构成").data
    margins_ = {var: pd.Series(g["人数"].astype(int).to_numpy(), index=g["类别"]) for var, g in m.groupby("变量")}
    out = {}
    for name, sheet, column in [("staff", "工作人员问卷", "工作人员数"), ("offender", "矫正对象访谈", "在册社区矫正对象数")]:
        q = load(QDIR / f"{name}.yaml")
        cleaned = clean(tidy(wb.table(sheet), q, format=q.source.format))
        est = estimate(cleaned.valid, by=q.district_item)
        pop = population_table(frame.data, "区", column, file=frame.file, sheet=frame.sheet)
        out[name] = (cleaned, check_survey(cleaned, est, pop, frame_margins=margins_ if name == "offender" else None))
    return out


def _stub(scale: Scale, codes):
    """Responses-like object with one scored item 'x' on ``scale``."""
    q = SimpleNamespace(scored_items=("x",), scale_of=lambda item: scale)
    return SimpleNamespace(questionnaire=q, data=pd.DataFrame({"x": codes}, dtype=float))


def test_oriented_items_put_the_satisfied_options_on_top():
    worst_first = Scale(options=("非常不满意", "不满意", "一般", "满意", "非常满意"), satisfied=("满意", "非常满意"))
    best_first = Scale(options=("非常满意", "满意", "一般", "不满意", "非常不满意", "未接触"), satisfied=("非常满意", "满意"),
                       not_applicable=("未接触",))
    # no scores: the satisfied set decides — 非常满意 is 5 whichever end it is typed at
    assert oriented_items(_stub(worst_first, [5, 1, 3, np.nan]))["x"].tolist()[:3] == [5, 1, 3]
    assert oriented_items(_stub(best_first, [1, 5, 6, 7]))["x"].tolist()[:2] == [5, 1]
    assert oriented_items(_stub(best_first, [1, 5, 6, 7]))["x"].iloc[2:].isna().all()  # 未接触, out of range
    assert scale_tops(SimpleNamespace(scored_items=("x",), scale_of=lambda i: best_first)) == {"x": 5.0}


def test_check_survey_takes_a_population_series_only(checked):
    cleaned, _ = checked["staff"]
    with pytest.raises(DataError, match="population_table"):
        check_survey(cleaned, estimate(cleaned.valid), Workbook(RAW_2021).table("抽样框").data)


def test_oriented_items_reverse_codes_and_drop_not_applicable(checked):
    cleaned, _ = checked["offender"]
    items = oriented_items(cleaned.valid)
    raw = cleaned.valid.data
    assert set(items["m_attitude"].dropna().unique()) <= {1, 2, 3, 4, 5}
    assert (items["m_attitude"][raw["m_attitude"] == 1] == 5).all()       # 非常满意 → 5
    assert items["e_counsel"][raw["e_counsel"] == 6].isna().all()          # 未接触 → missing
    assert items["e_counsel"].isna().sum() == (raw["e_counsel"] == 6).sum() + raw["e_counsel"].isna().sum()


def test_check_survey_staff(checked):
    _, v = checked["staff"]
    c = v.checks.set_index("check")
    assert c.loc["信度系数（克隆巴赫α）：全部题项", "verdict"] == PASS and c.loc["KMO", "verdict"] == PASS
    assert c.loc["Bartlett球形检验（p值）", "verdict"] == PASS
    assert c.loc["各区样本量不低于最低要求", "verdict"] == PASS
    assert c.loc["抽样误差：总体满意率", "verdict"] == PASS
    assert v.coverage.table["population"].sum() == 550 and v.coverage.table["n"].sum() == 389
    # the planted all-非常满意 straight-liners among the valid responses (raw/2021.truth.json)
    truth = json.loads((RAW_2021.parent / "2021.truth.json").read_text(encoding="utf-8"))
    assert truth["staff"]["lookalikes"]["straightlined_valid"] == 25
    assert v.ceiling["n_ceiling"].iloc[0] == 25
    text = validity_paragraph(v)
    assert "有效问卷389份" in text and "克隆巴赫α系数" in text and "KMO" in text and "卡方" in text


def test_check_survey_offender_is_honest_about_what_fails(checked):
    _, v = checked["offender"]
    c = v.checks.set_index("check")
    assert c.loc["信度系数（克隆巴赫α）：帮扶维度", "verdict"] == NA          # a one-item dimension
    assert c.loc["分区抽样误差：总体满意率", "verdict"] == FAIL      # 5–23 interviews per district
    assert {o.variable for o in v.other_margins} == {"矫正类别", "性别"}
    assert v.coverage.table["population"].sum() == 3806
    text = validity_paragraph(v)
    assert "无法计算α" in text and "分区结果仅供参考" in text and "未接触" in text


def test_the_paragraph_states_the_reliability_threshold_it_judged_by(checked):
    cleaned, v = checked["staff"]
    assert "达到0.7的可接受标准" in validity_paragraph(v)  # the default, DOMAIN.md §2
    strict = check_survey(cleaned, estimate(cleaned.valid), min_cronbach_alpha=0.99)
    assert strict.reliability["threshold"].eq(0.99).all()
    assert "未达到0.99的可接受标准" in validity_paragraph(strict)


def test_validity_tables_write(checked):
    sheets = validity_tables([v for _, v in checked.values()])
    assert {"检验汇总", "报告段落", "抽样误差", "区覆盖", "信度", "题项分析", "KMO与Bartlett"} <= set(sheets)
    assert "结论" in sheets["检验汇总"].columns and "passed" not in sheets["检验汇总"].columns
    assert xlsx_bytes(sheets)[:2] == b"PK"


def test_check_survey_takes_the_ceiling_at_the_scale_top(checked):
    # Nobody answers 非常满意 (code 1) on h_pay: by the observed maximum the 25 straight-liners
    # (非常满意 everywhere, now 满意 on h_pay) would still be "at the ceiling"; by the scale's top
    # (5 = 非常满意) none is.
    from dataclasses import replace

    cleaned, _ = checked["staff"]
    data = cleaned.valid.data.copy()
    data["h_pay"] = data["h_pay"].replace(1, 2)
    edited = replace(cleaned, valid=replace(cleaned.valid, data=data))
    v = check_survey(edited, estimate(edited.valid))
    assert v.ceiling["n_ceiling"].iloc[0] == 0
    assert ceiling_effect(oriented_items(edited.valid)).iloc[0]["n_ceiling"] >= 25  # the observed-max reading


# --------------------------------------------------------------------------- planned vs unplanned mix
def _disproportionate():
    """A stratified sample allocated equally (50 each) from districts of 1000, 200 and 100 people."""
    pop = pd.Series({"甲区": 1000.0, "乙区": 200.0, "丙区": 100.0})
    labels = pd.Series(["甲区"] * 50 + ["乙区"] * 50 + ["丙区"] * 50)
    weights = labels.map(pop / 50.0)                    # design weights N_h / n_h
    return pop, labels, weights


def test_disproportionate_allocation_is_a_planned_difference():
    from survey.evaluation.validity import coverage
    from survey.render.validity import COVERAGE_VERDICT

    pop, labels, weights = _disproportionate()
    plain = coverage(labels, pop)
    # unweighted 1/3 each against 77/15/8%: a large χ², and without a plan the old advice stands
    assert plain.p_value < 1e-10 and plain.kind == "unplanned"
    assert COVERAGE_VERDICT[plain.kind].format(unit="区") == "样本区分布与总体存在显著差异，宜加权调整"
    planned = coverage(labels, pop, allocation=pd.Series({"甲区": 50, "乙区": 50, "丙区": 50}))
    assert planned.planned and planned.kind == "planned" and planned.p_value == pytest.approx(1.0)
    assert planned.frame_p_value == pytest.approx(plain.p_value)
    assert "非比例分配" in COVERAGE_VERDICT[planned.kind] and "宜加权调整" not in COVERAGE_VERDICT[planned.kind]
    # the design weights reproduce the frame exactly: the design-based test sees no difference
    weighted = coverage(labels, pop, weights=weights, strata=labels)
    assert weighted.weighted_chi2 == pytest.approx(0.0, abs=1e-12) and weighted.kind == "corrected"
    # a sample that departs from its own plan is still reported as unplanned
    off = coverage(labels, pop, allocation=pd.Series({"甲区": 100, "乙区": 30, "丙区": 20}))
    assert off.kind == "off_plan"


def test_proportional_plan_is_tested_against_the_frame():
    from survey.evaluation.validity import coverage

    pop = pd.Series({"甲区": 1000.0, "乙区": 200.0, "丙区": 100.0})
    labels = pd.Series(["甲区"] * 77 + ["乙区"] * 15 + ["丙区"] * 8)
    c = coverage(labels, pop, allocation=pop / 13)      # proportional plan: nothing planned about it
    assert not c.planned and c.kind == "consistent"


def test_weighted_fit_under_srs_is_close_to_pearson():
    from scipy.stats import chisquare

    from survey.stats.compare import rao_scott_fit

    rng = np.random.default_rng(3)
    x = rng.choice(list("abc"), size=300, p=[0.5, 0.3, 0.2])
    shares = pd.Series({"a": 0.45, "b": 0.35, "c": 0.2})
    fit = rao_scott_fit(pd.DataFrame({"x": x}), "x", shares)
    counts = pd.Series(x).value_counts().reindex(list("abc")).to_numpy()
    pearson = chisquare(counts, f_exp=300 * shares.to_numpy())
    assert fit.chi2 == pytest.approx(pearson.statistic, rel=1e-12)   # same X²
    assert fit.p_value == pytest.approx(pearson.pvalue, abs=0.01)     # δ ≈ 1 under SRS


def test_planned_allocation_column_reaches_the_check(tmp_path):
    """A 计划样本量（offender） column in 抽样框 declares the offender interviews' allocation.

    Equal quotas of 10 per district are disproportionate (the districts hold 152 … 702
    people), but the 2021 interviews were allocated proportionally: the achieved sample
    departs from that plan, and the check says so instead of calling it planned.
    """
    import openpyxl

    path = framework_beside(tmp_path / "2021.xlsx")
    shutil.copy(RAW_2021, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["抽样框"]
    col = ws.max_column + 1
    ws.cell(row=1, column=col, value="计划样本量（offender）")
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=col, value=10)
    wb.save(path)
    res = analyze(path, QDIR)
    cov = res.surveys[1].validity.coverage
    assert cov.planned and cov.kind == "off_plan"
    assert res.surveys[0].validity.coverage.planned is False        # the staff survey has no plan column
    checks = res.surveys[1].validity.checks["check"].tolist()
    assert "区分布与计划分配的卡方检验（p值）" in checks and "加权后区分布（Rao–Scott检验p值）" in checks


def test_paragraph_names_the_plan_test_when_planned(checked):
    from dataclasses import replace

    pop, labels, weights = _disproportionate()
    planned = coverage(labels, pop, allocation=pd.Series({"甲区": 50, "乙区": 50, "丙区": 50}), weights=weights,
                       strata=labels)
    text = validity_paragraph(replace(checked["staff"][1], coverage=planned))
    assert "与计划分配的卡方检验" in text and "与总体的检验" in text and "非比例分配所致" in text
    assert "宜加权调整" not in text
    unplanned = validity_paragraph(replace(checked["staff"][1], coverage=coverage(labels, pop)))
    assert "样本区分布与总体存在显著差异，宜加权调整" in unplanned
    off = coverage(labels, pop, allocation=pd.Series({"甲区": 1000, "乙区": 20, "丙区": 10}))
    assert "偏离计划分配" in validity_paragraph(replace(checked["staff"][1], coverage=off))


def test_validity_text_names_the_evaluation_unit():
    """A breakdown by 乡镇 is called 乡镇 in the checks and the paragraph, never 区 (issue 16)."""
    from survey.evaluation.validity import coverage
    from survey.render.validity import coverage_sentence

    pop, labels, _ = _disproportionate()
    text = coverage_sentence(coverage(labels, pop), unit="乡镇")
    assert "个乡镇中的" in text and "样本乡镇分布" in text and "各乡镇占比" in text
    assert "区分布" not in text and "个区" not in text
