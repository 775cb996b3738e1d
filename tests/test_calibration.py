"""Calibration to categorical and numeric totals (GREG, raking ratio, logit) against R survey 4.1.1.

R 4.x, survey 4.1.1, the help page of ``calibrate``:
    dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    pop.totals <- c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.errors import WeightingError
from survey.stats.calibration import calibrate_totals
from survey.stats.design import Design
from survey.stats.estimate import estimate_column

TOTALS = {"stype": pd.Series({"E": 6194 - 755 - 1018, "H": 755, "M": 1018}), "api99": 3914069}


@pytest.mark.parametrize("distance, bounds, mean, mean_se, total, total_se", [
    # g <- calibrate(dclus1, ~stype+api99, pop.totals); svymean(~api00, g); svytotal(~enroll, g)
    ("linear", None, 665.30907, 3.44175, 3638487.2, 385524.43),
    # calibrate(..., calfun="raking")
    ("raking", None, 665.3938, 3.43775, 3616588.6, 387618.63),
    # calibrate(..., bounds=c(0.6, 1.6), calfun="logit")
    ("logit", (0.6, 1.6), 665.40986, 3.41027, 3660490.1, 377994.93),
    # calibrate(..., bounds=c(0.6, 1.6))   (truncated linear)
    ("linear", (0.6, 1.6), 665.48495, 3.41839, 3662212.9, 378690.75),
])
def test_calibration_matches_r(apiclus1, distance, bounds, mean, mean_se, total, total_se):
    res = calibrate_totals(apiclus1, TOTALS, base="pw", distance=distance, bounds=bounds)
    assert res.diagnostics.converged and res.diagnostics.calibrated
    w = res.weights.to_numpy()
    # svytotal(~api99, g) -> 3914069, SE 0
    assert (w * apiclus1["api99"]).sum() == pytest.approx(3914069, rel=1e-10)
    if bounds:  # summary(weights(g)/weights(dclus1)) stays inside the bounds
        g = w / apiclus1["pw"].to_numpy()
        assert g.min() >= bounds[0] - 1e-9 and g.max() <= bounds[1] + 1e-9
    d = apiclus1.assign(wg=w)
    design = Design("wg", cluster="dnum", fpc="fpc", calibration=("stype",), calibration_numeric=("api99",),
                    calibration_base="pw")
    row = estimate_column(d, "api00", design=design).iloc[0]
    assert (row["estimate"], row["se"]) == pytest.approx((mean, mean_se), rel=2e-6)
    row = estimate_column(d, "enroll", design=design, stat="total").iloc[0]
    # R stops its Newton steps at epsilon=1e-7 (calibrate's default): its weights agree to ~1e-8
    assert (row["estimate"], row["se"]) == pytest.approx((total, total_se), rel=5e-8)


def test_calibration_errors(apiclus1):
    with pytest.raises(WeightingError, match="logit calibration needs bounds"):
        calibrate_totals(apiclus1, TOTALS, base="pw", distance="logit")
    with pytest.raises(WeightingError, match="unknown calibration distance 'chi'"):
        calibrate_totals(apiclus1, TOTALS, base="pw", distance="chi")
    with pytest.raises(WeightingError, match="do not list"):
        calibrate_totals(apiclus1, {"stype": pd.Series({"E": 10, "H": 5})}, base="pw")


def test_survey_weight_calibrates_to_numeric_totals(tmp_path, apiclus1):
    from click.testing import CliRunner

    from survey.cli import main

    data = tmp_path / "clus1.csv"
    apiclus1.to_csv(data, index=False)
    targets = tmp_path / "targets.csv"
    targets.write_text("variable,level,count\nstype,E,4421\nstype,H,755\nstype,M,1018\n", encoding="utf-8")
    out = tmp_path / "w.csv"
    res = CliRunner().invoke(main, ["weight", str(data), "--targets", str(targets), "--method", "calibrate",
                                    "--base", "pw", "--total", "api99=3914069", "--distance", "logit",
                                    "--bounds", "0.6", "1.6", "-o", str(out)])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)["weight"].to_numpy()
    # R: svytotal(~enroll, calibrate(dclus1, ~stype+api99, pop.totals, bounds=c(0.6,1.6), calfun="logit")) -> 3660490.1
    assert (w * apiclus1["enroll"].to_numpy()).sum() == pytest.approx(3660490.1, rel=5e-8)
    assert np.isclose((w * apiclus1["api99"].to_numpy()).sum(), 3914069)


def test_one_factor_per_cluster(apiclus1):
    # g <- calibrate(dclus1, ~stype+api99, pop.totals, aggregate.stage=1, calfun="raking")
    # range(weights(g)/weights(dclus1)) -> 0.2375523337 3.0050594953
    # svymean(~api00, g) -> 665.9568, SE 3.88267; svytotal(~enroll, g) -> 3181291.7, SE 195449.34
    res = calibrate_totals(apiclus1, TOTALS, base="pw", distance="raking", cluster="dnum")
    g = res.weights.to_numpy() / apiclus1["pw"].to_numpy()
    assert (g.min(), g.max()) == pytest.approx((0.2375523337, 3.0050594953), rel=1e-8)
    assert pd.Series(g).groupby(apiclus1["dnum"].to_numpy()).nunique().max() == 1 or \
        pd.Series(g).groupby(apiclus1["dnum"].to_numpy()).std().fillna(0).max() < 1e-12
    d = apiclus1.assign(wg=res.weights.to_numpy())
    design = Design("wg", cluster="dnum", fpc="fpc", calibration=("stype",), calibration_numeric=("api99",),
                    calibration_base="pw", calibration_aggregate=True)
    row = estimate_column(d, "api00", design=design).iloc[0]
    assert (row["estimate"], row["se"]) == pytest.approx((665.9568, 3.88267), rel=2e-6)
    row = estimate_column(d, "enroll", design=design, stat="total").iloc[0]
    assert (row["estimate"], row["se"]) == pytest.approx((3181291.7, 195449.34), rel=2e-8)
    # the linear distance gives negative weights here (R too: range -0.2235751053 2.8289098021): refused
    with pytest.raises(WeightingError, match="negative or zero weights"):
        calibrate_totals(apiclus1, TOTALS, base="pw", cluster="dnum")
