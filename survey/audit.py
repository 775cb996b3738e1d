"""Auditing a filled-in annex table (评分表), as evaluators type it by hand.

:func:`audit_annex` reads an xlsx in the annex layout — first sheet, a header row
with 一级指标, 二级指标, 三级指标, 指标值, 评分标准, 评分过程, 分值, 得分 (title rows
above it are skipped), one row per indicator, then a total row (合计 / 总分, or a
row with no 三级指标 but numbers in 分值 / 得分) and optionally a row naming the
评价等级 — plus, when the workbook has a sheet 资金分配 (各区, 分配金额（万元）, a
全市合计 row), the allocation. It returns one finding per problem:

==================  ===============================================================
``not_a_number``     分值 or 得分 is not a number
``weights_sum``      the 分值 do not add up to 100 (or to the total row's 分值)
``score_range``      得分 outside 0 … 分值
``total_sum``        the total row's 得分 differs from the sum of the rows
``narrative_score``  "得N分" in 评分过程 differs from 得分
``satisfaction``     the step rule of 评分标准 applied to the rate quoted in
                     评分过程 ("满意度为97.43%") gives another score than 得分
``grade``            the 评价等级 given does not match the total (优 ≥ 90 …)
``allocation_sum``   the districts do not add up to 全市合计
==================  ===============================================================

Rows are the ones Excel shows. A table that cannot be read at all (no such
header row) is an error, not a finding.
"""

from __future__ import annotations

import re
from pathlib import Path

from .annex import HEADERS
from .errors import DataError, ScoringError
from .facts import ALLOCATION_SHEET, Finding, allocation_from_table
from .rules import StepRule, _num, score_rate
from .score import grade

FINDING_COLUMNS = ("sheet", "row", "column", "finding", "message")
TOTAL_WORDS = ("合计", "总分", "总计")
GRADE_WORDS = ("评价等级", "等级", "评价结果")
_SCORE = re.compile(r"得\s*(\d+(?:\.\d+)?)\s*分")
_RATE = re.compile(r"满意度(?:为|是|达到|：|:)?\s*(\d+(?:\.\d+)?)\s*%")
_FULL = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(?:及以上|以上)?\s*(?:的)?\s*得满分")
_STEP = re.compile(r"每降低\s*(\d+(?:\.\d+)?)\s*%\s*扣\s*(\d+(?:\.\d+)?)\s*分")


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _num_or_none(v):
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, (int, float)):
        return float(v)
    return float(str(v).strip())


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]]:
    for i, r in enumerate(rows):
        cells = [re.sub(r"\s+", "", _text(v)) for v in r]
        if all(h in cells for h in HEADERS):
            return i, {h: cells.index(h) for h in HEADERS}
    raise DataError("no header row with the annex columns", expected=" | ".join(HEADERS),
                    hint="the first sheet must hold the 评分表 with these eight column names")


def parse_step_rule(criterion: str) -> StepRule | None:
    """The step rule of a criterion such as "超过85%得满分，低于85%每降低5%扣1分"."""
    full, step = _FULL.search(criterion), _STEP.search(re.sub(r"\s+", "", criterion))
    if not (full and step):
        return None
    return StepRule(threshold=float(full.group(1)) / 100, step=float(step.group(1)) / 100,
                    points=float(step.group(2)))


def audit_annex(path: str | Path, *, step_mode: str = "ceil"):
    """Findings on a filled-in annex workbook, one row each: sheet, row, column, finding, message."""
    import pandas as pd

    from .read import Workbook, table_from_rows

    wb = Workbook(path)
    sheet = wb.sheet_names[0]
    rows = wb.rows(sheet)
    try:
        h, col = _find_header(rows)
    except DataError as exc:
        exc.file, exc.sheet = str(wb.path), sheet
        raise
    out: list[Finding] = []

    def add(row, column, code, message):
        out.append(Finding(sheet, row, column, code, message))

    def cell(r, name):
        j = col[name]
        return rows[r][j] if j < len(rows[r]) else None

    items, total, grade_given = [], None, None
    for i in range(h + 1, len(rows)):
        excel = i + 1
        texts = [_text(v) for v in rows[i]]
        if not any(texts):
            continue
        name, lead = _text(cell(i, "三级指标")), "".join(texts[: col["三级指标"] + 1])
        if not name and any(w in "".join(texts) for w in GRADE_WORDS):
            found = [g for g in "优良中差" if any(t == g or t.endswith(g) for t in texts if t)]
            grade_given = (excel, found[0] if found else None)
            continue
        nums = {}
        for c in ("分值", "得分"):
            try:
                nums[c] = _num_or_none(cell(i, c))
            except ValueError:
                add(excel, c, "not_a_number", f"{c}“{_text(cell(i, c))}”不是数字")
                nums[c] = None
        if not name:
            if any(w in lead for w in TOTAL_WORDS) or nums["分值"] is not None or nums["得分"] is not None:
                total = (excel, nums["分值"], nums["得分"])
            continue
        items.append((excel, name, nums["分值"], nums["得分"], _text(cell(i, "评分过程")),
                      _text(cell(i, "评分标准"))))

    weights = [w for _, _, w, _, _, _ in items if w is not None]
    scores = [s for _, _, _, s, _, _ in items if s is not None]
    w_sum, s_sum = round(sum(weights), 6), round(sum(scores), 6)
    if abs(w_sum - 100) > 1e-6:
        add(items[-1][0] if items else h + 1, "分值", "weights_sum", f"各指标分值合计{_num(w_sum)}，应为100")
    if total is not None and total[1] is not None and abs(total[1] - w_sum) > 1e-6:
        add(total[0], "分值", "weights_sum", f"合计行分值{_num(total[1])}，各指标分值合计{_num(w_sum)}")
    for excel, name, w, s, narrative, criterion in items:
        if w is not None and s is not None and not (0 <= s <= w + 1e-9):
            add(excel, "得分", "score_range", f"{name}：得分{_num(s)}不在0–{_num(w)}之间")
        quoted = _SCORE.findall(narrative)
        if quoted and s is not None and abs(float(quoted[-1]) - s) > 1e-6:
            add(excel, "评分过程", "narrative_score",
                f"{name}：评分过程写“得{quoted[-1]}分”，得分栏为{_num(s)}")
        rate, rule = _RATE.search(narrative), parse_step_rule(criterion)
        if rate and rule and s is not None and w is not None:
            r = float(rate.group(1)) / 100
            try:
                expect = score_rate(min(r, 1.0), rule, w, indicator=name, mode=step_mode).score
            except ScoringError:
                expect = None
            if expect is not None and abs(expect - s) > 1e-6:
                add(excel, "得分", "satisfaction",
                    f"{name}：满意度{rate.group(1)}%按评分标准（{_num(rule.threshold * 100)}%满分，每降低"
                    f"{_num(rule.step * 100)}%扣{_num(rule.points)}分，{step_mode}）应得{_num(expect)}分，得分栏为{_num(s)}")
    total_score = s_sum
    if total is None:
        add(None, "得分", "total_sum", f"没有合计行（各指标得分合计{_num(s_sum)}）")
    elif total[2] is not None:
        total_score = total[2]
        if abs(total[2] - s_sum) > 1e-6:
            add(total[0], "得分", "total_sum", f"合计得分{_num(total[2])}，各指标得分合计{_num(s_sum)}")
    if grade_given is not None:
        excel, g = grade_given
        if g is None:
            add(excel, None, "grade", "评价等级行没有写明优、良、中或差")
        elif g != grade(total_score):
            add(excel, None, "grade", f"评价等级为{g}，总分{_num(total_score)}应为{grade(total_score)}")

    if ALLOCATION_SHEET in wb.sheet_names:
        table = table_from_rows(wb.rows(ALLOCATION_SHEET), file=str(wb.path), sheet=ALLOCATION_SHEET)
        out.extend(allocation_from_table(table).findings())
    return pd.DataFrame([(f.sheet, f.row, f.column, f.finding, f.message) for f in out],
                        columns=list(FINDING_COLUMNS)).astype({"row": "Int64"})
