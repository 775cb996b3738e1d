"""Key-driver analysis of a questionnaire: what drives the overall item, and what to fix first.

:func:`key_drivers` takes valid :class:`~survey.inputs.tidy.Responses` (optionally a
weighted design) and returns

- ``importance`` — the relative importance (LMG/Shapley share of R², or Johnson's
  relative weights; :func:`survey.stats.drivers.relative_importance`) of each item of
  the satisfaction battery for the overall item, answers oriented so that higher means
  more satisfied (:func:`survey.evaluation.validity.oriented_items`), with bootstrap
  intervals from the design's replicates;
- ``ipa`` — the 四分图 (GB/T 19038-2009 Annex D): importance × performance (the item's
  top-box rate), split at the means of the items, each item's quadrant and the
  probability over the same replicates that it falls there;
- ``priority`` — 优先改进: the items of high importance and low performance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.definitions.questionnaire import Measure
from survey.errors import EstimationError
from survey.evaluation.measures import measure_values
from survey.evaluation.validity import oriented_items
from survey.stats.design import Design
from survey.stats.drivers import bootstrap_replicates, importance_performance, priority_list, relative_importance

# Quadrant names as Chinese satisfaction reports commonly use them (GB/T 19038-2009 Annex D,
# 顾客满意重要性战略矩阵分析示例, splits the plane at the means; its exact labels were not
# available to check, so these are the customary ones — a setting, not the standard's text).
QUADRANT_ZH = {"advantage": "优势区（继续保持）", "fix": "修补区（优先改进）", "opportunity": "机会区（次要改进）",
               "maintain": "维持区"}


@dataclass(frozen=True)
class KeyDrivers:
    """The key-driver analysis of one questionnaire, as :func:`key_drivers` returns it.

    ``importance`` holds each item's R² share and relative importance (with bootstrap
    intervals when ``replicates`` > 0), ``ipa`` the 四分图 (importance–performance
    quadrants), ``priority`` the items to improve first; ``r2`` and ``n`` are those of the
    regression of ``overall`` on the items (complete cases), ``method`` "lmg" or "relative_weights"."""

    questionnaire: str
    overall: str
    importance: pd.DataFrame = field(repr=False)
    ipa: pd.DataFrame = field(repr=False)
    priority: pd.DataFrame = field(repr=False)
    r2: float = float("nan")
    n: int = 0
    method: str = "lmg"
    replicates: int = 0


def key_drivers(responses, *, overall: str | None = None, design: Design | None = None, method: str = "lmg",
                replicates: int = 200, seed: int = 20211215, alpha: float = 0.05) -> KeyDrivers:
    """Relative importance of the scored items for the overall item, the 四分图 and 优先改进.

    ``overall`` defaults to the item of the questionnaire's first ``top_box`` measure.
    """
    q = responses.questionnaire
    if overall is None:
        overall = next((m.item for m in q.measures if m.type == "top_box"), None)
    items = [i for i in q.scored_items if i != overall]
    if overall is None or len(items) < 2:
        raise EstimationError(f"questionnaire '{q.id}' has no overall item with at least two scored items",
                              hint="declare a top_box measure on the overall item and give items a dimension")
    data = responses.data
    oriented = oriented_items(responses) if overall in q.scored_items else oriented_items(responses).join(
        _oriented_one(responses, overall))
    frame = oriented[[*items, overall]].copy()
    design = design or Design()
    for c in design.columns:
        frame[c] = data[c].to_numpy()
    reps = bootstrap_replicates(frame, design, replicates, seed) if replicates else None
    imp = relative_importance(frame, overall, items, design=design, method=method, alpha=alpha, replicate=reps,
                              replicates=replicates, seed=seed)
    w = design.prepare(frame).w
    perf: dict[str, float] = {}
    rep_perf: np.ndarray | None = None
    pairs = {i: measure_values(q, Measure(id=i, label=i, type="top_box", item=i), data) for i in items}
    for i, (y, a) in pairs.items():
        perf[i] = float((w * y).sum() / (w * a).sum())
    if reps is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            rep_perf = np.column_stack([(reps.T @ y) / (reps.T @ a) for y, a in pairs.values()])
    ipa = importance_performance(imp, pd.Series(perf), imp.attrs.get("replicate_relative"), rep_perf)
    ipa["quadrant_zh"] = ipa["quadrant"].map(QUADRANT_ZH)
    ipa["text"] = [q.item(i).text for i in ipa["item"]]
    imp = imp.assign(text=[q.item(i).text for i in imp["item"]])
    return KeyDrivers(q.id, overall, imp, ipa, priority_list(ipa), imp.attrs["r2"], imp.attrs["n"], method,
                      replicates)


def _oriented_one(responses, item: str) -> pd.DataFrame:
    """An item outside the battery, oriented like the battery (higher = more satisfied)."""
    q = responses.questionnaire
    sc = q.scale_of(item)
    fake = q.model_copy(update={"items": tuple(it if it.id != item else it.model_copy(update={"dimension": "_"})
                                               for it in q.items)})
    r = type(responses)(**{**responses.__dict__, "questionnaire": fake})
    if sc is None:
        raise EstimationError(f"overall item '{item}' has no scale")
    return oriented_items(r)[[item]]
