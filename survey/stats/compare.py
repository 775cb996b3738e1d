"""Design-based comparisons: two years, two distributions, a unit against the whole.

- :func:`difference` — θ₂ − θ₁ of two estimates with SE √(se₁² + se₂² − 2 cov), its
  interval and a t (or normal) test. Independent samples have cov = 0; when the same
  people answer both years (staff), the covariance of the overlap is positive for a
  stable opinion, so leaving it out gives a *larger* SE: the independent test is
  conservative. R: ``svyttest(y ~ year, stacked)`` on a design that stacks the two
  samples (each keeps its own strata and PSUs) gives the same difference and SE, with
  df = degf(stacked) − 1.
- :func:`rao_scott` — Rao & Scott (1984) second-order corrected Pearson χ² for a
  two-way table under the design (R ``svychisq(~x + y, design, statistic="F")``):
  X² from the weighted table scaled to the n units, the generalised design effects
  δ (eigenvalues of Δ = (C'D⁻¹C/n)⁻¹ C'D⁻¹VD⁻¹C, C the interaction contrasts, D the
  cell proportions, V their design covariance), F = X²/Σδ on d = (Σδ)²/Σδ² and
  d·df degrees of freedom.
- :func:`unit_contrasts` — each unit's mean minus the overall mean, with the Taylor
  variance of the difference (both depend on the unit's respondents) and Holm's
  (1979) step-down correction over the units; names the units significantly below
  (R: ``svyby(~y, ~unit, design, svymean, covmat=TRUE)`` + ``svycontrast`` when the
  unit shares are fixed — units as strata — and ``svycontrast(svytotal(...), quote(...))``
  otherwise).

Every variance comes from :meth:`survey.stats.design.Prepared.variance`; covariances
by polarisation, Cov(a, b) = (V(a + b) − V(a) − V(b)) / 2, so strata, clusters, the
finite population correction and calibration are respected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.errors import EstimationError
from survey.stats.design import Design, Prepared

DIFFERENCE_COLUMNS = ("estimate_old", "estimate_new", "difference", "se", "ci_low", "ci_high", "statistic",
                      "df", "p_value")


def difference(est_old, se_old, est_new, se_new, *, cov=0.0, df=None, alpha: float = 0.05) -> pd.DataFrame:
    """New minus old, with SE, interval and two-sided test (arrays or scalars).

    ``df`` None (or inf) uses the normal distribution, else Student's t with ``df``.

    >>> d = difference(0.90, 0.01, 0.95, 0.01).iloc[0]
    >>> round(float(d["difference"]), 2), round(float(d["se"]), 5), round(float(d["p_value"]), 5)
    (0.05, 0.01414, 0.00041)
    """
    from survey.stats import distributions as stats

    a, sa, b, sb, c = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (est_old, se_old, est_new, se_new, cov))
    a, sa, b, sb, c = np.broadcast_arrays(a, sa, b, sb, c)
    d = b - a
    se = np.sqrt(np.clip(sa ** 2 + sb ** 2 - 2 * c, 0, None))
    dfv = np.broadcast_to(np.asarray(np.inf if df is None else df, dtype=float), d.shape)
    q = np.where(np.isfinite(dfv), stats.t.ppf(1 - alpha / 2, np.where(np.isfinite(dfv), dfv, 1)),
                 stats.norm.ppf(1 - alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, d / se, np.where(d == 0, 0.0, np.sign(d) * np.inf))
    p = np.where(np.isfinite(dfv), 2 * stats.t.sf(np.abs(t), np.where(np.isfinite(dfv), dfv, 1)),
                 2 * stats.norm.sf(np.abs(t)))
    return pd.DataFrame(dict(estimate_old=a, estimate_new=b, difference=d, se=se, ci_low=d - q * se,
                             ci_high=d + q * se, statistic=t, df=dfv, p_value=p))


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN; R ``p.adjust(p, "holm")``).

    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adj
    return out


# ----------------------------------------------------------------------------- covariance

def covariance(prep: Prepared, z: np.ndarray) -> np.ndarray:
    """Design covariance matrix of the totals of the columns of ``z`` (units × k influence values).

    Examples
    --------
    On a simple random sample of four, a column and its negative covary by −V; a constant
    has no variance:

    >>> from survey.stats.design import prepare
    >>> y = np.array([1.0, 0.0, 1.0, 1.0])
    >>> covariance(prepare(pd.DataFrame({"y": y}), Design()), np.column_stack([y, -y, np.ones(4)])).tolist()
    [[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    z = np.asarray(z, dtype=float)
    k = z.shape[1]
    v = np.array([prep.variance(z[:, j])[0] for j in range(k)])
    out = np.diag(v)
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = (prep.variance(z[:, i] + z[:, j])[0] - v[i] - v[j]) / 2
    return out


# ----------------------------------------------------------------------------- Rao–Scott

@dataclass(frozen=True)
class RaoScott:
    """Rao–Scott second-order corrected test of independence of a two-way table."""

    rows: str
    cols: str
    pearson: float           # X² of the weighted table scaled to n
    F: float
    ndf: float
    ddf: float
    p_value: float
    n: int
    deltas: tuple[float, ...]    # generalised design effects (eigenvalues of Δ)
    table: pd.DataFrame = field(repr=False)   # weighted cell proportions, rows × cols


def rao_scott(data: pd.DataFrame, rows: str, cols: str, design: Design | None = None) -> RaoScott:
    """Rao–Scott F test that ``rows`` and ``cols`` are independent (R ``svychisq(statistic="F")``).

    Units missing either variable are left out of the table (their design is kept for
    the variance, as R does with ``na.rm``); df of the denominator use the whole
    design's degrees of freedom (PSUs − strata).

    Examples
    --------
    On a simple random sample X² is Pearson's (scipy's ``chi2_contingency(table,
    correction=False)`` gives 5.01279 for this table) and the one design effect is
    n/(n − 1); tests/test_compare.py matches R's ``svychisq(~sch.wide + stype, dclus1,
    statistic="F")`` (R survey 4.1.1) on a cluster sample.

    >>> d = pd.DataFrame({"sex": ["f"] * 20 + ["m"] * 20,
    ...                   "sat": ["yes"] * 15 + ["no"] * 5 + ["yes"] * 8 + ["no"] * 12})
    >>> r = rao_scott(d, "sex", "sat")
    >>> round(r.pearson, 5), round(r.F, 4), r.ndf, r.ddf, round(r.p_value, 4), round(r.deltas[0], 4)
    (5.01279, 4.8875, 1.0, 39.0, 0.033, 1.0256)
    """
    from survey.stats import distributions as stats

    for c in (rows, cols):
        if c not in data.columns:
            raise EstimationError(f"no column '{c}' in the data", expected=", ".join(map(str, data.columns[:30])))
    design = design or Design()
    prep = design.prepare(data)
    used = (data[rows].notna() & data[cols].notna()).to_numpy()
    rcode, rlev = pd.factorize(data[rows], sort=True)
    ccode, clev = pd.factorize(data[cols], sort=True)
    R, C = len(rlev), len(clev)
    if R < 2 or C < 2:
        raise EstimationError("a two-way test needs at least two categories of each variable",
                              got=f"{R} × {C}", hint="check that both years (or groups) are present")
    K = R * C
    cell = np.where(used, rcode + R * ccode, -1)      # rows vary fastest, as R's model.matrix
    w = np.where(used, prep.w, 0.0)
    W = w.sum()
    n = int(used.sum())
    m = np.zeros((len(w), K))
    m[np.flatnonzero(used), cell[used]] = 1.0
    p = (w[:, None] * m).sum(axis=0) / W
    z = w[:, None] * (m - p[None, :]) / W
    z[~used] = 0.0
    V = covariance(prep, z)
    # Pearson X² of the table scaled to n.
    P = p.reshape(C, R).T
    expected = np.outer(P.sum(axis=1), P.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(n * np.nansum(np.where(expected > 0, (P - expected) ** 2 / expected, 0.0)))
    # Contrasts: the interaction columns of the cell design, residualised on the main effects.
    rr, cc = np.tile(np.arange(R), C), np.repeat(np.arange(C), R)
    X1 = np.column_stack([np.ones(K)] + [(rr == i).astype(float) for i in range(1, R)]
                         + [(cc == j).astype(float) for j in range(1, C)])
    X12 = np.column_stack([((rr == i) & (cc == j)).astype(float) for j in range(1, C) for i in range(1, R)])
    Cm = X12 - X1 @ np.linalg.lstsq(X1, X12, rcond=None)[0]
    iD = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0))
    denom = Cm.T @ (iD / n) @ Cm
    numr = Cm.T @ iD @ V @ iD @ Cm
    delta = np.linalg.solve(denom, numr)
    tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    if not tr > 0 or not tr2 > 0:
        raise EstimationError("the table has no sampling variance to test against",
                              hint="every unit answers alike, or the design leaves no degrees of freedom")
    d0 = tr * tr / tr2
    F = pearson / tr
    ddf = d0 * prep.df
    pv = float(stats.f.sf(F, d0, ddf))
    eig = tuple(sorted(np.linalg.eigvals(delta).real.tolist(), reverse=True))
    table = pd.DataFrame(P, index=pd.Index([str(x) for x in rlev], name=rows),
                         columns=pd.Index([str(x) for x in clev], name=cols))
    return RaoScott(rows, cols, pearson, F, d0, ddf, pv, n, eig, table)


@dataclass(frozen=True)
class RaoScottFit:
    """Design-based goodness of fit of a weighted distribution to known shares."""

    variable: str
    chi2: float              # n Σ (p̂_k − π_k)² / π_k
    scale: float             # Satterthwaite: X² ≈ scale · χ²(df)
    df: float
    p_value: float
    n: int
    deltas: tuple[float, ...]
    table: pd.DataFrame = field(repr=False)   # category, share (π), estimate (p̂), se


def rao_scott_fit(data: pd.DataFrame, var: str, shares: pd.Series, design: Design | None = None) -> RaoScottFit:
    """Do the weighted shares of ``var`` match ``shares`` (e.g. the frame)? Rao & Scott (1981).

    X² = n Σ (p̂_k − π_k)²/π_k on the design-based shares p̂; the generalised design
    effects δ are the eigenvalues of (diag(π) − ππ')⁻¹ · n·V over the first k − 1
    categories (V the design covariance of p̂), and X²/s is referred to χ² with ν
    degrees of freedom, s = Σδ²/Σδ, ν = (Σδ)²/Σδ² (Satterthwaite's second-order
    correction). Under simple random sampling δ ≈ 1 and this is Pearson's test; for a
    variable the weights were calibrated to, p̂ = π exactly and X² = 0.

    Examples
    --------
    Shares that the sample matches exactly give X² = 0; 23 "yes" of 40 against 50 % is
    Pearson's X² = 0.9 (scipy's ``chisquare([23, 17])``), with a design effect near 1:

    >>> d = pd.DataFrame({"sex": ["f"] * 20 + ["m"] * 20, "sat": ["yes"] * 23 + ["no"] * 17})
    >>> fit = rao_scott_fit(d, "sex", pd.Series({"f": 0.5, "m": 0.5}))
    >>> fit.chi2, fit.p_value
    (0.0, 1.0)
    >>> fit = rao_scott_fit(d, "sat", pd.Series({"yes": 0.5, "no": 0.5}))
    >>> round(fit.chi2, 6), round(fit.scale, 4), fit.df, round(fit.p_value, 4)
    (0.9, 1.0026, 1.0, 0.3434)
    """
    from survey.stats import distributions as stats

    pi = pd.Series(shares, dtype=float)
    pi.index = pi.index.astype(str)
    pi = pi[pi > 0] / pi[pi > 0].sum()
    design = design or Design()
    prep = design.prepare(data)
    lab = data[var].astype(object).where(data[var].notna())
    used = lab.notna().to_numpy()
    extra = sorted(set(lab.dropna().astype(str)) - set(pi.index))
    if extra:
        raise EstimationError(f"{var}: categories not in the shares: {', '.join(extra)}",
                              expected=", ".join(pi.index))
    k = len(pi)
    if k < 2:
        raise EstimationError("a goodness-of-fit test needs at least two categories", got=k)
    m = np.column_stack([(lab.astype(str) == c).to_numpy(float) for c in pi.index])
    w = np.where(used, prep.w, 0.0)
    W = w.sum()
    n = int(used.sum())
    p = (w[:, None] * m).sum(axis=0) / W
    z = np.where(used[:, None], w[:, None] * (m - p[None, :]) / W, 0.0)
    V = covariance(prep, z[:, : k - 1])
    P = np.diag(pi.to_numpy()[: k - 1]) - np.outer(pi.to_numpy()[: k - 1], pi.to_numpy()[: k - 1])
    delta = np.linalg.eigvals(np.linalg.solve(P, n * V)).real
    chi2 = float(n * ((p - pi.to_numpy()) ** 2 / pi.to_numpy()).sum())
    s1, s2 = float(delta.sum()), float((delta ** 2).sum())
    if s1 <= 0:   # no sampling variance (a census, or every unit alike)
        scale, df, pv = np.nan, np.nan, (1.0 if chi2 < 1e-12 else 0.0)
    else:
        scale, df = s2 / s1, s1 * s1 / s2
        pv = float(stats.chi2.sf(chi2 / scale, df))
    se = np.sqrt(np.clip(np.diag(covariance(prep, z)), 0, None))
    table = pd.DataFrame(dict(category=pi.index, share=pi.to_numpy(), estimate=p, se=se))
    return RaoScottFit(var, chi2, scale, df, pv, n, tuple(sorted(delta.tolist(), reverse=True)), table)


# ----------------------------------------------------------------------------- unit vs whole

CONTRAST_COLUMNS = ("unit", "n", "estimate", "overall", "difference", "se", "statistic", "p_value", "p_holm",
                    "below", "above")


def unit_contrasts(data: pd.DataFrame, var: str, by: str, design: Design | None = None, *, alpha: float = 0.05,
                   df: float | None = None) -> pd.DataFrame:
    """Each unit's mean of ``var`` minus the overall mean, Holm-corrected over the units.

    The difference ȳ_d − ȳ is linearised as a whole: z = 1_d·w(y − ȳ_d)/W_d − w(y − ȳ)/W,
    so the unit's own respondents count in both terms. The test is two-sided, normal
    (as R's ``svycontrast``) unless ``df`` is given; ``below``/``above`` are the units
    whose Holm-adjusted p-value is under ``alpha``. Missing ``var`` leaves the denominator.

    Examples
    --------
    Three units of eight (a simple random sample): all of unit a satisfied, a quarter of
    unit c; after Holm's correction a is above the whole and c below it.

    >>> d = pd.DataFrame({"y": [1.0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0] * 2, "unit": list("aaaabbbbcccc") * 2})
    >>> u = unit_contrasts(d, "y", "unit")
    >>> u[["unit", "n", "estimate", "below", "above"]]
      unit  n  estimate  below  above
    0    a  8      1.00  False   True
    1    b  8      0.50  False  False
    2    c  8      0.25   True  False
    >>> u["p_holm"].round(4).tolist()
    [0.0002, 0.5692, 0.0297]
    """
    from survey.stats import distributions as stats

    for c in (var, by):
        if c not in data.columns:
            raise EstimationError(f"no column '{c}' in the data", expected=", ".join(map(str, data.columns[:30])))
    design = design or Design()
    prep = design.prepare(data)
    y = pd.to_numeric(data[var], errors="coerce").to_numpy(dtype=float)
    a = np.isfinite(y)
    y0 = np.where(a, y, 0.0)
    w = np.where(a, prep.w, 0.0)
    W = w.sum()
    ybar = float((w * y0).sum() / W)
    z_all = w * (y0 - ybar) / W
    codes, levels = pd.factorize(data[by], sort=True)
    rows = []
    for j, lev in enumerate(levels):
        in_d = (codes == j) & a
        Wd = w[in_d].sum()
        if Wd <= 0:
            continue
        yd = float((w * y0)[in_d].sum() / Wd)
        z = np.where(in_d, w * (y0 - yd) / Wd, 0.0) - z_all
        se = float(np.sqrt(prep.variance(z)[0]))
        t = (yd - ybar) / se if se > 0 else np.nan
        pv = float(2 * (stats.norm.sf(abs(t)) if df is None else stats.t.sf(abs(t), df))) if se > 0 else np.nan
        rows.append(dict(unit=str(lev), n=int(in_d.sum()), estimate=yd, overall=ybar, difference=yd - ybar, se=se,
                         statistic=t, p_value=pv))
    out = pd.DataFrame(rows, columns=list(CONTRAST_COLUMNS[:8]))
    out["p_holm"] = holm(out["p_value"].to_numpy())
    sig = out["p_holm"] < alpha
    out["below"] = sig & (out["difference"] < 0)
    out["above"] = sig & (out["difference"] > 0)
    return out
