"""An evaluation folder as the arguments of :func:`survey.pipeline.analyze`.

:func:`folder_run` reads what ``evaluation.yaml`` names
(:func:`survey.definitions.evaluation.resolve_inputs`) — each questionnaire's export(s)
(several files of one questionnaire are stacked), the frame, the margins, the facts and
the fund allocation, each a sheet of the evaluation's workbook or a file of its own
(xlsx / xls / csv / sav) — into :class:`survey.inputs.tables.InputTables`, and returns it
with the questionnaires (the folder's fieldwork and sheet names put in) and the framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from survey.definitions.evaluation import Inputs, Located, load_evaluation, resolve_inputs
from survey.definitions.questionnaire import Questionnaire, load
from survey.errors import DataError
from survey.formatting import fmt_count
from survey.inputs.facts import Facts, allocation_from_table, facts_from_table
from survey.inputs.read import SINGLE_TABLE_SUFFIXES, RawTable, Workbook, read_table
from survey.inputs.tables import InputTables, stack_tables


@dataclass(frozen=True)
class FolderRun:
    """What ``analyze`` needs for an evaluation folder: its tables, questionnaires and framework."""

    inputs: Inputs
    tables: InputTables
    questionnaires: tuple[Questionnaire, ...]
    framework: Path
    name: str

    @property
    def workbook(self) -> Path | None:
        """The one workbook when every input is a sheet of it."""
        return self.inputs.single_workbook

    def analysis_options(self, options: dict, given: set[str] = frozenset()) -> dict:  # type: ignore[assignment]
        """The folder's questionnaires, framework and thresholds as :func:`survey.pipeline.analyze` options.

        ``options`` are the command's; a questionnaire folder or framework there wins, and so do
        ``alpha``, ``min_per_district`` and ``reliable_n`` when named in ``given`` (set by the user).
        """
        t = self.inputs.evaluation.thresholds
        out = {"questionnaires": options.get("questionnaires") or list(self.questionnaires),
               "framework": options.get("framework") or self.framework, "max_margin": t.margin,
               "min_alpha": t.min_alpha}
        if "alpha" not in given:
            out["alpha"] = round(1 - t.confidence, 10)
        if "min_per_district" not in given:
            out["min_per_district"] = t.min_cell
        if "reliable_n" not in given:
            out["reliable_n"] = t.reliable_n
        return out


def _questionnaire(inputs: Inputs, i: int) -> Questionnaire:
    qf = inputs.questionnaires[i]
    q = load(qf.definition)
    ev_key = f"questionnaires.{qf.id}"
    if q.id != qf.id:
        raise DataError(f"{qf.definition} defines questionnaire '{q.id}', evaluation.yaml names it '{qf.id}'",
                        file=inputs.evaluation.file, path=ev_key, hint=f"use the key '{q.id}' in evaluation.yaml")
    return with_folder_settings(q, inputs, qf)


def with_folder_settings(q: Questionnaire, inputs: Inputs, qf) -> Questionnaire:
    """``q`` with what evaluation.yaml gives it (``qf``: the folder's entry for the questionnaire).

    The unit word, its sheet names, fieldwork dates and issued count, the frame's and
    margins' sheets.
    """
    update: dict = {} if q.area_unit else {"area_unit": inputs.evaluation.area_unit}
    sheets = tuple(x.sheet for x in qf.exports if x.sheet)
    if sheets:
        update["source"] = q.source.model_copy(update={"sheets": sheets})
    fw = qf.fieldwork
    given = {k: v for k, v in (("start", fw.start), ("end", fw.end), ("issued", fw.issued)) if v is not None}
    if given:
        update["fieldwork"] = q.fieldwork.model_copy(update=given)
    if q.weighting is not None and (inputs.frame or inputs.margins):
        names = {}
        if inputs.frame is not None and inputs.frame.sheet:
            names["frame_sheet"] = inputs.frame.sheet
        if inputs.margins is not None and inputs.margins.sheet:
            names["margins_sheet"] = inputs.margins.sheet
        update["weighting"] = q.weighting.model_copy(update=names)
    return q.model_copy(update=update)


class _Reader:
    """Reads located tables, opening each workbook once."""

    def __init__(self, inputs: Inputs):
        self.inputs = inputs
        self.books: dict[Path, Workbook] = {}

    def book(self, path: Path) -> Workbook:
        if path not in self.books:
            self.books[path] = Workbook(path)
        return self.books[path]

    def check_sheets(self) -> None:
        """Every sheet evaluation.yaml names exists (all missing ones listed with their keys)."""
        missing, seen = [], {}
        for x in self.inputs.tables():
            if x.sheet is None or x.path.suffix.lower() in SINGLE_TABLE_SUFFIXES:
                continue
            names = self.book(x.path).sheet_names
            seen[x.path] = names
            if x.sheet not in names:
                missing.append(f"{x.key}: '{x.sheet}'")
        if missing:
            books = "; ".join(f"{p.name}: " + ", ".join(n) for p, n in seen.items())
            raise DataError(f"{fmt_count(len(missing), 'sheet')} named in evaluation.yaml not in their workbook: "
                            + "; ".join(missing), file=self.inputs.evaluation.file, got="sheets " + books,
                            hint="correct the sheet names in evaluation.yaml, or rename the sheets")

    def table(self, x: Located) -> RawTable:
        if x.path.suffix.lower() in SINGLE_TABLE_SUFFIXES:
            return read_table(x.path)
        wb = self.book(x.path)
        return wb.table(x.sheet if x.sheet is not None else wb.sheet_names[0])


def _facts(reader: _Reader, inputs: Inputs) -> Facts | None:
    if inputs.facts is None:
        return None
    raw = reader.table(inputs.facts)
    alloc = allocation_from_table(reader.table(inputs.allocation)) if inputs.allocation is not None else None
    return Facts(facts_from_table(raw), alloc, raw.file, raw.sheet, tuple(alloc.findings()) if alloc else ())


def folder_definitions(folder: str | Path, *, must_exist: bool = True) -> tuple[Inputs, tuple[Questionnaire, ...]]:
    """The folder's inputs (paths) and questionnaires (with the folder's sheet names and fieldwork), no data read.

    Without ``must_exist`` the data files may be missing (``survey template`` writes them);
    the definition files must be there.
    """
    inputs = resolve_inputs(load_evaluation(folder), must_exist=must_exist)
    return inputs, tuple(_questionnaire(inputs, i) for i in range(len(inputs.questionnaires)))


def folder_run(folder: str | Path) -> FolderRun:
    """The tables, questionnaires and framework of an evaluation folder.

    Every file and sheet evaluation.yaml names must exist (all missing ones are listed with
    their keys); the questionnaires take the folder's sheet names and fieldwork (what the
    folder gives overrides the questionnaire file). A weighted questionnaire takes the
    folder's frame and margins.
    """
    inputs, qs = folder_definitions(folder)
    reader = _Reader(inputs)
    reader.check_sheets()
    exports = {qf.id: stack_tables([reader.table(x) for x in qf.exports], key=f"questionnaires.{qf.id}.export")
               for qf in inputs.questionnaires}
    frame = reader.table(inputs.frame) if inputs.frame is not None else None
    margins = reader.table(inputs.margins) if inputs.margins is not None else None
    weighted = [q.id for q in qs if q.weighting is not None]
    frames = {qid: frame for qid in weighted if frame is not None}
    margin_tables = {qid: margins for qid in weighted if margins is not None}
    # reports/<workbook name> when every input is a sheet of one workbook (as for `survey analyze WORKBOOK`),
    # else reports/<folder name>: a workbook of frame and facts beside exported files names no evaluation
    name = inputs.single_workbook.stem if inputs.single_workbook else inputs.folder.resolve().name
    tables = InputTables(str(inputs.workbook if inputs.single_workbook else inputs.folder), name, exports, frames,
                         margin_tables, _facts(reader, inputs), tuple(sorted({str(x.path) for x in inputs.tables()})),
                         inputs.evaluation.year)
    return FolderRun(inputs, tables, qs, inputs.framework, name)


workbook_run = folder_run  # the earlier name


def enclosing_evaluation(path: str | Path) -> Path | None:
    """The evaluation folder a file lies in (evaluation.yaml beside it or one folder up: raw/), or None."""
    for d in Path(path).resolve().parents[:2]:
        if (d / "evaluation.yaml").is_file():
            return d
    return None


def export_settings(export: str | Path, q: Questionnaire) -> Questionnaire | None:
    """``q`` as the evaluation folder holding ``export`` sets it (:func:`with_folder_settings`), or None.

    None when ``export`` lies in no evaluation folder (evaluation.yaml beside it or one folder
    up) or that folder does not list it as an export of ``q``'s id: ``survey clean`` of a
    folder's export then applies the same fieldwork dates and issued count as ``survey analyze``.
    """
    path = Path(export).resolve()
    home = enclosing_evaluation(path)
    if home is None:
        return None
    inputs = resolve_inputs(load_evaluation(home), must_exist=False)
    qf = next((x for x in inputs.questionnaires if x.id == q.id and any(Path(e.path).resolve() == path
                                                                          for e in x.exports)), None)
    return None if qf is None else with_folder_settings(q, inputs, qf)
