"""Weighting the valid responses of a questionnaire to its frame.

:func:`weight_responses` takes the responses and the :class:`~survey.inputs.frame.Frame`
read for them and applies the questionnaire's weighting section (post-stratification
to the unit counts, or raking / calibration to the unit and margin counts, then
trimming) with :mod:`survey.stats.weights`; :func:`frame_design` is the design the
estimates should then use (strata = unit, fpc = the unit's population, calibration
variables for the GREG variance).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from survey.errors import WeightingError
from survey.inputs.frame import Frame, frame_gaps, missing_unit_error
from survey.inputs.tidy import Responses, option_labels
from survey.stats.design import Design
from survey.stats.weights import WEIGHTING, Weighted, trim, weight


def _check_population(data: pd.DataFrame, district: str, frame: Frame) -> None:
    """More respondents than people in a frame cell (or any where it counts 0): the frame or the answers are wrong.

    Weighting on would give a finite population correction of zero and a standard error of
    0 for that cell — a meaningless certainty — so it is an error naming the frame cell.
    """
    margins: list[tuple[str, pd.Series, str | None]] = [(district, frame.population, frame.sheet)]
    margins += [(item_id, counts, frame.margins_sheet) for item_id, counts in frame.margins.items()]
    for col, counts, sheet in margins:
        n = data[col].value_counts()
        over = sorted((c for c in counts.index if n.get(c, 0) > counts[c]), key=lambda c: counts[c] != 0)
        if over:
            c = over[0]
            what = "population 0" if counts[c] == 0 else f"a population of {counts[c]:g}"
            raise WeightingError(f"'{c}' has {what} in the frame but {int(n[c])} respondents",
                                 file=frame.file, sheet=sheet, row=counts.attrs.get("rows", {}).get(c),
                                 column=counts.attrs.get("column", counts.name),
                                 got=f"N_h = {counts[c]:g}, n_h = {int(n[c])}",
                                 hint="correct the frame count, or the respondents' answers (respondents cannot "
                                      "outnumber the people they are drawn from)")


def weight_responses(responses: Responses, frame: Frame) -> tuple[Responses, Weighted, Design]:
    """Weight the (valid) responses to the frame as the questionnaire's weighting section says.

    Returns the responses with two added columns — ``weight`` and ``fpc`` (the
    district's population) — the :class:`Weighted` result with its diagnostics, and the
    design for :func:`survey.evaluation.measures.estimate`.
    """
    q = responses.questionnaire
    wt, district = q.weighting, q.district_item
    if wt is None or district is None:  # read_frame has checked both
        raise WeightingError(f"questionnaire '{q.id}' needs a weighting section and a district_item to be weighted",
                             file=q.file, hint="add weighting: {population: <frame column>} and district_item")
    data = pd.DataFrame({district: option_labels(responses, district)})
    for item_id in frame.margins:
        data[item_id] = option_labels(responses, item_id)
    missing = data.isna().any(axis=1)
    if missing.any():
        row = data.index[int(np.flatnonzero(missing.to_numpy())[0])]
        col = data.columns[data.loc[row].isna().to_numpy()][0]
        raise WeightingError(f"a valid response has no answer to '{q.item(col).text}', needed for weighting",
                             file=responses.file, sheet=responses.sheet, row=int(row),
                             hint="make the item required in the questionnaire, or fill the answer in")
    gaps = frame_gaps(q, frame, data[district])  # a unit answered but not in the frame: R's postStratify stops too
    if gaps.answered:
        unit, (n, row) = next(iter(gaps.answered.items()))
        raise missing_unit_error(q, frame, unit, n, row, file=responses.file)
    _check_population(data, district, frame)
    try:
        targets = frame.population if WEIGHTING[wt.method].targets == "cells" else {district: frame.population,
                                                                                     **frame.margins}
        res = weight(wt.method, data, targets, by=[district], bounds=wt.bounds)
        if wt.trim_upper:
            res = trim(res.weights, upper=wt.trim_upper, after=res, data=data)  # keeps the raking diagnostics
    except WeightingError as exc:
        exc.file, exc.sheet = exc.file or str(frame.file), exc.sheet or frame.sheet
        raise
    out = responses.data.assign(weight=res.weights.to_numpy())
    # The variance knows what the weights were calibrated to (GREG residuals, as R does
    # after postStratify/rake/calibrate); the raking started from equal base weights.
    # Trimming that broke the margins leaves the weights uncalibrated: the design must not claim it.
    calibration = (district, *frame.margins) if res.diagnostics.calibrated else ()
    design = Design(weights="weight", strata=district, calibration=calibration)
    if wt.fpc:
        out = out.assign(fpc=data[district].map(frame.population).to_numpy(dtype=float))
        design = Design(weights="weight", strata=district, fpc="fpc", calibration=calibration)
    return replace(responses, data=out), res, design
