"""What a new-user trial found: cleaning rules silently off, a year that disagrees with the
answers, and errors that named the wrong thing for a missing path."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.questionnaire import load
from survey.evaluation.clean import rules_off
from survey.evaluation.years import fieldwork_warnings
from survey.render.body import section_work
from survey.render.console import analysis_lines
from survey.render.narrative import Narrative
from survey.render.report import summary_row

from .conftest import ROOT


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# -- 1. cleaning rules: on in the blank example, and said when off ----------------------------

def test_the_blank_example_switches_the_usual_cleaning_rules_on(tmp_path):
    assert run("init", tmp_path / "e", "--from", "blank").exit_code == 0
    q = load(tmp_path / "e" / "questionnaires" / "beneficiaries.yaml")
    assert rules_off(q) == ()  # 测试问卷, 重复提交, 答题过快, 同一IP多份 all set
    assert q.cleaning.too_fast.seconds == 60 and q.cleaning.duplicates.window_minutes == 10
    # the straight-lining rule can act on the example's 4 scale items
    assert q.cleaning.straightlining.min_items <= len(q.scored_items)
    readme = (tmp_path / "e" / "README.md").read_text(encoding="utf-8")
    assert "cleaning:" in readme and "too_fast.seconds" in readme


def test_checks_that_did_not_run_are_said_in_the_reports_data_collection(analysis_2021):
    s0 = analysis_2021.surveys[0]
    assert s0.cleaned.notes == ()  # the reference case sets its rules: its report is unchanged
    note = "未启用答题过快、重复提交检查（问卷定义未设置）"
    a = replace(analysis_2021, surveys=(replace(s0, cleaned=replace(s0.cleaned, notes=(note,))),
                                        *analysis_2021.surveys[1:]))
    texts = [getattr(b, "text", "") for b in section_work(a, Narrative())]
    para = next(t for t in texts if t.startswith(f"“{s0.questionnaire.title}”"))
    assert para.endswith("。" + note + "。")
    assert not any(note in t for t in (getattr(b, "text", "") for b in section_work(analysis_2021, Narrative())))
    # the same sentence on the console (one note line) and in audit.xlsx 汇总 (备注)
    assert f"  note: {note}" in analysis_lines(a)
    assert summary_row(a.surveys[0].cleaned)["notes"] == note


# -- 2. the fieldwork dates against the answers; no facts table said -----------------------

def test_fieldwork_dates_are_checked_against_the_submission_dates():
    fw = {"q": (dt.date(2023, 10, 1), dt.date(2023, 10, 31))}
    inside = pd.Series(pd.to_datetime(["2023-10-01 08:00", "2023-10-15 09:00", "2023-10-31 23:59", "2023-11-02 10:00"]))
    assert fieldwork_warnings(fw, {"q": inside}) == []  # one late answer of four: fine
    late = pd.Series(pd.to_datetime(["2023-10-30", "2023-11-02", "2023-11-03"]))
    (w,) = fieldwork_warnings(fw, {"q": late})
    assert w.startswith("问卷q的调查时间为2023年10月1日至2023年10月31日，但3份有效答卷中2份的提交时间与之不符")
    # only a start date: the window is open at the end, but answers of another year still disagree
    (w,) = fieldwork_warnings({"q": (dt.date(2022, 11, 1), None)}, {"q": inside})
    assert w.startswith("问卷q的调查时间为自2022年11月1日起，但4份有效答卷中4份的提交时间与之不符")
    assert fieldwork_warnings({"q": (None, None)}, {"q": late}) == []  # no dates: nothing to check
    # fieldwork over the new year (December to January) agrees with answers in both years
    winter = pd.Series(pd.to_datetime(["2023-12-20", "2024-01-05", "2024-01-10"]))
    assert fieldwork_warnings({"q": (dt.date(2023, 12, 15), dt.date(2024, 1, 15))}, {"q": winter}) == []


def test_a_second_year_reusing_last_years_questionnaires_is_flagged(tmp_path, analysis_2021, without_charts):
    # raw/2022.xlsx answers were submitted 2022/10/31–2022/11/28; questionnaires/ says November 2021
    assert not any("调查时间" in n for n in analysis_2021.notes)
    res = run("analyze", ROOT / "raw" / "2022.xlsx", "-o", tmp_path / "r")
    assert res.exit_code == 0, res.output
    assert ("warning: 问卷staff的调查时间为2021年11月1日至2021年11月30日，但395份有效答卷中395份的提交时间与之不符"
            "（提交于2022年10月31日至2022年11月28日）") in res.output
    # its own framework (raw/2022.framework.yaml, found beside it) names 2022: no title warning
    assert "评分表标题" not in res.output and json.loads((tmp_path / "r" / "manifest.json").read_text(
        encoding="utf-8"))["framework"]["file"].endswith("raw/2022.framework.yaml")
    # no 指标数据 sheet: no annex, said in one line with how to add it
    (line,) = [x for x in res.output.splitlines() if x.startswith("note: no annex")]
    assert "指标数据" in line and "survey template" in line
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "数据核对提示：问卷staff的调查时间为2021年11月1日至2021年11月30日" in html


# -- 3. a path that does not exist is the first error; a workbook inside a folder ---------------

@pytest.mark.parametrize("command", ["analyze", "validity", "score"])
def test_a_missing_workbook_is_said_before_anything_else(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)  # no questionnaires/ here: that must not be the error
    res = run(command, tmp_path / "nope.xlsx")
    assert res.exit_code == 1
    assert f"{tmp_path / 'nope.xlsx'}: file not found" in res.output and "questionnaire" not in res.output


def test_a_missing_export_is_said_before_the_questionnaire_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("clean", "nope.xlsx", "-q", "missing.yaml")
    assert res.exit_code == 1 and "nope.xlsx: file not found" in res.output and "missing.yaml" not in res.output


def test_a_workbook_inside_an_evaluation_folder_is_told_to_analyse_the_folder(tmp_path, monkeypatch):
    folder = tmp_path / "rw"
    assert run("init", folder, "--from", "rural-water-2023").exit_code == 0
    monkeypatch.chdir(folder)
    res = run("analyze", "nope.xlsx")  # before: an unknown indicator of the shipped framework
    assert res.exit_code == 1 and "nope.xlsx: file not found" in res.output and "indicator" not in res.output
    # an input analysed alone finds the folder's framework.yaml (beside questionnaires/), not what
    # evaluation.yaml says of its inputs: the error says to analyse the folder, then its own fix
    res = run("analyze", "raw/residents.csv")
    assert res.exit_code == 1 and "unsupported file type '.csv'" in res.output
    assert "Fix: raw/residents.csv lies in the evaluation folder '.'" in res.output
    assert "run `survey analyze .`" in res.output and res.output.rstrip().endswith("else save the file as .xlsx")
    res = run("analyze", "raw/residents.csv", "--framework", "framework.yaml")  # told which: no such hint
    assert res.exit_code == 1 and "survey analyze ." not in res.output


# -- 4. compare names the missing argument as the year it is ----------------------------------

def test_compare_names_a_missing_new_year_as_this_years(tmp_path):
    res = run("compare", ROOT / "raw" / "2021.xlsx", tmp_path / "2023.xlsx")
    assert res.exit_code == 1
    assert f"{tmp_path / '2023.xlsx'}: this year's evaluation was not found" in res.output
    assert "last year" not in res.output.replace("OLD, last year's, comes first", "")
    res = run("compare", tmp_path / "2020.xlsx", ROOT / "raw" / "2021.xlsx")
    assert f"{tmp_path / '2020.xlsx'}: last year's evaluation was not found" in res.output


# -- 5. mistakes a new user makes --------------------------------------------------------------

def test_answers_not_among_the_options_are_said_on_the_console(tmp_path, without_charts):
    # an answer typed outside the scale (比较满意, 很满意) counts as unanswered: the response is
    # excluded as 必答题缺失 and the rate moves, so the console names the cells and the fix
    assert run("init", tmp_path / "e", "--from", "rural-water-2023").exit_code == 0
    csv = tmp_path / "e" / "raw" / "residents.csv"
    data = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    overall = next(c for c in data.columns if c.startswith("7."))
    data.loc[0, overall], data.loc[3, overall] = "比较满意", "很满意"
    data.to_csv(csv, index=False, encoding="utf-8-sig")
    result = run("analyze", tmp_path / "e")
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if "not among the item's options" in x]
    assert len(lines) == 1, result.output
    assert "2 answers" in lines[0] and "“比较满意”、“很满意”" in lines[0]
    assert "row 2," in lines[0] and overall in lines[0] and "Fix:" in lines[0]
