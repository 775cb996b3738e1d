"""The ``survey`` command line: a thin layer over the library.

Each command parses its options, calls library functions and prints. Errors of
the :class:`~survey.errors.SurveyError` family become one line on stderr and a
non-zero exit; nothing here computes. Heavy modules are imported inside the
commands, so ``survey --help`` answers at once.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from survey import __version__
from survey.definitions.vocab import (
    ALLOCATIONS,
    CAL_DISTANCES,
    CI_METHODS,
    DEFF_SRS,
    FORMAT_NAMES,
    LONELY_PSU,
    SRS_CI_METHODS,
    STATS,
    STEP_MODES,
    TABLE_FORMATS,
    VARIANCE_METHODS,
    WEIGHTING_METHODS,
)


class SurveyGroup(click.Group):
    """Turns library errors into one-line messages (no traceback) in one place."""

    def invoke(self, ctx):
        from survey.errors import SurveyError
        from survey.inputs.guard import protecting_inputs

        hook = None
        try:
            with protecting_inputs():  # no output may replace a file the command read
                return super().invoke(ctx)
        except KeyboardInterrupt:
            # Ctrl-C: outputs are all or nothing, so say so in one line. A writer's generator cut
            # short (openpyxl's) complains when collected: silence that while the frames go.
            hook, sys.unraisablehook = sys.unraisablehook, lambda unraisable: None
        except SurveyError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            # (the Python docs' recipe: point stdout at devnull so the final flush cannot fail)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(0) from None
        except PermissionError as exc:
            raise click.ClickException(f"{exc.filename}: {exc.strerror or 'permission denied'}. Fix: close the "
                                       "file if it is open in Excel, or choose a folder you can write to (--out)") from None
        except OSError as exc:  # read-only file system, a file where a folder should be, disk full …
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}. Fix: check the path, "
                                       "or choose another --out folder") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug, or a library failing on an odd file
            if os.environ.get("SURVEY_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {exc}. This is a bug in survey or an input it does "
                "not understand; rerun with SURVEY_DEBUG=1 for the traceback and report it") from None
        import gc  # only after an interrupt: the except block (and its traceback's frames) is left

        try:
            gc.collect()
        finally:
            sys.unraisablehook = hook
        raise click.ClickException("interrupted (Ctrl-C). Outputs are written all or nothing: each output folder "
                                   "holds either its previous files or the complete new ones")


@click.group(cls=SurveyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="survey")
def main():
    """Satisfaction surveys for public-fund performance evaluation (财政项目支出绩效评价).

    Turn questionnaire definitions and raw survey exports into cleaned satisfaction
    rates with confidence intervals, with an audit of every exclusion, and score the
    annex indicators.

    Start with:  survey analyze raw/2021.xlsx
    """


# -- option groups: each option written once, with one default and one help text -------------

PATH = click.Path(path_type=Path)
_FRACTION = click.FloatRange(0, 1, min_open=True, max_open=True)


def _stack(*decorators):
    """Several click decorators as one, applied as if stacked in the order listed."""
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


input_options = _stack(
    click.argument("workbook", type=PATH),
    click.option("-q", "--questionnaires", type=PATH, default=None,
                 help="Folder of questionnaire YAML files. "
                      "[default: ./questionnaires, else the one beside the workbook's folder]"),
)


def sheet_option(default: str = "the first"):
    """``--sheet``: which sheet of an xlsx input to read."""
    return click.option("--sheet", default=None, help=f"Sheet of an xlsx input. [default: {default}]")


def output_options(default: str, what: str = "Output folder."):
    """``-o/--out``: where the command writes; ``default`` says where when it is not given."""
    return click.option("-o", "--out", type=PATH, default=None, help=f"{what} [default: {default}]")


step_mode_option = click.option(
    "--step-mode", type=click.Choice(STEP_MODES), default=None,
    help="How a partial step below a satisfaction threshold counts: ceil (不足5%按5%计), floor, linear. "
         "[default: the rule's own — the framework's; ceil for a criterion read from an annex]")
framework_options = _stack(
    click.option("--framework", type=PATH, default=None,
                 help="Scoring framework YAML. [default: the 2021 Nanjing framework shipped with survey]"),
    step_mode_option,
)


def ci_method_option(methods=CI_METHODS):
    """``--ci-method``, from the vocabulary's interval names (``SRS_CI_METHODS`` where there is no design)."""
    return click.option("--ci-method", type=click.Choice(methods), default="wilson", show_default=True,
                        help="Interval for proportions (on the effective n for design data).")


alpha_option = click.option("--alpha", type=_FRACTION, default=0.05, show_default=True,
                            help="Significance level: intervals at 1 − alpha confidence.")
interval_options = _stack(ci_method_option(), alpha_option)
district_option = click.option(
    "--min-per-district", type=click.IntRange(min=0), default=5, show_default=True,
    help="Fewest valid responses a district should have: the validity check's threshold, "
         "and the allocation's floor in sample-size.")
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

    return _stack(*(click.option(
        "--" + k.name.replace("_", "-"), k.name, default=None, metavar=k.metadata["unit"],
        type=click.IntRange(min=1) if k.type in ("int", int) else click.FloatRange(0, min_open=True),
        help=f"{k.metadata['help']} [default: {k.default:,}]") for k in fields(Limits)))(run)


# Everything survey.pipeline.analyze takes, for the commands that run it (analyze, validity, score).
analysis_options = _stack(input_options, framework_options, interval_options, weights_option, district_option,
                          limit_options)


def table_format_option(*, csv: bool = True):
    """``--format``: how a table is printed (``TABLE_FORMATS``; without csv where the output is not one table)."""
    choices = tuple(f for f in TABLE_FORMATS if csv or f != "csv")
    return click.option("--format", "fmt", type=click.Choice(choices), default="table", show_default=True,
                        help="Print as an aligned table, " + " or ".join(choices[1:]) + ".")


def _default_questionnaires(workbook: Path) -> Path:
    here = Path("questionnaires")
    if here.is_dir():
        return here
    beside = workbook.resolve().parent.parent / "questionnaires"
    return beside if beside.is_dir() else here


def _analyze(workbook, questionnaires, framework, step_mode, ci_method, alpha, no_weights, min_per_district,
             progress=None, **thresholds):
    """:func:`survey.pipeline.analyze` with the options of :data:`analysis_options`.

    ``thresholds``: an evaluation folder's max_margin and min_alpha; ``progress``: the
    console's progress reporter.
    """
    from survey.pipeline import analyze as run

    return run(workbook, questionnaires or _default_questionnaires(workbook), framework=framework,
               step_mode=step_mode, alpha=alpha, ci_method=ci_method, weigh=not no_weights,
               min_per_district=min_per_district, progress=progress, **thresholds)


def _run(workbook: Path, options: dict, progress=None):
    """The analysis of a workbook or an evaluation folder, and the folder (None for a workbook).

    A folder gives its tables, questionnaires, framework and thresholds, unless options say otherwise.
    """
    from survey.evaluation.years import analysis_year_warnings

    folder = _evaluation_folder(workbook) if workbook.is_dir() else None
    if folder is None:
        result = _analyze(workbook, progress=progress, **options)
    else:
        ctx = click.get_current_context()
        given = {k for k in options if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}
        result = _analyze(folder.tables, progress=progress, **{**options, **folder.analysis_options(options, given)})
    _echo(f"提示：{w}" for w in analysis_year_warnings(result, None if folder else workbook,
                                                      folder.inputs.evaluation.year if folder else None))
    return result, folder


def _echo(lines) -> None:
    for line in lines:
        click.echo(line)


# -- commands ----------------------------------------------------------------------------------

@main.command()
@analysis_options
@output_options("reports/<workbook name>", "Report folder.")
def analyze(workbook, out, **options):
    """Analyse an evaluation workbook: clean, estimate, score, write reports/<name>/.

    WORKBOOK is the year's xlsx with one sheet per survey (the sheet names each
    questionnaire lists under source.sheets), or an evaluation folder (survey init):
    the inputs evaluation.yaml names (sheets of a workbook or files of their own), its
    questionnaires, framework and thresholds are used unless -q / --framework / --alpha /
    --min-per-district say otherwise, and the report goes to FOLDER/reports/<name>.
    """
    from survey.render.console import analysis_lines, written_line
    from survey.render.progress import Progress
    from survey.render.report import write_report

    with Progress() as progress:  # on stderr, only on a terminal
        result, folder = _run(workbook, options, progress=progress)
        progress("writing reports")
        with _stamped(folder):
            written = write_report(result, out or (folder.inputs.folder if folder else Path(".")) / "reports" / result.name)
    _echo([*analysis_lines(result), "", written_line(written)])


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
    from survey.evaluation.clean import clean
    from survey.inputs.read import SINGLE_TABLE_SUFFIXES, Workbook, read_table
    from survey.inputs.tidy import load_column_map, tidy
    from survey.pipeline import find_sheet
    from survey.render.console import clean_lines, written_line
    from survey.render.progress import Progress
    from survey.render.report import write_clean

    q = load(qfile)
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
    _echo([*clean_lines(export, raw, cleaned), written_line(written)])


def _print_table(table, fmt: str) -> None:
    if fmt == "csv":  # formula-looking text defused as in every CSV survey writes (OWASP); no BOM on stdout
        from survey.render.files import csv_bytes

        click.echo(csv_bytes(table).removeprefix(b"\xef\xbb\xbf"), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
    else:
        click.echo(table.to_string(index=False, float_format=lambda x: f"{x:.6g}"))


@main.command("estimate")
@click.argument("data", type=PATH)
@click.option("--var", required=True,
              help="Column to estimate (numbers: mean/total; 0/1: proportion; text: share of each value).")
@click.option("--by", default=None, help="Column of domains (e.g. 区); the full design is kept for the variance.")
@click.option("--weights", default=None, help="Column of weights.")
@click.option("--strata", default=None, help="Column of strata.")
@click.option("--cluster", default=None, help="Column of primary sampling units (clusters; see --cluster2).")
@click.option("--fpc", default=None, help="Column of population sizes per stratum (PSUs when clustered) or sampling fractions.")
@click.option("--cluster2", default=None, help="Column of second-stage units within --cluster (R: id=~psu+ssu).")
@click.option("--fpc2", default=None, help="Column of second-stage population sizes (SSUs in the PSU) or fractions "
                                           "(R: fpc=~fpc1+fpc2; stage-wise without-replacement variance).")
@click.option("--lonely-psu", type=click.Choice(LONELY_PSU), default="fail", show_default=True,
              help="What to do with a stratum of one PSU.")
@click.option("--calibrated-on", "calibration", multiple=True,
              help="Column(s) the weights were post-stratified/raked/calibrated to: the SE then uses GREG "
                   "residuals, as R does for such designs (repeat the option for several).")
@click.option("--calibrated-numeric", "calibration_numeric", multiple=True,
              help="Numeric column(s) the weights were calibrated to (GREG on totals, e.g. last year's enrolment).")
@click.option("--calibrated-by-cluster", "calibration_aggregate", is_flag=True,
              help="The calibration gave one factor per --cluster (R aggregate.stage=1): residuals on cluster means.")
@click.option("--base-weights", default=None, help="With --calibrated-on: the weights before calibration. [default: 1]")
@click.option("--stat", type=click.Choice(STATS), default="mean", show_default=True,
              help="mean (a proportion for a 0/1 column; R svymean), total (svytotal), ratio of --var to "
                   "--denominator (svyratio), quantile (svyquantile, qrule=math).")
@click.option("--denominator", default=None, help="--stat ratio: the denominator column.")
@click.option("--quantile", "quantile", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.5,
              show_default=True, help="--stat quantile: which quantile (0.5 = median).")
@interval_options
@click.option("--df", "df", default=None,
              help="Intervals of means/totals/ratios: 'design' = t on the design's df (R confint(df=degf(d))), "
                   "a number, or normal [default]; quantiles default to 'design' as svyquantile.")
@click.option("--no-clip", is_flag=True, help="Keep Wald/Agresti-Coull bounds outside [0, 1] (as R's binom).")
@click.option("--deff-srs", "deff", type=click.Choice(DEFF_SRS), default="without", show_default=True,
              help="deff against SRS without replacement from the estimated N (R deff=TRUE) or with (deff='replace').")
@click.option("--variance", type=click.Choice(VARIANCE_METHODS), default="taylor",
              show_default=True, help="Taylor linearisation, or replicate weights (numeric columns; re-calibrated "
                                      "per replicate with --calibrated-on).")
@click.option("--replicates", type=click.IntRange(min=10), default=500, show_default=True,
              help="Bootstrap replicates.")
@click.option("--seed", type=int, default=20211215, show_default=True, help="Bootstrap seed.")
@click.option("--mse", is_flag=True, help="Replicates: deviations from the full-sample estimate (R mse=TRUE).")
@sheet_option()
@table_format_option()
@limit_options
def estimate_cmd(data, var, by, weights, strata, cluster, fpc, cluster2, fpc2, lonely_psu, calibration,
                 calibration_numeric, calibration_aggregate, base_weights, stat,
                 denominator, quantile, ci_method, alpha, df, no_clip, deff, variance, replicates, seed, mse,
                 sheet, fmt):
    """Design-based mean, proportion, total, ratio or quantile of a column of any CSV/xlsx.

    Taylor-linearisation standard errors with strata, one- or two-stage clusters,
    finite population corrections and calibration, or replicate weights (jackknife,
    bootstrap), as R's svymean/svytotal/svyratio/svyquantile/svyby. Each row
    says its interval method, df (ci_df) and whether a bound was clipped or replaced
    (ci_note). For example, R's
    svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)):

        survey estimate apistrat.csv --var api00 --weights pw --strata stype --fpc fpc
    """
    from survey.errors import SurveyError
    from survey.inputs.read import read_table
    from survey.stats.design import Design
    from survey.stats.estimate import estimate_column
    from survey.stats.replicate import replicate_estimate

    raw = read_table(data, sheet)
    design = Design(weights=weights, strata=strata, cluster=cluster, fpc=fpc, lonely_psu=lonely_psu,
                    calibration=tuple(calibration), calibration_base=base_weights, cluster2=cluster2, fpc2=fpc2,
                    calibration_numeric=tuple(calibration_numeric), calibration_aggregate=calibration_aggregate)
    try:
        if variance == "taylor":
            table = estimate_column(raw.data, var, design=design, by=by, stat=stat, alpha=alpha,
                                    ci_method=ci_method, file=str(data), sheet=raw.sheet, denominator=denominator,
                                    quantile=quantile, df=df, clip=not no_clip, deff=deff)
        else:
            table = replicate_estimate(raw.data, var, design=design, by=by, stat=stat, method=variance,
                                       replicates=replicates, seed=seed, alpha=alpha, ci_method=ci_method, df=df,
                                       mse=mse, quantile=quantile, denominator=denominator)
    except SurveyError as exc:  # name the data file when the method could not
        if exc.file is None:
            exc.file, exc.sheet = str(data), raw.sheet
        raise
    _print_table(table.drop(columns=["questionnaire"]).rename(columns={"label": "stat"}), fmt)


@main.command("weight")
@click.argument("data", type=PATH)
@click.option("--targets", type=PATH, required=True,
              help="CSV/xlsx of population counts: for rake/calibrate the columns 变量/variable, 类别/level, "
                   "人数/count; for poststratify/design the --by columns and one count column.")
@click.option("--method", type=click.Choice(WEIGHTING_METHODS), default="rake", show_default=True,
              help="Weighting method (survey.stats.weights.WEIGHTING).")
@click.option("--by", "by", multiple=True, help="Weighting variable(s). [default: every variable of the targets]")
@click.option("--base", default=None, help="Column of base (design) weights. [default: 1 for everyone]")
@click.option("--bounds", type=(float, float), default=None, help="calibrate: lower and upper bound of final/base weight.")
@click.option("--distance", type=click.Choice(CAL_DISTANCES), default="linear", show_default=True,
              help="calibrate: distance — linear (GREG), raking (ratio), logit (needs --bounds); "
                   "R calibrate(calfun=).")
@click.option("--total", "totals", multiple=True, metavar="COL=VALUE",
              help="calibrate: population total of a numeric column (e.g. --total api99=3914069), "
                   "besides the TARGETS margins; repeat for several (R calibrate(~x + ..., population=)).")
@click.option("--per-cluster", "cal_cluster", default=None,
              help="calibrate with --distance/--total: one factor per cluster of this column (R aggregate.stage=1).")
@click.option("--trim-upper", type=click.FloatRange(1, min_open=True), default=None,
              help="Then trim weights above this multiple of the mean weight, keeping the total.")
@click.option("--tol", type=click.FloatRange(0, min_open=True), default=1e-8, show_default=True,
              help="Raking/calibration: largest relative margin error accepted.")
@click.option("--max-iter", type=click.IntRange(min=1), default=100, show_default=True,
              help="Raking/calibration: most iterations before giving up (reported as not converged).")
@sheet_option()
@click.option("--targets-sheet", default=None, help="Sheet of an xlsx TARGETS file. [default: the first]")
@click.option("--count", "count", default=None, help="Count column of TARGETS when it has several (e.g. 在册社区矫正对象数).")
@output_options("<data>-weighted.csv", "Where to write DATA with a weight column (.csv or .xlsx).")
@limit_options
def weight_cmd(data, targets, method, by, base, bounds, distance, totals, cal_cluster, trim_upper, tol, max_iter, sheet,
               targets_sheet, count, out):
    """Compute weights from population targets and export them with diagnostics.

    Prints the Kish design effect, effective n, CV, min/max, convergence and the
    achieved against the target margins; writes DATA with a ``weight`` column.
    """
    from survey.errors import WeightingError
    from survey.inputs.read import read_table
    from survey.render.bigxlsx import table_xlsx_bytes
    from survey.render.report import atomic_write
    from survey.stats.weights import trim, weigh_to_table

    raw = read_table(data, sheet)
    t = read_table(targets, targets_sheet)
    try:
        if method == "calibrate" and (distance != "linear" or totals or cal_cluster):
            from survey.stats.calibration import calibrate_totals, numeric_totals
            from survey.stats.weights import targets_from_table

            pop = targets_from_table(t.data, list(by) or None, wide=False, file=str(targets), count=count)
            res = calibrate_totals(raw.data, {**pop, **numeric_totals(totals)}, base=base, distance=distance,
                                   bounds=bounds, tol=tol, max_iter=max_iter, cluster=cal_cluster)
        else:
            res = weigh_to_table(raw.data, t.data, method, by=list(by) or None, base=base, bounds=bounds, tol=tol,
                                 max_iter=max_iter, targets_file=str(targets), count=count)
    except WeightingError as exc:  # name the data file when the method could not
        exc.file = exc.file or f"{data}" + (f" [{raw.sheet}]" if raw.sheet else "")
        raise
    if trim_upper:  # keeps the raking diagnostics and re-checks the margins on the trimmed weights
        res = trim(res.weights, upper=trim_upper, after=res, data=raw.data, tol=tol)
    d = res.diagnostics
    table = raw.data.assign(weight=res.weights.to_numpy())
    out = out or data.with_name(f"{data.stem}-weighted.csv")
    if out.suffix.lower() == ".xlsx":  # written before anything is printed: a refusal is the one line
        atomic_write(out, table_xlsx_bytes({"weights": table.reset_index()}))
    else:
        from survey.render.files import csv_bytes  # formula-looking text defused (OWASP)
        atomic_write(out, csv_bytes(table.reset_index()))
    click.echo(f"{d.method}: n={d.n}, Σw={d.total:.6g}, min={d.min:.4g}, max={d.max:.4g}, CV={d.cv:.4f}, "
               f"Kish deff={d.deff_kish:.4f}, n_eff={d.n_eff:.1f}"
               + (f", {d.iterations} iterations, converged={d.converged}" if d.iterations else ""))
    if d.margins is not None:
        click.echo(d.margins.to_string(index=False, float_format=lambda x: f"{x:.6g}"))
    if d.note:
        click.echo(f"warning: {d.note}", err=True)
    if not d.converged:
        click.echo(f"warning: not converged — largest relative margin error {d.history[-1]:.3g} > {tol:g}", err=True)
    click.echo(f"written: {out}")


@main.command("validity")
@analysis_options
@output_options("reports/<workbook name>", "Report folder.")
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

    result, folder = _run(workbook, options)
    out = out or (folder.inputs.folder if folder else Path(".")) / "reports" / result.name
    with _stamped(folder):
        written = write_files({out / "validity.xlsx": xlsx_bytes(validity_tables([s.validity for s in result.surveys]))})
    _echo([*validity_lines(result.surveys), written_line(written)])


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
        if problems:
            bad += 1
            click.echo(f"{f}: {len(problems)} problem(s)", err=True)
            for p in problems:
                click.echo(f"  {f}: {p}", err=True)
        else:
            n_items = sum(it.type != "text" for it in q.items)
            click.echo(f"{f}: ok — {q.id} “{q.title}”, {len(q.items)} items ({n_items} closed), "
                       f"{len(q.dimensions)} dimensions, {len(q.measures)} measures")
    if bad:
        sys.exit(1)


@main.command("sample-size")
@click.option("-N", "--population", type=click.IntRange(min=1), default=None,
              help="Population size (finite population correction). [default: the frame's total, else infinite]")
@click.option("--margin", type=_FRACTION, default=0.05, show_default=True, help="Margin of error (half-width).")
@click.option("--p", "p", type=_FRACTION, default=None, help="Expected proportion. [default: 0.5; 0.95 with --threshold]")
@click.option("--confidence", type=_FRACTION, default=0.95, show_default=True, help="Confidence level.")
@click.option("--deff", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True, help="Design effect.")
@click.option("--valid-rate", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Expected share of valid questionnaires; inflates the number to issue.")
@click.option("--threshold", type=_FRACTION, default=None,
              help="Threshold mode: smallest n whose interval's lower bound stays at or above this rate (e.g. 0.85).")
@ci_method_option(SRS_CI_METHODS)  # a plan has no design: binomial intervals only
@click.option("--frame", type=PATH, default=None,
              help="Sampling frame (csv or xlsx): districts and population counts.")
@sheet_option("抽样框 if present, else the first")
@click.option("--district-column", default=None, help="Frame column with the districts. [default: the first]")
@click.option("--population-column", default=None, help="Frame column with the counts. [default: the only numeric one]")
@click.option("--allocation", type=click.Choice(ALLOCATIONS), default="proportional",
              show_default=True, help="How n is shared among the frame's districts.")
@click.option("--p-column", default=None, help="Frame column with each district's expected rate (Neyman).")
@district_option
@table_format_option(csv=False)
@limit_options
def sample_size_cmd(population, margin, p, confidence, deff, valid_rate, threshold, ci_method, frame, sheet,
                    district_column, population_column, allocation, p_column, min_per_district, fmt):
    """How many responses to collect (Cochran, finite population, design effect, valid rate).

    With --threshold: how many, so that the interval's lower bound stays at or above
    the scoring threshold when the expected rate is --p. With --frame: the
    allocation of n to districts (largest-remainder rounding, sums to n).
    """
    import json

    from survey.render.console import sample_size_lines
    from survey.stats import sampling as S

    if allocation == "neyman" and frame and not p_column:
        raise click.UsageError("--allocation neyman needs --p-column: the frame column with each district's "
                               "expected rate")
    from survey.inputs.frame import read_frame_file

    raw = read_frame_file(frame, sheet=sheet) if frame else None
    cols = {"count_column": population_column, "stratum_column": district_column}
    if raw is not None and population is None:
        population = int(S.frame_population(raw.data, **cols, file=raw.file, sheet=raw.sheet).sum())
    if threshold is not None:
        res = S.threshold_sample_size(p or 0.95, threshold, confidence=confidence, method=ci_method,
                                      population=population, valid_rate=valid_rate)
    else:
        res = S.sample_size(margin, p=p or 0.5, confidence=confidence, population=population, deff=deff,
                            valid_rate=valid_rate)
    alloc = None if raw is None else S.allocate(res.n, raw.data, method=allocation, min_per_stratum=min_per_district,
                                                p=p_column, **cols, file=raw.file, sheet=raw.sheet)
    if fmt == "json":
        out = {**res.as_dict(), "allocation": None if alloc is None else alloc.to_dict(orient="records")}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _echo(sample_size_lines(res, alloc, allocation=allocation, min_per_district=min_per_district))


@main.command("score")
@analysis_options
@output_options("reports/<workbook name>")
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

    result, folder = _run(workbook, options)
    card = result.scorecard
    if card is None and folder is not None:
        raise DataError("the evaluation names no facts table", file=folder.inputs.evaluation.file, path="inputs.facts",
                        hint="name the 指标数据 sheet or file under inputs.facts (`survey template` writes one)")
    if card is None:
        read_facts(workbook)  # no sheet 指标数据: raises the located error saying how to add it
    out = out or (folder.inputs.folder if folder else Path(".")) / "reports" / result.name
    with _stamped(folder):
        written = write_files({out / "annex.xlsx": annex_xlsx_bytes(card), out / "annex.docx": annex_docx_bytes(card)})
    _echo([*scorecard_lines(card), written_line(written)])


@main.command("audit")
@click.argument("annex", type=PATH)
@step_mode_option
@limit_options
def audit_cmd(annex, step_mode):
    """Check a filled-in annex table (评分表 xlsx) and print one line per finding.

    Checks: weights add up to 100, 0 ≤ 得分 ≤ 分值, the total, "得N分" in 评分过程,
    the satisfaction rule on the quoted rate, the grade, and (sheet 资金分配) the
    allocation against 全市合计. Exit code 0: no findings; 1: findings.
    """
    from survey.evaluation.audit import audit_annex
    from survey.render.console import audit_lines

    findings = audit_annex(annex, step_mode=step_mode)
    _echo(audit_lines(findings, annex))
    if len(findings):
        click.echo(f"{len(findings)} finding(s)", err=True)
        sys.exit(1)
    click.echo(f"{annex}: no findings")


# -- evaluation folders and frameworks ------------------------------------------------

def _evaluation_folder(folder: Path):
    """The workbook, questionnaires and framework of an evaluation folder; its warnings printed."""
    from survey.evaluation.folder import folder_run

    run = folder_run(folder)
    for w in run.inputs.evaluation.warnings():
        click.echo(f"提示：{w}")
    return run


def _stamped(folder):
    """Office files of an evaluation folder dated 1 January of its year (SOURCE_DATE_EPOCH wins when set)."""
    from survey.render.office import document_time

    use = folder is not None and not os.environ.get("SOURCE_DATE_EPOCH")
    return document_time((folder.inputs.evaluation.year, 1, 1) if use else None)


@main.command("init")
@click.argument("folder", type=PATH)
@click.option("--from", "example", default="blank", show_default=True,
              help="The example to start from: blank (a skeleton to edit), nanjing-2021 (the reference case), "
                   "rural-water-2023 or school-meals-2023.")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty (files of the same name are replaced).")
def init_cmd(folder, example, force):
    """Write an evaluation folder: evaluation.yaml, framework.yaml, questionnaires/, raw/, README.md.

    FOLDER is created; an existing folder must be empty unless --force. README.md lists the
    next steps; `survey framework check` and `survey questionnaire check` accept what it writes.
    """
    from survey.examples import example_files
    from survey.render.files import write_files

    files = example_files(example)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not force:
        raise click.ClickException(f"{folder}: exists and is not an empty folder. Fix: name a new folder, "
                                   "or add --force to write into it")
    written = write_files({folder / rel: data for rel, data in files.items()})
    click.echo(f"written: {len(written)} files in {folder} (from {example})")
    click.echo(f"next: edit {folder / 'evaluation.yaml'}, then see {folder / 'README.md'}")


@main.command("template")
@click.argument("folder", type=PATH)
@output_options("FOLDER/raw/template.xlsx (inputs.workbook when it names a file not there yet)", "Workbook to write.")
def template_cmd(folder, out):
    """Write the input tables of an evaluation folder with their headers, to fill in.

    抽样框 (a row per unit of the questionnaires' breakdown, a population column per weighted
    questionnaire), 对象构成 (when a questionnaire rakes), 指标数据 (every row each indicator's
    rule reads, what 数值 holds and an example) and 资金分配. An existing file is never replaced.
    """
    from survey.evaluation.template import folder_template
    from survey.render.files import write_files
    from survey.render.office import xlsx_bytes

    out, tables = folder_template(folder, out)
    if out.exists():
        raise click.ClickException(f"{out}: exists. Fix: name another file with -o, or move it away")
    written = write_files({out: xlsx_bytes(tables)})
    click.echo(f"written: {written[0]} (sheets {', '.join(tables)}); fill them in and name them in evaluation.yaml")


@main.group()
def framework():
    """Scoring frameworks (评分表 YAML): check one, print the rule reference."""


@framework.command("check")
@click.argument("files", nargs=-1, required=True, type=PATH)
@limit_options
def framework_check(files):
    """Check framework files and print every problem.

    Weights adding up to 100, every level
    filled, rule parameters known and valid, and each 评分标准 agreeing with its rule where
    its numbers can be read. A FILE that is an evaluation folder checks the framework its
    evaluation.yaml names. Exit code 0: no problems; 1: problems."""
    from survey.evaluation.framework_check import check_framework

    bad = 0
    for f in files:
        result = check_framework(f)
        bad += not result.ok
        for line in result.lines():
            click.echo(line, err=not result.ok)
    if bad:
        sys.exit(1)


@framework.command("rules")
def framework_rules():
    """Print the rule reference (Markdown).

    Every rule type and parameter, with meaning, unit and example. docs/rules.md is this output.
    """
    from survey.definitions.reference import rule_reference

    click.echo(rule_reference(), nl=False)


@main.command("compare")
@click.argument("old", type=PATH)
@input_options
@click.option("--old-questionnaires", type=PATH, default=None,
              help="Questionnaire folder of the OLD year, when the questionnaires changed. [default: -q]")
@alpha_option
@click.option("--key", default=None,
              help="Column linking a respondent across years (e.g. a staff number): the overlap is counted and said.")
@click.option("--no-units", is_flag=True, help="Compare the whole sample only, not each district.")
@click.option("--weighted", is_flag=True,
              help="Compare the estimates weighted to each year's frame (design-based, without the FPC).")
@click.option("--details", is_flag=True, help="Also print one sentence per item and per district.")
@output_options("reports/<new>-vs-<old>", "Folder for comparison.xlsx.")
@limit_options
def compare_cmd(old, workbook, questionnaires, old_questionnaires, alpha, key, no_units, weighted, details, out):
    """Compare two evaluation workbooks (与上年比较): OLD is last year's, WORKBOOK this year's.

    Either may be an evaluation folder (survey init): its workbook and questionnaires are used.

    For each satisfaction measure (overall and per district) and each item: the difference
    with its interval and a design-based test, a Rao–Scott test of each item's answer
    distribution, and a sentence saying 显著提高 / 无显著变化 / 显著下降 only when the test
    says so. Items whose wording or scale changed are listed and not compared.
    """
    from survey.evaluation.units import analysis_unit_contrasts
    from survey.evaluation.yoy import compare_analyses
    from survey.pipeline import analyze as run
    from survey.render.report import write_files, xlsx_bytes
    from survey.render.yoy import compare_output, year_label

    def year(path, qdir):  # a workbook, or an evaluation folder (its workbook and questionnaires)
        if path.is_dir():
            folder = _evaluation_folder(path)
            return run(folder.workbook, qdir or list(folder.questionnaires), alpha=alpha, weigh=weighted)
        return run(path, qdir or _default_questionnaires(path), alpha=alpha, weigh=weighted)

    a, b = year(old, old_questionnaires or questionnaires), year(workbook, questionnaires)
    comparisons, notes = compare_analyses(a, b, alpha=alpha, key=key, by_unit=not no_units, weighted=weighted)
    units = [] if no_units else analysis_unit_contrasts(b, weighted=weighted, alpha=alpha)
    lines, sheets = compare_output(comparisons, notes, units, old=year_label(a.name), new=year_label(b.name),
                                   details=details, alpha=alpha)
    _echo(lines)
    written = write_files({(out or Path("reports") / f"{b.name}-vs-{a.name}") / "comparison.xlsx": xlsx_bytes(sheets)})
    click.echo("written: " + ", ".join(str(p) for p in written))
