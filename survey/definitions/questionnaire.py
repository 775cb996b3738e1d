"""Questionnaire definitions: YAML files loaded into frozen, validated models.

A definition says what was asked (items, their answer scales and dimensions), which
answers count as satisfied, how the satisfaction measures are computed and which
annex indicator each feeds, how the export's metadata columns are named, who is
out of scope and which valid-questionnaire (有效问卷) rules apply.

Entry point: :func:`load`. Every problem is reported with the file and the path
inside it (``questionnaires/staff.yaml: items[3].scale: …``); :func:`check` returns
all problems at once for ``survey questionnaire check``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from survey.definitions.base import FrozenModel as _Model
from survey.definitions.base import read_yaml, repeated, unknown_name, validation_problems
from survey.definitions.patterns import pattern_problem
from survey.definitions.vocab import (
    METADATA_FIELDS,
    Action,
    FormatName,
    FrameWeightingMethod,
    ItemType,
    MeasureType,
)
from survey.errors import DefinitionError


class Scale(_Model):
    """An ordered answer scale; an option's code is its 1-based position."""

    options: tuple[str, ...] = Field(min_length=2)
    satisfied: tuple[str, ...] = Field(min_length=1)
    not_applicable: tuple[str, ...] = ()
    scores: dict[str, float] = Field(default_factory=dict)

    @field_validator("options")
    @classmethod
    def _unique(cls, v):
        dup = repeated(v)
        if dup:
            raise ValueError(f"options listed twice: {', '.join(dup)}")
        return v


class Item(_Model):
    """One question (or one row of a matrix): its id, number, text, type, scale or options, dimension.

    ``aliases`` are other header texts that match it; ``required`` overrides the
    default (every closed item must be answered, a text item need not be). ``themes``
    (open-ended ``text`` items only) groups the answers in the report: theme name → the
    keywords, any one of which puts an answer under the theme
    (:func:`survey.render.suggestions.group_suggestions`).
    """

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    number: int | None = Field(default=None, ge=1)
    text: str = Field(min_length=1)
    type: ItemType
    scale: str | None = None
    options: tuple[str, ...] | None = None
    dimension: str | None = None
    aliases: tuple[str, ...] = ()
    required: bool | None = None
    themes: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("themes")
    @classmethod
    def _themes(cls, v):
        for name, words in v.items():
            if not str(name).strip():
                raise ValueError("a theme needs a name")
            kept = [w for w in words if str(w).strip()]
            if not kept or len(kept) != len(words):
                raise ValueError(f"theme '{name}' needs a list of non-empty keywords")
        return v

    @model_validator(mode="after")
    def _themes_on_text(self):
        if self.themes and self.type != "text":
            raise ValueError(f"themes are for open-ended items (type: text), not type '{self.type}'")
        return self

    @property
    def is_required(self) -> bool:
        return self.type != "text" if self.required is None else self.required


class Dimension(_Model):
    """A dimension of the satisfaction scale (a group of items with its own α and rates)."""

    name: str
    description: str = ""


class Measure(_Model):
    """A satisfaction measure the questionnaire reports: its type, the items it runs over, the indicator it feeds.

    ``top_box`` takes one ``item``; the pooled types take ``items`` (``scored``, a
    dimension name or a list of item ids); ``indicator`` names the annex row it scores.
    """

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str
    type: MeasureType
    item: str | None = None
    items: str | tuple[str, ...] | None = None
    indicator: str | None = None


class Screening(_Model):
    """An out-of-scope rule: a response answering ``item`` with one of ``exclude`` is not valid (``reason``)."""

    item: str
    exclude: tuple[str, ...] = Field(min_length=1)
    reason: str


class Source(_Model):
    """Where the responses are: the sheet names to look for, the export format, a column map.

    ``sheets`` is needed for a workbook that holds several surveys (``survey analyze WORKBOOK``);
    an evaluation folder names each export in evaluation.yaml, a file of its own needs none.
    """

    sheets: tuple[str, ...] = ()
    format: Literal["auto", FormatName] = "auto"
    # export header → item id, `id[k]` (option k of a multiple-choice item), metadata field, or null (ignore)
    columns: dict[str, str | None] = Field(default_factory=dict)


def column_map_problems(q: Questionnaire, mapping: dict) -> list[tuple[str, str]]:
    """Problems of a column map, as (header, message).

    An entry whose target ``q`` does not know (item id, ``id[k]`` option column,
    metadata field), and a target named by two headers.
    """
    ids = [it.id for it in q.items]
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for header, target in mapping.items():
        if target is None:
            continue
        if not isinstance(target, str):
            problems.append((str(header), f"{target!r} is not an item id or metadata field"))
            continue
        base, _, rest = target.partition("[")
        if rest:
            k = rest[:-1] if rest.endswith("]") else ""
            if base not in ids or q.item(base).type != "multiple":
                problems.append((str(header), f"'{base}' is not a multiple-choice item; {target} needs one"))
            elif not k.isdigit() or not 1 <= int(k) <= len(q.options(base)):
                problems.append((str(header), f"'{target}': option number out of range 1..{len(q.options(base))}"))
        elif target not in ids and target not in METADATA_FIELDS:
            problems.append((str(header), f"unknown item or metadata field '{target}'; items are {', '.join(ids)}; "
                                          f"metadata fields are {', '.join(METADATA_FIELDS)}"))
        if target in seen:
            problems.append((str(header), f"'{target}' is already the column '{seen[target]}'"))
        seen[target] = str(header)
    return problems


class Fieldwork(_Model):
    """The fieldwork: its dates (for test submissions before it) and the number of questionnaires issued."""

    start: dt.date | None = None
    end: dt.date | None = None
    issued: int | None = Field(default=None, ge=1)  # questionnaires issued (发放), for the return rate


class TooFast(_Model):
    """The too-fast rule: below ``seconds`` or ``median_share`` × the median duration."""

    seconds: float = Field(default=60, ge=0)
    median_share: float = Field(default=0.3, ge=0, le=1)
    action: Literal[Action, "exclude_if_straightlined"] = "exclude_if_straightlined"


class Straightlining(_Model):
    """The straight-lining rule: zero spread over at least ``min_items`` scale items."""

    min_items: int = Field(default=8, ge=2)
    action: Action = "flag"


class Duplicates(_Model):
    """The duplicate rule: identical answers from the same IP within ``window_minutes`` (the later copy)."""

    window_minutes: float = Field(default=10, ge=0)
    action: Action = "exclude"


class SameIP(_Model):
    """The same-IP rule: several responses from one address (a flag by default: shared office networks)."""

    action: Action = "flag"


class TestSubmissions(_Model):
    """The test-submission rule: answers before the fieldwork, or free text matching ``text_pattern``."""

    before_fieldwork: bool = True
    text_pattern: str | None = None
    action: Action = "exclude"


class PlatformFlags(_Model):
    """The platform's own quality flags (腾讯问卷 清洗数据结果, 智能清洗数据无效概率)."""

    invalid_text: str = "无效"  # 腾讯问卷 清洗数据结果 containing this marks an invalid answer sheet
    max_probability: float = Field(default=0.7, ge=0, le=1)  # 智能清洗数据无效概率 at or above
    action: Action = "exclude"


class Attention(_Model):
    """An attention item (此题请选择“满意”): a response whose answer is not ``answer`` fails."""

    item: str
    answer: str
    action: Action = "exclude"


class Condition(_Model):
    """One side of a logic conflict: ``item`` answered with any of ``answers``."""

    item: str
    answers: tuple[str, ...] = Field(min_length=1)  # any of these options (chosen, for a multiple item)


class Conflict(_Model):
    """Answers that cannot go together: ``when`` and ``then`` both hold → a logic conflict."""

    when: Condition
    then: Condition
    reason: str


class Logic(_Model):
    """Logic conflicts: exclusive options of multiple items (chosen with others) and declared conflicts."""

    exclusive: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # item id → options chosen only alone
    conflicts: tuple[Conflict, ...] = ()
    action: Action = "exclude"


class Cleaning(_Model):
    """The valid-questionnaire rules of a questionnaire (DOMAIN.md §2), each optional."""

    platform_flags: PlatformFlags | None = PlatformFlags()
    attention: tuple[Attention, ...] = ()
    logic: Logic | None = None
    too_fast: TooFast | None = None
    straightlining: Straightlining | None = None
    duplicates: Duplicates | None = None
    same_ip: SameIP | None = None
    test_submissions: TestSubmissions | None = None


class Weighting(_Model):
    """How the valid responses are weighted to the population frame of the workbook.

    ``population`` names the column of the frame sheet (one row per district) with the
    district's population; ``margins`` are items whose population counts are rows of
    the margins sheet (变量 = the item's text, 类别 = an option, 人数 = the count).
    """

    frame_sheet: str = "抽样框"
    population: str
    margins_sheet: str = "对象构成"
    margins: tuple[str, ...] = ()
    method: FrameWeightingMethod = "poststratify"
    bounds: tuple[float, float] | None = None
    trim_upper: float | None = Field(default=None, gt=1)
    fpc: bool = True


class Questionnaire(_Model):
    """A validated questionnaire definition. Build it with :func:`load`."""

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")
    version: str = "1"
    title: str
    respondents: str = ""
    mode: Literal["online", "interview"] = "online"
    source: Source = Field(default_factory=Source)
    fieldwork: Fieldwork = Fieldwork()
    metadata: dict[str, str] = Field(default_factory=dict)
    scales: dict[str, Scale] = Field(default_factory=dict)
    district_item: str | None = None
    area_unit: str | None = Field(default=None, min_length=1, max_length=8)  # 区 / 乡镇 / 街道 …: evaluation.yaml's
    dimensions: tuple[Dimension, ...] = ()
    items: tuple[Item, ...] = Field(min_length=1)
    measures: tuple[Measure, ...] = Field(min_length=1)
    screening: tuple[Screening, ...] = ()
    cleaning: Cleaning = Cleaning()
    weighting: Weighting | None = None
    file: str | None = None  # set by load(), for messages

    # -- lookups -------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def options(self, item_id: str) -> tuple[str, ...]:
        """The item's options in questionnaire order (code = position + 1)."""
        it = self.item(item_id)
        if it.scale is not None:
            return self.scales[it.scale].options
        return it.options or ()

    def scale_of(self, item_id: str) -> Scale | None:
        it = self.item(item_id)
        return None if it.scale is None else self.scales[it.scale]

    @property
    def unit_word(self) -> str:
        """What the breakdown unit is called (区, 县, 乡镇, 街道 …), for text.

        ``area_unit`` when set (an evaluation folder sets it from evaluation.yaml's
        ``area_unit``), else the district item's text without a leading 您所在的 / 所在 when
        that leaves a short word (``您所在的区`` → ``区``), or what follows its last 所在
        (``孩子就读学校所在街道`` → ``街道``); 单位 when there is no such item or its text is long.
        """
        if self.area_unit:
            return self.area_unit
        if not self.district_item:
            return "单位"
        text = self.item(self.district_item).text
        for prefix in ("您所在的", "您所在", "所在"):
            if text.startswith(prefix):
                text = text[len(prefix):]
        if len(text) > 4 and "所在" in text:  # 孩子就读学校所在街道 → 街道
            text = text.rsplit("所在", 1)[1].removeprefix("的")
        return text if 1 <= len(text) <= 4 else "单位"

    def variable_word(self, item_id: str) -> str:
        """An item's name as a variable in text (年龄段结构, 按性别加权).

        Its text without a leading 您的 / 您所在的 / 请问您的 and a trailing question mark, when
        that leaves a short word (``您的年龄段`` → ``年龄段``); else the text as it is.
        """
        text = self.item(item_id).text.rstrip("？?：: ")
        for prefix in ("请问您的", "请问您", "您所在的", "您的", "您"):
            if text.startswith(prefix) and 1 <= len(text) - len(prefix) <= 6:
                return text[len(prefix):]
        return text

    @property
    def scored_items(self) -> tuple[str, ...]:
        """Items that belong to a dimension (the satisfaction battery)."""
        return tuple(it.id for it in self.items if it.dimension is not None)

    def measure_items(self, measure: Measure) -> tuple[str, ...]:
        """The items a pooled measure runs over (``scored``, a dimension, or a list)."""
        if measure.type == "top_box":
            return () if measure.item is None else (measure.item,)
        spec = measure.items if measure.items is not None else "scored"
        if isinstance(spec, str):
            if spec == "scored":
                return self.scored_items
            return tuple(it.id for it in self.items if it.dimension == spec)
        return tuple(spec)

    def dimension_items(self, name: str) -> tuple[str, ...]:
        return tuple(it.id for it in self.items if it.dimension == name)

    @property
    def label(self) -> str:
        return f"{self.id} ({self.title})"


def _scale_problems(q: Questionnaire, problems: list[tuple[str, str]]) -> None:
    """Each scale's satisfied / not_applicable / scores against its options."""
    for name, sc in q.scales.items():
        base = f"scales.{name}"
        for field in ("satisfied", "not_applicable"):
            for opt in getattr(sc, field):
                if opt not in sc.options:
                    problems.append((f"{base}.{field}", f"unknown option '{opt}'; options are {', '.join(sc.options)}"))
        both = set(sc.satisfied) & set(sc.not_applicable)
        if both:
            problems.append((f"{base}.not_applicable",
                             f"'{', '.join(sorted(both))}' cannot be both satisfied and not applicable"))
        for opt in sc.scores:
            if opt not in sc.options:
                problems.append((f"{base}.scores", f"unknown option '{opt}'; options are {', '.join(sc.options)}"))
            elif opt in sc.not_applicable:
                problems.append((f"{base}.scores", f"'{opt}' leaves the denominator and cannot have a score"))
        if sc.scores:
            missing = [o for o in sc.options if o not in sc.scores and o not in sc.not_applicable]
            if missing:
                problems.append((f"{base}.scores", f"no score for {', '.join(missing)}"))


def _item_problems(q: Questionnaire, ids: list[str], dims: list[str], problems: list[tuple[str, str]]) -> None:
    """Item ids, scales/options, matrix numbers and dimensions; duplicate dimensions."""
    for i, it in enumerate(q.items):
        base = f"items[{i}]"
        if ids.count(it.id) > 1:
            problems.append((f"{base}.id", f"item id '{it.id}' is used twice"))
        if it.type == "text":
            if it.scale or it.options:
                problems.append((base, "a text item has no scale or options"))
        elif it.scale is None and not it.options:
            problems.append((base, f"item '{it.id}' needs a scale or options"))
        elif it.scale is not None and it.options:
            problems.append((base, f"item '{it.id}' has both a scale and options; keep one"))
        elif it.scale is not None and it.scale not in q.scales:
            problems.append((f"{base}.scale", f"unknown scale '{it.scale}'; scales are {', '.join(q.scales) or '(none)'}"))
        if it.type == "matrix_row" and it.number is None:
            problems.append((f"{base}.number", "a matrix row needs the question number of its matrix"))
        if it.dimension is not None:
            if it.dimension not in dims:
                problems.append((f"{base}.dimension",
                                 f"unknown dimension '{it.dimension}'; dimensions are {', '.join(dims) or '(none)'}"))
            if it.scale is None:
                problems.append((f"{base}.dimension", f"item '{it.id}' is in a dimension but has no scale"))
    for d in dims:
        if dims.count(d) > 1:
            problems.append(("dimensions", f"dimension '{d}' is listed twice"))


def _unknown(item_id, ids: list[str]) -> str:
    """``unknown item 'overal' — did you mean 'overall'?`` (or the items there are)."""
    return unknown_name(str(item_id), ids, what="item", listing="items are")


def _measure_problems(q: Questionnaire, ids: list[str], dims: list[str], problems: list[tuple[str, str]]) -> None:
    """Measure ids, their item / items, scores and indicators.

    ``problems`` holds everything found so far: "runs over no item" is only reported
    when nothing else is wrong (an earlier problem may be its cause).
    """
    def check_item(path: str, item_id: str | None, need_scale: bool) -> None:
        if item_id is None:
            problems.append((path, "an item is required here"))
        elif item_id not in ids:
            problems.append((path, _unknown(item_id, ids)))
        elif need_scale and q.item(item_id).scale is None:
            problems.append((path, f"item '{item_id}' has no scale (no satisfied set)"))

    mids = [m.id for m in q.measures]
    indicators = [m.indicator for m in q.measures if m.indicator]
    for i, m in enumerate(q.measures):
        base = f"measures[{i}]"
        if mids.count(m.id) > 1:
            problems.append((f"{base}.id", f"measure id '{m.id}' is used twice"))
        if m.type == "top_box":
            check_item(f"{base}.item", m.item, True)
        else:
            if m.item is not None:
                problems.append((f"{base}.item", f"a {m.type} measure takes `items`, not `item`"))
            spec = m.items if m.items is not None else "scored"
            if isinstance(spec, str):
                if spec != "scored" and spec not in dims:
                    problems.append((f"{base}.items", f"'{spec}' is neither 'scored' nor a dimension ({', '.join(dims)})"))
            else:
                for j, item_id in enumerate(spec):
                    check_item(f"{base}.items[{j}]", item_id, True)
            if not q.measure_items(m) and not problems:
                problems.append((f"{base}.items", "the measure runs over no item"))
            if m.type == "score_index":
                for item_id in q.measure_items(m):
                    scale = q.item(item_id).scale if item_id in ids else None
                    if scale is not None and scale in q.scales and not q.scales[scale].scores:
                        problems.append((f"{base}.items", f"item '{item_id}' has a scale without scores"))
                        break
        if m.indicator and indicators.count(m.indicator) > 1:
            problems.append((f"{base}.indicator", f"indicator '{m.indicator}' is fed by more than one measure"))


def _screening_problems(q: Questionnaire, ids: list[str], problems: list[tuple[str, str]]) -> None:
    """Screening rules' items and excluded options; the district item."""
    for i, s in enumerate(q.screening):
        base = f"screening[{i}]"
        if s.item not in ids:
            problems.append((f"{base}.item", _unknown(s.item, ids)))
            continue
        opts = q.options(s.item)
        for opt in s.exclude:
            if opt not in opts:
                problems.append((f"{base}.exclude", f"unknown option '{opt}' of item '{s.item}'; options are {', '.join(opts)}"))
    if q.district_item is not None and q.district_item not in ids:
        problems.append(("district_item", _unknown(q.district_item, ids)))


def _cleaning_problems(q: Questionnaire, ids: list[str], problems: list[tuple[str, str]]) -> None:
    """Items and answers named by the attention checks and the logic rules."""
    def check_options(base: str, item_id: str, answers) -> None:
        if item_id not in ids:
            problems.append((f"{base}.item", _unknown(item_id, ids)))
            return
        opts = q.options(item_id)
        for a in answers:
            if a not in opts:
                problems.append((base, f"unknown option '{a}' of item '{item_id}'; options are {', '.join(opts)}"))

    for i, a in enumerate(q.cleaning.attention):
        check_options(f"cleaning.attention[{i}]", a.item, [a.answer])
    if q.cleaning.logic is not None:
        for item_id, opts in q.cleaning.logic.exclusive.items():
            check_options(f"cleaning.logic.exclusive.{item_id}", item_id, opts)
            if item_id in ids and q.item(item_id).type != "multiple":
                problems.append((f"cleaning.logic.exclusive.{item_id}", "exclusive options need a multiple item"))
        for i, c in enumerate(q.cleaning.logic.conflicts):
            check_options(f"cleaning.logic.conflicts[{i}].when", c.when.item, c.when.answers)
            check_options(f"cleaning.logic.conflicts[{i}].then", c.then.item, c.then.answers)


def _weighting_problems(q: Questionnaire, ids: list[str], problems: list[tuple[str, str]]) -> None:
    """Weighting needs a district item; its margins must be single-choice items."""
    if q.weighting is not None:
        if q.district_item is None:
            problems.append(("weighting", "weighting to the frame needs district_item"))
        for i, item_id in enumerate(q.weighting.margins):
            if item_id not in ids:
                problems.append((f"weighting.margins[{i}]", _unknown(item_id, ids)))
            elif q.item(item_id).type != "single":
                problems.append((f"weighting.margins[{i}]", f"item '{item_id}' is not a single-choice item"))
        if q.weighting.margins and q.weighting.method == "poststratify":
            problems.append(("weighting.method", "margins need method rake or calibrate"))


def _reference_problems(q: Questionnaire) -> list[tuple[str, str]]:
    """Cross-references pydantic cannot see: scales, options, items, dimensions."""
    problems: list[tuple[str, str]] = []
    _scale_problems(q, problems)
    ids = [it.id for it in q.items]
    dims = [d.name for d in q.dimensions]
    _item_problems(q, ids, dims, problems)
    _measure_problems(q, ids, dims, problems)  # after the others: it looks at what they found
    _screening_problems(q, ids, problems)
    _cleaning_problems(q, ids, problems)
    _weighting_problems(q, ids, problems)
    test = q.cleaning.test_submissions
    if test is not None and test.text_pattern is not None and (bad := pattern_problem(test.text_pattern)):
        problems.append(("cleaning.test_submissions.text_pattern", bad))
    for key in q.metadata:
        if key not in METADATA_FIELDS:
            problems.append((f"metadata.{key}", f"unknown metadata field; allowed: {', '.join(METADATA_FIELDS)}"))
    problems += [(f"source.columns.{h}", m) for h, m in column_map_problems(q, q.source.columns)]
    return problems


def _read_yaml(path: Path) -> dict:
    return read_yaml(path, what="questionnaire", keys="id, title, items, …")


def check(path: str | Path) -> tuple[Questionnaire | None, list[str]]:
    """Validate a definition file; return the model (or None) and every problem found.

    Each problem reads ``path.inside.file: message``.
    """
    path = Path(path)
    try:
        data = _read_yaml(path)
    except DefinitionError as exc:
        got = f" (got {exc.got})" if exc.got is not None else ""
        return None, [f"{exc.path + ': ' if exc.path else ''}{exc.message}{got}"]
    q, problems = _validate(path, data)
    return q, [f"{p}: {m}" for p, m in problems]


def _validate(path: Path, data: dict) -> tuple[Questionnaire | None, list[tuple[str, str]]]:
    """The model of a file's mapping, or None; and every (path inside the file, message) problem."""
    data.setdefault("file", str(path))
    try:
        q = Questionnaire.model_validate(data)
    except ValidationError as exc:
        return None, list(validation_problems(exc, data, model=Questionnaire))
    problems = [(_with_line(where, data), message) for where, message in _reference_problems(q)]
    return (None if problems else q), problems


def _with_line(where: str, data) -> str:
    """``measures[0].item`` → ``line 31, measures[0].item`` when the file's line of that key is known."""
    parts = tuple(int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", where))
    line = getattr(data, "lines", {}).get(parts)
    return f"line {line}, {where}" if line else where


def load(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire definition.

    Raises :class:`~survey.errors.DefinitionError` naming the file and the path of
    the first problem (and how many more there are).
    """
    path = Path(path)
    q, problems = _validate(path, _read_yaml(path))  # a file that is not YAML: its own error and fix
    if problems:
        first, msg = problems[0]
        n = len(problems) - 1
        more = f" (and {n} more problem{'s' if n > 1 else ''}: run `survey questionnaire check {path}`)" if n else ""
        raise DefinitionError(msg + more, file=str(path), path=first,
                              hint="correct the definition; `survey questionnaire check FILE` lists every problem")
    assert q is not None
    return q


def load_dir(folder: str | Path) -> list[Questionnaire]:
    """Every ``*.yaml`` / ``*.yml`` definition in a folder, sorted by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DefinitionError("questionnaire folder not found", file=folder,
                              hint="pass --questionnaires DIR pointing at the questionnaire YAML files")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise DefinitionError("no questionnaire definitions (*.yaml) in the folder", file=folder,
                              hint="add the questionnaire YAML files or pass --questionnaires DIR")
    qs = [load(f) for f in files]
    seen: dict[str, str] = {}
    for q in qs:
        if q.id in seen:
            raise DefinitionError(f"questionnaire id '{q.id}' is also used by {seen[q.id]}", file=q.file, path="id")
        seen[q.id] = q.file or ""
    return qs
