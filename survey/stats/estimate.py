"""Estimates with design-based standard errors and honest intervals, overall and by domain.

Every estimate here is a ratio of weighted totals, R = Σ wᵢyᵢ / Σ wᵢaᵢ, with the
respondent as the unit; its variance is the Taylor-linearisation variance of the
design (:meth:`survey.stats.design.Prepared.variance`) with the influence values
zᵢ = wᵢ(yᵢ − R aᵢ) / Σ wᵢaᵢ. A mean is the ratio with aᵢ = 1, a proportion the mean
of a 0/1 variable; a total has zᵢ = wᵢyᵢ.

The satisfaction measures of a questionnaire (:mod:`survey.evaluation.measures`) are
such ratios; :func:`item_mean` is the mean of several item rates.

Intervals (``ci_method``; the formulas and conventions live in :mod:`survey.stats.intervals`):

- Unweighted data without a design, ``top_box``: the binomial interval on the answers
  (wilson — default —, beta (Clopper–Pearson), jeffreys, agresti_coull, normal (Wald),
  wilson_cc (R ``prop.test``), midp, lr).
- Otherwise the same method on the *effective sample size*
  n_eff = R(1 − R) / Var(R) (Korn & Graubard 1998), reported as e.g. ``wilson_neff``;
  ``korn_graubard`` is Clopper–Pearson on n_eff × (t_{n−1} / t_df)², df the design
  degrees of freedom (as R ``svyciprop(method="beta")``); ``logit`` (and ``probit``,
  ``cloglog``, ``arcsine``) is g(R) ± t_df · SE · g′(R) transformed back (R
  ``svyciprop(method="logit")``).
- At 0% or 100% the variance is zero and n_eff is undefined: every method then
  uses the Kish effective sample size (Σw)² / Σw² of the domain's respondents
  (divided by 1 − n/N̂ when the design has a finite population correction), and the
  transformation methods become Clopper–Pearson on it (``beta_kish``). No interval
  ever has zero width or NaN bounds.
- Means, totals and ratios: est ± q·SE, q normal (R's ``confint``) or t on the design
  df (``df="design"``). Every row says ``ci_method``, ``ci_df`` and ``ci_note``
  (clipped to [0, 1], or bounds replaced at the boundary).

``deff`` is Var(R) over the variance of the same estimate under simple random
sampling of the same number of respondents, without replacement from N̂ = Σw when
the design has weights or an fpc (R's ``deff=TRUE``), with replacement otherwise or
with ``deff="replace"``. For means ``n_eff`` = n / deff, at most n.

Entry points: :func:`estimate_column` (means, proportions and totals of any column, R's
``svymean`` / ``svytotal`` / ``svyby``), and the engine :func:`ratio` + :func:`estimate_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.definitions.cells import MISSING_TEXT
from survey.definitions.vocab import CI_METHODS, DESIGN_CI_METHODS, OVERALL, OVERALL_LEVEL, SRS_CI_METHODS, STATS
from survey.errors import EstimationError, choice_error, excel_row
from survey.stats.design import Design, Prepared
from survey.stats.intervals import (
    CLIPPED,
    ESTIMATE_COLUMNS,
    KISH_AT_BOUNDARY,
    binomial_ci,
    design_proportion_ci,
    mean_ci,
    proportion_ci,
    resolve_df,
)

__all__ = [
    "CI_METHODS",
    "DESIGN_CI_METHODS",
    "ESTIMATE_COLUMNS",
    "SRS_CI_METHODS",
    "design_proportion_ci",
    "estimate_column",
    "mean_ci",
    "proportion_ci",
    "ratio",
]




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
    cheaper than a bincount over a million codes that are all zero. Sums of products are
    summed as ``x * v`` here, not as a dot product: numpy's pairwise sum makes Σ w·1 exactly
    Σ w, so a domain where every answer is 1 has an estimate of exactly 1 (a dot product adds in
    another order and can leave 1 − 1e-16).
    """
    if d is None:
        return np.array([x.sum()], dtype=float)
    return np.bincount(d, weights=x, minlength=k)


def ratio(prep: Prepared, y: np.ndarray, a: np.ndarray | None, domain: np.ndarray | None = None, k: int = 1,
          *, total: bool = False, replace_srs: bool = False) -> Ratios:
    """R_d = Σ w y / Σ w a over the units of each domain, with its Taylor variance.

    Units with aᵢ = 0 do not count as respondents of the measure (n, Kish n_eff);
    ``a=None`` is aᵢ = 1 for every unit (a mean over complete answers).
    ``total=True`` estimates Σ w y instead (aᵢ only marks respondents).
    Everything is group sums (``bincount``): no Python loop over units.

    Speed (the same numbers to rounding): the common cases — every unit in a
    domain, every unit a respondent with aᵢ = 1, no domain at all — skip the
    masking copies (``np.where``) and products that would change nothing;
    per-domain constants are applied to the k sums rather than to every unit;
    no per-unit work is done twice.

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
    a = None if a is None else np.asarray(a, dtype=float)
    if domain is None:
        d, inside = None, None
    else:
        dom = np.asarray(domain, dtype=np.int64)
        inside = dom >= 0
        if inside.all():
            d, inside = dom, None
        else:
            d = np.where(inside, dom, 0)
    if a is None:  # every unit answered, aᵢ = 1
        used = np.ones(len(w), dtype=bool) if inside is None else inside
        a = np.ones(len(w)) if inside is not None else None
    else:
        used = a > 0 if inside is None else inside & (a > 0)
    all_used = inside is None and (a is None or bool(used.all()))
    wu = w if all_used else np.where(used, w, 0.0)
    ones = all_used and (a is None or bool((a == 1).all()))  # a plain mean of complete answers: Σ w a = Σ w

    W = _group_sum(d, wu, k)
    Y = _group_sum(d, wu * y, k)
    A = W if ones or a is None else _group_sum(d, wu * a, k)
    if all_used:
        n = np.array([float(len(w))]) if d is None else np.bincount(d, minlength=k).astype(float)
    else:
        n = _group_sum(d, used.astype(float), k)
    W2 = _group_sum(d, wu * wu, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_kish = W * W / W2
        est = Y if total else Y / A
        # resid: the unit's deviation on the estimate's scale (a total's influence is yᵢ itself);
        # t = wᵢ·residᵢ, and the influence value zᵢ = tᵢ / A_d, A_d one number per domain.
        if total:
            resid = y
        else:
            fitted = est[0] if d is None else est[d]  # one number, or the unit's domain's estimate
            resid = y - fitted if ones or a is None else y - fitted * a
        t = wu * resid
    if not all_used:
        t = np.where(used, t, 0.0)
        resid = np.where(used, resid, 0.0)
    # Speed (the same variance): every domain's influence values share the constant 1 / A_d,
    # and the design variance of a domain is quadratic in them, so Var(Σ z) = Var(Σ t) / A_d².
    var = prep.variance(t, d if all_used else np.where(used, d if d is not None else 0, -1), k)
    if not total:
        with np.errstate(divide="ignore", invalid="ignore"):
            var = var / (A * A)
    var_srs = _srs_variance(prep, d, k, t, resid, W, None if total else A, n, replace_srs)
    return Ratios(est, var, var_srs, n, kish_fpc(prep, n_kish, n, W))


def _srs_variance(prep: Prepared, d, k: int, t, resid, W, A, n, replace_srs: bool):
    """SRS variance of the same estimate from n respondents (Kish's deff denominator).

    The weighted variance of eᵢ = residᵢ · W_d / A_d (``A`` None: a total, eᵢ = residᵢ = yᵢ,
    scaled by W²), from Σ t and Σ t·resid per domain (tᵢ = wᵢ·residᵢ).
    """
    T1 = _group_sum(d, t, k)
    T2 = _group_sum(d, t * resid, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        if A is not None:
            scale = W / A
            T1, T2 = T1 * scale, T2 * scale * scale
        mean_e = T1 / W
        s2 = (T2 / W - mean_e ** 2) * n / (n - 1)
        var_srs = s2 / n
        if A is None:
            var_srs = var_srs * W * W
        return var_srs * srs_fpc(prep, n, W, replace_srs)


def srs_fpc(prep: Prepared, n, W, replace_srs: bool = False):
    """1 − n/N̂ for the SRS variance in ``deff``: without replacement from N̂ = Σw, as R's ``deff=TRUE``.

    An unweighted design without fpc has no N̂ (Σw = n), so it compares with sampling
    with replacement, as does ``replace_srs=True`` (R's ``deff="replace"``).

    Examples
    --------
    Four of N̂ = Σw = 60 without replacement; an unweighted design without fpc, and
    ``replace_srs``, compare with sampling with replacement:

    >>> from survey.stats.design import prepare
    >>> d = pd.DataFrame({"w": [10.0, 10.0, 20.0, 20.0], "N": 60.0})
    >>> round(float(srs_fpc(prepare(d, Design(weights="w", fpc="N")), 4.0, 60.0)), 4)
    0.9333
    >>> srs_fpc(prepare(d, Design()), 4.0, 4.0), srs_fpc(prepare(d, Design(weights="w")), 4.0, 60.0, replace_srs=True)
    (1.0, 1.0)
    """
    if replace_srs or not (prep.design.weights or prep.design.fpc):
        return 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(1 - n / W, 0, 1)


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


def interval_rows(est, var, n, n_kish, design_df, *, proportion: bool, alpha: float, method: str,
                  df=None, clip: bool = True, tag: str = "", binomial: np.ndarray | None = None,
                  bounded: bool = False) -> list[dict]:
    """n, n_eff, estimate, se, ci_low, ci_high, ci_method, ci_df, ci_note for k estimates.

    ``proportion``: the proportion intervals (``method``; ``binomial`` = successes for the
    plain SRS count interval). Otherwise est ± q·SE with q normal (``df=None``) or t
    (``df="design"`` or a number), named ``normal``/``t``; n_eff = n·Var_SRS/Var is
    the caller's business (``n_eff`` here: Kish's, at most n). ``bounded``: a mean of
    values in [0, 1] that is not a proportion (the score index): clipped to [0, 1], and
    at a zero variance the Kish-n Wilson interval (a [0, 1] variable has variance ≤ p(1 − p)).
    ``tag`` is appended to the method name (``_jackknife``).

    Examples
    --------
    A design proportion 0.9 with variance 0.0009 (n_eff = p(1 − p)/var = 100), and a mean
    3.5 with SE 0.1 on the design's 49 df:

    >>> row = interval_rows(0.9, 0.0009, 100, 100, 99, proportion=True, alpha=0.05, method="wilson")[0]
    >>> row["ci_method"], round(row["ci_low"], 4), round(row["ci_high"], 4)
    ('wilson_neff', 0.8256, 0.9448)
    >>> row = interval_rows(3.5, 0.01, 50, 50, 49, proportion=False, alpha=0.05, method="wilson", df="design")[0]
    >>> row["ci_method"], row["ci_df"], round(row["ci_low"], 4), round(row["ci_high"], 4)
    ('t', 49.0, 3.299, 3.701)
    """
    est, var, n, n_kish = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (est, var, n, n_kish))
    ok = n > 0
    se = np.sqrt(var)
    if proportion and binomial is not None:  # unweighted, no design: the binomial interval
        m = method if method in SRS_CI_METHODS else "wilson"
        lo, hi, note = binomial_ci(np.where(ok, binomial, 0), np.where(ok, n, 1), alpha, m, clip=clip)
        n_eff, used = n.copy(), np.full(len(n), m, dtype=object)
        ci_df = np.full(len(n), np.nan)
    elif proportion:
        lo, hi, n_eff, used, ci_df, note = design_proportion_ci(
            np.where(ok, est, 0.5), var, n, n_kish, design_df, alpha, method, clip=clip, with_notes=True)
    else:
        q_df = resolve_df(df, design_df)
        lo, hi = mean_ci(est, se, alpha, q_df)
        n_eff = np.minimum(n_kish, n)
        used = np.full(len(n), "normal" if not np.isfinite(q_df) else "t", dtype=object)
        ci_df = np.full(len(n), q_df)
        note = np.full(len(n), "", dtype=object)
        if bounded:
            flat = ~(var > 1e-12)
            wl, wh, _ = binomial_ci(np.clip(est, 0, 1) * n_kish, n_kish, alpha, "wilson")
            lo, hi = np.where(flat, wl, lo), np.where(flat, wh, hi)
            used = np.where(flat, "wilson_kish", used)
            note = np.where(flat, KISH_AT_BOUNDARY, np.where((lo < 0) | (hi > 1), CLIPPED, ""))
            lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    out = []
    for j in range(len(n)):
        if not ok[j]:
            out.append(dict(n=0, n_eff=np.nan, estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                            ci_method=method, ci_df=np.nan, ci_note="no respondents"))
            continue
        out.append(dict(n=int(n[j]), n_eff=float(n_eff[j]), estimate=float(est[j]),
                        se=float(se[j]) if n[j] > 1 else np.nan, ci_low=float(lo[j]), ci_high=float(hi[j]),
                        ci_method=str(used[j]) + tag, ci_df=float(ci_df[j]), ci_note=str(note[j])))
    return out


def estimate_rows(r: Ratios, *, proportion: bool, prep: Prepared, alpha: float, method: str,
                  binomial: np.ndarray | None = None, df=None, clip: bool = True, bounded: bool = False):
    """Table columns from ratio estimates (:func:`interval_rows` plus ``deff``).

    Examples
    --------
    Three satisfied of a simple random sample of four: the plain Wilson interval on the
    count, design effect 1:

    >>> from survey.stats.design import prepare
    >>> d = pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0]})
    >>> prep = prepare(d, Design())
    >>> r = ratio(prep, d["y"].to_numpy(), np.ones(4))
    >>> row = estimate_rows(r, proportion=True, prep=prep, alpha=0.05, method="wilson", binomial=np.array([3.0]))[0]
    >>> row["estimate"], row["ci_method"], round(row["ci_low"], 4), round(row["ci_high"], 4), row["deff"]
    (0.75, 'wilson', 0.3006, 0.9544, 1.0)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(r.var_srs > 0, r.var / r.var_srs, np.nan)
    rows = interval_rows(r.estimate, r.var, r.n, r.n_kish, prep.df, proportion=proportion, alpha=alpha,
                         method=method, df=df, clip=clip, binomial=binomial, bounded=bounded)
    if not proportion:  # Kish's effective n of the estimate, n / deff, never more than n
        for row, d in zip(rows, deff):
            if row["n"] and np.isfinite(d) and d > 0:
                row["n_eff"] = min(row["n"] / d, row["n"])
    for row, d in zip(rows, deff):
        row["deff"] = float(d) if row["n"] else np.nan
    return rows


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
        var_srs = s2 / n * srs_fpc(prep, n, W)
    return Ratios(np.where(n > 0, est, np.nan), var, var_srs, n, kish_fpc(prep, W * W / W2, n, W))


# ----------------------------------------------------------------------------- any column

def _is_binary(y: np.ndarray, given: np.ndarray, complete: bool = False) -> bool:
    """Some value is given, and every given value is 0 or 1 (a proportion's column); ``complete``: all given."""
    n = len(y) if complete else int(np.count_nonzero(given))
    return n > 0 and int(np.count_nonzero(y == 0) + np.count_nonzero(y == 1)) == n


MAX_VALUE = 1e150  # beyond it the squares of the variance overflow (1e308): no measurement is near it


def check_finite(data: pd.DataFrame, var: str, numeric: pd.Series, *, file=None, sheet=None) -> None:
    """Refuse inf, or a number beyond ±:data:`MAX_VALUE`, in a numeric column.

    Either would come out as an inf or NaN estimate printed as if it were one (the
    square of 1e308 overflows in the variance).

    >>> d = pd.DataFrame({"y": [1.0, float("inf")]})
    >>> try:
    ...     check_finite(d, "y", d["y"])
    ... except EstimationError as exc:
    ...     print(exc.row, exc.column, exc.got)
    3 y inf
    """
    if pd.api.types.is_integer_dtype(numeric.dtype) and not isinstance(numeric.dtype, pd.api.extensions.ExtensionDtype):
        return  # a numpy integer is finite and far within the bound (speed: no pass over the column)
    x = numeric.to_numpy(float, na_value=np.nan)
    odd = ~np.isnan(x) & ~(np.abs(x) <= MAX_VALUE)
    if odd.any():
        i = int(np.flatnonzero(odd)[0])
        raise EstimationError(f"column '{var}' holds a value that is not a finite number within ±{MAX_VALUE:.0e}",
                              file=file, sheet=sheet, column=var, row=excel_row(data, i), got=data[var].iloc[i],
                              hint="correct the cell (a typing or unit error?), or leave it empty")


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
    denominator: str | None = None,
    quantile: float = 0.5,
    df: str | float | None = None,
    clip: bool = True,
    deff: str = "without",
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """Mean (``stat="mean"``), total, ratio or quantile of a column, overall and by ``by``.

    ``stat="ratio"``: Σw·var / Σw·denominator with its linearised SE (R's
    ``svyratio(~var, ~denominator, design)``). ``stat="quantile"``: see
    :func:`survey.stats.quantile.quantile_column` (R's ``svyquantile``).
    ``df``: intervals of means, totals and ratios use the normal quantile (``None``,
    R's ``confint``) or t with the design's degrees of freedom (``"design"``, R's
    ``confint(df=degf(design))``) or a given number. ``clip=False`` keeps Wald and
    Agresti–Coull bounds outside [0, 1], as R's binom does. ``deff``: compared with
    SRS without replacement from N̂ (``"without"``, R's ``deff=TRUE``) or with
    replacement (``"replace"``, R's ``deff="replace"``). ``prepared``: a design already
    prepared on ``data`` (``design.prepare(data)``), so that many columns are estimated
    without resolving the design, its codes and its domains again.

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
    _check_column_args(data, var, stat, deff, denominator, by, df, alpha, ci_method, file, sheet)
    if stat == "quantile":
        from survey.stats.quantile import quantile_column

        return quantile_column(data, var, design=design, by=by, quantile=quantile, alpha=alpha, df=df,
                               file=file, sheet=sheet)
    design = design or Design()
    prep = prepared if prepared is not None else design.prepare(data, file=file, sheet=sheet)
    if prep.n != len(data):
        raise EstimationError("the prepared design belongs to another data set", got=f"{prep.n} units",
                              expected=f"{len(data)} rows", hint="prepare the design on this data")
    values, numeric, text_cells = _column_values(data, var, file, sheet)
    categorical = bool(text_cells.any())
    if not categorical:
        check_finite(data, var, numeric, file=file, sheet=sheet)
    # (domain, level or None for one per code, codes or None for one domain holding every unit, levels)
    domains: list[tuple[str, str | None, np.ndarray | None, int]] = [(OVERALL, OVERALL_LEVEL, None, 1)]
    if by is not None:
        codes, uniq = prep.domain_codes(data, by)
        domains.append((by, None, codes.astype(np.int64, copy=False), len(uniq)))
        by_labels = [str(u) for u in uniq]
    if categorical:
        cats = sorted(values.dropna().astype(str).unique())
        parts = [(f"{var}={c}", (values.astype(str) == c).to_numpy(float), True) for c in cats]
        a = values.notna().to_numpy(float)
    else:
        y = numeric.to_numpy(float)
        given = np.isfinite(y)
        complete = bool(given.all())
        binary = _is_binary(y, given, complete)
        a = None if complete else given.astype(float)  # speed: nothing missing, nothing to mask (aᵢ = 1)
        parts = [(var, y if complete else np.where(given, y, 0.0), binary)]
    if denominator is not None:
        a = _denominator(data, denominator, np.ones(len(data)) if a is None else a, file, sheet)
        parts = [(f"{var}/{denominator}", np.where(a > 0, parts[0][1], 0.0), False)]
    rows = []
    for name, y, is_prop in parts:
        for domain, level, dom, k in domains:
            r = ratio(prep, y, a, dom, k, total=stat == "total", replace_srs=deff == "replace")
            res = estimate_rows(r, proportion=is_prop and stat == "mean", prep=prep, alpha=alpha, method=ci_method,
                                df=df, clip=clip)
            labels = [level] if level is not None else by_labels
            for lab, row in zip(labels, res):
                rows.append(dict(questionnaire="", measure=name, label=stat, domain=domain, level=lab, **row))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def _check_column_args(data, var, stat, deff, denominator, by, df, alpha, ci_method, file, sheet) -> None:
    check_interval_args(alpha, ci_method)
    if stat not in STATS:
        raise choice_error(EstimationError, "statistic", stat, STATS)
    if deff not in ("without", "replace"):
        raise choice_error(EstimationError, "deff", deff, ("without", "replace"))
    if (stat == "ratio") != (denominator is not None):
        raise EstimationError("a ratio needs its denominator column, and only a ratio takes one",
                              got=f"stat={stat}, denominator={denominator}",
                              hint="e.g. stat='ratio', denominator='enroll' (R: svyratio(~api.stu, ~enroll, d))")
    resolve_df(df, 1)
    for col in (var, by, denominator):
        if col is not None and col not in data.columns:
            raise EstimationError(f"no column '{col}' in the data", file=file, sheet=sheet,
                                  expected="one of " + ", ".join(map(str, data.columns[:30])))


def _column_values(data: pd.DataFrame, var: str, file, sheet):
    """The column with missing spellings as None, its numbers, and which cells are text."""
    values = data[var]
    if values.dtype == object:  # spreadsheet spellings of a missing value
        values = values.map(lambda v: None if isinstance(v, str) and v.strip() in MISSING_TEXT else v)
    numeric = pd.to_numeric(values, errors="coerce")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values, numeric, pd.Series(False, index=values.index)  # a number column holds no text (speed)
    text_cells = values.notna() & numeric.isna()
    if text_cells.any() and not text_cells.all() and text_cells.sum() < values.notna().sum() / 2:
        i = int(np.flatnonzero(text_cells.to_numpy())[0])
        raise EstimationError(f"column '{var}' mixes numbers and text", file=file, sheet=sheet, column=var,
                              row=excel_row(data, i), got=values.iloc[i], hint="clean the cell or make the column text")
    return values, numeric, text_cells


def _denominator(data: pd.DataFrame, denominator: str, a: np.ndarray, file, sheet) -> np.ndarray:
    """The ratio's denominator per unit (0 where the numerator or it is missing); positive or an error."""
    x = pd.to_numeric(data[denominator], errors="coerce").to_numpy(float)
    bad = np.isfinite(x) & (x <= 0) & (a > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise EstimationError("the denominator of a ratio must be positive where the numerator is given",
                              file=file, sheet=sheet, column=denominator, row=excel_row(data, i), got=x[i])
    return np.where(np.isfinite(x) & (a > 0), x, 0.0)
