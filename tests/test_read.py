"""Reading raw inputs: SPSS files, two-row (merged) headers, title rows, odd cells.

Every fixture is built here: xlsx with openpyxl (merged cells as Excel stores
them), .sav with pyreadstat.write_sav.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from click.testing import CliRunner

import survey.inputs.read as read_mod
from survey.cli import main
from survey.definitions.questionnaire import load
from survey.errors import DataError, excel_column
from survey.inputs.read import Workbook, combine_header_rows, read_table, table_from_rows
from survey.inputs.tidy import tidy

from .conftest import QDIR

STAFF = load(QDIR / "staff.yaml")
META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
ROWS = {4: [it for it in STAFF.items if it.number == 4], 5: [it for it in STAFF.items if it.number == 5]}
SINGLE = [it for it in STAFF.items if it.type != "matrix_row"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def answers(i: int) -> list:
    """One respondent's 问卷星 按文本 row in questionnaire order (matrix rows at their place)."""
    meta = [i, f"2021/11/{i + 1:02d} 09:00:00", f"{100 + i}秒", "链接", "直接访问", f"10.0.0.{i}(江苏-南京)"]
    out = []
    for it in STAFF.items:
        opts = STAFF.options(it.id)
        out.append(f"建议{i}" if it.type == "text" else opts[(i + len(out)) % min(len(opts), 3)])
    return meta + out


def one_row_header() -> list[str]:
    return META + [f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}"
                   for it in STAFF.items]


def two_row_header(stems=("4、请评价您的工作感受", "5、请评价您的安全保障")) -> tuple[list, list, list[tuple[int, int]]]:
    """Stem row, sub-question row and the merged ranges (0-based first, last column) of each stem."""
    top, sub, merges = list(META), [None] * len(META), []
    for it in STAFF.items:
        if it.type == "matrix_row":
            first = ROWS[it.number][0] is it
            top.append(stems[it.number - 4] if first else None)
            sub.append(it.text)
            if first:
                merges.append((len(top) - 1, len(top) - 2 + len(ROWS[it.number])))
        else:
            top.append(f"{it.number}、{it.text}")
            sub.append(None)
    return top, sub, merges


def write_two_row_xlsx(path, top, sub, merges, body, title=None):
    from openpyxl import Workbook as XL
    from openpyxl.utils import get_column_letter as col

    wb = XL()
    ws = wb.active
    ws.title = "工作人员问卷"
    off = 0
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(top))
        off = 1
    ws.append(top)
    ws.append(sub)
    for j, v in enumerate(top, start=1):  # single headers merged down over both rows
        if v is not None and sub[j - 1] is None:
            ws.merge_cells(f"{col(j)}{off + 1}:{col(j)}{off + 2}")
    for a, b in merges:
        ws.merge_cells(start_row=off + 1, start_column=a + 1, end_row=off + 1, end_column=b + 1)
    for r in body:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request, monkeypatch):
    """Run a test with python-calamine and again with the openpyxl fallback."""
    if request.param == "openpyxl":
        monkeypatch.setattr(read_mod, "_open_calamine", lambda path: None)
    return request.param


# -- two-row headers and merged cells ------------------------------------------------

def test_merged_matrix_stems_are_combined_with_their_sub_questions(tmp_path, reader):
    top, sub, merges = two_row_header()
    body = [answers(i) for i in range(1, 6)]
    path = write_two_row_xlsx(tmp_path / "m.xlsx", top, sub, merges, body)
    raw = Workbook(path).table("工作人员问卷")
    assert raw.header_row == 2 and list(raw.data.index) == [3, 4, 5, 6, 7]
    assert raw.columns[:7] == [*META, "1、您所在的区"]
    assert "4、请评价您的工作感受—工作带来的成就感" in raw.columns
    flat = tidy(table_from_rows([one_row_header(), *body], file="f.xlsx", sheet="s"), STAFF)
    got = tidy(raw, STAFF)
    assert got.findings.empty
    items = [it.id for it in STAFF.items]
    pd.testing.assert_frame_equal(got.data[items].reset_index(drop=True), flat.data[items].reset_index(drop=True))
    assert got.data["duration_s"].tolist() == [101, 102, 103, 104, 105]


def test_title_row_above_a_two_row_header(tmp_path, reader):
    top, sub, merges = two_row_header()
    path = write_two_row_xlsx(tmp_path / "t.xlsx", top, sub, merges, [answers(1), answers(2)],
                              title="2021年社区矫正工作人员幸福感和安全感调查")
    raw = Workbook(path).table("工作人员问卷")
    assert raw.header_row == 3 and list(raw.data.index) == [4, 5]
    assert tidy(raw, STAFF).data.at[4, "h_achievement"] >= 1


def test_unknown_unnumbered_stem_matches_by_sub_question():
    top, sub, _ = two_row_header(stems=("幸福感评价", "安全感评价"))
    raw = table_from_rows([top, sub, answers(1)], file="u.xlsx", sheet="s")
    assert "幸福感评价—工作带来的成就感" in raw.columns
    r = tidy(raw, STAFF)
    assert r.columns["h_achievement"] == "幸福感评价—工作带来的成就感"
    assert r.columns["s_recognition"] == "安全感评价—社会对社区矫正工作的认可"


def test_stem_row_narrower_than_half_the_table_is_still_read_as_a_header():
    top = ["编号", "请评价", None, None, None, None]
    sub = [None, "工作带来的成就感", "薪酬福利待遇", "工作强度与工作量", "职业发展与晋升空间", "单位对个人的关心关爱"]
    raw = table_from_rows([top, sub, [1, "满意", "满意", "一般", "满意", "满意"]], file="n.xlsx", sheet="s")
    assert raw.columns == ["编号", *(f"请评价—{t}" for t in sub[1:])]
    assert raw.header_row == 2 and list(raw.data.index) == [3]


def test_repeated_stem_text_instead_of_a_merged_cell():
    top = ["序号", "4、评价", "4、评价", "6、总体"]
    sub = [None, "工作带来的成就感", "薪酬福利待遇", None]
    raw = table_from_rows([top, sub, [1, "满意", "一般", "满意"]], file="r.xlsx", sheet="s")
    assert raw.columns == ["序号", "4、评价—工作带来的成就感", "4、评价—薪酬福利待遇", "6、总体"]


def test_sub_question_that_carries_its_number_is_kept_as_is():
    assert combine_header_rows(["序号", "4、评价", None], [None, "4、(成就感)", "4、(薪酬)"], [[1, "a", "b"]]) == [
        "序号", "4、(成就感)", "4、(薪酬)"]


def test_a_title_row_is_not_a_stem_row():
    assert combine_header_rows(["调查表", None, None], ["序号", "区", "满意度"], [[1, "a", "b"]]) is None
    # a data row under a header with one empty cell is not a sub-question row either
    assert combine_header_rows(["序号", "区", None], [1, "玄武区", "满意"], []) is None


def test_incomplete_sub_question_row_is_reported_with_sheet_row_and_column(tmp_path, reader):
    top, sub, merges = two_row_header()
    gap = top.index(None)  # the second column under the first stem
    sub[gap] = None
    path = write_two_row_xlsx(tmp_path / "g.xlsx", top, sub, merges, [answers(1)])
    with pytest.raises(DataError) as err:
        Workbook(path).table("工作人员问卷")
    e = err.value
    assert (e.sheet, e.row, e.column) == ("工作人员问卷", 1, excel_column(gap))
    assert "no header" in str(e) and "\n" not in str(e)


def test_data_right_of_the_last_header_is_an_error_unless_a_blank_column_separates_it():
    # A note after an empty column is the evaluator's, not the table's: not read.
    raw = table_from_rows([["序号", "区"], [1, "玄武区", None, "备注：抽查"]], file="x.xlsx", sheet="s")
    assert raw.columns == ["序号", "区"]
    # Data right next to the last header (a header merged over answer columns, or a
    # column whose header was deleted) would silently vanish: it is an error instead.
    with pytest.raises(DataError, match="a column with data has no header") as e:
        table_from_rows([["序号", "3、满意度"], [1, "满意", "一般", "满意"]], file="x.xlsx", sheet="s")
    assert (e.value.row, e.value.column) == (1, "C")


# -- title rows, Excel serial dates, 2分3秒 -------------------------------------------

def test_title_rows_serial_dates_and_minute_durations(write_xlsx):
    rows = [["2021年满意度调查（工作人员）"], [], one_row_header()]
    first = answers(1)
    first[1] = 44505.5  # 2021-11-05 12:00 as an Excel serial number
    first[2] = "2分3秒"
    rows += [first, answers(2)]
    raw = Workbook(write_xlsx({"工作人员问卷": rows})).table("工作人员问卷")
    assert raw.header_row == 3 and list(raw.data.index) == [4, 5]
    r = tidy(raw, STAFF)
    assert r.data.at[4, "submitted_at"] == pd.Timestamp("2021-11-05 12:00")
    assert r.data.at[4, "duration_s"] == 123 and r.data.at[5, "duration_s"] == 102
    assert r.findings.empty


# -- SPSS .sav ------------------------------------------------------------------------

def write_sav(path, **extra):
    import pyreadstat

    df = pd.DataFrame({
        "ID": [1.0, 2.0, 3.0],
        "T": [dt.datetime(2021, 11, 5, 9, 0), dt.datetime(2021, 11, 5, 9, 1), None],
        "Q1": [1.0, 2.0, float("nan")],
        "Q6": [1.0, 9.0, -3.0],
        "Q7": ["很好", "", " 13812345678 "],
    })
    kwargs = {
        "column_labels": {"ID": "序号", "T": "提交答卷时间", "Q1": "1、您所在的区",
                          "Q6": "6、总体而言，您对从事社区矫正工作的幸福感和安全感是否满意？", "Q7": None},
        "variable_value_labels": {"Q1": {1: "玄武区", 2: "秦淮区"},
                                  "Q6": dict(enumerate(STAFF.options("overall"), start=1))},
        "missing_ranges": {"Q6": [-3]},
    }
    kwargs.update(extra)
    pyreadstat.write_sav(df, str(path), **kwargs)
    return path


def test_sav_labels_become_headers_and_option_text(tmp_path):
    raw = read_table(write_sav(tmp_path / "e.sav"))
    assert raw.columns == ["序号", "提交答卷时间", "1、您所在的区",
                           "6、总体而言，您对从事社区矫正工作的幸福感和安全感是否满意？", "Q7"]
    assert raw.variables["1、您所在的区"] == "Q1" and raw.variables["Q7"] == "Q7"
    assert raw.sheet is None and raw.header_row == 0 and list(raw.data.index) == [1, 2, 3]  # case numbers
    d = raw.data
    assert d["序号"].tolist() == [1, 2, 3]
    assert d["提交答卷时间"].iloc[0] == dt.datetime(2021, 11, 5, 9, 0) and d["提交答卷时间"].iloc[2] is None
    assert d["1、您所在的区"].tolist() == ["玄武区", "秦淮区", None]
    assert d.iloc[:, 3].tolist() == ["非常满意", 9, None]  # 9 has no label; −3 is declared missing
    assert d["Q7"].tolist() == ["很好", None, "13812345678"]


def test_sav_code_without_a_label_is_an_unknown_option_finding(tmp_path):
    raw = read_table(write_sav(tmp_path / "e.sav"))
    few = STAFF.model_copy(update={"items": tuple(it for it in STAFF.items if it.id in ("district", "overall",
                                                                                         "suggestion"))})
    r = tidy(raw, few, columns={"Q7": "suggestion"})  # a column map may name an SPSS variable
    assert r.format == "spss" and r.columns["suggestion"] == "Q7"
    assert r.data.at[1, "overall"] == 1 and math.isnan(r.data.at[2, "overall"])
    f = r.findings[r.findings["rule"] == "unknown_option"]
    assert list(f["row"]) == [2] and list(f["value"]) == ["9"]


def test_corrupt_sav_is_a_one_line_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken.sav"
    bad.write_bytes(b"$FL2@(#) not really SPSS" * 4)
    with pytest.raises(DataError) as err:
        read_table(bad)
    msg = str(err.value)
    assert msg.startswith(f"{bad}: not a readable SPSS .sav file") and "\n" not in msg
    res = run("clean", bad, "-q", QDIR / "staff.yaml", "-o", tmp_path / "out")
    assert res.exit_code == 1 and "broken.sav: not a readable SPSS .sav file" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "out").exists()


def test_duplicate_variable_labels_name_both_variables(tmp_path):
    path = write_sav(tmp_path / "d.sav", column_labels={"ID": "序号", "T": "时间", "Q1": "区", "Q6": "区", "Q7": "建议"})
    with pytest.raises(DataError, match="variables Q1 and Q6 have the same label '区'"):
        read_table(path)


def test_survey_clean_reads_a_sav_export(tmp_path):
    import pyreadstat

    header = one_row_header()
    body = [answers(i) for i in range(1, 5)]
    data, labels, values = {}, {}, {}
    for j, col in enumerate(header):
        name = f"V{j + 1}"
        labels[name] = col
        it = next((it for it in STAFF.items if col.endswith(f"({it.text})") or col == f"{it.number}、{it.text}"), None)
        if it is not None and it.type != "text":
            opts = STAFF.options(it.id)
            data[name] = [float(opts.index(r[j]) + 1) for r in body]
            values[name] = dict(enumerate(opts, start=1))
        else:
            data[name] = [r[j] for r in body]
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(pd.DataFrame(data), str(path), column_labels=labels, variable_value_labels=values)
    res = run("clean", path, "-q", QDIR / "staff.yaml", "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "export.sav: spss export, 4 responses" in res.output
    assert (tmp_path / "c" / "cleaned.xlsx").exists()


def test_an_export_with_only_its_header_is_an_error_not_an_empty_report(tmp_path):
    from click.testing import CliRunner

    from survey.cli import main

    path = tmp_path / "empty.csv"
    path.write_text("序号,提交答卷时间,所用时间\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["clean", str(path), "-q", str(QDIR / "staff.yaml"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1 and "no responses below the header (row 1)" in res.output
    assert not (tmp_path / "out").exists()


def test_a_damaged_csv_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("序号,区\n1,玄武区\n2,".encode() + b"\x81\x20\n")
    with pytest.raises(DataError, match=r"cannot decode the file as UTF-8 or GBK \(byte \d+, line 3\)") as e:
        read_table(path)
    assert e.value.row == 3


def test_calamine_rows_keep_excel_positions_and_share_texts(tmp_path):
    # a sheet starting at C3 (title area empty): rows and columns from A1, as to_python(skip_empty_area=False)
    import openpyxl
    import python_calamine

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"], ws["E3"] = "a", "b", "c"
    ws["C4"], ws["D4"], ws["E4"], ws["C5"], ws["D5"] = "非常满意", 1.5, "  x ", "非常满意", True
    wb.save(tmp_path / "offset.xlsx")
    sheet = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "offset.xlsx")).get_sheet_by_name("Sheet")
    rows = read_mod.calamine_rows(sheet)
    assert rows == sheet.to_python(skip_empty_area=False)
    assert rows[3][2] is rows[4][2]  # equal texts are one object
    table = Workbook(tmp_path / "offset.xlsx").table("Sheet")
    assert table.header_row == 3 and table.data.loc[5].tolist() == ["非常满意", True, None]
    assert table.data.loc[4].tolist() == ["非常满意", 1.5, "x"]


def test_cleaned_cells_keep_types():
    # one cleaning per distinct value must not merge 1.0 with True, nor keep "1.0" as text
    rows = [["a", "b", "c", "d"], [1.0, True, " 满意 ", 2.5], [1.0, False, "满意", float("nan")]]
    data = table_from_rows(rows, file="x", sheet=None).data
    assert data.loc[2].tolist()[:3] == [1, True, "满意"] and type(data.loc[2, "a"]) is int
    assert data.loc[3, "b"] is False and math.isnan(data.loc[3, "d"])
