"""Last year's evaluation: where its inputs are, and this year's results compared with it.

``survey analyze NEW --previous OLD`` and ``survey compare OLD NEW`` take OLD as

- an evaluation workbook (``raw/2021.xlsx``),
- an evaluation folder (with ``evaluation.yaml``), or
- a report folder that ``survey analyze`` wrote (``reports/2021``, with ``manifest.json``).

A report folder holds outputs, not responses: :func:`previous_source` resolves it back to
the inputs its manifest names (the workbook or the evaluation folder's files, and the
questionnaire files) and checks every file's SHA-256 against the manifest. Each input is
looked up by its path relative to the report folder (``from_report``, :func:`from_report`),
then — for manifests written before that was recorded — from the working folder, the
folders above the report and by name under the folder holding ``reports/``. A file that
moved or changed since the report was written is a one-line error saying which, why and
where it was looked for: the comparison is then with the inputs that made that report,
never with something else.

:func:`compare_previous` compares each questionnaire present in both years
(:func:`survey.evaluation.yoy.compare_surveys`) on the basis the framework scores it
(weighted when the framework scores the weighted estimate and both years are weighted,
else unweighted) and returns a :class:`Previous` to attach to the analysis
(``Analysis.previous``) for the report's 与上年比较 section.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from survey.errors import DataError
from survey.evaluation.years import analysis_year
from survey.evaluation.yoy import YearComparison, compare_analyses
from survey.inputs.guard import check_regular_file

MANIFEST = "manifest.json"
FROM_REPORT = "from_report"  # the manifest key of an input's path relative to the report folder


@dataclass(frozen=True)
class PreviousSource:
    """Last year's inputs: a workbook or an evaluation folder, and the questionnaire files (None: the default)."""

    path: Path                                   # the workbook or the evaluation folder
    questionnaires: tuple[Path, ...] | None = None
    report: Path | None = None                   # the report folder it was resolved from, if any
    parameters: dict = field(default_factory=dict)  # the manifest's parameters (alpha, weigh …)


@dataclass(frozen=True)
class Previous:
    """This year's results compared with last year's (one :class:`YearComparison` per questionnaire)."""

    name: str                                    # last year's analysis name (2021)
    source: str                                  # what was given (the workbook, folder or report folder)
    comparisons: tuple[YearComparison, ...]
    notes: tuple[str, ...] = ()                  # questionnaires found in one year only
    year: int | None = None                      # last year's evaluation year (survey.evaluation.years.analysis_year)
    key: str | None = None                       # the column linking respondents of both years (paired), if any


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def from_report(path: str | Path, report: str | Path) -> str | None:
    """``path`` relative to the report folder ``report``, POSIX separators (``../../raw/2021.xlsx``).

    Recorded in manifest.json beside each input's name and hash, so that the report folder
    can later be given as last year's wherever it was written from; never an absolute path
    (a manifest may be committed). None when there is no relative path (another drive).

    >>> from_report("raw/2021.xlsx", "reports/2021")
    '../../raw/2021.xlsx'
    """
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(report).resolve())).as_posix()
    except ValueError:
        return None


def _locate(rel: str, report: Path, sha256: str | None = None) -> Path | None:
    """A manifest path: absolute, or relative to the working folder or a folder above the report.

    A manifest written from outside the evaluation's folder names its files by name only
    (no machine paths): then the files of that name under the folder holding ``reports/``
    (three levels deep, hidden folders skipped) are tried, the one with the manifest's hash
    first.
    """
    p = Path(rel)
    if p.is_absolute():
        return p if p.exists() else None
    for base in (Path.cwd(), *report.resolve().parents):
        if (base / p).exists():
            return base / p
    found = _search(report.resolve().parent.parent, p)
    match = [f for f in found if sha256 and _sha256(f) == sha256]
    return (match or found)[0] if found else None


def _search(root: Path, rel: Path, depth: int = 3) -> list[Path]:
    """Files under ``root`` whose path ends with ``rel``, at most ``depth`` folders down, sorted."""
    out = []
    for folder, dirs, files in os.walk(root):
        level = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if level < depth else []
        out += [Path(folder) / f for f in files if f == rel.name and (Path(folder) / f).as_posix().endswith(rel.as_posix())]
    return sorted(out)


def _looked_at(entry: dict, report: Path) -> list[str]:
    """Where :func:`_checked` looks for a manifest's input, in order, for the error that lists them."""
    rel, near = str(entry.get("path", "")), entry.get(FROM_REPORT)
    out = [os.path.normpath(report.absolute() / near)] if near else []
    if rel and Path(rel).is_absolute():
        return [*out, rel]
    if rel:
        out += [os.path.normpath(Path.cwd() / rel), f"{rel} in the folders above {report}",
                f"files named {Path(rel).name} under {report.resolve().parent.parent} (3 levels down)"]
    return out


def _checked(entry: dict, report: Path, manifest: Path, what: str) -> Path:
    """A manifest entry's file: by its path from the report folder, else by the old rule (:func:`_locate`)."""
    rel, near = str(entry.get("path", "")), entry.get(FROM_REPORT)
    found = (report / near).resolve() if near and (report / near).exists() else None  # as from_report made it
    if found is None and rel:
        found = _locate(rel, report, entry.get("sha256"))
    if found is None:
        raise DataError(f"{what} '{rel or near}' named by the report's manifest was not found", file=str(manifest),
                        got="nothing at " + "; ".join(_looked_at(entry, report)) if rel or near else "no path",
                        expected="the input file the report was made from",
                        hint="put the file back where the report was made from, or give the workbook or "
                             "evaluation folder instead of the report folder")
    if found.is_file() and entry.get("sha256") and _sha256(found) != entry["sha256"]:
        raise DataError(f"{what} '{found}' changed since the report was written", file=str(manifest),
                        got=f"sha256 {_sha256(found)[:12]}…", expected=f"sha256 {str(entry['sha256'])[:12]}…",
                        hint="compare with the workbook or folder itself, or re-run `survey analyze` on it first")
    return found


MAX_MANIFEST_BYTES = 2**20  # survey writes a few KB


def _manifest_shape(data) -> tuple[str, str] | None:
    """The first part of a parsed manifest.json that survey never writes: (JSON path, what it is), or None."""
    def kind(v) -> str:
        names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
        return names.get(type(v), type(v).__name__)

    if not isinstance(data, dict) or not isinstance(data.get("inputs"), dict):
        return ("inputs", kind(data.get("inputs")) if isinstance(data, dict) else f"{kind(data)} at the top")
    inputs = data["inputs"]
    entries = [(f"inputs.{k}", inputs[k]) for k in ("workbook",) if k in inputs]
    for key in ("questionnaires", "files"):
        seq = inputs.get(key, []) if key == "files" else data.get(key, [])
        if not isinstance(seq, list):
            return (key if key == "questionnaires" else "inputs.files", kind(seq))
        entries += [(f"{key}[{i}]", e) for i, e in enumerate(seq)]
    for where, entry in entries:
        if not isinstance(entry, dict):
            return (where, kind(entry))
        for k in ("path", FROM_REPORT, "sha256"):
            if entry.get(k) is not None and not (isinstance(entry[k], str) and "\0" not in entry[k]):
                return (f"{where}.{k}", kind(entry[k]) if not isinstance(entry[k], str) else "text with a NUL")
    for k in ("folder", f"folder_{FROM_REPORT}"):
        if inputs.get(k) is not None and not isinstance(inputs[k], str):
            return (f"inputs.{k}", kind(inputs[k]))
    if not isinstance(data.get("parameters") or {}, dict):
        return ("parameters", kind(data["parameters"]))
    return None


def _from_report(report: Path) -> PreviousSource:
    manifest = report / MANIFEST
    hint = "give the workbook or evaluation folder, or re-run `survey analyze` to rewrite the report"
    try:
        if not manifest.is_file() or manifest.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError("a folder or a special file" if not manifest.is_file() else
                             f"{manifest.stat().st_size / 2**20:.0f} MB; survey writes a few KB")
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise DataError("the report folder's manifest.json cannot be read", file=str(manifest),
                        got=str(exc) or type(exc).__name__, hint=hint) from None
    bad = _manifest_shape(data)
    if bad:
        raise DataError(f"the report folder's manifest.json is not one survey wrote: {bad[0]} is {bad[1]}",
                        file=str(manifest), expected="inputs: {workbook: {path, from_report, sha256}} or "
                        "{folder, files: [...]}, questionnaires: [{id, path, sha256}, ...]", hint=hint)
    inputs = data["inputs"]
    if "workbook" in inputs:
        path = _checked(inputs["workbook"], report, manifest, "workbook")
    else:
        path = _checked({"path": inputs.get("folder", ""), FROM_REPORT: inputs.get(f"folder_{FROM_REPORT}")},
                        report, manifest, "evaluation folder")
        for f in inputs.get("files", ()):
            _checked(f, report, manifest, "input file")
    qs = tuple(_checked(q, report, manifest, f"questionnaire {q.get('id', '')}") for q in data.get("questionnaires", ()))
    return PreviousSource(path, qs or None, report, dict(data.get("parameters") or {}))


def previous_source(path: str | Path) -> PreviousSource:
    """What OLD names: a workbook, an evaluation folder, or a report folder resolved to its checked inputs."""
    p = Path(path)
    if not p.exists():
        raise DataError("last year's evaluation was not found", file=str(p),
                        expected="a workbook, an evaluation folder or a report folder (reports/<name>)",
                        hint="check the path given to --previous / compare, or the `previous:` key of evaluation.yaml")
    src = _from_report(p) if p.is_dir() and not (p / "evaluation.yaml").exists() and (p / MANIFEST).exists() \
        else PreviousSource(p)
    if not src.path.is_dir():  # a device or a pipe named by OLD or a manifest: said before any framework is looked for
        check_regular_file(src.path, what="workbook")
    return src


def compare_previous(old, new, *, source: str = "", alpha: float = 0.05, key: str | None = None) -> Previous:
    """Each questionnaire of ``new`` (an :class:`~survey.pipeline.Analysis`) compared with ``old``'s.

    The basis is the scored one: weighted when the new year's framework scores the weighted
    estimate and both years were weighted, else unweighted. Questionnaires of one year only
    are named in ``notes`` and not compared. ``key``: the column linking respondents of both
    years, whose covariance enters the whole-sample differences (paired samples).
    """
    out, notes = compare_analyses(old, new, alpha=alpha, key=key)  # each on its scored basis (计分口径)
    return Previous(old.name, source, tuple(out), tuple(notes), analysis_year(old), key)
