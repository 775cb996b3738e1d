"""What drives satisfaction: relative importance of items, weighted, with bootstrap intervals.

Two decompositions of the weighted R² of the overall item on the items:

- **LMG / Shapley** (Lindeman, Merenda & Gold 1980; Grömping 2006): each item's
  share is the average, over all orders of entry, of the R² it adds —
  Σ_{S ∌ j} |S|!(p − |S| − 1)!/p! · (R²(S ∪ j) − R²(S)). All 2^p subsets are
  evaluated from the weighted correlation matrix, batched by subset size, so 13
  items (8,192 subsets) take milliseconds. R ``relaimpo::calc.relimp(type="lmg")``.
- **Relative weights** (Johnson 2000, *Multivariate Behavioral Research* 35:1–19):
  with R_xx = QΛQ' and Λ_h = QΛ^{1/2}Q', β = Λ_h⁻¹ r_xy and ε_j = Σ_k Λ_h,jk² β_k².
  A close, much cheaper approximation of LMG.

Both sum to R². Weights enter through the weighted means and covariances (as
``calc.relimp(..., weights=)`` does). Intervals: percentile intervals over replicate
weights (:func:`survey.stats.replicate.replicate_weights`, Rao–Wu bootstrap of the
design), seeded.

:func:`importance_performance` places each item in the importance × performance
plane (重要性—满意度四分图, GB/T 19038-2009 Annex D: the axes split at the means of
the items) and gives, from the same replicates, the probability that the item is in
the quadrant it is drawn in.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from survey.errors import EstimationError, choice_error
from survey.stats.design import Design
from survey.stats.replicate import replicate_weights

IMPORTANCE_METHODS = ("lmg", "relative_weights")
QUADRANTS = ("advantage", "fix", "opportunity", "maintain")   # hi/hi, hi imp/lo perf, lo/lo, lo imp/hi perf


def weighted_correlation(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted correlation matrix of the columns of ``x`` (weights ``w``, rows complete).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> weighted_correlation(x, np.ones(4)).round(4).tolist()          # as np.corrcoef
    [[1.0, 0.6], [0.6, 1.0]]
    >>> weighted_correlation(x, np.array([1.0, 1.0, 1.0, 3.0])).round(4).tolist()
    [[1.0, 0.6124], [0.6124, 1.0]]
    """
    w = w / w.sum()
    m = w @ x
    d = x - m
    cov = (d * w[:, None]).T @ d
    s = np.sqrt(np.diag(cov))
    if (s <= 0).any():
        raise EstimationError("an item has no variance among the respondents used",
                              got=f"column {int(np.flatnonzero(s <= 0)[0])}",
                              hint="drop items that every respondent answered alike")
    return cov / np.outer(s, s)


def _r2_all_subsets(Rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """R² of every subset of predictors, indexed by bitmask (bit j = predictor j)."""
    p = len(rxy)
    out = np.zeros(1 << p)
    for k in range(1, p + 1):
        subs = np.array(list(combinations(range(p), k)))
        A = Rxx[subs[:, :, None], subs[:, None, :]]
        b = rxy[subs]
        sol = np.linalg.solve(A, b[:, :, None])[:, :, 0]
        masks = (1 << subs).sum(axis=1)
        out[masks] = np.einsum("ij,ij->i", b, sol)
    return out


def lmg(Rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """LMG (Shapley) shares of R² from a correlation matrix and the correlations with y.

    Examples
    --------
    Uncorrelated items each get their own r²; two items correlated 0.5, with r = 0.6 and
    0.5 with y: R²(1) = 0.36, R²(2) = 0.25, R²(1, 2) = 0.41333, and item 1's share is
    ½[0.36 + (0.41333 − 0.25)] = 0.26167.

    >>> lmg(np.eye(2), np.array([0.6, 0.3])).round(4).tolist()
    [0.36, 0.09]
    >>> s = lmg(np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.6, 0.5]))
    >>> s.round(5).tolist(), round(float(s.sum()), 5)
    ([0.26167, 0.15167], 0.41333)
    """
    p = len(rxy)
    r2 = _r2_all_subsets(Rxx, rxy)
    masks = np.arange(1 << p)
    size = np.array([bin(m).count("1") for m in masks])
    weight = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) if s < p else 0.0 for s in range(p + 1)])
    shares = np.empty(p)
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        shares[j] = (weight[size[without]] * (r2[without | (1 << j)] - r2[without])).sum()
    return shares


def relative_weights(Rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from a correlation matrix and the correlations with y.

    Examples
    --------
    The weights sum to R² (0.41333 for two items correlated 0.5, with r = 0.6 and 0.5):

    >>> rw = relative_weights(np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.6, 0.5]))
    >>> round(float(rw.sum()), 5)
    0.41333
    """
    vals, Q = np.linalg.eigh(Rxx)
    half = Q @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ Q.T
    beta = np.linalg.solve(half, rxy)
    return (half ** 2) @ (beta ** 2)


def _shares(x, y, w, method):
    R = weighted_correlation(np.column_stack([x, y]), w)
    Rxx, rxy = R[:-1, :-1], R[:-1, -1]
    return lmg(Rxx, rxy) if method == "lmg" else relative_weights(Rxx, rxy)


def relative_importance(data: pd.DataFrame, y: str, x: list[str], *, design: Design | None = None,
                        method: str = "lmg", replicates: int = 200, seed: int = 20211215,
                        alpha: float = 0.05, replicate: np.ndarray | None = None) -> pd.DataFrame:
    """Importance of each of ``x`` for ``y``: share of R², its normalised share and a bootstrap interval.

    Respondents missing any of the columns are left out (complete cases). Columns:
    ``item, share`` (R² share), ``relative`` (share / R², summing to 1), ``ci_low, ci_high``
    (percentile interval of ``relative`` over the design's bootstrap replicates; NaN with
    ``replicates=0``), ``rank``; ``attrs["r2"]`` holds R² and ``attrs["n"]`` the rows used.
    ``replicate`` (units × replicates, aligned with ``data``'s rows) gives the replicate
    weights to use instead of drawing them, so other statistics can share the replicates.

    Examples
    --------
    y = 2·x1 + x2 + e with x1, x2 and e uncorrelated and of equal variance: R² = 5/6, the
    shares are 4/6 and 1/6. tests/test_drivers.py reproduces R's relaimpo 2.2-7 on
    ``swiss`` (``calc.relimp(swiss, type="lmg")``: R² 0.7067350016, Education 0.26013467862).

    >>> d = pd.DataFrame({"x1": [1.0, 1, -1, -1] * 2, "x2": [1.0, -1, 1, -1] * 2, "y": [4.0, 0, -2, -2] * 2})
    >>> out = relative_importance(d, "y", ["x1", "x2"], replicates=0)
    >>> out[["item", "share", "relative", "rank"]].round(4)
      item   share  relative  rank
    0   x1  0.6667       0.8     1
    1   x2  0.1667       0.2     2
    >>> round(out.attrs["r2"], 4), out.attrs["n"]
    (0.8333, 8)
    """
    if method not in IMPORTANCE_METHODS:
        raise choice_error(EstimationError, "importance method", method, IMPORTANCE_METHODS)
    cols = [*x, y]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise EstimationError(f"no column '{missing[0]}' in the data", expected=", ".join(map(str, data.columns[:30])))
    if len(x) < 2:
        raise EstimationError("relative importance needs at least two items", got=len(x))
    if method == "lmg" and len(x) > 20:
        raise EstimationError("LMG over more than 20 items is too slow (2^p subsets)", got=len(x),
                              hint="use method='relative_weights'")
    values = data[cols].apply(pd.to_numeric, errors="coerce")
    keep = values.notna().all(axis=1).to_numpy()
    sub = data.loc[keep]
    design = design or Design()
    prep = design.prepare(sub)
    X = values.loc[keep, x].to_numpy(float)
    Y = values.loc[keep, y].to_numpy(float)
    shares = _shares(X, Y, prep.w, method)
    r2 = float(shares.sum())
    out = pd.DataFrame(dict(item=list(x), share=shares, relative=shares / r2))
    out["ci_low"] = out["ci_high"] = np.nan
    if replicate is not None:
        replicates = replicate.shape[1]
    if replicates:
        reps = (np.asarray(replicate, float)[keep] if replicate is not None
                else bootstrap_replicates(sub, design, replicates, seed))
        rel = np.array([_rel(X, Y, reps[:, r], method) for r in range(reps.shape[1])])
        out["ci_low"] = np.nanquantile(rel, alpha / 2, axis=0)
        out["ci_high"] = np.nanquantile(rel, 1 - alpha / 2, axis=0)
        out.attrs["replicate_relative"] = rel
    out["rank"] = out["share"].rank(ascending=False, method="min").astype(int)
    out.attrs.update(r2=r2, n=int(keep.sum()), method=method, replicates=replicates, seed=seed)
    return out


def _rel(X, Y, w, method):
    use = w > 0
    try:
        s = _shares(X[use], Y[use], w[use], method)
    except (EstimationError, np.linalg.LinAlgError):
        return np.full(X.shape[1], np.nan)
    return s / s.sum()


def bootstrap_replicates(data: pd.DataFrame, design: Design, replicates: int, seed: int) -> np.ndarray:
    """Rao–Wu bootstrap replicate weights of the design (units × replicates).

    Examples
    --------
    A simple random sample of five: each replicate draws four with replacement and scales
    by 5/4, so every replicate's weights sum to 5.

    >>> b = bootstrap_replicates(pd.DataFrame({"y": range(5)}), Design(), 3, seed=1)
    >>> b.shape, b.sum(axis=0).tolist()
    ((5, 3), [5.0, 5.0, 5.0])
    """
    return replicate_weights(design.prepare(data), "bootstrap", replicates=replicates, seed=seed).weights


def _quadrant(imp, perf):
    hi_i = imp >= np.nanmean(imp, axis=-1, keepdims=True)
    hi_p = perf >= np.nanmean(perf, axis=-1, keepdims=True)
    return np.where(hi_i & hi_p, 0, np.where(hi_i & ~hi_p, 1, np.where(~hi_i & ~hi_p, 2, 3)))


def importance_performance(importance: pd.DataFrame, performance: pd.Series,
                           replicate_importance: np.ndarray | None = None,
                           replicate_performance: np.ndarray | None = None) -> pd.DataFrame:
    """The 四分图: each item's quadrant (split at the means) and the probability it is there.

    ``importance`` is :func:`relative_importance`'s table (``item``, ``relative``);
    ``performance`` a Series by item (e.g. its top-box rate). With replicate arrays
    (replicates × items, the same replicates for both) ``p_quadrant`` is the share of
    replicates that put the item in the same quadrant. Quadrants: ``advantage`` (high
    importance, high performance), ``fix`` (high importance, low performance — improve
    first), ``opportunity`` (low, low), ``maintain`` (low importance, high performance).

    Examples
    --------
    Means 0.25 (importance) and 0.81 (performance) split the plane:

    >>> imp = pd.DataFrame({"item": list("abcd"), "relative": [0.4, 0.3, 0.2, 0.1]})
    >>> ipa = importance_performance(imp, pd.Series({"a": 0.95, "b": 0.70, "c": 0.60, "d": 0.99}))
    >>> ipa["quadrant"].tolist()
    ['advantage', 'fix', 'opportunity', 'maintain']
    """
    items = list(importance["item"])
    imp = importance["relative"].to_numpy(float)
    perf = performance.reindex(items).to_numpy(float)
    if np.isnan(perf).any():
        raise EstimationError("performance is missing for an item", got=items[int(np.flatnonzero(np.isnan(perf))[0])])
    q = _quadrant(imp, perf)
    out = pd.DataFrame(dict(item=items, importance=imp, performance=perf,
                            importance_mean=float(imp.mean()), performance_mean=float(perf.mean()),
                            quadrant=[QUADRANTS[k] for k in q]))
    out["p_quadrant"] = np.nan
    if replicate_importance is not None and replicate_performance is not None:
        ri, rp = np.asarray(replicate_importance, float), np.asarray(replicate_performance, float)
        ok = np.isfinite(ri).all(axis=1) & np.isfinite(rp).all(axis=1)
        rq = _quadrant(ri[ok], rp[ok])
        out["p_quadrant"] = (rq == q[None, :]).mean(axis=0)
    return out


def priority_list(ipa: pd.DataFrame) -> pd.DataFrame:
    """优先改进: the items of the ``fix`` quadrant, most important first.

    Examples
    --------
    >>> imp = pd.DataFrame({"item": list("abcd"), "relative": [0.4, 0.3, 0.2, 0.1]})
    >>> ipa = importance_performance(imp, pd.Series({"a": 0.95, "b": 0.70, "c": 0.60, "d": 0.99}))
    >>> priority_list(ipa)["item"].tolist()
    ['b']
    """
    fix = ipa[ipa["quadrant"] == "fix"]
    return fix.sort_values(["importance", "performance"], ascending=[False, True]).reset_index(drop=True)
