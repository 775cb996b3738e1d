"""Empty input tables for an evaluation, with the headers the readers expect (``survey template``).

:func:`template_tables` builds, from the questionnaires and the framework: the frame (one row
per unit of the breakdown — the options of each questionnaire's breakdown item — and a
population column per weighted questionnaire), the margins of raked questionnaires (变量 /
类别 / 人数), the facts (指标数据: every row each indicator's rule reads, per
:func:`survey.definitions.reference.fact_rows`, with what 数值 holds and an example) and the
fund allocation (资金分配). The survey-fed indicators (a questionnaire measure names them)
take their rate from the survey and get no fact row.

The units are the breakdown item's options; options that are placeholders (甲镇, 乙镇, 丙镇 in
`survey init`'s blank questionnaire: :func:`is_placeholder`) give way to the units of a frame
file the folder already has, else to placeholders in the evaluation's own unit word (甲街道 …).
:func:`template_target` says where a run writes and which files it keeps: a file this command
wrote and nobody changed since (its hash in :data:`RECORD`) is replaced; one changed since, or
not written by it, is kept unless ``force`` (and never one holding other sheets, such as exports).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from survey.definitions.cells import is_total_label
from survey.definitions.questionnaire import Questionnaire
from survey.definitions.reference import fact_rows
from survey.errors import SurveyError
from survey.inputs.columns import normalize
from survey.inputs.facts import AMOUNT_COLUMN, DISTRICT_COLUMN, FACT_COLUMNS, NOTE_COLUMN, SOURCE_COLUMN
from survey.inputs.frame import MARGIN_COLUMNS, UNIT_WORDS
from survey.inputs.guard import protecting_inputs
from survey.inputs.read import Workbook, read_table

HOLDS_COLUMN, EXAMPLE_COLUMN = "填写说明", "示例"  # read by nobody: the reader ignores extra columns


PLACEHOLDER_MARKS = "甲乙丙丁戊己庚辛壬癸"  # 甲镇, 乙镇 …: names that stand for units not yet known


def is_placeholder(options) -> bool:
    """Whether a breakdown's options are placeholders: each a 天干 mark and a unit word (甲镇, 乙街道).

    >>> is_placeholder(["甲镇", "乙镇", "丙镇"]), is_placeholder(["玄武区", "秦淮区"])
    (True, False)
    """
    words = set(UNIT_WORDS)
    return len(options) > 0 and all(len(o) >= 2 and o[0] in PLACEHOLDER_MARKS and o[1:] in words for o in options)


def units(questionnaires, area_unit: str | None = None, known: list[str] | None = None) -> list[str]:
    """The units of the breakdown: the options of every questionnaire's breakdown item, in order.

    Placeholder options (:func:`is_placeholder`) give way to ``known`` (the units of the
    folder's data), else, with ``area_unit``, to placeholders in that word (甲街道, 乙街道 …).

    >>> units([])
    []
    """
    out: list[str] = []
    for q in questionnaires:
        if q.district_item is None:
            continue
        options = list(q.options(q.district_item))
        if is_placeholder(options) and (known or area_unit):
            options = list(known) if known else [f"{m}{area_unit}" for m in PLACEHOLDER_MARKS[:len(options)]]
        out += [o for o in options if o not in out]
    return out


def frame_table(questionnaires, area_unit: str, known: list[str] | None = None) -> pd.DataFrame:
    """The frame: a column ``area_unit`` with one row per unit, a population column per weighted questionnaire."""
    columns: dict[str, list] = {area_unit: units(questionnaires, area_unit, known)}
    for q in questionnaires:
        if q.weighting is not None:
            columns.setdefault(str(q.weighting.population), [None] * len(columns[area_unit]))
    return pd.DataFrame(columns)


def margins_table(questionnaires: list[Questionnaire]) -> pd.DataFrame | None:
    """变量 / 类别 / 人数 rows for every margin a questionnaire rakes to (None: no raking)."""
    rows = []
    for q in questionnaires:
        for item_id in (q.weighting.margins if q.weighting is not None and q.weighting.margins else ()):
            text = q.item(item_id).text
            rows += [(text, o, None) for o in q.options(item_id) if (text, o, None) not in rows]
    return pd.DataFrame(rows, columns=list(MARGIN_COLUMNS)) if rows else None


def facts_table(framework, questionnaires, known: list[str] | None = None) -> pd.DataFrame:
    """The 指标数据 rows each indicator's rule reads (survey-fed indicators left out)."""
    fed = {m.indicator for q in questionnaires for m in q.measures if m.indicator}
    n_units = len(units(questionnaires, None, known)) or None  # the example of a unit count: the evaluation's own
    rows = []
    for ind in framework.indicators:
        if ind.name in fed:
            continue
        for r in fact_rows(ind.rule, n_units):
            rows.append({FACT_COLUMNS[0]: ind.name, FACT_COLUMNS[1]: r.item, FACT_COLUMNS[2]: None,
                         NOTE_COLUMN: None, SOURCE_COLUMN: None, HOLDS_COLUMN: r.holds, EXAMPLE_COLUMN: r.example})
    columns = [*FACT_COLUMNS, NOTE_COLUMN, SOURCE_COLUMN, HOLDS_COLUMN, EXAMPLE_COLUMN]
    return pd.DataFrame(rows, columns=columns)


def allocation_table(questionnaires, area_unit: str = DISTRICT_COLUMN[1:], known: list[str] | None = None) -> pd.DataFrame:
    """各<area_unit> (各区, 各乡镇 …) / 分配金额（万元）: one row per unit and the total row."""
    return pd.DataFrame({f"各{area_unit}": [*units(questionnaires, area_unit, known), "合计"], AMOUNT_COLUMN: None})


def template_tables(questionnaires: list[Questionnaire], framework, *, area_unit: str,
                    names: dict[str, str] | None = None, known: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every input table but the exports, by sheet name (``names``: frame / margins / facts / allocation → sheet).

    ``known``: the units of the folder's data, which replace placeholder options (:func:`units`).

    >>> sorted(template_tables([], type("F", (), {"indicators": []})(), area_unit="乡镇"))
    ['抽样框', '指标数据', '资金分配']
    """
    names = {"frame": "抽样框", "margins": "对象构成", "facts": "指标数据", "allocation": "资金分配", **(names or {})}
    out = {names["frame"]: frame_table(questionnaires, area_unit, known)}
    margins = margins_table(questionnaires)
    if margins is not None:
        out[names["margins"]] = margins
    out[names["facts"]] = facts_table(framework, questionnaires, known)
    out[names["allocation"]] = allocation_table(questionnaires, area_unit, known)
    return out


def known_units(inputs) -> list[str] | None:
    """The units of a frame file the folder already has (its unit column, total rows left out), else None."""
    x = inputs.frame
    if x is None or not x.path.is_file() or x.path == inputs.workbook:
        return None
    try:
        raw = read_table(x.path) if x.sheet is None else Workbook(x.path).table(x.sheet)
    except SurveyError:  # not readable yet: the placeholders will do
        return None
    words = {normalize(w) for w in (*UNIT_WORDS, inputs.evaluation.area_unit)}
    col = next((c for c in raw.data.columns if normalize(c) in words), None)
    if col is None:
        return None
    names = [str(v).strip() for v in raw.data[col] if pd.notna(v) and str(v).strip() and not is_total_label(v)]
    return list(dict.fromkeys(names)) or None


def folder_template(folder, out=None, *, force: bool = False):
    """Where ``survey template FOLDER`` writes, what it keeps, and the tables.

    Returns (target or None, kept lines, tables): :func:`template_target` over ``out``, else
    inputs.workbook, then FOLDER/raw/template.xlsx.
    """
    from survey.evaluation.folder import folder_definitions
    from survey.evaluation.score import load_framework

    inputs, qs = folder_definitions(folder, must_exist=False)
    names = {k: x.sheet for k in ("frame", "margins", "facts", "allocation")
             if (x := getattr(inputs, k)) is not None and x.sheet}
    tables = template_tables(list(qs), load_framework(inputs.framework), area_unit=inputs.evaluation.area_unit,
                             names=names, known=known_units(inputs))
    wb = inputs.workbook
    candidates = [Path(out)] if out else [p for p in (wb, inputs.folder / "raw" / "template.xlsx") if p is not None]
    target, kept = template_target(inputs.folder, candidates, set(tables), force=force)
    return target, kept, tables


# -- regenerating: replace what this command wrote, keep what the user changed --------------

RECORD = ".survey-template.json"  # in the evaluation folder: each file `survey template` wrote → its SHA-256


@dataclass(frozen=True)
class Kept:
    """A file ``survey template`` did not replace, and why (one line for the console)."""

    path: Path
    why: str

    def line(self) -> str:
        return f"kept: {self.path} ({self.why})"


def _key(folder: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def read_record(folder: Path) -> dict[str, str]:
    """The files ``survey template`` wrote in ``folder`` and their hashes ({} when none or unreadable)."""
    try:
        data = json.loads((Path(folder) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record_bytes(folder: Path, path: Path, data: bytes) -> bytes:
    """The record with ``path`` (just written with ``data``) added, as bytes to write to :data:`RECORD`."""
    record = {**read_record(folder), _key(folder, path): hashlib.sha256(data).hexdigest()}
    return (json.dumps(dict(sorted(record.items())), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _other_sheets(path: Path, ours: set[str]) -> list[str]:
    try:
        with protecting_inputs():  # a look before replacing it: not an input the write must spare
            return [s for s in Workbook(path).sheet_names if s not in ours]
    except SurveyError:
        return ["(unreadable)"]


def template_target(folder: Path, candidates: list[Path], sheets: set[str], *,
                    force: bool = False) -> tuple[Path | None, list[Kept]]:
    """The first candidate ``survey template`` may write, and the ones it keeps, in order.

    A candidate not there, or there as this command wrote it (its hash in :data:`RECORD`), is
    the target. One changed since, or not written by this command, is kept unless ``force``;
    ``force`` never replaces a workbook holding sheets other than ``sheets`` (the exports).
    """
    record = read_record(folder)
    kept: list[Kept] = []
    for path in candidates:
        if not path.exists():
            return path, kept
        wrote = record.get(_key(folder, path))
        if wrote is not None and hashlib.sha256(path.read_bytes()).hexdigest() == wrote:
            return path, kept
        other = _other_sheets(path, sheets) if path.suffix.lower() in (".xlsx", ".xlsm") else ["(not a workbook)"]
        if force and not other:
            return path, kept
        why = (f"holds sheets survey template does not write: {', '.join(other)}" if other else
               ("changed since survey template wrote it" if wrote else "not written by survey template")
               + "; --force replaces it")
        kept.append(Kept(path, why))
    return None, kept
