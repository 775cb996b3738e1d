"""The command line, as a user meets it (click's CliRunner)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from survey import __version__
from survey.cli import main

from .conftest import QDIR, RAW_2021, ROOT


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


def test_analyze_2021(tmp_path):
    res = run("analyze", RAW_2021, "--questionnaires", QDIR, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.output
    # the scored figure (计分口径) and, beside it, the other weighting (issue 11)
    assert re.search(r"社区矫正工作人员满意度 97\.43%（计分口径，未加权；95%置信区间 \d+\.\d+%–\d+\.\d+%，n=389） → 15/15 分",
                     res.output)
    assert re.search(r"社区矫正对象满意度 100\.00%（计分口径，未加权；95%置信区间 9\d\.\d+%–100\.00%，n=120） → 5/5 分", res.output)
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
    line = one_line_error(run("analyze", book, "-q", QDIR, "-o", tmp_path / "r"))
    assert "book.xlsx" in line and "no sheet for questionnaire" in line
    assert "工作人员问卷" in line and "got sheets Sheet1" in line
    assert not (tmp_path / "r").exists()


def test_not_an_xlsx(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a zip file")
    line = one_line_error(run("analyze", bad, "-q", QDIR, "-o", tmp_path / "r"))
    assert "bad.xlsx: not a readable xlsx workbook" in line


def test_questionnaire_with_an_unknown_option(tmp_path):
    qdir = tmp_path / "q"
    shutil.copytree(QDIR, qdir)
    staff = qdir / "staff.yaml"
    staff.write_text(staff.read_text(encoding="utf-8").replace("satisfied: [非常满意, 满意]", "satisfied: [非常满意, 很满意]"),
                     encoding="utf-8")
    line = one_line_error(run("analyze", RAW_2021, "-q", qdir, "-o", tmp_path / "r"))
    assert "staff.yaml: scales.satisfaction5.satisfied: unknown option '很满意'" in line
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
    line = one_line_error(run("analyze", book, "-q", QDIR, "-o", tmp_path / "r"))
    assert "edited.xlsx: sheet '工作人员问卷': 1 item(s) of questionnaire 'staff' not found" in line
    assert "unmatched columns: 4、(成就)" in line


@pytest.mark.parametrize("args", [["questionnaire", "check"], ["analyze"]])
def test_missing_arguments_are_usage_errors(args):
    assert run(*args).exit_code == 2


def test_clean_one_export(tmp_path):
    res = run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "wjx_text export, 430 responses" in res.output
    assert "有效问卷389份" in res.output and "重复提交8份" in res.output
    assert "标记但保留：" in res.output
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
