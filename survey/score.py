"""Scoring annex indicators (评分表) from their rules.

Rules are data (a framework YAML), not code paths. This module holds the rule
types and the framework loader; :func:`score_rate` scores one satisfaction rate.

Step deduction ("≥85%得满分，低于85%每降低5%扣1分，扣完为止"):
    shortfall = threshold − rate (0 if the rate reaches the threshold)
    steps     = ceil(shortfall / step)    mode ``ceil``   (a partial step counts, 不足5%按5%计 — default)
              = floor(shortfall / step)   mode ``floor``  (only whole steps count)
              = shortfall / step          mode ``linear`` (proportional)
    score     = max(0, weight − steps × points)
The rate is compared unrounded; the narrative shows it to two decimals in %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import DefinitionError, ScoringError, choice_error
from .vocab import STEP_MODES

MODE_TEXT = {"ceil": "不足{step}按{step}计", "floor": "不足{step}不扣分", "linear": "按比例扣分"}
DEFAULT_FRAMEWORK = "nanjing-2021.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class StepRule(_Model):
    type: Literal["step_deduction"] = "step_deduction"
    threshold: float = Field(gt=0, le=1)
    step: float = Field(gt=0, le=1)
    points: float = Field(gt=0)
    mode: Literal[STEP_MODES] = "ceil"


class Indicator(_Model):
    level1: str
    level2: str
    name: str
    target: str
    criterion: str
    weight: float = Field(gt=0)
    rule: StepRule


class Framework(_Model):
    id: str
    title: str
    indicators: tuple[Indicator, ...]
    file: str | None = None

    def indicator(self, name: str) -> Indicator:
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise choice_error(ScoringError, "indicator", name, [i.name for i in self.indicators], file=self.file)


def load_framework(path: str | Path | None = None) -> Framework:
    """Load a scoring framework; ``None`` loads the one shipped with the package."""
    if path is None:
        ref = resources.files("survey.frameworks").joinpath(DEFAULT_FRAMEWORK)
        text, name = ref.read_text(encoding="utf-8"), f"survey/frameworks/{DEFAULT_FRAMEWORK}"
    else:
        try:
            text, name = Path(path).read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            raise DefinitionError("framework file not found", file=path) from None
        except (IsADirectoryError, UnicodeDecodeError) as exc:
            raise DefinitionError(f"cannot read the framework ({type(exc).__name__})", file=path,
                                  hint="name a UTF-8 YAML file") from None
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise DefinitionError("expected a mapping with id, title and indicators", file=name,
                                  got=type(data).__name__)
        data["file"] = name
        return Framework.model_validate(data)
    except (yaml.YAMLError, TypeError) as exc:
        raise DefinitionError(f"invalid framework YAML: {exc}", file=name) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        raise DefinitionError(err["msg"], file=name, path=loc) from None


@dataclass(frozen=True)
class Score:
    """One indicator's score and the text of its 评分过程."""

    indicator: str
    weight: float
    rate: float
    steps: float
    deduction: float
    score: float
    mode: str
    narrative: str


def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _num(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def score_rate(rate: float, rule: StepRule, weight: float, *, indicator: str = "", mode: str | None = None) -> Score:
    """Score a satisfaction rate by a step-deduction rule (``mode`` overrides the rule's)."""
    mode = mode or rule.mode
    if mode not in STEP_MODES:
        raise choice_error(ScoringError, "step mode", mode, STEP_MODES)
    if rate is None or not (0 <= rate <= 1):
        raise ScoringError(f"satisfaction rate of '{indicator}' is not a proportion", got=rate, expected="0 … 1")
    shortfall = max(0.0, rule.threshold - rate)
    raw = round(shortfall / rule.step, 9)  # 0.85 − 0.80 is 0.04999…; do not lose a step to it
    steps = {"ceil": math.ceil, "floor": math.floor, "linear": float}[mode](raw)
    deduction = min(weight, steps * rule.points)
    if mode == "linear":
        deduction = round(deduction, 2)  # scores are published to two decimals
    score = round(weight - deduction, 6)
    shown = _pct(rate)
    if raw > 0 and shown == _pct(rule.threshold):  # 84.9999…% must not read as 85.00%
        shown = f"{rate * 100:.6f}".rstrip("0") + "%"
    if raw == 0:
        text = f"满意度为{shown}，得{_num(score)}分"
    else:
        step_txt = _pct(rule.step).replace(".00", "")
        how = MODE_TEXT[mode].format(step=step_txt)
        text = (f"满意度为{shown}，低于{_pct(rule.threshold).replace('.00', '')}，"
                f"每降低{step_txt}扣{_num(rule.points)}分（{how}），扣{_num(deduction)}分，得{_num(score)}分")
    return Score(indicator, weight, rate, float(steps), float(deduction), score, mode, text)
