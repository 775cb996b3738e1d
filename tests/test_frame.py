"""Weighting the 2021 surveys to the workbook's frame, and the statistician's commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.questionnaire import load
from survey.errors import WeightingError
from survey.evaluation.clean import clean
from survey.evaluation.weighting import weight_responses
from survey.inputs.frame import read_frame
from survey.inputs.read import Workbook
from survey.inputs.tidy import tidy
from survey.pipeline import analyze, find_sheet
from survey.render.validity import validity_paragraph

from .conftest import QDIR, RAW_2021, REF


def valid(wb, name):
    q = load(QDIR / f"{name}.yaml")
    return q, clean(tidy(wb.table(find_sheet(wb, q)), q)).valid


@pytest.fixture(scope="module")
def wb():
    return Workbook(RAW_2021)


def test_staff_poststratified_to_the_district_counts(wb):
    q, v = valid(wb, "staff")
    frame = read_frame(wb, q)
    assert frame.population.sum() == 550 and len(frame.population) == 12
    out, _, design = weight_responses(v, frame)
    # Post-stratification within districts: weight = N_h / n_h, so each district sums to N_h.
    by = out.data.groupby("district")
    labels = [q.options("district")[int(k) - 1] for k in by.size().index]
    assert np.allclose(by["weight"].sum().to_numpy(), frame.population[labels].to_numpy())
    assert np.allclose(by["weight"].first().to_numpy(), (frame.population[labels] / by.size().to_numpy()).to_numpy())
    assert (design.weights, design.strata, design.fpc) == ("weight", "district", "fpc")
    assert "weight" not in v.data.columns  # the valid responses are not edited


def test_offenders_raked_to_three_margins(wb):
    q, v = valid(wb, "offender")
    frame = read_frame(wb, q)
    assert set(frame.margins) == {"category", "gender"}
    _, res, _ = weight_responses(v, frame)
    d = res.diagnostics
    assert d.method == "rake" and d.converged and d.total == pytest.approx(3806)
    assert (d.margins["difference"].abs() / d.margins["target"] < 1e-7).all()
    assert set(d.margins["variable"]) == {"district", "category", "gender"}


def test_frame_errors_name_sheet_row_and_column(write_xlsx):
    q = load(QDIR / "staff.yaml")
    path = write_xlsx({"抽样框": [["区", "工作人员数"], ["玄武区", 38], ["东城区", 10]]})
    with pytest.raises(WeightingError, match="unknown unit '东城区' in the frame") as e:
        read_frame(Workbook(path), q)
    assert (e.value.sheet, e.value.row, e.value.column) == ("抽样框", 3, "区")
    path = write_xlsx({"抽样框": [["区", "工作人员数"], ["玄武区", "三十八"]]}, "b.xlsx")
    with pytest.raises(WeightingError, match="not a non-negative number") as e:
        read_frame(Workbook(path), q)
    assert (e.value.row, e.value.column) == (2, "工作人员数")


def test_a_frame_district_without_respondents_is_an_error(write_xlsx, wb):
    q, v = valid(wb, "staff")
    rows = [["区", "工作人员数"]] + [[d, 400] for d in q.options("district")]
    frame = read_frame(Workbook(write_xlsx({"抽样框": rows})), q)
    few = v.data[v.data["district"] != 1]
    from dataclasses import replace

    with pytest.raises(WeightingError, match="'玄武区' has population 400 but no respondents"):
        weight_responses(replace(v, data=few), frame)


def test_analyze_reports_weighted_beside_unweighted(analysis_2021, analysis_2021_unweighted):
    a = analysis_2021
    staff = a.surveys[0]
    w = staff.weighted.set_index(["measure", "level"])
    u = staff.estimates.set_index(["measure", "level"])
    # Within a district the post-stratified weights are equal: district rates are unchanged.
    assert np.allclose(w.loc[("overall", "江宁区"), "estimate"], u.loc[("overall", "江宁区"), "estimate"])
    # 389 of 550 staff answered: the finite population correction narrows the interval.
    assert w.loc[("overall", "全部"), "se"] < u.loc[("overall", "全部"), "se"]
    off = a.surveys[1].weighted.set_index(["measure", "level"]).loc[("overall", "全部")]
    assert off["estimate"] == 1 and off["ci_low"] < 1 and off["ci_high"] == 1 and off["ci_method"].endswith("_kish")
    assert a.surveys[1].validity is not None
    # the paragraph quotes the scored figure (the framework scores the unweighted rate, issue 11)
    assert "总体满意率97.43%" in validity_paragraph(a.surveys[0].validity)
    unweighted = analysis_2021_unweighted  # analyze(raw/2021.xlsx, weigh=False), the session's run
    assert unweighted.surveys[0].weighted is None
    assert "总体满意率97.43%" in validity_paragraph(unweighted.surveys[0].validity)


def test_survey_estimate_reproduces_svymean_dstrat():
    # R survey: svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc))
    #   -> 662.2873632, SE 9.4089408
    res = CliRunner().invoke(main, ["estimate", str(REF / "apistrat.csv"), "--var", "api00", "--weights", "pw",
                                    "--strata", "stype", "--fpc", "fpc", "--format", "json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)[0]
    assert row["estimate"] == pytest.approx(662.2873632, rel=1e-9)
    assert row["se"] == pytest.approx(9.4089408, rel=1e-7)
    bad = CliRunner().invoke(main, ["estimate", str(REF / "apistrat.csv"), "--var", "api00", "--strata", "styp"])
    assert bad.exit_code == 1 and "design column 'styp' is not in the data" in bad.output
    assert "Traceback" not in bad.output


def test_survey_weight_rakes_and_writes(tmp_path):
    targets = tmp_path / "t.csv"
    targets.write_text("变量,类别,人数\nstype,E,4421\nstype,H,755\nstype,M,1018\n", encoding="utf-8")
    out = tmp_path / "w.csv"
    res = CliRunner().invoke(main, ["weight", str(REF / "apistrat.csv"), "--targets", str(targets), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Kish deff" in res.output and "converged=True" in res.output
    w = pd.read_csv(out, encoding="utf-8-sig")
    assert w.groupby("stype")["weight"].sum().to_dict() == pytest.approx({"E": 4421, "H": 755, "M": 1018})
    targets.write_text("变量,类别,人数\nstype,E,4421\nstype,X,755\n", encoding="utf-8")
    bad = CliRunner().invoke(main, ["weight", str(REF / "apistrat.csv"), "--targets", str(targets), "-o", str(out)])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "apistrat.csv" in bad.output and "which the population targets do not list" in bad.output


def test_survey_validity_writes_the_workbook(tmp_path):
    res = CliRunner().invoke(main, ["validity", str(RAW_2021), "-q", str(QDIR), "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "克隆巴赫α系数" in res.output and "有效问卷389份" in res.output
    sheets = pd.read_excel(tmp_path / "validity.xlsx", sheet_name=None, engine="openpyxl")
    assert "检验汇总" in sheets and "报告段落" in sheets


def test_survey_weight_from_the_workbook_sheets(tmp_path):
    # Post-stratify the interviews to the register counts of 抽样框 (a wide table with two count columns).
    out = tmp_path / "w.csv"
    args = ["weight", str(RAW_2021), "--sheet", "矫正对象访谈", "--targets", str(RAW_2021), "--targets-sheet", "抽样框",
            "--method", "poststratify", "--by", "区", "-o", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1 and "targets have no 人数/count column" in res.output  # two candidates: say which
    res = CliRunner().invoke(main, [*args, "--count", "在册社区矫正对象数"])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out, encoding="utf-8-sig")
    assert w.groupby("区")["weight"].sum().to_dict()["江宁区"] == pytest.approx(702)
    assert w["weight"].sum() == pytest.approx(3806)


def test_an_issued_count_below_the_returns_does_not_stop_the_analysis():
    staff = load(QDIR / "staff.yaml")
    staff = staff.model_copy(update={"fieldwork": staff.fieldwork.model_copy(update={"issued": 100})})
    a = analyze(RAW_2021, [staff, load(QDIR / "offender.yaml")])
    s = a.surveys[0]
    assert "回收数多于设定的发放数100份" in s.cleaned.summary()
    assert pd.isna(s.validity.counts.iloc[0]["issued"])


def test_the_alpha_sentence_names_the_questionnaires_own_not_applicable_options(analysis_2021):
    # 2021's offender scale has 未接触; another questionnaire's 未使用 is named as such, none: no example at all
    from dataclasses import replace

    v = analysis_2021.surveys[1].validity
    assert v.na_options == ("未接触",)
    text = validity_paragraph(v)
    assert "未纳入" in text and "选择不适用选项（如未接触）" in text
    assert "（如未使用）" in validity_paragraph(replace(v, na_options=("未使用",)))
    none = validity_paragraph(replace(v, na_options=()))
    assert "不适用" not in none and "因有题项未作答未纳入" in none
