"""survey.stats.distributions against the libraries it replaces on the hot path (statsmodels, scipy.stats)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint as statsmodels_confint

from survey.stats import distributions as D


@pytest.mark.parametrize("method", ["normal", "agresti_coull", "beta", "wilson", "jeffreys"])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_binomial_intervals_match_statsmodels(method, alpha):
    # statsmodels 0.14/0.15 proportion_confint is the reference (the package called it before)
    rng = np.random.default_rng(3)
    n = np.concatenate([rng.integers(1, 3000, 200).astype(float), rng.random(40) * 400 + 1, [1.0, 389.0, 120.0]])
    x = np.floor(rng.random(len(n)) * (n + 1)).clip(max=n)
    x[::7], x[::11] = 0, n[::11]
    x[-2:] = [379, 120]
    lo, hi = D.proportion_confint(x, n, alpha, method)
    slo, shi = statsmodels_confint(x, n, alpha=alpha, method=method)
    np.testing.assert_allclose(lo, slo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hi, shi, rtol=0, atol=1e-12)


def test_distributions_match_scipy_stats():
    assert D.norm.ppf(0.975) == pytest.approx(stats.norm.ppf(0.975), rel=1e-14)
    assert D.norm.isf(0.025) == pytest.approx(stats.norm.isf(0.025), rel=1e-14)
    np.testing.assert_allclose(D.norm.ppf(np.array([0.1, 0.9])), stats.norm.ppf([0.1, 0.9]), rtol=1e-14)
    np.testing.assert_allclose(D.t.ppf(0.975, np.array([1, 11, 200])), stats.t.ppf(0.975, [1, 11, 200]), rtol=1e-12)
    for q in (0.025, 0.975):
        assert D.f.isf(q, 9, 36) == pytest.approx(stats.f.isf(q, 9, 36), rel=1e-10)
    assert D.chi2.sf(12.3, 5) == pytest.approx(stats.chi2.sf(12.3, 5), rel=1e-12)
    assert D.beta(3.5, 8.5).cdf(0.3) == pytest.approx(stats.beta(3.5, 8.5).cdf(0.3), rel=1e-12)
    assert D.norm(0.9, 0.02).cdf(0.85) == pytest.approx(stats.norm(0.9, 0.02).cdf(0.85), rel=1e-12)
    got, ref = D.chisquare([10, 20, 30], [20, 20, 20]), stats.chisquare([10, 20, 30], f_exp=[20, 20, 20])
    assert (got.statistic, got.pvalue) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-12)


def test_tail_probabilities_match_scipy_stats():
    # the p-values of survey.stats.compare (differences, Wald F, Rao–Scott χ²) came from scipy.stats before
    x = np.array([0.0, 0.3, 1.96, 4.2, 12.0, np.inf])
    np.testing.assert_allclose(D.norm.sf(x), stats.norm.sf(x), rtol=1e-14, atol=0)
    for df in (1, 11, 200):
        np.testing.assert_allclose(D.t.sf(x, df), stats.t.sf(x, df), rtol=1e-14, atol=0)
        np.testing.assert_allclose(D.t.sf(-x, df), stats.t.sf(-x, df), rtol=1e-14, atol=0)
    for dfn, dfd in ((1, 10), (9, 36), (11.5, 87.25)):
        np.testing.assert_allclose(D.f.sf(x[:-1], dfn, dfd), stats.f.sf(x[:-1], dfn, dfd), rtol=1e-14, atol=0)


def test_normal_quantiles_at_usual_levels_are_ndtri_bit_for_bit():
    from scipy import special

    for q, z in D.NDTRI_AT.items():
        assert z == float(special.ndtri(q)) and D.norm.ppf(q) == special.ndtri(q)
    assert D.norm.ppf(1 - 0.05 / 2) == stats.norm.ppf(0.975) and D.norm.ppf(0.975 - 1e-12) == special.ndtri(0.975 - 1e-12)


def test_t_quantile_for_many_degrees_of_freedom_is_stdtrit_to_1e_15():
    # Cornish–Fisher to df⁻⁶ (A&S 26.7.5, Fisher & Cornish 1960) from T_SERIES_DF on, at the
    # NDTRI_AT levels: scipy.special.stdtrit (scipy 1.17) is the reference, within 4 ulp; below the
    # threshold, or at other levels, stdtrit itself is used
    from scipy import special

    df = np.concatenate([np.arange(D.T_SERIES_DF, 3000.0), np.linspace(200, 201, 97), np.geomspace(3000, 1e16, 400)])
    for q in D.NDTRI_AT:
        np.testing.assert_allclose(D.t.ppf(q, df), special.stdtrit(df, q), rtol=7e-16, atol=0)
        assert D.t.ppf(q, 30.0) == special.stdtrit(30.0, q)
        assert D.t.ppf(q, np.array([30.0, 1e6]))[0] == special.stdtrit(30.0, q)  # one small df: stdtrit for all
    assert D.t.ppf(0.8, 1e6) == special.stdtrit(1e6, 0.8)

