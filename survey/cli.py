"""The ``survey`` command line: a thin layer over the library.

Each command parses its options, calls library functions and prints. Errors of
the :class:`~survey.errors.SurveyError` family become one line on stderr and a
non-zero exit; nothing here computes. Heavy modules are imported inside the
commands, so ``survey --help`` answers at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .vocab import CI_METHODS, FORMAT_NAMES, STEP_MODES



class SurveyGroup(click.Group):
    """Turns library errors into one-line messages (no traceback) in one place."""

    def invoke(self, ctx):
        from .errors import SurveyError

        try:
            return super().invoke(ctx)
        except SurveyError as exc:
            raise click.ClickException(str(exc)) from None
        except PermissionError as exc:
            raise click.ClickException(f"{exc.filename}: {exc.strerror or 'permission denied'}. Fix: close the "
                                       "file if it is open in Excel, or choose a folder you can write to (--out)") from None
        except OSError as exc:  # read-only file system, a file where a folder should be, disk full …
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}. Fix: check the path, "
                                       "or choose another --out folder") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug, or a library failing on an odd file
            if os.environ.get("SURVEY_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {exc}. This is a bug in survey or an input it does "
                "not understand; rerun with SURVEY_DEBUG=1 for the traceback and report it") from None


@click.group(cls=SurveyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="survey")
def main():
    """Satisfaction surveys for public-fund performance evaluation (财政项目支出绩效评价).

    Turn questionnaire definitions and raw survey exports into cleaned satisfaction
    rates with confidence intervals, with an audit of every exclusion, and score the
    annex indicators.

    Start with:  survey analyze raw/2021.xlsx
    """


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("-q", "--questionnaires", type=click.Path(path_type=Path), default=None,
              help="Folder of questionnaire YAML files. [default: ./questionnaires, else the one beside the workbook's folder]")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Report folder. [default: reports/<workbook name>]")
@click.option("--framework", type=click.Path(path_type=Path), default=None,
              help="Scoring framework YAML. [default: the 2021 Nanjing framework shipped with survey]")
@click.option("--step-mode", type=click.Choice(STEP_MODES), default=None,
              help="How a partial 5% step below the threshold counts: ceil (不足5%按5%计), floor, linear. "
                   "[default: the framework's, ceil]")
@click.option("--ci-method", type=click.Choice(CI_METHODS), default="wilson", show_default=True,
              help="Confidence interval method.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="1 − confidence level.")
def analyze(workbook, questionnaires, out, framework, step_mode, ci_method, alpha):
    """Analyse an evaluation workbook: clean, estimate, score, write reports/<name>/.

    WORKBOOK is the year's xlsx with one sheet per survey (the sheet names each
    questionnaire lists under source.sheets).
    """
    from .pipeline import analyze as run
    from .report import write_report

    qdir = questionnaires or _default_questionnaires(workbook)
    result = run(workbook, qdir, framework=framework, step_mode=step_mode, alpha=alpha, ci_method=ci_method)
    out = out or Path("reports") / result.name
    written = write_report(result, out)
    for s in result.surveys:
        click.echo(f"{s.questionnaire.title}（{s.sheet}）：{s.cleaned.summary()}")
    click.echo("")
    for ind in result.indicators:
        e, sc = ind.estimate, ind.score
        click.echo(f"{sc.indicator} {e['estimate']:.2%}（{(1 - alpha) * 100:g}% CI {e['ci_low']:.2%}–{e['ci_high']:.2%}，"
                   f"n={int(e['n'])}）→ {sc.score:g}/{sc.weight:g} 分")
    click.echo("")
    click.echo("written: " + ", ".join(str(p) for p in written))


@main.command("clean")
@click.argument("export", type=click.Path(path_type=Path))
@click.option("-q", "--questionnaire", "qfile", type=click.Path(path_type=Path), required=True,
              help="The questionnaire YAML the export answers.")
@click.option("--sheet", default=None, help="Sheet of an xlsx export. [default: the questionnaire's, else the first]")
@click.option("--format", "fmt", type=click.Choice(("auto", *FORMAT_NAMES)), default="auto", show_default=True,
              help="Export format; auto detects it from the headers.")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Output folder. [default: reports/<export name>-clean]")
def clean_cmd(export, qfile, sheet, fmt, out):
    """Clean one export: apply the valid-questionnaire (有效问卷) rules, write the audit.

    Prints the reporting sentence (本次调查共回收问卷…有效问卷…) and writes
    cleaned.xlsx (valid responses, pseudonymised, with a codebook) and audit.xlsx.
    """
    from .clean import clean
    from .pipeline import find_sheet
    from .questionnaire import load
    from .read import Workbook, read_table
    from .report import write_clean
    from .tidy import tidy

    q = load(qfile)
    if export.suffix.lower() == ".csv":
        raw = read_table(export)
    else:
        wb = Workbook(export)
        raw = wb.table(sheet or find_sheet(wb, q, first_if_none=True))
    cleaned = clean(tidy(raw, q, format=None if fmt == "auto" else fmt))
    written = write_clean(cleaned, out or Path("reports") / f"{export.stem}-clean")
    where = f"{export}" + (f" [{raw.sheet}]" if raw.sheet else "") + (f" ({raw.encoding})" if raw.encoding else "")
    click.echo(f"{where}: {cleaned.valid.format} export, {cleaned.returned} responses")
    click.echo(cleaned.summary())
    flags = cleaned.audit[cleaned.audit["action"] == "flag"].groupby("rule_label").size()
    if len(flags):
        click.echo("标记但保留：" + "、".join(f"{k}{v}份" for k, v in flags.items()))
    click.echo("written: " + ", ".join(str(p) for p in written))


def _default_questionnaires(workbook: Path) -> Path:
    here = Path("questionnaires")
    if here.is_dir():
        return here
    beside = workbook.resolve().parent.parent / "questionnaires"
    return beside if beside.is_dir() else here


@main.group()
def questionnaire():
    """Questionnaire definitions (questionnaires/*.yaml)."""


@questionnaire.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def questionnaire_check(files):
    """Validate definition files and print every problem found."""
    from .questionnaire import check

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
