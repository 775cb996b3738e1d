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
  interval is any of statsmodels' ``proportion_confint`` methods (Wilson by
  default). With a population N the interval is narrowed around p by the finite
  population factor √((N − n)/(N − 1)).
- :func:`allocate` — share n among districts (strata) of a frame:
  ``proportional`` (n_h ∝ N_h), ``equal`` (n_h = n/H) or ``neyman``
  (n_h ∝ N_h·S_h, S_h a standard deviation or √(p_h(1 − p_h))), with a minimum
  per district and never more than N_h. Districts held at their minimum (or at
  N_h) are fixed and the rest is shared again until nothing moves; the
  fractional quotas are then turned into integers by the **largest remainder**
  method (Hamilton): every district gets the integer part of its quota and the
  units left over go, one each, to the largest fractional parts (ties in frame
  order). The integers add up to n exactly and respect the minimum and N_h.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataError, SurveyError, choice_error
from .vocab import CI_METHODS

ALLOCATIONS = ("proportional", "equal", "neyman")
_EPS = 1e-9


class SamplingError(SurveyError):
    """A sample-size question that has no answer (bad parameter, impossible target)."""


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 1.959964 for 95%."""
    from scipy.stats import norm

    _check_open(confidence, "confidence", "--confidence")
    return float(norm.ppf(0.5 + confidence / 2))


def _check_open(v: float, what: str, option: str) -> None:
    if not (isinstance(v, (int, float)) and 0 < v < 1):
        raise SamplingError(f"{what} must be between 0 and 1", got=v, hint=f"pass {option} as a fraction, e.g. 0.95")


def _ceil(x: float) -> int:
    """Round up, ignoring floating-point noise (100.0000000001 is 100)."""
    return int(math.ceil(x - _EPS))


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
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


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

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def lower_bound(n, p: float, *, confidence: float = 0.95, method: str = "wilson",
                population: int | None = None) -> np.ndarray:
    """Lower interval bound at n respondents when the observed rate is exactly p.

    The count is p·n (fractional); with ``population`` the interval is narrowed
    around p by √((N − n)/(N − 1)). Arrays of n are allowed.
    """
    from statsmodels.stats.proportion import proportion_confint

    if method not in CI_METHODS:
        raise choice_error(SamplingError, "interval method", method, CI_METHODS)
    n = np.asarray(n, dtype=float)
    lo, _ = proportion_confint(p * n, n, alpha=1 - confidence, method=method)
    lo = np.asarray(lo, dtype=float)
    if population is not None:
        f = np.sqrt(np.clip((population - n) / max(population - 1, 1), 0, 1))
        lo = p - (p - lo) * f
    return lo


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

    >>> threshold_sample_size(0.95, 0.85).n   # doctest: +SKIP
    """
    _check_open(p, "expected proportion p", "--p")
    _check_open(threshold, "threshold", "--threshold")
    _check_open(confidence, "confidence", "--confidence")
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
            if population is not None:
                n_issue = min(n_issue, int(population))
            return ThresholdSize(n, float(lo[ok[0]]), prev, p, threshold, confidence, method,
                                 None if population is None else int(population), n_issue, valid_rate)
        start = stop + 1
    raise SamplingError(f"no n up to {limit} keeps the lower bound at or above the threshold",
                        got=f"p = {p:g}, threshold = {threshold:g}", hint="raise the expected rate or the population")


def population_counts(frame, *, count_column: str | None = None, stratum_column: str | None = None,
                      file: str | None = None, sheet: str | None = None) -> pd.Series:
    """A frame as population counts per stratum (a Series indexed by stratum name).

    ``frame`` is a Series (stratum → count) or a DataFrame; the stratum column
    defaults to the first text column, the count column to the only numeric one.
    """
    if isinstance(frame, pd.Series):
        s = frame.copy()
    elif isinstance(frame, pd.DataFrame):
        cols = [str(c) for c in frame.columns]
        df = frame.copy()
        df.columns = cols
        if stratum_column is None:
            text = [c for c in cols if not pd.api.types.is_numeric_dtype(pd.to_numeric(df[c], errors="coerce"))
                    or pd.to_numeric(df[c], errors="coerce").isna().all()]
            if not text:
                raise DataError("the frame has no column of district names", file=file, sheet=sheet,
                                got="columns " + ", ".join(cols), hint="add a column such as 区")
            stratum_column = text[0]
        if stratum_column not in cols:
            raise DataError(f"no column '{stratum_column}' in the frame", file=file, sheet=sheet,
                            expected="one of " + ", ".join(cols))
        if count_column is None:
            numeric = [c for c in cols if c != stratum_column and pd.to_numeric(df[c], errors="coerce").notna().all()]
            if len(numeric) != 1:
                raise DataError("which frame column holds the population counts?", file=file, sheet=sheet,
                                got="numeric columns " + (", ".join(numeric) or "(none)"),
                                hint="name it (count_column / --population-column)")
            count_column = numeric[0]
        if count_column not in cols:
            raise DataError(f"no column '{count_column}' in the frame", file=file, sheet=sheet,
                            expected="one of " + ", ".join(cols))
        s = pd.Series(df[count_column].to_numpy(), index=df[stratum_column].astype(str).str.strip(),
                      name=count_column)
    else:
        raise DataError("a frame must be a table of districts and counts", got=type(frame).__name__)
    values = pd.to_numeric(s, errors="coerce")
    bad = values.isna() | (values < 0) | (values.round() != values)
    if bad.any():
        first = s.index[bad.to_numpy()][0]
        raise DataError(f"population count of '{first}' is not a whole number ≥ 0", file=file, sheet=sheet,
                        column=count_column, got=s[bad].iloc[0], hint="type the count as a number")
    if s.index.duplicated().any():
        dup = s.index[s.index.duplicated()][0]
        raise DataError(f"district '{dup}' is listed twice in the frame", file=file, sheet=sheet)
    out = values.astype(int)
    out.index = out.index.astype(str)
    out.index.name = "stratum"
    return out


def largest_remainder(quota, floor_at=None, cap=None) -> np.ndarray:
    """Integers adding up to round(Σ quota): integer parts, then one each to the largest remainders.

    A stratum never goes above ``cap`` (its population) when handing out the
    remainder; ties go to the earlier stratum.
    """
    q = np.asarray(quota, dtype=float)
    total = int(round(q.sum()))
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
) -> pd.DataFrame:
    """Share ``n`` responses among the strata of ``frame``.

    Returns one row per stratum: ``stratum, population, weight, quota, n,
    sampling_fraction``; ``n`` adds up to the requested total. ``sd`` (or ``p``)
    gives the per-stratum spread for Neyman allocation: a number for all strata
    or a Series by stratum.
    """
    if method not in ALLOCATIONS:
        raise choice_error(SamplingError, "allocation", method, ALLOCATIONS)
    pop = population_counts(frame, count_column=count_column)
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
    mins = np.minimum(mins, N)  # a district smaller than the minimum is surveyed in full
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
                                hint="pass sd= or p= (a number or one value per district)")
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
    quota = _fixed_point_quota(n, w, mins, N)
    alloc = largest_remainder(quota, floor_at=np.ceil(mins - _EPS), cap=N)
    weight = w / w.sum() if w.sum() else w
    out = pd.DataFrame({"stratum": pop.index, "population": N.astype(int), "weight": weight, "quota": quota,
                        "n": alloc.astype(int)})
    out["sampling_fraction"] = np.where(N > 0, out["n"] / np.where(N > 0, N, 1), np.nan)
    return out


def _frame_column(frame, column: str, pop: pd.Series) -> pd.Series:
    """A per-stratum column of the frame (e.g. each district's expected rate), aligned with ``pop``."""
    if not isinstance(frame, pd.DataFrame) or column not in frame.columns:
        raise DataError(f"no column '{column}' in the frame",
                        expected="one of " + ", ".join(map(str, getattr(frame, "columns", []))))
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.isna().any():
        raise DataError(f"frame column '{column}' has a cell that is not a number", column=column)
    return pd.Series(values.to_numpy(dtype=float), index=pop.index)


def _fixed_point_quota(n: int, w: np.ndarray, mins: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Fractional quotas ∝ w, held at the minimum below and at the population above."""
    fixed = np.zeros(len(w), dtype=bool)
    quota = np.zeros(len(w))
    for _ in range(len(w) + 1):
        free = ~fixed
        rest = n - quota[fixed].sum()
        wf = np.where(free, w, 0.0)
        quota = np.where(fixed, quota, rest * wf / wf.sum() if wf.sum() > 0 else 0.0)
        low = free & (quota < mins - _EPS)
        high = free & (quota > cap + _EPS)
        if not low.any() and not high.any():
            break
        quota = np.where(low, mins, np.where(high, cap, quota))
        fixed |= low | high
    if abs(quota.sum() - n) > 1e-6:  # every stratum fixed and the total still off: fill up to the caps
        room = cap - quota
        quota = quota + room * (n - quota.sum()) / room.sum()
    return quota


def read_frame(path, *, sheet: str | None = None) -> pd.DataFrame:
    """A frame table from a file (csv, or an xlsx sheet — 抽样框 when present); see :func:`population_counts`."""
    from pathlib import Path

    from .read import Workbook, read_table

    path = Path(path)
    if path.suffix.lower() == ".csv":
        raw = read_table(path)
    else:
        wb = Workbook(path)
        raw = wb.table(sheet or ("抽样框" if "抽样框" in wb.sheet_names else wb.sheet_names[0]))
    return raw.data.reset_index(drop=True)
