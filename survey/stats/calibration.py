"""Calibration to population totals of categorical and numeric auxiliaries (GREG and its relatives).

:func:`calibrate_totals` finds weights w = d·g(xᵀλ) whose weighted totals of the
auxiliaries x equal the population totals T (Deville & Särndal 1992), with d the base
weights and x the indicators of every level of the categorical variables plus the
numeric variables (e.g. last year's enrolment). The calibration distance sets g:

``linear``   g(u) = 1 + u (GREG, chi-square distance); with ``bounds`` (L, U) g is
             truncated to [L, U] and λ found by Newton steps over the units inside.
``raking``   g(u) = exp(u) (raking ratio; multiplicative, never negative).
``logit``    g(u) = [L(U − 1) + U(1 − L)e^{Au}] / [(U − 1) + (1 − L)e^{Au}],
             A = (U − L)/((1 − L)(U − 1)): bounded smoothly in (L, U) (needs ``bounds``).

λ solves Σ d g(xᵀλ) x = T by Newton's method with the Jacobian Xᵀ diag(d g′) X
(pseudo-inverse: the indicator columns of several variables are collinear). R:
``calibrate(design, ~stype + api99, pop.totals, calfun="linear"/"raking"/"logit",
bounds=c(L, U))``. The variance of estimates from such weights: give the design
``calibration`` (categorical) and ``calibration_numeric`` columns (GREG residuals).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survey.definitions.vocab import CAL_DISTANCES
from survey.errors import WeightingError, choice_error
from survey.stats.weights import Weighted, base_weights, diagnose


def auxiliary_matrix(data: pd.DataFrame, totals: Mapping[str, object]) -> tuple[np.ndarray, np.ndarray, list]:
    """X (units × columns), T and the column names from ``totals``.

    A Series value is a categorical variable's counts per level (every level of the
    data must be listed); a number is a numeric variable's population total.

    Examples
    --------
    >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> X, T, names = auxiliary_matrix(d, {"g": pd.Series({"a": 10, "b": 30}), "x": 20})
    >>> X.tolist(), T.tolist(), names
    ([[1.0, 0.0, 1.0], [1.0, 0.0, 2.0], [0.0, 1.0, 3.0], [0.0, 1.0, 4.0]], [10.0, 30.0, 20.0], ['g=a', 'g=b', 'x'])
    """
    cols, targets, names = [], [], []
    for var, target in totals.items():
        if var not in data.columns:
            raise WeightingError(f"no column '{var}' to calibrate on",
                                 expected="one of " + ", ".join(map(str, data.columns[:30])))
        if isinstance(target, (int, float, np.floating, np.integer)):
            x = pd.to_numeric(data[var], errors="coerce").to_numpy(float)
            if not np.isfinite(x).all():
                raise WeightingError(f"numeric auxiliary '{var}' has an empty or non-numeric cell", column=var,
                                     hint="every respondent needs a value of each calibration variable")
            cols.append(x)
            targets.append(float(target))
            names.append(var)
            continue
        t = pd.Series(target, dtype=float)
        t.index = t.index.astype(str)
        levels = data[var].astype(str)
        unknown = sorted(set(levels) - set(t.index))
        if unknown:
            raise WeightingError(f"respondents in {var} '{unknown[0]}', which the population totals do not list",
                                 column=var, hint="add the level to the totals")
        for level, count in t.items():
            x = (levels == level).to_numpy(float)
            if count > 0 and not x.any():
                raise WeightingError(f"{var} '{level}' has population {count:g} but no respondents", column=var)
            cols.append(x)
            targets.append(float(count))
            names.append(f"{var}={level}")
    return np.column_stack(cols), np.asarray(targets), names


def numeric_totals(specs) -> dict[str, float]:
    """``["api99=3914069", ...]`` (the CLI's ``--total``) → {"api99": 3914069.0}.

    Examples
    --------
    >>> numeric_totals(["api99=3914069", "enroll = 1,234"])
    {'api99': 3914069.0, 'enroll': 1234.0}
    """
    out = {}
    for spec in specs:
        name, sep, value = str(spec).partition("=")
        try:
            out[name.strip()] = float(value.replace(",", ""))
        except ValueError:
            raise WeightingError("a numeric total is COLUMN=VALUE", got=spec, hint="e.g. --total api99=3914069") from None
        if not sep or not name.strip():
            raise WeightingError("a numeric total is COLUMN=VALUE", got=spec, hint="e.g. --total api99=3914069")
    return out


def _g(u: np.ndarray, distance: str, bounds):
    """g(u) and g′(u) of the calibration distance."""
    if distance == "raking":
        e = np.exp(np.clip(u, -700, 700))
        return e, e
    if distance == "logit":
        lo, hi = bounds
        A = (hi - lo) / ((1 - lo) * (hi - 1))
        e = np.exp(np.clip(A * u, -700, 700))
        a, b, c, h = lo * (hi - 1), hi * (1 - lo), hi - 1, 1 - lo
        return (a + b * e) / (c + h * e), A * e * (b * c - a * h) / (c + h * e) ** 2
    g = 1 + u
    if bounds is None:
        return g, np.ones_like(u)
    inside = (g > bounds[0]) & (g < bounds[1])
    return np.clip(g, *bounds), inside.astype(float)


def calibrate_totals(data: pd.DataFrame, totals: Mapping[str, object], *, base=None, distance: str = "linear",
                     bounds: tuple[float, float] | None = None, tol: float = 1e-10, max_iter: int = 100,
                     cluster: str | None = None) -> Weighted:
    """Weights calibrated to the totals of categorical and numeric auxiliaries (module docstring).

    ``base``: a column name or array of base weights (default 1). ``cluster``: one
    calibration factor per cluster (R's ``aggregate.stage=1``): g is found from the
    cluster means of x, so every unit of a cluster keeps the same g (the base weights
    must be constant within clusters). Returns weights with diagnostics; ``converged``
    False (with the history of the largest relative total error) when the bounds cannot be met.

    Examples
    --------
    One categorical variable is post-stratification; one numeric total with the linear
    distance solves Σ(1 + λx)x = T: here 10 + 30λ = 20, λ = 1/3, w = 1 + x/3.

    >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> calibrate_totals(d, {"g": pd.Series({"a": 10, "b": 30})}).weights.tolist()
    [5.0, 5.0, 15.0, 15.0]
    >>> calibrate_totals(d, {"x": 20}).weights.round(4).tolist()
    [1.3333, 1.6667, 2.0, 2.3333]

    On R's ``data(api)`` (``calibrate(dclus1, ~stype + api99, pop.totals)``, R survey 4.1.1) the
    calibrated mean of api00 is 665.30907, SE 3.44175: tests/test_calibration.py.
    """
    if distance not in CAL_DISTANCES:
        raise choice_error(WeightingError, "calibration distance", distance, CAL_DISTANCES)
    if distance == "logit" and bounds is None:
        raise WeightingError("logit calibration needs bounds", hint="e.g. bounds=(0.5, 2) on final/base weight")
    if bounds is not None and not (0 <= bounds[0] < 1 < bounds[1]):
        raise WeightingError("calibration bounds must satisfy 0 ≤ lower < 1 < upper", got=bounds)
    d = base_weights(data, base)
    X, T, names = auxiliary_matrix(data, totals)
    Xg = X
    if cluster is not None:
        codes, _ = pd.factorize(data[cluster], sort=True)
        if np.ptp(d) > 0 and not np.allclose(pd.Series(d).groupby(codes).transform("std").fillna(0), 0):
            raise WeightingError("base weights differ within a cluster: one factor per cluster needs them equal",
                                 column=cluster)
        sums = np.zeros((codes.max() + 1, X.shape[1]))
        np.add.at(sums, codes, X)
        Xg = (sums / np.bincount(codes)[:, None])[codes]  # cluster means: g is the same within a cluster
    lam = np.zeros(X.shape[1])
    history = []
    scale = np.maximum(np.abs(T), 1e-300)
    for _ in range(max_iter):
        g, dg = _g(Xg @ lam, distance, bounds)
        resid = T - X.T @ (d * g)
        history.append(float(np.max(np.abs(resid) / scale)))
        if history[-1] <= tol:
            break
        J = X.T @ (Xg * (d * dg)[:, None])
        lam = lam + np.linalg.pinv(J) @ resid
    g, _ = _g(Xg @ lam, distance, bounds)
    if distance == "linear" and bounds is None and (g <= 0).any():
        raise WeightingError("linear calibration gives negative or zero weights",
                             hint="use bounds, or distance 'raking' / 'logit'")
    w = d * g
    achieved = X.T @ w
    margins = pd.DataFrame({"variable": [n.split("=")[0] for n in names],
                            "level": [n.split("=", 1)[1] if "=" in n else "total" for n in names],
                            "target": T, "achieved": achieved, "difference": achieved - T})
    err = float(np.max(np.abs(achieved - T) / scale))
    diag = diagnose(w, f"calibrate_{distance}", converged=err <= max(tol, 1e-8), iterations=len(history),
                    tolerance=tol, history=tuple(history), margins=margins, calibrated=err <= max(tol, 1e-8))
    return Weighted(pd.Series(w, index=data.index, name="weight"), diag)
