"""Weighting methods against Kalton & Flores-Cervantes (2003) and R ``survey``.

Kalton G., Flores-Cervantes I. (2003), "Weighting Methods", *Journal of Official
Statistics* 19(2):81-97, Tables 1-4: a sample of 1000 units in the cells of
a (4 levels) × b (3 levels), every unit starting at weight 1, population 1500.
The same example is in R ``survey``'s tests (tests/kalton.R); the 4-decimal values
below were printed by R 4.2 with ``survey`` 4.1-1 from::

    des <- svydesign(id=~1, weights=~1, data=df)      # df: one row per sample unit
    rake(des, list(~a,~b), list(pa,pb), control=list(epsilon=1e-10))
    calibrate(des, ~a+b, population=c(1500, a2=550, a3=430, a4=345, b2=415, b3=720))
    calibrate(des, ~a+b, population=…, bounds=c(0.8, 2.2))
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.definitions.vocab import FRAME_WEIGHTING_METHODS, WEIGHTING_METHODS
from survey.errors import WeightingError
from survey.stats.weights import WEIGHTING, calibrate, design_weights, poststratify, rake, trim, weight

SAMPLE = np.array([[20, 40, 40], [50, 140, 310], [100, 50, 50], [30, 100, 70]])
POP = np.array([[80, 40, 55], [60, 150, 340], [170, 60, 200], [55, 165, 125]])


@pytest.fixture(scope="module")
def kalton():
    rows = [(str(i + 1), str(j + 1)) for i in range(4) for j in range(3) for _ in range(SAMPLE[i, j])]
    return pd.DataFrame(rows, columns=["a", "b"])


def margins():
    return {"a": pd.Series(POP.sum(axis=1), index=["1", "2", "3", "4"]),
            "b": pd.Series(POP.sum(axis=0), index=["1", "2", "3"])}


def cell_table(data, result, digits):
    return result.weights.groupby([data["a"], data["b"]]).mean().unstack().round(digits).to_numpy()


def test_poststratification_kalton_table(kalton):
    # K & F-C Table 2: weight per unit = population / sample count of each cell.
    pop = pd.DataFrame([(str(i + 1), str(j + 1), POP[i, j]) for i in range(4) for j in range(3)],
                       columns=["a", "b", "N"])
    got = cell_table(kalton, poststratify(kalton, ["a", "b"], pop), 2)
    assert got.tolist() == [[4.00, 1.00, 1.38], [1.20, 1.07, 1.10], [1.70, 1.20, 4.00], [1.83, 1.65, 1.79]]


def test_raking_kalton_table_and_r(kalton):
    res = rake(kalton, margins(), tol=1e-10)
    # K & F-C Table 3 (2 dp)
    assert cell_table(kalton, res, 2).tolist() == [[1.81, 1.45, 2.02], [1.08, 0.87, 1.21], [2.20, 1.76, 2.45],
                                                   [1.83, 1.47, 2.04]]
    # R survey 4.1-1, rake(..., epsilon=1e-10), 4 dp
    assert cell_table(kalton, res, 4).tolist() == [[1.8108, 1.4528, 2.0168], [1.0836, 0.8694, 1.2068],
                                                   [2.1961, 1.7619, 2.4459], [1.8332, 1.4708, 2.0417]]
    d = res.diagnostics
    assert d.converged and d.history[-1] <= 1e-10 and list(d.history) == sorted(d.history, reverse=True)
    assert (d.margins["difference"].abs() < 1e-6).all()


def test_linear_calibration_kalton_table_and_r(kalton):
    res = calibrate(kalton, margins())
    # K & F-C Table 4 (2 dp)
    assert cell_table(kalton, res, 2).tolist() == [[1.82, 1.50, 1.97], [1.09, 0.78, 1.24], [2.19, 1.88, 2.34],
                                                   [1.83, 1.52, 1.98]]
    # R survey 4.1-1, calibrate(des, ~a+b, population=…), 4 dp
    assert cell_table(kalton, res, 4).tolist() == [[1.8153, 1.5022, 1.9652], [1.0948, 0.7816, 1.2446],
                                                   [2.1908, 1.8777, 2.3407], [1.8291, 1.5160, 1.9790]]


def test_bounded_calibration_matches_r(kalton):
    # R survey 4.1-1: calibrate(des, ~a+b, population=…, bounds=c(0.8, 2.2)), 6 dp
    res = calibrate(kalton, margins(), bounds=(0.8, 2.2))
    expected = [[1.833799, 1.432324, 2.025776], [1.051353, 0.800000, 1.243330],
                [2.200000, 2.000000, 2.200000], [1.858546, 1.457070, 2.050523]]
    assert cell_table(kalton, res, 6) == pytest.approx(np.array(expected), abs=2e-6)
    assert res.diagnostics.converged
    assert res.weights.min() >= 0.8 - 1e-12 and res.weights.max() <= 2.2 + 1e-12


def test_impossible_bounds_are_reported_not_hidden(kalton):
    res = calibrate(kalton, margins(), bounds=(0.95, 1.05))
    assert not res.diagnostics.converged
    assert res.diagnostics.history[-1] > 0.01


def test_design_weights_and_diagnostics():
    data = pd.DataFrame({"区": ["A"] * 4 + ["B"] * 2})
    res = design_weights(data, "区", {"A": 40, "B": 60})
    # N_h / n_h: A 40/4 = 10, B 60/2 = 30. Σw = 100, Σw² = 4·100 + 2·900 = 2200,
    # Kish deff = n Σw² / (Σw)² = 6 · 2200 / 10000 = 1.32, n_eff = 100² / 2200 = 4.545…
    assert res.weights.tolist() == [10, 10, 10, 10, 30, 30]
    d = res.diagnostics
    assert d.deff_kish == pytest.approx(1.32) and d.n_eff == pytest.approx(10000 / 2200)
    assert (d.min, d.max, d.total) == (10, 30, 100)
    assert res.weights.index.equals(data.index)


def test_trimming_keeps_the_total_and_the_bounds(kalton):
    raked = rake(kalton, margins()).weights
    res = trim(raked, upper=1.5, lower=0.6)  # × the mean weight 1.5 -> [0.9, 2.25]
    assert res.weights.sum() == pytest.approx(1500)
    assert res.weights.max() <= 2.25 + 1e-9 and res.weights.min() >= 0.9 - 1e-9
    assert res.diagnostics.trimmed > 0 and res.diagnostics.converged
    # untrimmed weights keep their ratios
    free = (raked > 1.0) & (raked < 2.0)
    ratio = res.weights[free] / raked[free]
    assert ratio.max() - ratio.min() < 1e-12


def test_errors_name_the_category(kalton):
    m = margins()
    with pytest.raises(WeightingError, match="margin totals disagree: a 1500, b 1501"):
        rake(kalton, {"a": m["a"], "b": m["b"] + pd.Series([1, 0, 0], index=m["b"].index)})
    with pytest.raises(WeightingError, match="b '4' has population 10 but no respondents"):
        rake(kalton, {"a": m["a"] + pd.Series([10, 0, 0, 0], index=m["a"].index),
                      "b": pd.concat([m["b"], pd.Series({"4": 10})])})
    with pytest.raises(WeightingError, match="respondents in a '4', which the population targets do not list"):
        poststratify(kalton, "a", m["a"].iloc[:3])
    with pytest.raises(WeightingError, match="unknown weighting method 'ipf'"):
        weight("ipf", kalton, m)


def test_one_registry_of_weighting_methods(kalton):
    # the light vocabulary the CLI and the questionnaire models read is the registry's keys
    assert tuple(WEIGHTING) == WEIGHTING_METHODS
    assert set(FRAME_WEIGHTING_METHODS) <= set(WEIGHTING)
    m = margins()
    # dispatch by name gives the method's own result
    assert np.allclose(weight("rake", kalton, m).weights, rake(kalton, m).weights)
    assert np.allclose(weight("poststratify", kalton, m["a"], by=["a"]).weights, poststratify(kalton, "a", m["a"]).weights)
    with pytest.raises(WeightingError, match="needs the column"):
        weight("design", kalton, m["a"].rename_axis(None))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.floats(0.2, 5)), min_size=30, max_size=120),
       st.integers(1, 10_000))
def test_raked_weights_hit_every_margin(rows, seed):
    data = pd.DataFrame(rows, columns=["x", "y", "base"])
    data = data.assign(x=data["x"].astype(str), y=data["y"].astype(str))
    rng = np.random.default_rng(seed)
    tx = pd.Series(rng.uniform(10, 100, data["x"].nunique()), index=sorted(data["x"].unique()))
    ty = pd.Series(rng.uniform(10, 100, data["y"].nunique()), index=sorted(data["y"].unique()))
    ty *= tx.sum() / ty.sum()
    res = rake(data, {"x": tx, "y": ty}, base="base", tol=1e-9, max_iter=2000)
    if res.diagnostics.converged:  # sparse tables may not be rakeable; then the flag says so
        got_x = res.weights.groupby(data["x"]).sum()
        got_y = res.weights.groupby(data["y"]).sum()
        assert np.allclose(got_x[tx.index], tx, rtol=1e-8) and np.allclose(got_y[ty.index], ty, rtol=1e-8)
    assert data.columns.tolist() == ["x", "y", "base"]  # the input is not edited
    # scaling the base weights does not change raked weights
    again = rake(data.assign(base=data["base"] * 3), {"x": tx, "y": ty}, base="base", tol=1e-9, max_iter=2000)
    assert np.allclose(again.weights, res.weights, rtol=1e-6)


def test_calibration_aware_standard_errors_match_r():
    # R 4.2, survey 4.1-1, on tests/data/kalton_sample.csv (written by this R code):
    #   df <- d[rep(1:12, d$n), c("a","b")]; df$id <- seq_len(nrow(df))
    #   df$y <- as.numeric((df$id * 7919) %% 10 < 6 + (df$a == 3) - (df$b == 1))
    #   df$x <- (df$id * 104729) %% 97 + 10 * df$a
    #   des <- svydesign(id=~1, weights=~1, data=df)
    #   r  <- rake(des, list(~a,~b), list(pa,pb), control=list(epsilon=1e-12, maxit=200))
    #   lc <- calibrate(des, ~a+b, population=c(1500, a2=550, a3=430, a4=345, b2=415, b3=720))
    #   ps <- postStratify(des, ~a+b, pab)
    #   SE(svymean(~y+x, r))            -> 0.0160973636548 0.928371565259
    #   SE(svytotal(~x, r))             -> 1392.55734789
    #   SE(svyby(~x, ~a, r, svymean))   -> 2.80483475192 1.26511876175 1.99657411252 2.00128592536
    #   SE(svymean(~y+x, lc))           -> 0.0160878178508 0.927683163231
    #   SE(svymean(~y+x, ps))           -> 0.0170107029537 0.983098144637
    #   the raked weights taken as fixed: SE(svymean(~y+x, svydesign(id=~1, weights=~w, ...))) -> 0.0161888907855 0.980718349204
    from survey.stats.design import Design
    from survey.stats.estimate import estimate_column

    from .conftest import ROOT

    d = pd.read_csv(ROOT / "tests" / "data" / "kalton_sample.csv").astype({"a": str, "b": str})
    d["ab"] = d["a"] + d["b"]

    def se(data, var, design, **kw):
        return estimate_column(data, var, design=design, **kw)["se"].to_numpy()

    raked = d.assign(w=rake(d, margins(), tol=1e-12, max_iter=500).weights.to_numpy())
    cal = Design(weights="w", calibration=("a", "b"))
    assert se(raked, "y", cal)[0] == pytest.approx(0.0160973636548, rel=1e-9)
    assert se(raked, "x", cal)[0] == pytest.approx(0.928371565259, rel=1e-9)
    assert se(raked, "x", cal, stat="total")[0] == pytest.approx(1392.55734789, rel=1e-9)
    assert se(raked, "x", cal, by="a")[1:] == pytest.approx([2.80483475192, 1.26511876175, 1.99657411252,
                                                             2.00128592536], rel=1e-8)
    assert se(raked, "x", Design(weights="w"))[0] == pytest.approx(0.980718349204, rel=1e-9)
    linear = d.assign(w=calibrate(d, margins()).weights.to_numpy())
    assert se(linear, "y", cal)[0] == pytest.approx(0.0160878178508, rel=1e-9)
    assert se(linear, "x", cal)[0] == pytest.approx(0.927683163231, rel=1e-9)
    pop = pd.Series({f"{i + 1}{j + 1}": POP[i, j] for i in range(4) for j in range(3)})
    post = d.assign(w=poststratify(d, "ab", pop).weights.to_numpy())
    assert se(post, "y", Design(weights="w", calibration=("ab",)))[0] == pytest.approx(0.0170107029537, rel=1e-9)
    assert se(post, "x", Design(weights="w", calibration=("ab",)))[0] == pytest.approx(0.983098144637, rel=1e-9)


def test_trimming_after_raking_keeps_its_diagnostics_and_says_the_margins_broke(kalton):
    raked = rake(kalton, margins())
    res = trim(raked.weights, upper=1.5, after=raked, data=kalton)
    d = res.diagnostics
    # the raking's convergence, iterations and history are kept, the trimming added
    assert d.method == "rake+trim" and d.converged and d.history == raked.diagnostics.history
    assert d.iterations == raked.diagnostics.iterations and d.trimmed > 0
    # the margins are re-computed from the trimmed weights: by hand, Σ of the trimmed weights per level
    for var in ("a", "b"):
        got = res.weights.groupby(kalton[var].astype(str)).sum()
        table = d.margins[d.margins["variable"] == var].set_index("level")
        assert table["achieved"].to_numpy() == pytest.approx(got[table.index].to_numpy())
    # trimming broke them, so the weights are no longer calibrated (was: margins of the raking, converged)
    assert not d.calibrated and "no longer calibrated" in d.note
    assert abs(d.margins["difference"]).max() > 1


def test_trimming_that_binds_nothing_stays_calibrated(kalton):
    raked = rake(kalton, margins())
    res = trim(raked.weights, upper=50, after=raked, data=kalton)
    assert res.diagnostics.calibrated and res.diagnostics.trimmed == 0


@pytest.mark.parametrize("dtype", ["str", object, "category"])
def test_text_columns_of_every_storage_weight_alike_and_name_the_fault(kalton, dtype):
    """pandas' Arrow strings take a fast lookup (survey.stats.targets.target_positions); object and
    categorical columns the general one. Same weights (K & F-C 2003 Table 3, as above), same errors."""
    data = kalton.astype(dtype)
    assert isinstance(kalton["a"].array, pd.arrays.ArrowStringArray)  # the fast path is exercised by "str"
    np.testing.assert_array_equal(rake(data, margins()).weights.to_numpy(),
                                  rake(kalton.astype(object), margins()).weights.to_numpy())
    np.testing.assert_array_equal(poststratify(data, "a", margins()["a"]).weights.to_numpy(),
                                  poststratify(kalton.astype(object), "a", margins()["a"]).weights.to_numpy())
    assert round(cell_table(data, rake(data, margins()), 2)[0].tolist()[0], 2) == 1.81
    m = margins()
    with pytest.raises(WeightingError, match="respondents in a '4', which the population targets do not list"):
        rake(data, {"a": m["a"].iloc[:3] * 1500 / m["a"].iloc[:3].sum(), "b": m["b"]})
    with pytest.raises(WeightingError, match="b '4' has population 10 but no respondents"):
        rake(data, {"a": m["a"] + pd.Series([10, 0, 0, 0], index=m["a"].index),
                    "b": pd.concat([m["b"], pd.Series({"4": 10})])})
    gap = kalton.astype(object)
    gap.loc[7, "b"] = None
    with pytest.raises(WeightingError, match="respondent without a value for 'b'") as exc:
        rake(gap.astype(dtype) if dtype != "category" else gap.astype("category"), margins())
    assert exc.value.row == 9  # the eighth respondent: header on row 1
