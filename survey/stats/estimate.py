"""Estimates with design-based standard errors and honest intervals, overall and by domain.

Every estimate here is a ratio of weighted totals, R = Σ wᵢyᵢ / Σ wᵢaᵢ, with the
respondent as the unit; its variance is the Taylor-linearisation variance of the
design (:meth:`survey.stats.design.Prepared.variance`) with the influence values
zᵢ = wᵢ(yᵢ − R aᵢ) / Σ wᵢaᵢ. A mean is the ratio with aᵢ = 1, a proportion the mean
of a 0/1 variable; a total has zᵢ = wᵢyᵢ.

The satisfaction measures of a questionnaire (:mod:`survey.evaluation.measures`) are
such ratios; :func:`item_mean` is the mean of several item rates.

Intervals (``ci_method``):

- Unweighted counts without a design (``binomial=`` in :func:`estimate_rows`): the
  binomial interval on the answers (statsmodels' ``proportion_confint``: wilson — default —, beta
  (Clopper–Pearson), jeffreys, agresti_coull, normal (Wald, for comparison only)).
- Otherwise the same method on the *effective sample size*
  n_eff = R(1 − R) / Var(R) (Korn & Graubard 1998), reported as e.g. ``wilson_neff``;
  ``korn_graubard`` is Clopper–Pearson on n_eff × (t_{n−1} / t_df)², df the design
  degrees of freedom (as R ``svyciprop(method="beta")``); ``logit`` is
  logit(R) ± t_df · SE / (R(1 − R)) transformed back (R ``svyciprop(method="logit")``).
- At 0% or 100% the variance is zero and n_eff is undefined: every method then
  uses the Kish effective sample size (Σw)² / Σw² of the domain's respondents
  (divided by 1 − n/N̂ when the design has a finite population correction), and
  ``logit`` (undefined there) becomes Clopper–Pearson on it (``beta_kish``). No
  interval ever has zero width or NaN bounds.

``deff`` is Var(R) over the variance of the same estimate under simple random
sampling of the same number of respondents (without replacement when the design
has a finite population correction) — Kish's design effect, as R's ``deff=TRUE``.

Entry points: :func:`estimate_column` (means, proportions and totals of any column, R's
``svymean`` / ``svytotal`` / ``svyby``), and the engine :func:`ratio` + :func:`estimate_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.definitions.vocab import CI_METHODS, DESIGN_CI_METHODS, OVERALL, OVERALL_LEVEL, SRS_CI_METHODS, STATS
from survey.errors import EstimationError, choice_error, excel_row
from survey.stats.design import Design, Prepared

ESTIMATE_COLUMNS = ("questionnaire", "measure", "label", "domain", "level", "n", "n_eff",
                    "estimate", "se", "ci_low", "ci_high", "ci_method", "deff")
MISSING_TEXT = {"", "NA", "N/A", "#N/A", "NaN", "nan", "-", "—", "(空)", "（空）", "(跳过)", "（跳过）"}


# ----------------------------------------------------------------------------- intervals

def proportion_ci(count, nobs, alpha: float = 0.05, method: str = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Binomial interval for ``count`` successes of ``nobs`` (arrays allowed; nobs may be fractional).

    The 2021 staff rate, 379 satisfied of 389 (report.html: 95.33%–98.60%, Wilson):

    >>> lo, hi = proportion_ci(379, 389)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.9533, 0.986)
    """
    if method not in SRS_CI_METHODS:
        raise choice_error(EstimationError, "interval method", method, SRS_CI_METHODS)
    from statsmodels.stats.proportion import proportion_confint

    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    lo, hi = proportion_confint(count, nobs, alpha=alpha, method=method)
    lo, hi = np.clip(np.asarray(lo, dtype=float), 0, 1), np.clip(np.asarray(hi, dtype=float), 0, 1)
    # At x = n every interval reaches 1 and at x = 0 it starts at 0 (for Jeffreys by
    # the convention of Brown, Cai & DasGupta 2001, Statist. Sci. 16:101, §4.1.2);
    # say so exactly rather than 0.9999999999999999 from floating point.
    lo = np.where(count <= 0, 0.0, lo)
    hi = np.where(count >= nobs, 1.0, hi)
    if method == "normal":
        # Wald is for comparison only; at 0% or 100% it has zero width. Report it as
        # computed but never let it pass as an interval: widen it with Wilson's bounds.
        wl, wh = proportion_confint(count, nobs, alpha=alpha, method="wilson")
        degenerate = (count <= 0) | (count >= nobs)
        lo = np.where(degenerate, np.minimum(lo, wl), lo)
        hi = np.where(degenerate, np.maximum(hi, wh), hi)
    return lo, hi


def design_proportion_ci(p, var, n, n_kish, df, alpha: float = 0.05, method: str = "wilson"):
    """Interval for a design-based proportion estimate (arrays allowed).

    ``p`` estimate, ``var`` its design variance, ``n`` respondents, ``n_kish`` their
    Kish effective size, ``df`` design degrees of freedom. Returns
    (ci_low, ci_high, n_eff, method_used) — see the module docstring for the rules.

    p = 0.5 with variance 0.0025 has n_eff = p(1 − p)/var = 100: Wilson on 50 of 100.

    >>> lo, hi, n_eff, used = design_proportion_ci(0.5, 0.0025, 100, 100, 99)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4), float(n_eff[0]), used[0]
    (0.4038, 0.5962, 100.0, 'wilson_neff')
    """
    from scipy import stats

    if method not in CI_METHODS:
        raise choice_error(EstimationError, "interval method", method, CI_METHODS)
    p, var, n, n_kish, df = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (p, var, n, n_kish, df))
    p, var, n, n_kish, df = np.broadcast_arrays(p, var, n, n_kish, df)
    # A variance that is zero up to rounding (a stratum share, or every answer alike) is zero.
    boundary = (p <= 0) | (p >= 1) | ~(var > 1e-12 * np.maximum(p * (1 - p), 1e-12))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(boundary, n_kish, p * (1 - p) / var)
    df = np.maximum(np.minimum(df, n - 1), 1)
    used = np.full(p.shape, method if method in DESIGN_CI_METHODS else f"{method}_neff", dtype=object)
    if method == "korn_graubard":
        q = 1 - alpha / 2
        n_eff = n_eff * (stats.t.ppf(q, np.maximum(n - 1, 1)) / stats.t.ppf(q, df)) ** 2
        lo, hi = proportion_ci(p * n_eff, n_eff, alpha, "beta")
    elif method == "logit":
        with np.errstate(divide="ignore", invalid="ignore"):
            half = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(var) / (p * (1 - p))
            mid = np.log(p / (1 - p))
            lo, hi = 1 / (1 + np.exp(-(mid - half))), 1 / (1 + np.exp(-(mid + half)))
        blo, bhi = proportion_ci(p * n_eff, n_eff, alpha, "beta")
        lo, hi = np.where(boundary, blo, lo), np.where(boundary, bhi, hi)
        used = np.where(boundary, "beta_kish", used)
    else:
        lo, hi = proportion_ci(p * n_eff, n_eff, alpha, method)
    used = np.where(boundary & (used != "beta_kish"), np.char.add(used.astype(str), "_kish"), used)
    return np.asarray(lo, float), np.asarray(hi, float), n_eff, used


def mean_ci(est, se, alpha: float = 0.05):
    """Normal-theory interval est ± z·se for means and totals (R's ``confint`` default).

    R survey's ``svymean(~api00, dstrat)`` is 662.29 with SE 9.4089; ``confint`` gives 643.85–680.73:

    >>> lo, hi = mean_ci(662.2874, 9.4089)
    >>> round(float(lo), 2), round(float(hi), 2)
    (643.85, 680.73)
    """
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    return est - z * se, est + z * se


# ----------------------------------------------------------------------------- the engine

@dataclass(frozen=True)
class Ratios:
    """Ratio estimates for k domains: arrays of length k."""

    estimate: np.ndarray
    var: np.ndarray
    var_srs: np.ndarray
    n: np.ndarray
    n_kish: np.ndarray


def _group_sum(d: np.ndarray | None, x: np.ndarray, k: int) -> np.ndarray:
    """Σ x per domain; ``d is None`` means one domain holding every unit.

    Speed: the whole-sample case is a plain (pairwise) sum, which is several times
    cheaper than a bincount over a million codes that are all zero.
    """
    if d is None:
        return np.array([x.sum()], dtype=float)
    return np.bincount(d, weights=x, minlength=k)


def ratio(prep: Prepared, y: np.ndarray, a: np.ndarray, domain: np.ndarray | None = None, k: int = 1,
          *, total: bool = False) -> Ratios:
    """R_d = Σ w y / Σ w a over the units of each domain, with its Taylor variance.

    Units with aᵢ = 0 do not count as respondents of the measure (n, Kish n_eff).
    ``total=True`` estimates Σ w y instead (aᵢ only marks respondents).
    Everything is group sums (``bincount``): no Python loop over units.

    Speed (same numbers): the common cases — every unit in a domain, every unit a
    respondent, no domain at all — skip the masking copies (``np.where``) that
    would change nothing, and per-domain constants are broadcast as scalars
    rather than gathered per unit when there is a single domain.

    A simple random sample of four, three of them satisfied: R = 0.75 with the
    textbook variance p(1 − p)/(n − 1) = 0.0625.

    >>> d = pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0]})
    >>> from survey.stats.design import prepare
    >>> r = ratio(prepare(d, Design()), d["y"].to_numpy(), np.ones(4))
    >>> float(r.estimate[0]), float(r.var[0]), float(r.n[0])
    (0.75, 0.0625, 4.0)
    """
    w = prep.w
    y = np.asarray(y, dtype=float)
    a = np.asarray(a, dtype=float)
    if domain is None:
        d, inside = None, None
    else:
        dom = np.asarray(domain, dtype=np.int64)
        inside = dom >= 0
        if inside.all():
            d, inside = dom, None
        else:
            d = np.where(inside, dom, 0)
    used = a > 0 if inside is None else inside & (a > 0)
    all_used = bool(used.all())
    wu = w if all_used else np.where(used, w, 0.0)

    def per_unit(v):  # a per-domain value for every unit (a scalar for one whole-sample domain)
        return v[0] if d is None else v[d]

    W = _group_sum(d, wu, k)
    Y = _group_sum(d, wu * y, k)
    A = _group_sum(d, wu * a, k)
    if all_used:
        n = np.array([float(len(w))]) if d is None else np.bincount(d, minlength=k).astype(float)
    else:
        n = _group_sum(d, used.astype(float), k)
    W2 = _group_sum(d, wu * wu, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_kish = W * W / W2
        if total:
            est = Y
            e = y  # influence of a total: w y
            z = wu * y
        else:
            est = Y / A
            resid = y - per_unit(est) * a
            e = resid / per_unit(A / W)  # residual on the scale of the estimate
            z = wu * resid / per_unit(A)
    if not all_used:
        z = np.where(used, z, 0.0)
        e = np.where(used, e, 0.0)
    var = prep.variance(z, d if all_used else np.where(used, d if d is not None else 0, -1), k)
    # SRS variance of the same estimate from n respondents (Kish's deff denominator).
    we = wu * e
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_e = _group_sum(d, we, k) / W
        s2 = (_group_sum(d, we * e, k) / W - mean_e ** 2) * n / (n - 1)
        var_srs = s2 / n
        if total:
            var_srs = var_srs * W * W
        if prep.design.fpc:  # without replacement from the domain's estimated population
            var_srs = var_srs * np.clip(1 - n / W, 0, 1)
    return Ratios(est, var, var_srs, n, kish_fpc(prep, n_kish, n, W))


def kish_fpc(prep: Prepared, n_kish, n, W):
    """Kish effective n, divided by 1 − n/N̂ when the design has a finite population correction.

    This is the fallback n_eff at 0% and 100%: sampling most of a small district
    without replacement tells more than the same number drawn with replacement.
    A census (n = N̂) keeps a tiny but non-zero width (1 − f is floored at 1/N̂).

    Four of 60 sampled with weights 10, 10, 20, 20: Kish n = 60²/1000 = 3.6, over 1 − 4/60.

    >>> from survey.stats.design import prepare
    >>> d = pd.DataFrame({"w": [10.0, 10.0, 20.0, 20.0], "N": 60.0})
    >>> round(float(kish_fpc(prepare(d, Design(weights="w", fpc="N")), 3.6, 4.0, 60.0)), 4)
    3.8571
    """
    if not prep.design.fpc:
        return n_kish
    with np.errstate(divide="ignore", invalid="ignore"):
        return n_kish / np.clip(1 - n / W, 1 / np.maximum(W, 1), 1)


def estimate_rows(r: Ratios, *, proportion: bool, prep: Prepared, alpha: float, method: str, binomial: np.ndarray | None = None):
    """Table columns from ratio estimates; ``binomial`` = successes for the plain SRS interval.

    >>> from survey.stats.design import prepare
    >>> d = pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0]})
    >>> prep = prepare(d, Design())
    >>> rows = estimate_rows(ratio(prep, d["y"].to_numpy(), np.ones(4)), proportion=True, prep=prep,
    ...                      alpha=0.05, method="wilson", binomial=np.array([3.0]))
    >>> row = rows[0]   # Wilson on 3 of 4
    >>> row["estimate"], row["se"], round(row["ci_low"], 4), round(row["ci_high"], 4), row["ci_method"]
    (0.75, 0.25, 0.3006, 0.9544, 'wilson')
    """
    se = np.sqrt(r.var)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(r.var_srs > 0, r.var / r.var_srs, np.nan)
    ok = r.n > 0
    if proportion and binomial is not None:  # unweighted, no design: the binomial interval
        m = method if method in SRS_CI_METHODS else "wilson"
        lo, hi = proportion_ci(np.where(ok, binomial, 0), np.where(ok, r.n, 1), alpha, m)
        n_eff, used = r.n.astype(float), np.full(len(r.n), m, dtype=object)
    elif proportion:
        lo, hi, n_eff, used = design_proportion_ci(np.where(ok, r.estimate, 0.5), r.var, r.n, r.n_kish,
                                                   prep.df, alpha, method)
    else:
        lo, hi = mean_ci(r.estimate, se, alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = np.where(np.isfinite(deff) & (deff > 0), r.n / deff, r.n_kish)
        used = np.full(len(r.n), "normal", dtype=object)
    out = []
    for j in range(len(r.n)):
        if not ok[j]:
            out.append(dict(n=0, n_eff=np.nan, estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                            ci_method=method, deff=np.nan))
            continue
        out.append(dict(n=int(r.n[j]), n_eff=float(n_eff[j]), estimate=float(r.estimate[j]),
                        se=float(se[j]) if r.n[j] > 1 else np.nan, ci_low=float(lo[j]), ci_high=float(hi[j]),
                        ci_method=str(used[j]), deff=float(deff[j])))
    return out


def check_interval_args(alpha: float, ci_method: str) -> None:
    """Check a significance level (0 < alpha < 1) and an interval method (one of CI_METHODS).

    >>> check_interval_args(0.05, "wilson")                  # fine: returns None
    >>> check_interval_args(0.05, "exact")                   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    survey.errors.EstimationError: unknown interval method 'exact'...
    """
    if ci_method not in CI_METHODS:
        raise choice_error(EstimationError, "interval method", ci_method, CI_METHODS)
    if not 0 < alpha < 1:
        raise EstimationError("alpha must be between 0 and 1", got=alpha)


def item_mean(prep: Prepared, pairs, domain: np.ndarray, k: int) -> Ratios:
    """Mean over items of the item rates p_j; z = (1/J) Σ_j w (y_j − p_j a_j) / A_j.

    Two items answered by four respondents, each satisfied 3 times of 4: the mean rate is 0.75.

    >>> from survey.stats.design import prepare
    >>> prep = prepare(pd.DataFrame(index=range(4)), Design())
    >>> pairs = [(np.array([1.0, 0, 1, 1]), np.ones(4)), (np.array([1.0, 1, 1, 0]), np.ones(4))]
    >>> r = item_mean(prep, pairs, np.zeros(4, dtype=np.int64), 1)
    >>> float(r.estimate[0]), round(float(r.var[0]), 6)
    (0.75, 0.020833)
    """
    w = prep.w
    inside = domain >= 0
    d = np.where(inside, domain, 0)
    J = len(pairs)
    z = np.zeros(len(w))
    est = np.zeros(k)
    any_a = np.zeros(len(w), dtype=bool)
    var_srs = np.zeros(k)
    for y, a in pairs:
        used = inside & (a > 0)
        any_a |= used
        wu = np.where(used, w, 0.0)
        A = np.bincount(d, weights=wu * a, minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.bincount(d, weights=wu * y, minlength=k) / A
            z += np.where(used, wu * (y - p[d] * a) / A[d], 0.0) / J
        est += p / J
    wu = np.where(any_a, w, 0.0)
    n = np.bincount(d, weights=any_a.astype(float), minlength=k)
    W = np.bincount(d, weights=wu, minlength=k)
    W2 = np.bincount(d, weights=wu * wu, minlength=k)
    var = prep.variance(z, np.where(any_a, d, -1), k)
    with np.errstate(divide="ignore", invalid="ignore"):
        # SRS variance of the same linearised statistic: s² of n·z/W-scaled residuals over n.
        e = np.where(any_a, z * W[d] / np.where(w > 0, w, 1), 0.0)
        mean_e = np.bincount(d, weights=wu * e, minlength=k) / W
        s2 = (np.bincount(d, weights=wu * e * e, minlength=k) / W - mean_e ** 2) * n / (n - 1)
        var_srs = s2 / n
        if prep.design.fpc:
            var_srs = var_srs * np.clip(1 - n / W, 0, 1)
    return Ratios(np.where(n > 0, est, np.nan), var, var_srs, n, kish_fpc(prep, W * W / W2, n, W))


# ----------------------------------------------------------------------------- any column

def _is_binary(values: pd.Series) -> bool:
    v = values.dropna().unique()
    return len(v) > 0 and set(np.asarray(v, dtype=float)) <= {0.0, 1.0}


def estimate_column(
    data: pd.DataFrame,
    var: str,
    *,
    design: Design | None = None,
    by: str | None = None,
    stat: str = "mean",
    alpha: float = 0.05,
    ci_method: str = "wilson",
    file: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Mean (``stat="mean"``) or total (``"total"``) of a column, overall and by ``by``.

    A numeric column gives its mean or total; a 0/1 column's mean is a proportion
    and gets a proportion interval (``ci_method``); a text column gives the
    proportion (or total) of each of its values, like R's ``svymean(~factor)``.
    Missing values leave the denominator (R's ``na.rm=TRUE``), keeping the design.

    R ``survey`` equivalents: ``svymean(~var, design)``, ``svytotal``, ``svyby``.

    >>> import pandas as pd
    >>> from survey.stats.design import Design
    >>> d = pd.DataFrame({"y": [3.0, 5, 4, 8], "w": [10.0, 10, 30, 30], "h": ["a", "a", "b", "b"]})
    >>> row = estimate_column(d, "y", design=Design(weights="w", strata="h")).iloc[0]
    >>> float(row["estimate"]), round(float(row["se"]), 4)   # (10·3 + 10·5 + 30·4 + 30·8) / 80
    (5.5, 1.5207)

    On R's ``apistrat`` (tests/test_design.py) this gives 662.29, SE 9.4089.
    """
    check_interval_args(alpha, ci_method)
    if stat not in STATS:
        raise choice_error(EstimationError, "statistic", stat, STATS)
    for col in (var, by):
        if col is not None and col not in data.columns:
            raise EstimationError(f"no column '{col}' in the data", file=file, sheet=sheet,
                                  expected="one of " + ", ".join(map(str, data.columns[:30])))
    design = design or Design()
    prep = design.prepare(data, file=file, sheet=sheet)
    values = data[var]
    if values.dtype == object:  # spreadsheet spellings of a missing value
        values = values.map(lambda v: None if isinstance(v, str) and v.strip() in MISSING_TEXT else v)
    numeric = pd.to_numeric(values, errors="coerce")
    text_cells = values.notna() & numeric.isna()
    if text_cells.any() and not text_cells.all() and text_cells.sum() < values.notna().sum() / 2:
        i = int(np.flatnonzero(text_cells.to_numpy())[0])
        raise EstimationError(f"column '{var}' mixes numbers and text", file=file, sheet=sheet, column=var,
                              row=excel_row(data, i), got=values.iloc[i], hint="clean the cell or make the column text")
    categorical = bool(text_cells.any())
    # (domain, level or None for one per code, codes or None for one domain holding every unit, levels)
    domains: list[tuple[str, str | None, np.ndarray | None, int]] = [(OVERALL, OVERALL_LEVEL, None, 1)]
    if by is not None:
        if by == design.strata:
            # Speed: the strata are already factorised (same sort=True codes and
            # levels as below); reuse them rather than hash the column again.
            codes, uniq = prep.stratum, prep.strata_labels
        else:
            codes, uniq = pd.factorize(data[by], sort=True)
        domains.append((by, None, codes.astype(np.int64, copy=False), len(uniq)))
        by_labels = [str(u) for u in uniq]
    if categorical:
        cats = sorted(values.dropna().astype(str).unique())
        parts = [(f"{var}={c}", (values.astype(str) == c).to_numpy(float), True) for c in cats]
        a = values.notna().to_numpy(float)
    else:
        y = numeric.to_numpy(float)
        a = np.isfinite(y).astype(float)
        parts = [(var, np.where(a > 0, y, 0.0), _is_binary(numeric))]
    rows = []
    for name, y, is_prop in parts:
        for domain, level, dom, k in domains:
            r = ratio(prep, y, a, dom, k, total=stat == "total")
            res = estimate_rows(r, proportion=is_prop and stat == "mean", prep=prep, alpha=alpha, method=ci_method)
            labels = [level] if level is not None else by_labels
            for lab, row in zip(labels, res):
                rows.append(dict(questionnaire="", measure=name, label=stat, domain=domain, level=lab, **row))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))

