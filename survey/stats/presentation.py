"""Which cells to trust: the NCHS data presentation standards for proportions.

Parker JD, Talih M, Malec DJ, et al. *National Center for Health Statistics Data
Presentation Standards for Proportions*. Vital Health Stat 2(175), 2017 (revised
2018, 2021). The standard judges an estimated proportion p from

- its **effective sample size** n_eff = p(1 − p) / Var(p), set to the actual
  denominator sample size n when it would exceed n, and equal to n at p = 0 or 1;
- the **Korn–Graubard interval** (Clopper–Pearson on n_eff × (t_{n−1} / t_df)²,
  R ``svyciprop(method="beta")``) — its absolute width W = upper − lower, its
  relative width W / p, and the relative width of the complement W / (1 − p);
- the design **degrees of freedom** df (PSUs − strata of the subgroup).

The published decision, in order (thresholds are :class:`Standard` parameters):

1. n < 30 or n_eff < 30                                  → suppress (``n_eff``)
2. W ≤ 0.05                                              → present
3. W ≥ 0.30                                              → suppress (``width``)
4. 0.05 < W < 0.30 and W / p > 130%                      → suppress (``relative_width``)
5. otherwise                                             → present

(the relative widths are undefined at p = 0 and for the complement at p = 1, so
those two checks do not apply there — as in NCHS's SAS implementation);

and a presented proportion is flagged for statistical review (still shown, with a
footnote) when df < 8 (``df``), when p is 0 or 1 (``zero_or_one``), or when its
complement would fail step 4, W / (1 − p) > 130% with 0.05 < W < 0.30
(``complement``).

:func:`nchs_decision` applies the table to given numbers (so a test can feed it
the published cases); :func:`nchs_interval` computes the Korn–Graubard interval
the standard asks for; :func:`flag_estimates` adds the ``reliability`` column
(``present`` / ``review`` / ``suppress``) and its reasons to any estimates table
with the columns of :data:`survey.stats.estimate.ESTIMATE_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import EstimationError
from survey.stats.estimate import design_proportion_ci

PRESENT, REVIEW, SUPPRESS = "present", "review", "suppress"
RELIABILITY = (PRESENT, REVIEW, SUPPRESS)
# reason codes, in the order the standard checks them
REASONS = ("n_eff", "width", "relative_width", "df", "zero_or_one", "complement")
# Thresholds are compared with this tolerance, so a width of 0.55 − 0.50 (0.0500…04 in
# floating point) counts as 0.05 and 0.13/0.10 as 130%, as the published rules mean.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Standard:
    """Thresholds of the presentation standard (defaults: NCHS 2017)."""

    min_n: float = 30            # minimum denominator and effective sample size
    min_df: float = 8            # fewer degrees of freedom → statistical review
    small_width: float = 0.05    # an interval at most this wide is always presented
    large_width: float = 0.30    # an interval at least this wide is always suppressed
    max_relative_width: float = 1.30   # W / p above this (between the two widths) → suppress

    def __post_init__(self):
        if not (0 < self.small_width < self.large_width <= 1) or self.max_relative_width <= 0 or self.min_n < 0:
            raise EstimationError("presentation thresholds out of order",
                                  got=f"small_width {self.small_width}, large_width {self.large_width}, "
                                      f"max_relative_width {self.max_relative_width}, min_n {self.min_n}",
                                  expected="0 < small_width < large_width ≤ 1, max_relative_width > 0, min_n ≥ 0")


NCHS = Standard()


def standard_of(analysis) -> Standard:
    """The presentation standard an analysis was run with: NCHS 2017 with its ``reliable_n``.

    ``reliable_n`` (the minimum sample and effective sample size) is what ``survey analyze
    --reliable-n`` and an evaluation folder's ``thresholds.reliable_n`` set;
    :func:`survey.pipeline.analyze` records it in ``Analysis.parameters``. Anything
    without that parameter (an older analysis, a bare result) gets :data:`NCHS`.

    >>> from types import SimpleNamespace
    >>> standard_of(SimpleNamespace(parameters={"reliable_n": 5})).min_n, standard_of(None) == NCHS
    (5.0, True)
    """
    n = (getattr(analysis, "parameters", None) or {}).get("reliable_n")
    return NCHS if n is None or float(n) == NCHS.min_n else Standard(min_n=float(n))


def nchs_decision(p, n, n_eff, ci_low, ci_high, df, standard: Standard = NCHS) -> pd.DataFrame:
    """The standard's decision for each proportion (arrays or scalars).

    ``n_eff`` is used as given, after capping at ``n`` (and set to ``n`` at p = 0 or 1,
    as the standard says); ``df`` may be NaN (no design: the df check is skipped).
    Returns columns ``n_eff_nchs, ci_width, relative_width, complement_relative_width,
    reliability, reasons`` (reasons: the codes of :data:`REASONS` joined by ``;``).

    >>> nchs_decision(0.5, 100, 100, 0.40, 0.60, 99).loc[0, ["reliability", "reasons"]].tolist()
    ['present', '']
    >>> nchs_decision(0.10, 100, 100, 0.05, 0.19, 99).loc[0, ["reliability", "reasons"]].tolist()
    ['suppress', 'relative_width']
    """
    p, n, n_eff, lo, hi, df = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (p, n, n_eff, ci_low, ci_high, df))
    p, n, n_eff, lo, hi, df = np.broadcast_arrays(p, n, n_eff, lo, hi, df)
    s = standard
    boundary = (p <= 0) | (p >= 1)
    neff = np.where(boundary | ~np.isfinite(n_eff), n, np.minimum(n_eff, n))
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        # undefined at p = 0 (or 1 for the complement): that check does not apply there
        rel = np.where(p > 0, width / p, np.nan)
        rel_c = np.where(p < 1, width / (1 - p), np.nan)
    e = TOLERANCE
    middle = (width > s.small_width + e) & (width < s.large_width - e)
    small_n = (n < s.min_n - e) | (neff < s.min_n - e) | ~np.isfinite(p)
    wide = ~small_n & (width >= s.large_width - e)
    too_rel = ~small_n & ~wide & middle & (rel > s.max_relative_width + e)
    shown = ~(small_n | wide | too_rel)
    few_df = shown & np.isfinite(df) & (df < s.min_df - e)
    complement = shown & middle & (rel_c > s.max_relative_width + e)
    extreme = shown & boundary
    reasons = []
    for k in range(len(p)):
        codes = [c for c, on in zip(REASONS, (small_n[k], wide[k], too_rel[k], few_df[k], extreme[k], complement[k]))
                 if on]
        reasons.append(";".join(codes))
    reliability = np.where(~shown, SUPPRESS, np.where(few_df | extreme | complement, REVIEW, PRESENT))
    return pd.DataFrame(dict(n_eff_nchs=neff, ci_width=width, relative_width=rel, complement_relative_width=rel_c,
                             reliability=reliability.astype(object), reasons=reasons))


def nchs_interval(p, se, n, df, alpha: float = 0.05):
    """Korn–Graubard interval on the standard's effective sample size.

    n_eff = p(1 − p)/se² capped at n (n itself at p = 0 or 1), then Clopper–Pearson on
    n_eff × (t_{n−1}/t_df)² — :func:`survey.stats.intervals.design_proportion_ci` with
    ``korn_graubard``. Returns (ci_low, ci_high).

    Examples
    --------
    R 4.2.2, survey 4.1.1, ``data(api)``: ``svyciprop(~I(stype == "H"), dclus1, method="beta")``
    on ``svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)`` is 0.07650273224
    (0.02963810621, 0.15602254879), SE 0.02681021905, n = 183, ``degf`` 14; n_eff = 98.3 < n,
    so the cap does not bind and the interval is R's:

    >>> lo, hi = nchs_interval(0.07650273224, 0.02681021905, 183, 14)
    >>> round(float(lo[0]), 8), round(float(hi[0]), 8)
    (0.02963811, 0.15602255)
    """
    p, se, n, df = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (p, se, n, df))
    p, se, n, df = np.broadcast_arrays(p, se, n, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = np.where((p > 0) & (p < 1) & (se > 0), np.minimum(p * (1 - p) / se ** 2, n), n)
        var = np.where((p > 0) & (p < 1), p * (1 - p) / neff, 0.0)
    df = np.where(np.isfinite(df), df, n - 1)
    lo, hi, _, _ = design_proportion_ci(p, var, n, n, df, alpha, "korn_graubard")
    return lo, hi


def flag_estimates(estimates: pd.DataFrame, *, df=None, alpha: float = 0.05, standard: Standard = NCHS,
                   proportion: pd.Series | None = None) -> pd.DataFrame:
    """The estimates table with the standard's columns added (a new frame; the input is untouched).

    ``estimates`` has ``n, n_eff, estimate, se`` (the tidy table of
    :mod:`survey.stats.estimate` / :func:`survey.evaluation.measures.estimate`). ``df``
    is the design degrees of freedom: a number, a Series aligned with the rows, or None
    to use a ``df`` column when there is one and n − 1 otherwise (a simple random
    sample, or a domain of a stratified sample, has about n − 1). The Korn–Graubard
    interval is recomputed from estimate and se (the table's own interval may be
    Wilson); added columns: ``kg_low, kg_high`` and those of :func:`nchs_decision`.
    A row without an estimate (n = 0) is ``suppress`` (reason ``n_eff``). The standard is
    for proportions: pass ``proportion`` (a boolean per row) to leave other rows (means,
    totals) with an empty ``reliability``.

    >>> est = pd.DataFrame(dict(n=[389, 12], n_eff=[389, 12], estimate=[0.9743, 1.0], se=[0.008, 0.0]))
    >>> flag_estimates(est)[["reliability", "reasons"]].values.tolist()
    [['present', ''], ['suppress', 'n_eff']]
    """
    need = [c for c in ("n", "estimate", "se") if c not in estimates.columns]
    if need:
        raise EstimationError(f"estimates table lacks column '{need[0]}'", expected="n, n_eff, estimate, se",
                              hint="pass the table returned by survey.evaluation.measures.estimate")
    e = estimates.copy()
    n = e["n"].astype(float).to_numpy()
    if df is None:
        dfv = e["df"].astype(float).to_numpy() if "df" in e else n - 1
    else:
        dfv = np.broadcast_to(np.asarray(df, dtype=float), n.shape)
    p = e["estimate"].astype(float).to_numpy()
    se = e["se"].astype(float).to_numpy()
    se = np.where(np.isfinite(se), se, np.sqrt(np.clip(p * (1 - p), 0, None) / np.maximum(n, 1)))
    ok = np.isfinite(p) & (n > 0)
    lo, hi = nchs_interval(np.where(ok, p, 0.5), se, np.maximum(n, 1), dfv, alpha)
    lo, hi = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = np.where((p > 0) & (p < 1) & (se > 0), p * (1 - p) / se ** 2, n)
    d = nchs_decision(p, n, neff, lo, hi, dfv, standard)
    e["kg_low"], e["kg_high"] = lo, hi
    for c in d.columns:
        e[c] = d[c].to_numpy()
    if proportion is not None:
        mask = ~np.asarray(proportion, dtype=bool)
        e.loc[mask, "reliability"] = ""
        e.loc[mask, "reasons"] = ""
    return e


def quotable(estimates: pd.DataFrame) -> pd.Series:
    """True for the rows a generated sentence may quote (reliability ``present``).

    Examples
    --------
    >>> est = pd.DataFrame({"estimate": [0.97, 0.5], "reliability": ["present", "suppress"]})
    >>> quotable(est).tolist(), quotable(est[["estimate"]]).tolist()   # no flags: every row
    ([True, False], [True, True])
    """
    if "reliability" not in estimates:
        return pd.Series(True, index=estimates.index)
    return estimates["reliability"].eq(PRESENT)
