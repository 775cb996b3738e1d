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
``criterion_score``  any other rate: 评分标准 reads "<label>≥90%得满分，每低1个百分点扣
                     0.5分", 评分过程 quotes the label's value, and that rule gives
                     another score than 得分 (a proportional rule standing in for it)
``satisfaction_unchecked``  评分过程 quotes a satisfaction rate but the rule of
                     评分标准 cannot be read, so the score is not checked
``grade``            the 评价等级 given does not match the total (优 ≥ 90 …)
``allocation_sum``   the districts do not add up to 全市合计
==================  ===============================================================

Texts are NFKC-normalised first (full-width ％ and digits read as % and digits).
The rate is the last one quoted after 满意度 (preferring one introduced by 为 / 达 /
实际: "目标满意度85%，实际满意度为82.10%" reads 82.10%). Criteria read: full marks at
"超过85%得满分" / "85%及以上的，得满分" / "达到85%以上得满分", steps "每降低5%扣1分" /
"每降低5个百分点扣1分" / "每下降5%，扣1分". A total row is one whose 一级 … 三级指标
cells start with 合计 / 总分 / 总计 (or, with no 三级指标, that has numbers); it may
carry the grade ("合计（评价等级：优）"). Grades may be written 优秀 / 良好 / 中等 / 较差.

Rows are the ones Excel shows. A table that cannot be read at all (no such
header row) is an error, not a finding.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from pydantic import ValidationError

from survey.definitions.rules import StepRule, score_rate
from survey.definitions.vocab import ANNEX_HEADERS as HEADERS
from survey.definitions.vocab import STEP_MODES
from survey.errors import DataError, ScoringError, choice_error
from survey.evaluation.score import GRADES, grade, score_fed
from survey.formatting import fmt_num
from survey.inputs.facts import ALLOCATION_SHEET, Finding, allocation_from_table, parse_number

FINDING_COLUMNS = ("sheet", "row", "column", "finding", "message")
TOTAL_WORDS = ("合计", "总分", "总计")
GRADE_WORDS = ("评价等级", "等级", "评价结果")
GRADE_SYNONYMS = {"优秀": "优", "良好": "良", "中等": "中", "较差": "差"}
_NUM = r"(\d+(?:\.\d+)?)"
_SCORE = re.compile(r"得\s*" + _NUM + r"\s*分")
# 满意度, up to 8 characters that are no digit, %, or clause break (为 / 达到 / 调查结果为 …), the rate
_RATE = re.compile(r"(实际)?满意度([^\d%,;。；：:]{0,8}?)[:：]?\s*" + _NUM + r"\s*%")
_FULL = re.compile(_NUM + r"%[^\d%]{0,8}?得?满分")
_STEP = re.compile(r"每(?:降低|下降|减少|低)" + _NUM + r"(?:%|个百分点)[,，]?扣" + _NUM + r"分")
_UP_WORDS = ("升高", "上升", "增加", "超过", "超出", "高出", "高于", "高", "多")
_DOWN_WORDS = ("降低", "下降", "减少", "低于", "低", "少")
# 每 + direction + step + unit (%, 个百分点, or a counting word) + 扣N分
_ANY_STEP = re.compile(r"每(" + "|".join(_UP_WORDS + _DOWN_WORDS) + r")" + _NUM +
                       r"(%|个百分点|[^\d%,;。扣]{0,3}?)[,，]?扣" + _NUM + r"分")
_GRADE = re.compile(r"(?:评价等级|等级|评价结果)[^优良中差]{0,4}?(优秀|良好|中等|较差|优|良|中|差)")


def norm_text(text: str) -> str:
    """NFKC (full-width ％, digits, colons and brackets become ASCII) without whitespace.

    >>> norm_text("≥８５％ 满分（2分）")
    '≥85%满分(2分)'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]]:
    for i, r in enumerate(rows):
        cells = [re.sub(r"\s+", "", _text(v)) for v in r]
        if all(h in cells for h in HEADERS):
            return i, {h: cells.index(h) for h in HEADERS}
    raise DataError("no header row with the annex columns", expected=" | ".join(HEADERS),
                    hint="the first sheet must hold the 评分表 with these eight column names")


def criterion_full_marks(criterion: str) -> float | None:
    """The rate of full marks a criterion names, as a proportion, or None.

    "≥85%满分", "超过85%得满分", "达到100%以上得满分" → 0.85, 0.85, 1.0.

    >>> criterion_full_marks("预算执行率≥90%得满分，每低1个百分点扣0.5分"), criterion_full_marks("酌情扣分")
    (0.9, None)
    """
    m = _FULL.search(norm_text(criterion))
    return None if m is None else float(m.group(1)) / 100


def criterion_steps(criterion: str) -> list[tuple[str, float, str, float]]:
    """Every "每<direction><step><unit>扣<points>分" of a criterion.

    Each as (direction, step, unit, points); direction is "down" (每降低 / 每下降 / 每减少 /
    每低 / 每少) or "up" (每升高 / 每上升 / 每增加 / 每超过 / 每高 / 每多); a step in % or
    个百分点 is a proportion.

    >>> criterion_steps("每低1个百分点扣0.5分；每高出2%，扣1分；每少3次扣1分")
    [('down', 0.01, '%', 0.5), ('up', 0.02, '%', 1.0), ('down', 3.0, '次', 1.0)]
    """
    out = []
    for m in _ANY_STEP.finditer(norm_text(criterion)):
        word, step, unit, points = m.groups()
        pct = unit in ("%", "个百分点")
        out.append(("up" if word in _UP_WORDS else "down", float(step) / 100 if pct else float(step),
                    "%" if pct else unit, float(points)))
    return out


def parse_step_rule(criterion: str) -> StepRule | None:
    """The step rule of a criterion such as "超过85%得满分，低于85%每降低5%扣1分" (None if unreadable)."""
    text = norm_text(criterion)
    full, step = _FULL.search(text), _STEP.search(text)
    if not (full and step):
        return None
    try:
        return StepRule(threshold=float(full.group(1)) / 100, step=float(step.group(1)) / 100,
                        points=float(step.group(2)))
    except ValidationError:  # "超过185%得满分", "每降低0%": not a rule that can be applied
        return None


_LABEL = re.compile(r"^([^\d,，;；。:：]{2,20}?)(?:≥|>=|达到|不低于|在|为)?\s*\d")


def criterion_contradiction(name: str, criterion: str, narrative: str, score: float, weight: float, *,
                            step_mode: str | None = None) -> str | None:
    """Why a score contradicts its printed criterion, for any rate (None when it agrees or cannot be read).

    The criterion must read "<label>≥90%得满分，每低1个百分点扣0.5分" and 评分过程 quote the
    label's value ("预算执行率为86%"); the value scored by that rule must give the 得分.

    >>> criterion_contradiction("预算执行率", "预算执行率≥90%得满分，每低1个百分点扣0.5分",
    ...                         "预算执行率为86%，按比例得9.6分", 9.6, 10)
    '预算执行率：预算执行率86%按评分标准（90%满分，每低1个百分点扣0.5分）应得8分，得分栏为9.6'
    """
    text = norm_text(criterion)
    rule, label = parse_step_rule(criterion), _LABEL.match(text)
    if rule is None or label is None:
        return None
    key = label.group(1).strip()
    found = list(re.finditer(re.escape(key) + r"([^\d%,;。；：:]{0,8}?)[:：]?\s*" + _NUM + r"\s*%", norm_text(narrative)))
    if not found:
        return None
    preferred = [m for m in found if re.search(r"[为达是]", m.group(1))]
    quoted = (preferred or found)[-1].group(2)
    value = float(quoted) / 100
    if value > 1:
        return None
    expect = score_rate(value, rule, weight, indicator=name, mode=step_mode).score
    if abs(expect - score) <= 1e-6:
        return None
    return (f"{name}：{key}{quoted}%按评分标准（{fmt_num(rule.threshold * 100)}%满分，每低{fmt_num(rule.step * 100)}"
            f"个百分点扣{fmt_num(rule.points)}分）应得{fmt_num(expect)}分，得分栏为{fmt_num(score)}")


def quoted_rate(narrative: str) -> str | None:
    """The satisfaction rate a 评分过程 quotes, as written ("82.10").

    The last one after 满意度, preferring those introduced by 为 / 达 / 实际.
    """
    found = list(_RATE.finditer(norm_text(narrative)))
    if not found:
        return None
    preferred = [m for m in found if m.group(1) or re.search(r"[为达是]", m.group(2))]
    return (preferred or found)[-1].group(3)


def _grade_in(texts: list[str]) -> str | None:
    joined = norm_text("".join(texts))
    m = _GRADE.search(joined)
    if m:
        return GRADE_SYNONYMS.get(m.group(1), m.group(1))
    words = {g for _, g in GRADES} | set(GRADE_SYNONYMS)
    for t in texts:
        t = norm_text(t)
        if t in words:
            return GRADE_SYNONYMS.get(t, t)
    return None


def audit_annex(path: str | Path, *, step_mode: str | None = None, framework=None):
    """Findings on a filled-in annex workbook, one row each: sheet, row, column, finding, message.

    ``step_mode`` (ceil / floor / linear) is how the satisfaction rule counts a partial step;
    None: the rule's own, which for a criterion read from the annex text is ceil (不足5%按5%计).
    ``framework`` (a :class:`~survey.evaluation.score.Framework`) adds :func:`framework_findings`.
    """
    import pandas as pd

    from survey.inputs.read import Workbook, table_from_rows

    if step_mode is not None and step_mode not in STEP_MODES:
        raise choice_error(ScoringError, "step mode", step_mode, STEP_MODES)
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

    items, total, grade_given = _annex_rows(rows, h, col, add)
    s_sum = _check_weights(items, total, h, add)
    for excel, name, w, s, narrative, criterion in items:
        _check_item(add, excel, name, w, s, narrative, criterion, step_mode=step_mode)
    _check_total_and_grade(total, grade_given, s_sum, add)
    if framework is not None:
        framework_findings(items, framework, add, step_mode=step_mode)

    if ALLOCATION_SHEET in wb.sheet_names:
        table = table_from_rows(wb.rows(ALLOCATION_SHEET), file=str(wb.path), sheet=ALLOCATION_SHEET)
        out.extend(allocation_from_table(table).findings())
    return pd.DataFrame([(f.sheet, f.row, f.column, f.finding, f.message) for f in out],
                        columns=list(FINDING_COLUMNS)).astype({"row": "Int64"})


def _annex_rows(rows, h, col, add):
    """The indicator rows below the header ``h``: items, the total row and the grade row.

    items: (excel row, name, weight, score, 评分过程, 评分标准); total: (excel row, weight, score)
    or None; grade_given: (excel row, grade or None) or None. A cell that should be a number
    and is not is reported through ``add`` and read as None.
    """
    def cell(r, name):
        j = col[name]
        return rows[r][j] if j < len(rows[r]) else None

    def number(r, name):
        try:
            return parse_number(cell(r, name))
        except DataError:
            add(r + 1, name, "not_a_number", f"{name}“{_text(cell(r, name))}”不是数字")
            return None

    items, total, grade_given = [], None, None
    lead_cols = [col[c] for c in ("一级指标", "二级指标", "三级指标")]
    for i in range(h + 1, len(rows)):
        excel = i + 1
        texts = [_text(v) for v in rows[i]]
        if not any(texts):
            continue
        name = _text(cell(i, "三级指标"))
        lead = [norm_text(texts[j]) for j in lead_cols if j < len(texts)]
        has_grade = any(w in norm_text("".join(texts)) for w in GRADE_WORDS)
        # a total row first: its label may fill the merged 一级 … 三级 cells and carry the grade
        is_total = any(t.startswith(TOTAL_WORDS) for t in lead)
        if not is_total and not name and has_grade:
            grade_given = (excel, _grade_in(texts))
            continue
        nums = {c: number(i, c) for c in ("分值", "得分")}
        if is_total or not name:
            if is_total or nums["分值"] is not None or nums["得分"] is not None:
                total = (excel, nums["分值"], nums["得分"])
                if has_grade:
                    grade_given = (excel, _grade_in(texts))
            continue
        items.append((excel, name, nums["分值"], nums["得分"], _text(cell(i, "评分过程")),
                      _text(cell(i, "评分标准"))))
    return items, total, grade_given


def _check_weights(items, total, h, add):
    """The weights must add up to 100 (and to the total row's); returns the sum of the scores."""
    weights = [w for _, _, w, _, _, _ in items if w is not None]
    scores = [s for _, _, _, s, _, _ in items if s is not None]
    w_sum, s_sum = round(sum(weights), 6), round(sum(scores), 6)
    if abs(w_sum - 100) > 1e-6:
        add(items[-1][0] if items else h + 1, "分值", "weights_sum", f"各指标分值合计{fmt_num(w_sum)}，应为100")
    if total is not None and total[1] is not None and abs(total[1] - w_sum) > 1e-6:
        add(total[0], "分值", "weights_sum", f"合计行分值{fmt_num(total[1])}，各指标分值合计{fmt_num(w_sum)}")
    return s_sum


def _check_item(add, excel, name, w, s, narrative, criterion, *, step_mode):
    """One indicator: score in range, the narrative's score, its criterion and satisfaction rule."""
    if w is not None and s is not None and not (0 <= s <= w + 1e-9):
        add(excel, "得分", "score_range", f"{name}：得分{fmt_num(s)}不在0–{fmt_num(w)}之间")
    quoted = _SCORE.findall(norm_text(narrative))
    if quoted and s is not None and abs(float(quoted[-1]) - s) > 1e-6:
        add(excel, "评分过程", "narrative_score",
            f"{name}：评分过程写“得{quoted[-1]}分”，得分栏为{fmt_num(s)}")
    rate = quoted_rate(narrative)
    if rate is None and s is not None and w is not None:
        contradiction = criterion_contradiction(name, criterion, narrative, s, w, step_mode=step_mode)
        if contradiction:
            add(excel, "得分", "criterion_score", contradiction)
    if rate is None or s is None or w is None:
        return
    _check_satisfaction(add, excel, name, w, s, rate, criterion, step_mode=step_mode)


def _check_satisfaction(add, excel, name, w, s, rate, criterion, *, step_mode):
    """The score a quoted satisfaction rate earns under the criterion's step rule."""
    rule = parse_step_rule(criterion)
    if rule is None:
        add(excel, "评分标准", "satisfaction_unchecked",
            f"{name}：评分过程写满意度{rate}%，但评分标准中读不出扣分规则（如“超过85%得满分，"
            f"每降低5%扣1分”），得分未核对")
        return
    r = float(rate) / 100
    if r > 1:
        add(excel, "评分过程", "satisfaction_unchecked", f"{name}：满意度{rate}%超过100%，得分未核对")
        return
    expect = score_rate(r, rule, w, indicator=name, mode=step_mode).score
    mode = step_mode or rule.mode
    if abs(expect - s) > 1e-6:
        add(excel, "得分", "satisfaction",
            f"{name}：满意度{rate}%按评分标准（{fmt_num(rule.threshold * 100)}%满分，每降低"
            f"{fmt_num(rule.step * 100)}%扣{fmt_num(rule.points)}分，{mode}）"
            f"应得{fmt_num(expect)}分，得分栏为{fmt_num(s)}")


def framework_findings(items, framework, add, *, step_mode=None) -> None:
    """The annex against the framework it was scored with: its indicators, weights and rate rules.

    Every indicator of the framework and only those, each with the framework's weight, and a
    quoted rate's score under the framework's own rule (:func:`survey.evaluation.score.score_fed`).
    """
    names = {i.name for i in framework.indicators}
    for excel, name, w, s, narrative, _ in items:
        if name not in names:
            add(excel, "三级指标", "framework_unknown", f"{name}：评分框架{framework.id}中没有该指标")
            continue
        ind = framework.indicator(name)
        if w is not None and abs(w - ind.weight) > 1e-9:
            add(excel, "分值", "framework_weight", f"{name}：分值{fmt_num(w)}，评分框架为{fmt_num(ind.weight)}")
        rate = quoted_rate(narrative)
        if ind.takes_rate and rate is not None and s is not None and float(rate) <= 100:
            expect = score_fed(ind, {"estimate": float(rate) / 100}, step_mode=step_mode).score
            if abs(expect - s) > 1e-6:
                add(excel, "得分", "framework_score",
                    f"{name}：满意度{rate}%按评分框架的规则（{ind.rule.type}）应得{fmt_num(expect)}分，得分栏为{fmt_num(s)}")
    shown = {item[1] for item in items}
    for ind in framework.indicators:
        if ind.name not in shown:
            add(None, "三级指标", "framework_missing", f"{ind.name}：评分框架中有该指标，评分表中没有")


def _check_total_and_grade(total, grade_given, s_sum, add):
    """The total row's score against the items' sum, and the grade against the total."""
    total_score = s_sum
    if total is None:
        add(None, "得分", "total_sum", f"没有合计行（各指标得分合计{fmt_num(s_sum)}）")
    elif total[2] is not None:
        total_score = total[2]
        if abs(total[2] - s_sum) > 1e-6:
            add(total[0], "得分", "total_sum", f"合计得分{fmt_num(total[2])}，各指标得分合计{fmt_num(s_sum)}")
    if grade_given is not None:
        excel, g = grade_given
        if g is None:
            add(excel, None, "grade", "评价等级行没有写明优、良、中或差")
        elif g != grade(total_score):
            add(excel, None, "grade", f"评价等级为{g}，总分{fmt_num(total_score)}应为{grade(total_score)}")
