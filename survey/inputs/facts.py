"""The year's facts and judgements: the workbook sheets 指标数据 and 资金分配.

``指标数据`` holds one row per fact or evaluator judgement of an annex indicator:

====  =====================================================================
指标   the 三级指标 as named in the framework (社区矫正对象满意度, 再犯罪率 …)
项目   what the number is: a fact the rule names (重新犯罪人数, 计划到位), a
       checklist sub-item (项目目标量化), an event kind (未追回), a level
       (达成 / 部分达成 / 未达成) or a deduction label (扣分)
数值   the number: a count, an amount, a sub-item's mark, a score, points off
说明   optional; the evaluator's words, quoted in 评分过程 (a deduction's reason)
来源   optional; where the number comes from (not printed in the annex)
====  =====================================================================

``资金分配`` holds the fund allocation: 各区, 分配金额（万元）, one row per
district and a 全市合计 row. The districts are checked against the total to the
last printed digit, 0.01万元 (100元): a difference of 0.005万元 or less is taken as
rounding. A mismatch is a *finding* carried into the report, never an exception,
because published tables do carry such slips (the 2021 report's districts add up
to 317.03 while its total row says 317.00).

Numbers (数值, 分配金额) must be finite: "nan" or "inf" typed in a cell is an error
(:func:`parse_number`, shared with the audit of a filled-in annex).

Entry point: :func:`read_facts`. Errors name file, sheet, Excel row and column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from survey.definitions.cells import is_total_label
from survey.errors import DataError, ScoringError

FACT_SHEET = "指标数据"
FACT_COLUMNS = ("指标", "项目", "数值")
NOTE_COLUMN, SOURCE_COLUMN = "说明", "来源"
ALLOCATION_SHEET = "资金分配"
OUTLIER_FACTOR = 20      # a district allocated more than 20 × the median district is a finding
VALUE_CEILING = 1e12     # no count, amount (万元) or rate of an evaluation comes near this: a typing error
DISTRICT_COLUMN, AMOUNT_COLUMN = "各区", "分配金额（万元）"
# the unit column of an allocation: 各区 (the reference layout), or 各县 / 各乡镇 / 各街道 …, or one of these
UNIT_HEADERS = ("单位", "地区", "区县", "县区", "乡镇", "街道", "县", "区")
TOLERANCE = 0.005  # 万元: half of the last printed digit (0.01万元 = 100元)


@dataclass(frozen=True)
class Fact:
    """One row of the 指标数据 sheet: indicator, item, value, note, source and its Excel row."""

    indicator: str
    item: str
    value: float | None
    note: str | None = None
    source: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class Finding:
    """One problem found in a table: where, a reason code and a message in Chinese."""

    sheet: str | None
    row: int | None
    column: str | None
    finding: str
    message: str


@dataclass(frozen=True)
class IndicatorFacts:
    """The facts of one indicator, in sheet order (what a rule reads)."""

    indicator: str
    facts: tuple[Fact, ...]
    file: str | None = None
    sheet: str | None = None

    def rows(self) -> list[Fact]:
        return list(self.facts)

    def notes(self) -> list[str]:
        return [f.note for f in self.facts if f.note]

    def _find(self, item: str) -> Fact | None:
        return next((f for f in self.facts if f.item == item), None)

    def value(self, item: str) -> float:
        f = self._find(item)
        if f is None:
            raise self.error(f"no value for '{item}'", None,
                             hint=f"add a row to sheet {FACT_SHEET}: 指标 '{self.indicator}', 项目 '{item}', 数值")
        if f.value is None:
            raise self.error(f"'{item}' has no number", item, hint="type the number in 数值")
        return f.value

    def error(self, message: str, item: str | None = None, **kw) -> ScoringError:
        f = self._find(item) if item is not None else None
        kw.setdefault("column", "数值" if f is not None else None)
        row = f.row if f is not None else None
        return ScoringError(f"{self.indicator}: {message}", file=self.file, sheet=self.sheet, row=row, **kw)


@dataclass(frozen=True)
class Allocation:
    """The fund allocation table: districts, amounts (万元) and the stated total."""

    districts: tuple[tuple[str, float, int | None], ...]
    total: float | None = None
    total_row: int | None = None
    file: str | None = None
    sheet: str | None = ALLOCATION_SHEET
    unit_header: str = DISTRICT_COLUMN  # the table's own header of the unit column (各区, 各乡镇 …)
    total_label: str = "全市合计"          # the label of its total row, as typed (全县合计, 合计 …)

    @property
    def sum(self) -> float:
        return round(sum(a for _, a, _ in self.districts), 2)

    @property
    def difference(self) -> float | None:
        return None if self.total is None else round(self.sum - self.total, 2)

    def findings(self) -> list[Finding]:
        return self.outliers() + self.sum_findings()

    def outliers(self) -> list[Finding]:
        """Districts allocated over :data:`OUTLIER_FACTOR` times the median district (a slipped decimal point?)."""
        amounts = sorted(a for _, a, _ in self.districts)
        if len(amounts) < 3:
            return []
        mid = len(amounts) // 2
        median = amounts[mid] if len(amounts) % 2 else (amounts[mid - 1] + amounts[mid]) / 2
        if median <= 0:
            return []
        return [Finding(self.sheet, row, AMOUNT_COLUMN, "allocation_outlier",
                        f"资金分配：{name}分配金额{a:.2f}万元，是{self.unit_header}中位数{median:.2f}万元的{a / median:.0f}倍，"
                        "请核对单位和小数点")
                for name, a, row in self.districts if a > OUTLIER_FACTOR * median]

    def sum_findings(self) -> list[Finding]:
        if self.total is None:
            return [Finding(self.sheet, None, self.unit_header, "allocation_no_total",
                            f"资金分配：没有合计行，{self.unit_header}合计{self.sum:.2f}万元无法核对")]
        if abs(self.sum - self.total) > TOLERANCE:
            return [Finding(self.sheet, self.total_row, AMOUNT_COLUMN, "allocation_sum",
                            f"资金分配：{self.unit_header}分配金额合计{self.sum:.2f}万元，与{self.total_label}{self.total:.2f}万元不符"
                            f"（差{self.sum - self.total:+.2f}万元）")]
        return []


@dataclass(frozen=True)
class Facts:
    """The year's facts: the 指标数据 rows, the 资金分配 table, where they were read and what was found."""

    facts: tuple[Fact, ...] = ()
    allocation: Allocation | None = None
    file: str | None = None
    sheet: str | None = FACT_SHEET
    findings: tuple[Finding, ...] = field(default=())

    @classmethod
    def empty(cls) -> Facts:
        return cls()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Mapping[str, object]], allocation: Allocation | None = None) -> Facts:
        """``{indicator: {item: value or (value, note)}}`` — for tests and library use."""
        out = []
        for ind, items in data.items():
            for item, v in items.items():
                value, note = v if isinstance(v, tuple) else (v, None)
                out.append(Fact(ind, item, None if value is None else float(value), note))
        return cls(tuple(out), allocation, file=None, sheet=None,
                   findings=tuple(allocation.findings()) if allocation else ())

    def has(self, indicator: str) -> bool:
        return any(f.indicator == indicator for f in self.facts)

    def of(self, indicator: str) -> IndicatorFacts:
        return IndicatorFacts(indicator, tuple(f for f in self.facts if f.indicator == indicator),
                              self.file, self.sheet)


# -- reading ------------------------------------------------------------------------

def parse_number(v, *, file=None, sheet=None, row=None, column=None, what: str = "a number") -> float | None:
    """A cell as a finite number, or None for an empty cell.

    Numbers are taken as they are, text such as "1,234.5" or " 10.10 " is parsed.
    Anything else (text, a boolean, nan, inf) is a :class:`~survey.errors.DataError`
    with the cell's location.
    """
    where = dict(file=file, sheet=sheet, row=row, column=column)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise DataError(f"{what} expected", got=v, **where)
    if isinstance(v, (int, float)):
        x = float(v)
    else:
        text = str(v).strip().replace(",", "").replace("，", "")
        try:
            x = float(text)
        except ValueError:
            hint = f"write a plain number ({_as_decimal(text)}, not {text})" if text.endswith("%") else "type a plain number"
            raise DataError(f"not a number: {v!r}", expected=what, hint=hint, **where) from None
    if not math.isfinite(x):
        raise DataError(f"not a finite number: {v!r}", expected=what, hint="type the number itself", **where)
    if abs(x) > VALUE_CEILING:
        raise DataError(f"implausible number {x:.6g} (beyond ±{VALUE_CEILING:.0e})", expected=what,
                        hint="correct the number (a unit or typing error?)", **where)
    return x


def _as_decimal(percent: str) -> str:
    """'93%' → '0.93' for a hint (the example 0.001 when the text before % is no number).

    >>> _as_decimal("93%"), _as_decimal("0.1%"), _as_decimal("约9成%")
    ('0.93', '0.001', '0.001')
    """
    try:
        return f"{float(percent[:-1]) / 100:.10g}"
    except ValueError:
        return "0.001"


def _records(table):
    """(Excel row, {column: value}) pairs; empty cells stay None (iterrows would make them NaN)."""
    return zip(table.data.index, table.data.to_dict("records"))


def _need(table, columns, what):
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{what}: missing {'column' if len(missing) == 1 else 'columns'} {', '.join(missing)}",
                        file=table.file, sheet=table.sheet,
                        row=table.header_row, got="columns " + ", ".join(table.columns),
                        hint="use the header " + " | ".join(columns))


def facts_from_table(table) -> tuple[Fact, ...]:
    """Validate a :class:`~survey.inputs.read.RawTable` of the 指标数据 layout."""
    _need(table, FACT_COLUMNS, f"sheet {table.sheet}")
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row, r in _records(table):
        where = dict(file=table.file, sheet=table.sheet, row=int(row))
        ind, item = r["指标"], r["项目"]
        for col, v in (("指标", ind), ("项目", item)):
            if v is None:
                raise DataError(f"empty {col}", column=col, hint="every row names its indicator and item", **where)
        ind, item = str(ind), str(item)
        if (ind, item) in seen:
            raise DataError(f"'{ind} / {item}' appears twice (rows {seen[(ind, item)]} and {row})", column="项目",
                            hint="keep one row per indicator and item", **where)
        seen[(ind, item)] = int(row)
        value = parse_number(r["数值"], column="数值", **where)
        if value is None:
            raise DataError(f"'{ind} / {item}' has no number", column="数值", hint="type the number in 数值", **where)
        note = r.get(NOTE_COLUMN) if NOTE_COLUMN in table.columns else None
        source = r.get(SOURCE_COLUMN) if SOURCE_COLUMN in table.columns else None
        out.append(Fact(ind, item, value, None if note is None else str(note),
                        None if source is None else str(source), int(row)))
    return tuple(out)


def allocation_unit_column(table) -> str:
    """The unit column of an allocation table: 各区 (the reference layout), 各县 / 各乡镇 / 各街道 …, or 单位 / 地区 …"""
    cols = [str(c).strip() for c in table.columns]
    for c in cols:
        if c == DISTRICT_COLUMN or (c.startswith("各") and 2 <= len(c) <= 5) or c in UNIT_HEADERS:
            return c
    raise DataError(f"sheet {table.sheet} has no unit column", file=table.file, sheet=table.sheet,
                    got="columns " + ", ".join(cols),
                    expected=f"{DISTRICT_COLUMN} (or 各县 / 各乡镇 / 各街道 / 单位) and {AMOUNT_COLUMN}",
                    hint="name the first column after the units it lists, e.g. 各乡镇")


def allocation_from_table(table) -> Allocation:
    """Validate a :class:`~survey.inputs.read.RawTable` of the 资金分配 layout.

    One row per unit (column 各区, 各乡镇, 各街道 …, see :func:`allocation_unit_column`)
    with its amount in 分配金额（万元）, then one total row (合计, 全市合计, 全县合计 …).
    """
    unit = allocation_unit_column(table)
    _need(table, (unit, AMOUNT_COLUMN), f"sheet {table.sheet}")
    districts, total, total_row, total_label = [], None, None, "合计"
    seen: dict[str, int] = {}
    for row, r in _records(table):
        where = dict(file=table.file, sheet=table.sheet, row=int(row))
        name, v = r[unit], r[AMOUNT_COLUMN]
        if name is None:
            raise DataError("amount without a unit", column=unit, hint=f"name the unit in {unit}", **where)
        name = str(name).strip()
        amount = parse_number(v, column=AMOUNT_COLUMN, what="an amount in 万元", **where)
        if amount is None:
            raise DataError(f"no amount for '{name}'", column=AMOUNT_COLUMN, hint="type the amount in 万元", **where)
        if amount < 0:
            raise DataError(f"negative amount for '{name}'", column=AMOUNT_COLUMN, got=v,
                            hint="an allocation is zero or more (万元)", **where)
        if is_total_label(name):
            if total is not None:
                raise DataError("a second total row", column=unit, hint="keep one total row (合计)", **where)
            total, total_row, total_label = amount, int(row), name
            continue
        if total is not None:
            raise DataError(f"unit '{name}' below the total row", column=unit, hint="put the total row (合计) last",
                            **where)
        if name in seen:
            raise DataError(f"unit '{name}' appears twice (rows {seen[name]} and {row})", column=unit,
                            hint="keep one row per unit", **where)
        seen[name] = int(row)
        districts.append((name, amount, int(row)))
    if not districts:
        raise DataError("no unit rows", file=table.file, sheet=table.sheet, hint="one row per unit")
    return Allocation(tuple(districts), total, total_row, table.file, table.sheet, unit, total_label)


def read_facts(workbook, *, sheet: str = FACT_SHEET, allocation_sheet: str | None = ALLOCATION_SHEET,
               required: bool = True) -> Facts | None:
    """Read and validate the facts (and the fund allocation, when its sheet exists) of a workbook.

    ``workbook`` is a path or an open :class:`~survey.inputs.read.Workbook`. Without the
    facts sheet: an error when ``required``, else None. Findings (an allocation that
    does not add up to its total) are in ``Facts.findings``, not raised.
    """
    from survey.inputs.read import Workbook

    wb = workbook if isinstance(workbook, Workbook) else Workbook(workbook)
    if sheet not in wb.sheet_names:
        if not required:
            return None
        raise DataError(f"no sheet '{sheet}' with the year's facts", file=wb.path,
                        got="sheets " + ", ".join(wb.sheet_names),
                        hint="add a sheet 指标数据 with columns 指标 | 项目 | 数值 | 说明 (see raw/README.md)")
    facts = facts_from_table(wb.table(sheet))
    alloc = None
    if allocation_sheet and allocation_sheet in wb.sheet_names:
        alloc = allocation_from_table(wb.table(allocation_sheet))
    return Facts(facts, alloc, str(wb.path), sheet, tuple(alloc.findings()) if alloc else ())
