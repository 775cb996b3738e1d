"""The population frame of an evaluation workbook, and weighting a questionnaire to it.

A questionnaire's ``weighting`` section names the frame sheet (one row per
district, e.g. 抽样框 with 区 / 工作人员数 / 在册社区矫正对象数), the column with its
population, and optionally a margins sheet (对象构成: 变量 / 类别 / 人数) for raking.
:func:`read_frame` reads and checks those cells against the questionnaire's options;
:func:`weight_responses` weights the valid responses with :mod:`survey.weights` and
returns the data with ``weight`` and ``fpc`` columns plus the :class:`Design` that
estimates should use (strata = district, fpc = the district's population).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .design import Design
from .errors import WeightingError
from .questionnaire import Questionnaire
from .read import Workbook
from .tidy import Responses, normalize
from .weights import Weighted, calibrate, poststratify, rake, trim

MARGIN_COLUMNS = ("变量", "类别", "人数")


@dataclass(frozen=True)
class Frame:
    """Population counts for one questionnaire: per district, and per option of margin items."""

    file: str
    sheet: str
    population: pd.Series                     # district option → N
    margins: dict[str, pd.Series] = field(default_factory=dict)  # item id → option → N
    margins_sheet: str | None = None


def _number(value, *, file, sheet, row, column) -> float:
    try:
        x = float(str(value).replace(",", "").strip())
    except ValueError:
        x = np.nan
    if not np.isfinite(x) or x < 0:
        raise WeightingError("population count is not a non-negative number", file=file, sheet=sheet, row=row,
                             column=column, got=value, hint="type the count as a number")
    return x


def read_frame(wb: Workbook, q: Questionnaire) -> Frame:
    """Read the questionnaire's population counts from the workbook's frame sheets."""
    wt = q.weighting
    if wt is None:
        raise WeightingError(f"questionnaire '{q.id}' has no weighting section", file=q.file,
                             hint="add weighting: {population: <frame column>} to the questionnaire")
    if wt.frame_sheet not in wb.sheet_names:
        raise WeightingError(f"no frame sheet '{wt.frame_sheet}'", file=wb.path,
                             got="sheets " + ", ".join(wb.sheet_names),
                             hint=f"add a sheet {wt.frame_sheet} with one row per district, or run without weights")
    table = wb.table(wt.frame_sheet).data
    district = q.item(q.district_item)
    names = {normalize(n) for n in (district.text, *district.aliases, district.id, "区", "区县", "地区")}
    dcol = next((c for c in table.columns if normalize(c) in names), None)
    if dcol is None or wt.population not in table.columns:
        missing = wt.population if dcol is not None else f"{district.text} (the district column)"
        raise WeightingError(f"frame sheet has no column {missing}", file=wb.path, sheet=wt.frame_sheet,
                             got="columns " + ", ".join(map(str, table.columns)),
                             hint=f"name the columns as in {q.file}: weighting.population")
    options = q.options(q.district_item)
    pop = {}
    for row, name, value in zip(table.index, table[dcol], table[wt.population]):
        if name is None or str(name).strip() == "" or str(name).strip() in {"合计", "全市合计", "总计"}:
            continue
        label = _option(str(name), options)
        if label is None:
            raise WeightingError(f"unknown district '{name}' in the frame", file=wb.path, sheet=wt.frame_sheet,
                                 row=int(row), column=str(dcol), expected="one of " + ", ".join(options))
        if label in pop:
            raise WeightingError(f"district '{label}' is listed twice in the frame", file=wb.path,
                                 sheet=wt.frame_sheet, row=int(row), column=str(dcol))
        pop[label] = _number(value, file=wb.path, sheet=wt.frame_sheet, row=int(row), column=wt.population)
    margins = {}
    if wt.margins:
        margins = _read_margins(wb, q)
    return Frame(wb.path, wt.frame_sheet, pd.Series(pop, dtype=float), margins,
                 wt.margins_sheet if wt.margins else None)


def _option(value: str, options) -> str | None:
    v = normalize(value)
    return next((o for o in options if normalize(o) == v), None)


def _read_margins(wb: Workbook, q: Questionnaire) -> dict[str, pd.Series]:
    wt = q.weighting
    sheet = wt.margins_sheet
    if sheet not in wb.sheet_names:
        raise WeightingError(f"no margins sheet '{sheet}'", file=wb.path, got="sheets " + ", ".join(wb.sheet_names),
                             hint=f"add a sheet {sheet} with columns {' / '.join(MARGIN_COLUMNS)}")
    table = wb.table(sheet).data
    missing = [c for c in MARGIN_COLUMNS if c not in table.columns]
    if missing:
        raise WeightingError(f"margins sheet lacks column {missing[0]}", file=wb.path, sheet=sheet,
                             got="columns " + ", ".join(map(str, table.columns)), expected=" / ".join(MARGIN_COLUMNS))
    by_name = {}
    for item_id in wt.margins:
        it = q.item(item_id)
        for n in (it.text, *it.aliases, it.id):
            by_name[normalize(n)] = item_id
    out: dict[str, dict] = {item_id: {} for item_id in wt.margins}
    for row, var, cat, count in zip(table.index, table["变量"], table["类别"], table["人数"]):
        item_id = by_name.get(normalize(str(var)))
        if item_id is None:
            continue  # a margin this questionnaire is not raked to
        label = _option(str(cat), q.options(item_id))
        if label is None:
            raise WeightingError(f"unknown category '{cat}' of {var}", file=wb.path, sheet=sheet, row=int(row),
                                 column="类别", expected="one of " + ", ".join(q.options(item_id)))
        out[item_id][label] = _number(count, file=wb.path, sheet=sheet, row=int(row), column="人数")
    for item_id, counts in out.items():
        if not counts:
            raise WeightingError(f"margins sheet has no rows for {q.item(item_id).text}", file=wb.path, sheet=sheet,
                                 hint=f"add rows with 变量 = {q.item(item_id).text}")
    return {k: pd.Series(v, dtype=float) for k, v in out.items()}


def _labels(responses: Responses, item_id: str) -> pd.Series:
    """An item's codes as option labels (NaN stays NaN)."""
    opts = np.array(("",) + tuple(responses.questionnaire.options(item_id)), dtype=object)
    codes = responses.data[item_id].to_numpy(dtype=float)
    lab = opts[np.where(np.isnan(codes), 0, codes).astype(int)]
    return pd.Series(np.where(np.isnan(codes), None, lab), index=responses.data.index, dtype=object)


def weight_responses(responses: Responses, frame: Frame) -> tuple[Responses, Weighted, Design]:
    """Weight the (valid) responses to the frame as the questionnaire's weighting section says.

    Returns the responses with two added columns — ``weight`` and ``fpc`` (the
    district's population) — the :class:`Weighted` result with its diagnostics, and the
    design for :func:`survey.estimate.estimate`.
    """
    q = responses.questionnaire
    wt = q.weighting
    district = q.district_item
    data = pd.DataFrame({district: _labels(responses, district)})
    for item_id in frame.margins:
        data[item_id] = _labels(responses, item_id)
    missing = data.isna().any(axis=1)
    if missing.any():
        row = data.index[int(np.flatnonzero(missing.to_numpy())[0])]
        col = data.columns[data.loc[row].isna().to_numpy()][0]
        raise WeightingError(f"a valid response has no answer to '{q.item(col).text}', needed for weighting",
                             file=responses.file, sheet=responses.sheet, row=int(row),
                             hint="make the item required in the questionnaire, or fill the answer in")
    where = dict(file=frame.file, sheet=frame.sheet)
    try:
        if wt.method == "poststratify":
            res = poststratify(data, district, frame.population)
        else:
            margins = {district: frame.population, **frame.margins}
            method = rake if wt.method == "rake" else calibrate
            kwargs = {"bounds": wt.bounds} if wt.method == "calibrate" and wt.bounds else {}
            res = method(data, margins, **kwargs)
        if wt.trim_upper:
            res = trim(res.weights, upper=wt.trim_upper)
    except WeightingError as exc:
        exc.file, exc.sheet = exc.file or where["file"], exc.sheet or where["sheet"]
        raise
    out = responses.data.assign(weight=res.weights.to_numpy())
    # The variance knows what the weights were calibrated to (GREG residuals, as R does
    # after postStratify/rake/calibrate); the raking started from equal base weights.
    calibration = (district, *frame.margins)
    design = Design(weights="weight", strata=district, calibration=calibration)
    if wt.fpc:
        out = out.assign(fpc=data[district].map(frame.population).to_numpy(dtype=float))
        design = Design(weights="weight", strata=district, fpc="fpc", calibration=calibration)
    from dataclasses import replace

    return replace(responses, data=out), res, design
