"""Benchmark: weighting and design-based estimates for 1,000,000 respondents, survey vs svy.

Issue 4, item 7 ("Speed") and its "Done when" line: raking + post-stratification +
overall and by-district estimates for 1M respondents in under 0.6 s in total, at
least 4× faster than svy 0.35 on the same steps measured side by side, peak memory
under 1.5 GB, and the two agreeing on every weight total, estimate and SE to 4
significant digits.

Run from the repository root (svy is installed only for the benchmark, it is not a
dependency of ``survey``)::

    pip install "svy==0.35.*"          # optional; without it only survey's figures are printed
    python benchmarks/bench_weighting.py [--n 1000000] [--repeat 5] [--seed 20240601]

Steps, each timed ``--repeat`` times after one untimed warm-up call (imports,
caches), reporting the MEDIAN:

(a) raking to three margins (district, gender, age group), base weight 1;
(b) post-stratification on district, base weight 1;
(c) overall proportion "satisfied" with Taylor SE and logit interval;
(d) the same by district (the call also returns the overall row).

Estimates (c, d) use the raked weights of (a) as fixed weights in a design
stratified by district, with replacement (no fpc) — R's
``svydesign(id=~1, strata=~district, weights=~w)``. svy is given the same design
(a fresh ``svy.Sample`` with its own raked weight column as the design weight), so it
does not credit the raking in the variance, which survey does not do either.

Not collected by pytest (the file is bench_*.py and lives outside tests/).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

# Run from a checkout without installing: make ``survey`` importable from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey.stats.design import Design
from survey.stats.estimate import estimate_column
from survey.stats.weights import poststratify, rake

DISTRICTS = [f"D{i:02d}" for i in range(1, 13)]
GENDERS = ["F", "M"]
AGES = ["18-34", "35-49", "50-64", "65+"]
N_ITEMS = 20
TOL = 1e-8          # raking tolerance given to both sides (largest relative margin error)
MAX_ITER = 100
CI_METHOD = "logit"  # survey's logit = svy's default prop interval = R svyciprop(method="logit")
SIG = 5e-5           # "agree to 4 significant digits": relative difference below 5e-5


# ----------------------------------------------------------------------------- data

def generate(n: int, seed: int):
    """A seeded survey of n respondents (vectorised) and consistent population targets.

    The sample over-represents some districts, women and older people relative to the
    population, so raking and post-stratification change the weights substantially.
    Items are five-point codes 1..5 (1 = very satisfied); "satisfied" is item 1 ≤ 2.
    """
    rng = np.random.default_rng(seed)
    # Population: 12 districts, gender and age shares; sample composition differs.
    pop_district_share = rng.dirichlet(np.full(12, 8.0))
    smp_district_share = rng.dirichlet(np.full(12, 4.0))
    district = rng.choice(12, size=n, p=smp_district_share).astype(np.int8)
    gender = (rng.random(n) < 0.42).astype(np.int8)                       # 42% men in the sample
    age = rng.choice(4, size=n, p=[0.14, 0.26, 0.32, 0.28]).astype(np.int8)

    # A respondent's general satisfaction depends on district, gender and age, so
    # weighting moves the estimates.
    latent = (rng.normal(0, 0.6, 12)[district] + np.array([0.0, -0.15])[gender]
              + np.array([-0.3, -0.1, 0.1, 0.3])[age] + rng.normal(0, 0.8, n).astype(np.float32))
    data = {
        "district": pd.Series(np.asarray(DISTRICTS, dtype=object)[district], dtype="str"),
        "gender": pd.Series(np.asarray(GENDERS, dtype=object)[gender], dtype="str"),
        "age": pd.Series(np.asarray(AGES, dtype=object)[age], dtype="str"),
    }
    for j in range(1, N_ITEMS + 1):  # a loop over 20 items, each vectorised over respondents
        score = 2.0 - latent + rng.normal(0, 0.7, n).astype(np.float32)
        data[f"q{j:02d}"] = np.clip(np.rint(score), 1, 5).astype(np.int8)
    df = pd.DataFrame(data)
    df["satisfied"] = (df["q01"] <= 2).astype(np.int8)

    # Population targets with one common total (whole persons).
    total = 12_345_678.0
    district_n = np.floor(pop_district_share * total)
    district_n[-1] = total - district_n[:-1].sum()
    gender_n = np.array([np.floor(0.51 * total), 0.0])
    gender_n[1] = total - gender_n[0]
    age_n = np.floor(np.array([0.27, 0.28, 0.26, 0.19]) * total)
    age_n[-1] = total - age_n[:-1].sum()
    margins = {
        "district": pd.Series(district_n, index=DISTRICTS),
        "gender": pd.Series(gender_n, index=GENDERS),
        "age": pd.Series(age_n, index=AGES),
    }
    return df, margins


# ----------------------------------------------------------------------------- timing helpers

def median_time(fn, repeat: int):
    """One untimed warm-up call, then the median of ``repeat`` timed calls; returns (median, last result)."""
    out = fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def traced_peak(fn) -> float:
    """Peak of the memory allocations tracemalloc sees during one call (MB).

    numpy arrays and Python objects are traced; memory allocated inside Arrow or Rust
    (pandas' string columns, polars, svy-rs) is not, so use it for survey only.
    """
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 2**10


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(scale > 0, np.abs(a - b) / scale, 0.0)
    return float(np.max(d))


# ----------------------------------------------------------------------------- survey side

def survey_steps(df: pd.DataFrame, margins: dict):
    """The four steps with survey, as closures over the data (each returns its result)."""
    state = {}

    def step_rake():
        return rake(df, margins, tol=TOL, max_iter=MAX_ITER)

    def step_poststratify():
        return poststratify(df, "district", margins["district"])

    def step_overall():
        return estimate_column(state["est_data"], "satisfied", design=state["design"], ci_method=CI_METHOD,
                               prepared=state["prepared"])

    def step_by_district():
        return estimate_column(state["est_data"], "satisfied", design=state["design"], by="district",
                               ci_method=CI_METHOD, prepared=state["prepared"])

    return state, [("(a) rake: district, gender, age", step_rake),
                   ("(b) post-stratify: district", step_poststratify),
                   ("(c) overall proportion, SE, CI", step_overall),
                   ("(d) by-district proportion, SE, CI", step_by_district)]


def run_survey(df, margins, repeat):
    state, steps = survey_steps(df, margins)
    times, runs, results = {}, {}, {}
    for name, fn in steps:
        if name.startswith("(c)"):
            # Estimation data: the respondents plus the raked weights of (a).
            state["est_data"] = df[["district", "satisfied"]].assign(w=results[steps[0][0]].weights.to_numpy())
            state["design"] = Design(weights="w", strata="district")
            # the design resolved once (weights checked, strata factorised), as svy builds its Sample once;
            # every estimate reuses its codes (issue 15 item 4). Timed and printed beside svy's Sample.
            t0 = time.perf_counter()
            state["prepared"] = state["design"].prepare(state["est_data"])
            state["prepare_time"] = time.perf_counter() - t0
        times[name], runs[name], results[name] = median_time(fn, repeat)
    rss = maxrss_mb()
    peaks = {name: traced_peak(fn) for name, fn in steps}
    return times, runs, results, rss, peaks, state["prepare_time"]


# ----------------------------------------------------------------------------- svy side

def run_svy(df, margins, repeat):
    import polars as pl
    import svy

    base = pl.from_pandas(df[["district", "gender", "age", "satisfied"]]).with_columns(pl.lit(1.0).alias("base"))
    sample = svy.Sample(base, svy.Design(wgt="base"))
    controls = {v: {str(k): float(x) for k, x in t.items()} for v, t in margins.items()}
    state = {}

    def step_rake():
        return sample.weighting.rake(controls=controls, tol=TOL, max_iter=MAX_ITER, wgt_name="rk_wgt")

    def step_poststratify():
        return sample.weighting.poststratify(controls=controls["district"], cells="district", wgt_name="ps_wgt")

    def step_overall():
        return state["sample"].estimation.prop("satisfied", ci_method=CI_METHOD)

    def step_by_district():
        return state["sample"].estimation.prop("satisfied", by="district", ci_method=CI_METHOD)

    steps = [step_rake, step_poststratify, step_overall, step_by_district]
    times, runs, results = [], [], []
    for i, fn in enumerate(steps):
        if i == 2:
            # Same design as survey's: svy's raked weights as a plain design weight,
            # strata = district (no adjustment record, so weights are taken as fixed).
            w = results[0].data["rk_wgt"].to_numpy()
            est = pl.DataFrame({"district": base["district"], "satisfied": base["satisfied"], "w": w})
            t0 = time.perf_counter()
            state["sample"] = svy.Sample(est, svy.Design(stratum="district", wgt="w"))
            state["sample_build"] = time.perf_counter() - t0
        t, r, out = median_time(fn, repeat)
        times.append(t)
        runs.append(r)
        results.append(out)
    return times, runs, results, state["sample_build"], svy.__version__, pl.__version__


# ----------------------------------------------------------------------------- agreement

def agreement(df, margins, ours, theirs):
    """Rows (what, max relative difference) comparing survey's and svy's results."""
    rk, ps, e_all, e_by = ours
    s_rk, s_ps, s_all, s_by = theirs
    rows = []
    w_rk, w_rk_svy = rk.weights.to_numpy(), s_rk.data["rk_wgt"].to_numpy()
    w_ps, w_ps_svy = ps.weights.to_numpy(), s_ps.data["ps_wgt"].to_numpy()
    for label, a, b in (("rake", w_rk, w_rk_svy), ("post-stratify", w_ps, w_ps_svy)):
        rows.append((f"{label}: grand weight total", rel(a.sum(), b.sum())))
        for var in (["district", "gender", "age"] if label == "rake" else ["district"]):
            codes, levels = pd.factorize(df[var], sort=True)
            ta = np.bincount(codes, weights=a, minlength=len(levels))
            tb = np.bincount(codes, weights=b, minlength=len(levels))
            rows.append((f"{label}: weight totals by {var} ({len(levels)})", rel(ta, tb)))
        rows.append((f"{label}: every respondent's weight", rel(a, b)))

    def svy_rows(res, by=None):
        t = res.to_polars().filter(res.to_polars()["satisfied"].cast(str) == "1")
        if by:
            t = t.sort(by)
        return {c: t[c].to_numpy() for c in ("est", "se", "lci", "uci")}

    o = e_all.iloc[0]
    s = svy_rows(s_all)
    ob = e_by[e_by["domain"] == "district"].sort_values("level")
    sb = svy_rows(s_by, "district")
    for what, ours_col, svy_col in (("estimate", "estimate", "est"), ("SE", "se", "se"),
                                    ("CI low", "ci_low", "lci"), ("CI high", "ci_high", "uci")):
        rows.append((f"overall: {what}", rel(o[ours_col], s[svy_col][0])))
        rows.append((f"by district (12): {what}", rel(ob[ours_col].to_numpy(), sb[svy_col])))
    return rows, o, s


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="respondents (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed repetitions per step (median reported)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--no-svy", action="store_true", help="time survey only")
    args = ap.parse_args(argv)

    print(f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} CPU(s)")
    t0 = time.perf_counter()
    df, margins = generate(args.n, args.seed)
    print(f"generated {len(df):,} respondents × {df.shape[1]} columns ({N_ITEMS} items, district, gender, "
          f"age, satisfied) in {time.perf_counter() - t0:.2f} s; "
          f"data {df.memory_usage(deep=True).sum() / 2**20:.0f} MB; population {margins['district'].sum():,.0f}")
    rss_data = maxrss_mb()

    times, runs, ours, rss_survey, peaks, prepare_time = run_survey(df, margins, args.repeat)
    names = list(times)
    rk = ours[names[0]]
    print(f"\nsurvey: rake converged={rk.diagnostics.converged} in {rk.diagnostics.iterations} sweeps, "
          f"largest relative margin error {rk.diagnostics.history[-1]:.2e} (tol {TOL:g}); "
          "post-stratification is closed form (no tolerance)")

    svy_times = None
    svy_note = ""
    if not args.no_svy:
        try:
            svy_times, svy_runs, theirs, svy_build, svy_version, pl_version = run_svy(df, margins, args.repeat)
            svy_note = f"svy {svy_version} (polars {pl_version})"
        except ImportError as exc:
            svy_note = f"svy not available ({exc}); install it with: pip install 'svy==0.35.*'"
    rss_end = maxrss_mb()

    print(f"\nmedian of {args.repeat} runs after one warm-up, seconds"
          + (f"; {svy_note}" if svy_note else ""))
    head = f"{'step':38s} {'survey':>9s}"
    if svy_times:
        head += f" {'svy':>9s} {'svy/survey':>11s}"
    print(head)
    for i, name in enumerate(names):
        line = f"{name:38s} {times[name]:9.3f}"
        if svy_times:
            line += f" {svy_times[i]:9.3f} {svy_times[i] / times[name]:10.1f}×"
        print(line)
    total = sum(times.values())
    line = f"{'total':38s} {total:9.3f}"
    if svy_times:
        line += f" {sum(svy_times):9.3f} {sum(svy_times) / total:10.1f}×"
    print(line)
    print("all runs (s): survey " + "; ".join(f"{', '.join(f'{t:.3f}' for t in runs[n])}" for n in names))
    if svy_times:
        print("              svy    " + "; ".join(f"{', '.join(f'{t:.3f}' for t in r)}" for r in svy_runs))
        print(f"(the estimation design built once outside the timings: svy.Sample(...) {svy_build:.3f} s, "
              f"survey's Design.prepare(...) {prepare_time:.3f} s; both reused by (c) and (d))")
    elif svy_note:
        print(svy_note)

    print("\npeak memory")
    print(f"  process peak RSS (ru_maxrss) after generating the data:       {rss_data:8.0f} MB")
    print(f"  process peak RSS (ru_maxrss) after all survey steps:          {rss_survey:8.0f} MB   <- survey's peak")
    if svy_times:
        print(f"  process peak RSS (ru_maxrss) after the svy steps too:         {rss_end:8.0f} MB")
    for name in names:
        print(f"  survey {name:36s} tracemalloc peak {peaks[name]:7.1f} MB (numpy/Python allocations of one call)")

    print("\nconvergence tolerance")
    print(f"  survey rake: tol={TOL:g}, max_iter={MAX_ITER}: stops when max over margin levels of "
          "|achieved − target| / target ≤ tol (survey's default tol is 1e-8)")
    if svy_times:
        print(f"  svy rake:    tol={TOL:g}, max_iter={MAX_ITER}: the same criterion, largest relative misfit "
              "|achieved − target| / target over every margin level (svy's default tol is 1e-4)")
        print("  post-stratification: closed form on both sides (no iterations, no tolerance)")

    ok = True
    if svy_times:
        rows, o, s = agreement(df, margins, [ours[n] for n in names], theirs)
        print(f"\nagreement survey vs svy (max relative difference; pass = below {SIG:g}, 4 significant digits)")
        for what, d in rows:
            good = d < SIG
            ok &= good
            print(f"  {what:46s} {d:10.2e}  {'ok' if good else 'DIFFERENT'}")
        print(f"  overall satisfied: survey {o['estimate']:.6f} (SE {o['se']:.6f}, {o['ci_method']} "
              f"{o['ci_low']:.6f}–{o['ci_high']:.6f}); svy {s['est'][0]:.6f} (SE {s['se'][0]:.6f}, "
              f"logit {s['lci'][0]:.6f}–{s['uci'][0]:.6f})")

    print("\nissue 4 'Done when'")
    checks = [("total under 0.6 s", total < 0.6, f"{total:.3f} s"),
              ("peak memory under 1.5 GB", rss_survey < 1536, f"{rss_survey:.0f} MB")]
    if svy_times:
        checks.insert(1, ("at least 4× faster than svy", sum(svy_times) / total >= 4,
                          f"{sum(svy_times) / total:.1f}×"))
        checks.append(("agreement to 4 significant digits", ok, "every row above"))
    for what, good, fig in checks:
        print(f"  {what:36s} {'yes' if good else 'NO':4s} ({fig})")
    print("\nissue 15 'Done when'")
    checks = [("total ≤ 0.2 s", total <= 0.2, f"{total:.3f} s")]
    if svy_times:
        worst = max(d for _, d in rows)
        checks += [("at least 15× faster than svy", sum(svy_times) / total >= 15, f"{sum(svy_times) / total:.1f}×"),
                   ("estimates agree to 1e-9", worst <= 1e-9, f"largest relative difference {worst:.1e}")]
    for what, good, fig in checks:
        print(f"  {what:36s} {'yes' if good else 'NO':4s} ({fig})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
