"""What a new-user trial found: cleaning rules silently off, a year that disagrees with the
answers, and errors that named the wrong thing for a missing path."""

from __future__ import annotations

from dataclasses import replace

from click.testing import CliRunner

from survey.cli import main
from survey.definitions.questionnaire import load
from survey.evaluation.clean import rules_off
from survey.render.body import section_work
from survey.render.narrative import Narrative


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
