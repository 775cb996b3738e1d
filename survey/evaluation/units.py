"""Units against the whole: which districts are significantly below (or above) the overall rate.

:func:`unit_contrast_table` takes a questionnaire's valid responses and one of its
``top_box`` / ``answer_share`` / ``score_index`` measures and compares each unit's
rate with the overall rate by :func:`survey.stats.compare.unit_contrasts` — the
difference linearised as a whole, Holm's correction over the units — and adds the
NCHS reliability of each unit's rate (:func:`survey.stats.presentation.flag_estimates`):
a unit whose rate is suppressed, or at 0% / 100% (no within-unit variance: the test
would see only the overall rate's uncertainty), is not named, whatever its test says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.errors import EstimationError
from survey.evaluation.measures import estimate, measure_values
from survey.inputs.tidy import option_labels
from survey.stats.compare import unit_contrasts
from survey.stats.design import Design
from survey.stats.presentation import NCHS, SUPPRESS, Standard, flag_estimates, standard_of


def unit_contrast_table(responses, measure: str | None = None, *, design: Design | None = None,
                        alpha: float = 0.05, standard: Standard = NCHS) -> pd.DataFrame:
    """Each unit's rate minus the overall rate, Holm-adjusted, with ``below``/``above`` and ``reliability``.

    ``measure`` defaults to the questionnaire's first measure; ``item_mean`` (a mean of
    item rates, not a per-respondent ratio) is not supported here. ``standard`` judges each
    unit's rate (default NCHS 2017).
    """
    q = responses.questionnaire
    m = q.measures[0] if measure is None else next((x for x in q.measures if x.id == measure), None)
    if m is None or m.type == "item_mean" or not q.district_item:
        raise EstimationError(f"no per-respondent measure '{measure}' with a unit item in '{q.id}'",
                              hint="use a top_box, answer_share or score_index measure and set district_item")
    y, a = measure_values(q, m, responses.data)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(a > 0, y / np.where(a > 0, a, 1), np.nan)
    data = pd.DataFrame({"rate": rate, "unit": option_labels(responses, q.district_item).to_numpy()},
                        index=responses.data.index)
    design = design or Design()
    for c in design.columns:
        data[c] = responses.data[c].to_numpy()
    data = data[data["unit"].notna()]
    if m.type != "top_box":  # a ratio per respondent: weight by the answers that count
        raise EstimationError(f"measure '{m.id}' pools several answers per respondent",
                              hint="compare units on a top_box measure (the overall item)")
    out = unit_contrasts(data, "rate", "unit", design, alpha=alpha)
    est = flag_estimates(estimate(responses, by=q.district_item, measures=[m.id], design=design, alpha=alpha),
                         standard=standard)
    rel = est.set_index("level")["reliability"]
    out["reliability"] = out["unit"].map(rel)
    # Not named: suppressed cells, and units at 0% or 100%, whose own variance is zero so the
    # linearised test sees only the overall rate's uncertainty and overstates significance.
    boundary = (out["estimate"] <= 0) | (out["estimate"] >= 1)
    out["named"] = ~(out["reliability"].eq(SUPPRESS) | boundary)
    out.loc[~out["named"], ["below", "above"]] = False
    out.insert(0, "measure", m.id)
    out.insert(1, "label", m.label)
    return out


def analysis_unit_contrasts(analysis, *, weighted: bool | None = False, alpha: float = 0.05) -> list:
    """(survey result, :func:`unit_contrast_table`) for each questionnaire with unit contrasts.

    Those are the questionnaires of an analysis whose first measure is a top-box rate with a
    unit item; weighted on the frame design (without the FPC, as the year-over-year tests)
    when asked (None: when the framework scores the weighted estimate) and available; each
    unit's rate judged by the analysis's presentation standard
    (:func:`survey.stats.presentation.standard_of`)."""
    from dataclasses import replace

    from survey.evaluation.headline import scores_weighted
    from survey.evaluation.yoy import weighted_responses

    out = []
    for s in analysis.surveys:
        q = s.questionnaire
        if not q.district_item or q.measures[0].type != "top_box":
            continue
        w = (scores_weighted(analysis.framework, q) if weighted is None else weighted) and s.design is not None
        table = unit_contrast_table(weighted_responses(s) if w else s.cleaned.valid, alpha=alpha,
                                    design=replace(s.design, fpc=None) if w else None,
                                    standard=standard_of(analysis))
        out.append((s, table))
    return out

