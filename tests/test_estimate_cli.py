"""`survey estimate` / `survey weight` options of issue 12, end to end, against R survey 4.1.1 values."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main

from .conftest import REF


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def clus1(tmp_path, apiclus1):
    path = tmp_path / "clus1.csv"
    apiclus1.merge(pd.read_csv(REF / "apiclus1_calibrated.csv"), on="cds").to_csv(path, index=False)
    return path


def table(res) -> pd.DataFrame:
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.output))


def test_estimate_quantile_and_ratio(clus1):
    # svyquantile(~api00, dclus1, 0.5, ci=TRUE) -> 652 [561, 714], se 35.66788270
    t = table(run("estimate", clus1, "--var", "api00", "--weights", "pw", "--cluster", "dnum", "--fpc", "fpc",
                  "--stat", "quantile", "--format", "csv"))
    assert (t.at[0, "estimate"], t.at[0, "ci_low"], t.at[0, "ci_high"]) == (652, 561, 714)
    assert t.at[0, "se"] == pytest.approx(35.66788270, rel=1e-8)
    # svyratio(~api.stu, ~enroll, dclus1) -> 0.8497087417, SE 0.008386297169
    t = table(run("estimate", clus1, "--var", "api.stu", "--denominator", "enroll", "--stat", "ratio",
                  "--weights", "pw", "--cluster", "dnum", "--fpc", "fpc", "--format", "csv"))
    assert (t.at[0, "estimate"], t.at[0, "se"]) == pytest.approx((0.8497087417, 0.008386297169), rel=1e-9)


def test_estimate_jackknife_after_post_stratification(clus1):
    # svytotal(~enroll, postStratify(as.svrepdesign(dclus1), ~stype, pop.types)) -> SE 473431.36
    t = table(run("estimate", clus1, "--var", "enroll", "--stat", "total", "--weights", "wps", "--cluster", "dnum",
                  "--fpc", "fpc", "--calibrated-on", "stype", "--base-weights", "pw", "--variance", "jackknife",
                  "--format", "csv"))
    assert t.at[0, "se"] == pytest.approx(473431.36, rel=1e-8)
    assert t.at[0, "ci_method"] == "normal_jackknife" and t.at[0, "ci_df"] == np.inf


def test_estimate_df_and_no_clip(clus1):
    # confint(svymean(~api00, dclus1), df=degf(dclus1)) -> 593.6763145 694.6624834
    t = table(run("estimate", clus1, "--var", "api00", "--weights", "pw", "--cluster", "dnum", "--fpc", "fpc",
                  "--df", "design", "--format", "csv"))
    assert (t.at[0, "ci_low"], t.at[0, "ci_high"]) == pytest.approx((593.6763145, 694.6624834), rel=1e-9)
    res = run("estimate", clus1, "--var", "api00", "--df", "lots")
    assert res.exit_code == 1 and "df must be 'design', 'normal' or a number" in res.output


def test_weight_trim_after_raking_warns(tmp_path):
    sample = np.array([[20, 40, 40], [50, 140, 310], [100, 50, 50], [30, 100, 70]])   # Kalton & Flores-Cervantes
    pop = np.array([[80, 40, 55], [60, 150, 340], [170, 60, 200], [55, 165, 125]])
    rows = [(i + 1, j + 1) for i in range(4) for j in range(3) for _ in range(sample[i, j])]
    data = tmp_path / "k.csv"
    pd.DataFrame(rows, columns=["a", "b"]).to_csv(data, index=False)
    targets = tmp_path / "t.csv"
    lines = ["variable,level,count"] + [f"a,{i + 1},{v}" for i, v in enumerate(pop.sum(1))] \
        + [f"b,{j + 1},{v}" for j, v in enumerate(pop.sum(0))]
    targets.write_text("\n".join(lines), encoding="utf-8")
    res = run("weight", data, "--targets", targets, "--trim-upper", "1.5", "-o", tmp_path / "w.csv")
    assert res.exit_code == 0, res.output
    assert "rake+trim" in res.output and "converged=True" in res.output
    assert "no longer calibrated" in res.output


def test_estimate_with_ready_made_replicate_weights(tmp_path, apiclus1):
    # R survey 4.1.1, d <- merge(apiclus1.csv, apiclus1_bootstrap.csv, by="cds") (50 bootstrap replicates, set.seed(42)):
    # svrepdesign(data=d, repweights="b[0-9]+", weights=~pw, type="bootstrap", combined.weights=TRUE)
    #   svymean(~api00, r) -> 644.1693989, SE 25.46587779; with mse=TRUE SE 25.5223296; degf(r) 14
    # svrepdesign(..., type="other", scale=0.02186588921, rscales=1): svytotal(~enroll) -> 3404940.135, SE 929587.3925
    path = tmp_path / "boot.csv"
    apiclus1.merge(pd.read_csv(REF / "apiclus1_bootstrap.csv"), on="cds").to_csv(path, index=False)
    t = table(run("estimate", path, "--var", "api00", "--weights", "pw", "--repweights", "b[0-9]+",
                  "--rep-type", "bootstrap", "--format", "csv"))
    assert (t.at[0, "estimate"], t.at[0, "se"]) == pytest.approx((644.1693989, 25.46587779), rel=1e-9)
    t = table(run("estimate", path, "--var", "api00", "--weights", "pw", "--repweights", "b[0-9]+",
                  "--rep-type", "bootstrap", "--mse", "--df", "design", "--format", "csv"))
    assert t.at[0, "se"] == pytest.approx(25.5223296, rel=1e-8) and t.at[0, "ci_df"] == 14
    names = [arg for k in range(1, 51) for arg in ("--repweights", f"b{k}")]
    t = table(run("estimate", path, "--var", "enroll", "--stat", "total", "--weights", "pw", *names,
                  "--rep-scale", "0.02186588921", "--format", "csv"))
    assert (t.at[0, "estimate"], t.at[0, "se"]) == pytest.approx((3404940.135, 929587.3925), rel=1e-9)
    res = run("estimate", path, "--var", "api00", "--weights", "pw", "--repweights", "b[0-9]+")
    assert res.exit_code == 1 and "--rep-type" in res.output and "Traceback" not in res.output
    res = run("estimate", path, "--var", "api00", "--repweights", "w[0-9]+", "--rep-type", "JK1")
    assert res.exit_code == 1 and "no column matches the replicate weights 'w[0-9]+'" in res.output
