"""The evaluation as a folder: evaluation.yaml, `survey init`, the shipped examples, `survey analyze FOLDER`."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.evaluation import Evaluation, load_evaluation, resolve_inputs
from survey.errors import DataError, DefinitionError
from survey.evaluation.folder import folder_run, workbook_run
from survey.examples import example_files, example_names

from .conftest import framework_beside

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def init(tmp_path: Path, example: str = "blank") -> Path:
    folder = tmp_path / example
    res = run("init", folder, "--from", example)
    assert res.exit_code == 0, res.output
    return folder


def write_evaluation(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "evaluation.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


MINIMAL = {"project": "某县农村饮水安全补助资金绩效评价", "fund": "农村饮水安全补助资金", "year": 2023,
           "commissioned_by": "某县财政局", "area_unit": "乡镇",
           "questionnaires": {"residents": {"export": "raw/residents.csv"}}}


# -- init and the examples ----------------------------------------------------------

def test_init_writes_a_folder_the_checks_accept(tmp_path):
    folder = init(tmp_path)
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert names == ["README.md", "evaluation.yaml", "framework.yaml", "questionnaires/beneficiaries.yaml",
                     "raw/README.md"]
    assert run("framework", "check", folder / "framework.yaml").exit_code == 0
    res = run("questionnaire", "check", *sorted((folder / "questionnaires").glob("*.yaml")))
    assert res.exit_code == 0, res.output
    ev = load_evaluation(folder)
    assert ev.area_unit == "乡镇" and ev.thresholds.min_alpha == 0.7 and ev.warnings() == []
    inputs = resolve_inputs(ev, must_exist=False)
    assert inputs.framework == folder / "framework.yaml"
    assert inputs.questionnaires[0].definition == folder / "questionnaires" / "beneficiaries.yaml"
    assert inputs.single_workbook == folder / "raw" / "data.xlsx"
    # raw/ is empty: the workbook it names is missing, and the error says which key names it
    with pytest.raises(DefinitionError, match=r"evaluation.yaml: inputs.workbook: file not found"):
        resolve_inputs(ev)
    # the questionnaire the skeleton names is the one it writes
    q = yaml.safe_load((folder / "questionnaires" / "beneficiaries.yaml").read_text(encoding="utf-8"))
    assert set(ev.questionnaires) == {q["id"]}


def test_init_refuses_a_folder_with_files_unless_forced(tmp_path):
    (tmp_path / "x.txt").write_text("keep", encoding="utf-8")
    res = run("init", tmp_path)
    assert res.exit_code == 1 and "not an empty folder" in res.output
    assert run("init", tmp_path, "--force").exit_code == 0
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "keep" and (tmp_path / "evaluation.yaml").exists()
    res = run("init", tmp_path / "new", "--from", "nanjing-2020")
    assert res.exit_code == 1 and "unknown example 'nanjing-2020'" in res.output and "nanjing-2021" in res.output


@pytest.mark.parametrize("name", example_names())
def test_every_example_loads_and_its_files_exist(tmp_path, name):
    folder = init(tmp_path, name)
    ev = load_evaluation(folder / "evaluation.yaml")
    inputs = resolve_inputs(ev, must_exist=name != "blank")
    assert [q.id for q in inputs.questionnaires] == list(ev.questionnaires)
    assert run("framework", "check", inputs.framework).exit_code == 0


def test_the_nanjing_example(tmp_path):
    folder = init(tmp_path, "nanjing-2021")
    ev = load_evaluation(folder)
    assert (ev.year, ev.area_unit, ev.thresholds.margin) == (2021, "区", 0.05)
    assert ev.questionnaires["staff"].fieldwork.issued == 550
    inputs = resolve_inputs(ev)
    assert inputs.single_workbook == folder / "raw" / "2021.xlsx"
    assert [x.sheet for x in inputs.tables()] == ["工作人员问卷", "矫正对象访谈", "抽样框", "对象构成", "指标数据", "资金分配"]
    assert inputs.facts.key == "inputs.facts"


def test_the_example_copies_agree_with_the_repository():
    """The example is a copy of questionnaires/, raw/2021.framework.yaml and raw/2021.xlsx: when one
    changes, copy it to survey/examples/nanjing-2021/ too."""
    files = example_files("nanjing-2021")
    pairs = {"framework.yaml": "raw/2021.framework.yaml", "questionnaires/staff.yaml": "questionnaires/staff.yaml",
             "questionnaires/offender.yaml": "questionnaires/offender.yaml", "raw/2021.xlsx": "raw/2021.xlsx"}
    for copy, original in pairs.items():
        assert files[copy] == (ROOT / original).read_bytes(), \
            f"{original} changed: copy it to survey/examples/nanjing-2021/{copy} (the example is a copy)"


def test_analyze_an_evaluation_folder(tmp_path, without_charts):
    folder = init(tmp_path, "nanjing-2021")
    # the folder's confidence reaches the intervals (90% here), unless --alpha says otherwise
    text = (folder / "evaluation.yaml").read_text(encoding="utf-8").replace("confidence: 0.95", "confidence: 0.90")
    (folder / "evaluation.yaml").write_text(text, encoding="utf-8")
    res = run("analyze", folder)
    assert res.exit_code == 0, res.output
    assert re.search(r"社区矫正工作人员满意度 97\.43%（计分口径，未加权；90%置信区间.*→ 15/15 分", res.output)
    assert re.search(r"社区矫正对象满意度 100\.00%.*→ 5/5 分", res.output)
    assert "评分表 total: 97.0/100, 评价等级 优" in res.output
    assert (folder / "reports" / "2021" / "annex.xlsx").exists()
    res = run("analyze", folder, "-o", folder / "r95", "--alpha", "0.05")
    assert res.exit_code == 0 and "95%置信区间" in res.output, res.output


# -- evaluation.yaml ------------------------------------------------------------------

def test_inputs_as_files_or_sheets():
    ev = Evaluation.model_validate({**MINIMAL, "inputs": {
        "workbook": "raw/data.xlsx", "frame": "抽样框", "facts": {"file": "raw/facts.xlsx", "sheet": "指标"},
        "allocation": "raw/分配.csv"}, "questionnaires": {"a": {"export": ["raw/a1.sav", "问卷A"]}}})
    assert ev.inputs.frame.sheet == "抽样框" and ev.inputs.frame.file is None
    assert (ev.inputs.facts.file, ev.inputs.facts.sheet) == ("raw/facts.xlsx", "指标")
    assert ev.inputs.allocation.file == "raw/分配.csv"
    assert [(x.file, x.sheet) for x in ev.questionnaires["a"].export] == [("raw/a1.sav", None), (None, "问卷A")]


def test_every_problem_named_with_its_key(tmp_path):
    data = {**MINIMAL, "year": 21, "colour": "red",
            "questionnaires": {"residents": {"export": {"file": "raw/r.csv", "sheet": "S"},
                                             "fieldwork": {"start": "2023-10-31", "end": "2023-10-01"}}},
            "thresholds": {"margin": 5}}
    del data["area_unit"]
    p = write_evaluation(tmp_path, data)
    with pytest.raises(DefinitionError) as exc:
        load_evaluation(tmp_path)
    text = str(exc.value)
    assert text.startswith(f"{p}: ")
    for key in ("year:", "colour: unknown key", "area_unit: Field required", "thresholds.margin:",
                "questionnaires.residents.export[0]:"):
        assert key in text, key
    assert "has no sheets" in text
    data = {**MINIMAL, "questionnaires": {"residents": {"export": "raw/r.csv",
                                                        "fieldwork": {"start": "2023-10-31", "end": "2023-10-01"}}}}
    write_evaluation(tmp_path, data)
    with pytest.raises(DefinitionError, match=r"questionnaires.residents: fieldwork.end \(2023-10-01\) is before"):
        load_evaluation(tmp_path)
    # a misspelled key: its line and the key meant, not also "Field required"
    text = (tmp_path / "evaluation.yaml").read_text(encoding="utf-8").replace("area_unit:", "area_unti:")
    (tmp_path / "evaluation.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_evaluation(tmp_path)
    line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("area_unti:"))) + 1
    assert f"line {line}, area_unti: unknown key 'area_unti' — did you mean 'area_unit'? Fix:" in str(exc.value)
    assert "Field required" not in str(exc.value)


def test_no_evaluation_yaml(tmp_path):
    with pytest.raises(DefinitionError, match=r"no evaluation.yaml.*survey init"):
        load_evaluation(tmp_path)


def test_missing_files_are_listed_with_their_keys(tmp_path):
    write_evaluation(tmp_path, {**MINIMAL, "inputs": {"frame": "抽样框"}})
    with pytest.raises(DefinitionError) as exc:
        resolve_inputs(load_evaluation(tmp_path))
    text = str(exc.value)
    for key in ("framework: file not found", "questionnaires.residents.file: file not found",
                "questionnaires.residents.export[0].file: file not found", "inputs.frame: sheet '抽样框' of which workbook"):
        assert key in text, key


def test_a_fieldwork_date_outside_the_year_is_a_warning():
    ev = Evaluation.model_validate({**MINIMAL, "questionnaires": {"residents": {
        "export": "raw/r.csv", "fieldwork": {"start": "2021-10-01", "end": "2024-02-01"}}}})
    warnings = ev.warnings()
    assert len(warnings) == 1 and "2021-10-01" in warnings[0] and "2023" in warnings[0]


def test_a_sheet_the_workbook_lacks_is_named_with_its_key(tmp_path):
    folder = init(tmp_path, "nanjing-2021")
    text = (folder / "evaluation.yaml").read_text(encoding="utf-8")
    text = text.replace("export: 工作人员问卷", "export: 工作人员").replace("frame: 抽样框", "frame: 框")
    (folder / "evaluation.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        workbook_run(folder)
    message = str(exc.value)
    assert "2 sheets named" in message
    assert "questionnaires.staff.export[0]: '工作人员'" in message and "inputs.frame: '框'" in message


def test_the_folder_fieldwork_and_sheets_reach_the_questionnaires(tmp_path):
    folder = init(tmp_path, "nanjing-2021")
    text = (folder / "evaluation.yaml").read_text(encoding="utf-8").replace("issued: 550", "issued: 600")
    (folder / "evaluation.yaml").write_text(text, encoding="utf-8")
    runs = workbook_run(folder)
    staff = next(q for q in runs.questionnaires if q.id == "staff")
    assert staff.fieldwork.issued == 600 and staff.source.sheets == ("工作人员问卷",)
    offender = next(q for q in runs.questionnaires if q.id == "offender")
    assert (offender.weighting.frame_sheet, offender.weighting.margins_sheet) == ("抽样框", "对象构成")


def test_the_folder_area_unit_names_the_breakdown_in_every_output(tmp_path, without_charts):
    folder = init(tmp_path, "nanjing-2021")
    text = (folder / "evaluation.yaml").read_text(encoding="utf-8")
    (folder / "evaluation.yaml").write_text(re.sub(r"area_unit: .*", "area_unit: 县", text), encoding="utf-8")
    runs = workbook_run(folder)
    assert {q.unit_word for q in runs.questionnaires} == {"县"}  # not the item's 您所在的区
    res = run("analyze", folder, "-o", tmp_path / "r")
    assert res.exit_code == 0, res.output
    from survey.inputs.read import Workbook

    assert "县覆盖" in Workbook(tmp_path / "r" / "validity.xlsx").sheet_names
    notes = Workbook(tmp_path / "r" / "satisfaction.xlsx").table("说明").data
    text = " ".join(notes.astype(str).to_numpy().ravel())
    assert "按抽样框各县人数事后分层" in text and "以县为层、各县总体人数" in text and "分组方式：全部，或按县" in text
    assert "各区" not in text and "以区" not in text


# -- inputs as separate files ---------------------------------------------------------

def _write_csv(path: Path, rows: list[list]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else v for v in r] for r in rows])


def _write_xlsx(path: Path, sheet: str, rows: list[list]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_a_folder_of_separate_files_gives_the_workbook_result(tmp_path, analysis_2021, without_charts):
    """The Nanjing example with every input in a file of its own (staff in two CSV parts, the
    frame as CSV, the facts and margins in their own xlsx) gives the workbook's estimates and total."""
    from survey.inputs.read import Workbook
    from survey.pipeline import analyze

    folder = init(tmp_path, "nanjing-2021")
    book = Workbook(folder / "raw" / "2021.xlsx")
    rows = {name: [r for r in book.rows(name) if any(v is not None for v in r)] for name in book.sheet_names}
    staff = rows["工作人员问卷"]
    half = len(staff) // 2
    _write_csv(folder / "raw" / "staff-1.csv", staff[:half])
    _write_csv(folder / "raw" / "staff-2.csv", [staff[0], *staff[half:]])
    _write_xlsx(folder / "raw" / "offender.xlsx", "Sheet1", rows["矫正对象访谈"])
    _write_csv(folder / "raw" / "frame.csv", rows["抽样框"])
    _write_xlsx(folder / "raw" / "margins.xlsx", "对象构成", rows["对象构成"])
    _write_xlsx(folder / "raw" / "facts.xlsx", "指标", rows["指标数据"])
    _write_csv(folder / "raw" / "allocation.csv", rows["资金分配"])
    ev = yaml.safe_load((folder / "evaluation.yaml").read_text(encoding="utf-8"))
    ev["questionnaires"]["staff"]["export"] = ["raw/staff-1.csv", "raw/staff-2.csv"]
    ev["questionnaires"]["offender"]["export"] = "raw/offender.xlsx"
    ev["inputs"] = {"frame": "raw/frame.csv", "margins": {"file": "raw/margins.xlsx", "sheet": "对象构成"},
                    "facts": {"file": "raw/facts.xlsx", "sheet": "指标"}, "allocation": "raw/allocation.csv"}
    write_evaluation(folder, ev)
    run_ = folder_run(folder)
    assert run_.workbook is None and len(run_.tables.exports["staff"].data) == len(staff) - 1
    files = analyze(run_.tables, list(run_.questionnaires), framework=run_.framework)
    sheets = analysis_2021  # analyze(raw/2021.xlsx, questionnaires/), the session's run (conftest)
    assert files.scorecard.total == sheets.scorecard.total == pytest.approx(97.0)
    cols = ["questionnaire", "measure", "domain", "n", "estimate"]
    from pandas import testing as pd_testing

    pd_testing.assert_frame_equal(files.estimates[cols], sheets.estimates[cols])
    pd_testing.assert_frame_equal(files.weighted_estimates[cols], sheets.weighted_estimates[cols])
    res = run("analyze", folder)
    assert res.exit_code == 0, res.output
    assert "97.0" in res.output and (folder / "reports" / folder.name / "annex.docx").exists()


def test_exports_of_one_questionnaire_with_different_headers_are_an_error(tmp_path):
    from survey.inputs.read import read_table
    from survey.inputs.tables import stack_tables

    _write_csv(tmp_path / "a.csv", [["序号", "1、满意吗"], [1, "满意"]])
    _write_csv(tmp_path / "b.csv", [["序号", "1、满意吗？"], [2, "满意"]])
    with pytest.raises(DataError, match="different headers"):
        stack_tables([read_table(tmp_path / "a.csv"), read_table(tmp_path / "b.csv")])
    stacked = stack_tables([read_table(tmp_path / "a.csv"), read_table(tmp_path / "a.csv")])
    assert list(stacked.data.index) == [2, 4] and stacked.file.count(" + ") == 1


def test_validity_and_score_take_a_folder_and_its_thresholds(tmp_path):
    folder = init(tmp_path, "nanjing-2021")
    res = run("validity", folder)
    assert res.exit_code == 0, res.output
    assert "未通过  Cronbach's α" not in res.output and (folder / "reports" / "2021" / "validity.xlsx").exists()
    text = (folder / "evaluation.yaml").read_text(encoding="utf-8")
    (folder / "evaluation.yaml").write_text(text.replace("min_alpha: 0.7 ", "min_alpha: 0.99"), encoding="utf-8")
    res = run("validity", folder, "-o", tmp_path / "v")
    assert res.exit_code == 0 and "未通过  信度系数（克隆巴赫α）：全部题项" in res.output
    res = run("score", folder)
    assert res.exit_code == 0, res.output
    assert "97.0" in res.output and (folder / "reports" / "2021" / "annex.docx").exists()


def test_template_writes_the_frame_and_every_fact_row_the_rules_read(tmp_path):
    from survey.definitions.reference import fact_rows
    from survey.evaluation.score import load_framework
    from survey.inputs.facts import facts_from_table
    from survey.inputs.read import Workbook

    folder = init(tmp_path)
    res = run("template", folder)
    assert res.exit_code == 0, res.output
    book = Workbook(folder / "raw" / "data.xlsx")  # inputs.workbook, not there yet
    assert book.sheet_names == ["抽样框", "指标数据", "资金分配"]
    frame = book.table("抽样框").data
    # the blank questionnaire's placeholder towns (甲镇 …), said in the evaluation's unit word
    assert list(frame.columns) == ["乡镇", "服务对象人数"] and list(frame["乡镇"]) == ["甲乡镇", "乙乡镇", "丙乡镇"]
    facts = book.table("指标数据")
    fw = load_framework(folder / "framework.yaml")
    wanted = [(i.name, r.item) for i in fw.indicators if i.name != "服务对象满意度" for r in fact_rows(i.rule)]
    assert list(zip(facts.data["指标"], facts.data["项目"])) == wanted
    # 填写说明 in Chinese, examples from the folder (3 towns) or neutral, none of the reference case's
    holds, examples = facts.data["填写说明"].astype(str), facts.data["示例"].astype(str)
    assert all(re.search(r"[\u4e00-\u9fff]", h) and not re.search(r"[A-Za-z]{3,}", h) for h in holds)
    assert not {"317", "12", "0.9743"} & set(examples)
    assert examples[facts.data["项目"] == "乡镇总数"].tolist() == ["3"]
    with pytest.raises(DataError, match="has no number"):  # the reader takes its headers; 数值 is to fill in
        facts_from_table(facts)


def test_template_run_again_replaces_its_own_file_and_keeps_an_edited_one(tmp_path):
    """Found by a new-user trial: run before the questionnaire was edited, `survey template` wrote
    placeholder towns, and run again it never replaced its own file: the user was stuck with them."""
    import openpyxl

    from survey.inputs.read import Workbook

    folder = init(tmp_path)
    book, spare = folder / "raw" / "data.xlsx", folder / "raw" / "template.xlsx"
    assert run("template", folder).exit_code == 0
    q = folder / "questionnaires" / "beneficiaries.yaml"   # the user names the real units, and says 街道
    q.write_text(q.read_text(encoding="utf-8").replace("[甲镇, 乙镇, 丙镇]", "[东街, 西街]"), encoding="utf-8")
    res = run("template", folder)
    assert res.exit_code == 0 and res.output.startswith(f"replaced: {book}") and not spare.exists()
    assert list(Workbook(book).table("抽样框").data["乡镇"]) == ["东街", "西街"]
    wb = openpyxl.load_workbook(book)                       # the user fills in a number: never lost
    wb["抽样框"].cell(2, 2, 1200)
    wb.save(book)
    edited = book.read_bytes()
    res = run("template", folder)
    assert res.exit_code == 0 and book.read_bytes() == edited
    assert f"kept: {book} (changed since survey template wrote it; --force replaces it)" in res.output
    assert f"written: {spare}" in res.output
    # the inputs still name the kept workbook: the line says to carry the change over (not "name them")
    assert f"{book} was kept: copy what changed (rows, columns) from this file into it" in res.output
    spare.write_bytes(spare.read_bytes() + b"")              # unchanged: replaced again; both edited: nothing
    assert run("template", folder).exit_code == 0
    wb = openpyxl.load_workbook(spare)
    wb["抽样框"].cell(2, 2, 5)
    wb.save(spare)
    res = run("template", folder)
    assert res.exit_code == 1 and res.output.count("kept: ") == 2 and "Error: nothing written" in res.output
    wb = openpyxl.load_workbook(book)                       # an export pasted in: even --force keeps it
    wb.create_sheet("服务对象问卷")
    wb.save(book)
    res = run("template", folder, "--force")
    assert res.exit_code == 0 and "holds sheets survey template does not write: 服务对象问卷" in res.output
    assert f"replaced: {spare}" in res.output and Workbook(spare).table("抽样框").data.iloc[0, 1] != 5
    del wb["服务对象问卷"]
    wb.save(book)
    assert run("template", folder, "--force").output.startswith(f"replaced: {book}")


def test_template_units_from_the_unit_word_or_a_frame_file(tmp_path):
    from survey.inputs.read import Workbook

    folder = init(tmp_path)
    ev = folder / "evaluation.yaml"
    ev.write_text(ev.read_text(encoding="utf-8").replace("area_unit: 乡镇 ", "area_unit: 街道 "), encoding="utf-8")
    assert run("template", folder).exit_code == 0
    assert list(Workbook(folder / "raw" / "data.xlsx").table("资金分配").data["各街道"]) == ["甲街道", "乙街道", "丙街道",
                                                                                          "合计"]
    (folder / "raw" / "frame.csv").write_text("街道,服务对象人数\n东街,100\n西街,80\n合计,180\n", encoding="utf-8")
    ev.write_text(ev.read_text(encoding="utf-8").replace("frame: 抽样框 ", "frame: raw/frame.csv "), encoding="utf-8")
    assert run("template", folder).exit_code == 0            # its own file, unchanged: replaced
    assert list(Workbook(folder / "raw" / "data.xlsx").table("资金分配").data["各街道"]) == ["东街", "西街", "合计"]


def test_a_year_that_disagrees_with_names_or_data_is_a_warning(tmp_path, cli_2021, without_charts):
    import shutil

    from survey.evaluation.years import year_warnings

    copy = framework_beside(tmp_path / "2022.xlsx")  # 2021's framework: its title names 2021
    shutil.copy(ROOT / "raw" / "2021.xlsx", copy)
    res = run("analyze", copy, "-q", ROOT / "questionnaires", "-o", tmp_path / "r")
    assert res.exit_code == 0, res.output
    assert "warning: 评分表标题" in res.output and "写的是2021年，评价年度为2022年" in res.output
    assert "问卷staff的答卷多数提交于2021年" in res.output
    # … and in the report (二、评价工作开展情况) and manifest.json, not only on the console
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert any("评价年度为2022年" in n for n in manifest["notes"])
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "数据核对提示：评分表标题" in html and "问卷staff的答卷多数提交于2021年" in html
    with zipfile.ZipFile(tmp_path / "r" / "report.docx") as z:
        assert "数据核对提示：问卷staff的答卷多数提交于2021年" in z.read("word/document.xml").decode("utf-8")
        # a workbook's Office files are dated by the year its name gives, not a fixed 2021
        assert "2022-01-01T00:00:00Z" in z.read("docProps/core.xml").decode("utf-8")
    same, output = cli_2021  # `survey analyze raw/2021.xlsx -o OUT`, the session's run (conftest)
    assert "评价年度" not in output
    assert "notes" not in json.loads((same / "manifest.json").read_text(encoding="utf-8"))
    assert "数据核对提示" not in (same / "report.html").read_text(encoding="utf-8")
    ev = Evaluation.model_validate({**MINIMAL, "project": "某县2021年农村饮水安全补助资金绩效评价"})
    assert any("项目名称写的是2021年" in w for w in ev.warnings())
    counted = Evaluation.model_validate({**MINIMAL, "project": f"某县{MINIMAL['year']}年养老服务补贴（样本1950份）"})
    assert not any("1950" in w for w in counted.warnings())   # a count, as survey analyze's year reading has it
    assert year_warnings(2023, dates={"a": pd.Series(pd.to_datetime(["2024-03-01", "2024-03-02"]))}) == []


def test_office_files_of_a_folder_are_dated_by_its_year(tmp_path):
    import zipfile

    folder = init(tmp_path, "school-meals-2023")
    assert run("score", folder).exit_code == 0
    with zipfile.ZipFile(folder / "reports" / "school-meals-2023" / "annex.docx") as z:
        assert z.infolist()[0].date_time[:3] == (2023, 1, 1)
        assert "2023-01-01T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_analyze_dot_inside_a_folder_with_files_of_its_own(tmp_path, monkeypatch, without_charts):
    """The examples' README says `survey analyze .`: the narrative lookup once failed on '.' (new-user trial)."""
    folder = init(tmp_path, "rural-water-2023")
    (folder / "narrative.md").write_text("## 项目概况\n本项目为农村饮水安全工程补助。\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    res = run("analyze", ".")
    assert res.exit_code == 0, res.output
    assert (folder / "reports").is_dir()
    from docx import Document

    docx = next((folder / "reports").rglob("report.docx"))
    assert any("本项目为农村饮水安全工程补助" in p.text for p in Document(str(docx)).paragraphs)  # the folder's narrative


def test_clean_of_a_folders_export_takes_the_folders_fieldwork_as_analyze_does(tmp_path):
    # evaluation.yaml gives residents 520 issued and the fieldwork dates; the questionnaire file gives neither
    folder = init(tmp_path, "rural-water-2023")
    analysed = run("analyze", str(folder))
    cleaned = run("clean", str(folder / "raw" / "residents.csv"), "-q", str(folder / "questionnaires" / "residents.yaml"),
                  "-o", str(tmp_path / "c"))
    assert analysed.exit_code == 0 and cleaned.exit_code == 0, cleaned.output
    sentence = re.search(r"本次调查共发放问卷520份[^\n]*", cleaned.output)
    assert sentence and sentence.group(0) in analysed.output   # the same counts, rates and exclusions
    # a copy of the export outside the folder is cleaned on the questionnaire file alone
    (tmp_path / "elsewhere").mkdir()
    copy = tmp_path / "elsewhere" / "residents.csv"
    copy.write_bytes((folder / "raw" / "residents.csv").read_bytes())
    alone = run("clean", str(copy), "-q", str(folder / "questionnaires" / "residents.yaml"), "-o", str(tmp_path / "d"))
    assert alone.exit_code == 0 and "发放" not in alone.output and "本次调查共回收问卷480份" in alone.output
