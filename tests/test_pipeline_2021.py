"""The 2021 evaluation end to end, against the published report and the planted truth.

Published values: the 2021 evaluation report's annex (shared seed, 附件-1), rows
社区矫正工作人员满意度 "满意度为97.43%,得15分" and 社区矫正对象满意度 "满意度为100%,得5分".
Planted truth: raw/2021.truth.json, written by raw/make_2021.py from the rows it generated.
"""

from __future__ import annotations

import json
import re

import pytest

from survey.inputs.read import Workbook

from .conftest import RAW_2021, ROOT

TRUTH = json.loads((ROOT / "raw" / "2021.truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(analysis_2021):
    return analysis_2021


def survey(result, qid):
    return next(s for s in result.surveys if s.questionnaire.id == qid)


def test_surveys_in_annex_order(result):
    assert [s.questionnaire.id for s in result.surveys] == ["staff", "offender"]


@pytest.mark.parametrize("qid", ["staff", "offender"])
def test_cleaning_finds_exactly_what_was_planted(result, qid):
    s, truth = survey(result, qid), TRUTH[qid]
    assert s.cleaned.returned == truth.get("submissions", truth.get("interviews"))
    assert s.cleaned.n_valid == truth["valid"]
    assert s.cleaned.excluded_by_rule() == truth["excluded"]
    # ... and the very rows the generator planted, rule by rule (truth lists respondent ids)
    raw = Workbook(RAW_2021).table(s.sheet).data
    id_column = s.questionnaire.metadata["respondent"]
    audit = s.cleaned.audit
    for rule, ids in truth["excluded_rows"].items():
        rows = audit[(audit["rule"] == rule) & (audit["action"] == "exclude")]["row"]
        assert sorted(str(raw.at[r, id_column]) for r in rows) == sorted(map(str, ids)), rule


def test_lookalikes_stay_valid_but_are_flagged(result):
    s, look = survey(result, "staff"), TRUTH["staff"]["lookalikes"]
    flags = s.cleaned.audit[s.cleaned.audit["action"] == "flag"].groupby("rule").size()
    assert flags["straightlining"] == look["straightlined_valid"]
    assert flags["same_ip"] == look["shared_ip_valid"]
    assert flags["too_fast"] == look["fast_varied_valid"]


def test_2021_rates_and_scores_reproduce_the_report(result):
    ind = {i.score.indicator: i for i in result.indicators}
    staff = ind["社区矫正工作人员满意度"]
    assert round(staff.estimate["estimate"], 4) == 0.9743
    assert (staff.estimate["n"], staff.score.score) == (389, 15)
    assert staff.score.narrative == "满意度为97.43%，得15分"
    off = ind["社区矫正对象满意度"]
    assert (off.estimate["estimate"], off.estimate["n"], off.score.score) == (1.0, 120, 5)
    # never a zero-width interval at 100%
    assert off.estimate["ci_low"] < 1 and off.estimate["ci_high"] == 1
    assert staff.estimate["ci_low"] < staff.estimate["estimate"] < staff.estimate["ci_high"]


def test_district_rates_match_the_planted_counts(result):
    est = survey(result, "staff").estimates
    rows = est[(est["measure"] == "overall") & (est["domain"] == "district")].set_index("level")
    for district, t in TRUTH["staff"]["by_district"].items():
        assert rows.at[district, "n"] == t["valid"]
        assert rows.at[district, "estimate"] == pytest.approx(t["overall_satisfied"] / t["valid"])


def test_item_rates_match_the_planted_counts(result):
    est = survey(result, "staff").estimates.set_index(["measure", "level"])
    items = TRUTH["staff"]["items_valid"]
    rates = [items[i]["satisfied"] / items[i]["answered"] for i in survey(result, "staff").questionnaire.scored_items]
    assert est.loc[("item_mean", "全部"), "estimate"] == pytest.approx(sum(rates) / len(rates))


def test_each_survey_rate_is_scored_once(result):
    # the indicators are the scorecard's survey-fed rows (one scoring path: score_fed)
    card = {sc.indicator: sc for sc in result.scorecard.scores}
    assert [i.score.indicator for i in result.indicators] == ["社区矫正工作人员满意度", "社区矫正对象满意度"]
    assert all(i.score is card[i.score.indicator] for i in result.indicators)
    # the published annex rows: "满意度为97.43%，得15分", "满意度为100%，得5分"
    assert [(i.score.score, i.score.weight) for i in result.indicators] == [(15, 15), (5, 5)]


def test_a_column_matched_only_by_its_number_is_a_note_to_check(analysis_2021):
    # found by a new-user trial: a column whose text is another question, matched by its number alone, was
    # accepted with only an audit row; now it is said where the evaluator looks (analysis.notes: console,
    # report 数据核对提示, manifest), without the item's id
    from types import SimpleNamespace

    import pandas as pd

    from survey.evaluation.clean import columns_to_check
    from survey.render.outline import notes_blocks

    audit = pd.DataFrame([{"rule": "matched_by_number", "value": "2、您家里有几口人",
                           "message": "按题号与 q_service（2、您对服务内容是否满意）对应，但题目文字不同，请核对"},
                          {"rule": "duplicate", "value": "x", "message": "重复提交"}])
    said = columns_to_check(SimpleNamespace(audit=audit), "居家养老服务满意度调查")
    assert said == ("居家养老服务满意度调查：导出列“2、您家里有几口人”按题号与题目（2、您对服务内容是否满意）对应，"
                    "但题目文字不同，请核对",)
    assert not re.search(r"[a-z]+_[a-z_]+", said[0])
    assert [b.text for b in notes_blocks(SimpleNamespace(notes=said))] == [f"数据核对提示：{said[0]}。"]
    assert not [n for n in analysis_2021.notes if "题号" in n]  # the reference: every column matched by its text
