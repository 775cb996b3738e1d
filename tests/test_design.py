"""Design-based estimates against R ``survey`` on its ``api`` data.

Reference values: R 4.2 with ``survey`` 4.1-1 (Lumley 2024), data ``apistrat`` and
``apiclus1`` as exported to ``shared/reference/*.csv``; the R call that produced each
value is pasted above its test. The two headline values are also printed in
``example(api)`` and Lumley (2010), *Complex Surveys*, §2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.errors import EstimationError
from survey.stats.design import Design
from survey.stats.estimate import design_proportion_ci, estimate_column

DSTRAT = Design(weights="pw", strata="stype", fpc="fpc")
DCLUS1 = Design(weights="pw", cluster="dnum", fpc="fpc")


def one(table: pd.DataFrame, level: str = "全部") -> pd.Series:
    return table.set_index("level").loc[level]


def test_svymean_stratified(apistrat):
    # dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    # svymean(~api00, dstrat, deff=TRUE)  ->  662.2873632, SE 9.4089408, DEff 1.20446
    row = one(estimate_column(apistrat, "api00", design=DSTRAT))
    assert row["estimate"] == pytest.approx(662.2873632, rel=1e-9)
    assert row["se"] == pytest.approx(9.4089408, rel=1e-7)
    assert row["deff"] == pytest.approx(1.20446, rel=1e-5)


def test_svymean_one_stage_cluster(apiclus1):
    # dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    # svymean(~api00, dclus1, deff=TRUE)  ->  644.169399, SE 23.542241, DEff 9.34587
    row = one(estimate_column(apiclus1, "api00", design=DCLUS1))
    assert row["estimate"] == pytest.approx(644.169399, rel=1e-8)
    assert row["se"] == pytest.approx(23.542241, rel=1e-7)
    assert row["deff"] == pytest.approx(9.34587, rel=1e-5)


def test_svytotal(apiclus1, apistrat):
    # svytotal(~enroll, dclus1, deff=TRUE)  ->  3404940.13, SE 932235.03, DEff 31.31066
    row = one(estimate_column(apiclus1, "enroll", design=DCLUS1, stat="total"))
    assert row["estimate"] == pytest.approx(3404940.13, rel=1e-8)
    assert row["se"] == pytest.approx(932235.03, rel=1e-8)
    assert row["deff"] == pytest.approx(31.31066, rel=1e-6)
    # svytotal(~enroll, dstrat)  ->  3687177.5, SE 114641.72
    row = one(estimate_column(apistrat, "enroll", design=DSTRAT, stat="total"))
    assert row["estimate"] == pytest.approx(3687177.5, rel=1e-8)
    assert row["se"] == pytest.approx(114641.72, rel=1e-7)


def test_svyby_domains_keep_the_design(apiclus1, apistrat):
    # svyby(~api00, ~stype, dclus1, svymean, deff=TRUE)
    #   E 648.8680556 se 22.36240889 DEff 6.583673525
    #   H 618.5714286 se 38.02024936 DEff 2.228259317
    #   M 631.4400000 se 31.60946523 DEff 2.163899720
    est = estimate_column(apiclus1, "api00", design=DCLUS1, by="stype")
    expected = {"E": (648.8680556, 22.36240889, 6.583673525), "H": (618.5714286, 38.02024936, 2.228259317),
                "M": (631.44, 31.60946523, 2.163899720)}
    for level, (m, se, deff) in expected.items():
        row = one(est, level)
        assert (row["estimate"], row["se"], row["deff"]) == pytest.approx((m, se, deff), rel=1e-8)
    # svyby(~api00, ~stype, dstrat, svymean): E 674.43 se 12.38247979, H 625.82 se 14.93712919, M 636.60 se 16.21470731
    est = estimate_column(apistrat, "api00", design=DSTRAT, by="stype")
    for level, (m, se) in {"E": (674.43, 12.38247979), "H": (625.82, 14.93712919), "M": (636.6, 16.21470731)}.items():
        assert (one(est, level)["estimate"], one(est, level)["se"]) == pytest.approx((m, se), rel=1e-8)


def test_svyciprop_intervals(apiclus1):
    # apiclus1$both <- as.numeric(apiclus1$both == "Yes"); dclus1 as above.
    # svymean(~both, dclus1, deff=TRUE) -> 0.726775956, SE 0.030327647, DEff 0.86867
    # svyciprop(~both, dclus1, method="logit") -> 0.657180963 0.7868255216
    # svyciprop(~both, dclus1, method="beta")  -> 0.6560773616 0.7899569915   (Korn & Graubard)
    logit = one(estimate_column(apiclus1, "both_yes", design=DCLUS1, ci_method="logit"))
    assert logit["estimate"] == pytest.approx(0.726775956, rel=1e-8)
    assert logit["se"] == pytest.approx(0.030327647, rel=1e-7)
    assert logit["deff"] == pytest.approx(0.86867, rel=1e-5)
    assert (logit["ci_low"], logit["ci_high"]) == pytest.approx((0.657180963, 0.7868255216), rel=1e-8)
    kg = one(estimate_column(apiclus1, "both_yes", design=DCLUS1, ci_method="korn_graubard"))
    assert (kg["ci_low"], kg["ci_high"]) == pytest.approx((0.6560773616, 0.7899569915), rel=1e-8)
    # svyciprop(~yes, dclus1, method="beta") with yes = sch.wide == "Yes" -> 0.8237022108 0.9147044921
    kg = one(estimate_column(apiclus1, "sch_wide_yes", design=DCLUS1, ci_method="korn_graubard"))
    assert (kg["ci_low"], kg["ci_high"]) == pytest.approx((0.8237022108, 0.9147044921), rel=1e-8)


def test_factor_shares_and_degrees_of_freedom(apistrat, apiclus1):
    # svymean(~stype, dstrat) -> E 0.71375524, H 0.12189216, M 0.16435261, SE 0 (stratum shares are fixed)
    est = estimate_column(apistrat, "stype", design=DSTRAT).set_index("measure")
    assert est.loc[["stype=E", "stype=H", "stype=M"], "estimate"].tolist() == pytest.approx(
        [0.71375524, 0.12189216, 0.16435261], rel=1e-7)
    assert (est["se"] < 1e-8).all()
    # A zero variance is not a zero-width interval: the Kish effective n takes over.
    assert (est["ci_high"] - est["ci_low"] > 0.05).all()
    # degf(dclus1) = 14; degf(dstrat) = 197
    assert DCLUS1.prepare(apiclus1).df == 14 and DSTRAT.prepare(apistrat).df == 197


def test_unit_weights_give_the_unweighted_answer(apistrat):
    d = apistrat.assign(one=1.0)
    weighted = one(estimate_column(d, "api00", design=Design(weights="one"), deff="replace"))
    assert weighted["estimate"] == pytest.approx(apistrat["api00"].mean())
    # SRS with replacement: SE = s / sqrt(n)
    assert weighted["se"] == pytest.approx(apistrat["api00"].std(ddof=1) / np.sqrt(len(d)))
    assert weighted["deff"] == pytest.approx(1.0)  # against SRS with replacement (R: deff="replace")


def test_scaling_weights_leaves_means_and_rates_unchanged(apiclus1):
    a = one(estimate_column(apiclus1, "both_yes", design=DCLUS1.__class__(weights="pw", cluster="dnum")))
    b = one(estimate_column(apiclus1.assign(pw=apiclus1["pw"] * 7.5), "both_yes",
                            design=Design(weights="pw", cluster="dnum")))
    # deff is not invariant: R's deff=TRUE compares with SRS without replacement from N̂ = Σw.
    for col in ("estimate", "se", "ci_low", "ci_high"):
        assert a[col] == pytest.approx(b[col], rel=1e-10)


@pytest.mark.parametrize("method", ["wilson", "beta", "jeffreys", "agresti_coull", "normal", "korn_graubard", "logit"])
@pytest.mark.parametrize("p", [0.0, 1.0])
def test_no_zero_width_interval_at_the_boundary_weighted(method, p):
    # 120 of 120 satisfied with unequal weights: the variance is 0, so the Kish n_eff
    # (Σw)²/Σw² = 120²·1.5²/(60·1+60·4) = 108 carries the interval.
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"y": np.full(120, p), "w": np.repeat([1.0, 2.0], 60), "h": rng.integers(0, 4, 120)})
    row = one(estimate_column(d, "y", design=Design(weights="w", strata="h"), ci_method=method))
    if method == "korn_graubard":  # times (t_119 / t_df)², df = 120 − 4 strata
        assert row["n_eff"] == pytest.approx(108.0 * (stats.t.ppf(0.975, 119) / stats.t.ppf(0.975, 116)) ** 2)
    else:
        assert row["n_eff"] == pytest.approx(108.0)
    if p == 1:
        assert row["ci_low"] < 1 and row["ci_high"] == 1
    else:
        assert row["ci_low"] == 0 and row["ci_high"] > 0
    assert "kish" in row["ci_method"]


def test_interval_bounds_are_ordered_and_in_range():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 200)
    var = p * (1 - p) / rng.uniform(5, 500, 200)
    for method in ("wilson", "korn_graubard", "logit", "beta"):
        lo, hi, _n_eff, _ = design_proportion_ci(p, var, 600, 400, 50, method=method)
        assert ((lo >= 0) & (lo <= p) & (p <= hi) & (hi <= 1)).all()


def test_design_errors_name_the_column(apistrat):
    with pytest.raises(EstimationError, match="design column 'wt' is not in the data"):
        estimate_column(apistrat, "api00", design=Design(weights="wt"))
    bad = apistrat.assign(pw=apistrat["pw"].where(apistrat.index != 3, -1.0))
    with pytest.raises(EstimationError, match="weights must be positive") as e:
        estimate_column(bad, "api00", design=Design(weights="pw"))
    assert e.value.row == 5 and e.value.column == "pw"
    bad = apistrat.assign(fpc=apistrat["fpc"].where(apistrat.index != 0, 10))
    with pytest.raises(EstimationError, match="fpc differs within stratum 'E'"):
        estimate_column(bad, "api00", design=DSTRAT)
    lonely = apistrat.assign(stype=np.where(apistrat.index == 0, "X", apistrat["stype"]))
    with pytest.raises(EstimationError, match="stratum X has a single PSU"):
        estimate_column(lonely, "api00", design=Design(weights="pw", strata="stype"))
    removed = one(estimate_column(lonely, "api00", design=Design(weights="pw", strata="stype", lonely_psu="remove")))
    assert np.isfinite(removed["se"])


# ---------------------------------------------------------------- issue 12 (R 4.x, survey 4.1.1)

def test_fpc_without_weights_derives_n_over_n():
    from tests.conftest import REF

    apisrs = pd.read_csv(REF / "apisrs.csv")
    # dsrs <- svydesign(id=~1, fpc=~fpc, data=apisrs); svytotal(~growth, dsrs, deff=TRUE)
    #   -> 197588.600, SE 12948.515, DEff 1   (before: the plain sum 6,380)
    row = one(estimate_column(apisrs, "growth", design=Design(fpc="fpc"), stat="total"))
    assert (row["estimate"], row["se"]) == pytest.approx((197588.600, 12948.515), rel=1e-7)
    assert row["deff"] == pytest.approx(1.0, rel=1e-6)


def test_certainty_stratum_adds_no_variance(apistrat):
    # d <- apistrat[1:50,]; d$h <- ifelse(seq_len(50)==1, "X", as.character(d$stype))
    # d$N <- ifelse(d$h=="X", 1, d$fpc); dc <- svydesign(id=~1, strata=~h, fpc=~N, weights=~pw, data=d)
    # svymean(~api00, dc) -> 671.15641, SE 18.89806; svytotal(~enroll, dc) -> 944082.35, SE 62049.888
    d = apistrat.iloc[:50].copy()
    d["h"] = np.where(np.arange(50) == 0, "X", d["stype"])
    d["N"] = np.where(d["h"] == "X", 1, d["fpc"])
    design = Design(weights="pw", strata="h", fpc="N")   # lonely_psu="fail" by default: no error now
    row = one(estimate_column(d, "api00", design=design))
    assert (row["estimate"], row["se"]) == pytest.approx((671.15641, 18.89806), rel=5e-7)
    row = one(estimate_column(d, "enroll", design=design, stat="total"))
    assert (row["estimate"], row["se"]) == pytest.approx((944082.35, 62049.888), rel=1e-7)


def test_deff_without_fpc_is_against_srs_without_replacement(apistrat):
    # dstrat0 <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat)
    # svymean(~api00, dstrat0, deff=TRUE) -> SE 9.5361323, DEff 1.23724; deff="replace" -> 1.19729
    design = Design(weights="pw", strata="stype")
    assert one(estimate_column(apistrat, "api00", design=design))["deff"] == pytest.approx(1.23724, rel=1e-5)
    assert one(estimate_column(apistrat, "api00", design=design, deff="replace"))["deff"] == pytest.approx(
        1.19729, rel=1e-5)


def test_svyratio(apistrat, apiclus1):
    # svyratio(~api.stu, ~enroll, dstrat) -> 0.8369568869, SE 0.007757103167
    # confint(...) -> 0.8217532441 0.8521605298
    row = one(estimate_column(apistrat, "api.stu", design=DSTRAT, stat="ratio", denominator="enroll"))
    assert (row["estimate"], row["se"]) == pytest.approx((0.8369568869, 0.007757103167), rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.8217532441, 0.8521605298), rel=1e-9)
    assert row["ci_method"] == "normal" and row["ci_df"] == np.inf
    # svyratio(~api.stu, ~enroll, dclus1) -> 0.8497087417, SE 0.008386297169
    row = one(estimate_column(apiclus1, "api.stu", design=DCLUS1, stat="ratio", denominator="enroll"))
    assert (row["estimate"], row["se"]) == pytest.approx((0.8497087417, 0.008386297169), rel=1e-9)


def test_confint_with_design_df(apiclus1):
    # confint(svymean(~api00, dclus1), df=degf(dclus1)) -> 593.6763145 694.6624834
    row = one(estimate_column(apiclus1, "api00", design=DCLUS1, df="design"))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((593.6763145, 694.6624834), rel=1e-9)
    assert row["ci_method"] == "t" and row["ci_df"] == 14


@pytest.mark.parametrize("data, design, p, expected", [
    # svyquantile(~api00, dclus1, c(0.25, 0.5), ci=TRUE)   (qrule="math", interval.type="mean")
    #   0.25: 552 [492, 627] se 31.47166121;  0.5: 652 [561, 714] se 35.66788270
    ("apiclus1", DCLUS1, 0.25, (552, 492, 627, 31.47166121)),
    ("apiclus1", DCLUS1, 0.5, (652, 561, 714, 35.66788270)),
    # svyquantile(~api00, dstrat, 0.5, ci=TRUE) -> 668 [642, 694] se 13.18405579
    ("apistrat", DSTRAT, 0.5, (668, 642, 694, 13.18405579)),
])
def test_svyquantile(request, data, design, p, expected):
    row = one(estimate_column(request.getfixturevalue(data), "api00", design=design, stat="quantile", quantile=p))
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == tuple(expected[:3])
    assert row["se"] == pytest.approx(expected[3], rel=1e-8)
    assert row["ci_note"] == "qrule=math, interval.type=mean"


def test_two_stage_without_replacement():
    from tests.conftest import REF

    apiclus2 = pd.read_csv(REF / "apiclus2.csv")
    d2 = Design(cluster="dnum", fpc="fpc1", cluster2="snum", fpc2="fpc2")
    # dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
    # svymean(~api00, dclus2, deff=TRUE) -> 670.811808, SE 30.099027, DEff 6.25051; degf(dclus2) = 39
    row = one(estimate_column(apiclus2, "api00", design=d2))
    assert (row["estimate"], row["se"]) == pytest.approx((670.811808, 30.099027), rel=2e-8)
    assert row["deff"] == pytest.approx(6.25051, rel=1e-5)
    assert d2.prepare(apiclus2).df == 39
    # svytotal(~enroll, dclus2, na.rm=TRUE) -> 2639272.9, SE 799637.77
    row = one(estimate_column(apiclus2, "enroll", design=d2, stat="total"))
    assert (row["estimate"], row["se"]) == pytest.approx((2639272.9, 799637.77), rel=2e-8)
    # svyby(~api00, ~stype, dclus2, svymean): E 29.92660424, H 17.69416713, M 45.09131630
    est = estimate_column(apiclus2, "api00", design=d2, by="stype")
    for level, se in {"E": 29.92660424, "H": 17.69416713, "M": 45.09131630}.items():
        assert one(est, level)["se"] == pytest.approx(se, rel=1e-8)
    # with replacement at stage 1 (no fpc): svydesign(id=~dnum+snum, weights=~pw) -> SE 30.71158
    row = one(estimate_column(apiclus2, "api00", design=Design("pw", cluster="dnum", cluster2="snum")))
    assert row["se"] == pytest.approx(30.71158, rel=1e-6)


def test_a_prepared_design_is_reused(apiclus1):
    prep = DCLUS1.prepare(apiclus1)
    a = estimate_column(apiclus1, "api00", design=DCLUS1, by="stype", prepared=prep)
    assert "stype" in prep.cache                       # domain codes factorised once, kept with the design
    b = estimate_column(apiclus1, "api00", design=DCLUS1, by="stype")
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(EstimationError, match="belongs to another data set"):
        estimate_column(apiclus1.iloc[:10], "api00", design=DCLUS1, prepared=prep)
