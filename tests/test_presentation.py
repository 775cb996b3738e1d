"""NCHS data presentation standards for proportions (survey.stats.presentation).

Source of the rules: Parker JD, Talih M, Malec DJ, et al. National Center for Health
Statistics Data Presentation Standards for Proportions. Vital Health Stat 2(175), 2017
(Figure 1 and the SAS implementation in its appendix): n or n_eff < 30 → suppress;
Korn–Graubard width W ≤ 0.05 → present; W ≥ 0.30 → suppress; 0.05 < W < 0.30 and
W/p > 130% → suppress; presented proportions with df < 8, p ∈ {0, 1}, or a complement
with W/(1 − p) > 130% → statistical review. n_eff is capped at n, and is n at 0 or 1.

Each case below is (p, n, n_eff, ci_low, ci_high, df) → (reliability, reasons), read off
those rules by hand.
"""

import numpy as np
import pandas as pd
import pytest

from survey.errors import EstimationError
from survey.stats.presentation import NCHS, Standard, flag_estimates, nchs_decision, nchs_interval

CASES = [
    # p,    n,    n_eff, low,  high, df,  expected,   reasons             why
    (0.50, 25, 25, 0.30, 0.70, 24, "suppress", "n_eff"),              # denominator n < 30
    (0.50, 100, 29, 0.31, 0.69, 99, "suppress", "n_eff"),             # n ≥ 30 but n_eff < 30
    (0.50, 100, 30, 0.48, 0.52, 99, "present", ""),                   # n_eff = 30 is enough
    (0.50, 2000, 1500, 0.48, 0.52, 99, "present", ""),                # W = 0.04 ≤ 0.05
    (0.50, 2000, 1500, 0.475, 0.525, 99, "present", ""),              # W = 0.05 exactly: present
    (0.02, 2000, 1500, 0.00, 0.05, 99, "present", ""),                # W ≤ 0.05: relative width not asked
    (0.50, 60, 60, 0.35, 0.65, 59, "suppress", "width"),              # W = 0.30 exactly: suppress
    (0.50, 40, 40, 0.32, 0.68, 39, "suppress", "width"),              # W = 0.36
    (0.50, 60, 60, 0.36, 0.64, 59, "present", ""),                    # W = 0.28, W/p = 56%
    (0.10, 200, 200, 0.05, 0.19, 199, "suppress", "relative_width"),  # W/p = 140%
    (0.10, 200, 200, 0.05, 0.18, 199, "present", ""),                 # W/p = 130% exactly: present
    (0.90, 200, 200, 0.80, 0.95, 199, "review", "complement"),        # W/(1 − p) = 150%
    (0.50, 500, 400, 0.48, 0.52, 7, "review", "df"),                  # df < 8
    (0.50, 500, 400, 0.48, 0.52, 8, "present", ""),                   # df = 8 is enough
    (0.00, 60, np.nan, 0.00, 0.06, 59, "review", "zero_or_one"),      # 0%: review (W/p undefined)
    (1.00, 60, np.nan, 0.94, 1.00, 59, "review", "zero_or_one"),      # 100%: review
    (1.00, 20, np.nan, 0.83, 1.00, 19, "suppress", "n_eff"),          # 100% of 20 people: suppress
    (0.50, 40, 80, 0.40, 0.60, 39, "present", ""),                    # n_eff > n capped at n = 40
    (0.50, 100, 20, 0.45, 0.55, 3, "suppress", "n_eff"),              # suppression wins over review
    (0.90, 300, 300, 0.80, 0.95, 5, "review", "df;complement"),       # two review reasons
]


@pytest.mark.parametrize("p,n,n_eff,lo,hi,df,expected,reasons", CASES)
def test_published_rules_case_by_case(p, n, n_eff, lo, hi, df, expected, reasons):
    row = nchs_decision(p, n, n_eff, lo, hi, df).iloc[0]
    assert row["reliability"] == expected
    assert row["reasons"] == reasons


def test_vectorised_equals_case_by_case():
    arr = np.array([c[:6] for c in CASES], dtype=float)
    out = nchs_decision(*arr.T)
    assert out["reliability"].tolist() == [c[6] for c in CASES]
    assert out["n_eff_nchs"].iloc[17] == 40  # capped


def test_thresholds_are_parameters():
    loose = Standard(min_n=20, max_relative_width=1.5)
    assert nchs_decision(0.5, 25, 25, 0.45, 0.55, 24, loose).loc[0, "reliability"] == "present"
    assert nchs_decision(0.10, 200, 200, 0.05, 0.19, 199, loose).loc[0, "reliability"] == "present"
    with pytest.raises(EstimationError):
        Standard(small_width=0.4, large_width=0.3)


def test_korn_graubard_interval_matches_r():
    # R 4.2.2, survey 4.1.1, data(api):
    #   dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    #   svyciprop(~I(stype == "H"), dclus1, method="beta")  → 0.07650273224, 2.5% 0.02963810621, 97.5% 0.15602254879
    #   SE(svymean(~I(stype == "H"), dclus1))               → 0.02681021905;  degf(dclus1) = 14, n = 183
    # n_eff = p(1 − p)/se² = 98.3 < n, so the standard's cap at n does not bind and the interval is R's.
    lo, hi = nchs_interval(0.07650273224, 0.02681021905, 183, 14)
    assert lo[0] == pytest.approx(0.02963810621, rel=1e-8)
    assert hi[0] == pytest.approx(0.15602254879, rel=1e-8)
    # and the standard suppresses it: W = 0.1264, W/p = 165% > 130%
    d = nchs_decision(0.07650273224, 183, 98.3, lo, hi, 14).iloc[0]
    assert (d["reliability"], d["reasons"]) == ("suppress", "relative_width")


def test_cap_at_n_widens_the_interval():
    # R (same session): svyciprop(~I(sch.wide == "No"), dstrat, method="beta") on the stratified
    # apistrat design is 0.1720519886 (0.1265684074, 0.2258286714) with SE 0.02434478011, n = 200,
    # degf 197. There n_eff = 240 > n: the standard caps it at 200, so its interval is wider than R's.
    lo, hi = nchs_interval(0.1720519886, 0.02434478011, 200, 197)
    assert lo[0] < 0.1265684074 and hi[0] > 0.2258286714


def test_flag_estimates_adds_columns_without_touching_input():
    est = pd.DataFrame(dict(measure="overall", domain=["overall", "district", "district"],
                            level=["全部", "玄武区", "秦淮区"], n=[389, 5, 40], n_eff=[389, 5, 40],
                            estimate=[0.9743, 1.0, 0.95], se=[0.008, 0.0, 0.0345],
                            ci_low=[0.95, 0.57, 0.83], ci_high=[0.99, 1.0, 0.99], ci_method="wilson", deff=1.0))
    before = est.copy()
    out = flag_estimates(est)
    pd.testing.assert_frame_equal(est, before)
    assert out["reliability"].tolist() == ["present", "suppress", "review"]
    assert out["reasons"].tolist()[1] == "n_eff"
    assert {"kg_low", "kg_high", "ci_width", "reliability"} <= set(out.columns)
    # 100% of 5: Clopper–Pearson lower bound 0.025^(1/5) = 0.4782 (binom.test(5, 5)$conf.int)
    assert out["kg_low"].iloc[1] == pytest.approx(0.025 ** 0.2, rel=1e-6)


def test_default_standard_is_nchs():
    assert (NCHS.min_n, NCHS.min_df, NCHS.small_width, NCHS.large_width, NCHS.max_relative_width) == (
        30, 8, 0.05, 0.30, 1.30)


def test_chinese_notes_and_marks():
    from survey.render.presentation import mark, reliability_notes

    flagged = nchs_decision([0.5, 0.10, 1.0], [100, 200, 60], [100, 200, np.nan], [0.48, 0.05, 0.94],
                            [0.52, 0.19, 1.0], [99, 199, 59])
    assert reliability_notes(flagged).tolist() == ["可靠", "不予报告（置信区间相对宽度超过130%）",
                                                   "需审慎解读（比例为0%或100%）"]
    assert [mark("97.43%", lv) for lv in flagged["reliability"]] == ["97.43%", "—", "97.43%*"]
