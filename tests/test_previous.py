"""与上年比较 in the report (`survey analyze NEW --previous OLD`) and OLD as a report folder.

raw/2022.xlsx has ONE planted change (staff item h_pay, raw/2022.truth.json); the report's
section must find it and no other. Without --previous the 2021 report is byte-identical to
the committed reports/2021.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.evaluation.previous import previous_source
from survey.evaluation.yoy import DOWN, UP

from .conftest import ROOT, charts_left_out, framework_beside

RAW_2022 = ROOT / "raw" / "2022.xlsx"


@pytest.fixture(scope="module")
def report_2022(tmp_path_factory):
    out = tmp_path_factory.mktemp("r2022")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        res = CliRunner().invoke(main, ["analyze", "raw/2022.xlsx", "--previous", "raw/2021.xlsx", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_report_section_finds_the_planted_change_and_no_other(report_2022):
    sheet = pd.read_excel(report_2022 / "satisfaction.xlsx", sheet_name="与上年比较", engine="openpyxl")
    ups = sheet[sheet["结论"] == "显著提高"]
    assert ups["指标/题目"].tolist() == ["h_pay"] and not (sheet["结论"] == "显著下降").any()
    assert {"2021年", "2022年", "差值", "校正p值", "2021年可靠性"} <= set(sheet.columns)
    html = (report_2022 / "report.html").read_text(encoding="utf-8")
    assert "（三）与上年比较" in html
    assert "薪酬福利待遇2022年为86.33%，2021年为70.95%，提高15.38个百分点" in html
    section = html[html.index("（三）与上年比较"):]
    # the verdict words only where the test says so: one sentence and one table cell for h_pay
    assert section.count("显著提高。") == 1 and section.count(">显著提高<") == 1
    assert "显著下降。" not in section and ">显著下降<" not in section
    # a suppressed district is marked and not compared, with the note explaining the marks
    assert ">不作比较<" in section and "NCHS" in section
    manifest = json.loads((report_2022 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous"]["name"] == "2021" and manifest["previous"]["source"] == "raw/2021.xlsx"


def test_without_previous_the_2021_report_is_byte_identical(cli_2021):
    out, _ = cli_2021  # `survey analyze raw/2021.xlsx -o OUT` run from the repository (conftest)
    committed = ROOT / "reports" / "2021"
    for f in sorted(p for p in committed.iterdir() if p.is_file() and p.name != "manifest.json"):  # pages/: local
        assert (out / f.name).read_bytes() == f.read_bytes(), f.name
    # manifest.json too, but for the inputs' paths from the report folder (OUT is elsewhere): same files
    old, new = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (committed, out))
    for entry_old, entry_new in zip([old["inputs"]["workbook"], *old["questionnaires"]],
                                    [new["inputs"]["workbook"], *new["questionnaires"]]):
        assert (committed / entry_old.pop("from_report")).resolve() == (out / entry_new.pop("from_report")).resolve()
    assert new == old


def test_compare_takes_a_report_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    src = previous_source("reports/2021")
    assert src.path.resolve() == (ROOT / "raw" / "2021.xlsx").resolve() and len(src.questionnaires or ()) == 2
    res = CliRunner().invoke(main, ["compare", "reports/2021", "raw/2022.xlsx", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert res.output.count("显著提高") == 1 and "与2021年比较" in res.output


def _report_of_a_copy(tmp_path, monkeypatch):
    """A copy of the 2021 inputs analysed where they are: tmp/raw/2021.xlsx → tmp/reports/2021."""
    shutil.copytree(ROOT / "questionnaires", tmp_path / "questionnaires")
    (tmp_path / "raw").mkdir()
    shutil.copy(ROOT / "raw" / "2021.xlsx", framework_beside(tmp_path / "raw" / "2021.xlsx"))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["analyze", "raw/2021.xlsx", "-o", "reports/2021"]).exit_code == 0
    return tmp_path


def test_a_changed_or_moved_input_of_the_report_is_a_one_line_error(tmp_path, monkeypatch, without_charts):
    root = _report_of_a_copy(tmp_path, monkeypatch)
    wb = root / "raw" / "2021.xlsx"
    wb.write_bytes(wb.read_bytes() + b"\0")
    res = CliRunner().invoke(main, ["analyze", str(RAW_2022), "--previous", "reports/2021", "-o", "out"])
    assert res.exit_code == 1 and "changed since the report was written" in res.output
    assert "Traceback" not in res.output
    wb.unlink()
    res = CliRunner().invoke(main, ["compare", "reports/2021", str(RAW_2022), "-o", "out"])
    assert res.exit_code == 1 and "was not found" in res.output and "Traceback" not in res.output


def test_evaluation_yaml_previous_adds_the_section(tmp_path, without_charts):
    folder = tmp_path / "nj"
    assert CliRunner().invoke(main, ["init", str(folder), "--from", "nanjing-2021"]).exit_code == 0
    shutil.copy(RAW_2022, framework_beside(tmp_path / "2022.xlsx", ROOT / "raw" / "2022.framework.yaml"))
    # last year's report of the same data: every comparison 无显著变化
    yaml = folder / "evaluation.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "\nprevious: ../2022.xlsx\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["analyze", str(folder), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    sheet = pd.read_excel(tmp_path / "out" / "satisfaction.xlsx", sheet_name="与上年比较", engine="openpyxl")
    # 2021 against "last year" 2022: the planted change read backwards, as a fall
    assert sheet.loc[sheet["结论"] == "显著下降", "指标/题目"].tolist() == ["h_pay"]
    assert not sheet["结论"].isin([UP, DOWN, "显著提高"]).any()
    yaml.write_text(yaml.read_text(encoding="utf-8") + "previuos: x\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["analyze", str(folder), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1 and "previuos" in res.output


def test_every_estimate_row_of_satisfaction_xlsx_carries_its_nchs_flag():
    # reports/2021 is regenerated by `survey analyze raw/2021.xlsx` (byte-identical test above)
    sheets = pd.read_excel(ROOT / "reports" / "2021" / "satisfaction.xlsx", sheet_name=None, engine="openpyxl")
    for name in ("满意度", "满意度统计明细"):
        t = sheets[name]
        for col in ("可靠性（NCHS）", "加权可靠性（NCHS）"):
            assert t[col].notna().all() and t[col].str.match(r"^(可靠|需审慎解读（.+）|不予报告（.+）)$").all(), col
    t = sheets["满意度"].set_index(["口径", "分组"])
    assert t.loc[("总体满意率", "全部"), "可靠性（NCHS）"].iloc[0] == "可靠"  # staff 97.43% of 389
    assert t.loc[("总体满意率", "玄武区"), "可靠性（NCHS）"].iloc[0] == "不予报告（样本量或有效样本量不足30）"
    assert t.loc[("总体满意率", "江北新区"), "可靠性（NCHS）"].iloc[0] == "需审慎解读（比例为0%或100%）"
    notes = sheets["说明"].set_index("列")["说明"]
    assert "不足30" in notes["可靠性（NCHS） / 加权可靠性（NCHS）"] and "130%" in notes["可靠性（NCHS） / 加权可靠性（NCHS）"]


def test_no_sentence_quotes_a_flagged_cell():
    from survey.render.yoy import comparison_sentence, units_below_sentence

    row = pd.Series(dict(label="总体满意率", level="全部", estimate_old=1.0, estimate_new=0.9375, difference=-0.0625,
                         se=0.04, ci_low=-0.14, ci_high=0.02, p_value=0.14, p_adjusted=0.14, verdict="same",
                         reliability_old="review", reliability_new="review"))
    s = comparison_sentence(row, "2021年", "2022年")
    assert "%" not in s and "无显著变化" in s and "审慎解读" in s
    units = pd.DataFrame(dict(measure="overall", label="总体满意率", unit=["甲区", "乙区"], estimate=[0.80, 0.93],
                              difference=[-0.15, -0.02], overall=0.95, below=[True, False], named=True,
                              reliability=["review", "present"]))
    s = units_below_sentence(units)
    assert "甲区显著偏低（甲区的比例需审慎解读，不引用具体数值；" in s and "80.00%" not in s


def test_a_report_written_from_elsewhere_is_found_by_name_and_hash(tmp_path, example_run):
    # analysed from the repository, the folder's manifest names its files without machine paths
    # (2021.xlsx, staff.yaml …): they are found under the folder holding reports/, hash checked
    folder, _ = example_run("nanjing-2021")  # `survey init --from nanjing-2021` + `survey analyze FOLDER`
    manifest = json.loads((folder / "reports" / "2021" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["workbook"]["path"] == "2021.xlsx"
    res = CliRunner().invoke(main, ["compare", str(folder / "reports" / "2021"), str(RAW_2022),
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert res.output.count("显著提高") == 1 and "与2021年比较" in res.output


def test_a_missing_previous_is_a_one_line_error(tmp_path):
    res = CliRunner().invoke(main, ["analyze", str(RAW_2022), "--previous", str(tmp_path / "2021"),
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 1 and "last year's evaluation was not found" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "out").exists()


def test_two_evaluations_of_one_year_are_called_former_and_this(tmp_path):
    # an evaluation folder against its own earlier report: both are of 2023 (evaluation.yaml), 前次 / 本次
    folder = tmp_path / "rw"
    assert CliRunner().invoke(main, ["init", str(folder), "--from", "rural-water-2023"]).exit_code == 0
    with charts_left_out():  # the earlier report is read for its manifest; the new one is drawn whole
        assert CliRunner().invoke(main, ["analyze", str(folder), "-o", str(tmp_path / "old")]).exit_code == 0
    res = CliRunner().invoke(main, ["analyze", str(folder), "--previous", str(tmp_path / "old"),
                                    "-o", str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
    assert "warning: 两次评价的年度均为2023年" in res.output
    sheet = pd.read_excel(tmp_path / "new" / "satisfaction.xlsx", sheet_name="与上年比较", engine="openpyxl")
    assert {"前次", "本次", "前次样本", "本次样本"} <= set(sheet.columns)
    html = (tmp_path / "new" / "report.html").read_text(encoding="utf-8")
    assert "两次题目或选项有变化" in html and "两年" not in html[html.index("与上年比较"):]
    assert (sheet["结论"] == "无显著变化").all()  # the same answers: no change anywhere
