"""Interval methods: published values, stated conventions, and properties over methods × designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.definitions.vocab import CI_METHODS
from survey.stats.design import Design
from survey.stats.estimate import estimate_column
from survey.stats.intervals import binomial_ci, proportion_ci


@pytest.mark.parametrize("x, n, method, lo, hi", [
    # R 4.x: prop.test(81, 263)$conf.int -> 0.2535086823 0.3681762010 (Newcombe 1998 method 4: 0.2535, 0.3682)
    (81, 263, "wilson_cc", 0.2535086823, 0.3681762010),
    # prop.test(15, 148)$conf.int -> 0.05977820843 0.16444977936; prop.test(0, 20)$conf.int -> 0 0.200453345
    (15, 148, "wilson_cc", 0.05977820843, 0.16444977936),
    (0, 20, "wilson_cc", 0.0, 0.200453345),
])
def test_wilson_cc_is_prop_test(x, n, method, lo, hi):
    assert tuple(map(float, proportion_ci(x, n, method=method))) == pytest.approx((lo, hi), abs=1e-9)


@pytest.mark.parametrize("x, n, method, lo, hi", [
    # Newcombe (1998), Statist. Med. 17:857, Table II: method 6 (mid-p) and 7 (likelihood ratio)
    (81, 263, "midp", 0.2544, 0.3658),
    (15, 148, "midp", 0.0601, 0.1581),
    (0, 20, "midp", 0.0, 0.1391),
    (1, 29, "midp", 0.0017, 0.1585),
    (0, 20, "lr", 0.0, 0.0916),
    (1, 29, "lr", 0.0020, 0.1432),
])
def test_midp_and_likelihood_ratio_match_newcombe(x, n, method, lo, hi):
    got = proportion_ci(x, n, method=method)
    assert (round(float(got[0]), 4), round(float(got[1]), 4)) == (lo, hi)


def test_clipping_is_said_and_optional():
    # Wald for 1 of 29 starts below 0 (Newcombe 1998, Table II, method 1 gives a negative lower limit)
    lo, hi, note = binomial_ci(1, 29, method="normal")
    assert lo[0] == 0 and note[0] == "clipped"
    lo, hi, note = binomial_ci(1, 29, method="normal", clip=False)
    assert lo[0] < 0 and note[0] == ""
    lo, hi, note = binomial_ci(20, 20, method="normal")
    assert hi[0] == 1 and lo[0] < 1 and "wilson_at_boundary" in note[0]


def _sample(seed: int, n: int, p_mode: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = {"zero": np.zeros(n), "one": np.ones(n), "mixed": (rng.random(n) < 0.7).astype(float)}[p_mode]
    h = np.repeat(["a", "b"], [n // 2, n - n // 2])
    return pd.DataFrame({"y": y, "w": rng.uniform(1, 4, n), "h": h, "c": rng.integers(0, 6, n).astype(str) + h,
                         "N": np.where(h == "a", 10 * n, 20 * n), "dom": rng.integers(0, 2, n)})


DESIGNS = {"srs": Design(), "strata": Design(strata="h"), "clusters": Design(weights="w", cluster="c"),
           "fpc": Design(strata="h", fpc="N"), "weights": Design(weights="w", strata="h")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(CI_METHODS), design=st.sampled_from(sorted(DESIGNS)),
       p_mode=st.sampled_from(["zero", "one", "mixed"]), seed=st.integers(0, 10_000), n=st.integers(20, 80))
def test_interval_properties(method, design, p_mode, seed, n):
    d = _sample(seed, n, p_mode)
    t = estimate_column(d, "y", design=DESIGNS[design], by="dom", ci_method=method)
    t = t[t["n"] > 0]
    assert np.isfinite(t[["ci_low", "ci_high"]].to_numpy()).all()
    assert ((t["ci_low"] >= 0) & (t["ci_high"] <= 1)).all()
    assert ((t["ci_low"] <= t["estimate"] + 1e-12) & (t["estimate"] <= t["ci_high"] + 1e-12)).all()
    assert ((t["ci_high"] - t["ci_low"]) > 0).all()
    shuffled = estimate_column(d.sample(frac=1, random_state=seed), "y", design=DESIGNS[design], by="dom",
                               ci_method=method)
    cols = ["estimate", "ci_low", "ci_high"]
    assert np.allclose(shuffled[cols].to_numpy(float), estimate_column(d, "y", design=DESIGNS[design], by="dom",
                       ci_method=method)[cols].to_numpy(float), rtol=1e-9, atol=1e-12)


REP_DESIGNS = {"jk1": Design(weights="w", cluster="c"), "jkn": Design(weights="w", strata="h", cluster="c"),
               "bootstrap": Design(weights="w", strata="h")}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(CI_METHODS), design=st.sampled_from(sorted(REP_DESIGNS)),
       p_mode=st.sampled_from(["zero", "one", "mixed"]), seed=st.integers(0, 10_000), n=st.integers(30, 80))
def test_replicate_interval_properties(method, design, p_mode, seed, n):
    from survey.stats.replicate import replicate_estimate

    d = _sample(seed, n, p_mode)
    kind = "bootstrap" if design == "bootstrap" else "jackknife"
    t = replicate_estimate(d, "y", design=REP_DESIGNS[design], by="dom", method=kind, replicates=50,
                           ci_method=method)
    t = t[t["n"] > 0]
    assert np.isfinite(t[["ci_low", "ci_high"]].to_numpy()).all()
    assert ((t["ci_low"] >= 0) & (t["ci_high"] <= 1)).all()
    assert ((t["ci_low"] <= t["estimate"] + 1e-12) & (t["estimate"] <= t["ci_high"] + 1e-12)).all()
    assert ((t["ci_high"] - t["ci_low"]) > 0).all()
    if kind == "jackknife":  # the bootstrap draws depend on the PSU order, the jackknife does not
        shuffled = replicate_estimate(d.sample(frac=1, random_state=seed), "y", design=REP_DESIGNS[design],
                                      by="dom", method=kind, ci_method=method)
        shuffled = shuffled[shuffled["n"] > 0]
        cols = ["estimate", "se", "ci_low", "ci_high"]
        assert np.allclose(shuffled[cols].to_numpy(float), t[cols].to_numpy(float), rtol=1e-9, atol=1e-12)
