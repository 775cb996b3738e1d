"""The CLI's option groups, each option written once with one default and one help text,
and the helpers the commands share (running the analysis, echoing lines).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from survey.definitions.vocab import CI_METHODS, STEP_MODES, TABLE_FORMATS
from survey.inputs.sidecar import FRAMEWORK_LOOKUP

PATH = click.Path(path_type=Path)
FRACTION = click.FloatRange(0, 1, min_open=True, max_open=True)


def stack(*decorators):
    """Several click decorators as one, applied as if stacked in the order listed."""
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


input_options = stack(
    click.argument("workbook", type=PATH),
    click.option("-q", "--questionnaires", type=PATH, default=None,
                 help="Folder of questionnaire YAML files. [default: an evaluation folder's own; for a workbook, "
                      "questionnaires/ beside it, else beside its folder, else ./questionnaires]"),
)


def sheet_option(default: str = "the first"):
    """``--sheet``: which sheet of an xlsx input to read."""
    return click.option("--sheet", default=None, help=f"Sheet of an xlsx input. [default: {default}]")


def output_options(default: str, what: str = "Output folder."):
    """``-o/--out``: where the command writes; ``default`` says where when it is not given."""
    return click.option("-o", "--out", type=PATH, default=None, help=f"{what} [default: {default}]")


# Options several commands take, worded for each: one declaration (type, default) and a help text
# per command, so that no command's help speaks of another command's files or purpose.
REPORT_FOLDER = "FOLDER/reports/<folder name> for an evaluation folder, else reports/<workbook name>"
STEP_MODE_HELP = "How a partial step below a satisfaction threshold counts: ceil (不足5%按5%计), floor, linear. "
FRAMEWORK_HELP = {
    "analysis": f"Scoring framework YAML. [default: an evaluation folder's own; for a workbook, {FRAMEWORK_LOOKUP}]",
    "audit": "Scoring framework YAML (or an evaluation folder: its framework) the annex was scored with: every "
             "indicator, weight and rule of the annex is also checked against it. [default: none, the annex alone]",
    "compare": "Scoring framework YAML of WORKBOOK (this year's); it also says whether the scored figures are "
               f"weighted. [default: WORKBOOK's own: an evaluation folder's, else {FRAMEWORK_LOOKUP}]",
}


def step_mode_option(command: str = "analysis"):
    """``--step-mode``, its default said for the command (an annex's 评分标准 for audit)."""
    default = ("the framework rule's own; ceil for a criterion read from the annex's 评分标准" if command == "audit"
               else "the framework rule's own")
    return click.option("--step-mode", type=click.Choice(STEP_MODES), default=None,
                        help=f"{STEP_MODE_HELP}[default: {default}]")


def framework_option(command: str = "analysis"):
    """``--framework``, worded for ``command`` (analysis, audit or compare)."""
    return click.option("--framework", type=PATH, default=None, help=FRAMEWORK_HELP[command])


def framework_options(command: str = "analysis"):
    """``--framework`` and ``--step-mode``."""
    return stack(framework_option(command), step_mode_option(command))


def ci_method_option(methods=CI_METHODS):
    """``--ci-method``, from the vocabulary's interval names (``SRS_CI_METHODS`` where there is no design)."""
    return click.option("--ci-method", type=click.Choice(methods), default="wilson", show_default=True,
                        help="Interval for proportions (on the effective n for design data).")


alpha_option = click.option("--alpha", type=FRACTION, default=0.05, show_default=True,
                            help="Significance level: intervals at 1 − alpha confidence.")
interval_options = stack(ci_method_option(), alpha_option)
MIN_UNIT = "Fewest valid responses a unit of the breakdown (区, 县, 乡镇, 街道 …) should have"
FOLDER_MIN_CELL = " An evaluation folder's thresholds.min_cell unless given."
DISTRICT_HELP = {
    "analyze": f"{MIN_UNIT}: the validity check's threshold, and the report's suppression threshold (smaller "
               "units are shown without a rate)." + FOLDER_MIN_CELL,
    "validity": f"{MIN_UNIT}: a smaller unit is a finding of the validity check." + FOLDER_MIN_CELL,
    "score": f"{MIN_UNIT}: the validity check's threshold (the annex is scored on the whole sample, so its "
             "scores do not depend on it)." + FOLDER_MIN_CELL,
    "sample-size": "Fewest responses the allocation (--frame) gives a unit of the breakdown (区, 县, 乡镇, 街道 …).",
}


def district_option(command: str):
    """``--min-per-district`` / ``--min-per-unit``, worded for ``command``."""
    return click.option("--min-per-district", "--min-per-unit", "min_per_district", type=click.IntRange(min=0),
                        default=5, show_default=True, help=DISTRICT_HELP[command])


NCHS_MIN = "Fewest respondents and effective sample size a rate needs to be shown (NCHS presentation standard)"
FOLDER_RELIABLE = " An evaluation folder's thresholds.reliable_n unless given."
RELIABLE_HELP = {
    "analyze": f"{NCHS_MIN}: smaller cells are marked 不予报告 in the report, charts and satisfaction.xlsx, and not "
               "compared with last year (--previous) or across units." + FOLDER_RELIABLE,
    "validity": f"{NCHS_MIN}. The validity check does not use it: it judges each unit by --min-per-district."
                + FOLDER_RELIABLE,
    "score": f"{NCHS_MIN}. The annex does not use it: it scores the whole sample's rate." + FOLDER_RELIABLE,
    "compare": f"{NCHS_MIN}: smaller cells of either year are marked 不予报告 and not compared. "
               "WORKBOOK's evaluation folder's thresholds.reliable_n unless given.",
}


def reliable_option(command: str):
    """``--reliable-n``, worded for ``command``."""
    return click.option("--reliable-n", type=click.IntRange(min=1), default=30, show_default=True,
                        help=RELIABLE_HELP[command])


KEY_HELP = ("Column linking a respondent across years (e.g. a staff number): respondents of both years are compared "
            "as paired samples (their covariance enters the SE of the whole-sample differences); the overlap is "
            "counted and said.")


def key_option(command: str):
    """``--key`` of ``compare`` and of ``analyze --previous``."""
    default = (" Needs --previous. [default: evaluation.yaml's previous_key, else none]" if command == "analyze"
               else " [default: none]")
    return click.option("--key", default=None, help=KEY_HELP + default)


FORCE_HELP = {
    "init": "Write into a folder that is not empty: files of the same name are replaced, others kept.",
    "template": "Replace a workbook changed since this command wrote it (never one holding other sheets, such as "
                "the exports).",
}


def force_option(command: str):
    """``--force``, worded for ``init`` or ``template``."""
    return click.option("--force", is_flag=True, help=FORCE_HELP[command])


weights_option = click.option("--no-weights", is_flag=True,
                              help="Skip weighting to the frame (unweighted estimates only).")


def limit_options(f):
    """``--max-cells`` …: one option per field of :class:`survey.inputs.guard.Limits`.

    Each option's help is the field's metadata. The command runs inside
    :func:`survey.inputs.guard.using_limits`; a limit left out keeps its SURVEY_MAX_*
    environment variable, else its default.
    """
    from dataclasses import fields, replace

    from survey.inputs.guard import Limits, using_limits

    @functools.wraps(f)
    def run(*args, **kwargs):
        given = {k.name: v for k in fields(Limits) if (v := kwargs.pop(k.name)) is not None}
        if not given:
            return f(*args, **kwargs)
        with using_limits(replace(Limits.from_env(), **given)):
            return f(*args, **kwargs)

    return stack(*(click.option(
        "--" + k.name.replace("_", "-"), k.name, default=None, metavar=k.metadata["unit"],
        type=click.IntRange(min=1) if k.type in ("int", int) else click.FloatRange(0, min_open=True),
        help=f"{k.metadata['help']} [default: {k.default:,}]") for k in fields(Limits)))(run)


def analysis_options(command: str):
    """Everything survey.pipeline.analyze takes, for the commands that run it (analyze, validity, score)."""
    return stack(input_options, framework_options(), interval_options, weights_option, district_option(command),
                 reliable_option(command), limit_options)


def table_format_option(*, csv: bool = True):
    """``--format``: how a table is printed (``TABLE_FORMATS``; without csv where the output is not one table)."""
    choices = tuple(f for f in TABLE_FORMATS if csv or f != "csv")
    return click.option("--format", "fmt", type=click.Choice(choices), default="table", show_default=True,
                        help="Print as an aligned table, " + " or ".join(choices[1:]) + ".")


def default_questionnaires(workbook: Path) -> Path:
    """Where the questionnaires are when -q is not given (:func:`survey.inputs.sidecar.find_questionnaires`)."""
    from survey.inputs.sidecar import find_questionnaires

    return find_questionnaires(workbook)


def analyze_with(workbook, questionnaires, framework, step_mode, ci_method, alpha, no_weights, min_per_district,
             reliable_n=30, progress=None, **thresholds):
    """:func:`survey.pipeline.analyze` with the options of :data:`analysis_options`.

    ``thresholds``: an evaluation folder's max_margin and min_alpha; ``progress``: the
    console's progress reporter.
    """
    from survey.pipeline import analyze as run

    return run(workbook, questionnaires or default_questionnaires(workbook), framework=framework,
               step_mode=step_mode, alpha=alpha, ci_method=ci_method, weigh=not no_weights,
               min_per_district=min_per_district, reliable_n=reliable_n, progress=progress, **thresholds)


def existing_input(path: Path, what: str = "file not found",
                   expected: str = "the year's workbook (.xlsx) or an evaluation folder (survey init)",
                   hint: str = "check the path and the current folder (`survey analyze .` inside an evaluation folder)",
                   ) -> Path:
    """``path`` when it exists, else the error naming it: checked before anything else is read or defaulted."""
    from survey.errors import DataError

    if not path.exists():
        raise DataError(what, file=str(path), expected=expected, hint=hint)
    return path


def analyze_workbook(workbook: Path, options: dict, progress=None):
    """:func:`analyze_with` on a workbook; inside an evaluation folder an error says to analyse the folder.

    The workbook alone finds the folder's framework.yaml (beside its questionnaires), not the
    sheets, fieldwork and thresholds evaluation.yaml gives: the error's own fix comes second.
    """
    from survey.errors import SurveyError

    try:
        return analyze_with(workbook, progress=progress, **options)
    except SurveyError as exc:
        from survey.evaluation.folder import enclosing_evaluation

        home = None if options.get("framework") is not None else enclosing_evaluation(workbook)
        if home is None:
            raise
        here = os.path.relpath(home)
        exc.hint = (f"{workbook} lies in the evaluation folder '{here}' (evaluation.yaml): run `survey analyze {here}` "
                    "to use its inputs, questionnaires and framework" + (f"; else {exc.hint}" if exc.hint else ""))
        raise


def run_analysis(workbook: Path, options: dict, progress=None):
    """The analysis of a workbook or an evaluation folder, and the folder (None for a workbook).

    A folder gives its tables, questionnaires, framework and thresholds, unless options say otherwise.
    A path that does not exist is the first error.
    """
    from survey.render.console import warning_lines

    existing_input(workbook)
    folder = evaluation_folder(workbook) if workbook.is_dir() else None
    if folder is None:
        result = analyze_workbook(workbook, options, progress=progress)
    else:
        ctx = click.get_current_context()
        given = {k for k in options if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}
        result = analyze_with(folder.tables, progress=progress, **{**options, **folder.analysis_options(options, given)})
    echo_lines(warning_lines(result.notes))  # also in the report and manifest.json
    return result, folder


def echo_lines(lines) -> None:
    """Print each line of ``lines`` (built by :mod:`survey.render.console`) on stdout."""
    for line in lines:
        click.echo(line)


def evaluation_folder(folder: Path):
    """The workbook, questionnaires and framework of an evaluation folder; its warnings printed."""
    from survey.evaluation.folder import folder_run
    from survey.render.console import warning_lines

    run = folder_run(folder)
    echo_lines(warning_lines(run.inputs.evaluation.warnings()))
    return run


def stamped(folder, analysis=None):
    """Office files dated 1 January of the evaluation's year (SOURCE_DATE_EPOCH wins when set).

    The year of an evaluation folder, else the one the workbook's file name or the framework's
    title names; neither: the default date.
    """
    from survey.evaluation.years import named_year
    from survey.render.office import document_time

    if os.environ.get("SOURCE_DATE_EPOCH"):
        return document_time(None)
    if folder is not None:
        year = folder.inputs.evaluation.year
    else:
        year = analysis and named_year(Path(analysis.workbook).stem, analysis.framework.title)
    return document_time((year, 1, 1) if year else None)


def print_table(table, fmt: str) -> None:
    """Print a DataFrame as an aligned table, CSV (formula-safe, no BOM) or JSON records."""
    if fmt == "csv":  # formula-looking text defused as in every CSV survey writes (OWASP); no BOM on stdout
        from survey.render.files import csv_bytes

        click.echo(csv_bytes(table).removeprefix(b"\xef\xbb\xbf"), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
    else:
        click.echo(table.to_string(index=False, float_format=lambda x: f"{x:.6g}"))


def previous_analysis(path, questionnaires=None, *, alpha: float = 0.05, weigh: bool = True,
                      reliable_n: int | None = None, framework: Path | None = None, fallback: Path | None = None,
                      fallback_questionnaires=None):
    """Last year's :class:`~survey.pipeline.Analysis` from a workbook, an evaluation folder or a report folder.

    ``reliable_n`` (NCHS minimum sample): given, else an evaluation folder's ``thresholds.reliable_n``,
    else 30. ``framework``: given (it wins over a folder's own, as for `survey analyze`), else a
    folder's own, else a workbook's found beside it (:func:`survey.inputs.sidecar.find_framework`),
    else ``fallback`` (compare's --framework for OLD), else the lookup's one-line error. A
    workbook's questionnaires likewise: given, else found beside it, else ``fallback_questionnaires``.

    A report folder is resolved to the inputs its manifest names, their hashes checked
    (:func:`survey.evaluation.previous.previous_source`); its questionnaire files are used
    unless ``questionnaires`` is given.
    """
    from survey.definitions.questionnaire import load
    from survey.errors import DefinitionError
    from survey.evaluation.previous import PreviousSource, previous_source
    from survey.inputs.sidecar import first_file, framework_candidates
    from survey.pipeline import analyze as run
    from survey.stats.presentation import NCHS

    src = path if isinstance(path, PreviousSource) else previous_source(path)  # resolved once
    if src.path.is_dir():  # an evaluation folder: its own questionnaires (with its sheets and fieldwork)
        folder = evaluation_folder(src.path)
        return run(folder.tables, questionnaires or list(folder.questionnaires), framework=framework or folder.framework,
                   alpha=alpha, weigh=weigh, reliable_n=reliable_n or folder.inputs.evaluation.thresholds.reliable_n)
    qs = questionnaires or ([load(f) for f in src.questionnaires] if src.questionnaires else None)
    if not qs:
        try:
            qs = default_questionnaires(src.path)
        except DefinitionError:
            if not fallback_questionnaires:
                raise
            qs = fallback_questionnaires
    if framework is None and fallback is not None:  # the workbook's own when it has one, else the fallback
        framework = first_file(framework_candidates(src.path, qs)) or fallback
    return run(src.path, qs, alpha=alpha, weigh=weigh, reliable_n=reliable_n or int(NCHS.min_n), framework=framework)


def with_previous(result, path: Path, source=None, key: str | None = None):
    """``result`` with its comparison to last year (``Analysis.previous``) from ``path``.

    ``source``: ``path`` already resolved (:func:`survey.evaluation.previous.previous_source`, as
    `survey analyze --previous` does before analysing), so a report folder's inputs are hashed once.
    A relative ``previous:`` of evaluation.yaml is made absolute by :func:`previous_path`.
    ``key``: the column linking respondents of both years (``--key``, evaluation.yaml's
    ``previous_key``: :func:`previous_key`); a questionnaire it links none of is a warning.
    """
    from dataclasses import replace

    from survey.evaluation.previous import compare_previous
    from survey.evaluation.years import analysis_year
    from survey.render.console import warning_lines
    from survey.render.yoy import comparison_labels

    alpha = float(result.parameters.get("alpha", 0.05))
    own = getattr(result.framework, "file", None)  # OLD without definitions of its own: this year's, as compare does
    old = previous_analysis(source or path, alpha=alpha, weigh=bool(result.parameters.get("weigh", True)),
                            fallback=Path(own) if own else None,
                            fallback_questionnaires=[s.questionnaire for s in result.surveys])
    prev = compare_previous(old, result, source=path.as_posix(), alpha=alpha, key=key)
    same_year = comparison_labels(prev.year, analysis_year(result), prev.name, result.name)[2]  # 前次 / 本次: say so
    if same_year:  # the run's other notes were printed already; this one goes to the report as well
        echo_lines(warning_lines([same_year]))
    if key:  # a questionnaire the key links nobody of (the report says so too)
        echo_lines(warning_lines(f"{c.title}：关联键“{key}”" + ("不在两年数据中" if c.overlap is None else
                                                             "未识别出两年均作答的受访者") + "，按独立样本比较"
                                 for c in prev.comparisons if not c.overlap))
    return replace(result, previous=prev, notes=(*result.notes, *([same_year] if same_year else [])))


def previous_key(given: str | None, folder) -> str | None:
    """--key, else the evaluation folder's ``previous_key:``, else None."""
    return given if given is not None or folder is None else folder.inputs.evaluation.previous_key


def previous_path(given: Path | None, folder) -> Path | None:
    """--previous, else the evaluation folder's ``previous:`` (relative to the folder), else None."""
    if given is not None or folder is None or not folder.inputs.evaluation.previous:
        return given
    p = Path(folder.inputs.evaluation.previous)
    return p if p.is_absolute() else folder.inputs.folder / p
