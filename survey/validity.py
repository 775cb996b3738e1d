"""Sample validity: does the sample support the numbers in the report?

Each check is a public function over plain DataFrames, so it runs on any survey:

- :func:`response_rates`   issued / returned / valid and their rates;
- :func:`margins`          achieved margin of error of every row of a tidy
                           estimates table (``survey.estimate``), with the finite
                           population correction (applied here, or already in the
                           se of design-based estimates: ``se_includes_fpc``);
- :func:`coverage`         sample mix against a frame margin (districts, or any
                           other category): counts, shares, response rates, the
                           minimum per category, chi-square goodness of fit
                           (``scipy.stats.chisquare``) and the largest share gap;
- :func:`cronbach`, :func:`item_analysis`, :func:`reliability`, :func:`ceiling_effect`
                           Cronbach's α (pingouin, Feldt interval) overall and per
                           dimension, α if an item is deleted, corrected item–total
                           correlations, the ceiling effect and α without it;
- :func:`kmo`, :func:`bartlett_sphericity`
                           Kaiser–Meyer–Olkin measure (Kaiser & Rice 1974) overall
                           and per item, and Bartlett's (1951) test that the
                           correlation matrix is the identity,
                           χ² = −(n − 1 − (2p + 5)/6)·ln|R|, df = p(p − 1)/2.
                           (pingouin's ``sphericity`` is Mauchly's test for repeated
                           measures — a different test.)

Every check carries its threshold and a verdict (通过 / 未通过 / 无法计算); a
statistic that cannot be computed (one item, zero-variance items from
straight-lined data, a singular correlation matrix) gives 无法计算 and the reason,
never an exception.

:func:`check_survey` runs all of them for one questionnaire from the pipeline's
objects (``Cleaned``, the estimates table, the sampling frame);
:func:`validity_paragraph` writes the Chinese paragraph for the report and
:func:`validity_tables` the sheets of ``validity.xlsx``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataError
from .estimate import OVERALL
from .frame import _labels as option_labels
from .sampling import z_value

PASS, FAIL, NA = "通过", "未通过", "无法计算"
THRESHOLDS = dict(alpha=0.7, kmo=0.6, bartlett_p=0.05, margin=0.05, fit_p=0.05)


def _verdict(ok) -> str:
    return NA if ok is None else (PASS if ok else FAIL)


# --------------------------------------------------------------------------- counts
def response_rates(returned: int, valid: int, issued: int | None = None) -> pd.DataFrame:
    """One row: issued, returned, valid, return_rate (returned/issued), valid_rate
    (valid/returned) and valid_rate_issued (valid/issued)."""
    if returned < 0 or valid < 0 or valid > returned:
        raise DataError("valid responses must be between 0 and the number returned",
                        got=f"returned {returned}, valid {valid}")
    if issued is not None and issued < returned:
        raise DataError("more questionnaires returned than issued", got=f"issued {issued}, returned {returned}",
                        hint="check the number issued (发放数)")
    rr = returned / issued if issued else np.nan
    return pd.DataFrame([dict(issued=issued if issued is not None else np.nan, returned=returned, valid=valid,
                              return_rate=rr, valid_rate=valid / returned if returned else np.nan,
                              valid_rate_issued=valid / issued if issued else np.nan)])


# --------------------------------------------------------------------------- precision
MARGIN_COLUMNS = ("questionnaire", "measure", "label", "domain", "level", "n", "population", "estimate",
                  "ci_low", "ci_high", "half_width", "moe_fpc", "moe_p50", "margin", "threshold", "passed", "verdict")


def margins(estimates: pd.DataFrame, population=None, *, confidence: float = 0.95,
            max_margin: float = THRESHOLDS["margin"], se_includes_fpc: bool = False) -> pd.DataFrame:
    """Achieved margin of error of each estimate row.

    ``population`` is the overall N (int) or a Series of N by domain level (the
    overall row then uses its sum). ``se_includes_fpc`` says that the estimates
    come from a design with a finite population correction (``Design(fpc=…)``):
    their se and interval already carry √(1 − n/N), which is then not applied
    again. Columns:

    - ``half_width``  half the reported interval, (ci_high − ci_low)/2;
    - ``moe_fpc``     z·se·√(1 − n/N) — se already carries the design effect of
                      the estimate (``deff`` = se² / SRS variance); without N no FPC;
                      z·se when ``se_includes_fpc``;
    - ``moe_p50``     the conservative margin at p = 50%: z·√(deff·0.25/n)·√(1 − n/N),
                      the usual "抽样误差" of a report (``deff`` is relative to simple
                      random sampling without replacement when the design has an FPC,
                      so the factor √(1 − n/N) belongs here in both cases);
    - ``margin``      the larger of ``moe_fpc`` and the FPC-scaled ``half_width``
                      (never zero at 0% or 100%), judged against ``max_margin``.

    >>> est = pd.DataFrame(dict(level=["全部"], n=[400], se=[0.025], ci_low=[0.452], ci_high=[0.548],
    ...                         deff=[1.0]))
    >>> round(float(margins(est, 4000)["margin"][0]), 4)       # 1.96 × 0.025 × √(1 − 0.1)
    0.0465
    >>> round(float(margins(est, 4000, se_includes_fpc=True)["margin"][0]), 4)   # 1.96 × 0.025
    0.049
    """
    z = z_value(confidence)
    e = estimates.copy()
    if isinstance(population, pd.Series):
        pops = {str(k): float(v) for k, v in population.items()}
        total = float(population.sum())
        N = e["level"].map(lambda lv: total if lv == OVERALL else pops.get(str(lv), np.nan))
    elif population is not None:
        N = pd.Series(np.where(e["level"] == OVERALL, float(population), np.nan), index=e.index)
    else:
        N = pd.Series(np.nan, index=e.index)
    n = e["n"].astype(float)
    fpc = np.sqrt(np.clip(1 - n / N, 0, 1)).fillna(1.0)
    deff = e["deff"].astype(float).fillna(1.0) if "deff" in e else 1.0
    e["population"] = N
    e["half_width"] = (e["ci_high"] - e["ci_low"]) / 2
    once = 1.0 if se_includes_fpc else fpc  # the FPC applied once: by the design, or here
    e["moe_fpc"] = z * e["se"].astype(float) * once
    e["moe_p50"] = z * np.sqrt(deff * 0.25 / n.where(n > 0)) * fpc
    e["margin"] = np.fmax(e["moe_fpc"], e["half_width"] * once)
    e["threshold"] = max_margin
    ok = e["margin"] <= max_margin + 1e-12
    e["passed"] = [None if pd.isna(m) else bool(o) for m, o in zip(e["margin"], ok)]
    e["verdict"] = [_verdict(p) for p in e["passed"]]
    for c in MARGIN_COLUMNS:
        if c not in e:
            e[c] = np.nan
    return e[list(MARGIN_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- representativeness
@dataclass(frozen=True)
class Coverage:
    """Sample mix against a frame margin."""

    variable: str
    table: pd.DataFrame = field(repr=False)   # category, population, n, shares, response_rate, minimum, verdict
    chi2: float
    df: int
    p_value: float
    max_abs_diff: float
    below_minimum: tuple[str, ...]
    note: str = ""
    alpha: float = THRESHOLDS["fit_p"]   # the fit test's significance level

    @property
    def passed_minimum(self) -> bool:
        return not self.below_minimum

    @property
    def passed_fit(self) -> bool | None:
        """The sample mix is consistent with the frame: χ² p-value ≥ ``alpha`` (None when untestable)."""
        return None if np.isnan(self.p_value) else bool(self.p_value >= self.alpha)


def coverage(sample, population, *, minimum=0, variable: str = "district",
             alpha: float = THRESHOLDS["fit_p"]) -> Coverage:
    """Compare sample counts with population counts per category.

    ``sample`` is a Series of counts by category (or the raw category labels of
    the respondents); ``population`` a Series of counts by category (see
    :func:`survey.frame.population_table`, whose file, sheet and rows the errors
    then name). A category of the sample that is not in the population, or one
    with population 0 but respondents, is a :class:`DataError`. Chi-square
    goodness of fit of the sample counts against n·N_h/N
    (``scipy.stats.chisquare``), judged at ``alpha`` (``passed_fit``: p ≥ alpha);
    categories with an expected count below 5 are named in ``note``.
    """
    from scipy.stats import chisquare

    pop = population if isinstance(population, pd.Series) else pd.Series(population)
    attrs = dict(getattr(pop, "attrs", {}))
    where = {"file": attrs.get("file"), "sheet": attrs.get("sheet")}
    pop = pd.Series(pd.to_numeric(pop, errors="coerce").to_numpy(dtype=float), index=pop.index.astype(str))
    if pop.isna().any() or (pop < 0).any():
        bad = pop.index[(pop.isna() | (pop < 0)).to_numpy()][0]
        raise DataError(f"{variable}: population of '{bad}' is not a non-negative number", **where,
                        row=attrs.get("rows", {}).get(bad), hint="build the counts with survey.frame.population_table")
    smp = sample if isinstance(sample, pd.Series) and pd.api.types.is_numeric_dtype(sample) and \
        not sample.index.equals(pd.RangeIndex(len(sample))) else pd.Series(sample).dropna().astype(str).value_counts()
    smp.index = smp.index.astype(str)
    extra = sorted(set(smp.index) - set(pop.index))
    if extra:
        raise DataError(f"{variable}: sample categories not in the frame: {', '.join(extra)}", **where,
                        expected="one of " + ", ".join(pop.index), hint="fix the frame or the category labels")
    counts = smp.reindex(pop.index).fillna(0).astype(float)
    empty = [c for c in pop.index if pop[c] == 0 and counts[c] > 0]
    if empty:
        c = empty[0]
        raise DataError(f"{variable}: '{c}' has population 0 in the frame but {int(counts[c])} respondents", **where,
                        row=attrs.get("rows", {}).get(c), column=attrs.get("column"),
                        got=f"N_h = 0, n_h = {int(counts[c])}", hint="correct the frame count, or the respondents' answers")
    mins = (minimum.reindex(pop.index).fillna(0) if isinstance(minimum, pd.Series)
            else pd.Series(float(minimum), index=pop.index)).astype(float)
    mins = np.minimum(mins, pop)  # a category smaller than the minimum needs all its members
    n, N = counts.sum(), pop.sum()
    t = pd.DataFrame({"variable": variable, "category": pop.index, "population": pop.to_numpy(),
                      "n": counts.to_numpy()})
    t["population_share"] = t["population"] / N if N else np.nan
    t["sample_share"] = t["n"] / n if n else np.nan
    t["share_diff"] = t["sample_share"] - t["population_share"]
    t["response_rate"] = np.where(t["population"] > 0, t["n"] / t["population"].where(t["population"] > 0), np.nan)
    t["expected"] = n * t["population_share"]
    t["minimum"] = mins.to_numpy()
    t["passed"] = (t["n"] >= t["minimum"]).to_list()
    t["verdict"] = [_verdict(p) for p in t["passed"]]
    use = t["population"] > 0
    note = ""
    if n == 0 or use.sum() < 2:
        chi2, p, df = np.nan, np.nan, 0
        note = "样本为空或只有一个类别，无法做拟合优度检验"
    else:
        res = chisquare(t.loc[use, "n"].to_numpy(), f_exp=t.loc[use, "expected"].to_numpy())
        chi2, p, df = float(res.statistic), float(res.pvalue), int(use.sum() - 1)
        small = list(t.loc[use & (t["expected"] < 5), "category"])
        if small:
            note = f"期望频数小于5的类别：{'、'.join(small)}（卡方近似可能不准）"
    below = tuple(t.loc[~t["n"].ge(t["minimum"]), "category"])
    return Coverage(variable, t, chi2, df, p, float(t["share_diff"].abs().max()) if n else np.nan, below, note,
                    alpha)


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

    Calls ``pingouin.cronbach_alpha(nan_policy='listwise')`` — SPSS's and
    ``psych::alpha(use='complete.obs')``'s convention — after checking that α
    exists: at least two items, two complete respondents and a total score that
    varies. Rows with a missing item are dropped *before* the call, so Feldt's
    interval uses the n that α is computed on (pingouin's own listwise option keeps
    the n before deletion for the interval).
    """
    d = _complete(data)
    k, n = d.shape[1], d.shape[0]
    if k < 2:
        return Alpha(np.nan, np.nan, np.nan, n, k, f"只有{k}个题项，α至少需要2个题项")
    if n < 2:
        return Alpha(np.nan, np.nan, np.nan, n, k, f"完整作答的受访者只有{n}人")
    if d.sum(axis=1).var(ddof=1) == 0:
        return Alpha(np.nan, np.nan, np.nan, n, k, "所有受访者总分相同（答案无差异），α无定义")
    import pingouin

    a, (lo, hi) = pingouin.cronbach_alpha(data=d, nan_policy="listwise", ci=ci)
    return Alpha(float(a), float(lo), float(hi), n, k)


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
                min_alpha: float = THRESHOLDS["alpha"]) -> pd.DataFrame:
    """α overall (every column) and per dimension, each with threshold and verdict."""
    scales = [(OVERALL, list(data.columns))] + list((dimensions or {}).items())
    rows = []
    for name, items in scales:
        a = cronbach(data[list(items)])
        ok = None if not a.computable else a.alpha >= min_alpha
        rows.append(dict(scale=name, k=a.k, n=a.n, alpha=a.alpha, ci_low=a.ci_low, ci_high=a.ci_high,
                         threshold=min_alpha, passed=ok, verdict=_verdict(ok), note=a.reason))
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
    from scipy.stats import chi2 as chi2_dist

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


# --------------------------------------------------------------------------- one questionnaire
def _orientation(sc) -> np.ndarray:
    """Lookup code → oriented value of a scale: index = option code (1-based), NaN for
    not-applicable options and codes outside the scale; satisfied options at the high end."""
    valid = [o for o in sc.options if o not in sc.not_applicable]
    k = len(valid)
    best_first = True
    ends = (sc.scores.get(valid[0]), sc.scores.get(valid[-1])) if sc.scores and k > 1 else (None, None)
    if None not in ends and ends[0] != ends[1]:
        best_first = ends[0] > ends[1]
    else:  # by the satisfied set: the end of the scale its options sit at
        pos = [i for i, o in enumerate(valid) if o in sc.satisfied]
        other = [i for i, o in enumerate(valid) if o not in sc.satisfied]
        best_first = not pos or not other or np.mean(pos) < np.mean(other)
    lut = np.full(len(sc.options) + 1, np.nan)
    for j, o in enumerate(sc.options, start=1):
        if o in valid:
            rank = valid.index(o) + 1
            lut[j] = k + 1 - rank if best_first else rank
    return lut


def oriented_items(responses) -> pd.DataFrame:
    """The scored items of ``Responses`` as numbers where higher = more satisfied.

    Item codes are option positions (1 = first option); not-applicable options
    (未接触 …) become missing; the remaining options are ranked 1…k and reversed
    when the best option comes first — by the scale's scores when its two ends
    score differently, else by where the scale's ``satisfied`` options sit — so
    非常满意 = k … 非常不满意 = 1 whichever way the questionnaire lists them.
    """
    q = responses.questionnaire
    out = {}
    for item in q.scored_items:
        lut = _orientation(q.scale_of(item))
        codes = pd.to_numeric(responses.data[item], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(codes) & (codes >= 1) & (codes < len(lut)) & (codes == np.round(codes))
        out[item] = np.where(ok, lut[np.where(ok, codes, 0).astype(int)], np.nan)
    return pd.DataFrame(out, index=responses.data.index)


def scale_tops(q) -> dict[str, float]:
    """Each scored item's top oriented value (the number of options that count), for :func:`ceiling_effect`."""
    return {item: float(np.nanmax(_orientation(q.scale_of(item)))) for item in q.scored_items}


@dataclass(frozen=True)
class SurveyValidity:
    """Every validity check of one questionnaire."""

    questionnaire: str
    title: str
    counts: pd.DataFrame = field(repr=False)
    margins: pd.DataFrame = field(repr=False)
    coverage: Coverage | None
    other_margins: tuple[Coverage, ...]
    reliability: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    ceiling: pd.DataFrame = field(repr=False)
    kmo: KMO
    bartlett: Bartlett
    checks: pd.DataFrame = field(repr=False)
    parameters: dict = field(default_factory=dict)

    @property
    def paragraph(self) -> str:
        return validity_paragraph(self)


CHECK_COLUMNS = ("questionnaire", "check", "value", "threshold", "passed", "verdict", "detail")


def check_survey(
    cleaned,
    estimates: pd.DataFrame,
    population: pd.Series | None = None,
    *,
    frame_margins: dict[str, pd.Series] | None = None,
    issued: int | None = None,
    min_per_district: int | pd.Series = 5,
    confidence: float = 0.95,
    se_includes_fpc: bool = False,
    max_margin: float = THRESHOLDS["margin"],
    min_alpha: float = THRESHOLDS["alpha"],
    min_kmo: float = THRESHOLDS["kmo"],
    bartlett_alpha: float = THRESHOLDS["bartlett_p"],
    fit_alpha: float = THRESHOLDS["fit_p"],
) -> SurveyValidity:
    """All validity checks for one questionnaire.

    ``cleaned`` is a :class:`survey.clean.Cleaned`, ``estimates`` its tidy estimates
    table (overall and by district) — the design-based ones when the survey is
    weighted (then ``se_includes_fpc`` if the design has a finite population
    correction), so the margin carries the weights' design effect. ``population``
    is the population by district (a Series by option label, as
    :func:`survey.frame.population_table` or ``Frame.population`` give it).
    ``frame_margins`` maps an item id or item text (矫正类别) to population counts
    by option label (对象构成). ``issued`` is the number of questionnaires issued,
    when known. The district mix is judged at ``fit_alpha``, Bartlett's test at
    ``bartlett_alpha``.
    """
    v = cleaned.valid
    q = v.questionnaire
    counts = response_rates(cleaned.returned, cleaned.n_valid, issued)
    if population is not None and not isinstance(population, pd.Series):
        raise DataError("check_survey takes the population by district as a Series", got=type(population).__name__,
                        hint="read a frame table with survey.frame.population_table(table, district_col, count_col)")
    pop = population

    mt = margins(estimates, pop, confidence=confidence, max_margin=max_margin, se_includes_fpc=se_includes_fpc)

    cov = None
    if pop is not None and q.district_item and q.district_item in v.data:
        cov = coverage(option_labels(v, q.district_item), pop, minimum=min_per_district, variable="district",
                       alpha=fit_alpha)
    others = []
    for key, counts_by in (frame_margins or {}).items():
        item = next((it for it in q.items if key in (it.id, it.text) or key in it.aliases), None)
        if item is None or item.id not in v.data:
            raise DataError(f"frame margin '{key}' matches no item of questionnaire '{q.id}'",
                            expected="an item id or text of " + ", ".join(it.id for it in q.items if it.options))
        others.append(coverage(option_labels(v, item.id), counts_by, variable=str(key), alpha=fit_alpha))

    items = oriented_items(v)
    dims = {d.name: list(q.dimension_items(d.name)) for d in q.dimensions if q.dimension_items(d.name)}
    rel = reliability(items, dims, min_alpha=min_alpha)
    ia = item_analysis(items)
    ceil = ceiling_effect(items, top=scale_tops(q))
    k, b = kmo(items), bartlett_sphericity(items)

    rows = []

    def add(check, value, threshold, ok, detail=""):
        rows.append(dict(questionnaire=q.id, check=check, value=value, threshold=threshold,
                         passed=ok, verdict="—" if threshold is None else _verdict(ok), detail=detail))

    add("有效率（有效/回收）", counts["valid_rate"].iloc[0], None, None,
        f"回收{cleaned.returned}份，有效{cleaned.n_valid}份")
    ov = mt[mt["level"] == OVERALL]
    for _, r in ov.iterrows():
        add(f"抽样误差：{r['label']}", r["margin"], max_margin, r["passed"],
            f"n={int(r['n'])}" + (f"，N={int(r['population'])}" if pd.notna(r["population"]) else "，未做有限总体校正"))
    dist = mt[(mt["level"] != OVERALL)]
    if len(dist):
        main = dist[dist["measure"] == dist["measure"].iloc[0]]
        bad = main[main["passed"] == False]  # noqa: E712
        add(f"分区抽样误差：{main['label'].iloc[0]}", float(main["margin"].max()), max_margin,
            None if main["passed"].isna().all() else bool(len(bad) == 0),
            f"{len(main) - len(bad)}/{len(main)}个区不超过{max_margin:.0%}")
    if cov is not None:
        add("各区样本量不低于最低要求", float(cov.table["n"].min()), float(cov.table["minimum"].max()),
            cov.passed_minimum, "低于最低样本量：" + "、".join(cov.below_minimum) if cov.below_minimum else
            f"各区均不少于{int(cov.table['minimum'].max())}份")
        add("区分布卡方拟合优度（p值）", cov.p_value, cov.alpha, cov.passed_fit,
            f"χ²={cov.chi2:.2f}，df={cov.df}，最大占比差{cov.max_abs_diff:.2%}" + (f"；{cov.note}" if cov.note else ""))
    for o in others:
        add(f"{o.variable}结构卡方拟合优度（p值）", o.p_value, o.alpha, o.passed_fit,
            f"χ²={o.chi2:.2f}，df={o.df}，最大占比差{o.max_abs_diff:.2%}" + (f"；{o.note}" if o.note else ""))
    for _, r in rel.iterrows():
        add(f"Cronbach's α：{r['scale']}", r["alpha"], min_alpha, r["passed"],
            r["note"] or f"{r['k']}题，n={r['n']}，95% CI {r['ci_low']:.3f}–{r['ci_high']:.3f}")
    add("KMO", k.overall, min_kmo, None if not k.computable else bool(k.overall >= min_kmo), k.reason or f"n={k.n}")
    add("Bartlett球形检验（p值）", b.p_value, bartlett_alpha,
        None if not b.computable else bool(b.p_value < bartlett_alpha),
        b.reason or f"χ²={b.chi2:.2f}，df={b.df}，n={b.n}")
    checks = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    params = dict(confidence=confidence, max_margin=max_margin, min_alpha=min_alpha, min_kmo=min_kmo,
                  bartlett_alpha=bartlett_alpha, fit_alpha=fit_alpha, se_includes_fpc=se_includes_fpc,
                  min_per_district=min_per_district if not isinstance(min_per_district, pd.Series) else "per district",
                  population_column=pop.name if pop is not None else None, issued=issued)
    return SurveyValidity(q.id, q.title, counts, mt, cov, tuple(others), rel, ia, ceil, k, b, checks, params)


# --------------------------------------------------------------------------- report text
def _pct(x, digits=2) -> str:
    return "—" if x is None or pd.isna(x) else f"{x * 100:.{digits}f}%"


def validity_paragraph(v: SurveyValidity) -> str:
    """A Chinese paragraph on the sample's validity, written from the numbers (honest on failures)."""
    c = v.counts.iloc[0]
    parts = []
    if pd.notna(c["issued"]):
        parts.append(f"{v.title}共发放问卷{int(c['issued'])}份，回收{int(c['returned'])}份（回收率{_pct(c['return_rate'])}），"
                     f"其中有效问卷{int(c['valid'])}份（有效率{_pct(c['valid_rate'])}，按回收问卷计）。")
    else:
        parts.append(f"{v.title}共回收问卷{int(c['returned'])}份，其中有效问卷{int(c['valid'])}份"
                     f"（有效率{_pct(c['valid_rate'])}，按回收问卷计）。")
    conf = v.parameters.get("confidence", 0.95)
    ov = v.margins[v.margins["level"] == OVERALL]
    if len(ov):
        head = ov.iloc[0]
        fpc = f"（总体{int(head['population'])}人，已做有限总体校正）" if pd.notna(head["population"]) else ""
        # design-based estimates (weighted to the frame) differ a little from the unweighted
        # rate quoted in the annex: say which one this is
        label = head["label"] + ("（按抽样框加权）" if v.parameters.get("se_includes_fpc") else "")
        text = (f"在{conf:.0%}置信水平下，{label}{_pct(head['estimate'])}的抽样误差为±{_pct(head['margin'])}{fpc}，"
                f"按最保守的50%比例计算的抽样误差为±{_pct(head['moe_p50'])}")
        thr = v.parameters.get("max_margin", 0.05)
        text += f"，{'满足' if head['passed'] else '未满足'}抽样误差不超过{thr:.0%}的要求"
        if head["passed"] and head["moe_p50"] > thr:
            text += f"（保守口径超过{thr:.0%}，对满意率以外、接近50%的比例精度不足）"
        dist = v.margins[(v.margins["level"] != OVERALL) & (v.margins["measure"] == head["measure"])]
        if len(dist):
            bad = dist[dist["passed"] == False]  # noqa: E712
            if len(bad):
                text += f"；分区样本较小，{len(bad)}个区的抽样误差超过{thr:.0%}，分区结果仅供参考"
        parts.append(text + "。")
    rel = v.reliability
    r0 = rel.iloc[0]
    if r0["passed"] is None:
        parts.append(f"量表信度无法计算：{r0['note']}。")
    else:
        dims = rel.iloc[1:]
        dtext = "、".join(f"{r['scale']}{r['alpha']:.3f}" for _, r in dims.iterrows() if r["passed"] is not None)
        nd = [f"{r['scale']}（{r['note']}）" for _, r in dims.iterrows() if r["passed"] is None]
        dropped = int(c["valid"]) - int(r0["n"])
        t = (f"量表{int(r0['k'])}个题项的Cronbach's α系数为{r0['alpha']:.3f}"
             f"（95%置信区间{r0['ci_low']:.3f}–{r0['ci_high']:.3f}，n={int(r0['n'])}"
             + (f"，{dropped}人因有题项未作答或选择不适用选项（如未接触）未纳入" if dropped > 0 else "") + "），"
             f"{'达到' if r0['passed'] else '未达到'}0.7的可接受标准")
        if dtext:
            t += f"；各维度α系数分别为{dtext}"
            weak = [r["scale"] for _, r in dims.iterrows() if r["passed"] is False]
            if weak:
                t += f"，其中{'、'.join(weak)}低于0.7"
        if nd:
            t += f"；{'、'.join(nd)}无法计算α"
        ce = v.ceiling.iloc[0]
        if ce["n_ceiling"] > 0:
            t += (f"。{int(ce['n_ceiling'])}名受访者（{_pct(ce['ceiling_share'])}）所有题项均选择最高等级，存在天花板效应，"
                  f"剔除后α系数为{'无法计算' if pd.isna(ce['alpha_without_ceiling']) else format(ce['alpha_without_ceiling'], '.3f')}")
        parts.append(t + "。")
    k, b = v.kmo, v.bartlett
    if not k.computable or not b.computable:
        parts.append(f"效度检验无法计算：{k.reason or b.reason}。")
    else:
        good = k.overall >= v.parameters.get("min_kmo", 0.6) and b.p_value < v.parameters.get("bartlett_alpha", 0.05)
        ptxt = "p<0.001" if b.p_value < 0.001 else f"p={b.p_value:.3f}"
        parts.append(f"KMO值为{k.overall:.3f}，Bartlett球形检验χ²={b.chi2:.2f}（df={b.df}，{ptxt}），"
                     f"{'适合' if good else '不完全适合'}进行因子分析，{'结构效度良好' if good else '结构效度有待检验'}。")
    if v.coverage is not None:
        cv = v.coverage
        pv = "—" if np.isnan(cv.p_value) else f"{cv.p_value:.3f}"
        t = (f"样本覆盖全部{len(cv.table)}个区中的{int((cv.table['n'] > 0).sum())}个，"
             f"样本区分布与总体的卡方拟合优度检验χ²={cv.chi2:.2f}（df={cv.df}，p={pv}），各区占比最大相差{_pct(cv.max_abs_diff)}，")
        t += "样本结构与总体无显著差异，具有代表性" if cv.passed_fit else (
            "样本区分布与总体存在显著差异，宜加权调整" if cv.passed_fit is False else "无法检验区分布")
        if cv.below_minimum:
            t += f"；{'、'.join(cv.below_minimum)}样本量低于最低要求（{int(cv.table['minimum'].max())}份）"
        for o in v.other_margins:
            t += (f"；{o.variable}结构χ²={o.chi2:.2f}（p={o.p_value:.3f}），"
                  + ("与总体一致" if o.passed_fit else "与总体存在差异" if o.passed_fit is False else "无法检验"))
        parts.append(t + "。")
    return "".join(parts)


SHEET_HEADERS = {
    "questionnaire": "问卷", "check": "检验项目", "value": "结果", "threshold": "标准", "verdict": "结论",
    "detail": "说明", "issued": "发放", "returned": "回收", "valid": "有效", "return_rate": "回收率",
    "valid_rate": "有效率（按回收）", "valid_rate_issued": "有效率（按发放）", "measure": "口径", "label": "指标",
    "domain": "分组", "level": "组别", "n": "样本量", "population": "总体", "estimate": "估计值",
    "ci_low": "置信下限", "ci_high": "置信上限", "half_width": "区间半宽", "moe_fpc": "抽样误差（FPC）",
    "moe_p50": "保守抽样误差（p=50%）", "margin": "抽样误差", "variable": "变量", "category": "类别",
    "population_share": "总体占比", "sample_share": "样本占比", "share_diff": "占比差", "response_rate": "样本/总体",
    "expected": "期望样本量", "minimum": "最低样本量", "scale": "量表", "k": "题项数", "alpha": "α系数",
    "item": "题项", "mean": "均值", "sd": "标准差", "item_total_r": "校正题总相关", "alpha_if_deleted": "删除该题后α",
    "note": "备注", "n_ceiling": "全选最高等级人数", "ceiling_share": "天花板比例",
    "alpha_without_ceiling": "剔除后α", "n_without_ceiling": "剔除后样本量", "msa": "MSA",
}


def _zh(df: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns=[c for c in ("passed",) if c in df.columns])
    return out.rename(columns=SHEET_HEADERS)


def validity_tables(results) -> dict[str, pd.DataFrame]:
    """The sheets of ``validity.xlsx`` (Chinese sheet names and headers) for one or more questionnaires."""
    results = [results] if isinstance(results, SurveyValidity) else list(results)

    def cat(get, with_q=True):
        frames = []
        for v in results:
            df = get(v)
            if df is None or len(df) == 0:
                continue
            df = df.copy()
            if with_q and "questionnaire" not in df:
                df.insert(0, "questionnaire", v.questionnaire)
            frames.append(df)
        return _zh(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()

    def kmo_table(v):
        rows = [dict(item="全部", msa=v.kmo.overall, note=v.kmo.reason)]
        rows += [dict(item=str(i), msa=float(m), note="") for i, m in v.kmo.items.items()]
        b = v.bartlett
        rows.append(dict(item="Bartlett χ²", msa=b.chi2, note=b.reason or f"df={b.df}，p={b.p_value:.3g}，n={b.n}"))
        return pd.DataFrame(rows)

    return {
        "检验汇总": cat(lambda v: v.checks),
        "报告段落": pd.DataFrame({"问卷": [v.questionnaire for v in results], "段落": [v.paragraph for v in results]}),
        "样本与回收": cat(lambda v: v.counts),
        "抽样误差": cat(lambda v: v.margins),
        "区县覆盖": cat(lambda v: v.coverage.table if v.coverage is not None else None),
        "其他结构": cat(lambda v: pd.concat([o.table for o in v.other_margins], ignore_index=True)
                     if v.other_margins else None),
        "信度": cat(lambda v: v.reliability),
        "题项分析": cat(lambda v: v.items),
        "天花板效应": cat(lambda v: v.ceiling),
        "KMO与Bartlett": cat(kmo_table),
    }
