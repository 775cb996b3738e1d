"""The few distribution functions the package needs, without importing ``scipy.stats`` or statsmodels.

``scipy.stats`` takes about 0.9 s to import and ``statsmodels.stats.proportion``
1.0 s, while every number needed here is one call of a ``scipy.special`` function
(imported only when called). The objects mirror the ``scipy.stats`` spelling
used in the package (``t.ppf(q, df)``, ``norm.ppf(q)``, ``beta(a, b).cdf(x)``,
``chi2.sf(x, df)``), so a module switches with its import line.

- :func:`proportion_confint` — binomial intervals with statsmodels' names and
  formulas (``normal``, ``agresti_coull``, ``beta`` = Clopper–Pearson, ``wilson``,
  ``jeffreys``); tests compare it with statsmodels to 1e-12;
- :func:`chisquare` — Pearson's goodness-of-fit statistic and p-value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


def _special():
    import scipy.special

    return scipy.special


# ndtri at the usual levels (alpha/2 and 1 − alpha/2 for alpha 0.2, 0.1, 0.05, 0.01): the floats
# scipy.special.ndtri returns, so that a normal interval at these levels needs no scipy import (0.2–0.4 s
# of a small run). The lower tail is listed too, as ndtri gives it (not always minus the upper one in
# the last bit): ``norm.isf(alpha / 2)`` asks for it. tests/test_distributions.py checks each bit for bit.
NDTRI_AT = {0.9: 1.2815515655446004, 0.95: 1.6448536269514722, 0.975: 1.959963984540054,
            0.995: 2.5758293035489004,
            0.1: -1.2815515655446004, 0.05: -1.6448536269514729, 0.025: -1.9599639845400545,
            0.005: -2.575829303548901}


def _z(q):
    """Standard normal quantile, ``ndtri`` as scipy.stats.norm.ppf (bit for bit, so intervals equal statsmodels')."""
    if isinstance(q, float) and q in NDTRI_AT:
        return np.float64(NDTRI_AT[q])
    return _special().ndtri(q)


class _Frozen(NamedTuple):
    """A distribution with its parameters fixed: only its ``cdf`` (a function of x)."""

    cdf: Callable[[Any], Any]


class _Norm:
    @staticmethod
    def ppf(q):
        return _z(q)

    @staticmethod
    def isf(q):
        return -_z(q)

    @staticmethod
    def cdf(x):
        return _special().ndtr(x)

    @staticmethod
    def sf(x):
        return _special().ndtr(-np.asarray(x, dtype=float))

    @staticmethod
    def pdf(x):
        x = np.asarray(x, dtype=float)
        return np.exp(-x * x / 2) / np.sqrt(2 * np.pi)

    def __call__(self, loc: float = 0.0, scale: float = 1.0) -> _Frozen:
        return _Frozen(lambda x: _special().ndtr((np.asarray(x) - loc) / scale))


# Student's t quantile for many degrees of freedom, without scipy: the Cornish–Fisher expansion in
# powers of 1/df around the normal quantile — g1..g4 from Abramowitz & Stegun (1964) 26.7.5, g5 from
# Fisher & Cornish (1960); g6's exact rational coefficients were found for this package by fitting the
# expansion's remainder to 250-digit t quantiles (mpmath, regularised incomplete beta at df = 1e30),
# the same fit giving g5 back exactly. From T_SERIES_DF degrees of freedom on, at the NDTRI_AT levels,
# it is within 7e-16 (relative, 4 ulp) of scipy.special.stdtrit (tests/test_distributions.py checks
# every df to 3000 and a grid to 1e16): a design with hundreds of PSUs, or a domain of hundreds of
# respondents, gets its t interval without the 0.3 s scipy import; fewer df or other levels take stdtrit.
T_SERIES_DF = 200.0


def _t_series(x: float, df):
    """t_q(df) from the normal quantile ``x`` = z_q, terms to df⁻⁶."""
    x2 = x * x
    g1 = (x2 + 1) * x / 4
    g2 = ((5 * x2 + 16) * x2 + 3) * x / 96
    g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384
    g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160
    g5 = (((((27 * x2 + 339) * x2 + 930) * x2 - 1782) * x2 - 765) * x2 + 17955) * x / 368640
    g6 = ((((((1065 * x2 + 15448) * x2 + 48821) * x2 - 82440) * x2 + 616707) * x2 + 6667920) * x2
          + 2463615) * x / 185794560
    v = np.asarray(df, dtype=float)
    return x + (g1 + (g2 + (g3 + (g4 + (g5 + g6 / v) / v) / v) / v) / v) / v


class _T:
    @staticmethod
    def ppf(q, df):
        if isinstance(q, float) and q in NDTRI_AT and np.all(np.asarray(df, dtype=float) >= T_SERIES_DF):
            return _t_series(NDTRI_AT[q], df)
        return _special().stdtrit(df, q)

    @staticmethod
    def sf(x, df):
        return _special().stdtr(df, -np.asarray(x, dtype=float))


class _Beta:
    @staticmethod
    def ppf(q, a, b):
        return _special().betaincinv(a, b, q)

    @staticmethod
    def isf(q, a, b):
        return _special().betainccinv(a, b, q)

    def __call__(self, a, b) -> _Frozen:
        return _Frozen(lambda x: _special().betainc(a, b, x))


class _F:
    @staticmethod
    def sf(x, dfn, dfd):
        return _special().fdtrc(dfn, dfd, x)

    @staticmethod
    def isf(q, dfn, dfd):
        # upper-tail quantile: x with P(F > x) = q, through the beta distribution
        # (X ~ F(d1, d2)  ⇔  d1·X / (d1·X + d2) ~ Beta(d1/2, d2/2))
        y = _special().betainccinv(np.divide(dfn, 2), np.divide(dfd, 2), q)
        return np.asarray(dfd) * y / (np.asarray(dfn) * (1 - y))


class _Chi2:
    @staticmethod
    def sf(x, df):
        return _special().chdtrc(df, x)


norm, t, beta, f, chi2 = _Norm(), _T(), _Beta(), _F(), _Chi2()


class Chisquare(NamedTuple):
    """Pearson's χ² statistic and its p-value."""

    statistic: float
    pvalue: float


def chisquare(f_obs, f_exp) -> Chisquare:
    """Pearson's χ² goodness of fit, df = k − 1 (as ``scipy.stats.chisquare`` without ``ddof``).

    >>> res = chisquare([10, 20, 30], [20, 20, 20])   # scipy.stats.chisquare: 10.0, p 0.006737947
    >>> res.statistic, round(res.pvalue, 9)
    (10.0, 0.006737947)
    """
    obs, exp = np.asarray(f_obs, dtype=float), np.asarray(f_exp, dtype=float)
    stat = float(((obs - exp) ** 2 / exp).sum())
    return Chisquare(stat, float(chi2.sf(stat, len(obs) - 1)))


def proportion_confint(count, nobs, alpha: float = 0.05, method: str = "normal"):
    """Binomial interval for ``count`` successes in ``nobs`` trials (arrays, fractional counts allowed).

    The formulas and names of ``statsmodels.stats.proportion.proportion_confint``
    (Brown, Cai & DasGupta 2001, Statist. Sci. 16:101): ``normal`` (Wald),
    ``agresti_coull``, ``beta`` (Clopper–Pearson), ``wilson``, ``jeffreys``. Returns
    (low, high) as arrays; ``normal``, ``agresti_coull`` and ``wilson`` are clipped
    to [0, 1] as statsmodels does.

    >>> lo, hi = proportion_confint(379, 389, method="wilson")
    >>> round(float(lo), 6), round(float(hi), 6)
    (0.953333, 0.985978)
    """
    count, nobs = np.asarray(count, dtype=float), np.asarray(nobs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / nobs
        if method == "beta":  # Clopper–Pearson; exactly 0 at x = 0 and 1 at x = n
            lo = np.where(count > 0, beta.ppf(alpha / 2, np.where(count > 0, count, 1), nobs - count + 1), 0.0)
            hi = np.where(count < nobs, beta.isf(alpha / 2, count + 1, np.where(count < nobs, nobs - count, 1)), 1.0)
            return lo, hi
        if method == "jeffreys":  # the equal-tailed Beta(x + ½, n − x + ½) interval
            return beta.ppf(alpha / 2, count + 0.5, nobs - count + 0.5), beta.isf(alpha / 2, count + 0.5, nobs - count + 0.5)
        z = norm.isf(alpha / 2)
        if method == "normal":
            half = z * np.sqrt(p * (1 - p) / nobs)
            return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
        if method == "agresti_coull":
            n_c = nobs + z ** 2
            p_c = (count + z ** 2 / 2) / n_c
            half = z * np.sqrt(p_c * (1 - p_c) / n_c)
            return np.clip(p_c - half, 0, 1), np.clip(p_c + half, 0, 1)
        if method == "wilson":
            z2 = z ** 2
            denom = 1 + z2 / nobs
            center = (p + z2 / (2 * nobs)) / denom
            half = z * np.sqrt(p * (1 - p) / nobs + z2 / (4 * nobs ** 2)) / denom
            # inside [0, 1] mathematically; clipped against rounding, as statsmodels does
            return np.clip(center - half, 0, 1), np.clip(center + half, 0, 1)
    raise ValueError(f"unknown binomial interval method {method!r}")
