"""A new evaluation of one's own, from `survey init` (blank) to the report with only the README's
steps (issue #16): a 街道 elderly-care subsidy with two questionnaires, each a 问卷星 按序号 download
of its own (no source.sheets), the frame, facts and allocation filled into `survey template`'s
workbook. No output names the reference case (南京, 矫正, 2021) or 区."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from survey.cli import main
from survey.inputs.read import Workbook

from .test_examples import reference_words

STREETS = ["东街街道", "西街街道", "南街街道", "北街街道"]
POP = [820, 640, 910, 530]
ELDERS = "raw/12345678_按序号_老年人满意度调查_120_120.xlsx"
CARERS = "raw/12345679_按序号_护理员满意度调查_40_40.xlsx"
FACTS = {"扣分": 0, "设有绩效目标": 3, "目标明确": 3, "目标细化": 2, "目标量化": 1, "实际到位": 480, "计划到位": 480,
         "预算执行率": 0.93, "管理制度健全": 5, "制度执行有效": 4, "计划完成率": 0.97, "达成": 9, "街道总数": 4,
         "未按时完成街道数": 1, "重大事故": 0, "一般事故": 1}


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def questionnaire(qid: str, title: str, indicator: str, items: list[dict], weighted: bool) -> dict:
    """A definition as a user writes one after the blank example's (no source.sheets: the export is a file)."""
    q = {"id": qid, "title": title, "mode": "online", "source": {"format": "auto"},
         "scales": {"s5": {"options": ["非常满意", "满意", "一般", "不满意", "非常不满意"], "satisfied": ["非常满意", "满意"],
                           "scores": {"非常满意": 100, "满意": 80, "一般": 60, "不满意": 40, "非常不满意": 20}}},
         "district_item": "area", "dimensions": [{"name": "服务"}],
         "items": [{"id": "area", "number": 1, "text": "您所在的街道", "type": "single", "options": STREETS}, *items],
         "measures": [{"id": "overall", "label": "总体满意率", "type": "top_box", "item": "overall", "indicator": indicator},
                      {"id": "item_mean", "label": "各题满意率均值", "type": "item_mean", "items": "scored"}]}
    if weighted:
        q["weighting"] = {"frame_sheet": "抽样框", "population": "老年人数", "method": "poststratify"}
    return q


def sat(number: int, qid: str, text: str, dimension: str | None = "服务") -> dict:
    return {"id": qid, "number": number, "text": text, "type": "single", "scale": "s5",
            **({"dimension": dimension} if dimension else {})}


def download(path: Path, n: int, questions: list[tuple[int, str]], rng, multi=None) -> None:
    """A 问卷星 按序号 download: option positions, a multiple choice as 0/1 columns `N、题目(选项)`, 〖…〗 fill-ins."""
    rows = []
    for i in range(n):
        when = datetime(2024, 10, 8, 9) + timedelta(minutes=int(rng.integers(0, 60 * 24 * 20)))
        row = {"序号": i + 1, "提交答卷时间": when.strftime("%Y/%m/%d %H:%M:%S"), "所用时间": f"{int(rng.integers(90, 600))}秒",
               "来源": "微信", "来源详情": "N/A", "来自IP": f"10.0.0.{i}(某省-某市)",
               "1、您所在的街道": int(rng.choice(4, p=np.array(POP) / sum(POP))) + 1}
        if multi:
            number, text, options = multi
            for o in options:
                row[f"{number}、{text}({o})"] = int(rng.random() < 0.4)
            if row[f"{number}、{text}({options[-1]})"]:
                row[f"{number}、{text}({options[-1]})"] = "1〖送药上门〗"
        for number, text in questions:
            row[f"{number}、{text}"] = int(rng.choice([1, 2, 3, 4], p=[0.5, 0.38, 0.1, 0.02]))
        rows.append(row)
    pd.DataFrame(rows).to_excel(path, index=False)


def fill_template(book: Path) -> None:
    """What the evaluator types into `survey template`'s workbook."""
    wb = openpyxl.load_workbook(book)
    for r, n in enumerate(POP, start=2):
        wb["抽样框"].cell(r, 2, n)
    ws = wb["指标数据"]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 3, FACTS[ws.cell(r, 2).value])
    for r, amount in enumerate([150, 110, 140, 80, 480], start=2):
        wb["资金分配"].cell(r, 2, amount)
    wb.save(book)


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    folder = tmp_path_factory.mktemp("new") / "elder-care-2024"
    run("init", folder)
    (folder / "questionnaires" / "beneficiaries.yaml").unlink()
    ev = yaml.safe_load((folder / "evaluation.yaml").read_text(encoding="utf-8"))
    ev.update(project="某市2024年居家养老服务补贴资金绩效评价", fund="居家养老服务补贴资金", year=2024,
              commissioned_by="某市民政局", area_unit="街道",
              questionnaires={"elders": {"export": ELDERS, "fieldwork": {"start": "2024-10-08", "end": "2024-10-31"}},
                              "carers": {"export": CARERS, "fieldwork": {"start": "2024-10-08", "end": "2024-10-31"}}})
    (folder / "evaluation.yaml").write_text(yaml.safe_dump(ev, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elders = questionnaire("elders", "居家养老服务老年人满意度调查", "老年人满意度", [
        {"id": "used", "number": 2, "text": "您享受过哪些居家养老服务", "type": "multiple",
         "options": ["助餐", "助洁", "助浴", "其他"], "required": False},
        sat(3, "q_content", "您对上门服务的内容是否满意"), sat(4, "q_staff", "您对护理员的服务态度是否满意"),
        sat(5, "overall", "总体而言，您对居家养老服务是否满意", None)], weighted=True)
    carers = questionnaire("carers", "居家养老服务护理员满意度调查", "护理员满意度", [
        sat(2, "q_training", "您对岗位培训是否满意"), sat(3, "q_pay", "您对服务补贴的发放是否满意"),
        sat(4, "overall", "总体而言，您对本项目是否满意", None)], weighted=False)
    for q in (elders, carers):
        (folder / "questionnaires" / f"{q['id']}.yaml").write_text(yaml.safe_dump(q, allow_unicode=True, sort_keys=False),
                                                                    encoding="utf-8")
    fw = (folder / "framework.yaml").read_text(encoding="utf-8")
    fw = fw.replace("某县2023年某专项资金", "某市2024年居家养老服务补贴资金").replace("乡镇", "街道")
    fed = fw[fw.index("  - level1: 效益\n    level2: 满意度"):]
    fw = fw.replace(fed, fed.replace("服务对象满意度", "老年人满意度").replace("weight: 20", "weight: 15")
                    + fed.replace("服务对象满意度", "护理员满意度").replace("weight: 20", "weight: 5")
                    .replace("每降低5个百分点扣2分", "每降低5个百分点扣1分").replace("points: 2", "points: 1"))
    (folder / "framework.yaml").write_text(fw, encoding="utf-8")
    run("framework", "check", folder / "framework.yaml")
    run("questionnaire", "check", *sorted((folder / "questionnaires").glob("*.yaml")))
    run("template", folder)
    fill_template(folder / "raw" / "data.xlsx")
    rng = np.random.default_rng(16)
    download(folder / ELDERS, 120, [(3, "您对上门服务的内容是否满意"), (4, "您对护理员的服务态度是否满意"),
                                    (5, "总体而言，您对居家养老服务是否满意")], rng,
             multi=(2, "您享受过哪些居家养老服务", ["助餐", "助洁", "助浴", "其他"]))
    download(folder / CARERS, 40, [(2, "您对岗位培训是否满意"), (3, "您对服务补贴的发放是否满意"),
                                   (4, "总体而言，您对本项目是否满意")], rng)
    return folder, run("analyze", folder)


def test_a_new_evaluation_runs_from_init_to_the_report(evaluation):
    folder, out = evaluation
    assert "评分表 total:" in out and "warning:" not in out.split("评分表 total:")[0]  # no year to check
    reports = folder / "reports" / folder.name
    assert {p.name for p in reports.iterdir()} >= {"annex.docx", "report.docx", "report.html", "validity.xlsx"}
    assert "街道覆盖" in Workbook(reports / "validity.xlsx").sheet_names
    found = {f.name: hits for f in sorted(reports.iterdir()) if (hits := reference_words(f))}
    assert found == {}
    assert not re.search("南京|矫正|2021", out)


def test_its_multiple_choice_and_fill_ins_reach_the_cleaned_data(evaluation):
    from survey.evaluation.folder import folder_run
    from survey.pipeline import analyze

    folder, _ = evaluation
    r = folder_run(folder)
    data = analyze(r.tables, list(r.questionnaires), framework=r.framework).surveys[0].cleaned.valid.data
    assert {"used[1]", "used[4]", "used.fill"} <= set(data.columns)
    assert set(data["used.fill"].dropna()) == {"送药上门"} and (data["used[4]"] == 1).sum() == data["used.fill"].notna().sum()


def test_two_folders_compare_with_their_own_framework_and_unit(evaluation, tmp_path):
    import shutil

    folder, _ = evaluation
    copy = tmp_path / "elder-care-2025"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("reports"))
    out = run("compare", folder, copy, "-o", tmp_path / "cmp")  # used to read the shipped Nanjing framework
    assert "分街道：" in out and "各街道与全部样本比较" in out and "区" not in out
