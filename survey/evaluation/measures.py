"""Satisfaction measures of a questionnaire, overall and by unit, with honest intervals.

Each measure a questionnaire declares is a ratio estimate over respondents
(:mod:`survey.stats.estimate` computes it and its design-based variance):

- ``top_box``      yᵢ = 1 if the item's answer is in the satisfied set, aᵢ = 1 if
                   the item was answered with an option that counts (不了解 and the
                   like leave the denominator);
- ``answer_share`` yᵢ = satisfied answers of respondent i over the items, aᵢ = the
                   answers that count;
- ``score_index``  yᵢ = Σ option score / 100, aᵢ = the answers that count;
- ``item_mean``    the mean over items of each item's top-box rate.

Unweighted ``top_box`` without a design gets the binomial interval on the answers;
the score index (a mean of scores, not a proportion) est ± t_df·SE clipped to [0, 1]
(Wilson on the Kish n when its variance is 0); everything else the design-based
interval on the effective sample size (see :mod:`survey.stats.estimate`). Entry point: :func:`estimate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.definitions.questionnaire import Measure, Questionnaire
from survey.definitions.vocab import DESIGN_CI_METHODS, OVERALL, OVERALL_LEVEL
from survey.errors import DefinitionError, EstimationError, choice_error
from survey.inputs.tidy import Responses
from survey.stats.design import Design
from survey.stats.estimate import ESTIMATE_COLUMNS, Ratios, check_interval_args, estimate_rows, item_mean, ratio


def _codes_to(q: Questionnaire, item_id: str, data: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent: (value, counts) for one item; value is satisfied 0/1 or score/100."""
    sc = q.scale_of(item_id)
    if sc is None:  # a measure's items have a scale (the questionnaire's validation)
        raise DefinitionError(f"item '{item_id}' of '{q.id}' has no scale", file=q.file, hint="give the item a scale")
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


def measure_values(q: Questionnaire, m: Measure, data: pd.DataFrame):
    """Per-respondent (y, a) arrays of a measure; for item_mean one pair per item.

    y counts the satisfied answers (or sums score/100), a the answers that count —
    a not-applicable option (未接触) leaves the denominator:

    >>> q = Questionnaire.model_validate(dict(
    ...     id="demo", title="演示", source={"sheets": ["演示"]},
    ...     scales={"sat": {"options": ["满意", "一般", "不满意", "未接触"], "satisfied": ["满意"],
    ...                     "not_applicable": ["未接触"]}},
    ...     items=[{"id": "q1", "text": "服务", "type": "single", "scale": "sat"},
    ...            {"id": "q2", "text": "态度", "type": "single", "scale": "sat"}],
    ...     measures=[{"id": "share", "label": "满意答案占比", "type": "answer_share", "items": ["q1", "q2"]}]))
    >>> y, a = measure_values(q, q.measures[0], pd.DataFrame({"q1": [1.0, 2, 1], "q2": [1.0, 4, 3]}))
    >>> y.tolist(), a.tolist()        # codes: 1 = 满意, 4 = 未接触
    ([2.0, 0.0, 1.0], [2.0, 1.0, 2.0])
    """
    items = q.measure_items(m)
    what = "score" if m.type == "score_index" else "satisfied"
    pairs = [_codes_to(q, i, data, what) for i in items]
    if m.type == "item_mean":
        return pairs
    y = np.sum([p[0] for p in pairs], axis=0)
    a = np.sum([p[1] for p in pairs], axis=0)
    return y, a


def estimate(
    responses: Responses,
    *,
    by: str | None = None,
    measures: list[str] | None = None,
    design: Design | None = None,
    alpha: float = 0.05,
    ci_method: str = "wilson",
) -> pd.DataFrame:
    """Every satisfaction measure of the questionnaire, overall and by ``by`` (an item id).

    ``design`` names weight/strata/cluster/fpc columns of ``responses.data``; without
    one the respondents are a simple random sample, unweighted. Returns one row per
    (measure, domain level) with the columns of ``ESTIMATE_COLUMNS``: ``n`` counts
    answers for an unweighted ``top_box`` and respondents otherwise; ``estimate`` is a
    proportion in [0, 1] (the score index is divided by 100).

    The 2021 staff survey shipped as an example (389 valid responses, 97.43% satisfied):

    >>> from importlib.resources import files
    >>> from survey.definitions.questionnaire import load
    >>> from survey.evaluation.clean import clean
    >>> from survey.inputs.read import Workbook
    >>> from survey.inputs.tidy import tidy
    >>> ex = files("survey.examples") / "nanjing-2021"
    >>> q = load(ex / "questionnaires" / "staff.yaml")
    >>> valid = clean(tidy(Workbook(ex / "raw" / "2021.xlsx").table("工作人员问卷"), q)).valid
    >>> row = estimate(valid).query("measure == 'overall'").iloc[0]
    >>> f"{row['estimate']:.2%}", int(row["n"])
    ('97.43%', 389)
    """
    check_interval_args(alpha, ci_method)
    q = responses.questionnaire
    chosen = q.measures if measures is None else tuple(m for m in q.measures if m.id in measures)
    if measures is not None and len(chosen) != len(set(measures)):
        unknown = sorted(set(measures) - {m.id for m in q.measures})
        raise choice_error(EstimationError, "measure", unknown[0], [m.id for m in q.measures])
    data = responses.data
    design = design or Design()
    prep = design.prepare(data, file=responses.file, sheet=responses.sheet)
    plain = design.is_srs
    if plain and ci_method in DESIGN_CI_METHODS:
        plain = False  # a design method was asked for: use it on the SRS design
    levels = [(OVERALL, OVERALL_LEVEL)]
    dom_codes = [np.zeros(len(data), dtype=np.int64)]
    ks = [1]
    if by is not None:
        if by not in data.columns:
            raise EstimationError(f"no column '{by}' to break down by", file=responses.file, sheet=responses.sheet,
                                  expected="one of " + ", ".join(c for c in data.columns if c in {i.id for i in q.items}))
        opts = q.options(by)
        codes = data[by].to_numpy(dtype=float)
        present = [k for k in range(1, len(opts) + 1) if (codes == k).any()]
        lookup = np.full(len(opts) + 2, -1, dtype=np.int64)
        for j, k in enumerate(present):
            lookup[k] = j
        idx = np.where(np.isnan(codes), len(opts) + 1, codes).astype(int)
        dom_codes.append(lookup[np.clip(idx, 0, len(opts) + 1)])
        ks.append(len(present))
        levels += [(by, opts[k - 1]) for k in present]
    rows = []
    for m in chosen:
        results = []
        for dom, k in zip(dom_codes, ks):
            if m.type == "item_mean":
                r = item_mean(prep, measure_values(q, m, data), dom, k)
                results += estimate_rows(r, proportion=True, prep=prep, alpha=alpha, method=ci_method)
            else:
                y, a = measure_values(q, m, data)
                if m.type == "top_box" and plain:
                    # Independent answers under SRS: the binomial interval on the answers.
                    inside = dom >= 0
                    dd = np.where(inside, dom, 0)
                    succ = np.bincount(dd, weights=np.where(inside, y, 0.0), minlength=k)
                    cnt = np.bincount(dd, weights=np.where(inside, a, 0.0), minlength=k)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        p = succ / cnt
                        r = Ratios(p, p * (1 - p) / cnt, p * (1 - p) / cnt, cnt, cnt)
                    results += estimate_rows(r, proportion=True, prep=prep, alpha=alpha, method=ci_method, binomial=succ)
                elif m.type == "score_index":
                    # A mean of scores in [0, 1] is not a proportion: t interval on the design
                    # variance and df, clipped to [0, 1]; n_eff = n / deff, never above n.
                    r = ratio(prep, y, a, dom, k)
                    results += estimate_rows(r, proportion=False, prep=prep, alpha=alpha, method=ci_method,
                                             df="design", bounded=True)
                else:
                    r = ratio(prep, y, a, dom, k)
                    results += estimate_rows(r, proportion=True, prep=prep, alpha=alpha, method=ci_method)
        for (domain, level), res in zip(levels, results):
            rows.append(dict(questionnaire=q.id, measure=m.id, label=m.label, domain=domain, level=level, **res))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
