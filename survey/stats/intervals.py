"""Confidence intervals for proportions, means, totals, ratios and quantiles, with their conventions said.

Every interval comes with three facts a reader needs (the ``ci_method``, ``ci_df`` and
``ci_note`` columns of an estimate table):

- the method actually used (``wilson``, ``wilson_neff`` on a design's effective n,
  ``beta_kish`` at 0 %/100 % of a design, ``t``/``normal`` for a mean, …);
- the degrees of freedom of its quantile (``inf`` for the normal; NaN for a method
  that has none, such as the binomial counting intervals);
- whether a bound was clipped to [0, 1] (``clipped``) or replaced at the boundary
  (``wilson_at_boundary``: Wald at 0 %/100 % has zero width, its bounds are widened
  to Wilson's; ``kish_at_boundary``: the design variance is 0, the Kish effective n
  carries the interval).

Binomial intervals on ``count`` of ``nobs`` (:func:`proportion_ci`; counts may be
fractional — an effective n):

``wilson``, ``beta`` (Clopper–Pearson), ``jeffreys``, ``agresti_coull``, ``normal`` (Wald)
    statsmodels' ``proportion_confint``. Wald and Agresti–Coull can leave [0, 1]:
    clipped by default (said in ``ci_note``), kept with ``clip=False`` as R's
    ``binom.confint`` does.
``wilson_cc``
    Wilson's score interval with continuity correction (Newcombe 1998, method 4;
    R's ``prop.test(x, n)$conf.int``).
``midp``
    Clopper–Pearson mid-p: P(X > x) + ½P(X = x) = α/2 for the lower bound and
    P(X < x) + ½P(X = x) = α/2 for the upper (Newcombe 1998, method 6), with the
    binomial extended to fractional counts through the incomplete beta function.
``lr``
    Likelihood-ratio interval: the p with 2[ℓ(p̂) − ℓ(p)] = z² (Newcombe 1998,
    method 7; binom's ``"lrt"``).

Transformation intervals (:data:`~survey.definitions.vocab.TRANSFORM_CI_METHODS`):
g(p̂) ± q·SE·g′(p̂) mapped back, SE the design standard error (p̂(1 − p̂)/n for a
count): ``logit`` (R ``svyciprop(method="logit")``, binom's ``"logit"``), ``probit``,
``cloglog`` (binom's, g = log(−log p)), ``arcsine`` (g = asin √p). q is Student t on
the design degrees of freedom (as ``svyciprop``) unless ``df`` says otherwise.
"""

from __future__ import annotations

import numpy as np

from survey.definitions.vocab import CI_METHODS, DESIGN_CI_METHODS, SRS_CI_METHODS, STATSMODELS_CI_METHODS, TRANSFORM_CI_METHODS
from survey.errors import EstimationError, choice_error

ESTIMATE_COLUMNS = ("questionnaire", "measure", "label", "domain", "level", "n", "n_eff",
                    "estimate", "se", "ci_low", "ci_high", "ci_method", "deff", "ci_df", "ci_note")
CLIPPED, WILSON_AT_BOUNDARY, KISH_AT_BOUNDARY = "clipped", "wilson_at_boundary", "kish_at_boundary"


def _note(*parts) -> np.ndarray:
    """Join per-row notes ("" where none) with "; "."""
    out = np.full(np.broadcast(*parts).shape, "", dtype=object)
    for p in parts:
        p = np.broadcast_to(np.asarray(p, dtype=object), out.shape)
        out = np.where(p == "", out, np.where(out == "", p, out + "; " + p))
    return out


def _quantile(alpha: float, df) -> np.ndarray:
    from survey.stats import distributions as stats

    df = np.asarray(df, dtype=float)
    finite = np.isfinite(df)
    z = stats.norm.ppf(1 - alpha / 2)
    if not finite.any():  # normal only: no t quantile (and no scipy import at the usual levels)
        return np.where(finite, 0.0, z)
    return np.where(finite, stats.t.ppf(1 - alpha / 2, np.where(finite, df, 1)), z)


def _wilson_cc(x, n, z):
    """Newcombe (1998) method 4: Wilson's interval with continuity correction."""
    p = x / n
    zz = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = (2 * n * p + zz - 1 - z * np.sqrt(np.maximum(zz - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0))) / (2 * (n + zz))
        hi = (2 * n * p + zz + 1 + z * np.sqrt(np.maximum(zz + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0))) / (2 * (n + zz))
    return np.where(x <= 0, 0.0, np.maximum(lo, 0.0)), np.where(x >= n, 1.0, np.minimum(hi, 1.0))


def _solve(f, lo: float, hi: float) -> float:
    """The root of a monotone f on [lo, hi] (brentq), or the end where f does not change sign."""
    from scipy.optimize import brentq

    a, b = f(lo), f(hi)
    if a * b > 0:
        return lo if abs(a) < abs(b) else hi
    return float(brentq(f, lo, hi, xtol=1e-14, rtol=1e-13))


def _midp(x, n, alpha):
    """Mid-p exact bounds, one count at a time (root finding)."""
    from scipy.special import betainc, gammaln

    def pmf(k, m, p):
        return np.exp(gammaln(m + 1) - gammaln(k + 1) - gammaln(m - k + 1) + k * np.log(p) + (m - k) * np.log1p(-p))

    lo, hi = np.zeros(x.shape), np.ones(x.shape)
    eps = 1e-15
    for i, (k, m) in enumerate(zip(x.ravel(), n.ravel())):
        if k > 0:   # P(X ≥ k) − ½P(X = k) = α/2, increasing in p
            lo.flat[i] = _solve(lambda p, k=k, m=m: betainc(k, m - k + 1, p) - pmf(k, m, p) / 2 - alpha / 2, eps, 1 - eps)
        if k < m:   # P(X ≤ k) − ½P(X = k) = α/2, decreasing in p
            hi.flat[i] = _solve(lambda p, k=k, m=m: 1 - betainc(k + 1, m - k, p) - pmf(k, m, p) / 2 - alpha / 2,
                                eps, 1 - eps)
    return lo, hi


def _lr(x, n, z):
    """Likelihood-ratio bounds: 2[ℓ(p̂) − ℓ(p)] = z², one count at a time."""
    from scipy.special import xlogy

    lo, hi = np.zeros(x.shape), np.ones(x.shape)
    eps = 1e-15
    for i, (k, m) in enumerate(zip(x.ravel(), n.ravel())):
        ph = k / m
        top = xlogy(k, ph) + xlogy(m - k, 1 - ph)

        def dev(p, k=k, m=m, top=top):
            return 2 * (top - xlogy(k, p) - xlogy(m - k, 1 - p)) - z * z
        if k > 0:
            lo.flat[i] = _solve(dev, eps, ph)
        if k < m:
            hi.flat[i] = _solve(dev, ph, 1 - eps)
    return lo, hi


def transform_ci(p, var, alpha: float, method: str, df=np.inf):
    """g(p) ± q·√var·g′(p) mapped back, for the transformation methods (p strictly inside (0, 1)).

    Examples
    --------
    A logit interval for p = 0.2 with standard error 0.04, normal quantile:

    >>> lo, hi = transform_ci(0.2, 0.04 ** 2, 0.05, "logit")
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1328, 0.2898)
    """
    from survey.stats import distributions as stats

    p, se = np.asarray(p, dtype=float), np.sqrt(np.asarray(var, dtype=float))
    q = _quantile(alpha, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "logit":
            g, d = np.log(p / (1 - p)), 1 / (p * (1 - p))
            back = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
        elif method == "probit":
            g = stats.norm.ppf(p)
            d = 1 / stats.norm.pdf(g)
            back = stats.norm.cdf
        elif method == "cloglog":   # g decreasing: the bounds swap
            g, d = np.log(-np.log(p)), -1 / (p * np.log(p))
            back = lambda t: np.exp(-np.exp(t))  # noqa: E731
        elif method == "arcsine":
            g, d = np.arcsin(np.sqrt(p)), 1 / (2 * np.sqrt(p * (1 - p)))
            back = lambda t: np.sin(np.clip(t, 0, np.pi / 2)) ** 2  # noqa: E731
        else:
            raise choice_error(EstimationError, "transformation interval", method, TRANSFORM_CI_METHODS)
        a, b = back(g - q * se * d), back(g + q * se * d)
    return np.minimum(a, b), np.maximum(a, b)


def binomial_ci(count, nobs, alpha: float = 0.05, method: str = "wilson", *, clip: bool = True):
    """Binomial interval for ``count`` of ``nobs`` (arrays; fractional allowed) and a note per row.

    Returns (ci_low, ci_high, note). See the module docstring for the methods; the
    transformation methods take the binomial variance p(1 − p)/n and fall back to
    Clopper–Pearson at 0 and n (note ``beta_at_boundary``).

    Examples
    --------
    Wald for 1 of 29 starts below 0 (Newcombe 1998, Statist. Med. 17:857, Table II,
    method 1): the lower bound is clipped and the note says so.

    >>> lo, hi, note = binomial_ci(1, 29, method="normal")
    >>> float(lo[0]), round(float(hi[0]), 4), note[0]
    (0.0, 0.1009, 'clipped')
    """
    from survey.stats.distributions import proportion_confint

    if method not in SRS_CI_METHODS + TRANSFORM_CI_METHODS:
        raise choice_error(EstimationError, "interval method", method, SRS_CI_METHODS + TRANSFORM_CI_METHODS)
    count, nobs = np.broadcast_arrays(np.atleast_1d(np.asarray(count, dtype=float)),
                                      np.atleast_1d(np.asarray(nobs, dtype=float)))
    z = _quantile(alpha, np.inf)
    at0, at1 = count <= 0, count >= nobs
    note = np.full(count.shape, "", dtype=object)
    if method in ("normal", "agresti_coull"):   # computed here: statsmodels clips them silently
        with np.errstate(divide="ignore", invalid="ignore"):
            nn = nobs + z * z if method == "agresti_coull" else nobs
            pp = (count + z * z / 2) / nn if method == "agresti_coull" else count / nobs
            half = z * np.sqrt(pp * (1 - pp) / nn)
        lo, hi = pp - half, pp + half
    elif method in STATSMODELS_CI_METHODS:
        lo, hi = (np.asarray(b, dtype=float) for b in proportion_confint(count, nobs, alpha=alpha, method=method))
    elif method == "wilson_cc":
        lo, hi = _wilson_cc(count, nobs, z)
    elif method == "midp":
        lo, hi = _midp(count, nobs, alpha)
    elif method == "lr":
        lo, hi = _lr(count, nobs, z)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            p = count / nobs
            lo, hi = transform_ci(p, p * (1 - p) / nobs, alpha, method)
        blo, bhi = proportion_confint(count, nobs, alpha=alpha, method="beta")
        edge = at0 | at1
        lo, hi = np.where(edge, blo, lo), np.where(edge, bhi, hi)
        note = np.where(edge, "beta_at_boundary", note)
    outside = (lo < 0) | (hi > 1)
    if clip:
        lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
        note = _note(note, np.where(outside, CLIPPED, ""))
    # At x = n every interval reaches 1 and at x = 0 it starts at 0 (for Jeffreys by
    # the convention of Brown, Cai & DasGupta 2001, Statist. Sci. 16:101, §4.1.2);
    # say so exactly rather than 0.9999999999999999 from floating point.
    lo = np.where(at0, np.minimum(lo, 0.0), lo)
    hi = np.where(at1, np.maximum(hi, 1.0), hi)
    if method == "normal":
        # Wald has zero width at 0 % or 100 %: widen it with Wilson's bounds, and say so.
        wl, wh = proportion_confint(count, nobs, alpha=alpha, method="wilson")
        edge = at0 | at1
        lo, hi = np.where(edge, np.minimum(lo, wl), lo), np.where(edge, np.maximum(hi, wh), hi)
        note = _note(note, np.where(edge, WILSON_AT_BOUNDARY, ""))
    return lo, hi, note


def proportion_ci(count, nobs, alpha: float = 0.05, method: str = "wilson", *, clip: bool = True):
    """Binomial interval (ci_low, ci_high) for ``count`` successes of ``nobs`` (see :func:`binomial_ci`).

    Examples
    --------
    Wilson with continuity correction is R's ``prop.test(81, 263)$conf.int``
    (0.2535086823, 0.3681762010; Newcombe 1998, method 4: 0.2535, 0.3682):

    >>> lo, hi = proportion_ci(81, 263, method="wilson_cc")
    >>> round(float(lo), 10), round(float(hi), 10)
    (0.2535086823, 0.368176201)
    """
    if method not in SRS_CI_METHODS:
        raise choice_error(EstimationError, "interval method", method, SRS_CI_METHODS)
    shape = np.broadcast(np.asarray(count), np.asarray(nobs)).shape
    lo, hi, _ = binomial_ci(count, nobs, alpha, method, clip=clip)
    return lo.reshape(shape), hi.reshape(shape)


def resolve_df(df, design_df):
    """``None``/"normal" → ∞ (normal quantile), ``"design"`` → the design's df, a number → itself.

    Examples
    --------
    >>> resolve_df(None, 14), resolve_df("design", 14), resolve_df(30, 14)
    (inf, 14.0, 30.0)
    """
    if df is None or df == "normal":
        return np.inf
    if df == "design":
        return float(design_df)
    try:
        value = float(df)
    except (TypeError, ValueError):
        raise EstimationError("df must be 'design', 'normal' or a number of degrees of freedom", got=df) from None
    if not value > 0:
        raise EstimationError("degrees of freedom must be positive", got=df)
    return value


def design_proportion_ci(p, var, n, n_kish, df, alpha: float = 0.05, method: str = "wilson", *,
                         clip: bool = True, with_notes: bool = False):
    """Interval for a design-based proportion estimate (arrays allowed).

    ``p`` estimate, ``var`` its design variance, ``n`` respondents, ``n_kish`` their
    Kish effective size, ``df`` design degrees of freedom (for korn_graubard and the
    transformation methods). Returns (ci_low, ci_high, n_eff, method_used), and the
    per-row df and notes with ``with_notes=True``:

    - binomial methods run on n_eff = p(1 − p)/var (Korn & Graubard 1998), named ``<method>_neff``;
    - ``korn_graubard``: Clopper–Pearson on n_eff × (t_{n−1}/t_df)² (R ``svyciprop(method="beta")``);
    - transformation methods on the design variance with t_df (R ``svyciprop(method="logit")``);
    - at 0 %/100 % or a zero variance: the Kish n_eff, and Clopper–Pearson on it for the
      transformation methods (``beta_kish``).

    Examples
    --------
    R 4.2.2, survey 4.1.1, ``data(api)``: ``svyciprop(~I(stype == "H"), dclus1, method="beta")``
    on ``svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)`` is 0.07650273224
    (0.02963810621, 0.15602254879), SE 0.02681021905, n = 183, ``degf`` 14:

    >>> lo, hi, n_eff, used = design_proportion_ci(0.07650273224, 0.02681021905 ** 2, 183, 183, 14,
    ...                                            method="korn_graubard")
    >>> round(float(lo[0]), 8), round(float(hi[0]), 8), used[0]
    (0.02963811, 0.15602255, 'korn_graubard')
    """
    from survey.stats import distributions as stats

    if method not in CI_METHODS:
        raise choice_error(EstimationError, "interval method", method, CI_METHODS)
    p, var, n, n_kish, df = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (p, var, n, n_kish, df))
    p, var, n, n_kish, df = np.broadcast_arrays(p, var, n, n_kish, df)
    # A variance that is zero up to rounding (a stratum share, or every answer alike) is zero.
    boundary = (p <= 0) | (p >= 1) | ~(var > 1e-12 * np.maximum(p * (1 - p), 1e-12))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(boundary, n_kish, p * (1 - p) / var)
    df = np.where(np.isfinite(df), np.maximum(np.minimum(df, n - 1), 1), df)
    used = np.full(p.shape, method if method in DESIGN_CI_METHODS else f"{method}_neff", dtype=object)
    ci_df = np.full(p.shape, np.nan)
    note = np.full(p.shape, "", dtype=object)
    if method == "korn_graubard":
        q = 1 - alpha / 2
        dfk = np.where(np.isfinite(df), df, 1e9)
        n_eff = n_eff * (stats.t.ppf(q, np.maximum(n - 1, 1)) / stats.t.ppf(q, dfk)) ** 2
        lo, hi, note = binomial_ci(p * n_eff, n_eff, alpha, "beta", clip=clip)
        ci_df = df
    elif method in TRANSFORM_CI_METHODS:
        lo, hi = transform_ci(p, var, alpha, method, df)
        if boundary.any():  # Clopper–Pearson only where it is used (no scipy import otherwise)
            blo, bhi, _ = binomial_ci(p * n_eff, n_eff, alpha, "beta")
            lo, hi = np.where(boundary, blo, lo), np.where(boundary, bhi, hi)
        used = np.where(boundary, "beta_kish", used)
        ci_df = np.where(boundary, np.nan, df)
    else:
        lo, hi, note = binomial_ci(p * n_eff, n_eff, alpha, method, clip=clip)
        ci_df = np.full(p.shape, np.inf if method in ("normal", "agresti_coull", "wilson", "wilson_cc", "lr") else np.nan)
    used = np.where(boundary & (used != "beta_kish"), np.char.add(used.astype(str), "_kish"), used)
    note = _note(note, np.where(boundary, KISH_AT_BOUNDARY, ""))
    out = (np.asarray(lo, float), np.asarray(hi, float), n_eff, used)
    return (*out, ci_df, note) if with_notes else out


def mean_ci(est, se, alpha: float = 0.05, df=np.inf):
    """est ± q·se for means, totals, ratios: q normal (R's ``confint`` default) or t with ``df``.

    Examples
    --------
    >>> lo, hi = mean_ci(10.0, 2.0)            # 10 ± 1.96 · 2
    >>> round(float(lo), 3), round(float(hi), 3)
    (6.08, 13.92)
    >>> lo, hi = mean_ci(10.0, 2.0, df=14)     # 10 ± t_14 · 2
    >>> round(float(lo), 3), round(float(hi), 3)
    (5.71, 14.29)
    """
    q = _quantile(alpha, df)
    return est - q * se, est + q * se
