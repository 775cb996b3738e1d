"""What every annex rule shares: the :class:`Outcome` it returns, the facts it reads
(:class:`FactView`), the 评分过程 text's ending ("扣N分，得M分", :func:`finish`), values
shown with the decimals their score needs (:func:`shown_value`) and the step count of a
per-step deduction (:func:`count_steps`).

The rule models live in :mod:`survey.definitions.rules` (and the general per-step rule in
:mod:`survey.definitions.steps`); this module is below both.

>>> count_steps(0.85 - 0.80, 0.05, "ceil"), count_steps(0.012, 0.01, "ceil"), count_steps(0.012, 0.01, "floor")
(1.0, 2.0, 1.0)
>>> finish(15, 1, ["满意度为82.10%"]).narrative
'满意度为82.10%，扣1分，得14分'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from survey.errors import ScoringError
from survey.formatting import fmt_num

MODE_TEXT = {"ceil": "不足{step}按{step}计", "floor": "不足{step}不扣分", "linear": "按比例扣分"}
SCORE_DECIMALS = 2        # scores that are not whole are published to two decimals


def published(x: float) -> float:
    """A score that is not whole, as published: two decimals."""
    return round(x, SCORE_DECIMALS)


def shown_value(x: float, key: Callable[[float], object], *, percent: bool = True, max_digits: int = 12) -> str:
    """``x`` as the narrative shows it next to its score, with as many decimals as it takes.

    Two decimals (in % when ``percent``), more while the value shown would score differently.

    ``key(v)`` identifies the scoring band or step of a value (its score and which side
    of the threshold it is on); decimals are added until ``key(shown) == key(x)``, so a
    reader who re-scores the shown value gets the published score: a rate of 0.799996
    reads "79.9996%", not "80.00%" (which is one step up); 2 re-offenders of 2003 read
    "0.0998%", not "0.10%" (which is not below 0.1%).
    """
    want = key(x)
    text = ""
    for d in range(2, max_digits + 1):
        if percent:
            text = f"{x * 100:.{d}f}%"
            back = float(text[:-1]) / 100
        else:
            text = fmt_num(x) if d == 2 else f"{x:.{d}f}".rstrip("0").rstrip(".")
            back = float(text)
        if key(back) == want:
            return text
    return text


@dataclass(frozen=True)
class Outcome:
    """What a rule gives for one indicator."""

    score: float
    deduction: float
    narrative: str


class FactView(Protocol):
    """The facts of one indicator (implemented by :class:`survey.inputs.facts.IndicatorFacts`)."""

    indicator: str

    def value(self, item: str) -> float: ...
    def rows(self) -> list: ...            # facts in sheet order: .item, .value, .note
    def notes(self) -> list[str]: ...
    def error(self, message: str, item: str | None = None, **kw) -> ScoringError: ...


def finish(weight: float, deduction: float, parts: list[str], *, sep: str = "，",
            state_deduction: bool = True, total: str = "") -> Outcome:
    """The outcome of a rule: the deduction clamped to 0 … weight, the score and the text.

    The text is ``parts`` joined by ``sep``, then "扣N分" (unless a part already says it:
    ``state_deduction=False``) and "得N分"; with ``total`` (合计) that ending is a clause of
    its own after the parts: "…；合计扣1分，得3分"."""
    deduction = round(min(weight, max(0.0, deduction)), 6)
    score = round(weight - deduction, 6)
    text = sep.join(p for p in parts if p)
    end = [f"扣{fmt_num(deduction)}分"] if state_deduction and deduction > 0 else []
    end.append(f"得{fmt_num(score)}分")
    if total and text:
        return Outcome(score, deduction, f"{text}；{total}{'，'.join(end)}")
    return Outcome(score, deduction, f"{text}{'，' if text else ''}{'，'.join(end)}")


def itemised(weight: float, lines: Sequence[tuple[str, str, float, float | None]]) -> Outcome:
    """The outcome of a rule scored sub-item by sub-item, each line naming its sub-item.

    ``lines``: (sub-item, the evaluator's note, points off, its mark or None). Each becomes
    "（k）sub-item：note，扣X分" (or "，得M分" when nothing is off; no "sub-item：" when it is
    empty), joined by "；", then
    "合计扣N分，得M分" — the way a reviewer writes a 评分过程 of several points. One line
    alone is "sub-item：note，扣N分，得M分".

    >>> itemised(2, [("设有项目目标", "有绩效目标", 0, 1), ("项目目标量化", "", 1, 0)]).narrative
    '（1）设有项目目标：有绩效目标，得1分；（2）项目目标量化：扣1分；合计扣1分，得1分'
    >>> itemised(4, [("资金使用", "个别区未及时使用", 1, None)]).narrative
    '资金使用：个别区未及时使用，扣1分，得3分'
    """
    deduction = sum(off for _, _, off, _ in lines)
    if len(lines) == 1:
        name, note, _, _ = lines[0]
        return finish(weight, deduction, [f"{name}：{note}" if note else name])
    out = []
    for k, (name, note, off, mark) in enumerate(lines, start=1):
        says = f"扣{fmt_num(off)}分" if off > 0 else f"得{fmt_num(mark)}分" if mark is not None else "不扣分"
        out.append(f"（{k}）{name}{'：' if name else ''}{note}{'，' if note else ''}{says}")
    return finish(weight, deduction, out, sep="；", total="合计")


def lead(view: FactView) -> str:
    """The evaluator's notes (the facts' 说明) that lead a 评分过程, each said once.

    Two facts of one indicator with the same 说明 (核查资料) must not read "核查资料；核查资料".

    >>> from types import SimpleNamespace
    >>> lead(SimpleNamespace(notes=lambda: ["核查资料", "核查资料", "预算批复"]))
    '核查资料；预算批复'
    """
    return "；".join(dict.fromkeys(view.notes()))


def count_steps(shortfall: float, step: float, mode: str) -> float:
    """Steps counted for a shortfall (≥ 0) below a threshold.

    Whole steps rounded up (``mode="ceil"``, 不足一步按一步计), down (``"floor"``) or the
    exact fraction (any other mode, "linear").

    The quotient is rounded to 9 decimals first: 0.85 − 0.80 is 0.04999…, which must
    not lose a step to floating point.
    """
    raw = round(max(0.0, shortfall) / step, 9)
    if mode == "ceil":
        return float(math.ceil(raw))
    return float(math.floor(raw)) if mode == "floor" else raw
