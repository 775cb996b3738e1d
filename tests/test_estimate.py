"""Satisfaction measures and their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.definitions.questionnaire import load
from survey.errors import EstimationError
from survey.evaluation.measures import estimate
from survey.inputs.tidy import Responses
from survey.stats.estimate import SRS_CI_METHODS, proportion_ci

from .conftest import QDIR

OFFENDER = load(QDIR / "offender.yaml")
EMPTY_FINDINGS = pd.DataFrame(columns=["rule", "row", "column", "value", "message"])


def responses(rows: list[dict]) -> Responses:
    data = pd.DataFrame(rows, index=pd.Index(range(2, 2 + len(rows)), name="row"), dtype=float)
    data.insert(0, "respondent", [str(i) for i in range(len(rows))])
    return Responses(OFFENDER, data, "t.xlsx", "s", {}, EMPTY_FINDINGS)


# Newcombe R.G. (1998) "Two-sided confidence intervals for the single proportion:
# comparison of seven methods", Statistics in Medicine 17:857-872, Table II
# (method 3 = Wilson score, method 5 = Clopper-Pearson exact), 95% intervals.
@pytest.mark.parametrize(
    "x, n, method, lo, hi",
    [
        (81, 263, "wilson", 0.2553, 0.3662),
        (81, 263, "beta", 0.2527, 0.3676),
        (15, 148, "wilson", 0.0624, 0.1605),
        (15, 148, "beta", 0.0578, 0.1617),
        (0, 20, "wilson", 0.0, 0.1611),
        (0, 20, "beta", 0.0, 0.1684),
        (1, 29, "wilson", 0.0061, 0.1718),
        (1, 29, "beta", 0.0009, 0.1776),
    ],
)
def test_intervals_match_newcombe_1998(x, n, method, lo, hi):
    got_lo, got_hi = proportion_ci(x, n, method=method)
    assert (round(float(got_lo), 4), round(float(got_hi), 4)) == (lo, hi)


@pytest.mark.parametrize("method", SRS_CI_METHODS)
def test_no_zero_width_interval_at_100_percent(method):
    lo, hi = proportion_ci(120, 120, method=method)
    assert lo < 1 and hi == 1


def test_unknown_method_lists_the_allowed_ones():
    with pytest.raises(EstimationError, match="one of wilson, beta, jeffreys, agresti_coull, normal"):
        proportion_ci(1, 2, method="wald")


def sat_rows():
    # Three respondents; 8 scored items, then overall (codes: 1 非常满意 … 5 非常不满意, 6 未接触).
    a = dict(m_attitude=1, m_notice=1, m_supervision=2, m_fairness=2, e_study=1, e_service=2, e_counsel=1, h_help=2, overall=1)
    b = dict(m_attitude=1, m_notice=3, m_supervision=2, m_fairness=3, e_study=4, e_service=2, e_counsel=3, h_help=2, overall=2)
    c = dict(m_attitude=2, m_notice=3, m_supervision=1, m_fairness=3, e_study=3, e_service=6, e_counsel=6, h_help=np.nan,
             overall=3)
    return [a, b, c]


def test_answer_share_is_a_ratio_with_linearised_se():
    # Satisfied / counted answers: A 8/8, B 4/8, C 2/5 (two 未接触, one blank) -> R = 14/21.
    # Ratio-estimator variance under SRS with replacement (Cochran 1977, Sampling
    # Techniques, eq. 6.13 without fpc): v(R) = s²_d / (n · ā²), d_i = y_i − R a_i.
    # d = (8 − 16/3, 4 − 16/3, 2 − 10/3) = (8/3, −4/3, −4/3); s²_d = (64+16+16)/9/2 = 16/3;
    # ā = 7; v = (16/3) / (3 · 49) = 0.036281; SE = 0.190476.
    est = estimate(responses(sat_rows()), measures=["answer_share"])
    row = est.iloc[0]
    assert row["estimate"] == pytest.approx(14 / 21)
    assert row["se"] == pytest.approx(0.190476, rel=1e-5)
    assert row["n"] == 3 and row["ci_method"] == "wilson_neff"
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_top_box_score_index_and_item_mean():
    est = estimate(responses(sat_rows())).set_index("measure")
    assert est.at["overall", "estimate"] == pytest.approx(2 / 3)
    assert est.at["overall", "n"] == 3
    # score index: A (100·4 + 80·4), B (100+60+80+60+40+80+60+80), C (80+60+100+60+60) over 21 answers
    assert est.at["score_index", "estimate"] == pytest.approx((720 + 560 + 360) / 21 / 100)
    # item mean: per-item top-box rates, averaged over the 8 items
    rates = [3 / 3, 1 / 3, 3 / 3, 1 / 3, 1 / 3, 2 / 2, 1 / 2, 2 / 2]
    assert est.at["item_mean", "estimate"] == pytest.approx(np.mean(rates))


def test_all_satisfied_gives_an_honest_interval():
    rows = [dict(sat_rows()[0])] * 120
    est = estimate(responses(rows)).query("measure != 'score_index'")
    assert (est["estimate"] == 1).all()
    assert (est["ci_low"] < 1).all() and (est["ci_high"] == 1).all()


def test_by_domain_and_bad_arguments():
    rows = [dict(r, district=d) for r, d in zip(sat_rows(), [1, 1, 7])]
    est = estimate(responses(rows), by="district", measures=["overall"])
    assert list(est["level"]) == ["全部", "玄武区", "江宁区"]
    assert list(est["n"]) == [3, 2, 1]
    with pytest.raises(EstimationError, match="unknown measure 'nope'"):
        estimate(responses(rows), measures=["nope"])
    with pytest.raises(EstimationError, match="no column 'area'"):
        estimate(responses(rows), by="area")


def test_score_index_is_a_mean_not_a_proportion():
    # Issue 12: the score index got a binomial interval on n_eff = p(1 − p)/Var = 35 from 3 respondents.
    # Scores/100: A 7.2 over 8 answers, B 5.6 / 8, C 3.6 / 5 -> R = 16.4/21 = 0.780952.
    # Ratio variance (Cochran 1977, eq. 6.13): d = y − R a = (0.952381, −0.647619, −0.304762),
    # s²_d = 1.419319/2 = 0.709660, v = s²_d / (3 · 7²) = 0.00482762, SE = 0.0694812.
    # Interval: R ± t_{2, 0.975} · SE = 0.780952 ± 4.302653 · 0.0694812 -> [0.481998, 1.079906], upper clipped.
    row = estimate(responses(sat_rows()), measures=["score_index"]).iloc[0]
    assert row["estimate"] == pytest.approx(16.4 / 21)
    assert row["se"] == pytest.approx(0.0694812, rel=1e-5)
    assert row["ci_method"] == "t" and row["ci_df"] == 2
    assert row["ci_low"] == pytest.approx(0.481998, rel=1e-5) and row["ci_high"] == 1
    assert row["ci_note"] == "clipped"
    assert row["n_eff"] <= row["n"] == 3
