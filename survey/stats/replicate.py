"""Replicate-weight variance: jackknife and the Rao–Wu bootstrap, an alternative to Taylor.

:func:`replicate_design` builds a :class:`ReplicateDesign` once — the full-sample
weights and a matrix of replicate weights, re-calibrated per replicate when the
design is calibrated — or takes ready-made replicate weights (R's
``svrepdesign(repweights=)``); :func:`replicate_estimate` estimates any statistic
from it (mean, proportion, total, ratio, quantile) without rebuilding it, and
returns the same tidy table as the Taylor estimators, so the two compare side by side.

- ``jackknife`` — JK1 without strata, JKn with strata (Rust & Rao 1996): replicate
  (h, j) drops PSU j of stratum h and multiplies the other PSUs of h by
  n_h / (n_h − 1); V = Σ c_hj (θ_hj − θ)² with c_hj = (1 − f_h)(n_h − 1) / n_h.
  As R ``as.svrepdesign(type="JK1"/"JKn")`` (which also applies 1 − f_h). A
  certainty stratum (one PSU, f = 1) has no replicate and adds no variance.
- ``bootstrap`` — Rao & Wu (1988) rescaling bootstrap with m_h = n_h − 1: in each
  stratum n_h − 1 PSUs are drawn with replacement and a PSU drawn k times has its
  weights multiplied by k · n_h / (n_h − 1); V = Σ_r (θ_r − θ)² / R. Seeded, so a
  rerun gives the same SE. Finite population correction is not applied.

Calibrated designs (``Design(calibration=…)``): every replicate starts from the
weights before calibration (``calibration_base``) times its multipliers and is
post-stratified (one variable) or raked (several) to the population totals the
full-sample weights reproduce — R's ``postStratify`` / ``rake`` applied to an
``svrepdesign``. A replicate variance that ignored the calibration would be the
variance of uncalibrated weights.

Intervals: a proportion gets the same methods as Taylor (``ci_method``) on the
effective n from the replicate variance (Kish's at 0 % / 100 %); a mean, total or
ratio gets est ± q·SE with q normal (``df=None``, R's ``confint``) or Student t on
the replicate design's degrees of freedom (``df="design"``; R's
``confint(df=degf(design))``). Quantiles: the quantile of each replicate's weighted
distribution, SE from their spread, interval est ± q·SE (R's
``svyquantile(..., interval.type="quantile")`` on a replicate design).

A replicate matrix is units × replicates (8 bytes each): fine for surveys of a few
thousand respondents; for very large files use the Taylor estimators.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.definitions.patterns import pattern_problem
from survey.definitions.vocab import OVERALL, OVERALL_LEVEL, REPWEIGHT_TYPES
from survey.errors import EstimationError, choice_error
from survey.stats.design import Design, Prepared

REPLICATE_METHODS = ("jackknife", "bootstrap")
REPLICATE_STATS = ("mean", "total", "ratio", "quantile")


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights (units × replicates) with the scale of each replicate in the variance."""

    method: str
    weights: np.ndarray = field(repr=False)   # units × replicates
    scale: np.ndarray = field(repr=False)     # c_r per replicate: V = Σ c_r (θ_r − θ)²
    seed: int | None = None

    @property
    def replicates(self) -> int:
        return self.weights.shape[1]


@dataclass(frozen=True)
class ReplicateDesign:
    """Full-sample weights, replicate weights and how to turn their spread into a variance.

    Built once (:func:`replicate_design`); every estimate reuses it.
    """

    prep: Prepared
    method: str
    weights: np.ndarray = field(repr=False)     # units × replicates, calibrated when the design is
    scale: np.ndarray = field(repr=False)       # c_r
    df: int = 1                                 # degrees of freedom for t intervals
    mse: bool = False
    calibrated: bool = False
    seed: int | None = None

    @property
    def replicates(self) -> int:
        return self.weights.shape[1]

    def variance(self, full: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """V = Σ_r c_r (θ_r − centre)² per column of ``reps`` (replicates × statistics).

        The centre is the mean of the replicates, or the full-sample estimate with
        ``mse=True`` (R's ``svrepdesign(mse=)``).
        """
        reps = np.atleast_2d(reps)
        ok = np.isfinite(reps)
        with np.errstate(invalid="ignore"):
            centre = np.where(self.mse, full, np.nanmean(np.where(ok, reps, np.nan), axis=0))
        dev = np.where(ok, reps - centre, 0.0)
        return self.scale @ (dev * dev)


def replicate_weights(prep: Prepared, method: str = "jackknife", *, replicates: int = 500,
                      seed: int = 20211215, base: np.ndarray | None = None) -> ReplicateWeights:
    """Replicate weights of a prepared design (see the module docstring for the formulas).

    ``base`` are the weights the multipliers apply to (default: the design weights).

    Examples
    --------
    JK1 on a simple random sample of five: replicate r drops unit r and multiplies the
    others by n/(n − 1) = 1.25; each replicate's scale is (n − 1)/n = 0.8.

    >>> from survey.stats.design import prepare
    >>> rw = replicate_weights(prepare(pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0]}), Design()))
    >>> rw.weights[:, 0].tolist(), rw.scale.tolist()
    ([0.0, 1.25, 1.25, 1.25, 1.25], [0.8, 0.8, 0.8, 0.8, 0.8])
    """
    if method not in REPLICATE_METHODS:
        raise choice_error(EstimationError, "replicate method", method, REPLICATE_METHODS)
    lonely = (prep.n_psu < 2) & (prep.f < 1)
    if lonely.any():
        h = int(np.flatnonzero(lonely)[0])
        raise EstimationError(f"stratum {prep.strata_labels[h]} has a single PSU: no replicate can drop it",
                              column=prep.design.strata, hint="merge it with a neighbouring stratum")
    w = prep.w if base is None else base
    varies = prep.n_psu[prep.psu_stratum] >= 2            # certainty PSUs (alone, f = 1) get no replicate
    n_p = len(prep.psu_stratum)
    nh = prep.n_psu[prep.psu_stratum].astype(float)       # n_h of each PSU's stratum
    if method == "jackknife":
        keep = np.flatnonzero(varies)
        if len(keep) * prep.n > 5e8:
            raise EstimationError(f"a jackknife of {len(keep)} PSUs × {prep.n} units is too large for memory",
                                  hint="use the Taylor estimators, or the bootstrap with fewer replicates")
        # PSU-level multipliers: replicate r (= PSU r) zeroes PSU r, scales its stratum mates.
        same = prep.psu_stratum[:, None] == prep.psu_stratum[None, keep]   # PSU × replicate
        with np.errstate(divide="ignore"):
            mult = np.where(same, (nh[keep] / (nh[keep] - 1))[None, :], 1.0)
        mult[keep, np.arange(len(keep))] = 0.0
        scale = ((1 - prep.f[prep.psu_stratum]) * (nh - 1) / nh)[keep]
        return ReplicateWeights(method, w[:, None] * mult[prep.psu], scale)
    rng = np.random.default_rng(seed)
    mult = np.empty((n_p, replicates))  # every row is written once below (a 100k × 200 matrix is 160 MB)
    for h in range(len(prep.n_psu)):
        members = np.flatnonzero(prep.psu_stratum == h)
        n = len(members)
        if n < 2:
            mult[members] = 1.0
            continue
        draws = rng.integers(0, n, size=(replicates, n - 1))  # m_h = n_h − 1 draws per replicate
        # times each PSU is drawn in each replicate: one bincount over (replicate, PSU) cells, a replicate's
        # n_h cells side by side (its draws fall in one small block: a third faster than PSU-major cells)
        draws += (np.arange(replicates) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=n * replicates).reshape(replicates, n)
        mult[members] = counts.T * (n / (n - 1))
    if n_p == prep.n and (prep.psu == np.arange(n_p)).all():  # every unit its own PSU: no gather, no copy
        mult *= w[:, None]
        return ReplicateWeights(method, mult, np.full(replicates, 1.0 / replicates), seed)
    return ReplicateWeights(method, w[:, None] * mult[prep.psu], np.full(replicates, 1.0 / replicates), seed)


def recalibrate(weights: np.ndarray, codes: tuple[np.ndarray, ...], targets: list[np.ndarray], *,
                tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """Rake every column of ``weights`` (units × replicates) to the same category totals.

    One variable is post-stratification (exact in one pass); several are raked by
    iterative proportional fitting, all replicates at once (group sums are a sparse
    product). A category a replicate leaves empty keeps its zero weights.

    Examples
    --------
    Two replicates post-stratified to the category totals 10 and 30:

    >>> W = recalibrate(np.array([[1.0, 2.0], [1.0, 1.0], [2.0, 1.0], [2.0, 2.0]]), (np.array([0, 0, 1, 1]),),
    ...                 [np.array([10.0, 30.0])])
    >>> W.round(4).tolist()
    [[5.0, 6.6667], [5.0, 3.3333], [15.0, 10.0], [15.0, 20.0]]
    """
    from scipy import sparse

    n = weights.shape[0]
    ind = [sparse.csr_matrix((np.ones(n), (c, np.arange(n))), shape=(len(t), n)) for c, t in zip(codes, targets)]
    W = weights.copy()
    for _ in range(max_iter):
        worst = 0.0
        for c, t, X in zip(codes, targets, ind):
            sums = X @ W                                         # categories × replicates
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(sums > 0, t[:, None] / sums, 1.0)
            worst = max(worst, float(np.max(np.abs(factor - 1), initial=0.0)))
            W *= factor[c]
        if worst <= tol or len(codes) == 1:
            break
    else:
        raise EstimationError("replicate weights could not be raked to the calibration totals",
                              got=f"largest relative margin error {worst:.3g} after {max_iter} sweeps",
                              hint="check the calibration columns, or use the Taylor variance")
    return W


def repweight_columns(columns, spec: list[str] | tuple[str, ...]) -> list[str]:
    """The replicate-weight columns named by ``spec``: column names, or one regular expression.

    As R's ``svrepdesign(repweights=)``: a single text that is not a column is matched
    against the column names (``"b[0-9]+"`` → b1 … b50, in the file's order).

    >>> repweight_columns(["id", "w", "r1", "r2", "r10"], ["r[0-9]+"])
    ['r1', 'r2', 'r10']
    """
    import re

    columns = [str(c) for c in columns]
    if len(spec) == 1 and spec[0] not in columns:
        try:
            pattern = re.compile(spec[0])
        except re.error as exc:
            raise EstimationError(f"replicate weights '{spec[0]}' are neither a column nor a pattern ({exc})",
                                  hint="name the columns (repeat --repweights) or give a regular expression") from None
        if bad := pattern_problem(spec[0]):  # (b+)+ on a long column name would never end
            raise EstimationError(f"replicate weights: {bad}",
                                  hint="name the columns (repeat --repweights), or a pattern such as b[0-9]+")
        found = [c for c in columns if pattern.fullmatch(c)]
        if not found:
            raise EstimationError(f"no column matches the replicate weights '{spec[0]}'", got=", ".join(columns[:12]),
                                  hint="name the columns (repeat --repweights) or give a regular expression")
        return found
    missing = [c for c in spec if c not in columns]
    if missing:
        raise EstimationError(f"no replicate-weight column '{missing[0]}'", column=missing[0],
                              expected="one of " + ", ".join(columns[:12]))
    return list(spec)


def repweight_scale(kind: str, replicates: int) -> float:
    """The scale c of ``replicates`` ready-made replicates of a kind, as R ``svrepdesign(type=)`` sets it.

    R survey 4.1.1: bootstrap 1/(R − 1), JK1 (R − 1)/R, BRR 1/R, successive-difference and
    ACS 4/R (``svrepdesign(...)$scale``).

    >>> repweight_scale("bootstrap", 50), repweight_scale("JK1", 4), repweight_scale("BRR", 4)
    (0.02040816326530612, 0.75, 0.25)
    """
    if kind not in REPWEIGHT_TYPES:
        raise choice_error(EstimationError, "replicate-weight type", kind, REPWEIGHT_TYPES)
    if replicates < 2:
        raise EstimationError("ready-made replicate weights need at least two replicates", got=str(replicates))
    return {"bootstrap": 1 / (replicates - 1), "JK1": (replicates - 1) / replicates, "BRR": 1 / replicates,
            "successive-difference": 4 / replicates, "ACS": 4 / replicates}[kind]


def replicate_design(data: pd.DataFrame, design: Design | None = None, method: str = "jackknife", *,
                     replicates: int = 500, seed: int = 20211215, mse: bool = False,
                     repweights: list[str] | np.ndarray | None = None, scale: float | np.ndarray | None = None,
                     df: int | None = None) -> ReplicateDesign:
    """A replicate design built once: jackknife/bootstrap weights, or ready-made ones.

    ``repweights`` (column names or a units × replicates array) and ``scale`` (c, one
    number or one per replicate) take replicate weights made elsewhere, as R's
    ``svrepdesign(repweights=, scale=, rscales=)`` with ``combined.weights=TRUE``; the
    degrees of freedom are then the rank of the replicate matrix − 1, as R computes.
    Given replicates of a calibrated design are the uncalibrated ones: they are
    re-calibrated like built ones (R: ``postStratify``/``rake`` on the ``svrepdesign``).
    With ``design.calibration`` the built replicates are re-calibrated (module docstring).

    Examples
    --------
    A jackknife of five respondents: five replicates, n − 1 = 4 degrees of freedom.

    >>> rep = replicate_design(pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0]}))
    >>> rep.method, rep.replicates, rep.df, rep.calibrated
    ('jackknife', 5, 4, False)
    """
    design = design or Design()
    prep = design.prepare(data)
    if prep.calibration_x is not None:
        raise EstimationError("replicate weights are not re-calibrated to numeric totals here",
                              column=design.calibration_numeric[0],
                              hint="use the Taylor variance (--variance taylor), which accounts for them")
    calibrated = bool(prep.calibration_codes)
    targets = ([np.bincount(c, weights=prep.w, minlength=int(c.max()) + 1) for c in prep.calibration_codes]
               if calibrated else [])
    if repweights is not None:
        W = (data[list(repweights)].to_numpy(float) if not isinstance(repweights, np.ndarray)
             else np.asarray(repweights, float))
        if W.shape[0] != prep.n or not np.isfinite(W).all():
            raise EstimationError("replicate weights must be finite numbers, one row per unit",
                                  got=f"{W.shape}", expected=f"({prep.n}, replicates)")
        if scale is None:
            raise EstimationError("ready-made replicate weights need their scale",
                                  hint="e.g. JK1: (R−1)/R; bootstrap: 1/R; BRR: 1/R (R's svrepdesign scale=)")
        c = np.broadcast_to(np.asarray(scale, float), (W.shape[1],)).copy()
        rank = int(np.linalg.matrix_rank(W, tol=1e-5 * np.abs(W).max()))
        if calibrated:  # given uncalibrated replicates, then postStratify/rake on the svrepdesign
            W = recalibrate(W, prep.calibration_codes, targets)
        return ReplicateDesign(prep, "given", W, c, df if df is not None else max(rank - 1, 1), mse, calibrated,
                               None)
    rw = replicate_weights(prep, method, replicates=replicates, seed=seed,
                           base=prep.base if calibrated else None)
    W = rw.weights
    if calibrated:
        W = recalibrate(W, prep.calibration_codes, targets)
    return ReplicateDesign(prep, method, W, rw.scale, df if df is not None else max(prep.df, 1), mse,
                           calibrated, rw.seed)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, p: float) -> np.ndarray:
    """Smallest x with F̂(x) ≥ p for each column of ``weights`` (R's ``qrule="math"``).

    F̂ is the weighted empirical distribution of ``values``; a unit with weight 0 does not
    count. Missing values are the caller's to drop (:func:`replicate_estimate` does): a NaN
    sorts last but its weight still counts in F̂.

    Examples
    --------
    The median of 1, 2, 3, 4 under two weightings (one per column):

    >>> weighted_quantile(np.array([3.0, 1.0, 2.0, 4.0]), np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 5.0]]), 0.5)
    array([2., 4.])
    """
    order = np.argsort(values, kind="stable")
    x = values[order]
    Wm = np.atleast_2d(weights.T).T[order]                     # units × columns
    cum = np.cumsum(Wm, axis=0)
    total = cum[-1]
    idx = (cum < p * total[None, :] * (1 - 1e-12)).sum(axis=0)  # first index with F ≥ p
    return x[np.minimum(idx, len(x) - 1)]


def _domains(data: pd.DataFrame, by: str | None, n: int):
    out = [(OVERALL, OVERALL_LEVEL, np.ones(n, dtype=bool))]
    if by is not None:
        for level in sorted(data[by].dropna().astype(str).unique()):
            out.append((by, level, (data[by].astype(str) == level).to_numpy()))
    return out


def replicate_estimate(data: pd.DataFrame, var: str, *, design: Design | None = None, by: str | None = None,
                       stat: str = "mean", method: str = "jackknife", replicates: int = 500,
                       seed: int = 20211215, alpha: float = 0.05, mse: bool = False, ci_method: str = "wilson",
                       df: str | None = None, quantile: float = 0.5, denominator: str | None = None,
                       rep: ReplicateDesign | None = None) -> pd.DataFrame:
    """Mean/proportion, total, ratio (``denominator=``) or quantile of a numeric column with a replicate SE.

    ``rep`` reuses a :class:`ReplicateDesign` (built by :func:`replicate_design` when
    not given). ``stat="quantile"`` with ``quantile=0.5`` is the median. Returns the
    columns of :data:`survey.stats.estimate.ESTIMATE_COLUMNS` plus the interval's
    ``ci_df`` and ``ci_note``; ``ci_method`` names the interval and the replicates.

    Examples
    --------
    On a simple random sample the JK1 standard error of a mean is the textbook s/√n:
    for 1 … 5, √(2.5/5) = 0.7071.

    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> row = replicate_estimate(d, "y").iloc[0]
    >>> float(row["estimate"]), round(float(row["se"]), 4), row["ci_method"]
    (3.0, 0.7071, 'normal_jackknife')
    >>> row = replicate_estimate(d, "y", df="design").iloc[0]     # t on the 4 replicate df
    >>> round(float(row["ci_low"]), 4), round(float(row["ci_high"]), 4), row["ci_method"]
    (1.0368, 4.9632, 't_jackknife')
    """
    from survey.stats.estimate import ESTIMATE_COLUMNS, check_finite, check_interval_args, interval_rows
    check_interval_args(alpha, ci_method)
    if stat not in REPLICATE_STATS:
        raise choice_error(EstimationError, "statistic", stat, REPLICATE_STATS)
    for col in (var, by, denominator):
        if col is not None and col not in data.columns:
            raise EstimationError(f"no column '{col}' in the data",
                                  expected="one of " + ", ".join(map(str, data.columns[:30])))
    if (stat == "ratio") != (denominator is not None):
        raise EstimationError("a ratio needs its denominator column, and only a ratio takes one",
                              got=f"stat={stat}, denominator={denominator}")
    if stat == "quantile" and not 0 < quantile < 1:
        raise EstimationError("quantile must be between 0 and 1", got=quantile)
    rep = rep or replicate_design(data, design, method, replicates=replicates, seed=seed, mse=mse)
    w = rep.prep.w
    numeric = pd.to_numeric(data[var], errors="coerce")
    check_finite(data, var, numeric)  # inf, or a number whose square overflows
    y = numeric.to_numpy(float)
    text = data[var].notna().to_numpy() & ~np.isfinite(y)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        raise EstimationError(f"column '{var}' is not numeric: replicate estimates take numbers or 0/1",
                              column=var, got=data[var].iloc[i],
                              hint="code the category as a 0/1 column, or use the Taylor variance")
    a = np.isfinite(y).astype(float)
    if denominator is not None:
        x = pd.to_numeric(data[denominator], errors="coerce").to_numpy(float)
        a = a * np.isfinite(x)
    y = np.where(a > 0, y, 0.0)
    den = np.where(a > 0, x, 0.0) if denominator is not None else a
    is_prop = stat == "mean" and denominator is None and set(np.unique(y[a > 0])) <= {0.0, 1.0}
    rows = []
    for domain, level, mask in _domains(data, by, len(y)):
        ad = a * mask
        if stat == "quantile":
            use = ad > 0
            est = weighted_quantile(y[use], w[use], quantile)[0]
            reps = weighted_quantile(y[use], rep.weights[use], quantile)
        else:
            yd, dd = y * mask, den * mask
            with np.errstate(divide="ignore", invalid="ignore"):
                est = w @ yd if stat == "total" else (w @ yd) / (w @ dd)
                reps = rep.weights.T @ yd if stat == "total" else (rep.weights.T @ yd) / (rep.weights.T @ dd)
        var_ = float(rep.variance(np.atleast_1d(est), np.asarray(reps, float)[:, None])[0])
        wu = w * (ad > 0)
        n = float(ad.sum())
        n_kish = wu.sum() ** 2 / (wu * wu).sum() if n else np.nan
        # Quantiles: est ± t_df·SE (R's interval.type="quantile" on a replicate design, df = degf).
        q_df = df if df is not None or stat != "quantile" else "design"
        row = interval_rows(np.array([est]), np.array([var_]), np.array([n]), np.array([n_kish]), rep.df,
                            proportion=is_prop, alpha=alpha, method=ci_method, df=q_df, tag=f"_{rep.method}")[0]
        if stat == "quantile":
            row["ci_note"] = "qrule=math, interval.type=quantile"
        label = stat if stat != "quantile" else f"q{quantile:g}"
        name = var if denominator is None else f"{var}/{denominator}"
        rows.append(dict(questionnaire="", measure=name, label=label, domain=domain, level=level, deff=np.nan,
                         **row))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
