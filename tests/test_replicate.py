"""Replicate-weight standard errors against R ``survey`` 4.1-1 (``as.svrepdesign``).

Each expected value was printed by R 4.2 with survey 4.1-1 on the CSVs in
tests/data/reference; the call is pasted above the assertion.
"""

from __future__ import annotations

import numpy as np
import pytest

from survey.errors import EstimationError
from survey.stats.design import Design
from survey.stats.estimate import estimate_column
from survey.stats.replicate import replicate_estimate, replicate_weights

DSTRAT = Design(weights="pw", strata="stype", fpc="fpc")
DCLUS1 = Design(weights="pw", cluster="dnum", fpc="fpc")


def se(table, level="全部"):
    return float(table.set_index("level").loc[level, "se"])


def test_jkn_on_the_stratified_sample(apistrat):
    # r1 <- as.svrepdesign(dstrat, type="JKn"); svymean(~api00, r1) -> 662.28736, SE 9.40894
    # svyby(~api00, ~stype, r1, svymean): E 12.38247979, H 14.93712919, M 16.21470731
    t = replicate_estimate(apistrat, "api00", design=DSTRAT, by="stype")
    assert se(t) == pytest.approx(9.40894, rel=1e-6)
    for level, expected in {"E": 12.38247979, "H": 14.93712919, "M": 16.21470731}.items():
        assert se(t, level) == pytest.approx(expected, rel=1e-8)


def test_jk1_on_the_cluster_sample(apiclus1):
    # r2 <- as.svrepdesign(dclus1, type="JK1")
    # svymean(~api00, r2) -> 644.1694, SE 26.32936; svytotal(~enroll, r2) -> SE 932235.03
    # svyby(~api00, ~stype, r2, svymean): E 25.37430355, H 46.34412175, M 33.68762000
    t = replicate_estimate(apiclus1, "api00", design=DCLUS1, by="stype")
    assert t.set_index("level").loc["全部", "estimate"] == pytest.approx(644.1694, rel=1e-7)
    assert se(t) == pytest.approx(26.32936, rel=1e-6)
    for level, expected in {"E": 25.37430355, "H": 46.34412175, "M": 33.68762}.items():
        assert se(t, level) == pytest.approx(expected, rel=1e-8)
    assert se(replicate_estimate(apiclus1, "enroll", design=DCLUS1, stat="total")) == pytest.approx(932235.03, rel=1e-8)
    # without fpc: as.svrepdesign(svydesign(id=~dnum, weights=~pw, data=apiclus1), type="JK1") -> SE 26.59416
    assert se(replicate_estimate(apiclus1, "api00", design=Design("pw", cluster="dnum"))) == pytest.approx(
        26.59416, rel=1e-6)


def test_bootstrap_is_seeded_and_close_to_taylor(apistrat):
    a = replicate_estimate(apistrat, "api00", design=Design("pw", "stype"), method="bootstrap", replicates=400)
    b = replicate_estimate(apistrat, "api00", design=Design("pw", "stype"), method="bootstrap", replicates=400)
    assert se(a) == se(b)
    taylor = se(estimate_column(apistrat, "api00", design=Design("pw", "stype")))
    assert se(a) == pytest.approx(taylor, rel=0.15)  # 400 replicates: Monte Carlo error of a few %


def test_replicate_weights_shape_and_errors(apiclus1):
    prep = DCLUS1.prepare(apiclus1)
    rw = replicate_weights(prep)
    assert rw.weights.shape == (len(apiclus1), 15)  # one replicate per cluster
    # replicate r drops cluster r and scales the other 14 by 15/14
    first = prep.psu == 0
    assert (rw.weights[first, 0] == 0).all()
    assert np.allclose(rw.weights[~first, 0], apiclus1["pw"].to_numpy()[~first] * 15 / 14)
    with pytest.raises(EstimationError, match="unknown replicate method 'brr'"):
        replicate_weights(prep, "brr")
    lonely = apiclus1.assign(stype=np.where(apiclus1["dnum"] == apiclus1["dnum"].iloc[0], "X", "Y"))
    with pytest.raises(EstimationError, match="stratum X has a single PSU"):
        replicate_weights(Design("pw", "stype", "dnum").prepare(lonely))
