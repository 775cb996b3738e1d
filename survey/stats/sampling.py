"""Sample-size planning: how many responses to collect, and from which districts.

Three questions, each a public function over plain numbers or a frame:

- :func:`sample_size` — Cochran's sample size for a proportion (Cochran 1977,
  *Sampling Techniques*, 3rd ed., §4.4–4.6)::

      n₀ = z² p (1 − p) / e²                      (infinite population)
      n₁ = n₀ × deff                              (design effect: clustering, weights)
      n  = n₁ / (1 + (n₁ − 1) / N)                (finite population correction)
      n_issue = n / valid_rate                    (questionnaires to issue)

  The chain is carried unrounded and rounded *up* once at the end, so
  ``N = 3800, e = 0.05, p = 0.5`` gives 349 and an infinite population 385
  (n₀ = 384.15). The design effect is applied before the finite population
  correction, so n never exceeds N; questionnaires to issue are capped at N
  (a census) and the cap is recorded in ``notes``.
- :func:`threshold_sample_size` — the decision question: the smallest n whose
  interval's lower bound stays at or above a scoring threshold (85%) when the
  expected rate is p, so the indicator's score does not hinge on sampling noise.
  The expected count is p·n (fractional, so the bound rises steadily with n); the
  interval is any binomial interval of survey.stats.intervals (Wilson by
  default). With a population N the interval is narrowed around p by the finite
  population factor √((N − n)/(N − 1)).
- :func:`allocate` — share n among districts (strata) of a frame:
  ``proportional`` (n_h ∝ N_h), ``equal`` (n_h = n/H) or ``neyman``
  (n_h ∝ N_h·S_h, S_h a standard deviation or √(p_h(1 − p_h))), with a minimum
  per district and never more than N_h: the fractional quotas are
  q_h = clip(λ·w_h, min_h, N_h) with the one λ that makes Σ q_h = n (found by
  bisection; Σ q_h is non-decreasing in λ), so every district strictly between
  its minimum and N_h gets the same quota per unit of w_h. They are then turned
  into integers by the **largest remainder**
  method (Hamilton): every district gets the integer part of its quota and the
  units left over go, one each, to the largest fractional parts (ties in frame
  order). The integers add up to n exactly and respect the minimum and N_h.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from survey.definitions.cells import population_table
from survey.definitions.vocab import SRS_CI_METHODS
from survey.errors import DataError, SurveyError, choice_error

ALLOCATIONS = ("proportional", "equal", "neyman")
_EPS = 1e-9


class SamplingError(SurveyError):
    """A sample-size question that has no answer (bad parameter, impossible target)."""


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 1.959964 for 95%.

    >>> round(z_value(0.95), 6), round(z_value(0.99), 6)
    (1.959964, 2.575829)
    """
    from survey.stats.distributions import norm

    _check_open(confidence, "confidence", "--confidence")
    z = float(norm.ppf(0.5 + confidence / 2))
    if not math.isfinite(z):
        raise SamplingError("confidence is too close to 1: the normal quantile is infinite", got=confidence,
                            hint="pass --confidence such as 0.95 or 0.99")
    return z


def _check_open(v: float, what: str, option: str) -> None:
    if not (isinstance(v, (int, float)) and 0 < v < 1):
        raise SamplingError(f"{what} must be between 0 and 1", got=v, hint=f"pass {option} as a fraction, e.g. 0.95")


def _ceil(x: float) -> int:
    """Round up, ignoring floating-point noise (100.0000000001 is 100)."""
    return math.ceil(x - _EPS)


@dataclass(frozen=True)
class SampleSize:
    """Cochran's sample size, every step of the chain kept unrounded."""

    n: int                      # valid responses needed (rounded up)
    n_issue: int                # questionnaires to issue (n / valid_rate, rounded up, at most N)
    n0: float                   # z² p(1−p)/e², infinite population
    n_deff: float               # n0 × deff
    n_fpc: float                # after the finite population correction (= n_deff without N)
    z: float
    margin: float
    p: float
    confidence: float
    population: int | None
    deff: float
    valid_rate: float
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return asdict(self)

    def steps(self) -> list[str]:
        """The chain as computed, one line a step (the formula actually used, with its numbers)."""
        lines = [f"n0 = z²p(1−p)/e² = {self.z:.4f}² × {self.p:g} × {1 - self.p:g} / {self.margin:g}² = {self.n0:.2f}"]
        m = "n0"
        if self.deff != 1:
            lines.append(f"n1 = n0 × deff = {self.n0:.2f} × {self.deff:g} = {self.n_deff:.2f}")
            m = "n1"
        if self.population is not None:
            lines.append(f"finite population N = {self.population}: n = {m}/(1 + ({m} − 1)/N) = {self.n_fpc:.2f}")
        return lines


def sample_size(
    margin: float = 0.05,
    *,
    p: float = 0.5,
    confidence: float = 0.95,
    population: int | None = None,
    deff: float = 1.0,
    valid_rate: float = 1.0,
) -> SampleSize:
    """Responses needed to estimate a proportion within ±``margin``.

    >>> sample_size(0.05, population=3800).n
    349
    >>> sample_size(0.05).n           # n0 = 384.15, rounded up
    385
    """
    _check_open(margin, "margin", "--margin")
    _check_open(p, "expected proportion p", "--p")
    if deff is None or not deff > 0:
        raise SamplingError("design effect must be positive", got=deff, hint="pass --deff 1 for simple random sampling")
    if not (0 < valid_rate <= 1):
        raise SamplingError("expected valid-response rate must be in (0, 1]", got=valid_rate,
                            hint="pass --valid-rate as a fraction, e.g. 0.9")
    if population is not None and (int(population) != population or population < 1):
        raise SamplingError("population size must be a positive whole number", got=population)
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / margin**2
    n_deff = n0 * deff
    notes = []
    if population is None:
        n_fpc = n_deff
    else:
        population = int(population)
        n_fpc = n_deff / (1 + (n_deff - 1) / population)
    if not (math.isfinite(n_deff) and math.isfinite(n_fpc / valid_rate)):
        raise SamplingError("the sample size is not a finite number", got=f"n0 × deff = {n_deff:g}",
                            hint="check --deff and --confidence (a design effect such as 1.5, a confidence "
                                 "such as 0.95)")
    n = _ceil(n_fpc)
    n_issue = _ceil(n_fpc / valid_rate)
    if population is not None and n_issue > population:
        notes.append(f"issuing {n_issue} exceeds the population {population}: survey everyone (census)")
        n_issue = population
    return SampleSize(n, n_issue, n0, n_deff, n_fpc, z, margin, p, confidence, population, deff, valid_rate,
                      tuple(notes))


@dataclass(frozen=True)
class ThresholdSize:
    """The smallest n whose interval's lower bound stays at or above the threshold."""

    n: int
    ci_low: float               # lower bound at n
    ci_low_previous: float | None   # lower bound at n − 1 (below the threshold), None when n = 1
    p: float
    threshold: float
    confidence: float
    method: str
    population: int | None
    n_issue: int
    valid_rate: float
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return asdict(self)


def lower_bound(n, p: float, *, confidence: float = 0.95, method: str = "wilson",
                population: int | None = None) -> np.ndarray:
    """Lower interval bound at n respondents when the observed rate is exactly p.

    The count is p·n (fractional); with ``population`` the interval is narrowed
    around p by √((N − n)/(N − 1)). Arrays of n are allowed. ``method`` is one of
    binomial intervals (:data:`survey.definitions.vocab.SRS_CI_METHODS`): the
    design-based ones need a design, which a plan does not have.

    At the 2021 staff survey's 389 respondents and rate 97.43%, the Wilson lower bound
    is 95.33% (report.html), 96.29% with the finite population correction for N = 550:

    >>> round(float(lower_bound(389, 379 / 389)), 4), round(float(lower_bound(389, 379 / 389, population=550)), 4)
    (0.9533, 0.9629)
    """
    from survey.stats.intervals import proportion_ci

    _check_method(method)
    n = np.asarray(n, dtype=float)
    lo, _ = proportion_ci(p * n, n, alpha=1 - confidence, method=method, clip=False)
    lo = np.asarray(lo, dtype=float)
    if population is not None:
        f = np.sqrt(np.clip((population - n) / max(population - 1, 1), 0, 1))
        lo = p - (p - lo) * f
    return lo


def _check_method(method: str) -> None:
    if method not in SRS_CI_METHODS:
        err = choice_error(SamplingError, "interval method", method, SRS_CI_METHODS)
        err.hint = "a sample-size plan has no design: use a binomial interval"
        raise err


def threshold_sample_size(
    p: float = 0.95,
    threshold: float = 0.85,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    population: int | None = None,
    valid_rate: float = 1.0,
    max_n: int = 1_000_000,
) -> ThresholdSize:
    """Smallest n with lower bound ≥ ``threshold`` when the expected rate is ``p``.

    At an expected 95%, 49 valid responses keep the 95% Wilson lower bound at or
    above an 85% scoring threshold:

    >>> threshold_sample_size(0.95, 0.85).n
    49
    """
    _check_open(p, "expected proportion p", "--p")
    _check_open(threshold, "threshold", "--threshold")
    z_value(confidence)  # a confidence in (0, 1) with a finite quantile
    _check_method(method)
    if not (0 < valid_rate <= 1):
        raise SamplingError("expected valid-response rate must be in (0, 1]", got=valid_rate)
    if p <= threshold:
        raise SamplingError("the expected rate must be above the threshold: no sample size makes the lower "
                            "bound reach it", got=f"p = {p:g}, threshold = {threshold:g}",
                            hint="the score then hinges on sampling noise at any n; lower --threshold or "
                                 "check the expected rate --p")
    limit = max_n if population is None else min(max_n, int(population))
    start = 1
    while start <= limit:
        stop = min(limit, start * 4 + 1000)
        ns = np.arange(start, stop + 1)
        lo = lower_bound(ns, p, confidence=confidence, method=method, population=population)
        ok = np.flatnonzero(lo >= threshold - 1e-12)
        if ok.size:
            n = int(ns[ok[0]])
            prev = None if n == 1 else float(lower_bound(n - 1, p, confidence=confidence, method=method,
                                                         population=population))
            n_issue = _ceil(n / valid_rate)
            notes = []
            if population is not None and n_issue > population:
                notes.append(f"issuing {n_issue} exceeds the population {int(population)}: survey everyone (census)")
                n_issue = int(population)
            return ThresholdSize(n, float(lo[ok[0]]), prev, p, threshold, confidence, method,
                                 None if population is None else int(population), n_issue, valid_rate,
                                 tuple(notes))
        start = stop + 1
    raise SamplingError(f"no n up to {limit} keeps the lower bound at or above the threshold",
                        got=f"p = {p:g}, threshold = {threshold:g}", hint="raise the expected rate or the population")


def frame_population(frame, *, count_column: str | None = None, stratum_column: str | None = None,
                     file: str | None = None, sheet: str | None = None) -> pd.Series:
    """Population counts per stratum (whole numbers) from a Series (stratum → count) or a frame table.

    A table goes through :func:`survey.inputs.frame.population_table` (total rows skipped,
    located errors); ``stratum_column`` defaults to its first column and
    ``count_column`` to the only other numeric column.

    >>> frame_population(pd.DataFrame({"区": ["玄武区", "秦淮区", "合计"], "人数": [40, 52, 92]})).to_dict()
    {'玄武区': 40.0, '秦淮区': 52.0}
    """
    if isinstance(frame, pd.Series):
        table = pd.DataFrame({"stratum": [str(k).strip() for k in frame.index], "count": frame.to_numpy()})
        stratum_column, count_column = "stratum", "count"
    elif isinstance(frame, pd.DataFrame):
        table = frame.rename(columns=str)
    else:
        raise DataError("a frame must be a table of districts and counts", got=type(frame).__name__)
    return population_table(table, stratum_column, count_column, file=file, sheet=sheet, whole=True)


def largest_remainder(quota, floor_at=None, cap=None) -> np.ndarray:
    """Integers adding up to round(Σ quota): integer parts, then one each to the largest remainders.

    A stratum never goes above ``cap`` (its population) when handing out the
    remainder; ties go to the earlier stratum.

    >>> largest_remainder([2.5, 3.5, 4.0]).tolist(), largest_remainder([1.4, 1.3, 1.3]).tolist()
    ([3, 3, 4], [2, 1, 1])
    """
    q = np.asarray(quota, dtype=float)
    total = round(q.sum())
    base = np.floor(q + _EPS).astype(int)
    if floor_at is not None:
        base = np.maximum(base, np.asarray(floor_at, dtype=int))
    rem = q - base
    if cap is not None:
        rem = np.where(base >= np.asarray(cap), -np.inf, rem)
    order = np.argsort(-rem, kind="stable")
    left = total - int(base.sum())
    base[order[:max(left, 0)]] += 1
    return base


def allocate(
    n: int,
    frame,
    *,
    method: str = "proportional",
    min_per_stratum: int | pd.Series = 0,
    sd=None,
    p=None,
    count_column: str | None = None,
    stratum_column: str | None = None,
    file: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Share ``n`` responses among the strata of ``frame``.

    ``frame`` is a Series (stratum → population) or a frame table (see
    :func:`frame_population`). Returns one row per stratum: ``stratum, population,
    weight, quota, n, sampling_fraction``; ``n`` adds up to the requested total.
    ``sd`` (or ``p``) gives the per-stratum spread for Neyman allocation: a number
    for all strata, a Series by stratum, or the name of a column of the frame table.

    >>> allocate(10, pd.Series({"A": 300, "B": 100}))["n"].tolist()
    [8, 2]
    """
    if method not in ALLOCATIONS:
        raise choice_error(SamplingError, "allocation", method, ALLOCATIONS)
    pop = frame_population(frame, count_column=count_column, stratum_column=stratum_column, file=file, sheet=sheet)
    sd, p = (_frame_column(frame, v, pop) if isinstance(v, str) else v for v in (sd, p))
    if int(n) != n or n < 0:
        raise SamplingError("the sample size to allocate must be a whole number ≥ 0", got=n)
    n = int(n)
    H = len(pop)
    if H == 0:
        raise DataError("the frame lists no district")
    N = pop.to_numpy(dtype=float)
    if n > N.sum():
        raise SamplingError("the sample is larger than the population", got=n, expected=f"at most {int(N.sum())}")
    mins = (min_per_stratum.reindex(pop.index).fillna(0) if isinstance(min_per_stratum, pd.Series)
            else pd.Series(min_per_stratum, index=pop.index)).to_numpy(dtype=float)
    mins = np.minimum(np.ceil(mins - _EPS), N)  # a district smaller than the minimum is surveyed in full
    if mins.sum() > n:
        raise SamplingError("the minimum per district does not fit in the sample",
                            got=f"{int(mins.sum())} needed by the minimums, n = {n}",
                            hint="raise n or lower --min-per-district")
    if method == "proportional":
        w = N.copy()
    elif method == "equal":
        w = np.where(N > 0, 1.0, 0.0)
    else:
        if sd is None and p is None:
            raise SamplingError("Neyman allocation needs each district's standard deviation or expected rate",
                                hint="pass sd= or p= (a number, one value per district, or a frame column)")
        if sd is not None:
            S = (sd.reindex(pop.index) if isinstance(sd, pd.Series) else pd.Series(sd, index=pop.index)).to_numpy(dtype=float)
        else:
            P = (p.reindex(pop.index) if isinstance(p, pd.Series) else pd.Series(p, index=pop.index)).to_numpy(dtype=float)
            if np.isnan(P).any() or ((P < 0) | (P > 1)).any():
                raise SamplingError("expected rates for Neyman allocation must be in [0, 1] for every district")
            S = np.sqrt(P * (1 - P))
        if np.isnan(S).any() or (S < 0).any():
            missing = list(pop.index[np.isnan(S) | (S < 0)])
            raise SamplingError("no valid spread for some districts", got=", ".join(map(str, missing)))
        w = N * S
        if w.sum() == 0:
            w = N.copy()  # no spread anywhere: Neyman degenerates to proportional
    quota = clipped_quota(n, w, mins, N)
    alloc = largest_remainder(quota, floor_at=mins, cap=N)
    weight = w / w.sum() if w.sum() else w
    out = pd.DataFrame({"stratum": pop.index, "population": N.astype(int), "weight": weight, "quota": quota,
                        "n": alloc.astype(int)})
    out["sampling_fraction"] = np.where(N > 0, out["n"] / np.where(N > 0, N, 1), np.nan)
    return out


def _frame_column(frame, column: str, pop: pd.Series) -> pd.Series:
    """A per-stratum column of the frame table (e.g. each district's expected rate), aligned with ``pop``.

    Cells are taken from the rows :func:`survey.inputs.frame.population_table` read each
    stratum from (``pop.attrs['rows']``), so skipped total rows shift nothing.
    """
    where = {"file": pop.attrs.get("file"), "sheet": pop.attrs.get("sheet")}
    if not isinstance(frame, pd.DataFrame) or column not in frame.columns:
        raise DataError(f"no column '{column}' in the frame", **where,
                        expected="one of " + ", ".join(map(str, getattr(frame, "columns", []))))
    out = {}
    for name, row in pop.attrs["rows"].items():
        i = int(frame.index.get_loc(row)) if frame.index.name == "row" else row - 2
        cell = frame[column].iloc[i]
        try:
            out[name] = float(str(cell).replace(",", "").strip())
        except ValueError:
            out[name] = np.nan
        if not np.isfinite(out[name]):
            raise DataError(f"frame column '{column}' has a cell that is not a number", **where, row=row,
                            column=column, got=cell)
    return pd.Series(out, dtype=float).reindex(pop.index)


def clipped_quota(n: float, w, mins, cap) -> np.ndarray:
    """Fractional quotas q_h = clip(λ·w_h, min_h, cap_h) adding up to ``n``.

    Σ clip(λ·w_h, min_h, cap_h) is continuous and non-decreasing in λ, from Σ min_h
    at λ = 0 to its largest value once every district with w_h > 0 is at its cap;
    λ is found by bisection and then solved exactly on the districts left strictly
    between their bounds, so those get quotas proportional to w_h. When even the
    largest value falls short (the rest of n must go to districts with w_h = 0,
    e.g. a Neyman spread of 0), that rest is shared by their room cap_h − min_h.

    Ten to three districts in proportion 1 : 1 : 2, each at least 2 (λ = 2.5):

    >>> clipped_quota(10, [1, 1, 2], [2, 2, 2], [3, 10, 10]).tolist()
    [2.5, 2.5, 5.0]
    """
    w, mins, cap = (np.asarray(x, dtype=float) for x in (w, mins, cap))
    pos = w > 0
    full = np.where(pos, cap, mins)
    if not pos.any() or n >= full.sum() - 1e-9:
        room = cap - full
        rest = n - full.sum()
        return full + (room * rest / room.sum() if rest > 0 and room.sum() > 0 else 0.0)
    lo, hi = 0.0, float(np.max(cap[pos] / w[pos]))
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.clip(mid * w, mins, cap).sum() < n:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * hi:
            break
    lam = (lo + hi) / 2
    q = np.clip(lam * w, mins, cap)
    free = pos & (lam * w > mins) & (lam * w < cap)
    if free.any():  # exact on the free districts: Σ q = n, and q_h / w_h the same for all of them
        lam = (n - q[~free].sum()) / w[free].sum()
        q = np.where(free, lam * w, q)
    return q
