"""Benchmark: 200 bootstrap replicates for 100,000 respondents, survey vs svy 0.35.

Issue 15 "Done when": create the replicate weights ≤ 0.4 s and one estimate from them
≤ 0.2 s, beside svy in the same run.

Data (seeded numpy): N respondents, 12 districts (the strata), each respondent its own
PSU, design weights N_h / n_h, a 0/1 ``satisfied`` and a 1–5 ``score``. Both sides build
Rao–Wu rescaling bootstrap weights (n_h − 1 PSUs drawn with replacement per stratum)
once, then estimate the mean of ``satisfied`` from them (centre: the replicates' mean,
V = Σ_r (θ_r − θ̄)² / R on both sides).

- survey: ``replicate_design(df, Design(weights="w", strata="district"), "bootstrap",
  replicates=200)``, then ``replicate_estimate(df, "satisfied", rep=rep)``;
- svy: ``Sample.weighting.create_bs_wgts(200)`` (rao-wu), then
  ``sample.estimation.mean("satisfied", method="replication")``.

The two draw different random replicates, so their SEs agree only to sampling error.
For an exact check the benchmark hands svy's own replicate columns to survey as
ready-made replicate weights (``replicate_design(..., repweights=, scale=1/R)``, R's
``svrepdesign(repweights=)``) and compares estimate and SE to 1e-9.

    pip install "svy==0.35.*"      # benchmark only, not a dependency
    python benchmarks/bench_replicate.py [--n 100000] [--replicates 200] [--repeat 5] [--no-svy]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey.stats.design import Design
from survey.stats.replicate import replicate_design, replicate_estimate

DISTRICTS = [f"D{i:02d}" for i in range(1, 13)]


def make_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    district = rng.choice(len(DISTRICTS), size=n, p=np.linspace(1, 2, len(DISTRICTS)) / np.linspace(1, 2, 12).sum())
    pop = np.round(np.bincount(district, minlength=12) * rng.uniform(20, 60, 12))
    w = (pop / np.bincount(district, minlength=12))[district]
    p = 0.80 + 0.015 * district
    return pd.DataFrame({"id": np.arange(n), "district": np.array(DISTRICTS)[district], "w": w,
                         "satisfied": (rng.random(n) < p).astype(float), "score": rng.integers(1, 6, n).astype(float)})


def median_time(fn, repeat: int):
    fn()  # warm-up
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def ours(df: pd.DataFrame, replicates: int, repeat: int, seed: int):
    design = Design(weights="w", strata="district")
    t_create, runs_c, rep = median_time(lambda: replicate_design(df, design, "bootstrap", replicates=replicates,
                                                                 seed=seed), repeat)
    t_est, runs_e, est = median_time(lambda: replicate_estimate(df, "satisfied", rep=rep), repeat)
    return t_create, t_est, runs_c, runs_e, est.iloc[0]


def theirs(df: pd.DataFrame, replicates: int, repeat: int, seed: int):
    import polars as pl
    import svy

    sample = svy.Sample(pl.from_pandas(df), svy.Design(stratum="district", psu="id", wgt="w"))
    t_create, runs_c, reps = median_time(lambda: sample.weighting.create_bs_wgts(replicates, rstate=seed), repeat)
    t_est, runs_e, est = median_time(lambda: reps.estimation.mean("satisfied", method="replication"), repeat)
    cols = [c for c in reps.data.columns if c not in df.columns and c.startswith("w") and c != "w"]
    return t_create, t_est, runs_c, runs_e, est, reps.data.select(cols).to_numpy(), svy.__version__


def svy_numbers(est) -> tuple[float, float]:
    frame = est.to_polars() if hasattr(est, "to_polars") else None
    if frame is not None:
        row = frame.row(0, named=True)
        return float(row["est"]), float(row["se"])
    return float(est.estimates[0].est), float(est.estimates[0].se)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--no-svy", action="store_true")
    args = ap.parse_args()
    df = make_data(args.n, args.seed)
    print(f"{args.n:,} respondents, 12 strata, {args.replicates} Rao–Wu bootstrap replicates; "
          f"Python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    c, e, rc, re_, row = ours(df, args.replicates, args.repeat, args.seed)
    print(f"median of {args.repeat} after one warm-up, seconds")
    lines = [("create replicate weights", c, rc), ("one estimate (mean of satisfied)", e, re_)]
    svy_res = None
    if not args.no_svy:
        try:
            svy_res = theirs(df, args.replicates, args.repeat, args.seed)
        except ImportError as exc:
            print(f"svy not installed ({exc}): survey's figures only")
    head = f"{'step':36s} {'survey':>8s}" + (f" {'svy ' + svy_res[6]:>10s} {'svy/survey':>10s}" if svy_res else "")
    print(head)
    for k, (name, t, runs) in enumerate(lines):
        extra = f" {svy_res[k]:10.3f} {svy_res[k] / t:9.1f}×" if svy_res else ""
        print(f"{name:36s} {t:8.3f}{extra}   runs {' '.join(f'{x:.3f}' for x in runs)}")
    print(f"survey: satisfied {row['estimate']:.6f}, bootstrap SE {row['se']:.6f}")
    if svy_res:
        s_est, s_se = svy_numbers(svy_res[4])
        print(f"svy:    satisfied {s_est:.6f}, bootstrap SE {s_se:.6f} (other random replicates: agree to sampling error)")
        given = replicate_design(df, Design(weights="w"), repweights=svy_res[5], scale=1.0 / svy_res[5].shape[1])
        g = replicate_estimate(df, "satisfied", rep=given).iloc[0]
        d_est, d_se = abs(g["estimate"] - s_est) / s_est, abs(g["se"] - s_se) / s_se
        ok = "ok" if max(d_est, d_se) < 1e-9 else "DIFFERENT"
        print(f"svy's replicate columns as survey's ready-made replicate weights: estimate rel. diff {d_est:.1e}, "
              f"SE rel. diff {d_se:.1e}  {ok}")
    print(f"issue 15 targets: create ≤ 0.4 s ({'met' if c <= 0.4 else 'not met'}), "
          f"one estimate ≤ 0.2 s ({'met' if e <= 0.2 else 'not met'})")


if __name__ == "__main__":
    main()
