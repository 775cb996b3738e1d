"""An evaluation folder as the arguments of :func:`survey.pipeline.analyze`.

Today the pipeline reads one workbook: :func:`workbook_run` takes a folder whose inputs
(:func:`survey.definitions.evaluation.resolve_inputs`) are all sheets of one workbook and
returns that workbook, the questionnaires with the folder's sheet names, fieldwork and
frame sheets put in, and the framework file. Inputs as separate files (a CSV export, a
frame in its own xlsx) are an error that says so until the pipeline reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from survey.definitions.evaluation import Inputs, load_evaluation, resolve_inputs
from survey.definitions.questionnaire import Questionnaire, load
from survey.errors import DataError
from survey.inputs.facts import ALLOCATION_SHEET, FACT_SHEET
from survey.inputs.read import Workbook


@dataclass(frozen=True)
class WorkbookRun:
    """What ``analyze`` needs for a folder whose inputs are sheets of one workbook."""

    inputs: Inputs
    workbook: Path
    questionnaires: tuple[Questionnaire, ...]
    framework: Path
    name: str


def _questionnaire(inputs: Inputs, i: int) -> Questionnaire:
    qf = inputs.questionnaires[i]
    q = load(qf.definition)
    ev_key = f"questionnaires.{qf.id}"
    if q.id != qf.id:
        raise DataError(f"{qf.definition} defines questionnaire '{q.id}', evaluation.yaml names it '{qf.id}'",
                        file=inputs.evaluation.file, path=ev_key, hint=f"use the key '{q.id}' in evaluation.yaml")
    update: dict = {"source": q.source.model_copy(update={"sheets": tuple(x.sheet for x in qf.exports)})}
    fw = qf.fieldwork
    given = {k: v for k, v in (("start", fw.start), ("end", fw.end), ("issued", fw.issued)) if v is not None}
    if given:
        update["fieldwork"] = q.fieldwork.model_copy(update=given)
    if q.weighting is not None and (inputs.frame or inputs.margins):
        sheets = {}
        if inputs.frame is not None:
            sheets["frame_sheet"] = inputs.frame.sheet
        if inputs.margins is not None:
            sheets["margins_sheet"] = inputs.margins.sheet
        update["weighting"] = q.weighting.model_copy(update=sheets)
    return q.model_copy(update=update)


def workbook_run(folder: str | Path) -> WorkbookRun:
    """The workbook, questionnaires and framework of an evaluation folder whose inputs are sheets of one workbook.

    Every sheet evaluation.yaml names must be in the workbook (all missing ones are listed with
    their keys); the questionnaires take the folder's export sheets, fieldwork (what the folder
    gives overrides the questionnaire file) and frame / margins sheets.
    """
    inputs = resolve_inputs(load_evaluation(folder))
    workbook = inputs.single_workbook
    if workbook is None:
        raise DataError("the inputs are separate files; `survey analyze FOLDER` reads them when they are sheets "
                        "of one workbook", file=inputs.evaluation.file, path="inputs",
                        got=", ".join(sorted({str(x.path) for x in inputs.tables()})),
                        hint="put them as sheets in inputs.workbook, or run `survey analyze` on a workbook")
    names = Workbook(workbook).sheet_names
    missing = [f"{x.key}: '{x.sheet}'" for x in inputs.tables() if x.sheet not in names]
    if missing:
        raise DataError(f"{len(missing)} sheet(s) named in evaluation.yaml are not in {workbook}: " + "; ".join(missing),
                        file=inputs.evaluation.file, got="sheets " + ", ".join(names),
                        hint="correct the sheet names in evaluation.yaml, or rename the sheets")
    for ref, sheet in ((inputs.facts, FACT_SHEET), (inputs.allocation, ALLOCATION_SHEET)):
        if ref is not None and ref.sheet != sheet:
            raise DataError(f"the pipeline reads this input from the sheet '{sheet}'", file=inputs.evaluation.file,
                            path=ref.key, got=ref.sheet, expected=sheet, hint=f"rename the sheet to {sheet}")
    qs = tuple(_questionnaire(inputs, i) for i in range(len(inputs.questionnaires)))
    return WorkbookRun(inputs, workbook, qs, inputs.framework, workbook.stem)
