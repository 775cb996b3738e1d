"""Sample validity: does the sample support the numbers in the report?

Each check is a public function over plain DataFrames, so it runs on any survey:

- :func:`response_rates`   issued / returned / valid and their rates;
- :func:`margins`          achieved margin of error of every row of a tidy
                           estimates table (``survey.stats.estimate``), with the finite
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

from survey.definitions.vocab import OVERALL_LEVEL, verdict
from survey.errors import DataError
from survey.inputs.tidy import option_labels
from survey.stats.reliability import (
    KMO,
    Bartlett,
    bartlett_sphericity,
    ceiling_effect,
    item_analysis,
    kmo,
    reliability,
)
from survey.stats.sampling import z_value

THRESHOLDS = dict(cronbach_alpha=0.7, kmo=0.6, bartlett_p=0.05, margin=0.05, fit_p=0.05)


# --------------------------------------------------------------------------- counts
def response_rates(returned: int, valid: int, issued: int | None = None) -> pd.DataFrame:
    """Issued, returned and valid counts and their rates, as one row.

    Columns: issued, returned, valid, return_rate (returned/issued), valid_rate
    (valid/returned) and valid_rate_issued (valid/issued).

    >>> response_rates(389, 389, 550)[["return_rate", "valid_rate"]].round(4).values.tolist()   # 2021 staff survey
    [[0.7073, 1.0]]
    """
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
        N = e["level"].map(lambda lv: total if lv == OVERALL_LEVEL else pops.get(str(lv), np.nan))
    elif population is not None:
        N = pd.Series(np.where(e["level"] == OVERALL_LEVEL, float(population), np.nan), index=e.index)
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
    e["verdict"] = [verdict(p) for p in e["passed"]]
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
    # Planned disproportionate allocation: the unweighted mix is tested against the plan
    # (chi2/df/p_value above), not against the frame; frame_p_value is the frame test.
    planned: bool = False
    frame_chi2: float = float("nan")
    frame_p_value: float = float("nan")
    # The weighted sample against the frame (design-based Rao–Scott; NaN when unweighted).
    weighted_chi2: float = float("nan")
    weighted_p_value: float = float("nan")

    @property
    def passed_minimum(self) -> bool:
        return not self.below_minimum

    @property
    def passed_fit(self) -> bool | None:
        """The unweighted mix is as intended: χ² p-value ≥ ``alpha`` against the frame, or
        against the planned allocation when the allocation was disproportionate by design
        (None when untestable)."""
        return None if np.isnan(self.p_value) else bool(self.p_value >= self.alpha)

    @property
    def weighted(self) -> bool:
        return not np.isnan(self.weighted_p_value)

    @property
    def passed_weighted_fit(self) -> bool | None:
        """The weighted mix is consistent with the frame (None when not weighted)."""
        return None if not self.weighted else bool(self.weighted_p_value >= self.alpha)

    @property
    def kind(self) -> str:
        """What a difference from the frame means: ``consistent`` (none), ``planned`` (by the
        allocation, and the sample follows the plan), ``off_plan`` (the sample departs from the
        plan), ``corrected`` (unplanned, but the weighted sample matches the frame),
        ``unplanned`` (unplanned and not corrected), ``untestable``."""
        fit = self.passed_fit
        if fit is None:
            return "untestable"
        if self.planned:
            return "planned" if fit else "off_plan"
        if fit:
            return "consistent"
        return "corrected" if self.passed_weighted_fit else "unplanned"


def coverage(sample, population, *, minimum=0, variable: str = "district",
             alpha: float = THRESHOLDS["fit_p"], allocation: pd.Series | None = None,
             weights: pd.Series | None = None, strata: pd.Series | None = None) -> Coverage:
    """Compare sample counts with population counts per category.

    ``sample`` is a Series of counts by category (or the raw category labels of
    the respondents); ``population`` a Series of counts by category (see
    :func:`survey.inputs.frame.population_table`, whose file, sheet and rows the errors
    then name). A category of the sample that is not in the population, or one
    with population 0 but respondents, is a :class:`DataError`. Chi-square
    goodness of fit of the sample counts against n·N_h/N
    (``scipy.stats.chisquare``), judged at ``alpha`` (``passed_fit``: p ≥ alpha);
    categories with an expected count below 5 are named in ``note``.

    ``allocation`` (planned sample sizes by category) says the sample was allocated on
    purpose: when it is not proportional to the population (a share differs by more
    than 1 point), the difference from the frame is planned, and the unweighted mix is
    tested against the plan instead (``planned``; the frame test stays in
    ``frame_chi2``/``frame_p_value``). ``weights`` (one per respondent, aligned with the
    labels in ``sample``; ``strata`` optional) adds the design-based test of the
    weighted mix against the frame (:func:`survey.stats.compare.rao_scott_fit`).
    """
    from survey.stats.distributions import chisquare

    pop = population if isinstance(population, pd.Series) else pd.Series(population)
    attrs = dict(getattr(pop, "attrs", {}))
    where = {"file": attrs.get("file"), "sheet": attrs.get("sheet")}
    pop = pd.Series(pd.to_numeric(pop, errors="coerce").to_numpy(dtype=float), index=pop.index.astype(str))
    if pop.isna().any() or (pop < 0).any():
        bad = pop.index[(pop.isna() | (pop < 0)).to_numpy()][0]
        raise DataError(f"{variable}: population of '{bad}' is not a non-negative number", **where,
                        row=attrs.get("rows", {}).get(bad), hint="type each unit's population in the frame as a number ≥ 0")
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
    t["verdict"] = [verdict(p) for p in t["passed"]]
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
    more = _planned_and_weighted(sample, t, use, n, chi2, p, allocation, weights, strata, variable)
    if more.get("planned"):
        chi2, p = more.pop("plan_chi2"), more.pop("plan_p")
        note = (note + "；" if note else "") + "按计划的非比例分配检验实际样本结构"
    return Coverage(variable, t, chi2, df, p, float(t["share_diff"].abs().max()) if n else np.nan, below, note,
                    alpha, **more)


def _planned_and_weighted(sample, t, use, n, chi2, p, allocation, weights, strata, variable) -> dict:
    """The planned-allocation test and the weighted (design-based) test of :func:`coverage`."""
    from survey.stats.compare import rao_scott_fit
    from survey.stats.design import Design
    from survey.stats.distributions import chisquare

    out: dict = {}
    if allocation is not None and n > 0 and use.sum() >= 2:
        plan = pd.Series(allocation, dtype=float)
        plan.index = plan.index.astype(str)
        plan = plan.reindex(t["category"]).fillna(0).to_numpy()
        t["planned"] = plan
        plan_share = plan / plan.sum() if plan.sum() else plan
        if np.abs(plan_share - t["population_share"].to_numpy()).max() > 0.01:
            ok = use.to_numpy() & (plan > 0)
            res = chisquare(t.loc[ok, "n"].to_numpy(), f_exp=n * plan_share[ok] / plan_share[ok].sum())
            out.update(planned=True, frame_chi2=chi2, frame_p_value=p, plan_chi2=float(res.statistic),
                       plan_p=float(res.pvalue))
    if weights is not None and n > 0 and use.sum() >= 2:
        labels = pd.Series(sample).astype(object)
        d = pd.DataFrame({"x": labels.to_numpy(), "w": np.asarray(weights, dtype=float)})
        design = Design(weights="w")
        if strata is not None:
            d["h"] = np.asarray(strata)
            design = Design(weights="w", strata="h", lonely_psu="remove")
        shares = t.set_index("category")["population_share"]
        fit = rao_scott_fit(d, "x", shares, design)
        out.update(weighted_chi2=fit.chi2, weighted_p_value=fit.p_value)
    return out


# --------------------------------------------------------------------------- one questionnaire
def _orientation(sc) -> np.ndarray:
    """Lookup code → oriented value of a scale: index = option code (1-based), NaN for
    not-applicable options and codes outside the scale; satisfied options at the high end."""
    valid = [o for o in sc.options if o not in sc.not_applicable]
    k = len(valid)
    best_first = True
    first, last = (sc.scores.get(valid[0]), sc.scores.get(valid[-1])) if sc.scores and k > 1 else (None, None)
    if first is not None and last is not None and first != last:
        best_first = first > last
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


def scale_label(scale: str) -> str:
    """A reliability row's scale in words: the whole scale is '全部题项', a dimension '<name>维度'.

    >>> scale_label("全部"), scale_label("服务")
    ('全部题项', '服务维度')
    """
    return "全部题项" if scale == OVERALL_LEVEL else f"{scale}维度"


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
    unit: str = "单位"  # what the breakdown unit is called (Questionnaire.unit_word), for the sentences
    na_options: tuple[str, ...] = ()  # the scales' not-applicable options (未接触 …), for the sentences


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
    min_cronbach_alpha: float = THRESHOLDS["cronbach_alpha"],
    min_kmo: float = THRESHOLDS["kmo"],
    bartlett_alpha: float = THRESHOLDS["bartlett_p"],
    fit_alpha: float = THRESHOLDS["fit_p"],
    allocation: pd.Series | None = None,
    weights: pd.Series | None = None,
) -> SurveyValidity:
    """All validity checks for one questionnaire.

    ``cleaned`` is a :class:`survey.evaluation.clean.Cleaned`, ``estimates`` its tidy estimates
    table (overall and by district) — the design-based ones when the survey is
    weighted (then ``se_includes_fpc`` if the design has a finite population
    correction), so the margin carries the weights' design effect. ``population``
    is the population by district (a Series by option label, as
    :func:`survey.inputs.frame.population_table` or ``Frame.population`` give it).
    ``frame_margins`` maps an item id or item text (矫正类别) to population counts
    by option label (对象构成). ``issued`` is the number of questionnaires issued,
    when known. The district mix is judged at ``fit_alpha``, Bartlett's test at
    ``bartlett_alpha``. ``allocation`` (planned sample size by district) marks a
    deliberately disproportionate allocation; ``weights`` (one per valid response) adds
    the design-based test of the weighted district mix (strata = district).
    """
    v = cleaned.valid
    q = v.questionnaire
    counts = response_rates(cleaned.returned, cleaned.n_valid, issued)
    if population is not None and not isinstance(population, pd.Series):
        raise DataError("check_survey takes the population by district as a Series", got=type(population).__name__,
                        hint="read a frame table with survey.inputs.frame.population_table(table, district_col, count_col)")
    pop = population

    mt = margins(estimates, pop, confidence=confidence, max_margin=max_margin, se_includes_fpc=se_includes_fpc)

    cov = _district_coverage(v, pop, min_per_district=min_per_district, fit_alpha=fit_alpha,
                             allocation=allocation, weights=weights)
    others = _frame_margin_coverage(v, frame_margins, fit_alpha=fit_alpha, weights=weights)

    items = oriented_items(v)
    dims = {d.name: list(q.dimension_items(d.name)) for d in q.dimensions if q.dimension_items(d.name)}
    rel = reliability(items, dims, min_cronbach_alpha=min_cronbach_alpha)
    ia = item_analysis(items)
    ceil = ceiling_effect(items, top=scale_tops(q))
    k, b = kmo(items), bartlett_sphericity(items)

    rows = []

    def add(check, value, threshold, ok, detail=""):
        rows.append(dict(questionnaire=q.id, check=check, value=value, threshold=threshold,
                         passed=ok, verdict="—" if threshold is None else verdict(ok), detail=detail))

    add("有效率（有效/回收）", counts["valid_rate"].iloc[0], None, None,
        f"回收{cleaned.returned}份，有效{cleaned.n_valid}份")
    _add_margin_checks(add, mt, max_margin, q.unit_word)
    _add_coverage_checks(add, cov, others, q.unit_word)
    for _, r in rel.iterrows():
        add(f"信度系数（克隆巴赫α）：{scale_label(r['scale'])}", r["cronbach_alpha"], min_cronbach_alpha, r["passed"],
            r["note"] or f"{r['k']}题，n={r['n']}，95% CI {r['ci_low']:.3f}–{r['ci_high']:.3f}")
    add("KMO", k.overall, min_kmo, None if not k.computable else bool(k.overall >= min_kmo), k.reason or f"n={k.n}")
    add("Bartlett球形检验（p值）", b.p_value, bartlett_alpha,
        None if not b.computable else bool(b.p_value < bartlett_alpha),
        b.reason or f"χ²={b.chi2:.2f}，df={b.df}，n={b.n}")
    checks = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    params = dict(confidence=confidence, max_margin=max_margin, min_cronbach_alpha=min_cronbach_alpha, min_kmo=min_kmo,
                  bartlett_alpha=bartlett_alpha, fit_alpha=fit_alpha, se_includes_fpc=se_includes_fpc,
                  min_per_district=min_per_district if not isinstance(min_per_district, pd.Series) else "per district",
                  population_column=pop.name if pop is not None else None, issued=issued)
    na = tuple(dict.fromkeys(o for it in q.items if (sc := q.scale_of(it.id)) is not None for o in sc.not_applicable))
    return SurveyValidity(q.id, q.title, counts, mt, cov, tuple(others), rel, ia, ceil, k, b, checks, params,
                          q.unit_word, na)


def _district_coverage(v, pop, *, min_per_district, fit_alpha, allocation, weights):
    """The district mix against the population (None without a population or a district item)."""
    q = v.questionnaire
    if pop is None or not q.district_item or q.district_item not in v.data:
        return None
    labels = option_labels(v, q.district_item)
    return coverage(labels, pop, minimum=min_per_district, variable="district", alpha=fit_alpha,
                    allocation=allocation, weights=weights, strata=None if weights is None else labels)


def _frame_margin_coverage(v, frame_margins, *, fit_alpha, weights=None):
    """One coverage test per frame margin (对象构成), keyed by an item id, text or alias.

    A margin whose unweighted mix differs from the frame is tested again on the weights
    (Rao–Scott, strata = unit): raking to it should have removed the difference, and the
    report says whether it did.
    """
    q = v.questionnaire
    strata = option_labels(v, q.district_item) if weights is not None and q.district_item in v.data else None
    others = []
    for key, counts_by in (frame_margins or {}).items():
        item = next((it for it in q.items if key in (it.id, it.text) or key in it.aliases), None)
        if item is None or item.id not in v.data:
            raise DataError(f"frame margin '{key}' matches no item of questionnaire '{q.id}'",
                            expected="an item id or text of " + ", ".join(it.id for it in q.items if it.options))
        name = q.variable_word(item.id)  # 您的年龄段 → 年龄段 (年龄段结构, not 您的年龄段结构)
        cov = coverage(option_labels(v, item.id), counts_by, variable=name, alpha=fit_alpha)
        if weights is not None and cov.passed_fit is False:
            cov = coverage(option_labels(v, item.id), counts_by, variable=name, alpha=fit_alpha,
                           weights=weights, strata=strata)
        others.append(cov)
    return others


def _add_margin_checks(add, mt, max_margin, unit: str = "单位"):
    """Check rows for the overall sampling errors and the worst unit's (``unit``: 区, 乡镇 …)."""
    ov = mt[mt["level"] == OVERALL_LEVEL]
    for _, r in ov.iterrows():
        add(f"抽样误差：{r['label']}", r["margin"], max_margin, r["passed"],
            f"n={int(r['n'])}" + (f"，N={int(r['population'])}" if pd.notna(r["population"]) else "，未做有限总体校正"))
    dist = mt[(mt["level"] != OVERALL_LEVEL)]
    if len(dist):
        main = dist[dist["measure"] == dist["measure"].iloc[0]]
        bad = main[main["passed"] == False]  # noqa: E712
        add(f"分{unit}抽样误差：{main['label'].iloc[0]}", float(main["margin"].max()), max_margin,
            None if main["passed"].isna().all() else bool(len(bad) == 0),
            f"{len(main) - len(bad)}/{len(main)}个{unit}不超过{max_margin:.0%}")


def _add_coverage_checks(add, cov, others, unit: str = "单位"):
    """Check rows for the units' sample sizes and mix (``unit``: 区, 乡镇 …), and each frame margin's fit."""
    if cov is not None:
        add(f"各{unit}样本量不低于最低要求", float(cov.table["n"].min()), float(cov.table["minimum"].max()),
            cov.passed_minimum, "低于最低样本量：" + "、".join(cov.below_minimum) if cov.below_minimum else
            f"各{unit}均不少于{int(cov.table['minimum'].max())}份")
        add(f"{unit}分布与计划分配的卡方检验（p值）" if cov.planned else f"{unit}分布卡方拟合优度（p值）", cov.p_value, cov.alpha,
            cov.passed_fit, f"χ²={cov.chi2:.2f}，df={cov.df}，最大占比差{cov.max_abs_diff:.2%}"
            + (f"；{cov.note}" if cov.note else ""))
        if cov.weighted:
            add(f"加权后{unit}分布（Rao–Scott检验p值）", cov.weighted_p_value, cov.alpha, cov.passed_weighted_fit,
                f"X²={cov.weighted_chi2:.2f}（设计校正）")
    for o in others:
        add(f"{o.variable}结构卡方拟合优度（p值）", o.p_value, o.alpha, o.passed_fit,
            f"χ²={o.chi2:.2f}，df={o.df}，最大占比差{o.max_abs_diff:.2%}" + (f"；{o.note}" if o.note else ""))
        if o.weighted:
            add(f"加权后{o.variable}结构（Rao–Scott检验p值）", o.weighted_p_value, o.alpha, o.passed_weighted_fit,
                f"X²={o.weighted_chi2:.2f}（设计校正）")
