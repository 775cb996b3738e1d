"""The population frame of an evaluation workbook, and weighting a questionnaire to it.

A questionnaire's ``weighting`` section names the frame sheet (one row per
district, e.g. 抽样框 with 区 / 工作人员数 / 在册社区矫正对象数), the column with its
population, and optionally a margins sheet (对象构成: 变量 / 类别 / 人数) for raking.
:func:`population_table` turns a frame table into population counts by district
(the one reader of such tables: :func:`read_frame`, ``survey sample-size --frame``
and the validity checks use it); :func:`read_frame` reads and checks those cells
against the questionnaire's options;
:func:`weight_responses` weights the valid responses with :mod:`survey.weights` and
returns the data with ``weight`` and ``fpc`` columns plus the :class:`Design` that
estimates should use (strata = district, fpc = the district's population).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .design import Design
from .errors import DataError, SurveyError, WeightingError
from .questionnaire import Questionnaire
from .read import Workbook, excel_row
from .tidy import Responses, normalize
from .weights import Weighted, calibrate, poststratify, rake, trim

MARGIN_COLUMNS = ("变量", "类别", "人数")
TOTAL_ROWS = frozenset({"合计", "全市合计", "总计"})  # district labels of a total row, never a district


@dataclass(frozen=True)
class Frame:
    """Population counts for one questionnaire: per district, and per option of margin items."""

    file: str
    sheet: str
    population: pd.Series                     # district option → N
    margins: dict[str, pd.Series] = field(default_factory=dict)  # item id → option → N
    margins_sheet: str | None = None


def _number(value, *, file, sheet, row, column) -> float:
    """A count cell that must be a non-negative number (see :func:`_count_value`)."""
    x = _count_value(value)
    if np.isnan(x) or x < 0:
        raise WeightingError("population count is not a non-negative number", file=file, sheet=sheet, row=row,
                             column=column, got=value, hint="type the count as a number")
    return x


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""


def _count_value(value) -> float:
    """A count cell as a number (thousands separators allowed), NaN when it is not one."""
    if _blank(value):
        return np.nan
    try:
        x = float(str(value).replace(",", "").replace("，", "").strip())
    except ValueError:
        return np.nan
    return x if np.isfinite(x) else np.nan


def population_table(
    table: pd.DataFrame,
    district_col: str | None = None,
    count_col: str | None = None,
    *,
    file: str | None = None,
    sheet: str | None = None,
    whole: bool = False,
    error: type[SurveyError] = DataError,
) -> pd.Series:
    """Population counts by district from a frame table as typed in a spreadsheet.

    ``table`` holds a sheet's cells (``RawTable.data``, indexed by the Excel row) or
    any DataFrame (its rows are then numbered as if the header were Excel row 1).
    Rows whose district is blank or a total (合计, 全市合计, 总计) are skipped, so a
    total row never becomes a district; counts may carry thousands separators
    (``1,234``). ``district_col`` defaults to the first column, ``count_col`` to the
    only other column whose filled cells are all numbers. With ``whole`` a count must be a
    whole number.

    Returns a float Series indexed by district name (``name`` = the count column);
    ``attrs`` keeps ``file``, ``sheet``, ``column`` and ``rows`` (district → Excel
    row) so later checks can point at the frame cell. Problems raise ``error``
    naming the file, sheet, Excel row and column: a missing column, a blank,
    non-numeric or negative count, a district listed twice.

    >>> population_table(pd.DataFrame({"区": ["玄武区", "秦淮区", "合计"], "人数": ["1,520", 236, 1756]}))
    ... # doctest: +NORMALIZE_WHITESPACE
    区
    玄武区    1520.0
    秦淮区     236.0
    Name: 人数, dtype: float64
    """
    where = {"file": None if file is None else str(file), "sheet": sheet}
    cols = list(table.columns)
    if not cols:
        raise error("the frame has no columns", **where, hint="add a district column and a count column")
    if district_col is None:
        district_col = cols[0]
    if district_col not in cols:
        raise error(f"the frame has no column '{district_col}'", **where,
                    got="columns " + ", ".join(map(str, cols)), hint="name the district column as in the frame")
    names = [None if _blank(v) else str(v).strip() for v in table[district_col]]
    keep = [i for i, n in enumerate(names) if n is not None and n not in TOTAL_ROWS]
    if count_col is None:
        def numeric_column(c):  # every filled cell a number (a blank one is reported below, with its row)
            cells = [table[c].iloc[i] for i in keep if not _blank(table[c].iloc[i])]
            return bool(cells) and all(np.isfinite(_count_value(v)) for v in cells)

        numeric = [c for c in cols if c != district_col and numeric_column(c)]
        if len(numeric) != 1:
            raise error("which frame column holds the population counts?", **where,
                        got="numeric columns " + (", ".join(map(str, numeric)) or "(none)"),
                        hint="name it (count_col; on the command line --population-column)")
        count_col = numeric[0]
    if count_col not in cols:
        raise error(f"the frame has no column '{count_col}'", **where,
                    got="columns " + ", ".join(map(str, cols)), hint="name the count column as in the frame")
    counts, rows = {}, {}
    for i in keep:
        raw = table[count_col].iloc[i]
        x = _count_value(raw)
        row = excel_row(table, i)
        if np.isnan(x) or x < 0 or (whole and x != round(x)):
            raise error("population count is not a " + ("whole number ≥ 0" if whole else "non-negative number"),
                        **where, row=row, column=str(count_col), got="(blank)" if _blank(raw) else raw,
                        hint="type the count as a number")
        name = names[i]
        if name in counts:
            raise error(f"district '{name}' is listed twice in the frame", **where, row=row,
                        column=str(district_col), got=f"also in row {rows[name]}")
        counts[name], rows[name] = x, row
    out = pd.Series(counts, dtype=float, name=str(count_col))
    out.index.name = str(district_col)
    out.attrs = {"file": where["file"], "sheet": sheet, "column": str(count_col), "rows": rows}
    return out


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
    counts = population_table(table, dcol, wt.population, file=wb.path, sheet=wt.frame_sheet, error=WeightingError)
    pop, rows = {}, {}
    for name, value in counts.items():
        row = counts.attrs["rows"][name]
        label = _option(str(name), options)
        if label is None:
            raise WeightingError(f"unknown district '{name}' in the frame", file=wb.path, sheet=wt.frame_sheet,
                                 row=row, column=str(dcol), expected="one of " + ", ".join(options))
        if label in pop:
            raise WeightingError(f"district '{label}' is listed twice in the frame", file=wb.path,
                                 sheet=wt.frame_sheet, row=row, column=str(dcol))
        pop[label], rows[label] = value, row
    margins = {}
    if wt.margins:
        margins = _read_margins(wb, q)
    population = pd.Series(pop, dtype=float, name=str(wt.population))
    population.attrs = {**counts.attrs, "rows": rows}
    return Frame(wb.path, wt.frame_sheet, population, margins, wt.margins_sheet if wt.margins else None)


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
    rows: dict[str, dict] = {item_id: {} for item_id in wt.margins}
    for row, var, cat, count in zip(table.index, table["变量"], table["类别"], table["人数"]):
        item_id = by_name.get(normalize(str(var)))
        if item_id is None:
            continue  # a margin this questionnaire is not raked to
        label = _option(str(cat), q.options(item_id))
        if label is None:
            raise WeightingError(f"unknown category '{cat}' of {var}", file=wb.path, sheet=sheet, row=int(row),
                                 column="类别", expected="one of " + ", ".join(q.options(item_id)))
        out[item_id][label] = _number(count, file=wb.path, sheet=sheet, row=int(row), column="人数")
        rows[item_id][label] = int(row)
    for item_id, counts in out.items():
        if not counts:
            raise WeightingError(f"margins sheet has no rows for {q.item(item_id).text}", file=wb.path, sheet=sheet,
                                 hint=f"add rows with 变量 = {q.item(item_id).text}")
    result = {k: pd.Series(v, dtype=float) for k, v in out.items()}
    for k, series in result.items():
        series.attrs = {"file": str(wb.path), "sheet": sheet, "column": "人数", "rows": rows[k]}
    return result


def _labels(responses: Responses, item_id: str) -> pd.Series:
    """An item's codes as option labels (NaN stays NaN)."""
    opts = np.array(("",) + tuple(responses.questionnaire.options(item_id)), dtype=object)
    codes = responses.data[item_id].to_numpy(dtype=float)
    lab = opts[np.where(np.isnan(codes), 0, codes).astype(int)]
    return pd.Series(np.where(np.isnan(codes), None, lab), index=responses.data.index, dtype=object)


def _check_zero_population(data: pd.DataFrame, district: str, frame: Frame) -> None:
    """A frame cell of 0 people where respondents answered: the frame or the answers are wrong."""
    margins = [(district, frame.population, frame.sheet)]
    margins += [(item_id, counts, frame.margins_sheet) for item_id, counts in frame.margins.items()]
    for col, counts, sheet in margins:
        n = data[col].value_counts()
        zero = [c for c in counts.index if counts[c] == 0 and n.get(c, 0) > 0]
        if zero:
            c = zero[0]
            raise WeightingError(f"'{c}' has population 0 in the frame but {int(n[c])} respondents",
                                 file=frame.file, sheet=sheet, row=counts.attrs.get("rows", {}).get(c),
                                 got=f"N_h = 0, n_h = {int(n[c])}",
                                 hint="correct the frame count, or the respondents' answers")


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
    _check_zero_population(data, district, frame)
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
