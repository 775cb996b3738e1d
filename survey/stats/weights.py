"""Survey weights: one contract, a registry of methods, diagnostics with every result.

Every method takes the respondents' data (never modified) and population targets,
and returns a :class:`Weighted`: a weight per respondent (same index as the data)
and :class:`WeightDiagnostics` — Kish's design effect and effective n, CV, min/max,
convergence history and the achieved against the target margins.

Methods (the registry :data:`WEIGHTING`, and :func:`trim` after any of them):

``design``        N_h / n_h per stratum (the district design weight).
``poststratify``  base × N_c / Σ_c base for each cell c of one or several crossed
                  variables (Kalton & Flores-Cervantes 2003, §2.2).
``rake``          iterative proportional fitting to the margins of several
                  variables (Deming & Stephan 1940; K & F-C §2.4), until every
                  achieved margin is within ``tol`` (relative) of its target.
``calibrate``     linear calibration (GREG, chi-square distance; Deville & Särndal
                  1992) to the same margins, optionally with bounds L ≤ g ≤ U on the
                  ratio of final to base weight (the truncated linear method,
                  solved by Newton steps over the units inside the bounds).
``trim``          cap weights at ``upper`` × mean (and raise them to ``lower`` × mean),
                  handing the excess to the other weights so the total is kept.

Raking and calibration work on the cross-table of the margin variables, not on the
rows: every unit of a cell gets the same factor, so the work per iteration is the
number of cells.

Targets are population counts: ``population`` is a Series indexed by the levels
(a MultiIndex for crossed variables) or a DataFrame with the variables' columns and
a count column; ``margins`` maps each variable to such a Series. A target category
with no respondents, a respondent outside every target category, or margins whose
totals disagree is a :class:`~survey.errors.WeightingError` that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.errors import WeightingError, choice_error, excel_row
from survey.stats.targets import as_targets, cell_positions, margin_positions, targets_from_table


@dataclass(frozen=True)
class WeightDiagnostics:
    """How a set of weights came out: size, spread, Kish design effect and n_eff, convergence, margins."""

    method: str
    n: int
    total: float
    min: float
    max: float
    mean: float
    cv: float             # coefficient of variation of the weights (population form)
    deff_kish: float      # 1 + CV² = n Σw² / (Σw)²
    n_eff: float          # (Σw)² / Σw²
    converged: bool = True
    iterations: int = 0
    tolerance: float | None = None
    history: tuple[float, ...] = ()      # largest relative margin error after each iteration
    margins: pd.DataFrame = field(default=None, repr=False)  # variable, level, target, achieved, difference
    trimmed: int = 0
    calibrated: bool = True   # the weights still meet the targets in ``margins`` (False after trimming broke them)
    note: str = ""

    def as_dict(self) -> dict:
        """Plain numbers for a report or ``--format json``."""
        out = {k: getattr(self, k) for k in ("method", "n", "total", "min", "max", "mean", "cv", "deff_kish",
                                             "n_eff", "converged", "iterations", "tolerance", "trimmed",
                                             "calibrated", "note")}
        out["history"] = list(self.history)
        return out


@dataclass(frozen=True)
class Weighted:
    """New weights (a Series aligned with the data) and their diagnostics."""

    weights: pd.Series
    diagnostics: WeightDiagnostics


def diagnose(w: np.ndarray, method: str, **extra) -> WeightDiagnostics:
    """Diagnostics of weights ``w``: total, min / max / mean, CV, Kish deff = n Σw² / (Σw)², n_eff = (Σw)² / Σw².

    ``extra`` fills the method's own fields (convergence, history, margins …).

    >>> d = diagnose(np.array([1.0, 1.0, 2.0, 4.0]), "example")   # Σw = 8, Σw² = 22
    >>> d.deff_kish, round(d.n_eff, 4)                            # 4 · 22 / 64, 64 / 22
    (1.375, 2.9091)
    """
    w = np.asarray(w, dtype=float)
    n, tot = len(w), float(w.sum())
    mean = tot / n
    cv = float(w.std() / mean) if n else np.nan
    ssq = float(np.einsum("i,i->", w, w))  # Σw², one pass without a product array
    return WeightDiagnostics(method=method, n=n, total=tot, min=float(w.min()), max=float(w.max()), mean=mean,
                             cv=cv, deff_kish=n * ssq / tot**2, n_eff=tot**2 / ssq, **extra)


# ----------------------------------------------------------------------------- helpers

def base_weights(data: pd.DataFrame, base) -> np.ndarray:
    """The base (design) weights: 1 each without ``base``, else a column name or an array.

    A blank, non-numeric, zero or negative weight is an error naming its row (the
    data's index, the row the user sees when the data were read from a file).

    >>> base_weights(pd.DataFrame({"pw": [2.5, 4]}), "pw").tolist()
    [2.5, 4.0]
    >>> base_weights(pd.DataFrame({"pw": [2.5, None]}, index=[2, 3]), "pw")
    Traceback (most recent call last):
    survey.errors.WeightingError: row 3, column 'pw': base weights must be positive numbers (1 not) ...
    """
    if base is None:
        return np.ones(len(data))
    if isinstance(base, str):
        if base not in data.columns:
            raise WeightingError(f"no base-weight column '{base}'", expected=", ".join(map(str, data.columns[:30])))
        b = pd.to_numeric(data[base], errors="coerce").to_numpy(float)
    else:
        b = np.asarray(base, dtype=float)
        if len(b) != len(data):
            raise WeightingError("base weights and data differ in length", got=len(b), expected=len(data))
    bad = ~np.isfinite(b) | (b <= 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        named = isinstance(base, str)
        raise WeightingError(f"base weights must be positive numbers ({int(bad.sum())} not)",
                             column=base if named else None, row=excel_row(data, k) if named else None,
                             got="(blank)" if named and pd.isna(data[base].iloc[k]) else (data[base].iloc[k] if named
                                                                                         else b[k]),
                             hint="fill in a positive weight for every respondent, or drop those without one")
    return b


def _margin_table(var: str, targets: pd.Series, achieved: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"variable": var, "level": [str(x) if not isinstance(x, tuple) else " × ".join(x)
                                                    for x in targets.index],
                         "target": targets.to_numpy(), "achieved": achieved,
                         "difference": achieved - targets.to_numpy()})


def _result(data: pd.DataFrame, w: np.ndarray, method: str, **extra) -> Weighted:
    return Weighted(pd.Series(w, index=data.index, name="weight"), diagnose(w, method, **extra))


# ----------------------------------------------------------------------------- methods

def design_weights(data: pd.DataFrame, strata: str, population) -> Weighted:
    """N_h / n_h for every respondent of stratum h (``population``: N_h per stratum).

    >>> design_weights(pd.DataFrame({"区": ["A", "A", "B"]}), "区", pd.Series({"A": 10.0, "B": 30.0})).weights.tolist()
    [5.0, 5.0, 30.0]
    """
    return poststratify(data, strata, population, method_name="design")


def poststratify(data: pd.DataFrame, by: str | list[str], population, *, base=None,
                 method_name: str = "poststratify") -> Weighted:
    """Post-stratify: base weights scaled so each cell of ``by`` sums to its population count.

    Crossing several variables makes one cell per combination (``population`` then
    has a MultiIndex or one column per variable).

    Kalton & Flores-Cervantes (2003), Table 2, row a = 1: sample 20, 40, 40 in the
    cells b = 1, 2, 3, population 80, 40, 55 → 4.00, 1.00, 1.38 per unit.

    >>> d = pd.DataFrame({"a": "1", "b": ["1"] * 20 + ["2"] * 40 + ["3"] * 40})
    >>> pop = pd.DataFrame({"a": "1", "b": ["1", "2", "3"], "N": [80, 40, 55]})
    >>> poststratify(d, ["a", "b"], pop).weights.groupby(d["b"]).mean().round(2).tolist()
    [4.0, 1.0, 1.38]
    """
    by = [by] if isinstance(by, str) else list(by)
    b = base_weights(data, base)
    targets = as_targets(population, by)
    pos = cell_positions(data, by, targets)
    cell_base = np.bincount(pos, weights=b, minlength=len(targets))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(cell_base > 0, targets.to_numpy() / cell_base, 0.0)
    w = b * factor[pos]
    achieved = np.bincount(pos, weights=w, minlength=len(targets))
    return _result(data, w, method_name, margins=_margin_table(" × ".join(by), targets, achieved))


@dataclass(frozen=True)
class _Cells:
    """The cross-table of the margin variables: what raking and calibration work on."""

    cell: np.ndarray           # cell of each respondent
    base: np.ndarray           # Σ base weight per cell
    level: list[np.ndarray]    # per margin: target position of each cell
    targets: list[pd.Series]
    names: list[str]


def _cells(data: pd.DataFrame, margins: Mapping[str, object], b: np.ndarray) -> _Cells:
    if not margins:
        raise WeightingError("no margins to weight to", hint="give at least one variable with its population counts")
    names = list(margins)
    targets = [as_targets(margins[v], [v]) for v in names]
    pos = margin_positions(data, dict(zip(names, targets)))
    totals = [float(t.sum()) for t in targets]
    if max(totals) - min(totals) > 1e-6 * max(totals):
        listing = ", ".join(f"{v} {t:g}" for v, t in zip(names, totals))
        raise WeightingError(f"margin totals disagree: {listing}",
                             hint="every margin must count the same population; check the frame sheet")
    dims = [len(t) for t in targets]
    key = np.ravel_multi_index(pos, dims)
    size = int(np.prod(dims, dtype=np.float64))
    if size <= max(len(key), 1 << 16):
        # Speed: the full cross-table is small (e.g. 12 × 2 × 4 = 96 cells), so find
        # the occupied cells with one bincount instead of sorting a million keys;
        # same cells in the same (sorted) order as np.unique.
        occupied = np.bincount(key, minlength=size) > 0
        uniq = np.flatnonzero(occupied)
        renumber = np.cumsum(occupied) - 1
        cell = renumber[key]
    else:
        uniq, cell = np.unique(key, return_inverse=True)
    level = list(np.unravel_index(uniq, [len(t) for t in targets]))
    return _Cells(cell, np.bincount(cell, weights=b), level, targets, names)


def _achieved(c: _Cells, cw: np.ndarray) -> list[np.ndarray]:
    return [np.bincount(lv, weights=cw, minlength=len(t)) for lv, t in zip(c.level, c.targets)]


def _max_error(c: _Cells, cw: np.ndarray) -> float:
    err = 0.0
    for got, t in zip(_achieved(c, cw), c.targets):
        tv = t.to_numpy()
        err = max(err, float(np.max(np.abs(got - tv) / np.where(tv > 0, tv, 1))))
    return err


def _margins_frame(c: _Cells, cw: np.ndarray) -> pd.DataFrame:
    return pd.concat([_margin_table(v, t, got) for v, t, got in zip(c.names, c.targets, _achieved(c, cw))],
                     ignore_index=True)


def rake(data: pd.DataFrame, margins: Mapping[str, object], *, base=None, tol: float = 1e-8,
         max_iter: int = 100) -> Weighted:
    """Rake (iterative proportional fitting) to the population margins of several variables.

    Stops when every achieved margin is within ``tol`` of its target (relative), or
    after ``max_iter`` sweeps — then ``diagnostics.converged`` is False and the
    history shows how far it got.

    Kalton & Flores-Cervantes (2003), Table 3, row a = 1: 1.81, 1.45, 2.02.

    >>> n = [[20, 40, 40], [50, 140, 310], [100, 50, 50], [30, 100, 70]]   # K & F-C (2003): sample of a × b
    >>> d = pd.DataFrame([(str(i + 1), str(j + 1)) for i in range(4) for j in range(3) for _ in range(n[i][j])],
    ...                  columns=["a", "b"])
    >>> margins = {"a": pd.Series([175, 550, 430, 345], index=list("1234")),
    ...            "b": pd.Series([365, 415, 720], index=list("123"))}
    >>> res = rake(d, margins)
    >>> res.weights.groupby([d["a"], d["b"]]).mean().round(2).loc["1"].tolist(), res.diagnostics.converged
    ([1.81, 1.45, 2.02], True)
    """
    b = base_weights(data, base)
    c = _cells(data, margins, b)
    cw = c.base.copy()
    history = []
    for _it in range(1, max_iter + 1):
        for lv, t in zip(c.level, c.targets):
            got = np.bincount(lv, weights=cw, minlength=len(t))
            with np.errstate(divide="ignore", invalid="ignore"):
                cw *= np.where(got > 0, t.to_numpy() / got, 0.0)[lv]
        history.append(_max_error(c, cw))
        if history[-1] <= tol:
            break
    factor = cw / c.base
    w = b * factor[c.cell]
    return _result(data, w, "rake", converged=history[-1] <= tol, iterations=len(history), tolerance=tol,
                   history=tuple(history), margins=_margins_frame(c, cw))


def calibrate(data: pd.DataFrame, margins: Mapping[str, object], *, base=None,
              bounds: tuple[float, float] | None = None, tol: float = 1e-8, max_iter: int = 50) -> Weighted:
    """Linear calibration to margins, optionally bounded: w = base × g with L ≤ g ≤ U.

    g = 1 + x'λ solves Σ base·g·x = T (x: the 0/1 indicators of every margin's
    levels); with ``bounds`` g is clipped to [L, U] and λ found by Newton steps over
    the cells inside the bounds. Bounds that no weights can meet end with
    ``converged`` False and the history of the margin errors.

    Kalton & Flores-Cervantes (2003), linear calibration on a + b, row a = 1: 1.82, 1.50, 1.97.

    >>> n = [[20, 40, 40], [50, 140, 310], [100, 50, 50], [30, 100, 70]]   # K & F-C (2003): sample of a × b
    >>> d = pd.DataFrame([(str(i + 1), str(j + 1)) for i in range(4) for j in range(3) for _ in range(n[i][j])],
    ...                  columns=["a", "b"])
    >>> margins = {"a": pd.Series([175, 550, 430, 345], index=list("1234")),
    ...            "b": pd.Series([365, 415, 720], index=list("123"))}
    >>> calibrate(d, margins).weights.groupby([d["a"], d["b"]]).mean().round(2).loc["1"].tolist()
    [1.82, 1.5, 1.97]
    """
    b = base_weights(data, base)
    c = _cells(data, margins, b)
    if bounds is not None:
        lo, hi = bounds
        if not (0 <= lo < 1 < hi):
            raise WeightingError("calibration bounds must satisfy 0 ≤ lower < 1 < upper", got=bounds)
    offsets = np.cumsum([0] + [len(t) for t in c.targets])
    X = np.zeros((len(c.base), offsets[-1]))
    for j, lv in enumerate(c.level):
        X[np.arange(len(c.base)), offsets[j] + lv] = 1.0
    T = np.concatenate([t.to_numpy() for t in c.targets])
    lam = np.zeros(X.shape[1])
    history = []
    for _ in range(max_iter):
        g = 1 + X @ lam
        inside = np.ones(len(g), dtype=bool)
        if bounds is not None:
            inside = (g > bounds[0]) & (g < bounds[1])
            g = np.clip(g, *bounds)
        resid = T - X.T @ (c.base * g)
        history.append(_max_error(c, c.base * g))
        if history[-1] <= tol:
            break
        J = X.T @ (X * (c.base * inside)[:, None])
        lam = lam + np.linalg.lstsq(J, resid, rcond=None)[0]
    g = 1 + X @ lam
    if bounds is not None:
        g = np.clip(g, *bounds)
    if bounds is None and (g <= 0).any():
        raise WeightingError("linear calibration gives negative or zero weights",
                             hint="use bounds (e.g. --bounds 0.3 3) or raking instead")
    w = b * g[c.cell]
    err = _max_error(c, c.base * g)
    return _result(data, w, "calibrate", converged=err <= tol, iterations=len(history), tolerance=tol,
                   history=tuple(history), margins=_margins_frame(c, c.base * g))


def trim(weights: pd.Series, *, upper: float | None = None, lower: float | None = None,
         max_iter: int = 50, after: Weighted | None = None, data: pd.DataFrame | None = None,
         tol: float = 1e-8) -> Weighted:
    """Trim weights to [lower, upper] × mean weight, keeping the total.

    The weight cut off the largest weights is handed to the untrimmed ones in
    proportion to their size (and the weight added to the smallest taken from them);
    this is repeated until no weight is outside the bounds (K & F-C 2003, §3).

    ``after``: the weighting result being trimmed. Its diagnostics are extended, not
    replaced (method ``rake+trim``; ``converged``, ``iterations`` and ``history`` of
    the raking kept), and with ``data`` (the columns weighted by) the margins are
    re-computed from the trimmed weights. When trimming moved a margin off its target
    by more than ``tol`` (relative), ``calibrated`` is False and ``note`` says so: the
    weights no longer reproduce the targets, so a design must not be declared
    calibrated on them (R's ``trimWeights`` likewise leaves the margins broken).

    Capped at 2 × the mean (4): the 1 cut from the largest weight goes to the others.

    >>> trim(pd.Series([1.0, 1.0, 1.0, 5.0]), upper=2).weights.round(4).tolist()
    [1.3333, 1.3333, 1.3333, 4.0]
    """
    if upper is None and lower is None:
        raise WeightingError("trimming needs an upper or a lower bound", hint="e.g. upper=3.5 (× the mean weight)")
    if (upper is not None and upper <= 1) or (lower is not None and not 0 < lower < 1):
        raise WeightingError("trimming bounds are multiples of the mean weight: lower in (0, 1), upper > 1",
                             got=(lower, upper))
    w = weights.to_numpy(dtype=float).copy()
    total = w.sum()
    hi = np.inf if upper is None else upper * total / len(w)
    lo = 0.0 if lower is None else lower * total / len(w)
    fixed = np.zeros(len(w), dtype=bool)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007  (the count is reported after the loop)
        out = ~fixed & ((w > hi * (1 + 1e-12)) | (w < lo * (1 - 1e-12)))
        if not out.any():
            break
        fixed |= out
        w[fixed] = np.clip(w[fixed], lo, hi)
        free = ~fixed
        if not free.any():
            raise WeightingError("trimming bounds leave no weight free to take the excess", got=(lower, upper))
        w[free] *= (total - w[fixed].sum()) / w[free].sum()
    converged = not (~fixed & ((w > hi * (1 + 1e-9)) | (w < lo * (1 - 1e-9)))).any()
    if after is None:
        return _result(pd.DataFrame(index=weights.index), w, "trim", converged=converged, iterations=it,
                       trimmed=int(fixed.sum()))
    return _after_trim(after, w, weights.index, data, trimmed=int(fixed.sum()), trim_converged=converged, tol=tol)


def _after_trim(after: Weighted, w: np.ndarray, index, data, *, trimmed: int, trim_converged: bool,
                tol: float) -> Weighted:
    """The diagnostics of ``after`` extended with the trimming and the margins it left."""
    from dataclasses import replace

    d = after.diagnostics
    margins, calibrated, note = d.margins, d.calibrated, d.note
    if margins is not None and data is not None:
        got = []
        for var, level in zip(margins["variable"], margins["level"]):
            cols = str(var).split(" × ")
            key = data[cols[0]].astype(str) if len(cols) == 1 else data[cols].astype(str).agg(" × ".join, axis=1)
            got.append(float(w[(key == str(level)).to_numpy()].sum()))
        margins = margins.assign(achieved=got, difference=np.asarray(got) - margins["target"].to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(margins["difference"].to_numpy()) / np.maximum(margins["target"].to_numpy(), 1e-300)
        worst = float(np.max(rel, initial=0.0))
        if worst > tol:
            calibrated = False
            note = (f"trimming moved the margins off their targets (largest relative error {worst:.3g}): "
                    "the weights are no longer calibrated, estimate with them as fixed weights")
    elif margins is not None:
        calibrated = False
        note = "margins not re-checked after trimming (no data given): treat the weights as not calibrated"
    base = diagnose(w, f"{d.method}+trim")
    diag = replace(base, converged=d.converged and trim_converged, iterations=d.iterations, tolerance=d.tolerance,
                   history=d.history, margins=margins, trimmed=trimmed, calibrated=calibrated, note=note)
    return Weighted(pd.Series(w, index=index, name="weight"), diag)


@dataclass(frozen=True)
class WeightingMethod:
    """A weighting method in the registry: its name, the shape of targets it takes, and the function.

    ``targets`` is ``"cells"`` (one population count per cell of the ``by`` columns: a
    Series, with a MultiIndex when crossed) or ``"margins"`` (counts per level of each
    variable: a mapping variable → Series). ``run(data, targets, by=…, base=…, bounds=…,
    tol=…, max_iter=…)`` returns a :class:`Weighted`.
    """

    name: str
    targets: str
    run: Callable[..., Weighted]
    summary: str


def _run_design(data, targets, *, by, **_):
    return design_weights(data, by[0], targets)


def _run_poststratify(data, targets, *, by, base=None, **_):
    return poststratify(data, by, targets, base=base)


def _run_rake(data, targets, *, base=None, tol=1e-8, max_iter=None, **_):
    return rake(data, targets, base=base, tol=tol, **({} if max_iter is None else {"max_iter": max_iter}))


def _run_calibrate(data, targets, *, base=None, bounds=None, tol=1e-8, max_iter=None, **_):
    return calibrate(data, targets, base=base, bounds=bounds, tol=tol,
                     **({} if max_iter is None else {"max_iter": max_iter}))


# The one list of weighting methods: dispatch, CLI choices (through survey.definitions.vocab,
# which a test keeps equal to these keys) and questionnaire validation all read it.
WEIGHTING: dict[str, WeightingMethod] = {m.name: m for m in (
    WeightingMethod("design", "cells", _run_design, "N_h / n_h in each stratum (R: svydesign(weights=))"),
    WeightingMethod("poststratify", "cells", _run_poststratify, "post-stratification to cell counts (R: postStratify)"),
    WeightingMethod("rake", "margins", _run_rake, "raking to several margins (R: rake)"),
    WeightingMethod("calibrate", "margins", _run_calibrate, "linear calibration, optionally bounded (R: calibrate)"),
)}


def weight(method: str, data: pd.DataFrame, targets, *, by: list[str] | None = None, base=None,
           bounds: tuple[float, float] | None = None, tol: float = 1e-8, max_iter: int | None = None) -> Weighted:
    """Weight ``data`` to ``targets`` with a method of :data:`WEIGHTING`, by name.

    ``targets`` has the shape the method takes (see :class:`WeightingMethod`); ``by``
    names the cell columns of the ``cells`` methods (default: the targets' index names).

    >>> d = pd.DataFrame({"区": ["A", "A", "B"]})
    >>> weight("poststratify", d, pd.Series({"A": 10.0, "B": 30.0}), by=["区"]).weights.tolist()
    [5.0, 5.0, 30.0]
    """
    if method not in WEIGHTING:
        raise choice_error(WeightingError, "weighting method", method, list(WEIGHTING))
    m = WEIGHTING[method]
    if m.targets == "cells" and not by:
        names = [n for n in getattr(targets, "index", pd.Index([])).names if n is not None]
        if not names:
            raise WeightingError(f"{method} needs the columns the targets are counted by (by=…)")
        by = names
    return m.run(data, targets, by=list(by or []), base=base, bounds=bounds, tol=tol, max_iter=max_iter)


def weigh_to_table(data: pd.DataFrame, targets: pd.DataFrame, method: str, *, by: list[str] | None = None,
                   base=None, bounds=None, tol: float = 1e-8, max_iter: int = 100,
                   targets_file: str | None = None, count: str | None = None) -> Weighted:
    """Weight ``data`` to a targets table as typed in a spreadsheet (``survey weight``).

    Methods that take cell counts (``design``, ``poststratify``) read the wide form
    (``by`` columns + a count); those that take margins (``rake``, ``calibrate``) the
    long form (变量, 类别, 人数), restricted to ``by`` if given.

    >>> targets = pd.DataFrame({"区": ["A", "B"], "人数": [10, 30]})
    >>> weigh_to_table(pd.DataFrame({"区": ["A", "A", "B"]}), targets, "poststratify", by=["区"]).weights.tolist()
    [5.0, 5.0, 30.0]
    """
    if method not in WEIGHTING:
        raise choice_error(WeightingError, "weighting method", method, list(WEIGHTING))
    m = WEIGHTING[method]
    if m.targets == "cells":
        if not by:
            raise WeightingError(f"{method} needs the columns the targets are counted by (--by)", file=targets_file)
        pop = targets_from_table(targets, by, wide=True, file=targets_file, count=count)
    else:
        pop = targets_from_table(targets, by, wide=False, file=targets_file, count=count)
    return weight(method, data, pop, by=by, base=base, bounds=bounds, tol=tol, max_iter=max_iter)
