"""Commands of an evaluation: analyze, clean, validity, score, audit, questionnaire check, compare."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey.cli.app import main
from survey.cli.options import (
    PATH,
    REPORT_FOLDER,
    alpha_option,
    analysis_options,
    echo_lines,
    evaluation_folder,
    existing_input,
    framework_option,
    framework_options,
    input_options,
    key_option,
    limit_options,
    output_options,
    previous_analysis,
    previous_key,
    previous_path,
    reliable_option,
    run_analysis,
    sheet_option,
    stamped,
    with_previous,
)
from survey.definitions.vocab import (
    FORMAT_NAMES,
)
from survey.formatting import fmt_count


@main.command()
@analysis_options("analyze")
@click.option("--previous", type=PATH, default=None,
              help="Last year's workbook, evaluation folder or report folder (reports/<name>): the report gets "
                   "与上年比较. [default: evaluation.yaml's previous, else none]")
@key_option("analyze")
@output_options(REPORT_FOLDER, "Report folder.")
def analyze(workbook, out, previous, key, **options):
    """Analyse an evaluation workbook: clean, estimate, score, write reports/<name>/.

    WORKBOOK is the year's xlsx with one sheet per survey (the sheet names each
    questionnaire lists under source.sheets), or an evaluation folder (survey init):
    the inputs evaluation.yaml names (sheets of a workbook or files of their own), its
    questionnaires, framework and thresholds are used unless -q / --framework / --alpha /
    --min-per-district say otherwise, and the report goes to FOLDER/reports/<folder name>
    (<workbook name> when every input is a sheet of one workbook).
    """
    from survey.render.worker import report_worker, shared_imports

    existing_input(workbook)  # a wrong path is said at once, before a worker is started for nothing
    shared_imports()  # pandas, the analysis modules, scipy.special: once, inherited by the worker
    import survey.pipeline  # noqa: F401  # the chain whose result the worker unpickles
    # the report worker is forked before the analysis (and before the progress line's thread starts):
    # it imports matplotlib and the writers meanwhile, on the second core
    with report_worker() as worker:
        _analyze(workbook, out, previous, key, options, worker)


def _analyze(workbook, out, previous, key, options, worker) -> None:
    from survey.evaluation.previous import previous_source
    from survey.render.console import analysis_lines, written_line
    from survey.render.progress import Progress
    from survey.render.report import write_report

    checked = previous_source(previous) if previous is not None else None  # fails before this year is analysed
    with Progress() as progress:  # on stderr, only on a terminal
        result, folder = run_analysis(workbook, options, progress=progress)
        last_year, key = previous_path(previous, folder), previous_key(key, folder)
        if key is not None and last_year is None:
            raise click.UsageError("--key links respondents to last year's: give --previous OLD as well")
        if last_year is not None:
            progress("comparing with last year")
            result = with_previous(result, last_year, source=checked, key=key)
        progress("writing reports")
        with stamped(folder, result):
            written = write_report(result, out or (folder.inputs.folder if folder else Path(".")) / "reports" / result.name,
                                   worker=worker)
    echo_lines([*analysis_lines(result), "", written_line(written)])


@main.command("clean")
@click.argument("export", type=PATH)
@click.option("-q", "--questionnaire", "qfile", type=PATH, required=True,
              help="The questionnaire YAML the export answers.")
@sheet_option("the questionnaire's source.sheets, else the first")
@click.option("--format", "fmt", type=click.Choice(("auto", *FORMAT_NAMES)), default="auto", show_default=True,
              help="Export format; auto detects it from the file type and headers.")
@click.option("--columns", "colfile", type=PATH, default=None,
              help="YAML column map 'export header: item id' (or id[k], a metadata field, null to ignore); "
                   "overrides matching and the questionnaire's source.columns.")
@click.option("--issued", type=click.IntRange(min=1), default=None,
              help="Questionnaires issued (发放), for the return rate. [default: the questionnaire's fieldwork.issued]")
@output_options("reports/<export name>-clean")
@limit_options
def clean_cmd(export, qfile, sheet, fmt, colfile, issued, out):
    """Clean one export (xlsx, CSV or SPSS .sav): apply the valid-questionnaire (有效问卷) rules, write the audit.

    Prints the reporting sentence (本次调查共回收问卷…有效问卷…) and writes
    cleaned.xlsx (valid responses, pseudonymised, with a codebook) and audit.xlsx.
    """
    from survey.definitions.questionnaire import load
    from survey.errors import SurveyError
    from survey.evaluation.clean import clean
    from survey.evaluation.folder import export_settings
    from survey.inputs.read import SINGLE_TABLE_SUFFIXES, Workbook, read_table
    from survey.inputs.tidy import load_column_map, tidy
    from survey.pipeline import find_sheet
    from survey.render.console import clean_lines, written_line
    from survey.render.progress import Progress
    from survey.render.report import write_clean

    existing_input(export, expected="an export (xlsx, xls, csv or SPSS .sav)", hint="check the export's path")
    q = load(qfile)
    try:  # an evaluation folder's export: its fieldwork dates and issued count, as analyze takes them
        q = export_settings(export, q) or q
    except SurveyError as exc:  # a folder whose evaluation.yaml does not load: the export is still cleaned
        click.echo(f"warning: the evaluation folder's fieldwork and issued count are not used: {exc}", err=True)
    with Progress() as progress:  # on stderr, only on a terminal
        progress(f"reading {export.name}")
        if export.suffix.lower() in SINGLE_TABLE_SUFFIXES:
            raw = read_table(export)
        else:
            wb = Workbook(export)
            raw = wb.table(sheet or find_sheet(wb, q, first_if_none=True))
        columns = load_column_map(colfile, q) if colfile else None
        progress("tidying and cleaning")
        cleaned = clean(tidy(raw, q, format=None if fmt == "auto" else fmt, columns=columns), issued=issued)
        progress("writing cleaned.xlsx, cleaned.csv, audit.xlsx")
        written = write_clean(cleaned, out or Path("reports") / f"{export.stem}-clean")
    echo_lines([*clean_lines(export, raw, cleaned), written_line(written)])


@main.command("validity")
@analysis_options("validity")
@output_options(REPORT_FOLDER, "Folder for validity.xlsx.")
def validity_cmd(workbook, out, **options):
    """Check that each survey of a workbook supports its numbers; write validity.xlsx.

    WORKBOOK may be an evaluation folder: its inputs and thresholds (margin, min_alpha,
    confidence, min_cell) are used.

    Valid rate, achieved margin of error (overall and per district, with the finite
    population correction), district mix against the frame (chi-square), Cronbach's α
    overall and per dimension, KMO and Bartlett — each with its threshold and verdict —
    and a paragraph for the report.
    """
    from survey.render.console import validity_lines, written_line
    from survey.render.files import write_files
    from survey.render.office import xlsx_bytes
    from survey.render.validity import validity_tables

    result, folder = run_analysis(workbook, options)
    out = out or (folder.inputs.folder if folder else Path(".")) / "reports" / result.name
    with stamped(folder, result):
        written = write_files({out / "validity.xlsx": xlsx_bytes(validity_tables([s.validity for s in result.surveys]))})
    echo_lines([*validity_lines(result.surveys), written_line(written)])


@main.group()
def questionnaire():
    """Questionnaire definitions (questionnaires/*.yaml)."""


@questionnaire.command("check")
@click.argument("files", nargs=-1, required=True, type=PATH)
def questionnaire_check(files):
    """Validate definition files and print every problem found."""
    from survey.definitions.questionnaire import check

    bad = 0
    for f in files:
        q, problems = check(f)
        if problems or q is None:  # check gives the model exactly when there is no problem
            bad += 1
            click.echo(f"{f}: {fmt_count(len(problems), 'problem')}", err=True)
            for p in problems:
                click.echo(f"  {f}: {p}", err=True)
        else:
            n_items = sum(it.type != "text" for it in q.items)
            click.echo(f"{f}: ok — {q.id} “{q.title}”, {fmt_count(len(q.items), 'item')} ({n_items} closed), "
                       f"{fmt_count(len(q.dimensions), 'dimension')}, {fmt_count(len(q.measures), 'measure')}")
    if bad:
        sys.exit(1)


@main.command("score")
@analysis_options("score")
@output_options(REPORT_FOLDER, "Folder for annex.xlsx and annex.docx.")
def score_cmd(workbook, out, **options):
    """Score the whole annex (评分表): write annex.xlsx and annex.docx.

    WORKBOOK holds the survey sheets and the year's facts (sheet 指标数据; 资金分配
    when present), or is an evaluation folder (its inputs.facts and inputs.allocation).
    Prints every indicator's score, the total, the grade and warnings.
    """
    from survey.errors import DataError
    from survey.inputs.facts import read_facts
    from survey.render.annex import annex_docx_bytes, annex_xlsx_bytes
    from survey.render.console import scorecard_lines, written_line
    from survey.render.files import write_files

    result, folder = run_analysis(workbook, options)
    card = result.scorecard
    if card is None and folder is not None:
        raise DataError("the evaluation names no facts table", file=folder.inputs.evaluation.file, path="inputs.facts",
                        hint="name the 指标数据 sheet or file under inputs.facts (`survey template` writes one)")
    if card is None:
        read_facts(workbook)  # no sheet 指标数据: raises the located error saying how to add it
    out = out or (folder.inputs.folder if folder else Path(".")) / "reports" / result.name
    with stamped(folder, result):
        written = write_files({out / "annex.xlsx": annex_xlsx_bytes(card), out / "annex.docx": annex_docx_bytes(card)})
    echo_lines([*scorecard_lines(card), written_line(written)])


@main.command("audit")
@click.argument("annex", type=PATH)
@framework_options("audit")
@limit_options
def audit_cmd(annex, framework, step_mode):
    """Check a filled-in annex table (评分表 xlsx) and print one line per finding.

    Checks: weights add up to 100, 0 ≤ 得分 ≤ 分值, the total, "得N分" in 评分过程,
    the satisfaction rule on the quoted rate, the grade, and (sheet 资金分配) the
    allocation against 全市合计. With --framework (a framework.yaml, or an evaluation
    folder's): every indicator of the framework and only those, its weights, and a
    quoted rate scored by the framework's own rule. Exit code 0: no findings; 1: findings.
    """
    from survey.evaluation.audit import audit_annex
    from survey.evaluation.score import load_framework
    from survey.render.console import audit_lines

    if framework is not None and framework.is_dir():
        framework = evaluation_folder(framework).framework
    fw = load_framework(framework) if framework is not None else None
    findings = audit_annex(annex, step_mode=step_mode, framework=fw)
    echo_lines(audit_lines(findings, annex))
    if len(findings):
        click.echo(fmt_count(len(findings), "finding"), err=True)
        sys.exit(1)
    click.echo(f"{annex}: no findings")


def comparison_folder(old, new) -> str:
    """The default folder of a comparison: ``<new>-vs-<old>`` by the two analyses' names.

    Two evaluations of one name (both ``data.xlsx``, say) are told apart by their years,
    else the old one is ``previous``.
    """
    from survey.evaluation.years import analysis_year

    if old.name != new.name:
        return f"{new.name}-vs-{old.name}"
    y_old, y_new = analysis_year(old), analysis_year(new)
    if y_old is not None and y_new is not None and y_old != y_new:
        return f"{new.name}-{y_new}-vs-{y_old}"
    return f"{new.name}-vs-previous"


@main.command("compare")
@click.argument("old", type=PATH)
@input_options
@click.option("--old-questionnaires", type=PATH, default=None,
              help="Questionnaire folder of the OLD year, when the questionnaires changed. [default: -q]")
@framework_option("compare")
@click.option("--old-framework", type=PATH, default=None,
              help="Scoring framework YAML of the OLD year. [default: OLD's own, found as WORKBOOK's is, "
                   "else --framework]")
@alpha_option
@key_option("compare")
@click.option("--no-units", is_flag=True, help="Compare the whole sample only, not each district.")
@click.option("--weighted/--unweighted", default=None,
              help="Compare the estimates weighted to each year's frame (design-based, without the FPC), or the "
                   "unweighted ones. [default: each questionnaire's scored basis (计分口径), the one its annex scores "
                   "and its report quotes: weighted when the framework scores the weighted estimate and both "
                   "years are weighted]")
@click.option("--details", is_flag=True, help="Also print one sentence per item and per district.")
@reliable_option("compare")
@output_options("<new>-vs-<old> (<name>-<year>-vs-<year> when both have one name) in WORKBOOK's reports/ when "
                "it is an evaluation folder (FOLDER/reports/), else in ./reports/", "Folder for comparison.xlsx.")
@limit_options
def compare_cmd(old, workbook, questionnaires, old_questionnaires, framework, old_framework, alpha, key, no_units,
                weighted, details, reliable_n, out):
    """Compare two evaluation workbooks (与上年比较): OLD is last year's, WORKBOOK this year's.

    Either may be an evaluation folder (survey init): its inputs and questionnaires are used;
    or a report folder that survey analyze wrote (reports/2021): the inputs its manifest.json
    names are read, after checking their SHA-256 (a moved or changed input is an error).

    For each satisfaction measure (overall and per district) and each item: the difference
    with its interval and a design-based test, a Rao–Scott test of each item's answer
    distribution, and a sentence saying 显著提高 / 无显著变化 / 显著下降 only when the test
    says so. Items whose wording or scale changed are listed and not compared.
    """
    from survey.evaluation.previous import previous_source
    from survey.evaluation.units import analysis_unit_contrasts
    from survey.evaluation.years import analysis_year
    from survey.evaluation.yoy import compare_analyses
    from survey.render.body import unit_label
    from survey.render.files import write_files
    from survey.render.office import xlsx_bytes
    from survey.render.yoy import compare_output, comparison_labels

    previous_source(old)  # each missing path named as the year it is, before either year is read
    existing_input(workbook, "this year's evaluation was not found",
                   expected="a workbook, an evaluation folder or a report folder (reports/<name>)",
                   hint="check the path of WORKBOOK, this year's (OLD, last year's, comes first)")
    weigh = weighted is not False  # each year weighted as survey analyze weights it, unless --unweighted
    a = previous_analysis(old, old_questionnaires or questionnaires, alpha=alpha, weigh=weigh,
                          framework=old_framework, fallback=framework)
    given = click.get_current_context().get_parameter_source("reliable_n") is not click.core.ParameterSource.DEFAULT
    this_year = previous_source(workbook)
    b = previous_analysis(this_year, questionnaires, alpha=alpha, weigh=weigh, framework=framework,
                          reliable_n=reliable_n if given else None)  # a folder's thresholds.reliable_n unless given
    comparisons, notes = compare_analyses(a, b, alpha=alpha, key=key, by_unit=not no_units, weighted=weighted)
    units = [] if no_units else analysis_unit_contrasts(b, weighted=weighted, alpha=alpha)
    old_name, new_name, same_year = comparison_labels(analysis_year(a), analysis_year(b), a.name, b.name)
    if same_year:  # said first: every sentence below is worded for it
        click.echo(f"warning: {same_year}")
    lines, sheets = compare_output(comparisons, notes, units, old=old_name, new=new_name, details=details, alpha=alpha,
                                   unit=unit_label(b))
    echo_lines(lines)
    home = this_year.path if this_year.path.is_dir() else Path(".")  # where survey analyze writes this year's report
    written = write_files({(out or home / "reports" / comparison_folder(a, b)) / "comparison.xlsx": xlsx_bytes(sheets)})
    click.echo("written: " + ", ".join(str(p) for p in written))
