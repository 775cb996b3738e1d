"""Commands for evaluation folders and frameworks: init, template, framework check / rules."""

from __future__ import annotations

import sys

import click

from survey.cli.app import main
from survey.cli.options import (
    PATH,
    force_option,
    limit_options,
    output_options,
)


@main.command("init")
@click.argument("folder", type=PATH)
@click.option("--from", "example", default="blank", show_default=True,
              help="The example to start from: blank (a skeleton to edit), nanjing-2021 (the reference case), "
                   "rural-water-2023 or school-meals-2023.")
@force_option("init")
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
@force_option("template")
def template_cmd(folder, out, force):
    """Write the input tables of an evaluation folder with their headers, to fill in.

    抽样框 (a row per unit of the questionnaires' breakdown, a population column per weighted
    questionnaire), 对象构成 (when a questionnaire rakes), 指标数据 (every row each indicator's
    rule reads, what 数值 holds and an example) and 资金分配. Run again, it replaces the file it
    wrote when nobody changed it since; a changed file is kept (one line says why) unless --force.
    """
    from survey.evaluation.template import RECORD, folder_template, record_bytes
    from survey.formatting import fmt_count
    from survey.render.files import write_files
    from survey.render.office import xlsx_bytes

    target, kept, tables = folder_template(folder, out, force=force)
    for k in kept:
        click.echo(k.line())
    if target is None:
        raise click.ClickException(f"nothing written: {fmt_count(len(kept), 'file')} kept (see above). Fix: add "
                                   "--force, or name another file with -o")
    data = xlsx_bytes(tables)
    existed = target.exists()
    written = write_files({target: data})
    write_files({folder / RECORD: record_bytes(folder, target, data)})  # after: a stale record only keeps files
    then = ("fill them in and name them in evaluation.yaml" if not kept else  # the workbook the inputs name was kept
            f"{kept[0].path} was kept: copy what changed (rows, columns) from this file into it, or name this file "
            "in evaluation.yaml")
    click.echo(f"{'replaced' if existed else 'written'}: {written[0]} (sheets {', '.join(tables)}); {then}")


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
