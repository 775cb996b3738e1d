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
class CronbachAlpha:
    """Cronbach's α with its Feldt interval, or why it cannot be computed."""

    cronbach_alpha: float
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


def _alpha(n: int, k: int, item_var_sum: float, total_var: float) -> tuple[float, str]:
    """α = k/(k − 1) · (1 − Σ sᵢ² / s²ₜ) from n complete respondents, or NaN and why not."""
    if k < 2:
        return np.nan, f"只有{k}个题项，α至少需要2个题项"
    if n < 2:
        return np.nan, f"完整作答的受访者只有{n}人"
    if total_var == 0:
        return np.nan, "所有受访者总分相同（答案无差异），α无定义"
    return k / (k - 1) * (1 - float(item_var_sum) / float(total_var)), ""


def cronbach(data: pd.DataFrame, *, ci: float = 0.95) -> CronbachAlpha:
    """Cronbach's α of the columns of ``data`` (respondents × items), listwise.

    α = k/(k − 1) · (1 − Σ sᵢ² / s²ₜ) over the respondents complete on every item
    (SPSS's and ``psych::alpha(use='complete.obs')``'s convention), sᵢ² the item
    variances and s²ₜ the variance of the total score; Feldt's (1965) interval
    1 − (1 − α)·F_{γ/2}, 1 − (1 − α)·F_{1−γ/2} with F upper quantiles on
    (n − 1, (n − 1)(k − 1)) degrees of freedom — the formulas of
    ``pingouin.cronbach_alpha``, computed here without importing pingouin (and the
    matplotlib and seaborn it loads) and without its rounding of the bounds to 3
    decimals. Checked first that α exists: at least two items, two complete
    respondents and a total score that varies. Feldt's interval uses the n that α is
    computed on (pingouin's own listwise option keeps the n before deletion).

    pingouin's documented example (``cronbach_alpha`` docstring, "After listwise
    deletion": 0.8016949152542373; R ``psych::alpha(use="complete.obs")`` agrees):

    >>> import pingouin
    >>> a = cronbach(pingouin.read_dataset("cronbach_wide_missing"))
    >>> round(a.cronbach_alpha, 4), a.n, a.k
    (0.8017, 9, 11)
    >>> cronbach(pd.DataFrame({"a": [5, 5], "b": [5, 5]})).reason
    '所有受访者总分相同（答案无差异），α无定义'
    """
    x = _complete(data).to_numpy(dtype=float)
    n, k = x.shape
    a, reason = _alpha(n, k, x.var(axis=0, ddof=1).sum() if n > 1 else np.nan,
                       x.sum(axis=1).var(ddof=1) if n > 1 else np.nan)
    if reason:
        return CronbachAlpha(np.nan, np.nan, np.nan, n, k, reason)
    from survey.stats.distributions import f as f_dist

    gamma = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * float(f_dist.isf(gamma / 2, df1, df2))
    hi = 1 - (1 - a) * float(f_dist.isf(1 - gamma / 2, df1, df2))
    return CronbachAlpha(float(a), lo, hi, n, k)


def item_analysis(data: pd.DataFrame) -> pd.DataFrame:
    """Item analysis over the listwise complete respondents, one row per item.

    Columns: n, mean, sd, corrected item–total correlation (the item against the sum
    of the *other* items) and α if the item is deleted. On pingouin's
    ``cronbach_wide_missing`` data R gives ``psych::alpha(...)$item.stats$r.drop``
    0.118887659656 and ``$alpha.drop$raw_alpha`` 0.812720848057 for Q1 (R 4.2.2, psych 2.2.9):

    >>> import pingouin
    >>> ia = item_analysis(pingouin.read_dataset("cronbach_wide_missing").dropna())
    >>> r = ia.iloc[0]
    >>> r["item"], round(float(r["item_total_r"]), 10), round(float(r["cronbach_alpha_if_deleted"]), 10)
    ('Q1', 0.1188876597, 0.8127208481)
    """
    d = _complete(data)
    x = d.to_numpy(dtype=float)
    n, k = x.shape
    # One pass over the complete respondents (speed: was a listwise copy and a full α per item).
    item_var = x.var(axis=0, ddof=1) if n > 1 else np.full(k, np.nan)
    total = x.sum(axis=1)
    rows = []
    for j, c in enumerate(d.columns):
        other = total - x[:, j]
        other_var = other.var(ddof=1) if n > 1 else np.nan
        r = np.nan
        if item_var[j] > 0 and other_var > 0:
            r = float(np.corrcoef(x[:, j], other)[0, 1])
        a, reason = _alpha(n, k - 1, item_var.sum() - item_var[j], other_var)
        rows.append(dict(item=str(c), n=n, mean=float(x[:, j].mean()) if n else np.nan,
                         sd=float(np.sqrt(item_var[j])) if n > 1 else np.nan, item_total_r=r,
                         cronbach_alpha_if_deleted=a, note=reason or
                         ("该题无差异，无法计算题总相关" if np.isnan(r) else "")))
    return pd.DataFrame(rows, columns=["item", "n", "mean", "sd", "item_total_r", "cronbach_alpha_if_deleted", "note"])


RELIABILITY_COLUMNS = ("scale", "k", "n", "cronbach_alpha", "ci_low", "ci_high", "threshold", "passed", "verdict", "note")


def reliability(data: pd.DataFrame, dimensions: dict[str, list[str]] | None = None, *,
                min_cronbach_alpha: float = MIN_CRONBACH_ALPHA) -> pd.DataFrame:
    """Cronbach's α overall (every column) and per dimension, each with its threshold and verdict.

    >>> import pingouin
    >>> data = pingouin.read_dataset("cronbach_wide_missing")    # α = 0.8017 (pingouin's docstring)
    >>> reliability(data, {"Q1–Q3": ["Q1", "Q2", "Q3"]})[["scale", "k", "verdict"]].values.tolist()
    [['全部', 11, '通过'], ['Q1–Q3', 3, '未通过']]
    """
    scales = [(OVERALL_LEVEL, list(data.columns)), *list((dimensions or {}).items())]
    rows = []
    for name, items in scales:
        a = cronbach(data[list(items)])
        ok = None if not a.computable else a.cronbach_alpha >= min_cronbach_alpha
        rows.append(dict(scale=name, k=a.k, n=a.n, cronbach_alpha=a.cronbach_alpha, ci_low=a.ci_low, ci_high=a.ci_high,
                         threshold=min_cronbach_alpha, passed=ok, verdict=verdict(ok), note=a.reason))
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


def ceiling_effect(data: pd.DataFrame, top=None) -> pd.DataFrame:
    """Share of respondents giving the top option on every item they answered, and α without them.

    ``top`` is the top value of the scale — a number, or one per column (a dict or
    Series); :func:`check_survey` passes each item's scale top. Without it each
    column's maximum *observed* value is taken, which overstates the effect when
    nobody chose the top option of some item. Respondents with no answer at all
    are left out.

    >>> d = pd.DataFrame({"a": [5, 5, 4, 3, 2, 4], "b": [5, 5, 4, 2, 3, 5], "c": [5, None, 3, 3, 2, 4]})
    >>> ce = ceiling_effect(d, top=5).iloc[0]     # rows 0 and 1: the top option on every item answered
    >>> int(ce["n_ceiling"]), round(float(ce["ceiling_share"]), 4), int(ce["n_without_ceiling"])
    (2, 0.3333, 4)
    """
    d = data.apply(pd.to_numeric, errors="coerce")
    d = d[d.notna().any(axis=1)]
    tops = d.max() if top is None else (pd.Series(top, dtype=float).reindex(d.columns) if isinstance(
        top, (dict, pd.Series)) else pd.Series(float(top), index=d.columns))
    at_top = (d.eq(tops) | d.isna()).all(axis=1)
    a_all, a_wo = cronbach(data), cronbach(d[~at_top])
    return pd.DataFrame([dict(n=len(d), n_ceiling=int(at_top.sum()),
                              ceiling_share=at_top.mean() if len(d) else np.nan,
                              cronbach_alpha=a_all.cronbach_alpha, cronbach_alpha_without_ceiling=a_wo.cronbach_alpha,
                              n_without_ceiling=a_wo.n, note=a_wo.reason)])


# --------------------------------------------------------------------------- validity
@dataclass(frozen=True)
class KMO:
    """The Kaiser–Meyer–Olkin measure: overall, per item (MSA), n, or why it cannot be computed."""

    overall: float
    items: pd.Series = field(repr=False)   # MSA per item
    n: int
    reason: str = ""

    @property
    def computable(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class Bartlett:
    """Bartlett's test of sphericity: χ², df, p-value and n, or why it cannot be computed."""

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

    Three variables with r_xy = 0.5, r_xz = 0.4, r_yz = 0.3 (the sums worked by hand
    with first-order partial correlations in tests/test_validity.py):

    >>> R = pd.DataFrame([[1, 0.5, 0.4], [0.5, 1, 0.3], [0.4, 0.3, 1]], index=list("xyz"), columns=list("xyz"))
    >>> k = kmo(R, n=100)
    >>> round(k.overall, 4), k.items.round(4).tolist()
    (0.6279, [0.5938, 0.6241, 0.6994])
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

    >>> R = pd.DataFrame([[1, 0.5, 0.4], [0.5, 1, 0.3], [0.4, 0.3, 1]], index=list("xyz"), columns=list("xyz"))
    >>> b = bartlett_sphericity(R, n=100)     # −(100 − 1 − 11/6)·ln 0.62 on 3 df
    >>> round(b.chi2, 4), b.df, b.p_value < 0.001
    (46.4491, 3, True)
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
