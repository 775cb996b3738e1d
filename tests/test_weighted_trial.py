"""What a new-user trial of a weighted 街道 evaluation found: a frame unit typed without its
suffix, margins that count another population than the frame, a population of 0 with
respondents in `survey weight`, blank base weights, and blank free text written as "nan"."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.questionnaire import load
from survey.errors import WeightingError
from survey.inputs.frame import read_frame
from survey.inputs.privacy import mask_text
from survey.inputs.read import Workbook
from survey.stats.weights import poststratify, rake

from .conftest import QDIR


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(res):
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == 1 and "Traceback" not in res.output and len(lines) == 1, res.output
    return lines[0]


@pytest.fixture
def water(tmp_path):
    """The rural-water example (units 乡镇, frame raw/frame.csv) in a folder of its own."""
    assert run("init", tmp_path / "e", "--from", "rural-water-2023").exit_code == 0
    return tmp_path / "e"


def test_a_frame_unit_without_its_suffix_is_one_line_with_the_name_meant(water):
    frame = water / "raw" / "frame.csv"
    frame.write_text(frame.read_text(encoding="utf-8-sig").replace("青石镇", "青石"), encoding="utf-8-sig")
    line = one_line_error(run("analyze", water, "-o", water / "out"))
    assert "frame.csv" in line and "row 4" in line and "unknown unit '青石'" in line
    assert "did you mean '青石镇'?" in line
    assert not (water / "out").exists()  # nothing half-written


def test_a_unit_listed_twice_in_the_frame_says_the_fix(water):
    frame = water / "raw" / "frame.csv"
    frame.write_text(frame.read_text(encoding="utf-8-sig").replace("河口镇", "城关镇"), encoding="utf-8-sig")
    line = one_line_error(run("analyze", water, "-o", water / "out"))
    assert "listed twice" in line and "also in row 2" in line and "Fix: keep one row per unit" in line


def offender_book(write_xlsx, *, women=600, category="假释", men=3000):
    q = load(QDIR / "offender.yaml")
    frame = [["区", "在册社区矫正对象数"]] + [[d, 300] for d in q.options("district")]  # 12 × 300 = 3600
    margins = [["变量", "类别", "人数"], ["矫正类别", "缓刑", 3300], ["矫正类别", category, 150],
               ["矫正类别", "暂予监外执行", 100], ["矫正类别", "管制", 50], ["性别", "男", men], ["性别", "女", women]]
    return q, Workbook(write_xlsx({"抽样框": frame, "对象构成": margins}))


def test_margins_that_count_another_population_than_the_frame_name_sheet_rows_and_totals(write_xlsx):
    q, wb = offender_book(write_xlsx)
    assert read_frame(wb, q).margins["gender"].sum() == 3600  # the same total: read as before
    q, wb = offender_book(write_xlsx, women=700)
    with pytest.raises(WeightingError) as e:
        read_frame(wb, q)
    err = e.value
    assert (err.sheet, err.row, err.column) == ("对象构成", 6, "人数")
    assert "性别 counts (rows 6–7) add up to 3700, the frame's 在册社区矫正对象数 to 3600" in str(err)
    assert "difference +100" in str(err) and "same total" in str(err)


def test_a_margin_category_misspelt_is_told_the_option_meant(write_xlsx):
    q, wb = offender_book(write_xlsx, category="假 释")  # normalised: read as 假释
    read_frame(wb, q)
    q, wb = offender_book(write_xlsx, category="假释人员")
    with pytest.raises(WeightingError, match="unknown category '假释人员'") as e:
        read_frame(wb, q)
    assert "did you mean '假释'?" in str(e.value) and (e.value.row, e.value.column) == (3, "类别")


def test_a_population_of_zero_with_respondents_is_an_error_not_a_weight_of_zero():
    # Before: rake and poststratify gave the 3 respondents of B weight 0, silently.
    data = pd.DataFrame({"区": ["A", "A", "B", "B", "B"]})
    with pytest.raises(WeightingError, match="区 'B' has population 0 but 3 respondents"):
        rake(data, {"区": pd.Series({"A": 10.0, "B": 0.0})})
    with pytest.raises(WeightingError, match="has population 0 but 3 respondents"):
        poststratify(data.astype(object), "区", pd.Series({"A": 10.0, "B": 0.0}))  # the general (non-Arrow) path


def test_survey_weight_names_the_row_of_a_blank_base_weight(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"街道": ["东湖街道", "西城街道", "东湖街道"], "pw": [1.5, None, 2.0]}).to_csv(data, index=False)
    targets = tmp_path / "t.csv"
    pd.DataFrame({"变量": ["街道", "街道"], "类别": ["东湖街道", "西城街道"], "人数": [200, 100]}).to_csv(targets, index=False)
    line = one_line_error(run("weight", data, "--targets", targets, "--base", "pw", "-o", tmp_path / "w.csv"))
    assert "d.csv" in line and "row 3, column 'pw'" in line and "(blank)" in line and "Fix: fill in" in line
    assert not (tmp_path / "w.csv").exists()
    pd.DataFrame({"变量": ["街道", "街道"], "类别": ["东湖街道", "西城街道"], "人数": [200, 0]}).to_csv(targets, index=False)
    line = one_line_error(run("weight", data, "--targets", targets, "-o", tmp_path / "w.csv"))
    assert "街道 '西城街道' has population 0 but 1 respondents" in line and not (tmp_path / "w.csv").exists()


def test_blank_free_text_is_blank_in_the_cleaned_data_not_nan(water, tmp_path):
    assert mask_text(float("nan")) is None
    res = run("clean", water / "raw" / "residents.csv", "-q", water / "questionnaires" / "residents.yaml",
              "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    cleaned = pd.read_csv(tmp_path / "c" / "cleaned.csv", dtype=str, keep_default_na=False)
    assert (cleaned["suggestion"] == "").any() and not (cleaned["suggestion"] == "nan").any()


def test_a_weighted_scored_rate_says_so_in_the_annex(tmp_path, analysis_2021):
    # school-meals-2023 post-stratifies its parents to the 街道 frame and scores the weighted rate
    assert run("init", tmp_path / "e", "--from", "school-meals-2023").exit_code == 0
    res = run("score", tmp_path / "e", "-o", tmp_path / "out")
    assert res.exit_code == 0, res.output
    from openpyxl import load_workbook

    cells = [str(c) for row in load_workbook(tmp_path / "out" / "annex.xlsx").active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert any("%（加权）" in c for c in cells)
    # the reference case scores the unweighted rate, as published: its 评分过程 is unchanged
    assert "满意度为97.43%，得15分" in [r.narrative for r in analysis_2021.scorecard.rows]


def test_a_raked_margin_that_differs_unweighted_is_tested_again_on_the_weights(write_xlsx):
    from survey.evaluation.clean import clean
    from survey.evaluation.measures import estimate
    from survey.evaluation.validity import check_survey
    from survey.evaluation.weighting import weight_responses
    from survey.inputs.tidy import tidy
    from survey.pipeline import find_sheet
    from survey.render.validity import validity_paragraph

    from .conftest import RAW_2021

    q, book = offender_book(write_xlsx, women=1800, men=1800)  # the sample is mostly men: the unweighted mix fails
    cleaned = clean(tidy(Workbook(RAW_2021).table(find_sheet(Workbook(RAW_2021), q)), q))
    frame = read_frame(book, q)
    weighted, _, _ = weight_responses(cleaned.valid, frame)
    v = check_survey(cleaned, estimate(cleaned.valid, by="district"), frame.population,
                     frame_margins={q.item(k).text: m for k, m in frame.margins.items()},
                     weights=weighted.data["weight"])
    gender = next(o for o in v.other_margins if o.variable == "性别")
    assert gender.passed_fit is False and gender.passed_weighted_fit is True  # raked to it: no difference left
    assert "加权后性别结构（Rao–Scott检验p值）" in set(v.checks["check"])
    assert "性别结构χ²=" in validity_paragraph(v) and "与总体存在差异，加权后与总体无显著差异" in validity_paragraph(v)


def test_an_items_name_as_a_variable_drops_the_questions_you():
    q = load(QDIR / "offender.yaml")
    assert q.variable_word("gender") == "性别"  # the reference case's margins read as before
    items = [it.model_copy(update={"text": "您的年龄段？"}) if it.id == "gender" else it for it in q.items]
    assert q.model_copy(update={"items": items}).variable_word("gender") == "年龄段"


def test_a_blank_base_weight_is_named_by_the_row_a_user_sees():
    # a DataFrame of the user's own (index 0, 1, …) is numbered as a sheet whose header is row 1: the
    # second respondent is row 3, never "row 1" or "row 0"
    import pandas as pd

    from survey.errors import WeightingError
    from survey.stats.weights import base_weights

    with pytest.raises(WeightingError, match=r"^row 3, column 'pw'"):
        base_weights(pd.DataFrame({"pw": [2.0, None]}), "pw")
