"""Checking a scoring framework (评分表) file: every problem at once, with its path.

:func:`check_framework` reads a framework YAML and returns a :class:`FrameworkCheck`:
the framework when it loads, and one :class:`Problem` per finding, each with the path
inside the file and a reason code:

=======================  ==========================================================
``unreadable``           not a YAML mapping (or no such file)
``weights_sum``          the weights (分值) do not add up to 100
``missing_level``        an indicator without 一级 / 二级 / 三级指标 (level1, level2, name)
``missing_text``         an indicator without 指标值 (target) or 评分标准 (criterion)
``unknown_parameter``    a key the framework or the rule does not know (a typo)
``missing_parameter``    a parameter the rule needs is not given
``invalid``              a value the models refuse (a rule parameter out of range …), or a band
                         no value reaches
``criterion_threshold``  the criterion's full-marks rate ("≥85%满分") differs from the rule's
``criterion_step``       its step or points ("每低5个百分点扣2分") differ from the rule's
``criterion_mode``       it says how a partial step counts (不足…按…计 / 不足…不扣分 / 按比例) otherwise
``criterion_points``     the points in brackets ("（2分）") do not add up to the weight,
                         or differ from a checklist's sub-items
``criterion_bands``      a band bound or score the criterion does not mention, or the other way
``criterion_events``     the points per event ("每起扣6分") differ from the rule's
``target_value``         the 指标值 ("85%") differs from the rule's threshold or target
=======================  ==========================================================

The criterion is read where its numbers can be (with the parsing of
:mod:`survey.evaluation.audit`); a criterion without numbers is not a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from survey.definitions.base import read_yaml, validation_problems
from survey.definitions.evaluation import load_evaluation
from survey.definitions.rules import (
    RULE_TYPES,
    BandsRule,
    ChecklistRule,
    HigherBetterRule,
    LowerBetterRule,
    PerEventRule,
    RatioRule,
    StepRule,
)
from survey.definitions.steps import PerStepRule
from survey.errors import DefinitionError
from survey.evaluation.audit import criterion_full_marks, criterion_steps, norm_text
from survey.evaluation.score import Framework, Indicator
from survey.formatting import fmt_count, fmt_num, fmt_pct_short

LEVELS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标"}
TEXTS = {"target": "指标值", "criterion": "评分标准"}
TOTAL = 100.0
_NUM = r"(\d+(?:\.\d+)?)"
_BRACKET_POINTS = re.compile(r"\(" + _NUM + r"分\)")
_EVENT_POINTS = re.compile(r"(?:每|1)(?:起|件|次|例|人|项|个)[^扣,;。]{0,12}?扣" + _NUM + r"分")
_PCT = re.compile(_NUM + r"%")
_SCORES = re.compile(r"得" + _NUM + r"分")
_ENCLOSED = re.compile(r"[\u2460-\u24ff\u2776-\u2793]")  # ① … ⑳, ⑴, ⒈, ❶ …


@dataclass(frozen=True)
class Problem:
    """One problem of a framework file: where (``path``), a short ``code`` and the message.

    ``path`` is the key inside the file (``indicators[3].weight``), ``code`` names the check
    (``weights_sum``, ``criterion_step``, …)."""

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class FrameworkCheck:
    """The result of checking one framework file.

    ``framework`` is the loaded framework (None when it did not load) and ``problems``
    every problem found; ``ok`` when there is none."""

    file: str
    framework: Framework | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """What ``survey framework check`` prints: the problems, or one line with the points per 一级指标."""
        if self.problems:
            return [f"{self.file}: {fmt_count(len(self.problems), 'problem')}", *(f"  {self.file}: {p}" for p in self.problems)]
        fw = self.framework
        assert fw is not None  # no problem: it loaded
        by_level: dict[str, float] = {}
        for ind in fw.indicators:
            by_level[ind.level1] = by_level.get(ind.level1, 0) + ind.weight
        n, levels = len(fw.indicators), "，".join(f"{k} {fmt_num(v)}" for k, v in by_level.items())
        return [f"{self.file}: ok — {fw.id} “{fw.title}”, {n} indicator{'' if n == 1 else 's'}, "
                f"{fmt_num(sum(by_level.values()))} points ({levels})"]


def _code(path: str, message: str) -> str:
    if message.startswith("unknown key") or message.startswith("unknown type"):
        return "unknown_parameter"
    if message == "Field required":
        return "missing_parameter"
    return "invalid"


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def _number(v) -> float | None:
    """A weight as the model reads it (5, 5.0 or "5"), else None (the model reports it)."""
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _structure(data: dict) -> list[Problem]:
    """Weights and levels, read from the file itself (so they are checked even when a rule is invalid)."""
    out: list[Problem] = []
    inds = data.get("indicators")
    if not isinstance(inds, list):
        return out
    total, counted = 0.0, 0
    for i, ind in enumerate(inds):
        if not isinstance(ind, dict):
            continue
        w = _number(ind.get("weight"))
        if w is not None:
            total, counted = total + w, counted + 1
        for key, words in (*LEVELS.items(), *TEXTS.items()):
            v = ind.get(key)
            if v is None or (isinstance(v, str) and not v.strip()):
                code = "missing_level" if key in LEVELS else "missing_text"
                out.append(Problem(f"indicators[{i}].{key}", code, f"{words} ({key}) is missing or empty"))
    if counted and abs(total - TOTAL) > 1e-6:
        out.append(Problem("indicators", "weights_sum",
                           f"the weights (分值) add up to {fmt_num(total)}, expected {fmt_num(TOTAL)}"))
    return out


def _steps(path: str, rule, text: str) -> list[Problem]:
    out: list[Problem] = []
    percent = getattr(rule, "percent", True)
    full = criterion_full_marks(text)
    if full is not None and percent and not _close(full, rule.threshold):
        out.append(Problem(path, "criterion_threshold", f"the criterion gives full marks at {fmt_pct_short(full)}, "
                                                        f"the rule at threshold {fmt_pct_short(rule.threshold)}"))
    steps = [s for s in criterion_steps(text) if (s[2] == "%") == percent]
    if steps:
        direction, step, unit, points = steps[0]
        shown = fmt_pct_short(step).replace("%", "个百分点") if unit == "%" else f"{fmt_num(step)}{unit}"
        rule_step = fmt_pct_short(rule.step).replace("%", "个百分点") if percent else f"{fmt_num(rule.step)}{unit}"
        if not (_close(step, rule.step) and _close(points, rule.points)):
            out.append(Problem(path, "criterion_step", f"the criterion deducts {fmt_num(points)} per {shown}, the rule "
                                                       f"{fmt_num(rule.points)} per {rule_step}"))
        better = getattr(rule, "better", "higher")
        if (direction == "up") != (better == "lower"):
            said = "above" if direction == "up" else "below"
            out.append(Problem(path, "criterion_step", f"the criterion deducts per step {said} the threshold, the rule "
                                                       f"when the value is {'above' if better == 'lower' else 'below'} it "
                                                       f"(better: {better})"))
    mode = ("ceil" if re.search(r"不足.{0,8}?按.{0,8}?计", text) else "floor" if re.search(r"不足.{0,8}?不扣", text)
            else "linear" if "按比例" in text else None)
    if mode is not None and mode != rule.mode:
        out.append(Problem(path, "criterion_mode",
                           f"the criterion counts a partial step as {mode}, the rule's mode is {rule.mode}"))
    return out


def _unreachable(rule: BandsRule) -> list[int]:
    """Bands no value reaches, because an earlier band always holds first ([below 0.2, below 0.1])."""
    cuts = rule.cuts()
    probes = [-1e18, 1e18, *cuts, *(c - 1e-9 for c in cuts), *(c + 1e-9 for c in cuts)]
    reached = {rule.band_of(x) for x in probes}
    return [k for k in range(len(rule.bands)) if k not in reached]


def _bands(path: str, rule: BandsRule, text: str) -> list[Problem]:
    out = [Problem(f"{path}.bands[{k}]", "invalid", "no value reaches this band: an earlier band always holds first "
                                                    "(bands are tried in order; list the narrower one first)")
           for k in _unreachable(rule)]
    if rule.percent:
        said = {round(float(x) / 100, 9) for x in _PCT.findall(text)}
        bounds = {round(b, 9) for b in rule.cuts()}
        if said:
            for b in sorted(bounds - said):
                out.append(Problem(path, "criterion_bands", f"the rule has a band at {fmt_pct_short(b)}, the criterion does not"))
            for b in sorted(said - bounds):
                out.append(Problem(path, "criterion_bands", f"the criterion names {fmt_pct_short(b)}, no band of the rule does"))
    scores = {float(x) for x in _SCORES.findall(text)}
    rule_scores = {b.score for b in rule.bands} | {rule.otherwise}
    if scores and scores != rule_scores:
        out.append(Problem(path, "criterion_bands", f"the criterion gives {', '.join(fmt_num(x) for x in sorted(scores))} 分, "
                                                    f"the bands {', '.join(fmt_num(x) for x in sorted(rule_scores))}"))
    return out


def _criterion(i: int, ind: Indicator) -> list[Problem]:
    """Where the criterion's numbers can be read: do they agree with the rule and the weight?"""
    # ①②③ would read as digits once normalised ("③0.2%以上" as 30.2%): a separator instead
    path, rule, text = f"indicators[{i}]", ind.rule, norm_text(_ENCLOSED.sub(";", ind.criterion))
    out: list[Problem] = []
    brackets = [float(x) for x in _BRACKET_POINTS.findall(text)]
    if brackets and not _close(sum(brackets), ind.weight):
        out.append(Problem(f"{path}.criterion", "criterion_points",
                           f"the points in brackets add up to {fmt_num(sum(brackets))}, the weight is {fmt_num(ind.weight)}"))
    elif isinstance(rule, ChecklistRule) and len(brackets) == len(rule.items):
        for k, (b, it) in enumerate(zip(brackets, rule.items)):
            if not _close(b, it.points):
                out.append(Problem(f"{path}.rule.items[{k}]", "criterion_points",
                                   f"the criterion gives sub-item {k + 1} {fmt_num(b)}分, the rule's '{it.name}' "
                                   f"{fmt_num(it.points)}"))
    if isinstance(rule, (StepRule, PerStepRule)):
        out += _steps(f"{path}.rule", rule, text)
    elif isinstance(rule, BandsRule):
        out += _bands(f"{path}.rule", rule, text)
    elif isinstance(rule, PerEventRule):
        said = {float(x) for x in _EVENT_POINTS.findall(text)}
        points = {e.points for e in rule.events}
        if said and said != points:
            out.append(Problem(f"{path}.rule.events", "criterion_events",
                               f"the criterion deducts {', '.join(fmt_num(x) for x in sorted(said))} 分 per event, the rule "
                               f"{', '.join(fmt_num(x) for x in sorted(points))}"))
    elif isinstance(rule, (RatioRule, HigherBetterRule, LowerBetterRule)) and getattr(rule, "percent", True):
        full = criterion_full_marks(text)
        if full is not None and not _close(full, rule.target):
            out.append(Problem(f"{path}.rule.target", "criterion_threshold",
                               f"the criterion gives full marks at {fmt_pct_short(full)}, the rule's target is "
                               f"{fmt_pct_short(rule.target)}"))
    out += _target(path, ind)
    return out


def _target(path: str, ind: Indicator) -> list[Problem]:
    """指标值 such as "85%" or "≥90%" against the rule's threshold or target."""
    rule = ind.rule
    m = re.fullmatch(r"[≥>≤<]?=?" + _NUM + "%", norm_text(ind.target))
    if m is None or not getattr(rule, "percent", True):
        return []
    want = float(m.group(1)) / 100
    have = getattr(rule, "threshold", None) if isinstance(rule, (StepRule, PerStepRule)) else (
        rule.target if isinstance(rule, (RatioRule, HigherBetterRule, LowerBetterRule)) else None)
    if have is None or _close(want, have):
        return []
    return [Problem(f"{path}.target", "target_value",
                    f"the 指标值 is {fmt_pct_short(want)}, the rule's {'threshold' if hasattr(rule, 'threshold') else 'target'} "
                    f"is {fmt_pct_short(have)}")]


def check_framework(path: str | Path) -> FrameworkCheck:
    """Every problem of a framework file (an empty list: it loads and its criteria agree with its rules).

    ``path`` may be an evaluation folder: the framework its evaluation.yaml names is checked.
    """
    if Path(path).is_dir():
        ev = load_evaluation(path)
        path = ev.folder / ev.framework
    name = str(path)
    try:
        data = read_yaml(path, what="framework", keys="id, title, rates, indicators")
    except DefinitionError as exc:
        where = f" ({exc.path})" if exc.path else ""
        return FrameworkCheck(name, None, (Problem("(file)", "unreadable", exc.message + where),))
    problems = _structure(data)
    seen = {(p.path, p.code) for p in problems}
    framework = None
    try:
        framework = Framework.model_validate({**data, "file": name})
    except ValidationError as exc:
        for where, message in validation_problems(exc, data, tags={"rule": RULE_TYPES}, top="indicators",
                                                  model=Framework):
            at = re.match(r"line (\d+), (.*)", where)  # an unknown key's line: kept in the message, path as it is
            line = ""
            if at:
                where, line = at[2], f"line {at[1]}: "
            if message.startswith("the weights (分值) add up to"):
                continue  # reported from the file itself
            if where == "indicators" and "after validation, not 0" in message and data.get("indicators"):
                continue  # pydantic's echo of the invalid indicators listed one by one
            code = _code(where, message)
            if code == "missing_parameter" and (where.rsplit(".", 1)[-1] in LEVELS or where.rsplit(".", 1)[-1] in TEXTS):
                continue  # reported as missing_level / missing_text
            if (where, code) not in seen:
                problems.append(Problem(where, code, line + message))
    inds = data.get("indicators")
    for i, raw in enumerate(inds if isinstance(inds, list) else []):
        try:
            ind = framework.indicators[i] if framework is not None else Indicator.model_validate(raw)
        except ValidationError:
            continue  # its problems are listed above
        problems += [Problem(q.path, q.code, f"'{ind.name}': {q.message}") for q in _criterion(i, ind)]
    return FrameworkCheck(name, framework, tuple(sorted(problems, key=_position)))


def _position(p: Problem) -> int:
    """Problems of the whole file first, then by indicator (the order within one is kept: sorted is stable)."""
    m = re.match(r"indicators\[(\d+)\]", p.path)
    return -1 if m is None else int(m.group(1))
