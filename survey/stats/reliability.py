"""Reliability and factorability of a scale: Cronbach's α, item analysis, ceiling effect, KMO, Bartlett.

Plain functions over a respondents × items table of numbers (higher = more
satisfied). A statistic that cannot be computed (one item, zero-variance items from
straight-lined data, a singular correlation matrix) comes back with the reason
instead of a number, never as an exception.

- :func:`cronbach`, :func:`item_analysis`, :func:`reliability`, :func:`ceiling_effect`
  Cronbach's α (pingouin, Feldt interval) overall and per dimension, α if an item is
  deleted, corrected item–total correlations, the ceiling effect and α without it;
- :func:`kmo`, :func:`bartlett_sphericity` — Kaiser–Meyer–Olkin measure (Kaiser & Rice
  1974) overall and per item, and Bartlett's (1951) test that the correlation matrix is
  the identity, χ² = −(n − 1 − (2p + 5)/6)·ln|R|, df = p(p − 1)/2. (pingouin's
  ``sphericity`` is Mauchly's test for repeated measures — a different test.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.definitions.vocab import OVERALL_LEVEL, verdict

MIN_CRONBACH_ALPHA = 0.7  # acceptable reliability (DOMAIN.md §2)


# --------------------------------------------------------------------------- reliability
@dataclass(frozen=True)
class Alpha:
    """Cronbach's α with its Feldt interval, or why it cannot be computed."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int            # respondents used (complete on every item)
    k: int            # items
    reason: str = ""  # why α is not computable ('' when it is)

    @property
    def computable(self) -> bool:
        return not self.reason


def _complete(data: pd.DataFrame) -> pd.DataFrame:
    return data.apply(pd.to_numeric, errors="coerce").dropna(axis=0, how="any")


def _zero_variance(data: pd.DataFrame) -> list[str]:
    return [str(c) for c in data.columns if data[c].nunique(dropna=True) <= 1]


def cronbach(data: pd.DataFrame, *, ci: float = 0.95) -> Alpha:
    """Cronbach's α of the columns of ``data`` (respondents × items), listwise.

    α = k/(k − 1) · (1 − Σ sᵢ² / s²ₜ) over the respondents complete on every item
    (SPSS's and ``psych::alpha(use='complete.obs')``'s convention), sᵢ² the item
    variances and s²ₜ the variance of the total score; Feldt's (1965) interval
    1 − (1 − α)·F_{γ/2}, 1 − (1 − α)·F_{1−γ/2} with F upper quantiles on
    (n − 1, (n − 1)(k − 1)) degrees of freedom — the formulas of
    ``pingouin.cronbach_alpha``, without importing pingouin (and its plotting
    libraries) and without its rounding of the bounds to 3 decimals. Checked first
    that α exists: at least two items, two complete respondents and a total score
    that varies. Feldt's interval uses the n that α is computed on (pingouin's own
    listwise option keeps the n before deletion for the interval).
    """
    d = _complete(data)
    k, n = d.shape[1], d.shape[0]
    if k < 2:
        return Alpha(np.nan, np.nan, np.nan, n, k, f"只有{k}个题项，α至少需要2个题项")
    if n < 2:
        return Alpha(np.nan, np.nan, np.nan, n, k, f"完整作答的受访者只有{n}人")
    total_var = d.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return Alpha(np.nan, np.nan, np.nan, n, k, "所有受访者总分相同（答案无差异），α无定义")
    from survey.stats.distributions import f as f_dist

    a = k / (k - 1) * (1 - float(d.var(ddof=1).sum()) / float(total_var))
    gamma = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * float(f_dist.isf(gamma / 2, df1, df2))
    hi = 1 - (1 - a) * float(f_dist.isf(1 - gamma / 2, df1, df2))
    return Alpha(float(a), lo, hi, n, k)


def item_analysis(data: pd.DataFrame) -> pd.DataFrame:
    """Per item (listwise complete respondents): n, mean, sd, corrected item–total
    correlation (the item against the sum of the *other* items) and α if the item
    is deleted."""
    d = _complete(data)
    rows = []
    for c in d.columns:
        rest = d.drop(columns=[c])
        other = rest.sum(axis=1)
        r = np.nan
        if d[c].std(ddof=1) > 0 and other.std(ddof=1) > 0:
            r = float(np.corrcoef(d[c], other)[0, 1])
        a = cronbach(rest)
        rows.append(dict(item=str(c), n=len(d), mean=float(d[c].mean()) if len(d) else np.nan,
                         sd=float(d[c].std(ddof=1)) if len(d) > 1 else np.nan, item_total_r=r,
                         alpha_if_deleted=a.alpha, note=a.reason if not a.computable else
                         ("该题无差异，无法计算题总相关" if np.isnan(r) else "")))
    return pd.DataFrame(rows, columns=["item", "n", "mean", "sd", "item_total_r", "alpha_if_deleted", "note"])


RELIABILITY_COLUMNS = ("scale", "k", "n", "alpha", "ci_low", "ci_high", "threshold", "passed", "verdict", "note")


def reliability(data: pd.DataFrame, dimensions: dict[str, list[str]] | None = None, *,
                min_alpha: float = MIN_CRONBACH_ALPHA) -> pd.DataFrame:
    """α overall (every column) and per dimension, each with threshold and verdict."""
    scales = [(OVERALL_LEVEL, list(data.columns)), *list((dimensions or {}).items())]
    rows = []
    for name, items in scales:
        a = cronbach(data[list(items)])
        ok = None if not a.computable else a.alpha >= min_alpha
        rows.append(dict(scale=name, k=a.k, n=a.n, alpha=a.alpha, ci_low=a.ci_low, ci_high=a.ci_high,
                         threshold=min_alpha, passed=ok, verdict=verdict(ok), note=a.reason))
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


def ceiling_effect(data: pd.DataFrame, top=None) -> pd.DataFrame:
    """Share of respondents giving the top option on every item they answered, and α without them.

    ``top`` is the top value of the scale — a number, or one per column (a dict or
    Series); :func:`check_survey` passes each item's scale top. Without it each
    column's maximum *observed* value is taken, which overstates the effect when
    nobody chose the top option of some item. Respondents with no answer at all
    are left out.
    """
    d = data.apply(pd.to_numeric, errors="coerce")
    d = d[d.notna().any(axis=1)]
    tops = d.max() if top is None else (pd.Series(top, dtype=float).reindex(d.columns) if isinstance(
        top, (dict, pd.Series)) else pd.Series(float(top), index=d.columns))
    at_top = (d.eq(tops) | d.isna()).all(axis=1)
    a_all, a_wo = cronbach(data), cronbach(d[~at_top])
    return pd.DataFrame([dict(n=len(d), n_ceiling=int(at_top.sum()),
                              ceiling_share=at_top.mean() if len(d) else np.nan,
                              alpha=a_all.alpha, alpha_without_ceiling=a_wo.alpha,
                              n_without_ceiling=a_wo.n, note=a_wo.reason)])


# --------------------------------------------------------------------------- validity
@dataclass(frozen=True)
class KMO:
    overall: float
    items: pd.Series = field(repr=False)   # MSA per item
    n: int
    reason: str = ""

    @property
    def computable(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class Bartlett:
    chi2: float
    df: int
    p_value: float
    n: int
    reason: str = ""

    @property
    def computable(self) -> bool:
        return not self.reason


def _correlation(data_or_corr: pd.DataFrame, n: int | None) -> tuple[pd.DataFrame | None, int, str]:
    """(R, n, reason): a correlation matrix given as such (with n), or Pearson R of complete rows."""
    x = data_or_corr
    square = x.shape[0] == x.shape[1] and list(map(str, x.index)) == list(map(str, x.columns)) and \
        np.allclose(np.diag(x.to_numpy(dtype=float)), 1.0)
    if square and n is not None:
        return x.astype(float), int(n), ""
    d = _complete(x)
    if d.shape[1] < 2:
        return None, len(d), f"只有{d.shape[1]}个题项"
    if len(d) < 3:
        return None, len(d), f"完整作答的受访者只有{len(d)}人"
    const = _zero_variance(d)
    if const:
        return None, len(d), f"题项{'、'.join(const)}无差异（方差为0，常见于答案全部相同），相关矩阵无法计算"
    return d.corr(), len(d), ""


def _singular(R: np.ndarray) -> bool:
    return np.linalg.cond(R) > 1e12


def kmo(data: pd.DataFrame, *, n: int | None = None) -> KMO:
    """Kaiser–Meyer–Olkin measure of sampling adequacy.

    With anti-image correlations q_ij = −(R⁻¹)_ij / √((R⁻¹)_ii (R⁻¹)_jj):
    KMO = Σr²_ij / (Σr²_ij + Σq²_ij) over i ≠ j, and per item MSA_i with the sums
    over j ≠ i (Kaiser & Rice 1974; psych::KMO and SPSS use the same). ``data`` is
    respondents × items or a correlation matrix (then pass ``n``).
    """
    R, m, reason = _correlation(data, n)
    if R is None:
        return KMO(np.nan, pd.Series(dtype=float), m, reason)
    r = R.to_numpy(dtype=float)
    if _singular(r):
        return KMO(np.nan, pd.Series(np.nan, index=R.columns), m,
                   "相关矩阵奇异（某题项可由其他题项线性表示），反像矩阵不存在")
    inv = np.linalg.inv(r)
    d = np.sqrt(np.diag(inv))
    q = -inv / np.outer(d, d)
    off = ~np.eye(len(r), dtype=bool)
    r2, q2 = np.where(off, r**2, 0), np.where(off, q**2, 0)
    overall = r2.sum() / (r2.sum() + q2.sum())
    items = pd.Series(r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0)), index=R.columns, name="msa")
    return KMO(float(overall), items, m)


def bartlett_sphericity(data: pd.DataFrame, *, n: int | None = None) -> Bartlett:
    """Bartlett's (1951) test that the population correlation matrix is the identity.

    χ² = −(n − 1 − (2p + 5)/6)·ln|R| with df = p(p − 1)/2 (psych::cortest.bartlett,
    SPSS). ``data`` is respondents × items or a correlation matrix (then pass ``n``).
    """
    from survey.stats.distributions import chi2 as chi2_dist

    R, m, reason = _correlation(data, n)
    if R is None:
        return Bartlett(np.nan, 0, np.nan, m, reason)
    p = R.shape[0]
    sign, logdet = np.linalg.slogdet(R.to_numpy(dtype=float))
    df = p * (p - 1) // 2
    if sign <= 0 or _singular(R.to_numpy(dtype=float)):
        return Bartlett(np.nan, df, np.nan, m, "相关矩阵奇异（行列式为0），检验无法计算")
    stat = -(m - 1 - (2 * p + 5) / 6) * logdet
    return Bartlett(float(stat), df, float(chi2_dist.sf(stat, df)), m)
