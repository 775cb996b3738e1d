"""Replicate-weight variance: jackknife and the Rao–Wu bootstrap, an alternative to Taylor.

:func:`replicate_weights` builds a matrix of replicate weights from a design;
:func:`replicate_estimate` re-computes a ratio (mean, proportion) or total with every
replicate and turns the spread into a standard error. Both work on the same
:class:`~survey.stats.design.Design` as the Taylor estimators and return the same tidy
table shape, so the two can be compared side by side.

- ``jackknife`` — JK1 without strata, JKn with strata (Rust & Rao 1996): replicate
  (h, j) drops PSU j of stratum h and multiplies the other PSUs of h by
  n_h / (n_h − 1); V = Σ c_hj (θ_hj − θ)² with c_hj = (1 − f_h)(n_h − 1) / n_h.
  As R ``as.svrepdesign(type="JK1"/"JKn")`` (which also applies 1 − f_h).
- ``bootstrap`` — Rao & Wu (1988) rescaling bootstrap with m_h = n_h − 1: in each
  stratum n_h − 1 PSUs are drawn with replacement and a PSU drawn k times has its
  weights multiplied by k · n_h / (n_h − 1); V = Σ_r (θ_r − θ)² / R. Seeded, so a
  rerun gives the same SE. Finite population correction is not applied.

A replicate matrix is units × replicates (8 bytes each): fine for surveys of a few
thousand respondents; for very large files use the Taylor estimators.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.definitions.vocab import OVERALL, OVERALL_LEVEL
from survey.errors import EstimationError, choice_error
from survey.stats.design import Design, Prepared

REPLICATE_METHODS = ("jackknife", "bootstrap")


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights (units × replicates) with the scale of each replicate in the variance."""

    method: str
    weights: np.ndarray = field(repr=False)   # units × replicates
    scale: np.ndarray = field(repr=False)     # c_r per replicate: V = Σ c_r (θ_r − θ)²
    seed: int | None = None

    @property
    def replicates(self) -> int:
        return self.weights.shape[1]


def replicate_weights(prep: Prepared, method: str = "jackknife", *, replicates: int = 500,
                      seed: int = 20211215) -> ReplicateWeights:
    """Replicate weights of a prepared design (see the module docstring for the formulas).

    The delete-one jackknife (JK1) of four equally weighted units: each replicate drops
    one unit and gives the others n/(n − 1); every replicate's scale is (n − 1)/n.

    >>> from survey.stats.design import prepare
    >>> rw = replicate_weights(prepare(pd.DataFrame(index=range(4)), Design()))
    >>> rw.weights[0].round(4).tolist(), rw.scale.tolist()
    ([0.0, 1.3333, 1.3333, 1.3333], [0.75, 0.75, 0.75, 0.75])
    """
    if method not in REPLICATE_METHODS:
        raise choice_error(EstimationError, "replicate method", method, REPLICATE_METHODS)
    if (prep.n_psu < 2).any():
        h = int(np.flatnonzero(prep.n_psu < 2)[0])
        raise EstimationError(f"stratum {prep.strata_labels[h]} has a single PSU: no replicate can drop it",
                              column=prep.design.strata, hint="merge it with a neighbouring stratum")
    n_p = len(prep.psu_stratum)
    nh = prep.n_psu[prep.psu_stratum].astype(float)       # n_h of each PSU's stratum
    if method == "jackknife":
        if n_p * prep.n > 5e8:
            raise EstimationError(f"a jackknife of {n_p} PSUs × {prep.n} units is too large for memory",
                                  hint="use the Taylor estimators, or the bootstrap with fewer replicates")
        # PSU-level multipliers: replicate r (= PSU r) zeroes PSU r, scales its stratum mates.
        same = prep.psu_stratum[:, None] == prep.psu_stratum[None, :]   # PSU × replicate
        mult = np.where(same, (nh / (nh - 1))[None, :], 1.0)
        np.fill_diagonal(mult, 0.0)
        scale = (1 - prep.f[prep.psu_stratum]) * (nh - 1) / nh
        return ReplicateWeights(method, prep.w[:, None] * mult[prep.psu], scale)
    rng = np.random.default_rng(seed)
    mult = np.empty((n_p, replicates))
    for h in range(len(prep.n_psu)):
        members = np.flatnonzero(prep.psu_stratum == h)
        n = len(members)
        draws = rng.integers(0, n, size=(n - 1, replicates))  # m_h = n_h − 1 draws per replicate
        counts = np.zeros((n, replicates))
        np.add.at(counts, (draws, np.arange(replicates)[None, :].repeat(n - 1, axis=0)), 1.0)
        mult[members] = counts * n / (n - 1)
    return ReplicateWeights(method, prep.w[:, None] * mult[prep.psu], np.full(replicates, 1.0 / replicates), seed)


def replicate_estimate(data: pd.DataFrame, var: str, *, design: Design | None = None, by: str | None = None,
                       stat: str = "mean", method: str = "jackknife", replicates: int = 500,
                       seed: int = 20211215, alpha: float = 0.05, mse: bool = False) -> pd.DataFrame:
    """Mean/proportion (``stat="mean"``) or total of a numeric column with a replicate SE.

    The squared deviations are taken from the mean of the replicates, or from the
    full-sample estimate with ``mse=True`` (R's ``svrepdesign(mse=)``, default FALSE).

    Returns the columns of :data:`survey.stats.estimate.ESTIMATE_COLUMNS`; ``ci_method`` reads
    ``normal_<method>`` (estimate ± z·SE; for a proportion clipped to [0, 1]).

    The jackknife SE of a mean under simple random sampling is the textbook s/√n:
    three of four satisfied, s² = 0.25, SE = 0.25 (the Taylor SE of :func:`survey.stats.estimate.ratio`).

    >>> row = replicate_estimate(pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0]}), "y").iloc[0]
    >>> float(row["estimate"]), round(float(row["se"]), 10), row["ci_method"]
    (0.75, 0.25, 'normal_jackknife')
    """
    from scipy import stats

    from survey.stats.estimate import ESTIMATE_COLUMNS

    design = design or Design()
    if var not in data.columns or (by is not None and by not in data.columns):
        missing = var if var not in data.columns else by
        raise EstimationError(f"no column '{missing}' in the data",
                              expected="one of " + ", ".join(map(str, data.columns[:30])))
    prep = design.prepare(data)
    rw = replicate_weights(prep, method, replicates=replicates, seed=seed)
    y = pd.to_numeric(data[var], errors="coerce").to_numpy(float)
    a = np.isfinite(y).astype(float)
    y = np.where(a > 0, y, 0.0)
    is_prop = stat == "mean" and set(np.unique(y[a > 0])) <= {0.0, 1.0}
    domains = [(OVERALL, OVERALL_LEVEL, np.ones(len(y), dtype=bool))]
    if by is not None:
        for level in sorted(data[by].dropna().astype(str).unique()):
            domains.append((by, level, (data[by].astype(str) == level).to_numpy()))
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for domain, level, mask in domains:
        yd, ad = y * mask, a * mask
        full_num, full_den = prep.w @ yd, prep.w @ ad
        num, den = rw.weights.T @ yd, rw.weights.T @ ad
        with np.errstate(divide="ignore", invalid="ignore"):
            est = full_num if stat == "total" else full_num / full_den
            reps = num if stat == "total" else num / den
        ok = np.isfinite(reps)
        centre = est if mse else np.mean(reps[ok])
        se = float(np.sqrt(np.sum(rw.scale[ok] * (reps[ok] - centre) ** 2)))
        lo, hi = est - z * se, est + z * se
        if is_prop:
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        n = int(ad.sum())
        n_eff = est * (1 - est) / se**2 if is_prop and se > 0 else np.nan
        rows.append(dict(questionnaire="", measure=var, label=stat, domain=domain, level=level, n=n, n_eff=n_eff,
                         estimate=est, se=se, ci_low=lo, ci_high=hi, ci_method=f"normal_{method}", deff=np.nan))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
