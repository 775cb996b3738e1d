"""Year over year: this year's satisfaction against last year's, only where it is comparable.

:func:`questionnaire_changes` matches two versions of a questionnaire by item id and
lists what changed (items added, removed, reworded, scale changed); changed items
are reported and never compared. :func:`compare_surveys` takes the two years'
:class:`~survey.pipeline.SurveyResult`-like objects (``questionnaire``, ``cleaned``,
``estimates``/``weighted``, ``design``) and returns, for each declared measure
(overall and per unit) and each comparable item (but the item of a ``top_box`` measure, compared
once, as the measure: :func:`measured_items`), the difference new − old with its
interval and test (:func:`survey.stats.compare.difference`, independent samples),
Holm-corrected within each family (the items of a questionnaire; the units of a
measure), the Rao–Scott test of each item's whole answer distribution between the
years (:func:`survey.stats.compare.rao_scott` on the two samples stacked, year as a
variable), and the NCHS reliability of both cells
(:func:`survey.stats.presentation.flag_estimates`): a comparison whose cell is
suppressed gets no verdict.

Verdicts: ``up`` / ``down`` when the (adjusted) p-value is below ``alpha``, ``same``
otherwise, ``not_compared`` for suppressed cells. The same people may answer both
years (staff): with a respondent ``key`` the linked respondents' covariance enters the
SE of the difference of the overall rates (:func:`_linked`, the paired-sample term, on the
design weights and strata when the comparison is weighted);
without one the independent-samples test ignores a positive covariance and is
conservative, which the sentences say.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from survey.definitions.questionnaire import Measure, Questionnaire
from survey.definitions.vocab import OVERALL_LEVEL
from survey.errors import EstimationError
from survey.evaluation.headline import scores_weighted
from survey.evaluation.measures import estimate, measure_values
from survey.inputs.tidy import option_labels
from survey.stats.compare import difference, holm, rao_scott
from survey.stats.design import Design
from survey.stats.presentation import NCHS, SUPPRESS, Standard, flag_estimates, standard_of

UP, SAME, DOWN, NOT_COMPARED = "up", "same", "down", "not_compared"
CHANGE_KINDS = ("added", "removed", "reworded", "scale_changed", "type_changed")
COMPARISON_COLUMNS = ("questionnaire", "family", "measure", "label", "level", "n_old", "n_new", "estimate_old",
                      "estimate_new", "difference", "se", "ci_low", "ci_high", "p_value", "p_adjusted",
                      "reliability_old", "reliability_new", "verdict")


def _scale_signature(q: Questionnaire, item_id: str):
    it = q.item(item_id)
    sc = q.scale_of(item_id)
    if sc is None:
        return (tuple(it.options or ()),)
    return (sc.options, tuple(sorted(sc.satisfied)), tuple(sorted(sc.not_applicable)),
            tuple(sorted(sc.scores.items())))


def questionnaire_changes(old: Questionnaire, new: Questionnaire) -> pd.DataFrame:
    """Items added, removed, reworded (text differs) or with a changed scale, matched by id."""
    rows = []
    old_ids, new_ids = {it.id for it in old.items}, {it.id for it in new.items}
    for it in old.items:
        if it.id not in new_ids:
            rows.append(dict(item=it.id, change="removed", old=it.text, new=""))
    for it in new.items:
        if it.id not in old_ids:
            rows.append(dict(item=it.id, change="added", old="", new=it.text))
            continue
        o = old.item(it.id)
        if o.type != it.type:
            rows.append(dict(item=it.id, change="type_changed", old=o.type, new=it.type))
        if o.text != it.text:
            rows.append(dict(item=it.id, change="reworded", old=o.text, new=it.text))
        if it.type != "text" and _scale_signature(old, it.id) != _scale_signature(new, it.id):
            rows.append(dict(item=it.id, change="scale_changed", old="、".join(old.options(it.id)),
                             new="、".join(new.options(it.id))))
    return pd.DataFrame(rows, columns=["item", "change", "old", "new"])


def comparable_items(old: Questionnaire, new: Questionnaire) -> tuple[str, ...]:
    """Items with a scale in both years, same id, text, type and scale (in the new order)."""
    changed = set(questionnaire_changes(old, new)["item"])
    old_ids = {it.id for it in old.items}
    return tuple(it.id for it in new.items if it.id in old_ids and it.id not in changed and it.scale is not None)


def item_estimates(responses, items, *, design: Design | None = None, by: str | None = None,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Top-box rate of each item (the estimates table, ``measure`` = item id)."""
    q = responses.questionnaire
    ms = tuple(Measure(id=i, label=q.item(i).text, type="top_box", item=i) for i in items)
    qi = q.model_copy(update={"measures": ms})
    return estimate(type(responses)(**{**responses.__dict__, "questionnaire": qi}), by=by, design=design,
                    alpha=alpha)


@dataclass(frozen=True)
class YearComparison:
    """One questionnaire compared between two years."""

    questionnaire: str
    title: str
    changes: pd.DataFrame = field(repr=False)        # questionnaire_changes
    table: pd.DataFrame = field(repr=False)          # COMPARISON_COLUMNS
    distributions: pd.DataFrame = field(repr=False)  # item, F, ndf, ddf, p_value, p_adjusted, significant
    overlap: int | None = None                       # respondents linked by the key (None: no key)
    alpha: float = 0.05
    weighted: bool = False
    notes: tuple[str, ...] = ()
    scored: bool = False  # compared on the basis the framework scores (计分口径), not one asked for


def _pairs(old: pd.DataFrame, new: pd.DataFrame, family: str, qid: str, alpha: float,
           cov: dict | None = None) -> pd.DataFrame:
    keys = ["measure", "level"]
    m = old.merge(new, on=keys, suffixes=("_old", "_new"))
    if m.empty:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    c = [(cov or {}).get((a, b), 0.0) for a, b in zip(m["measure"], m["level"])]
    d = difference(m["estimate_old"], m["se_old"].fillna(0), m["estimate_new"], m["se_new"].fillna(0), cov=c,
                   alpha=alpha)
    out = pd.DataFrame(dict(questionnaire=qid, family=family, measure=m["measure"], label=m["label_new"],
                            level=m["level"], n_old=m["n_old"], n_new=m["n_new"], estimate_old=m["estimate_old"],
                            estimate_new=m["estimate_new"], difference=d["difference"], se=d["se"],
                            ci_low=d["ci_low"], ci_high=d["ci_high"], p_value=d["p_value"],
                            reliability_old=m["reliability_old"], reliability_new=m["reliability_new"]))
    return out


def _linked(old, new, key: str, measures, items, weighted: bool):
    """Respondents present in both years (by ``key``) and the covariance they bring.

    Unweighted, for a ratio p = Σy/Σa the influence of respondent i is
    z_i = (y_i − p a_i)/Σa (Σ z² is the binomial variance p(1 − p)/n the estimates use), so
    the covariance of the two years' estimates is Σ over linked respondents of
    z_old·z_new — the paired-sample term.

    Weighted (:func:`_weighted_influence`), z_i = w_i (y_i − p a_i)/Σ w a with p = Σwy/Σwa,
    centred within each year's stratum as the Taylor variance is, and
    Cov = Σ over linked respondents of c_i (z_old,i − z̄_old,h)(z_new,i − z̄_new,h) with
    c_i = √(n_h/(n_h − 1) · n_g/(n_g − 1)) for its old stratum h and new stratum g. When the
    same respondents answer both years in the same strata (a panel), Var_old + Var_new −
    2 Cov is exactly the with-replacement variance of the mean of the paired differences
    (R ``svymean(~I(ynew - yold), svydesign(ids=~1, strata=, weights=))``, tests); with a
    partial overlap it is the same sum over the linked respondents only. The finite
    population correction is left out (the comparison's default, see
    :func:`compare_surveys`).

    Returns (overlap, {(measure or "item:<id>", level): cov}, note). Keys repeated within a
    year are ambiguous and left unlinked.
    """
    a = old.cleaned.valid.data.get(key)
    b = new.cleaned.valid.data.get(key)
    if a is None or b is None:
        return None, {}, f"关联键“{key}”不在两年数据中，无法识别重复受访者"
    ka, kb = a.astype(str).where(a.notna()), b.astype(str).where(b.notna())
    once_a = ka[~ka.duplicated(keep=False) & ka.notna()]
    once_b = kb[~kb.duplicated(keep=False) & kb.notna()]
    common = sorted(set(once_a) & set(once_b))
    if not common:
        return 0, {}, ""
    ia = pd.Index(once_a.to_numpy()).get_indexer(common)
    ib = pd.Index(once_b.to_numpy()).get_indexer(common)
    pos_a = np.flatnonzero(ka.notna() & ~ka.duplicated(keep=False))[ia]
    pos_b = np.flatnonzero(kb.notna() & ~kb.duplicated(keep=False))[ib]
    specs = [(m.id, m) for m in measures if m.type != "item_mean"]
    specs += [(f"item:{i}", Measure(id=i, label=i, type="top_box", item=i)) for i in items]
    cov = {}
    for name, m in specs:
        if weighted:
            (za, ca), (zb, cb) = (_weighted_influence(res, m) for res in (old, new))
            c = float((np.sqrt(ca[pos_a] * cb[pos_b]) * za[pos_a] * zb[pos_b]).sum())
        else:
            za, zb = (_influence(res.cleaned.valid, m) for res in (old, new))
            c = float((za[pos_a] * zb[pos_b]).sum())
        cov[(name, OVERALL_LEVEL)] = c
    return len(common), cov, ""


def _influence(r, m: Measure, w=None) -> np.ndarray:
    """z_i = w_i (y_i − p a_i)/Σ w a of a ratio measure (w = 1 unweighted)."""
    y, a = measure_values(r.questionnaire, m, r.data)
    y, a = np.asarray(y, float), np.asarray(a, float)
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    total = (w * a).sum()
    return w * (y - ((w * y).sum() / total) * a) / total if total > 0 else np.zeros(len(y))


def _weighted_influence(res, m: Measure) -> tuple[np.ndarray, np.ndarray]:
    """A weighted result's influence values centred within strata, and n_h/(n_h − 1) per respondent."""
    r = weighted_responses(res)
    z = _influence(r, m, r.data[res.design.weights])
    strata = (r.data[res.design.strata].astype(str).to_numpy() if res.design.strata
              else np.zeros(len(z), dtype=object))
    frame = pd.DataFrame({"z": z, "h": strata})
    g = frame.groupby("h")["z"]
    n_h = g.transform("size").to_numpy(float)
    centred = z - g.transform("mean").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n_h > 1, n_h / (n_h - 1), 0.0)
    return centred, factor


def _verdicts(t: pd.DataFrame, alpha: float) -> pd.Series:
    blocked = (t["reliability_old"] == SUPPRESS) | (t["reliability_new"] == SUPPRESS) | t["p_adjusted"].isna()
    sig = t["p_adjusted"] < alpha
    v = np.where(sig & (t["difference"] > 0), UP, np.where(sig & (t["difference"] < 0), DOWN, SAME))
    return pd.Series(np.where(blocked, NOT_COMPARED, v), index=t.index)


def _adjust(t: pd.DataFrame, groups: list[str]) -> pd.Series:
    """Holm within each group of rows (suppressed comparisons are not in the family)."""
    out = pd.Series(np.nan, index=t.index)
    usable = (t["reliability_old"] != SUPPRESS) & (t["reliability_new"] != SUPPRESS)
    for _, g in t[usable].groupby(groups, sort=False):
        out.loc[g.index] = holm(g["p_value"].to_numpy())
    return out


def _stacked_distribution(old, new, item: str, weighted: bool):
    """Answer labels of ``item`` in both years with a year column and a stacked design."""
    parts, designs = [], []
    for year, res in (("old", old), ("new", new)):
        dz = res.design
        r = weighted_responses(res) if weighted else res.cleaned.valid
        q = r.questionnaire
        sc = q.scale_of(item)
        lab = option_labels(r, item)
        lab = lab.where(~lab.isin(sc.not_applicable)) if sc is not None else lab
        frame = pd.DataFrame({"answer": lab.to_numpy(), "year": year})
        if weighted and dz is not None and dz.weights:
            frame["w"] = r.data[dz.weights].to_numpy(float)
            frame["stratum"] = year + "|" + r.data[dz.strata].astype(str).to_numpy() if dz.strata else year
        else:
            frame["w"] = 1.0
            frame["stratum"] = year
        parts.append(frame)
        designs.append(dz)
    data = pd.concat(parts, ignore_index=True)
    # strata with a single respondent cannot give a variance: fold them into the year
    counts = data.groupby("stratum")["stratum"].transform("size")
    data["stratum"] = np.where(counts < 2, data["year"], data["stratum"])
    return data, Design(weights="w", strata="stratum")


def compare_surveys(old, new, *, alpha: float = 0.05, weighted: bool = False, key: str | None = None,
                    by_unit: bool = True, fpc: bool = False, standard: Standard = NCHS) -> YearComparison:
    """Compare one questionnaire's results of two years (see the module docstring).

    ``old``/``new`` are :class:`survey.pipeline.SurveyResult` objects of the same
    questionnaire id. ``weighted`` compares the design-based estimates (both years must
    be weighted); default the unweighted ones, as the annex scores them.

    ``fpc`` (weighted only) keeps the finite population correction. Off by default: with
    it the test asks whether *that year's* staff, as a finite population, differ — when
    most of them answered (550 staff, 389 answers), every chance fluctuation of who felt
    what becomes a "real" change. The question a reviewer asks, "is the change beyond
    chance?", is the with-replacement one.

    ``standard`` judges both years' cells (default NCHS 2017; the report passes the new
    analysis's, :func:`survey.stats.presentation.standard_of`).
    """
    qo, qn = old.questionnaire, new.questionnaire
    changes = questionnaire_changes(qo, qn)
    items = comparable_items(qo, qn)
    notes = []
    d_old = d_new = None
    est_old, est_new = old.estimates, new.estimates
    if weighted:
        if old.design is None or new.design is None:
            raise ValueError("weighted comparison needs both years weighted to their frames")
        d_old = old.design if fpc else replace(old.design, fpc=None)
        d_new = new.design if fpc else replace(new.design, fpc=None)
        est_old = estimate(weighted_responses(old), by=qo.district_item, design=d_old, alpha=alpha)
        est_new = estimate(weighted_responses(new), by=qn.district_item, design=d_new, alpha=alpha)
    unit = (qn.district_item if by_unit and qn.district_item and qo.district_item == qn.district_item
            and qn.district_item not in set(changes["item"]) else None)
    # declared measures whose items are all comparable
    ok_measures = [m.id for m in qn.measures if m.id in {x.id for x in qo.measures}
                   and set(qn.measure_items(m)) <= set(items)]
    skipped = [m.id for m in qn.measures if m.id not in ok_measures]
    if skipped:
        notes.append("以下指标因题目或量表变化不作比较：" + "、".join(skipped))
    fo = flag_estimates(est_old[est_old["measure"].isin(ok_measures)], standard=standard)
    fn = flag_estimates(est_new[est_new["measure"].isin(ok_measures)], standard=standard)
    scored = [i for i in items if i != qn.district_item and qn.scale_of(i) is not None
              and qn.scale_of(i).satisfied]
    rated = [i for i in scored if i not in measured_items(qn, ok_measures)]  # each rate compared once
    overlap, cov = None, {}
    if key is not None:
        overlap, cov, note = _linked(old, new, key, [m for m in qn.measures if m.id in ok_measures], rated,
                                     weighted)
        notes += [note] if note else []
    meas = _pairs(fo, fn, "measure", qn.id, alpha, cov)
    r_old = weighted_responses(old) if weighted else old.cleaned.valid
    r_new = weighted_responses(new) if weighted else new.cleaned.valid
    io = flag_estimates(item_estimates(r_old, rated, design=d_old, alpha=alpha), standard=standard)
    inn = flag_estimates(item_estimates(r_new, rated, design=d_new, alpha=alpha), standard=standard)
    it = _pairs(io[io["level"] == OVERALL_LEVEL], inn[inn["level"] == OVERALL_LEVEL], "item", qn.id, alpha,
                {(k[0][5:], k[1]): v for k, v in cov.items() if k[0].startswith("item:")})
    if unit is None:
        meas = meas[meas["level"] == OVERALL_LEVEL]
    table = _adjusted(pd.concat([meas, it], ignore_index=True), alpha)
    dist = _distributions(old, new, scored, weighted, alpha, notes)
    return YearComparison(qn.id, qn.title, changes, table, dist, overlap, alpha, weighted, tuple(notes))


def measured_items(q: Questionnaire, measures) -> set[str]:
    """Items whose top-box rate is one of ``measures`` (ids) itself: compared once, as the measure.

    A ``top_box`` measure of one item (the overall question's 总体满意率) is that item's rate;
    :func:`compare_surveys` compares it as the measure, not again among the items.
    """
    return {m.item for m in q.measures if m.id in set(measures) and m.type == "top_box" and m.item}


def _adjusted(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Adjusted p-values and verdicts: overall measures each their own test; the items one
    family (Holm); the units of each measure one family (Holm); suppressed cells none."""
    table["unit_row"] = table["level"] != OVERALL_LEVEL
    table["p_adjusted"] = np.nan
    ov = ~table["unit_row"]
    own = ov & (table["family"] == "measure")
    table.loc[own, "p_adjusted"] = table.loc[own, "p_value"]
    adj_items = _adjust(table[ov & (table["family"] == "item")], ["family"])
    table.loc[adj_items.index, "p_adjusted"] = adj_items
    adj_units = _adjust(table[table["unit_row"]], ["measure"])
    table.loc[adj_units.index, "p_adjusted"] = adj_units
    blocked = (table["reliability_old"] == SUPPRESS) | (table["reliability_new"] == SUPPRESS)
    table.loc[blocked, "p_adjusted"] = np.nan
    table["verdict"] = _verdicts(table, alpha)
    return table[list(COMPARISON_COLUMNS)].reset_index(drop=True)


def _distributions(old, new, items, weighted: bool, alpha: float, notes: list) -> pd.DataFrame:
    """Rao–Scott test of each item's answer distribution between the years, Holm over the items."""
    q = new.questionnaire
    rows = []
    for i in items:
        data, design = _stacked_distribution(old, new, i, weighted)
        try:
            rs = rao_scott(data, "answer", "year", design)
            rows.append(dict(item=i, text=q.item(i).text, F=rs.F, ndf=rs.ndf, ddf=rs.ddf, p_value=rs.p_value))
        except (EstimationError, np.linalg.LinAlgError) as exc:  # one answer only in both years: nothing to test
            rows.append(dict(item=i, text=q.item(i).text, F=np.nan, ndf=np.nan, ddf=np.nan, p_value=np.nan))
            notes.append(f"{i}：无法检验答案分布（{exc}）")
    dist = pd.DataFrame(rows, columns=["item", "text", "F", "ndf", "ddf", "p_value"])
    dist["p_adjusted"] = holm(dist["p_value"].to_numpy()) if len(dist) else []
    dist["significant"] = dist["p_adjusted"] < alpha
    return dist


def weighted_responses(result):
    """A weighted result's valid responses with the columns its design names (``weight``, ``fpc``).

    The weights are the analysis's; the finite population correction is the district's
    population, read back from the validity check's frame table.
    """
    if result.weights is None or result.design is None:
        raise ValueError(f"questionnaire '{result.questionnaire.id}' was not weighted: compare unweighted")
    r = result.cleaned.valid
    data = r.data.assign(**{result.design.weights: result.weights.weights.to_numpy()})
    if result.design.fpc:
        cov = result.validity.coverage if result.validity is not None else None
        if cov is None:
            raise ValueError("the weighted design has a finite population correction but no frame table")
        pop = cov.table.set_index("category")["population"]
        data[result.design.fpc] = option_labels(r, result.questionnaire.district_item).map(pop).to_numpy(float)
    return type(r)(**{**r.__dict__, "data": data})


def scored_basis(old, new, old_framework, new_framework) -> tuple[bool, str | None]:
    """Whether one questionnaire's two years are compared weighted: the basis each analysis scores (计分口径).

    ``old``/``new`` are its :class:`~survey.pipeline.SurveyResult` objects, the frameworks their
    analyses'. Weighted when the new year's framework scores the weighted estimate and both
    years were weighted; a year that scored (or could score) otherwise is said in the note.
    """
    q = new.questionnaire
    want = q.weighting is not None and scores_weighted(new_framework, q)  # a questionnaire with no frame: unweighted
    weighted = want and old.design is not None and new.design is not None
    if want and not weighted:
        which = "、".join(y for y, s in (("上年", old), ("本年", new)) if s.design is None)
        return False, f"{q.title}：{which}未加权（无抽样框或不加权），两年按未加权比较"
    if old_framework is not None and old.design is not None and scores_weighted(old_framework, old.questionnaire) != want:
        basis = "加权" if want else "未加权"
        return weighted, f"{q.title}：上年计分口径与本年不同，两年均按本年计分口径（{basis}）比较"
    return weighted, None


def compare_analyses(old, new, *, alpha: float = 0.05, key: str | None = None, by_unit: bool = True,
                     weighted: bool | None = None) -> tuple[list[YearComparison], list[str]]:
    """Every questionnaire present in both :class:`~survey.pipeline.Analysis` results, compared.

    ``weighted`` None (the default): each questionnaire on the basis the analyses score it
    (:func:`scored_basis`, marked ``scored``), as the annex and report quote it; True / False:
    weighted (where both years are) or unweighted, as asked. Returns the comparisons (in the
    new year's order) and notes on questionnaires found in one year only (never compared) or
    compared on another basis than a year scored. Cells are judged by the new analysis's
    presentation standard (:func:`survey.stats.presentation.standard_of`).
    """
    olds = {s.questionnaire.id: s for s in old.surveys}
    news = {s.questionnaire.id: s for s in new.surveys}
    notes = [f"问卷“{s.questionnaire.title}”（{i}）仅上年有，不作比较" for i, s in olds.items() if i not in news]
    notes += [f"问卷“{s.questionnaire.title}”（{i}）为本年新增，不作比较" for i, s in news.items() if i not in olds]
    out = []
    for i, s in news.items():
        if i not in olds:
            continue
        if weighted is None:
            w, note = scored_basis(olds[i], s, getattr(old, "framework", None), new.framework)
            notes += [note] if note else []
        else:
            w = weighted and olds[i].design is not None and s.design is not None
        c = compare_surveys(olds[i], s, alpha=alpha, key=key, by_unit=by_unit, weighted=w, standard=standard_of(new))
        out.append(replace(c, scored=weighted is None))
    return out, notes
