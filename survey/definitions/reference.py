"""The rule reference: every rule type of a framework and every parameter, from the rule models.

:func:`rule_reference` walks the models of the ``rule:`` union
(:data:`survey.definitions.rules.Rule`) and their nested models (a band, an event, a
checklist sub-item) and prints, for each parameter, whether it is required or its
default, with its meaning, unit and an example from :data:`PARAMETERS`. The text is
Markdown: ``survey framework rules`` prints it and docs/rules.md is a copy. A rule or
parameter the table does not describe is listed by :func:`undocumented` (a test keeps
that empty), so the reference cannot fall behind the models.

>>> "| `threshold` |" in rule_reference() and undocumented() == []
True
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from survey.definitions.rules import Rule

# rule type → (what it scores, the criterion it reads like, a YAML example)
RULES: dict[str, tuple[str, str, str]] = {
    "step_deduction": (
        "A satisfaction rate (from a questionnaire, or the fact 满意度): full marks at the threshold or "
        "above, points off per step below it, floored at zero.",
        "超过85%得满分，低于85%每降低5%扣1分，扣完为止",
        "{type: step_deduction, threshold: 0.85, step: 0.05, points: 1, mode: ceil}"),
    "per_step": (
        "Any fact or survey rate: full marks at the threshold or better, points off per step short of it "
        "(below it, or above it with `better: lower`), floored at zero.",
        "预算执行率≥90%得满分，每低1个百分点扣0.5分，扣完为止",
        "{type: per_step, label: 预算执行率, threshold: 0.9, step: 0.01, points: 0.5}"),
    "bands": (
        "A value (or value / per) scored by the first band that holds; `otherwise` when none does.",
        "重新犯罪率在0.1%以下的，得10分；超过0.1%，不超过0.2%的，得8分；0.2%以上的，得0分",
        "{type: bands, label: 再犯罪率, value: 重新犯罪人数, per: 年平均在册人数, "
        "bands: [{below: 0.001, score: 10}, {at_most: 0.002, score: 8}], otherwise: 0}"),
    "per_event": (
        "Points off per event of each kind, floored at zero (扣完为止).",
        "未追回的1起扣6分；已追回的1起扣3分，扣完为止",
        "{type: per_event, label: 当年新增脱管漏管, events: [{name: 未追回, points: 6}, {name: 已追回, points: 3}]}"),
    "ratio": (
        "Actual / planned: full marks at the target ratio or above, else weight × ratio / target.",
        "资金到位率达到100%得满分，未达到的按到位率×分值计分",
        "{type: ratio, label: 资金到位率, actual: 实际到位, planned: 计划到位, unit: 万元, target: 1.0}"),
    "higher_better": (
        "Full marks at the target or above, else weight × value / target.",
        "计划完成率达到100%得满分，未达到的按完成率×分值计分",
        "{type: higher_better, label: 计划完成率, value: 计划完成率, target: 1.0}"),
    "lower_better": (
        "Full marks at the target or below, linear to 0 at `zero_at` (default 2 × target).",
        "投诉率不超过1%得满分，超过的按比例扣分，2%及以上不得分",
        "{type: lower_better, label: 投诉率, value: 投诉率, target: 0.01, zero_at: 0.02}"),
    "checklist": (
        "Sub-items with their points; the evaluator gives each a mark (0 … points) in the facts. "
        "The points add up to the weight.",
        "设有项目目标（1分）、项目目标明确（1分）、项目目标细化（1分）、项目目标量化（1分）",
        "{type: checklist, items: [{name: 设有项目目标, points: 1}, {name: 项目目标明确, points: 1}]}"),
    "share_failing": (
        "weight × failing / units off (two of 12 units started late: 6 × 2/12 = 1 point off).",
        "各乡镇均按时启动得满分，未按时启动的按乡镇数权重比扣分",
        "{type: share_failing, units: 乡镇总数, failing: 启动较慢乡镇数, unit_label: 个乡镇}"),
    "qualitative": (
        "The evaluator's 达成 / 部分达成 / 未达成 and a score that must lie in that level's band.",
        "达成得0.8–1倍分值，部分达成得0.6–0.8倍，未达成得0.6倍以下",
        "{type: qualitative, achieved: 0.8, partial: 0.6}"),
    "judgement": (
        "The evaluator's deductions: one fact row per deduction (数值 = points off, 说明 = the reason).",
        "制定专项资金管理制度（2分），不健全的酌情扣分",
        "{type: judgement}"),
}

# rule type → the 指标数据 rows it reads, in words (fact_rows lists them for a given rule)
_FACTS: dict[str, str] = {
    "step_deduction": "满意度 (a proportion), only when no questionnaire measure feeds the indicator",
    "per_step": "the item `value` (default `label`): a proportion, or a number in `unit`",
    "bands": "`value` (and `per`)",
    "per_event": "each event's `name`: the number of events",
    "ratio": "`actual` and `planned`: amounts in `unit`",
    "higher_better": "`value`",
    "lower_better": "`value`",
    "checklist": "each sub-item's `name`: the evaluator's mark (0 … points), 说明 the reason",
    "share_failing": "`units` and `failing`: whole numbers",
    "qualitative": "one row whose 项目 is 达成 / 部分达成 / 未达成 and whose 数值 is the score",
    "judgement": "any 项目, one row per deduction: 数值 the points off, 说明 the reason",
}

# (rule type or nested model name, parameter) → (meaning, unit, example)
PARAMETERS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("*", "type"): ("the rule type", "—", "step_deduction"),
    ("step_deduction", "threshold"): ("full marks at this rate or above", "proportion", "0.85"),
    ("step_deduction", "step"): ("one step below the threshold", "proportion (0.05 = 5 points)", "0.05"),
    ("step_deduction", "points"): ("points off per step", "分", "1"),
    ("step_deduction", "mode"): ("a partial step: ceil (counts whole, 不足5%按5%计), floor (not counted), "
                                 "linear (pro rata); `--step-mode` overrides it", "ceil / floor / linear", "ceil"),
    ("per_step", "label"): ("what the value is called in 评分过程", "text", "预算执行率"),
    ("per_step", "value"): ("the 指标数据 项目 holding the value [default: label]", "fact item", "预算执行率"),
    ("per_step", "threshold"): ("full marks at this value or better", "proportion, or `unit`", "0.9"),
    ("per_step", "step"): ("one step (0.01 = one percentage point)", "proportion, or `unit`", "0.01"),
    ("per_step", "points"): ("points off per step", "分", "0.5"),
    ("per_step", "mode"): ("a partial step: ceil (counts whole), floor (not counted), linear (pro rata); "
                           "`--step-mode` does not change it", "ceil / floor / linear", "ceil"),
    ("per_step", "better"): ("higher: points off below the threshold; lower: points off above it",
                             "higher / lower", "higher"),
    ("per_step", "percent"): ("value, threshold and step are proportions shown in %", "true / false", "true"),
    ("per_step", "unit"): ("unit of a value that is not a percentage", "text", "次"),
    ("bands", "label"): ("what the value is called in 评分过程", "text", "再犯罪率"),
    ("bands", "value"): ("the 指标数据 项目 holding the value (the numerator with `per`)", "fact item", "重新犯罪人数"),
    ("bands", "per"): ("the 指标数据 项目 of the denominator (value / per is scored)", "fact item", "年平均在册人数"),
    ("bands", "percent"): ("the value is shown in %", "true / false", "true"),
    ("bands", "bands"): ("the bands, first that holds wins", "list of bands", "[{below: 0.001, score: 10}]"),
    ("bands", "otherwise"): ("the score when no band holds", "分", "0"),
    ("Band", "below"): ("holds when value < this", "as the value", "0.001"),
    ("Band", "at_most"): ("holds when value ≤ this", "as the value", "0.002"),
    ("Band", "at_least"): ("holds when value ≥ this", "as the value", "0.95"),
    ("Band", "above"): ("holds when value > this", "as the value", "0.9"),
    ("Band", "score"): ("the score of the band (one bound per band)", "分", "10"),
    ("per_event", "label"): ("the text that leads the counts in 评分过程", "text", "当年新增脱管漏管"),
    ("per_event", "events"): ("the kinds of event", "list of events", "[{name: 未追回, points: 6}]"),
    ("Event", "name"): ("the 指标数据 项目 holding the count", "fact item", "未追回"),
    ("Event", "points"): ("points off per event", "分", "6"),
    ("Event", "unit"): ("the counting word in 评分过程", "text", "起"),
    ("ratio", "label"): ("what the ratio is called", "text", "资金到位率"),
    ("ratio", "actual"): ("the 指标数据 项目 of the actual amount", "fact item", "实际到位"),
    ("ratio", "planned"): ("the 指标数据 项目 of the planned amount", "fact item", "计划到位"),
    ("ratio", "unit"): ("the unit of the amounts in 评分过程", "text", "万元"),
    ("ratio", "target"): ("full marks at this ratio or above", "proportion", "1.0"),
    ("higher_better", "label"): ("what the value is called", "text", "计划完成率"),
    ("higher_better", "value"): ("the 指标数据 项目 holding the value", "fact item", "计划完成率"),
    ("higher_better", "target"): ("full marks at this value or above", "as the value", "1.0"),
    ("higher_better", "percent"): ("the value is shown in %", "true / false", "true"),
    ("lower_better", "label"): ("what the value is called", "text", "投诉率"),
    ("lower_better", "value"): ("the 指标数据 项目 holding the value", "fact item", "投诉率"),
    ("lower_better", "target"): ("full marks at this value or below", "as the value", "0.01"),
    ("lower_better", "zero_at"): ("the value that scores 0 [default: 2 × target]", "as the value", "0.02"),
    ("lower_better", "percent"): ("the value is shown in %", "true / false", "true"),
    ("checklist", "items"): ("the sub-items; their points add up to the weight", "list of sub-items",
                             "[{name: 机构健全, points: 1}]"),
    ("SubItem", "name"): ("the 指标数据 项目 holding the evaluator's mark (0 … points)", "fact item", "机构健全"),
    ("SubItem", "points"): ("the sub-item's full points", "分", "1"),
    ("share_failing", "units"): ("the 指标数据 项目 with the number of units", "fact item", "乡镇总数"),
    ("share_failing", "failing"): ("the 指标数据 项目 with the units that fail", "fact item", "启动较慢乡镇数"),
    ("share_failing", "unit_label"): ("the units in 评分过程", "text", "个乡镇"),
    ("qualitative", "achieved"): ("达成 scores from this share of the weight", "share of the weight", "0.8"),
    ("qualitative", "partial"): ("部分达成 scores from this share of the weight", "share of the weight", "0.6"),
}


# the keys of a framework file and of each indicator (survey.evaluation.score.Framework / Indicator;
# a test keeps these equal to the models' fields)
FRAMEWORK_KEYS: dict[str, tuple[str, str]] = {
    "id": ("a short name of the framework, recorded in manifest.json", "county-water-2023"),
    "title": ("the annex title (评分表 标题)", "某县2023年某专项资金项目绩效评价指标评分表"),
    "rates": ("which estimate feeds the survey-fed indicators: `measure` (default overall) and `weighted` "
              "(auto / true / false)", "{measure: overall, weighted: auto}"),
    "indicators": ("the indicators, in the order of the table; their weights add up to 100", "[…]"),
}
INDICATOR_KEYS: dict[str, tuple[str, str]] = {
    "level1": ("一级指标", "决策"),
    "level2": ("二级指标", "绩效目标"),
    "name": ("三级指标 (unique; the 指标 of the facts sheet and a questionnaire measure's `indicator:`)", "目标内容"),
    "target": ("指标值, as printed", "≥90%"),
    "criterion": ("评分标准, as printed (`survey framework check` compares its numbers with the rule)",
                  "预算执行率≥90%得满分，每低1个百分点扣0.5分"),
    "weight": ("分值", "5"),
    "rule": ("the rule: a type and its parameters (below)", "{type: judgement}"),
    "rates": ("this indicator's own `rates:` setting (survey-fed indicators only)", "{weighted: false}"),
}


@dataclass(frozen=True)
class FactRow:
    """One 指标数据 row a rule reads: its 项目, what 数值 holds (in Chinese, with its unit) and an example."""

    item: str
    holds: str
    example: str


def _number(x: float) -> str:
    return f"{x:.6g}"


def _value_row(item: str, percent: bool, unit: str, example: float) -> FactRow:
    return FactRow(item, "比例，填小数（0.9 即 90%）" if percent else f"数值{f'（单位：{unit}）' if unit else ''}",
                   _number(example))


def fact_rows(rule, units: int | None = None) -> list[FactRow]:
    """The 指标数据 rows a rule reads (for a template of the facts sheet), explained in Chinese.

    Every item of ``rule.reads()`` is listed (a test keeps them equal); a judgement reads any
    label and a qualitative rule one row whose 项目 is the level. Examples come from the rule
    (its threshold or target) or are neutral; ``units`` (the number of units of the
    evaluation's breakdown, when known) is the example of a unit count.

    >>> from survey.definitions.rules import RatioRule
    >>> [(r.item, r.holds, r.example) for r in fact_rows(RatioRule(type="ratio", label="资金到位率", actual="实际到位",
    ...                                                           planned="计划到位", unit="万元"))]
    [('实际到位', '金额（单位：万元）', '95'), ('计划到位', '金额（单位：万元）', '100')]
    """
    t = rule.type
    if t == "step_deduction":   # only when no questionnaire measure feeds the indicator
        return [FactRow("满意度", "比例，填小数（0.9 即 90%）；没有问卷给出该满意度时才填写", _number(rule.threshold))]
    if t == "per_step":
        return [_value_row(rule.item, rule.percent, rule.unit, rule.threshold)]
    if t in ("higher_better", "lower_better"):
        return [_value_row(rule.value, rule.percent, "", rule.target)]
    if t == "bands":
        if rule.per is None:
            return [_value_row(rule.value, rule.percent, "", rule.cuts()[0])]
        return [FactRow(rule.value, f"{rule.label}的分子（人数或次数，整数）", "1"),
                FactRow(rule.per, f"{rule.label}的分母（人数或次数）", "1000")]
    if t == "ratio":
        amount = f"金额{f'（单位：{rule.unit}）' if rule.unit else ''}"
        return [FactRow(rule.actual, amount, "95"), FactRow(rule.planned, amount, "100")]
    if t == "per_event":
        return [FactRow(e.name, f"发生次数（{e.unit}），没有填0", "0") for e in rule.events]
    if t == "checklist":
        return [FactRow(i.name, f"评价人员打分，0至{i.points:g}分（说明栏写明理由）", f"{i.points:g}") for i in rule.items]
    if t == "share_failing":
        return [FactRow(rule.units, "单位总数（整数）", str(units) if units else "10"),
                FactRow(rule.failing, "未达标的单位数（整数），没有填0", "0")]
    if t == "qualitative":
        return [FactRow("达成", "一行：项目填等级（达成 / 部分达成 / 未达成），数值填该等级分数区间内的得分",
                        f"达成：{rule.achieved:g}×分值至分值")]
    if t == "judgement":
        return [FactRow("扣分", "扣分分值（不扣分填0），每项扣分一行，说明栏写明理由", "0")]
    raise ValueError(f"no fact rows for rule type '{t}'")


def rule_models() -> dict[str, type[BaseModel]]:
    """Rule type → its model, read from the ``rule:`` union (so a new rule shows up here)."""
    union = typing.get_args(Rule)[0]
    out = {}
    for member in typing.get_args(union):
        model, tag = typing.get_args(member)
        out[tag.tag] = model
    return out


def _nested(annotation) -> type[BaseModel] | None:
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _nested(arg)
        if inner is not None:
            return inner
    return None


def _models_and_fields() -> list[tuple[str, type[BaseModel], str, FieldInfo]]:
    """(rule type or nested model name, model, field name, field info) for every parameter."""
    out = []
    for rtype, model in rule_models().items():
        for name, info in model.model_fields.items():
            out.append((rtype, model, name, info))
            sub = _nested(info.annotation)
            if sub is not None:
                out.extend((sub.__name__, sub, n, i) for n, i in sub.model_fields.items())
    return out


def _doc(owner: str, name: str) -> tuple[str, str, str] | None:
    return PARAMETERS.get((owner, name)) or (PARAMETERS.get(("*", name)) if name == "type" else None)


def undocumented() -> list[str]:
    """Rule types and parameters the reference does not describe (``type.parameter``)."""
    missing = [f"{t}" for t in rule_models() if t not in RULES or t not in _FACTS]
    missing += [f"{owner}.{name}" for owner, _, name, _ in _models_and_fields() if _doc(owner, name) is None]
    return sorted(set(missing))


def _default(info) -> str:
    if info.is_required():
        return "required"
    d = info.default
    if d is PydanticUndefined or d is None:
        return "optional"
    return f"default `{str(d).lower() if isinstance(d, bool) else d}`"


def _table(owner: str, model: type[BaseModel]) -> list[str]:
    lines = ["| parameter | required / default | meaning | unit | example |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if name == "type":
            continue
        meaning, unit, example = _doc(owner, name) or ("(undocumented)", "", "")
        lines.append(f"| `{name}` | {_default(info)} | {meaning} | {unit} | `{example}` |")
    return lines


def rule_reference() -> str:
    """The reference as Markdown: each rule type, what it scores, its parameters, an example."""
    out = ["# Rule reference", "",
           "Generated by `survey framework rules` from the rule models (survey/definitions/rules.py, steps.py); "
           "do not edit by hand. Each indicator of a framework has a `rule:` with a `type` and the parameters "
           "below. A *fact item* is a 项目 of the sheet 指标数据 (指标 | 项目 | 数值 | 说明 | 来源); proportions "
           "are written 0.85, not 85%. Rules that score one value (step_deduction, per_step, higher_better, "
           "lower_better, bands without `per`) can take a survey rate instead: a questionnaire measure whose "
           "`indicator:` names the indicator.", ""]
    out += ["## A framework file", "", "| key | meaning | example |", "|---|---|---|"]
    out += [f"| `{k}` | {m} | `{e}` |" for k, (m, e) in FRAMEWORK_KEYS.items()]
    out += ["", "Each indicator:", "", "| key | meaning | example |", "|---|---|---|"]
    out += [f"| `{k}` | {m} | `{e}` |" for k, (m, e) in INDICATOR_KEYS.items()]
    out += [""]
    for rtype, model in rule_models().items():
        summary, criterion, example = RULES.get(rtype, ("(undocumented)", "", ""))
        out += [f"## `{rtype}`", "", summary, "", f"Criterion it reads like: {criterion}", "",
                "```yaml", f"rule: {example}", "```", ""]
        out += [f"Facts it reads (指标数据 项目): {_FACTS.get(rtype, '')}", ""]
        if len(model.model_fields) > 1:
            out += [*_table(rtype, model), ""]
        else:
            out += ["No parameters.", ""]
        for name, info in model.model_fields.items():
            sub = _nested(info.annotation)
            if sub is not None:
                out += [f"Each entry of `{name}` ({sub.__name__}):", "", *_table(sub.__name__, sub), ""]
    return "\n".join(out).rstrip() + "\n"
