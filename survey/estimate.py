"""Satisfaction measures with confidence intervals, overall and by domain.

Every measure is a ratio of respondent-level totals, R = Σ yᵢ / Σ aᵢ, with the
respondent as the unit:

- ``top_box``      yᵢ = 1 if the item's answer is in the satisfied set, aᵢ = 1 if
                   the item was answered with an option that counts (不了解 and the
                   like leave the denominator);
- ``answer_share`` yᵢ = satisfied answers of respondent i over the items, aᵢ = the
                   answers that count;
- ``score_index``  yᵢ = Σ option score / 100, aᵢ = the answers that count;
- ``item_mean``    the mean over items of each item's top-box rate.

For ``top_box`` the answers are independent Bernoulli trials under simple random
sampling and the interval is the binomial one (Wilson by default, statsmodels'
``proportion_confint``). Pooled measures are ratio estimators: their variance is
the Taylor (linearisation) variance of the ratio over respondents, turned into an
effective sample size n_eff = R(1 − R) / Var(R) on which the same interval method
is computed (``ci_method`` then reads e.g. ``wilson_neff``); n_eff is capped at the
number of respondents. When R is 0 or 1 the variance is zero and n_eff falls back
to the number of respondents, so no interval ever has zero width.

Entry point: :func:`estimate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import EstimationError, choice_error
from .questionnaire import Measure, Questionnaire
from .tidy import Responses
from .vocab import CI_METHODS

ESTIMATE_COLUMNS = ("questionnaire", "measure", "label", "domain", "level", "n", "n_eff",
                    "estimate", "se", "ci_low", "ci_high", "ci_method", "deff")
OVERALL = "全部"


def proportion_ci(count, nobs, alpha: float = 0.05, method: str = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Binomial interval for ``count`` successes of ``nobs`` (arrays allowed; nobs may be fractional)."""
    if method not in CI_METHODS:
        raise choice_error(EstimationError, "interval method", method, CI_METHODS)
    from statsmodels.stats.proportion import proportion_confint

    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    lo, hi = proportion_confint(count, nobs, alpha=alpha, method=method)
    lo, hi = np.clip(np.asarray(lo, dtype=float), 0, 1), np.clip(np.asarray(hi, dtype=float), 0, 1)
    if method == "jeffreys":
        # Brown, Cai & DasGupta (2001, Statist. Sci. 16:101, §4.1.2): the Jeffreys
        # interval's upper bound is 1 when x = n and its lower bound 0 when x = 0.
        lo = np.where(count <= 0, 0.0, lo)
        hi = np.where(count >= nobs, 1.0, hi)
    if method == "normal":
        # Wald is for comparison only; at 0% or 100% it has zero width. Report it as
        # computed but never let it pass as an interval: widen it with Wilson's bounds.
        wl, wh = proportion_confint(count, nobs, alpha=alpha, method="wilson")
        degenerate = (count == 0) | (count == nobs)
        lo = np.where(degenerate, np.minimum(lo, wl), lo)
        hi = np.where(degenerate, np.maximum(hi, wh), hi)
    return lo, hi


def _codes_to(q: Questionnaire, item_id: str, data: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent: (value, counts) for one item; value is satisfied 0/1 or score/100."""
    sc = q.scale_of(item_id)
    codes = data[item_id].to_numpy(dtype=float)
    k = len(sc.options)
    sat = np.zeros(k + 1)
    val = np.zeros(k + 1)
    counts = np.zeros(k + 1)
    for j, opt in enumerate(sc.options, start=1):
        counts[j] = opt not in sc.not_applicable
        sat[j] = opt in sc.satisfied
        val[j] = sc.scores.get(opt, 0.0) / 100
    idx = np.where(np.isnan(codes), 0, codes).astype(int)
    a = counts[idx]
    y = (sat if what == "satisfied" else val)[idx]
    return y * a, a


def _ratio(y: np.ndarray, a: np.ndarray):
    """Ratio Σy/Σa, its linearised SE under SRS with replacement, and respondents n."""
    used = a > 0
    n = int(used.sum())
    if n == 0:
        return np.nan, np.nan, 0
    y, a = y[used], a[used]
    r = y.sum() / a.sum()
    if n < 2:
        return r, np.nan, n
    z = (y - r * a) / a.mean()
    return r, float(np.sqrt(z.var(ddof=1) / n)), n


def _item_mean(ys: list[np.ndarray], as_: list[np.ndarray]):
    """Mean of item rates and its linearised SE (respondent as the unit)."""
    Y = np.column_stack(ys)
    A = np.column_stack(as_)
    used = A.sum(axis=1) > 0
    n = int(used.sum())
    Y, A = Y[used], A[used]
    if n == 0 or (A.sum(axis=0) == 0).any():
        return np.nan, np.nan, n
    p = Y.sum(axis=0) / A.sum(axis=0)
    est = p.mean()
    if n < 2:
        return est, np.nan, n
    u = ((Y - p * A) / A.mean(axis=0)).mean(axis=1)
    return est, float(np.sqrt(u.var(ddof=1) / n)), n


def measure_values(q: Questionnaire, m: Measure, data: pd.DataFrame):
    """Per-respondent (y, a) arrays of a measure; for item_mean one pair per item."""
    items = q.measure_items(m)
    what = "score" if m.type == "score_index" else "satisfied"
    pairs = [_codes_to(q, i, data, what) for i in items]
    if m.type == "item_mean":
        return pairs
    y = np.sum([p[0] for p in pairs], axis=0)
    a = np.sum([p[1] for p in pairs], axis=0)
    return y, a


def _one(q: Questionnaire, m: Measure, data: pd.DataFrame, alpha: float, method: str) -> dict:
    if m.type == "top_box":  # independent answers: the binomial interval on the answers
        y, a = measure_values(q, m, data)
        n = int(a.sum())
        if n == 0:
            return _empty(n, method)
        est = y.sum() / n
        lo, hi = proportion_ci(y.sum(), n, alpha, method)
        return dict(n=n, n_eff=float(n), estimate=est, se=float(np.sqrt(est * (1 - est) / n)),
                    ci_low=float(lo), ci_high=float(hi), ci_method=method, deff=1.0)
    if m.type == "item_mean":
        pairs = measure_values(q, m, data)
        est, se, n = _item_mean([p[0] for p in pairs], [p[1] for p in pairs])
    else:
        est, se, n = _ratio(*measure_values(q, m, data))
    if n == 0 or np.isnan(est):
        return _empty(n, method)
    srs_var = est * (1 - est) / n
    if se is None or np.isnan(se) or se == 0 or srs_var == 0:
        n_eff, deff = float(n), (np.nan if srs_var == 0 else 1.0)
    else:
        deff = se**2 / srs_var
        # Never more information than respondents: cap n_eff at n, as Korn & Graubard
        # (1998) do, so a pooled measure's interval is never narrower than a
        # binomial one on n respondents.
        n_eff = min(float(n), n / deff)
    lo, hi = proportion_ci(est * n_eff, n_eff, alpha, method)
    return dict(n=n, n_eff=n_eff, estimate=est, se=se, ci_low=float(lo), ci_high=float(hi),
                ci_method=f"{method}_neff", deff=deff)


def _empty(n: int, method: str) -> dict:
    return dict(n=n, n_eff=np.nan, estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                ci_method=method, deff=np.nan)


def estimate(
    responses: Responses,
    *,
    by: str | None = None,
    measures: list[str] | None = None,
    alpha: float = 0.05,
    ci_method: str = "wilson",
) -> pd.DataFrame:
    """Every satisfaction measure of the questionnaire, overall and by ``by`` (an item id).

    Returns one row per (measure, domain level) with the columns of
    ``ESTIMATE_COLUMNS``: ``n`` counts answers for ``top_box`` and respondents for
    the pooled measures; ``estimate`` is a proportion in [0, 1] (the score index is
    divided by 100).

    >>> est = estimate(cleaned.valid, by="district")        # doctest: +SKIP
    """
    if ci_method not in CI_METHODS:
        raise choice_error(EstimationError, "interval method", ci_method, CI_METHODS)
    if not 0 < alpha < 1:
        raise EstimationError("alpha must be between 0 and 1", got=alpha)
    q = responses.questionnaire
    chosen = q.measures if measures is None else tuple(m for m in q.measures if m.id in measures)
    if measures is not None and len(chosen) != len(set(measures)):
        unknown = sorted(set(measures) - {m.id for m in q.measures})
        raise choice_error(EstimationError, "measure", unknown[0], [m.id for m in q.measures])
    data = responses.data
    domains: list[tuple[str, str, pd.DataFrame]] = [("overall", OVERALL, data)]
    if by is not None:
        if by not in data.columns:
            raise EstimationError(f"no column '{by}' to break down by", file=responses.file, sheet=responses.sheet,
                                  expected="one of " + ", ".join(c for c in data.columns if c in {i.id for i in q.items}))
        opts = q.options(by)
        for k, label in enumerate(opts, start=1):
            part = data[data[by] == k]
            if len(part):
                domains.append((by, label, part))
    rows = []
    for m in chosen:
        for domain, level, part in domains:
            rows.append(dict(questionnaire=q.id, measure=m.id, label=m.label, domain=domain, level=level,
                             **_one(q, m, part, alpha, ci_method)))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
