"""The population frame of an evaluation workbook, and weighting a questionnaire to it.

A questionnaire's ``weighting`` section names the frame sheet (one row per
district, e.g. 抽样框 with 区 / 工作人员数 / 在册社区矫正对象数), the column with its
population, and optionally a margins sheet (对象构成: 变量 / 类别 / 人数) for raking.
:func:`population_table` turns a frame table into population counts by district
(the one reader of such tables: :func:`read_frame`, ``survey sample-size --frame``
and the validity checks use it); :func:`read_frame` reads and checks those cells
against the questionnaire's options;
:func:`weight_responses` weights the valid responses with :mod:`survey.stats.weights` and
returns the data with ``weight`` and ``fpc`` columns plus the :class:`Design` that
estimates should use (strata = district, fpc = the district's population).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survey.definitions.cells import number_value, population_table
from survey.definitions.questionnaire import Questionnaire, Weighting
from survey.errors import WeightingError
from survey.inputs.read import RawTable, Workbook, read_table
from survey.inputs.tidy import normalize

MARGIN_COLUMNS = ("变量", "类别", "人数")
# headers a frame's unit column may have besides the breakdown item's text (survey template writes area_unit)
UNIT_WORDS = ("区", "区县", "地区", "县", "乡镇", "乡", "镇", "街道", "社区", "村", "单位")
# No unit of an evaluation counts more people than this (China has 1.4e9): a larger count is a
# typing or unit error, and would make every standard error vanish. SURVEY_MAX_POPULATION raises it.
MAX_POPULATION = 100_000_000


def max_population() -> float:
    """The population ceiling: :data:`MAX_POPULATION`, or ``SURVEY_MAX_POPULATION`` when set."""
    import os

    raw = os.environ.get("SURVEY_MAX_POPULATION")
    try:
        return float(raw) if raw else MAX_POPULATION
    except ValueError:
        raise WeightingError("SURVEY_MAX_POPULATION is not a number", got=raw, hint="set a number or unset it") from None


def check_ceiling(value: float, *, file, sheet, row, column, ceiling: float | None = None) -> None:
    """Refuse a population count beyond the ceiling, naming its cell."""
    ceiling = max_population() if ceiling is None else ceiling
    if value > ceiling:
        raise WeightingError(f"population count {value:.6g} is beyond the ceiling of {ceiling:,.0f}", file=file,
                             sheet=sheet, row=row, column=column,
                             hint="correct the count (a unit or typing error?), or raise SURVEY_MAX_POPULATION "
                                  "if it is right")


@dataclass(frozen=True)
class Frame:
    """Population counts for one questionnaire: per district, and per option of margin items."""

    file: str | Path
    sheet: str | None
    population: pd.Series                     # district option → N
    margins: dict[str, pd.Series] = field(default_factory=dict)  # item id → option → N
    margins_sheet: str | None = None


def _number(value, *, file, sheet, row, column) -> float:
    """A count cell that must be a non-negative number (see :func:`survey.definitions.cells.number_value`)."""
    x = number_value(value)
    if np.isnan(x) or x < 0:
        raise WeightingError("population count is not a non-negative number", file=file, sheet=sheet, row=row,
                             column=column, got=value, hint="type the count as a number")
    check_ceiling(x, file=file, sheet=sheet, row=row, column=column)
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
                             hint=f"add a sheet {wt.frame_sheet} with one row per {q.unit_word} (weighting.frame_sheet in "
                                  f"{q.file or 'the questionnaire'} names it), or run with --no-weights")
    margins = None
    if wt.margins:
        if wt.margins_sheet not in wb.sheet_names:
            raise WeightingError(f"no margins sheet '{wt.margins_sheet}'", file=wb.path,
                                 got="sheets " + ", ".join(wb.sheet_names),
                                 hint=f"add a sheet {wt.margins_sheet} with columns {' / '.join(MARGIN_COLUMNS)}")
        margins = wb.table(wt.margins_sheet)
    return frame_from_tables(q, wb.table(wt.frame_sheet), margins)


def frame_from_tables(q: Questionnaire, frame: RawTable, margins: RawTable | None = None) -> Frame:
    """The questionnaire's population counts from a frame table and, if it rakes, a margins table.

    The frame is a sheet or a file with one row per unit of the breakdown; the margins
    table has the columns 变量 / 类别 / 人数.
    """
    wt = q.weighting
    if wt is None:
        raise WeightingError(f"questionnaire '{q.id}' has no weighting section", file=q.file,
                             hint="add weighting: {population: <frame column>} to the questionnaire")
    if q.district_item is None:  # a questionnaire's validation asks for it with a weighting section
        raise WeightingError(f"questionnaire '{q.id}' has no district_item", file=q.file,
                             hint="name the breakdown item (district_item: …) to weight to the frame")
    file, sheet = frame.file, frame.sheet
    table = frame.data
    district = q.item(q.district_item)
    names = {normalize(n) for n in (district.text, *district.aliases, district.id, *UNIT_WORDS)}
    dcol = next((c for c in table.columns if normalize(c) in names), None)
    if dcol is None or wt.population not in table.columns:
        if dcol is None:
            missing = f"{district.text} (the breakdown column)"
            hint = (f"name the frame's column {district.text}, or add its header to the aliases of item "
                    f"'{district.id}' in {q.file}")
        else:
            missing = wt.population
            hint = f"name the population column {wt.population}, or change weighting.population in {q.file}"
        raise WeightingError(f"frame has no column {missing}", file=file, sheet=sheet,
                             got="columns " + ", ".join(map(str, table.columns)), hint=hint)
    options = q.options(q.district_item)
    counts = population_table(table, dcol, wt.population, file=file, sheet=sheet, error=WeightingError)
    if counts.empty:  # headers only (or total rows only): said so, not "respondents in 玄武区 … (expected one of )"
        raise WeightingError("the frame has no unit rows, only its headers", file=file, sheet=sheet,
                             hint=f"add one row per unit ({dcol}) with its count ({wt.population})")
    pop: dict[str, float] = {}
    rows: dict[str, int | None] = {}
    for name, value in counts.items():
        row = counts.attrs["rows"][name]
        label = _option(str(name), options)
        if label is None:
            raise WeightingError(f"unknown unit '{name}' in the frame", file=file, sheet=sheet,
                                 row=row, column=str(dcol), expected="one of " + ", ".join(options),
                                 hint=f"{did_you_mean(str(name), options)}correct the name, or add it to the options "
                                      f"of item '{district.id}' in {q.file}")
        if label in pop:
            raise WeightingError(f"unit '{label}' is listed twice in the frame", file=file, sheet=sheet, row=row,
                                 column=str(dcol), got=f"also in row {rows[label]}",
                                 hint="keep one row per unit (add the two counts together if both are right)")
        check_ceiling(value, file=file, sheet=sheet, row=row, column=str(wt.population))
        pop[label], rows[label] = value, row
    found = {}
    if wt.margins:
        if margins is None:
            raise WeightingError(f"questionnaire '{q.id}' rakes to margins, but there is no margins table", file=q.file,
                                 hint="name the margins table (inputs.margins in evaluation.yaml, or a sheet "
                                      f"{wt.margins_sheet}), or remove weighting.margins")
        found = _read_margins(margins, q, wt)
    population = pd.Series(pop, dtype=float, name=str(wt.population))
    for item_id, counts in found.items():
        _check_margin_total(counts, q.item(item_id).text, population, frame.file if margins is None else margins.file)
    population.attrs = {**counts.attrs, "rows": rows}
    return Frame(frame.file, frame.sheet, population, found, margins.sheet if margins is not None else None)


@dataclass(frozen=True)
class FrameGaps:
    """Units of a questionnaire's breakdown its frame does not list (a typo, a renamed or merged unit)."""

    answered: dict[str, tuple[int, int]]   # unit → (respondents, Excel row of the first): weighting needs it
    listed: tuple[str, ...]                # options of the breakdown item no respondent chose

    def __bool__(self) -> bool:
        return bool(self.answered or self.listed)


def frame_gaps(q: Questionnaire, frame: Frame, units: pd.Series) -> FrameGaps:
    """The breakdown's units that ``frame`` does not list: those ``units`` (each respondent's, by row) hold, and the rest.

    An option the questionnaire's screening excludes (其他地区: out of scope) is no unit of the frame.

    >>> from types import SimpleNamespace as NS
    >>> q = NS(district_item="town", options=lambda _: ("城关镇", "东岭乡", "河口镇", "其他"),
    ...        screening=[NS(item="town", exclude=("其他",))])
    >>> f = Frame("frame.csv", None, pd.Series({"城关镇": 5200.0}))
    >>> frame_gaps(q, f, pd.Series(["城关镇", "东岭乡", "东岭乡"], index=[2, 3, 4]))
    FrameGaps(answered={'东岭乡': (2, 3)}, listed=('河口镇',))
    """
    if q.district_item is None:  # frame_from_tables asks for one: no frame without it
        return FrameGaps({}, ())
    known = set(frame.population.index)
    missing = units[units.notna() & ~units.isin(known)]
    answered = {str(u): (len(rows), int(rows.index[0])) for u, rows in missing.groupby(missing, sort=False)}
    screened = {o for s in q.screening if s.item == q.district_item for o in s.exclude}  # 其他地区: out of scope
    listed = tuple(o for o in q.options(q.district_item) if o not in known and o not in answered and o not in screened)
    return FrameGaps(answered, listed)


def _frame_where(frame: Frame) -> str:
    return f"{frame.file}" + (f" (sheet {frame.sheet})" if frame.sheet else "")


def missing_unit_error(q: Questionnaire, frame: Frame, unit: str, n: int, row: int, file=None) -> WeightingError:
    """The frame lacks a unit respondents answered: weighting needs its population (R's postStratify stops too)."""
    word = q.unit_word
    return WeightingError(f"the frame lists no {word} '{unit}', which {n} valid respondent{'s' if n != 1 else ''} "
                          f"answered (first at row {row}{f' of {file}' if file else ''}); weighting needs its population",
                          file=frame.file, sheet=frame.sheet, expected="one of " + ", ".join(map(str, frame.population.index)),
                          hint=f"add a row '{unit}' with its {frame.population.name} to the frame (a typo, or a "
                               f"renamed or merged {word}?), or correct those answers; --no-weights analyses unweighted")


def frame_gap_warnings(q: Questionnaire, frame: Frame, gaps: FrameGaps) -> list[str]:
    """What a report and the console say of the units the frame misses when the run is not weighted by them.

    One sentence per kind, in Chinese (they go to the report's 数据核对提示 as well).
    """
    word, where = q.unit_word, _frame_where(frame)
    item = q.item(q.district_item).text if q.district_item else word
    fix = (f"如为笔误或{word}更名、合并，请在抽样框中补充或改正该行（{frame.population.name}），或改正问卷"
           f"{q.file or q.id}中“{item}”的选项")
    out = []
    if gaps.answered:
        units = "、".join(f"“{u}”（{n}份有效问卷）" for u, (n, _) in gaps.answered.items())
        out.append(f"{q.title}：抽样框{where}未列出{word}{units}，未按抽样框检验样本代表性（结果未加权）。{fix}")
    if gaps.listed:
        units = "、".join(f"“{u}”" for u in gaps.listed)
        out.append(f"{q.title}：抽样框{where}未列出问卷中的{word}{units}（无受访者），抽样框总数与样本代表性检验"
                   f"均不含该{word}。{fix}")
    return out


def _option(value: str, options) -> str | None:
    v = normalize(value)
    return next((o for o in options if normalize(o) == v), None)


def did_you_mean(value: str, options) -> str:
    """``did you mean '东湖街道'? `` for a name close to one option; empty when none is.

    Close: the option extends or shortens it (a unit suffix left out or added: 东湖 / 东湖街道),
    or nearly spells it.

    >>> did_you_mean("东湖", ["东湖街道", "西城街道"])
    "did you mean '东湖街道'? "
    >>> did_you_mean("北京", ["东湖街道"])
    ''
    """
    v = normalize(value)
    close = [o for o in options if v and (normalize(o).startswith(v) or v.startswith(normalize(o)))]
    if len(close) != 1:
        close = difflib.get_close_matches(v, [normalize(o) for o in options], n=1, cutoff=0.6)
        close = [next(o for o in options if normalize(o) == close[0])] if close else []
    return f"did you mean '{close[0]}'? " if close else ""


def _check_margin_total(counts: pd.Series, label: str, population: pd.Series, file) -> None:
    """A margin (对象构成) must count the same people as the frame (抽样框): raking needs equal totals."""
    total, frame_total = float(counts.sum()), float(population.sum())
    if abs(total - frame_total) <= 1e-6 * max(abs(frame_total), 1.0):
        return
    rows = sorted(counts.attrs.get("rows", {}).values())
    where = f"rows {rows[0]}–{rows[-1]}" if len(rows) > 1 else f"row {rows[0]}" if rows else "its rows"
    raise WeightingError(f"the {label} counts ({where}) add up to {total:g}, the frame's {population.name} "
                         f"to {frame_total:g} (difference {total - frame_total:+g})", file=file,
                         sheet=counts.attrs.get("sheet"), row=rows[0] if rows else None, column=counts.attrs.get("column"),
                         hint="every margin must count the same people as the frame: correct the counts "
                              "(or the frame) so that both add up to the same total")


def _read_margins(raw: RawTable, q: Questionnaire, wt: Weighting) -> dict[str, pd.Series]:
    sheet, file = raw.sheet, raw.file
    table = raw.data
    missing = [c for c in MARGIN_COLUMNS if c not in table.columns]
    if missing:
        raise WeightingError(f"margins table lacks column {missing[0]}", file=file, sheet=sheet,
                             got="columns " + ", ".join(map(str, table.columns)), expected=" / ".join(MARGIN_COLUMNS))
    by_name = {}
    for item_id in wt.margins:
        it = q.item(item_id)
        for n in (it.text, *it.aliases, it.id):
            by_name[normalize(n)] = item_id
    out: dict[str, dict] = {item_id: {} for item_id in wt.margins}
    rows: dict[str, dict] = {item_id: {} for item_id in wt.margins}
    for row, var, cat, count in zip(table.index, table["变量"], table["类别"], table["人数"]):
        margin = by_name.get(normalize(str(var)))
        if margin is None:
            continue  # a margin this questionnaire is not raked to
        label = _option(str(cat), q.options(margin))
        if label is None:
            raise WeightingError(f"unknown category '{cat}' of {var}", file=file, sheet=sheet, row=int(row),
                                 column="类别", expected="one of " + ", ".join(q.options(margin)),
                                 hint=f"{did_you_mean(str(cat), q.options(margin))}write the category as the "
                                      f"questionnaire's option, or add it to the options of item '{margin}' in {q.file}")
        out[margin][label] = _number(count, file=file, sheet=sheet, row=int(row), column="人数")
        rows[margin][label] = int(row)
    for item_id, counts in out.items():
        if not counts:
            raise WeightingError(f"margins sheet has no rows for {q.item(item_id).text}", file=file, sheet=sheet,
                                 hint=f"add rows with 变量 = {q.item(item_id).text}")
    result = {k: pd.Series(v, dtype=float) for k, v in out.items()}
    for k, series in result.items():
        series.attrs = {"file": file, "sheet": sheet, "column": "人数", "rows": rows[k]}
    return result


def read_frame_file(path, *, sheet: str | None = None):
    """A frame sheet from a file (csv, or an xlsx sheet — 抽样框 when present) as a RawTable.

    The :class:`survey.inputs.read.RawTable` holds the cells indexed by Excel row,
    with its file and sheet, for :func:`survey.stats.sampling.frame_population` and
    :func:`~survey.stats.sampling.allocate`.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_table(path)
    wb = Workbook(path)
    return wb.table(sheet or ("抽样框" if "抽样框" in wb.sheet_names else wb.sheet_names[0]))
