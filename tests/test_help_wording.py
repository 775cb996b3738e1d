"""Each command's --help speaks of that command: an option several commands share is worded per command.

Found by a new user: `survey validity --help` said --reliable-n marks cells 不予报告 "in the report,
charts and satisfaction.xlsx", --min-per-district was "the allocation's floor in sample-size", and
--framework explained what it means for audit and compare.
"""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from survey.cli import main

from .test_cli import _commands

# what each command writes or does; another command's option help naming it speaks of the wrong command
OWNED = {
    "comparison.xlsx": {"compare"},
    "satisfaction.xlsx": {"analyze"},
    "charts": {"analyze"},
    "不予报告 in the report": {"analyze"},
    "report.docx": {"analyze"},
    "validity.xlsx": {"validity", "analyze"},
    "annex.xlsx": {"score", "analyze"},
    "template.xlsx": {"template"},
    "cleaned.xlsx": {"clean"},
    "allocation": {"sample-size"},
    "the annex was scored with": {"audit"},
    "an annex": {"audit"},
}
COMMAND_WORDS = ("analyze", "audit", "compare", "init", "template", "sample-size", "validity", "score")


def option_helps():
    for name, cmd in _commands():
        for p in cmd.params:
            if isinstance(p, click.Option) and p.help:
                yield name.split()[-1], cmd, p


def test_no_option_help_speaks_of_another_commands_output_or_purpose():
    wrong = []
    for command, _, p in option_helps():
        for phrase, owners in OWNED.items():
            if phrase in p.help and command not in owners:
                wrong.append((command, p.opts[-1], phrase))
        for word in COMMAND_WORDS:  # "audit: …", "For analyze, …", "in sample-size"
            if word != command and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])(?!\s+check)", p.help) \
                    and not re.search(rf"{word}\.(yaml|xlsx)|validity check|{word} of", p.help):
                wrong.append((command, p.opts[-1], word))
    assert not wrong, wrong


def test_the_shared_options_read_right_in_each_commands_help():
    def help_of(*args):
        out = CliRunner().invoke(main, [*args, "--help"], terminal_width=200).output
        return re.sub(r"\s+", " ", out)

    validity, score, analyze = help_of("validity"), help_of("score"), help_of("analyze")
    assert "Folder for validity.xlsx" in validity and "satisfaction.xlsx" not in validity
    assert "Folder for annex.xlsx and annex.docx" in score and "not compared" not in score
    assert "不予报告 in the report, charts and satisfaction.xlsx" in analyze
    for text in (validity, score, analyze):
        assert "audit:" not in text and "compare:" not in text and "sample-size" not in text
        assert "FOLDER/reports/<folder name> for an evaluation folder" in text  # where they write, said right
    compare = help_of("compare")
    assert "For analyze" not in compare and "comparison.xlsx" in compare
    assert "Needs --previous" in help_of("analyze") and "evaluation.yaml's previous_key" in analyze
    assert "template" not in help_of("init") and "init" not in help_of("template").split("Options:")[1]
    assert "allocation" in help_of("sample-size").split("--min-per-district")[1]
