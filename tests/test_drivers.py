"""Relative importance, the 四分图 and 优先改进 (survey.stats.drivers, survey.evaluation.keydrivers).

LMG reference values: R 4.2.2 Patched, relaimpo 2.2-7 (installed from its CRAN source),
on R's `swiss` data (tests/data/swiss.csv), printed with options(digits = 10):

    r <- calc.relimp(swiss, type = c("lmg"), rela = FALSE)
    r@R2   0.7067350016
    r@lmg  Agriculture 0.05709122077, Examination 0.17117302890, Education 0.26013467862,
           Catholic 0.10557015037, Infant.Mortality 0.11276592293
    w <- rep(c(1, 2, 3), length.out = nrow(swiss))
    r2 <- calc.relimp(Fertility ~ ., data = swiss, weights = w, type = "lmg")
    r2@R2  0.7237051135
    r2@lmg Agriculture 0.06102021708, Examination 0.18416693341, Education 0.26026839815,
           Catholic 0.10199280520, Infant.Mortality 0.11625675972
    calc.relimp(swiss, type = "lmg", rela = TRUE)@lmg
           0.08078165174 0.24220256322 0.36807951784 0.14937727739 0.15955898982
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.errors import EstimationError
from survey.stats.design import Design
from survey.stats.drivers import importance_performance, priority_list, relative_importance

SWISS = pd.read_csv(Path(__file__).parent / "data" / "swiss.csv", index_col=0)
X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def test_lmg_matches_relaimpo_on_swiss():
    out = relative_importance(SWISS, "Fertility", X, replicates=0)
    assert out.attrs["r2"] == pytest.approx(0.7067350016, rel=1e-9)
    assert out["share"].tolist() == pytest.approx(
        [0.05709122077, 0.17117302890, 0.26013467862, 0.10557015037, 0.11276592293], rel=1e-9)
    assert out["relative"].tolist() == pytest.approx(
        [0.08078165174, 0.24220256322, 0.36807951784, 0.14937727739, 0.15955898982], rel=1e-9)
    assert out.set_index("item")["rank"]["Education"] == 1


def test_weighted_lmg_matches_relaimpo_weights():
    d = SWISS.assign(w=np.resize([1.0, 2.0, 3.0], len(SWISS)))
    out = relative_importance(d, "Fertility", X, design=Design(weights="w"), replicates=0)
    assert out.attrs["r2"] == pytest.approx(0.7237051135, rel=1e-9)
    assert out["share"].tolist() == pytest.approx(
        [0.06102021708, 0.18416693341, 0.26026839815, 0.10199280520, 0.11625675972], rel=1e-9)


def test_relative_weights_decompose_r2_and_track_lmg():
    # Johnson's (2000) weights are an approximation of LMG: same R², same ranking here.
    rw = relative_importance(SWISS, "Fertility", X, method="relative_weights", replicates=0)
    lmg = relative_importance(SWISS, "Fertility", X, replicates=0)
    assert rw["share"].sum() == pytest.approx(0.7067350016, rel=1e-9)
    assert rw["rank"].tolist() == lmg["rank"].tolist()
    assert np.abs(rw["relative"] - lmg["relative"]).max() < 0.05


def test_bootstrap_interval_is_seeded_and_covers_the_estimate():
    a = relative_importance(SWISS, "Fertility", X, replicates=50, seed=7)
    b = relative_importance(SWISS, "Fertility", X, replicates=50, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["ci_low"] <= a["relative"]) & (a["relative"] <= a["ci_high"])).all()


def test_quadrants_split_at_the_means_and_priority_list():
    imp = pd.DataFrame(dict(item=list("abcd"), relative=[0.4, 0.3, 0.2, 0.1]))
    perf = pd.Series(dict(a=0.95, b=0.70, c=0.60, d=0.99))
    # means: importance 0.25, performance 0.81 → a advantage, b fix, c opportunity, d maintain
    ipa = importance_performance(imp, perf)
    assert ipa["quadrant"].tolist() == ["advantage", "fix", "opportunity", "maintain"]
    assert priority_list(ipa)["item"].tolist() == ["b"]
    # replicate draws: b stays in "fix" in 3 of 4, once it swaps with a
    ri = np.array([[0.4, 0.3, 0.2, 0.1]] * 3 + [[0.3, 0.4, 0.2, 0.1]])
    rp = np.array([[0.95, 0.70, 0.60, 0.99]] * 3 + [[0.70, 0.95, 0.60, 0.99]])
    ipa = importance_performance(imp, perf, ri, rp)
    assert ipa["p_quadrant"].tolist() == [0.75, 0.75, 1.0, 1.0]


def test_errors_name_the_fix():
    with pytest.raises(EstimationError, match="at least two"):
        relative_importance(SWISS, "Fertility", ["Education"])
    with pytest.raises(EstimationError, match="no column"):
        relative_importance(SWISS, "Fertility", ["Education", "nope"])


def test_key_drivers_on_the_2021_staff_survey(analysis_2021):
    from survey.evaluation.keydrivers import key_drivers

    s = analysis_2021.surveys[0]  # analyze(raw/2021.xlsx, questionnaires/), the session's run
    k = key_drivers(s.cleaned.valid, replicates=30)
    assert k.n == 389 and 0 < k.r2 < 1
    assert k.importance["share"].sum() == pytest.approx(k.r2)
    assert set(k.ipa["quadrant"]) <= {"advantage", "fix", "opportunity", "maintain"}
    assert k.ipa["p_quadrant"].between(0, 1).all()
    # performance is the item's top-box rate, as in the truth file (h_pay: 276 of 389)
    assert k.ipa.set_index("item").loc["h_pay", "performance"] == pytest.approx(276 / 389)


def test_drivers_paragraph_and_tables():
    from survey.evaluation.keydrivers import KeyDrivers
    from survey.render.drivers import drivers_paragraph, drivers_tables

    imp = pd.DataFrame(dict(item=list("abcd"), text=["甲", "乙", "丙", "丁"], share=[0.2, 0.15, 0.1, 0.05],
                            relative=[0.4, 0.3, 0.2, 0.1], ci_low=[0.3, 0.2, 0.1, 0.05],
                            ci_high=[0.5, 0.4, 0.3, 0.15], rank=[1, 2, 3, 4]))
    ipa = importance_performance(imp, pd.Series(dict(a=0.95, b=0.70, c=0.60, d=0.99)))
    ipa["text"] = ["甲", "乙", "丙", "丁"]
    k = KeyDrivers("q", "overall", imp, ipa, priority_list(ipa), 0.5, 100, "lmg", 200)
    text = drivers_paragraph(k)
    assert "共解释其变异的50.00%" in text and "甲（40.0%，95% CI 30.0%–50.0%）" in text
    assert "优先改进（重要性高、满意度低）：乙（满意率70.00%" in text
    assert set(drivers_tables(k)) == {"关键驱动因素", "四分图"}


def test_relative_weights_match_the_rwa_documentation():
    # Johnson's (2000) relative weights. Published example of the R package rwa (Martin Chan),
    # article "regression methods" (martinctc.github.io/rwa/articles/regression-methods.html):
    #   rwa_multiregress(df = mtcars, outcome = "mpg", predictors = c("cyl", "disp", "hp", "wt"))$result
    #   Raw.RelWeight      cyl 0.2096904  disp 0.1883043  hp 0.1799590  wt 0.2706812
    #   Rescaled.RelWeight cyl 24.70914   disp 22.18908   hp 21.20570   wt 31.89607
    mt = pd.read_csv(Path(__file__).parent / "data" / "mtcars.csv", index_col=0)
    out = relative_importance(mt, "mpg", ["cyl", "disp", "hp", "wt"], method="relative_weights", replicates=0)
    assert out["share"].tolist() == pytest.approx([0.2096904, 0.1883043, 0.1799590, 0.2706812], abs=5e-8)
    assert (100 * out["relative"]).tolist() == pytest.approx([24.70914, 22.18908, 21.20570, 31.89607], abs=5e-6)
