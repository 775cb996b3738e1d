"""The sampling design: which columns are weights, strata, clusters and population sizes.

A :class:`Design` only names columns; it is kept apart from the estimators (as in
R ``survey``'s ``svydesign`` and svy), which all take the data plus the design.
:func:`prepare` turns design + data into integer codes and arrays once, and
:meth:`Prepared.variance` is the Taylor-linearisation variance every estimator
uses.

Variance of a linearised statistic (Wolter 2007, *Introduction to Variance
Estimation*, §6; the estimator of R ``survey``'s ``svyrecvar`` for one stage)::

    z_i        the linearised (influence) value of unit i, already weighted
    t_hj       Σ z_i over the units of PSU j in stratum h (a PSU is a unit when
               there are no clusters)
    V          Σ_h (1 − f_h) · n_h / (n_h − 1) · Σ_j (t_hj − t̄_h)²

with n_h the number of PSUs of stratum h and f_h = n_h / N_h its sampling
fraction (0 — sampling with replacement — when no population size is given).
``fpc`` values ≤ 1 are read as sampling fractions, larger values as population
sizes (PSUs in the stratum for a cluster design), as R does.

Domains (``by=``) keep the whole design: z is zero outside the domain and n_h
counts every PSU of the stratum, so a domain's variance is never computed as if
the domain were the sample.

Degrees of freedom are PSUs − strata (R's ``degf``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from survey.definitions.vocab import LONELY_PSU
from survey.errors import EstimationError, choice_error, excel_row


@dataclass(frozen=True)
class Design:
    """Names of the design columns of a data set (all optional).

    - ``weights``: sampling or calibrated weights (missing means every unit weighs 1);
    - ``strata``: stratum of each unit (e.g. the district, 区);
    - ``cluster``: primary sampling unit (e.g. the 司法所 where interviews were held);
    - ``fpc``: population size of the stratum (PSUs when clustered) or sampling fraction;
    - ``lonely_psu``: a stratum with one PSU has no variance estimate: ``fail``
      (default, an error naming it), ``remove`` (it adds nothing) or ``adjust``
      (centred on the grand mean of PSU totals), as R's ``survey.lonely.psu``;
    - ``calibration``: categorical columns whose population totals the weights were
      post-stratified, raked or calibrated to. The variance then uses the residuals
      of the linearised values regressed on those categories (weighted least
      squares), as for a GREG estimator (Deville & Särndal 1992; R's ``calibrate``
      and ``postStratify`` designs): a margin the weights reproduce exactly adds no
      sampling variance. Without it the weights are treated as fixed.
      ``calibration_base`` names the weights before calibration (default: 1 for
      everyone, as when an unweighted sample is raked); the regression uses them,
      as R does.

    - ``calibration_numeric``: numeric columns the weights were calibrated to (GREG on
      totals, :func:`survey.stats.calibration.calibrate_totals`); they join the
      regression of the residuals.
    - ``calibration_aggregate``: the calibration gave one factor per PSU (R's
      ``aggregate.stage=1``; ``calibrate_totals(cluster=)``): the residuals come from
      the regression on the PSU means of the auxiliaries, as R computes them.
    - ``cluster2`` / ``fpc2``: second-stage units within the PSUs and their population
      size per PSU (or fraction): the variance adds Σ_h f_h Σ_j (1 − f2_j) m_j/(m_j − 1)
      Σ_k (t_jk − t̄_j)² when the first stage has an fpc (R ``svydesign(id=~psu+ssu,
      fpc=~fpc1+fpc2)``); without one the PSU totals carry all the variance.

    Without ``weights``, an ``fpc`` gives each unit N_h / n_h (× M_j / m_j with
    ``fpc2``), as R's ``svydesign`` derives them. A stratum of one PSU sampled with
    certainty (f = 1) adds no variance and is not "lonely".

    >>> Design(weights="pw", strata="stype", fpc="fpc").columns  # R: svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc)
    ['pw', 'stype', 'fpc']
    """

    weights: str | None = None
    strata: str | None = None
    cluster: str | None = None
    fpc: str | None = None
    lonely_psu: str = "fail"
    calibration: tuple[str, ...] = ()
    calibration_base: str | None = None
    cluster2: str | None = None
    fpc2: str | None = None
    calibration_numeric: tuple[str, ...] = ()
    calibration_aggregate: bool = False

    def __post_init__(self):
        if self.lonely_psu not in LONELY_PSU:
            raise choice_error(EstimationError, "lonely_psu", self.lonely_psu, LONELY_PSU)

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.weights, self.strata, self.cluster, self.fpc, *self.calibration,
                            self.calibration_base, self.cluster2, self.fpc2, *self.calibration_numeric) if c]

    @property
    def is_srs(self) -> bool:
        """No weights, strata, clusters or fpc: simple random sampling with replacement."""
        return not self.columns

    def prepare(self, data: pd.DataFrame, *, file: str | None = None, sheet: str | None = None) -> Prepared:
        return prepare(data, self, file=file, sheet=sheet)


@dataclass(frozen=True)
class Prepared:
    """A design resolved against one data set: codes and arrays, ready for estimators."""

    design: Design
    w: np.ndarray = field(repr=False)          # weight per unit
    stratum: np.ndarray = field(repr=False)    # stratum code per unit, 0 … H−1
    psu: np.ndarray = field(repr=False)        # PSU code per unit, 0 … P−1 (units when no clusters)
    psu_stratum: np.ndarray = field(repr=False)  # stratum code per PSU
    n_psu: np.ndarray = field(repr=False)      # PSUs per stratum
    f: np.ndarray = field(repr=False)          # sampling fraction per stratum
    strata_labels: tuple = ()
    calibration_codes: tuple = field(default=(), repr=False)  # one code array per calibration column
    base: np.ndarray | None = field(default=None, repr=False)  # weights before calibration
    ssu: np.ndarray | None = field(default=None, repr=False)   # second-stage unit code per unit (two stages)
    ssu_psu: np.ndarray | None = field(default=None, repr=False)  # PSU code of each SSU
    f2: np.ndarray | None = field(default=None, repr=False)    # second-stage sampling fraction per PSU
    calibration_x: np.ndarray | None = field(default=None, repr=False)  # numeric auxiliaries (units × q)
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # domain codes, computed once

    def domain_codes(self, data: pd.DataFrame, by: str) -> tuple[np.ndarray, tuple]:
        """Codes 0 … k−1 (−1 = missing) and sorted levels of column ``by``, factorised once per design.

        The strata are already factorised (same sort=True codes and levels): a domain
        equal to them reuses those codes rather than hashing the column again.
        """
        if by not in self.cache:
            if by == self.design.strata:
                self.cache[by] = (self.stratum, tuple(self.strata_labels))
            else:
                codes, uniq = pd.factorize(data[by], sort=True)
                self.cache[by] = (codes.astype(np.int64, copy=False), tuple(uniq))
        return self.cache[by]

    @property
    def n(self) -> int:
        return len(self.w)

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs − strata."""
        return int(len(self.psu_stratum) - len(self.n_psu))

    @property
    def weighted(self) -> bool:
        return self.design.weights is not None

    def variance(self, z: np.ndarray, domain: np.ndarray | None = None, k: int = 1) -> np.ndarray:
        """Taylor variance of Σ z for each of ``k`` domains (``domain`` codes 0 … k−1, −1 = none).

        ``z`` holds one linearised value per unit (zero outside its domain is implied).
        Returns an array of k variances. Runs in O(units) with ``bincount``.
        """
        z = np.asarray(z, dtype=float)
        if self.calibration_x is not None or (self.calibration_codes and self.design.calibration_aggregate):
            return self._greg_variance(z, domain, k)
        if self.calibration_codes:
            return self._calibrated_variance(z, domain, k)
        # Speed (same sums): no domain, or every unit inside one, needs no masking
        # copies; dom None stands for "domain 0 for every unit".
        dom = None
        if domain is not None:
            domain = np.asarray(domain)
            inside = domain >= 0
            if inside.all():
                dom = domain
            else:
                dom = np.where(inside, domain, 0)
                z = np.where(inside, z, 0.0)
        n_p = len(self.psu_stratum)
        if self.design.cluster is None:  # every unit is its own PSU
            # With one domain every code is 0, so the key is the stratum itself.
            key, t = (self.stratum if k == 1 else self._stratum_domain(dom, k)), z
        else:  # PSU totals per domain
            cell = self.psu * k + (0 if dom is None else dom)
            t_full = np.bincount(cell, weights=z, minlength=n_p * k)
            key = np.repeat(self.psu_stratum, k) * k + np.tile(np.arange(k), n_p)
            t = t_full
        H = len(self.n_psu)
        s1 = np.bincount(key, weights=t, minlength=H * k).reshape(H, k)
        s2 = np.bincount(key, weights=t * t, minlength=H * k).reshape(H, k)
        nh = self.n_psu.astype(float)[:, None]
        # A stratum of one PSU sampled with certainty (f = 1, e.g. N = 1) adds no
        # variance and is not "lonely" (R: certainty PSUs, survey.lonely.psu unused).
        lonely = (self.n_psu < 2) & (self.f < 1)
        if lonely.any() and self.design.lonely_psu == "fail":
            which = [str(self.strata_labels[i]) for i in np.flatnonzero(lonely)]
            raise EstimationError(
                f"stratum {', '.join(which)} has a single PSU, so its variance cannot be estimated",
                column=self.design.strata, got=f"{len(which)} stratum/strata with one PSU",
                hint="merge it with a neighbouring stratum, or set lonely_psu to 'remove' or 'adjust'")
        with np.errstate(divide="ignore", invalid="ignore"):
            ss = s2 - s1 * s1 / nh  # Σ_j (t_hj − t̄_h)²
            factor = np.where(nh > 1, nh / (nh - 1), 0.0) * (1 - self.f)[:, None]
        if lonely.any() and self.design.lonely_psu == "adjust":
            # Centre the lonely PSU on the grand mean of PSU totals (R: lonely.psu="adjust").
            grand = s1.sum(axis=0) / n_p
            ss = np.where(lonely[:, None], (s1 - grand) ** 2, ss)
            factor = np.where(lonely[:, None], (1 - self.f)[:, None], factor)
        ss = np.maximum(ss, 0.0)  # rounding
        v = (factor * ss).sum(axis=0)
        if self.ssu is not None and self.design.fpc:
            v = v + self._second_stage(z, dom, k)
        return v

    def _stratum_domain(self, dom: np.ndarray | None, k: int) -> np.ndarray:
        """stratum · k + domain for every unit; kept for the last domain codes asked (speed: every
        measure estimated by the same domains, e.g. 区, reuses it; ``dom`` is the very same array)."""
        if dom is None:
            return self.stratum * k
        hit = self.cache.get(("stratum×domain", k))
        if hit is not None and hit[0] is dom:
            return hit[1]
        key = self.stratum * k + dom
        self.cache[("stratum×domain", k)] = (dom, key)
        return key

    def _second_stage(self, z: np.ndarray, dom, k: int) -> np.ndarray:
        """Σ_h f_h Σ_j (1 − f2_j) m_j/(m_j − 1) Σ_k (t_jk − t̄_j)², the within-PSU term of a
        two-stage design sampled without replacement at the first stage (R's ``svyrecvar``;
        Särndal, Swensson & Wretman 1992, §4.3). A PSU with one sampled SSU adds nothing.
        With replacement at the first stage (no fpc) the PSU totals carry all the variance."""
        ssu, ssu_psu, f2 = self.ssu, self.ssu_psu, self.f2
        if ssu is None or ssu_psu is None or f2 is None:
            return np.zeros(k)
        n_p, n_s = len(self.psu_stratum), len(ssu_psu)
        cell = ssu * k + (0 if dom is None else np.asarray(dom))
        t = np.bincount(cell, weights=z, minlength=n_s * k)
        key = np.repeat(ssu_psu, k) * k + np.tile(np.arange(k), n_s)
        s1 = np.bincount(key, weights=t, minlength=n_p * k).reshape(n_p, k)
        s2 = np.bincount(key, weights=t * t, minlength=n_p * k).reshape(n_p, k)
        m = np.bincount(ssu_psu, minlength=n_p).astype(float)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            ss = np.maximum(s2 - s1 * s1 / m, 0.0)
            factor = np.where(m > 1, m / (m - 1), 0.0) * (1 - f2)[:, None] * self.f[self.psu_stratum][:, None]
        return (factor * ss).sum(axis=0)


    def _calibrated_variance(self, z: np.ndarray, domain: np.ndarray | None, k: int) -> np.ndarray:
        """Variance of the residuals of z on the calibration categories, one domain at a time.

        With z = w·u (u the unweighted linearised value) and d the weights before
        calibration: β_d = (Σ d x xᵀ)⁻¹ Σ d x u_d over all units (x: the 0/1 indicators
        of every calibration category), e_d = z_d − w xᵀβ_d. This is the GREG residual
        R ``survey`` uses for calibrated, raked and post-stratified designs. The residual
        is not zero outside the domain, so each domain goes through the variance alone.
        """
        codes = self.calibration_codes
        sizes = [int(c.max()) + 1 for c in codes]
        offsets = np.cumsum([0, *sizes])
        L = int(offsets[-1])
        M = np.zeros((L, L))
        for u, cu in enumerate(codes):  # X'WX from pairwise cross-tables of weights
            for v, cv in enumerate(codes):
                block = np.bincount(cu * sizes[v] + cv, weights=self.base, minlength=sizes[u] * sizes[v])
                M[offsets[u]:offsets[u + 1], offsets[v]:offsets[v + 1]] = block.reshape(sizes[u], sizes[v])
        Minv = np.linalg.pinv(M)
        dom = np.zeros(len(z), dtype=np.int64) if domain is None else np.asarray(domain)
        plain = replace(self, calibration_codes=())
        out = np.empty(k)
        for d in range(k):
            zd = np.where(dom == d, z, 0.0)
            du = self.base * zd / self.w
            xz = np.concatenate([np.bincount(c, weights=du, minlength=s) for c, s in zip(codes, sizes)])
            beta = Minv @ xz
            fitted = sum(beta[offsets[u] + c] for u, c in enumerate(codes))
            out[d] = plain.variance(zd - self.w * fitted)[0]
        return out


    def _greg_variance(self, z: np.ndarray, domain: np.ndarray | None, k: int) -> np.ndarray:
        """As :meth:`_calibrated_variance` with numeric auxiliaries too: a dense X (units × columns)."""
        numeric = np.zeros((len(z), 0)) if self.calibration_x is None else self.calibration_x
        base = np.ones(len(z)) if self.base is None else self.base
        parts = [np.eye(int(c.max()) + 1)[c] for c in self.calibration_codes]
        X = np.column_stack([*parts, numeric])
        if self.design.calibration_aggregate:  # one factor per PSU: regress on the PSU means (R aggregate.stage=1)
            sums = np.zeros((len(self.psu_stratum), X.shape[1]))
            np.add.at(sums, self.psu, X)
            X = (sums / np.bincount(self.psu, minlength=len(self.psu_stratum))[:, None])[self.psu]
        Minv = np.linalg.pinv(X.T @ (X * base[:, None]))
        dom = np.zeros(len(z), dtype=np.int64) if domain is None else np.asarray(domain)
        plain = replace(self, calibration_codes=(), calibration_x=None)
        out = np.empty(k)
        for d in range(k):
            zd = np.where(dom == d, z, 0.0)
            beta = Minv @ (X.T @ (base * zd / self.w))
            out[d] = plain.variance(zd - self.w * (X @ beta))[0]
        return out


def _codes(values: pd.Series) -> tuple[np.ndarray, tuple]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), tuple(uniques)


def _weights(data: pd.DataFrame, design: Design, *, file: str | None, sheet: str | None) -> np.ndarray | None:
    """The weight column as positive floats, or None when the design has no weights."""
    if design.weights:
        w = pd.to_numeric(data[design.weights], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise EstimationError("weights must be positive numbers", file=file, sheet=sheet, column=design.weights,
                                  row=excel_row(data, int(np.flatnonzero(bad)[0])), got=data[design.weights].iloc[i],
                                  hint="drop units with zero weight before estimating, or fix the weight column")
        return w
    return None


def _calibration(data: pd.DataFrame, design: Design, *, file: str | None, sheet: str | None
                 ) -> tuple[tuple, np.ndarray | None, np.ndarray | None]:
    """Codes of the categorical calibration columns, the numeric auxiliaries and the base weights."""
    n = len(data)
    calibration = tuple(_codes(data[c].astype(str))[0] for c in design.calibration)
    cal_x = None
    if design.calibration_numeric:
        cal_x = np.column_stack([pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
                                 for c in design.calibration_numeric])
        if not np.isfinite(cal_x).all():
            raise EstimationError("a numeric calibration column has a non-numeric cell", file=file, sheet=sheet,
                                  column=design.calibration_numeric[int(np.flatnonzero(~np.isfinite(cal_x).all(0))[0])])
    base = None
    if calibration or cal_x is not None:
        base = (np.ones(n) if design.calibration_base is None
                else pd.to_numeric(data[design.calibration_base], errors="coerce").to_numpy(dtype=float))
        if (~np.isfinite(base)).any() or (base <= 0).any():
            raise EstimationError("base weights must be positive numbers", file=file, sheet=sheet,
                                  column=design.calibration_base, row=excel_row(data, int(np.flatnonzero(~(base > 0))[0])))
    return calibration, cal_x, base


def prepare(data: pd.DataFrame, design: Design, *, file: str | None = None, sheet: str | None = None) -> Prepared:
    """Check the design columns of ``data`` and resolve them to codes and arrays.

    >>> d = pd.DataFrame({"区": ["A", "A", "B", "B", "B"], "N": [10, 10, 30, 30, 30]})
    >>> p = prepare(d, Design(strata="区", fpc="N"))
    >>> p.strata_labels, p.n_psu.tolist(), p.f.tolist(), p.df     # sampling fractions 2/10, 3/30
    (('A', 'B'), [2, 3], [0.2, 0.1], 3)
    """
    missing = [c for c in design.columns if c not in data.columns]
    if missing:
        raise EstimationError(f"design column '{missing[0]}' is not in the data", file=file, sheet=sheet,
                              column=missing[0], expected="one of " + ", ".join(map(str, data.columns[:30])),
                              hint="check the spelling of --weights/--strata/--cluster/--fpc")
    n = len(data)
    if n == 0:
        raise EstimationError("no units to estimate from", file=file, sheet=sheet)
    for col in design.columns:
        bad = data[col].isna().to_numpy()
        if bad.any():
            raise EstimationError(f"design column '{col}' has an empty cell", file=file, sheet=sheet, column=col,
                                  row=excel_row(data, int(np.flatnonzero(bad)[0])),
                                  hint="every unit needs a weight, stratum, cluster and fpc")
    w = _weights(data, design, file=file, sheet=sheet)  # None: 1, or N_h / n_h once the fpc is known (below)
    if design.strata:
        stratum, labels = _codes(data[design.strata])
    else:
        stratum, labels = np.zeros(n, dtype=np.int64), ("",)
    H = len(labels)
    if design.cluster:
        # PSU ids are nested in strata: the same id in two strata is two PSUs.
        psu_key = pd.MultiIndex.from_arrays([stratum, data[design.cluster].to_numpy()])
        psu, psu_uniques = pd.factorize(psu_key, sort=True)
        psu = psu.astype(np.int64)
        psu_stratum = np.asarray([s for s, _ in psu_uniques], dtype=np.int64)
    else:
        psu = np.arange(n, dtype=np.int64)
        psu_stratum = stratum
    n_psu = np.bincount(psu_stratum, minlength=H)
    f = _fractions(data, design, stratum, labels, n_psu, file, sheet)
    ssu = ssu_psu = f2 = None
    if design.cluster2:
        ssu, ssu_psu, f2 = _second_stage_codes(data, design, psu, file=file, sheet=sheet)
    if w is None:
        # No weights but an fpc: R's svydesign(fpc=) derives the sampling probability
        # n_h / N_h (PSUs when clustered), so a total is weighted by N_h / n_h — times
        # M_j / m_j for the second stage of a two-stage design.
        w = 1.0 / f[stratum] if design.fpc else np.ones(n)
        if f2 is not None and design.fpc2:
            w = w / f2[psu]
    calibration, cal_x, base = _calibration(data, design, file=file, sheet=sheet)
    return Prepared(design, w, stratum, psu, psu_stratum, n_psu, f, labels, calibration, base, ssu, ssu_psu, f2,
                    cal_x)


def _fractions(data: pd.DataFrame, design: Design, stratum: np.ndarray, labels: tuple, n_psu: np.ndarray,
               file, sheet) -> np.ndarray:
    """First-stage sampling fraction per stratum from ``design.fpc`` (0 without it: with replacement)."""
    H = len(labels)
    if not design.fpc:
        return np.zeros(H)
    fpc = pd.to_numeric(data[design.fpc], errors="coerce").to_numpy(dtype=float)
    if (~np.isfinite(fpc)).any() or (fpc <= 0).any():
        bad = ~np.isfinite(fpc) | (fpc <= 0)
        raise EstimationError("fpc must be a population size or a sampling fraction > 0", file=file,
                              sheet=sheet, column=design.fpc, row=excel_row(data, int(np.flatnonzero(bad)[0])))
    lo = np.full(H, np.inf)
    hi = np.full(H, -np.inf)
    np.minimum.at(lo, stratum, fpc)
    np.maximum.at(hi, stratum, fpc)
    if (hi - lo > 1e-9 * np.maximum(1, hi)).any():
        h = int(np.flatnonzero(hi - lo > 1e-9 * np.maximum(1, hi))[0])
        raise EstimationError(f"fpc differs within stratum '{labels[h]}'", file=file, sheet=sheet,
                              column=design.fpc, got=f"{lo[h]:g} and {hi[h]:g}",
                              hint="the population size must be the same for every unit of a stratum")
    f = np.where(lo <= 1, lo, n_psu / lo)
    if (f > 1 + 1e-12).any():
        h = int(np.flatnonzero(f > 1 + 1e-12)[0])
        raise EstimationError(f"stratum '{labels[h]}' has more sampled PSUs than its population size",
                              file=file, sheet=sheet, column=design.fpc, got=f"{n_psu[h]} > {lo[h]:g}",
                              hint="fpc must be the population size (PSUs in the stratum when clustered)")
    f = np.minimum(f, 1.0)
    return f


def _second_stage_codes(data: pd.DataFrame, design: Design, psu: np.ndarray, *, file=None, sheet=None):
    """SSU codes nested in PSUs, the PSU of each SSU and the second-stage fraction per PSU."""
    if not design.cluster:
        raise EstimationError("a second-stage cluster needs the first-stage one", column=design.cluster2,
                              hint="give --cluster (PSU) with --cluster2 (SSU)")
    key = pd.MultiIndex.from_arrays([psu, data[design.cluster2].to_numpy()])
    ssu, uniq = pd.factorize(key, sort=True)
    ssu_psu = np.asarray([p for p, _ in uniq], dtype=np.int64)
    n_p = int(psu.max()) + 1
    m = np.bincount(ssu_psu, minlength=n_p).astype(float)
    f2 = np.zeros(n_p)
    if design.fpc2:
        x = pd.to_numeric(data[design.fpc2], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(x) | (x <= 0)
        if bad.any():
            raise EstimationError("fpc2 must be a population size or a sampling fraction > 0", file=file,
                                  sheet=sheet, column=design.fpc2, row=excel_row(data, int(np.flatnonzero(bad)[0])))
        first = np.zeros(n_p)
        first[psu] = x  # one value per PSU (the SSUs of the PSU in the population)
        f2 = np.minimum(np.where(first <= 1, first, m / first), 1.0)
    return ssu.astype(np.int64), ssu_psu, f2

