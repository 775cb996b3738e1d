"""Districts against the whole sample (survey.evaluation.units).

The statistics (difference linearised as a whole, Holm) are checked against R's
svyby + svycontrast in tests/test_compare.py; here: which districts get named.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from survey.evaluation.units import unit_contrast_table
from survey.render.yoy import units_below_sentence


@pytest.fixture(scope="module")
def staff(analysis_2021_unweighted):
    return analysis_2021_unweighted.surveys[0].cleaned.valid  # analyze(raw/2021.xlsx, weigh=False), conftest


def test_no_district_is_below_in_2021_and_100_percent_is_never_named(staff):
    t = unit_contrast_table(staff)
    assert len(t) == 12 and not t["below"].any()
    at_100 = t[t["estimate"] == 1]
    assert len(at_100) and not at_100["named"].any() and not at_100["above"].any()
    assert set(t.loc[t["n"] < 30, "reliability"]) == {"suppress"}       # NCHS: n < 30
    assert "没有区的总体满意率显著低于全部样本" in units_below_sentence(t, unit="区")
    # the unit is the evaluation's word, never 区 by default (issue #16)
    assert "没有街道的" in units_below_sentence(t, unit="街道") and "区" not in units_below_sentence(t)


def test_a_district_with_many_unsatisfied_is_named(staff):
    data = staff.data.copy()
    q = staff.questionnaire
    jn = q.options("district").index("江宁区") + 1
    rows = data.index[data["district"] == jn][:15]
    data.loc[rows, "overall"] = 4.0                                          # 不满意
    t = unit_contrast_table(replace(staff, data=data)).set_index("unit")
    assert t.index[t["below"]].tolist() == ["江宁区"]
    assert t.loc["江宁区", "p_holm"] < 0.05 and t.loc["江宁区", "difference"] < 0
    assert "江宁区" in units_below_sentence(t.reset_index()) and "显著偏低" in units_below_sentence(t.reset_index())


def test_when_every_unit_was_compared_no_remaining_units_are_mentioned(staff):
    t = unit_contrast_table(staff)
    t = t.assign(named=True)                                      # as if every district had been testable
    text = units_below_sentence(t, unit="乡镇")
    assert "12个可比较的乡镇中" in text and "其余" not in text and text.endswith("）。")
    assert "其余" in units_below_sentence(unit_contrast_table(staff), unit="乡镇")   # 2021: some are not
