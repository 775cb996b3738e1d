"""satisfaction.xlsx's 权重明细: each respondent's weight, so a weighted rate can be checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from survey.render.report import weights_detail
from survey.render.sheets import weights_detail_sheet
from survey.render.survey_body import item_stats, overall_item


def test_one_row_per_valid_respondent_with_the_weights_of_the_analysis(analysis_2021):
    t = weights_detail(analysis_2021)
    for s in analysis_2021.surveys:
        rows = t[t["questionnaire"] == s.questionnaire.id]
        assert len(rows) == len(s.cleaned.valid.data)
        assert np.allclose(rows["weight"].to_numpy(), s.weights.weights.reindex(s.cleaned.valid.data.index).to_numpy())
        assert rows["row"].tolist() == s.cleaned.valid.data.index.tolist()        # the export's rows, as in audit.xlsx
        assert rows["respondent"].str.fullmatch(r"[A-Z][0-9a-f]{7}").all()      # pseudonyms, never the raw id


def test_the_weighted_overall_rate_can_be_checked_by_hand_from_the_sheet(analysis_2021):
    sheet = weights_detail_sheet(weights_detail(analysis_2021), analysis_2021)["权重明细"]
    assert list(sheet.columns[:3]) == ["问卷", "受访者（化名）", "行号"] and list(sheet.columns[-2:]) == ["权重", "问卷编号"]
    assert "区" in sheet.columns and "总体评价" in sheet.columns     # the unit word, not 'district'
    for s in analysis_2021.surveys:
        q = s.questionnaire
        scale = q.scale_of(overall_item(q))
        rows = sheet[(sheet["问卷编号"] == q.id) & sheet["总体评价"].notna()
                     & ~sheet["总体评价"].isin(scale.not_applicable)]
        by_hand = rows.loc[rows["总体评价"].isin(scale.satisfied), "权重"].sum() / rows["权重"].sum()
        weighted = next(st for st in item_stats(s, weighted=True) if st.item == overall_item(q)).rate
        assert by_hand == pytest.approx(weighted, rel=1e-12)
    # 2021: staff 97.46% weighted (the report's 对照口径), offenders 100%
    staff = sheet[sheet["问卷编号"] == "staff"]
    sat = staff["总体评价"].isin(["非常满意", "满意"])
    assert round(100 * staff.loc[sat, "权重"].sum() / staff.loc[staff["总体评价"].notna(), "权重"].sum(), 2) \
        == 97.46


def test_no_sheet_when_no_questionnaire_is_weighted(analysis_2021_unweighted):
    assert weights_detail_sheet(weights_detail(analysis_2021_unweighted), analysis_2021_unweighted) == {}


def test_every_weighting_variable_shows_the_option_chosen_not_its_code(analysis_2021):
    # the offenders are raked on 矫正类别 and 性别, items with options of their own (no scale)
    t = weights_detail(analysis_2021)
    s = analysis_2021.surveys[1]
    rows = t[t["questionnaire"] == s.questionnaire.id]
    for v in dict.fromkeys(s.weights.diagnostics.margins["variable"]):
        assert set(rows[v].dropna()) <= set(s.questionnaire.options(v)), v
        assert rows[v].notna().all(), v
