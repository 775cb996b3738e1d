"""The same answers exported 按文本 and 按序号 (xlsx and .xls, every 按序号 multiple-choice header
layout 问卷星 writes) give identical cleaned data; fill-ins 〖…〗 of any option type go to the
item's free text; forced formats that read nothing are errors."""

from __future__ import annotations

import pytest

from survey.definitions.questionnaire import load
from survey.errors import DataError
from survey.evaluation.clean import clean
from survey.inputs.read import read_table
from survey.inputs.tidy import tidy

QUESTIONNAIRE = """
id: residents
version: "1"
title: 农村饮水安全满意度调查
respondents: 农村居民
mode: online
source: {sheets: [Sheet1], format: auto}
cleaning: {too_fast: {seconds: 30}}
scales:
  sat5:
    options: [非常满意, 满意, 一般, 不满意, 非常不满意]
    satisfied: [非常满意, 满意]
district_item: town
dimensions: [{name: 供水}]
items:
  - {id: town, number: 1, text: 您所在的乡镇, type: single, options: [甲镇, 乙镇, 丙镇]}
  - {id: q_water, number: 2, dimension: 供水, text: 您对自来水水质是否满意, type: single, scale: sat5}
  - {id: source, number: 3, text: 您家饮用水主要来自, type: single, options: [自来水, 井水, 其他【请注明】]}
  - {id: uses, number: 4, text: 您家用水做什么, type: multiple, options: [做饭, 洗衣, 其他]}
  - {id: note, number: 5, text: 您的建议, type: text, required: false}
measures:
  - {id: water, label: 水质满意率, type: top_box, item: q_water}
"""

TOWNS, SAT = ["甲镇", "乙镇", "丙镇"], ["非常满意", "满意", "一般", "不满意", "非常不满意"]
SOURCES, USES = ["自来水", "井水", "其他【请注明】"], ["做饭", "洗衣", "其他"]
FILLS = {3: "我妈买的。", 7: "桶装水"}  # respondents whose 饮用水 answer is 其他 with a fill-in


def answers(n: int = 12) -> list[dict]:
    out = []
    for i in range(n):
        uses = [k for k in range(3) if (i >> k) & 1] or [0]
        out.append({"id": i + 1, "time": f"2023/10/{1 + i % 9:02d} 09:{10 + i:02d}:00", "secs": f"{120 + i}秒",
                    "town": i % 3, "sat": i % 5, "source": 2 if i in FILLS else i % 2, "uses": uses,
                    "note": "无" if i % 4 else None})
    return out


META = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP"]


def text_rows(rows: list[dict]) -> list[list]:
    header = [*META, "1、您所在的乡镇", "2、您对自来水水质是否满意", "3、您家饮用水主要来自", "4、您家用水做什么", "5、您的建议"]
    body = []
    for i, r in enumerate(rows):
        source = SOURCES[r["source"]] + (f"〖{FILLS[i]}〗" if i in FILLS else "")
        uses = "┋".join(USES[k] + ("〖洗车〗" if k == 2 and i == 5 else "") for k in r["uses"])
        body.append([r["id"], r["time"], r["secs"], "手机提交", "1.2.3.4", TOWNS[r["town"]], SAT[r["sat"]], source,
                     uses, r["note"] or "(空)"])
    return [header, *body]


LAYOUTS = {"N、题目(选项)": "4、您家用水做什么({})", "第N题(选项)": "第4题({})", "N(选项)": "4({})"}


def code_rows(rows: list[dict], layout: str) -> list[list]:
    option_headers = [LAYOUTS[layout].format(o) for o in USES]
    header = [*META, "1、您所在的乡镇", "2、您对自来水水质是否满意 ", "3、您家饮用水主要来自", *option_headers, "5、您的建议"]
    body = []
    for i, r in enumerate(rows):
        source = f"{r['source'] + 1}" + (f"〖{FILLS[i]}〗" if i in FILLS else "")
        chosen = [("1〖洗车〗" if k == 2 and i == 5 else 1) if k in r["uses"] else 0 for k in range(3)]
        body.append([r["id"], r["time"], r["secs"], "手机提交", "1.2.3.4", r["town"] + 1, r["sat"] + 1, source,
                     *chosen, r["note"] or "(空)"])
    return [header, *body]


def write(path, rows: list[list]):
    if path.suffix == ".xls":
        import xlwt  # the test extra: writes the .xls fixtures
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Sheet1")
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    sheet.write(i, j, v)
        book.save(str(path))
    else:
        import openpyxl

        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        wb.save(path)
    return path


@pytest.fixture
def q(tmp_path):
    p = tmp_path / "residents.yaml"
    p.write_text(QUESTIONNAIRE, encoding="utf-8")
    return load(p)


def cleaned(path, q, **kw):
    c = clean(tidy(read_table(path), q, **kw))
    data = c.valid.data.drop(columns=["submitted_at", "duration_s", "ip", "source"], errors="ignore")
    return c, data.reset_index(drop=True)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_text_and_code_exports_give_identical_cleaned_data(tmp_path, q, suffix, layout):
    rows = answers()
    by_text, text_data = cleaned(write(tmp_path / f"text{suffix}", text_rows(rows)), q)
    by_code, code_data = cleaned(write(tmp_path / f"code{suffix}", code_rows(rows, layout)), q)
    assert by_text.valid.format == "wjx_text" and by_code.valid.format == "wjx_code"
    assert by_text.n_valid == by_code.n_valid == len(rows)  # a fill-in never makes a respondent incomplete
    assert list(code_data.columns) == list(text_data.columns)
    assert code_data.astype(str).equals(text_data.astype(str))
    assert text_data["source.fill"].tolist()[3] == "我妈买的。" and text_data["uses.fill"].tolist()[5] == "洗车"
    assert text_data["uses[3]"].tolist()[5] == 1.0


def test_a_forced_format_that_reads_no_answer_is_an_error(tmp_path, q):
    path = write(tmp_path / "code.xlsx", code_rows(answers(), "第N题(选项)"))
    with pytest.raises(DataError, match="reads none of the answers") as exc:
        tidy(read_table(path), q, format="wjx_text")
    assert "wjx_code" in exc.value.hint


def test_an_anonymised_export_without_times_is_read(tmp_path, q):
    rows = text_rows(answers())
    for r in rows[1:]:
        r[1] = r[2] = None  # 提交答卷时间 / 所用时间 emptied
    c, _ = cleaned(write(tmp_path / "anon.xlsx", rows), q)
    assert c.n_valid == len(rows) - 1
    assert any("规则未执行" in n and "为空" in n for n in c.notes), c.notes
