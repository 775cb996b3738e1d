"""An evaluation as a folder: ``evaluation.yaml`` loaded into a frozen, validated model.

A folder (scaffolded by ``survey init``) holds one evaluation::

    evaluation.yaml      the project, fund, year, commissioning body, unit of the area
                         breakdown, fieldwork, thresholds and the names of the inputs
    framework.yaml       the annex scoring framework (评分表)
    questionnaires/      one YAML per questionnaire
    raw/                 the exports, the frame, the facts and the fund allocation

:func:`load_evaluation` reads and validates ``evaluation.yaml`` (every problem at once,
each with its key path: ``evaluation.yaml: questionnaires.staff.fieldwork.issued: …``);
:func:`resolve_inputs` turns it into plain paths and sheet names (:class:`Inputs`), checking
that the files exist, so that a pipeline can read them. An input is named either as a
file (``raw/frame.csv``; ``.xlsx`` / ``.xls`` / ``.csv`` / ``.sav``), a sheet of the
evaluation's workbook (``inputs.workbook``), or both (``{file: raw/x.xlsx, sheet: 抽样框}``).

>>> ev = Evaluation.model_validate({
...     "project": "某县农村饮水安全补助资金绩效评价", "fund": "农村饮水安全补助资金", "year": 2023,
...     "commissioned_by": "某县财政局", "area_unit": "乡镇",
...     "questionnaires": {"residents": {"export": "raw/residents.csv"}},
...     "inputs": {"workbook": "raw/data.xlsx", "frame": "抽样框", "facts": "指标数据"}})
>>> ev.questionnaires["residents"].export[0].file, ev.inputs.frame.sheet, ev.thresholds.margin
('raw/residents.csv', '抽样框', 0.05)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from survey.definitions.base import FrozenModel, problems_error, read_yaml, validation_problems
from survey.definitions.questionnaire import Fieldwork
from survey.errors import DefinitionError

EVALUATION_FILE = "evaluation.yaml"
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")   # as a questionnaire's id
INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".sav", ".zsav")
SHEETLESS_SUFFIXES = (".csv", ".sav", ".zsav")   # files that hold one table


# a year is followed by 年 or by no Chinese character: 样本1950份 or 2000人 count, they name no year
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=年|[^\d\u3400-\u9fff]|$)")


def years_in(text: str | None) -> set[int]:
    """The four-digit years (1900–2099) a text names: 2021年, or a number on its own as in 2022.xlsx.

    >>> sorted(years_in("南京市2021年社区矫正专项资金 raw/2022.xlsx 12345 样本1950份"))
    [2021, 2022]
    """
    return {int(y) for y in _YEAR.findall(text or "")}


class InputRef(FrozenModel):
    """Where one input table is: a file, a sheet of the evaluation's workbook, or both.

    ``file`` is relative to the folder; ``sheet`` is a sheet of the evaluation's workbook,
    or of ``file`` when both are given. A bare string is a file when it ends in one of
    ``INPUT_SUFFIXES`` (.xlsx / .xlsm / .xls / .csv / .sav / .zsav), else a sheet name."""

    file: str | None = None
    sheet: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, v):
        if isinstance(v, str):
            return {"file": v} if Path(v).suffix.lower() in INPUT_SUFFIXES else {"sheet": v}
        return v

    @model_validator(mode="after")
    def _where(self):
        if not self.file and not self.sheet:
            raise ValueError("name a file (raw/x.xlsx, .csv, .sav) or a sheet of the workbook")
        if self.file:
            suffix = Path(self.file).suffix.lower()
            if suffix not in INPUT_SUFFIXES:
                raise ValueError(f"'{self.file}': unsupported file type; expected one of {', '.join(INPUT_SUFFIXES)}")
            if self.sheet and suffix in SHEETLESS_SUFFIXES:
                raise ValueError(f"'{self.file}' holds one table and has no sheets; remove `sheet`")
        return self


class QuestionnaireInputs(FrozenModel):
    """One questionnaire of the evaluation: its definition file, its export(s) and fieldwork."""

    file: str | None = None                      # default: questionnaires/<id>.yaml
    export: tuple[InputRef, ...] = Field(min_length=1)
    fieldwork: Fieldwork = Fieldwork()

    @field_validator("export", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, (str, dict)) else v

    @model_validator(mode="after")
    def _dates_in_order(self):
        f = self.fieldwork
        if f.start and f.end and f.end < f.start:
            raise ValueError(f"fieldwork.end ({f.end}) is before fieldwork.start ({f.start})")
        return self


class TableInputs(FrozenModel):
    """The evaluation's other inputs; any may be left out (the step that needs it is then skipped)."""

    workbook: str | None = None     # the xlsx whose sheets the other entries may name
    frame: InputRef | None = None   # 抽样框: one row per unit of the breakdown, population counts
    margins: InputRef | None = None  # 对象构成: population counts of the weighting variables
    facts: InputRef | None = None   # 指标数据: the annex's facts and judgements
    allocation: InputRef | None = None  # 资金分配: the fund allocation by unit

    @field_validator("workbook")
    @classmethod
    def _xlsx(cls, v):
        if v is not None and Path(v).suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
            raise ValueError(f"'{v}' is not a workbook (.xlsx / .xls)")
        return v


class Thresholds(FrozenModel):
    """The evaluation's thresholds for the validity checks and the breakdown."""

    margin: float = Field(default=0.05, gt=0, lt=0.5)       # planned margin of error (±5%)
    confidence: float = Field(default=0.95, ge=0.5, lt=1)   # confidence level of intervals and margins
    min_alpha: float = Field(default=0.7, gt=0, lt=1)       # minimum Cronbach's α of a scale
    min_cell: int = Field(default=5, ge=1)                  # fewest respondents a breakdown cell reports
    reliable_n: int = Field(default=30, ge=1)               # NCHS: fewest respondents and effective n of a shown rate


class Evaluation(FrozenModel):
    """A validated ``evaluation.yaml``. Build it with :func:`load_evaluation`."""

    project: str = Field(min_length=1)            # 项目名称
    fund: str = Field(min_length=1)               # 资金名称
    year: int = Field(ge=1990, le=2100)           # 评价年度
    commissioned_by: str = Field(min_length=1)    # 委托方
    evaluator: str = ""                           # 评价机构
    area_unit: str = Field(min_length=1)          # 区 / 县 / 乡镇 / 街道 / 村 … (any word)
    framework: str = "framework.yaml"
    questionnaires: dict[str, QuestionnaireInputs] = Field(min_length=1)
    inputs: TableInputs = TableInputs()
    thresholds: Thresholds = Thresholds()
    previous: str | None = None                   # last year: workbook, evaluation or report folder (与上年比较)
    previous_key: str | None = None               # the column linking a respondent of both years (paired samples)
    file: str | None = None                       # set by load_evaluation, for messages

    @field_validator("questionnaires")
    @classmethod
    def _ids(cls, v):
        bad = [str(k) for k in v if not _ID.match(str(k))]
        if bad:
            raise ValueError(f"a questionnaire's key is its id (ASCII letters, digits, _ and -, as in its file): "
                             f"{', '.join(bad)}")
        return v

    @property
    def folder(self) -> Path:
        return Path(self.file).parent if self.file else Path(".")

    def warnings(self) -> list[str]:
        """Things to check, in Chinese for the console and the report.

        A year in the project or fund name or in an input's file name, or fieldwork, outside the
        evaluation year and the next one.
        """
        out = []
        for what, text in (("项目名称", self.project), ("资金名称", self.fund),
                           *((f"文件名 {x.file}", x.file) for q in self.questionnaires.values() for x in q.export),
                           ("文件名 inputs.workbook", self.inputs.workbook)):
            other = sorted(years_in(text) - {self.year, self.year + 1})
            if other:
                out.append(f"{what}写的是{'、'.join(map(str, other))}年，评价年度为{self.year}年，请核对")
        for qid, q in self.questionnaires.items():
            for when, d in (("开始", q.fieldwork.start), ("结束", q.fieldwork.end)):
                if d is not None and d.year not in (self.year, self.year + 1):
                    out.append(f"问卷{qid}的调查{when}日期{d.isoformat()}不在评价年度{self.year}年或次年，请核对年度")
        return out


def load_evaluation(path: str | Path) -> Evaluation:
    """Load ``evaluation.yaml``; ``path`` is the file or its folder.

    Every problem is reported at once, each with its key path inside the file."""
    p = Path(path)
    if p.is_dir():
        p = p / EVALUATION_FILE
    keys = ("project, fund, year, commissioned_by, area_unit, framework, questionnaires, inputs, thresholds, previous, "
            "previous_key")
    if not p.exists():
        raise DefinitionError("no evaluation.yaml", file=str(p),
                              hint="run `survey init FOLDER` to create an evaluation folder, or name the folder that has one")
    data = read_yaml(p, what="evaluation", keys=keys)
    data["file"] = str(p)
    try:
        return Evaluation.model_validate(data)
    except ValidationError as exc:
        raise problems_error(str(p), validation_problems(exc, data, model=Evaluation),
                             hint="correct evaluation.yaml (`survey init` writes a commented one)") from None


# -- the inputs as plain paths ------------------------------------------------------

@dataclass(frozen=True)
class Located:
    """One input table: a file and, for a workbook, the sheet.

    ``sheet`` None means the first / only table; ``key`` is where evaluation.yaml names it."""

    path: Path
    sheet: str | None
    key: str


@dataclass(frozen=True)
class QuestionnaireFiles:
    """One questionnaire's files: its definition, its exports and its fieldwork.

    ``id`` is the questionnaire's id in evaluation.yaml, ``definition`` the path of its
    YAML, ``exports`` the input tables that hold its responses."""

    id: str
    definition: Path
    exports: tuple[Located, ...]
    fieldwork: Fieldwork


@dataclass(frozen=True)
class Inputs:
    """Everything an evaluation folder names, as paths and sheet names."""

    evaluation: Evaluation
    folder: Path
    framework: Path
    questionnaires: tuple[QuestionnaireFiles, ...]
    workbook: Path | None = None
    frame: Located | None = None
    margins: Located | None = None
    facts: Located | None = None
    allocation: Located | None = None

    def tables(self) -> list[Located]:
        """Every input table, questionnaires' exports first."""
        out = [x for q in self.questionnaires for x in q.exports]
        return out + [x for x in (self.frame, self.margins, self.facts, self.allocation) if x is not None]

    @property
    def single_workbook(self) -> Path | None:
        """The one workbook when every input is a sheet of it (what ``survey analyze WORKBOOK`` reads)."""
        files = {x.path for x in self.tables()}
        if len(files) == 1 and all(x.sheet is not None for x in self.tables()):
            (only,) = files
            return only
        return None


def resolve_inputs(evaluation: Evaluation, *, must_exist: bool = True) -> Inputs:
    """The files and sheets an evaluation names, relative to its folder.

    With ``must_exist`` every file must be there; all missing files are reported at once,
    each with its key in evaluation.yaml. Sheets are not opened here (the readers check them).
    """
    ev, root = evaluation, evaluation.folder
    problems: list[tuple[str, str]] = []
    workbook = root / ev.inputs.workbook if ev.inputs.workbook else None

    def path(rel: str, key: str) -> Path:
        p = root / rel
        if must_exist and not p.is_file():
            problems.append((key, f"file not found: {p}"))
        return p

    def locate(ref: InputRef | None, key: str) -> Located | None:
        if ref is None:
            return None
        if ref.file:
            return Located(path(ref.file, f"{key}.file"), ref.sheet, key)
        if workbook is None:
            problems.append((key, f"sheet '{ref.sheet}' of which workbook? set inputs.workbook, or give a file"))
            return Located(root, ref.sheet, key)
        return Located(workbook, ref.sheet, key)

    if ev.inputs.workbook:
        path(ev.inputs.workbook, "inputs.workbook")
    framework = path(ev.framework, "framework")
    qs = []
    for qid, q in ev.questionnaires.items():
        definition = path(q.file or f"questionnaires/{qid}.yaml", f"questionnaires.{qid}.file")
        exports = tuple(locate(x, f"questionnaires.{qid}.export[{i}]") for i, x in enumerate(q.export))
        qs.append(QuestionnaireFiles(qid, definition, exports, q.fieldwork))  # type: ignore[arg-type]
    tables = {k: locate(getattr(ev.inputs, k), f"inputs.{k}") for k in ("frame", "margins", "facts", "allocation")}
    if problems:
        raise problems_error(ev.file, problems, hint="put the file in the folder, or correct its name in evaluation.yaml")
    return Inputs(ev, root, framework, tuple(qs), workbook, **tables)
