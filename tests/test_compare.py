"""Design-based comparisons (survey.stats.compare) against R survey on its own api data.

Reference values: R 4.2.2 Patched (2022-11-10), survey 4.1.1, `data(api)` (the same rows as
shared/reference/api*.csv beside the repository), printed with options(digits = 10). The "two years" are two
independent samples stacked in one design, each keeping its own strata and PSUs:

    a <- apistrat; a$src <- "strat"; a$psu <- paste0("s", seq_len(nrow(a))); a$str <- paste0("s", a$stype)
    b <- apiclus1; b$src <- "clus";  b$psu <- paste0("c", b$dnum);            b$str <- "clus"
    st <- rbind(a[, cols], b[, cols])
    dst <- svydesign(id=~psu, strata=~str, weights=~pw, fpc=~fpc, data=st)
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.stats.compare import difference, holm, rao_scott, unit_contrasts
from survey.stats.design import Design
from survey.stats.estimate import estimate_column

REF = Path(__file__).parent / "data" / "reference"   # copies of the shared reference data sets


@pytest.fixture(scope="module")
def api():
    s = pd.read_csv(REF / "apistrat.csv")
    c = pd.read_csv(REF / "apiclus1.csv")
    a = s.assign(src="strat", psu=[f"s{i}" for i in range(len(s))], str_="s" + s["stype"])
    b = c.assign(src="clus", psu="c" + c["dnum"].astype(str), str_="clus")
    st = pd.concat([a, b], ignore_index=True)
    return s, c, st, Design(weights="pw", strata="str_", cluster="psu", fpc="fpc")


def test_difference_of_two_years_matches_svyttest(api):
    # svyttest(api00 ~ src, dst): t = 0.7146332173, df = 210, p-value = 0.4756293580,
    # difference in mean 18.1179642522, 95% CI −31.86066992 … 68.09659842 (degf(dst) = 211).
    # svycontrast(svyby(~api00, ~src, dst, svymean, covmat=TRUE), c(-1, 1)): 18.118, SE 25.353.
    _, _, st, design = api
    e = estimate_column(st, "api00", design=design, by="src").set_index("level")
    d = difference(e.loc["clus", "estimate"], e.loc["clus", "se"], e.loc["strat", "estimate"], e.loc["strat", "se"],
                   df=design.prepare(st).df - 1).iloc[0]
    assert d["difference"] == pytest.approx(18.1179642522, rel=1e-9)
    assert d["se"] == pytest.approx(25.353, abs=5e-4)
    assert d["statistic"] == pytest.approx(0.7146332173, rel=1e-8)
    assert d["p_value"] == pytest.approx(0.4756293580, rel=1e-8)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((-31.86066992, 68.09659842), rel=1e-8)


def test_difference_separately_estimated_years_equals_stacked(api):
    # The two years estimated on their own designs give the same SEs (R: svymean(~api00, dstrat)
    # SE 9.408941, svymean(~api00, dclus1) SE 23.542241 — svyby on the stacked design above).
    s, c, _, _ = api
    old = estimate_column(c, "api00", design=Design(weights="pw", cluster="dnum", fpc="fpc")).iloc[0]
    new = estimate_column(s, "api00", design=Design(weights="pw", strata="stype", fpc="fpc")).iloc[0]
    assert (old["se"], new["se"]) == pytest.approx((23.542241, 9.408941), abs=1e-6)
    d = difference(old["estimate"], old["se"], new["estimate"], new["se"]).iloc[0]
    assert d["se"] == pytest.approx(25.353, abs=5e-4)


def test_covariance_of_an_overlap_shrinks_the_se():
    independent = difference(0.9, 0.01, 0.95, 0.01).iloc[0]
    linked = difference(0.9, 0.01, 0.95, 0.01, cov=0.00005).iloc[0]
    assert linked["se"] < independent["se"] and linked["p_value"] < independent["p_value"]


def test_rao_scott_between_years_matches_svychisq(api):
    # svychisq(~stype + src, dst, statistic="F"):
    #   F = 1.5664252129, ndf = 1.6454363789, ddf = 347.1870759445, p-value = 0.2132926627
    _, _, st, design = api
    r = rao_scott(st, "stype", "src", design)
    assert pytest.approx(1.5664252129, rel=1e-8) == r.F
    assert r.ndf == pytest.approx(1.6454363789, rel=1e-8)
    assert r.ddf == pytest.approx(347.1870759445, rel=1e-8)
    assert r.p_value == pytest.approx(0.2132926627, rel=1e-7)


def test_rao_scott_on_a_cluster_sample_matches_svychisq(api):
    # svychisq(~sch.wide + stype, dclus1, statistic="F"):
    #   F = 5.19336954147, ndf = 1.49463977771, ddf = 20.9249568879, p-value = 0.02174746237
    _, c, _, _ = api
    r = rao_scott(c, "sch.wide", "stype", Design(weights="pw", cluster="dnum", fpc="fpc"))
    assert (r.F, r.ndf, r.ddf) == pytest.approx((5.19336954147, 1.49463977771, 20.9249568879), rel=1e-8)
    assert r.p_value == pytest.approx(0.02174746237, rel=1e-7)


def test_unit_contrasts_strata_match_svyby_svycontrast(api):
    # bys <- svyby(~api00, ~stype, dstrat, svymean, covmat=TRUE); sh <- c(4421, 755, 1018)/6194
    # svycontrast(bys, list(E=c(1,0,0)-sh, H=c(0,1,0)-sh, M=c(0,0,1)-sh)):
    #   E 12.14263642 (SE 4.793722715), H −36.46736358 (16.039120036), M −25.68736358 (16.279521019)
    # p <- 2*pnorm(-abs(coef/SE)): 0.01130817472 0.02298696997 0.11458989252
    # p.adjust(p, "holm"):          0.03392452417 0.04597393994 0.11458989252
    s, _, _, _ = api
    u = unit_contrasts(s, "api00", "stype", Design(weights="pw", strata="stype", fpc="fpc")).set_index("unit")
    # (R's shares use the exact N_h; the CSV's pw is stored in single precision, 44.2099990844727
    # for 4421/100, so the weighted overall mean differs in the 8th digit.)
    assert u["difference"].tolist() == pytest.approx([12.14263642, -36.46736358, -25.68736358], rel=5e-8)
    assert u["se"].tolist() == pytest.approx([4.793722715, 16.039120036, 16.279521019], rel=5e-8)
    assert u["p_value"].tolist() == pytest.approx([0.01130817472, 0.02298696997, 0.11458989252], rel=1e-7)
    assert u["p_holm"].tolist() == pytest.approx([0.03392452417, 0.04597393994, 0.11458989252], rel=1e-7)
    assert u.index[u["below"]].tolist() == ["H"] and u.index[u["above"]].tolist() == ["E"]


def test_unit_contrasts_domains_match_nonlinear_svycontrast(api):
    # Units that are not strata: the shares are estimated too. R, exact linearisation:
    # dclus1 <- update(dclus1, yE=api00*(stype=="E"), iE=as.numeric(stype=="E"), ..., one=1)
    # svycontrast(svytotal(~yE+iE+yH+iH+yM+iM+api00+one, dclus1),
    #             list(E=quote(yE/iE - api00/one), H=..., M=...)):
    #   E 4.6987 (SE 2.7085), H −25.5980 (28.3910), M −12.7294 (12.6741)
    #   p 0.08278348 0.36725776 0.31520412, Holm 0.2483504 0.6304082 0.6304082
    _, c, _, _ = api
    u = unit_contrasts(c, "api00", "stype", Design(weights="pw", cluster="dnum", fpc="fpc")).set_index("unit")
    assert u["difference"].tolist() == pytest.approx([4.6987, -25.5980, -12.7294], abs=5e-5)
    assert u["se"].tolist() == pytest.approx([2.7085, 28.3910, 12.6741], abs=5e-5)
    assert u["p_value"].tolist() == pytest.approx([0.08278348, 0.36725776, 0.31520412], abs=5e-9)
    assert u["p_holm"].tolist() == pytest.approx([0.2483504, 0.6304082, 0.6304082], abs=5e-8)
    assert not u["below"].any()


def test_holm_matches_p_adjust():
    # p.adjust(c(0.01, 0.04, 0.03, NA, 0.5), "holm") → 0.04 0.09 0.09 NA 0.50
    out = holm([0.01, 0.04, 0.03, np.nan, 0.5])
    assert out[[0, 1, 2, 4]].tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert np.isnan(out[3])
