"""The tables one analysis reads, read once: what :func:`survey.pipeline.analyze` consumes.

:class:`InputTables` is plain data — per questionnaire its responses and (when it is
weighted) its frame and margins tables, and the facts — so that the pipeline does not care
where they came from. Two builders: :func:`workbook_tables` for one evaluation workbook
(a sheet per questionnaire, named in its ``source.sheets``; 抽样框 / 对象构成 / 指标数据 /
资金分配 sheets), and :func:`survey.evaluation.folder.folder_run` for an evaluation folder
whose inputs may be separate files. :func:`stack_tables` joins several exports of one
questionnaire (downloads in parts) into one table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from survey.definitions.questionnaire import Questionnaire
from survey.errors import DataError
from survey.inputs.facts import Facts, read_facts
from survey.inputs.read import RawTable, Workbook


@dataclass(frozen=True)
class InputTables:
    """Every input table of one analysis, keyed by questionnaire id.

    ``exports``: the responses; ``frames`` / ``margins``: the population tables of the
    questionnaires that have them (absent: not weighted, and validity without the frame);
    ``facts``: the year's facts and allocation (None: no annex). ``source`` names what was
    read (a workbook or a folder), ``name`` the report's name.
    """

    source: str
    name: str
    exports: Mapping[str, RawTable] = field(repr=False)
    frames: Mapping[str, RawTable] = field(default_factory=dict, repr=False)
    margins: Mapping[str, RawTable] = field(default_factory=dict, repr=False)
    facts: Facts | None = field(default=None, repr=False)
    files: tuple[str, ...] = ()  # every file read, for the manifest
    year: int | None = None  # the evaluation year (evaluation.yaml), None: read from the titles and file names

    def export_label(self, qid: str) -> str:
        """Where a questionnaire's responses are: the sheet of the workbook read, else the file name(s)."""
        raw = self.exports[qid]
        if raw.sheet and raw.file == self.source:
            return raw.sheet
        return " + ".join(Path(f).name for f in raw.file.split(" + "))


def find_sheet(wb: Workbook, q: Questionnaire, *, first_if_none: bool = False) -> str:
    """The sheet of the workbook that holds the questionnaire's responses.

    With ``first_if_none`` a workbook with none of the questionnaire's sheet names
    (a single downloaded export) gives its first sheet instead of an error.
    """
    names = wb.sheet_names
    for want in q.source.sheets:
        if want in names:
            return want
    if first_if_none:
        return names[0]
    raise DataError(
        f"no sheet for questionnaire '{q.id}' ({q.title})",
        file=wb.path, got="sheets " + ", ".join(names),
        expected=("a sheet named " + " or ".join(q.source.sheets)) if q.source.sheets else "source.sheets naming it",
        hint=f"rename the sheet, or add its name to source.sheets in {q.file}",
    )


def workbook_tables(path: str | Path, questionnaires: list[Questionnaire] | tuple[Questionnaire, ...]) -> InputTables:
    """The tables of one evaluation workbook.

    Each questionnaire's sheet, its frame and margins sheets when the workbook has them, and
    the facts (sheet 指标数据, None without it).
    """
    wb = Workbook(path)
    names = set(wb.sheet_names)
    cache: dict[str, RawTable] = {}

    def sheet(name: str) -> RawTable:
        if name not in cache:
            cache[name] = wb.table(name)
        return cache[name]

    exports, frames, margins = {}, {}, {}
    for q in questionnaires:
        exports[q.id] = sheet(find_sheet(wb, q))
        wt = q.weighting
        if wt is not None and wt.frame_sheet in names:
            frames[q.id] = sheet(wt.frame_sheet)
            if wt.margins and wt.margins_sheet in names:
                margins[q.id] = sheet(wt.margins_sheet)
    return InputTables(str(path), Path(path).stem, exports, frames, margins, read_facts(wb, required=False), (str(path),))


def stack_tables(tables: list[RawTable], *, key: str = "export") -> RawTable:
    """Several exports of one questionnaire as one table, as if each were pasted below the one before.

    The same headers (in any order) are required, rows are numbered on from the end of
    the previous file (the audit's row of a later file is that file's row plus the rows above)."""
    if len(tables) == 1:
        return tables[0]
    first = tables[0]
    parts, offset = [], 0
    for t in tables:
        if set(t.columns) != set(first.columns):
            extra = sorted(set(t.columns) - set(first.columns))
            lacking = sorted(set(first.columns) - set(t.columns))
            raise DataError("the exports of one questionnaire have different headers", file=t.file, sheet=t.sheet,
                            got=("extra columns " + ", ".join(extra) if extra else "missing columns " + ", ".join(lacking)),
                            expected=f"the headers of {first.file}",
                            hint=f"export every part with the same settings, or list them under different "
                                 f"questionnaires ({key})")
        data = t.data[first.columns].copy()
        data.index = pd.Index([int(i) + offset for i in t.data.index], name="row")
        offset = int(data.index.max()) if len(data) else offset
        parts.append(data)
    stacked = pd.concat(parts)
    return RawTable(" + ".join(t.file for t in tables), first.sheet, first.header_row, stacked, first.encoding,
                    dict(first.variables))
