"""Files that go with a workbook, found beside it by name: its framework, its narrative.

An analysis of a workbook without an evaluation folder finds the definitions that belong
to it by a naming convention, the same for every kind of file (``KIND`` is ``framework.yaml``,
``narrative.md`` …), first match wins:

1. ``<workbook stem>.KIND`` beside the workbook (``raw/2021.framework.yaml`` for
   ``raw/2021.xlsx``: one folder may hold several years);
2. ``KIND`` beside the workbook (one file for every workbook of the folder).

A framework is also looked for in the folder that holds the questionnaires folder used
(an evaluation folder made by ``survey init``: ``framework.yaml`` beside ``questionnaires/``).
An evaluation folder itself (``survey analyze FOLDER``) names its own files in evaluation.yaml.
Nothing of any one evaluation lives in the package: no framework is found, no framework is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from survey.errors import DataError, DefinitionError

FRAMEWORK = "framework.yaml"
FRAMEWORK_LOOKUP = (f"<workbook stem>.{FRAMEWORK} beside the workbook, else {FRAMEWORK} beside it, "
                    f"else {FRAMEWORK} in the folder that holds the questionnaires folder")


def beside(source: str | Path, kind: str) -> tuple[Path, ...]:
    """Where a file of ``kind`` that goes with ``source`` may be, in the order it is looked for.

    For a workbook ``<stem>.<kind>`` then ``<kind>`` in its folder; for a folder ``<kind>`` in it.

    >>> [p.as_posix() for p in beside("raw/2021.xlsx", "framework.yaml")]
    ['raw/2021.framework.yaml', 'raw/framework.yaml']
    """
    p = Path(source)
    if p.is_dir():
        return (p / kind,)
    return (p.with_name(f"{p.stem}.{kind}"), p.with_name(kind))


def first_file(candidates: Iterable[Path]) -> Path | None:
    """The first of ``candidates`` that is a file, or None."""
    return next((p for p in candidates if p.is_file()), None)


def questionnaire_home(questionnaires) -> Path | None:
    """The folder that holds the questionnaires folder: a folder's parent, or that of the files' one folder.

    ``questionnaires`` is a folder (str or Path) or loaded questionnaires (their ``file``);
    questionnaires from several folders, or not from files, have none.
    """
    if isinstance(questionnaires, (str, os.PathLike)):
        return Path(questionnaires).parent
    folders = {Path(q.file).resolve().parent for q in questionnaires if getattr(q, "file", None)}
    return folders.pop().parent if len(folders) == 1 else None


def framework_candidates(source: str | Path, questionnaires=None) -> tuple[Path, ...]:
    """Where the framework of ``source`` (a workbook or a folder) is looked for, in order, each place once."""
    home = questionnaire_home(questionnaires) if questionnaires is not None else None
    return once([*beside(source, FRAMEWORK), *([home / FRAMEWORK] if home is not None else [])])


def once(places: Iterable[Path]) -> tuple[Path, ...]:
    """``places`` in order, each place once (two spellings of one folder count as one).

    >>> [p.as_posix() for p in once([Path("a/x"), Path("a/../a/x"), Path("b")])]
    ['a/x', 'b']
    """
    seen: set[Path] = set()
    out = []
    for p in places:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            out.append(p)
    return tuple(out)


def said_first(source: str | Path) -> None:
    """Raise the reader's error for a workbook that is none (a PNG, a CSV or a truncated zip named .xlsx).

    Called before saying what is missing beside it: the file itself is the first thing to fix.
    """
    from survey.inputs.guard import check_regular_file, inspect_xlsx
    from survey.inputs.read import XLS_SUFFIXES, XLSX_SUFFIXES

    p = Path(source)
    if not p.is_file():  # a folder, or nothing: what is missing is said by the caller
        return
    check_regular_file(p, what="workbook")
    if p.suffix.lower() in XLSX_SUFFIXES:
        inspect_xlsx(p)
    elif p.suffix.lower() not in XLS_SUFFIXES:
        raise DataError(f"unsupported file type '{p.suffix}'", file=p, expected="an .xlsx or .xls workbook",
                        hint="save the file as .xlsx")


def find_framework(source: str | Path, questionnaires=None) -> Path:
    """The framework file of a workbook analysed without one given (see the module docstring for the order).

    Nothing found: a :class:`~survey.errors.DefinitionError` naming every place looked at and the fix.
    """
    places = framework_candidates(source, questionnaires)
    found = first_file(places)
    if found is None:
        said_first(source)
        raise DefinitionError(
            "no scoring framework (评分表) found", file=source,
            got="no file at " + ", ".join(p.as_posix() for p in places),
            expected=FRAMEWORK_LOOKUP,
            hint=f"pass --framework FILE (analyze, validity, score, compare; compare's OLD also --old-framework), "
                 f"or save the framework as {places[0].as_posix()}; "
                 "`survey init FOLDER` starts an evaluation folder with a framework.yaml to edit "
                 "(`survey framework rules` lists the rules)")
    return found


QUESTIONNAIRES = "questionnaires"
QUESTIONNAIRES_LOOKUP = ("questionnaires/ beside the workbook, else questionnaires/ beside the workbook's folder, "
                         "else ./questionnaires")


def find_questionnaires(workbook: str | Path) -> Path:
    """The questionnaire folder of a workbook analysed without one given, first found of QUESTIONNAIRES_LOOKUP.

    Beside the workbook first, as its framework is (``raw/2021.xlsx`` finds ``questionnaires/``
    beside ``raw/``); the working folder's last. Nothing found: a
    :class:`~survey.errors.DefinitionError` naming every place looked at and the fix.
    """
    folder = Path(workbook).parent
    out = once([folder / QUESTIONNAIRES, folder.parent / QUESTIONNAIRES, Path(QUESTIONNAIRES)])
    found = next((q for q in out if q.is_dir()), None)
    if found is None:
        said_first(workbook)
        raise DefinitionError(
            "no questionnaire folder found", file=workbook,
            got="no folder at " + ", ".join(q.as_posix() for q in out), expected=QUESTIONNAIRES_LOOKUP,
            hint=f"pass --questionnaires DIR, or put the questionnaire YAML files in {out[0].as_posix()}; "
                 "`survey init FOLDER` starts an evaluation folder with its questionnaires")
    return found

