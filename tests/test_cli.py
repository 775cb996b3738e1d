"""The command line, as a user meets it (click's CliRunner)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from survey import __version__
from survey.cli import main

from .conftest import FRAMEWORK_2021, QDIR, RAW_2021, ROOT


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(res) -> str:
    """A failed run prints one line on stderr, no traceback, and exits non-zero."""
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_help_and_version():
    res = run("--help")
    assert res.exit_code == 0 and "analyze" in res.output and "questionnaire" in res.output
    assert run("--version").output.strip() == f"survey, version {__version__}"
    for cmd in (["analyze"], ["questionnaire"], ["questionnaire", "check"]):
        assert run(*cmd, "--help").exit_code == 0


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, cmd in main.commands.items():
        assert f"survey {name}" in readme, name
        for sub in getattr(cmd, "commands", {}):
            assert f"survey {name} {sub}" in readme, sub


def test_python_m_survey_and_light_start_up():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "survey", "--help"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert "Usage:" in out.stdout
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines()}
    assert not imported & {"pandas", "numpy", "statsmodels", "openpyxl", "pydantic"}


def test_analyze_2021(tmp_path, without_charts):
    res = run("analyze", RAW_2021, "--questionnaires", QDIR, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.output
    # the scored figure (计分口径) and, beside it, the other weighting (issue 11)
    assert re.search(r"社区矫正工作人员满意度 97\.43%（计分口径，未加权；95%置信区间 \d+\.\d+%–\d+\.\d+%，n=389） → 15/15 分",
                     res.output)
    assert re.search(r"社区矫正对象满意度 100\.00%（计分口径，未加权；95%置信区间 9\d\.\d+%–100\.00%，n=120） → 5/5 分",
                     res.output)
    assert "有效问卷389份" in res.output
    assert re.search(r"  对照口径（加权）97\.\d\d%（\d+\.\d+%–\d+\.\d+%），得分相同", res.output)
    written = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert {"audit.xlsx", "manifest.json", "satisfaction.xlsx", "validity.xlsx"} <= set(written)


def test_step_mode_option_and_bad_choice(tmp_path):
    res = run("analyze", RAW_2021, "-q", QDIR, "-o", tmp_path, "--step-mode", "banana")
    assert res.exit_code == 2 and "ceil" in res.output


def test_missing_file(tmp_path):
    line = one_line_error(run("analyze", tmp_path / "nope.xlsx", "-q", QDIR, "-o", tmp_path / "r"))
    assert "nope.xlsx: file not found" in line
    assert not (tmp_path / "r").exists()


def test_workbook_without_a_needed_sheet(tmp_path, write_xlsx):
    book = write_xlsx({"Sheet1": [["a", "b"], [1, 2]]})
    line = one_line_error(run("analyze", book, "-q", QDIR, "--framework", FRAMEWORK_2021, "-o", tmp_path / "r"))
    assert "book.xlsx" in line and "no sheet for questionnaire" in line
    assert "工作人员问卷" in line and "got sheets Sheet1" in line
    assert not (tmp_path / "r").exists()


def test_not_an_xlsx(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a zip file")
    line = one_line_error(run("analyze", bad, "-q", QDIR, "--framework", FRAMEWORK_2021, "-o", tmp_path / "r"))
    assert "bad.xlsx: not a readable xlsx workbook" in line


def test_questionnaire_with_an_unknown_option(tmp_path):
    qdir = tmp_path / "q"
    shutil.copytree(QDIR, qdir)
    staff = qdir / "staff.yaml"
    staff.write_text(staff.read_text(encoding="utf-8").replace("satisfied: [非常满意, 满意]", "satisfied: [非常满意, 很满意]"),
                     encoding="utf-8")
    line = one_line_error(run("analyze", RAW_2021, "-q", qdir, "-o", tmp_path / "r"))
    assert re.search(r"staff\.yaml: line \d+, scales\.satisfaction5\.satisfied: unknown option '很满意'", line)
    res = run("questionnaire", "check", staff)
    assert res.exit_code == 1 and "unknown option '很满意'" in res.output


def test_questionnaire_check_ok():
    res = run("questionnaire", "check", QDIR / "staff.yaml", QDIR / "offender.yaml")
    assert res.exit_code == 0
    assert res.output.count(": ok") == 2


def test_export_missing_an_item(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(RAW_2021)
    ws = wb["工作人员问卷"]
    for cell in ws[1]:
        if cell.value == "4、(工作带来的成就感)":
            cell.value = "4、(成就)"
    book = tmp_path / "edited.xlsx"
    wb.save(book)
    line = one_line_error(run("analyze", book, "-q", QDIR, "--framework", FRAMEWORK_2021, "-o", tmp_path / "r"))
    assert "edited.xlsx: sheet '工作人员问卷': 1 item of questionnaire 'staff' not found" in line
    assert "unmatched columns: 4、(成就)" in line


@pytest.mark.parametrize("args", [["questionnaire", "check"], ["analyze"]])
def test_missing_arguments_are_usage_errors(args):
    assert run(*args).exit_code == 2


def test_clean_one_export(tmp_path):
    res = run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "wjx_text export, 430 responses" in res.output
    assert "有效问卷389份" in res.output and "重复提交8份" in res.output
    assert "flagged, kept: " in res.output
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "c" / "cleaned.xlsx")
    ws = wb["有效问卷"]
    header = [c.value for c in ws[1]]
    assert ws.max_row == 390 and "ip" not in header and "overall" in header
    assert wb["编码表"].max_row > 1


def test_clean_a_gbk_csv(tmp_path):
    csv_path = tmp_path / "腾讯问卷.csv"
    rows = ["编号,开始答题时间,结束答题时间,答题时长,1.您所在的区,2.您的岗位,3.您从事社区矫正工作的年限,"
            + ",".join(f"4.评价:{t}" for t in ["工作带来的成就感", "薪酬福利待遇", "工作强度与工作量", "职业发展与晋升空间",
                                                 "单位对个人的关心关爱", "办公环境与工作条件"])
            + "," + ",".join(f"5.评价:{t}" for t in ["执法工作中的人身安全保障", "突发事件处置能力与装备配备",
                                                    "执法风险与尽职免责保障", "心理疏导与心理健康支持",
                                                    "信息化监管手段（电子定位、视频督察）", "社会对社区矫正工作的认可"])
            + ",6.总体而言，您对从事社区矫正工作的幸福感和安全感是否满意？,IP,清洗数据结果,"]
    for i in range(1, 4):
        rows.append(f"{i},2021-11-0{i} 09:00:00,2021-11-0{i} 09:05:00,300,A.玄武区,B.司法所工作人员,C.3至5年,"
                    + ",".join(["A.非常满意"] * 12) + f",B.满意,10.0.0.{i},有效,")
    csv_path.write_bytes("\n".join(rows).encode("gbk"))
    res = run("clean", csv_path, "-q", QDIR / "staff.yaml", "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "(gbk): tencent export, 3 responses" in res.output
    assert "有效问卷3份" in res.output


def test_every_lazy_top_level_name_resolves():
    import survey

    for name in survey.__all__:
        assert getattr(survey, name) is not None, name


# -- the command line's shape: option groups written once, documented, with help (sqlite-utils' habit) --

def _commands(group=main, prefix="survey"):
    """(\"survey analyze\", command) for every command, subcommands included."""
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", cmd


def _synopsis(readme: str) -> dict[str, str]:
    """The README's command-line synopsis block, one chunk per ``survey <command>`` line.

    A group of options several commands share is written once, ``[NAME] = [--opt X] …``, and
    ``[NAME]`` in a command's lines stands for it."""
    block = readme.split("## Command line", 1)[1].split("```", 2)[1]
    chunks: dict[str, str] = {}
    groups: dict[str, str] = {}
    head = None
    for line in block.splitlines():
        if re.match(r"\[[A-Z]+\] = ", line):
            name, options = line.split(" = ", 1)
            groups[name], head = options, None
            continue
        if line.startswith("survey "):
            head = next((c for c, _ in _commands() if line == c or line.startswith(c + " ")), None)
            chunks[head] = ""
        if head:
            chunks[head] += line + "\n"
    for name, options in groups.items():
        chunks = {c: text.replace(name, options) for c, text in chunks.items()}
    return chunks


def _user_params(cmd):
    return [p for p in cmd.params if p.name not in ("help", "version")]


def test_every_command_and_option_is_in_the_readme_synopsis():
    chunks = _synopsis((ROOT / "README.md").read_text(encoding="utf-8"))
    for name, cmd in _commands():
        assert name in chunks, f"{name} has no synopsis line in README.md"
        for p in _user_params(cmd):
            if isinstance(p, click.Argument):
                assert p.human_readable_name.upper() in chunks[name], (name, p.name)
            else:
                assert any(re.search(rf"{re.escape(o)}\b", chunks[name]) for o in p.opts), (name, p.opts)


def test_every_command_and_option_has_help():
    for name, cmd in _commands():
        assert cmd.help and cmd.get_short_help_str(), name
        for p in _user_params(cmd):
            if isinstance(p, click.Option):
                assert p.help, (name, p.opts)


WORDED_PER_COMMAND = ("framework", "step_mode", "min_per_district", "reliable_n", "key", "force")


def test_repeated_options_are_one_option():
    """An option that several commands take is the same declaration: same type, default and help."""
    seen: dict[str, tuple] = {}
    for name, cmd in _commands():
        for p in _user_params(cmd):
            if not isinstance(p, click.Option) or p.name in ("sheet", "out", "fmt", "ci_method", "by"):
                # factories whose default's wording / closed set differ by command on purpose; --by
                # is a domain column for estimate but the weighting variables for weight
                continue
            worded = p.name in WORDED_PER_COMMAND  # help said for each command (tests/test_help_wording.py)
            key = (type(p.type).__name__, getattr(p.type, "choices", None), p.default, None if worded else p.help,
                   p.is_flag)
            assert seen.setdefault(p.opts[-1], key) == key, (name, p.opts)
    # and the ones that vary keep one declaration: same flags, same default
    for opt, default in (("--sheet", None), ("--out", None), ("--ci-method", "wilson")):
        for name, cmd in _commands():
            ps = [p for p in cmd.params if opt in p.opts]
            assert all(p.default == default for p in ps), (name, opt)


def test_choices_come_from_the_vocabulary():
    from survey.definitions import vocab
    from survey.stats.replicate import REPLICATE_METHODS
    from survey.stats.sampling import ALLOCATIONS

    assert vocab.ALLOCATIONS == ALLOCATIONS
    assert ("taylor", *REPLICATE_METHODS) == vocab.VARIANCE_METHODS
    closed = {v for k in dir(vocab) if k.isupper() and isinstance(getattr(vocab, k), tuple)
              for v in [tuple(getattr(vocab, k))]}
    for name, cmd in _commands():
        for p in cmd.params:
            if isinstance(p.type, click.Choice):
                choices = tuple(p.type.choices)
                assert choices in closed or choices[1:] in closed or set(choices) <= set(vocab.TABLE_FORMATS), \
                    (name, p.opts, choices)


def test_one_default_for_step_mode_and_min_per_district():
    for opt, default in (("--step-mode", None), ("--min-per-district", 5), ("--alpha", 0.05)):
        found = [p.default for _, cmd in _commands() for p in cmd.params if opt in p.opts]
        assert found and set(found) == {default}, (opt, found)


def test_validity_and_score_take_the_analysis_options(tmp_path):
    res = run("validity", RAW_2021, "-q", QDIR, "-o", tmp_path, "--alpha", 0.1, "--min-per-district", 3)
    assert res.exit_code == 0, res.output
    assert "在90%置信水平下" in res.output and "在95%置信水平下" not in res.output
    for cmd in ("validity", "score", "analyze"):
        help_text = run(cmd, "--help").output
        for opt in ("--framework", "--step-mode", "--ci-method", "--alpha", "--no-weights", "--min-per-district"):
            assert opt in help_text, (cmd, opt)


def test_console_lines_are_built_by_the_library_not_the_cli(analysis_2021):
    """analysis_lines gives the reporting sentences, the scored figures (计分口径) and the total."""
    from survey.render.console import analysis_lines

    lines = analysis_lines(analysis_2021)
    assert lines[0].startswith("社区矫正工作人员幸福感和安全感调查 [") and "有效问卷389份" in lines[0]
    assert any(re.fullmatch(r"社区矫正工作人员满意度 97\.43%（计分口径，未加权；95%置信区间 95\.33%–98\.60%，n=389） → "
                            r"15/15 分", line) for line in lines)
    assert any(line.startswith("  对照口径（加权）97.46%") for line in lines)
    assert "评分表 total: 97.0/100, 评价等级 优" in lines



def test_the_console_frames_lines_in_english_and_counts_in_the_plural(tmp_path):
    """No "problem(s)", no Chinese 提示：/注意： framing around the field's sentences (issue #16)."""
    bad = tmp_path / "q.yaml"
    bad.write_text((QDIR / "staff.yaml").read_text(encoding="utf-8").replace("\ntitle:", "\ntitel:", 1),
                   encoding="utf-8")
    res = run("questionnaire", "check", bad)
    assert res.exit_code == 1 and f"{bad}: 1 problem\n" in res.output
    assert "did you mean 'title'?" in res.output
    framed = re.compile(r"[a-z]\(s\)(?!})|^\s*(提示|注意|标记但保留)：")
    for path in (ROOT / "survey").rglob("*.py"):   # the console's text is built in the package
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        helps = {id(k.value) for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "help"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs | helps:
                assert not framed.search(node.value), f"{path.name}:{node.lineno}: {node.value}"


def test_audit_step_mode_defaults_to_the_rules_own(tmp_path):
    from survey.evaluation.audit import audit_annex

    from .test_audit import STAFF, build, edited

    table = edited(cells={(STAFF, 5): "满意度为82.10%，得15分", (STAFF, 7): 15})
    book = build(tmp_path / "a.xlsx", table, allocation=False)
    # a criterion read from the annex's text has no mode of its own: ceil (不足5%按5%计)
    assert audit_annex(book)["message"].str.contains("每降低5%扣1分，ceil）应得14分").any()
    res = run("audit", book)
    assert res.exit_code == 1 and "ceil）应得14分" in res.output


def test_every_import_in_the_readme_resolves():
    """The README's Python examples name modules that exist (they moved into layers once)."""
    import importlib

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"^\s*from (survey[\w.]*) import ([\w, ]+)$", readme, flags=re.M)
    assert lines
    for module, names in lines:
        mod = importlib.import_module(module)
        for name in names.split(","):
            assert hasattr(mod, name.strip()), f"README: from {module} import {name.strip()}"


@pytest.mark.parametrize("command", ["analyze", "validity", "score"])
def test_min_per_unit_is_min_per_district(command, tmp_path):
    # 区, 县, 乡镇, 街道: the option's other name says it of any unit (a new user with 乡镇 looked for it)
    from survey.cli.app import main as group

    book = tmp_path / "x.xlsx"
    book.write_bytes(b"")
    for flag in ("--min-per-unit", "--min-per-district"):
        ctx = group.commands[command].make_context(command, [str(book), flag, "40"])
        assert ctx.params["min_per_district"] == 40
