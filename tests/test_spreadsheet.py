"""The xlsx writer (survey/render/spreadsheet.py): layout kept cell by cell, parts as Excel requires them.

The small workbooks were written by openpyxl until issue 15; the expectations below were
read from the files openpyxl wrote (reports/2021 at 4058c9b) and checked against them
cell by cell (value, type, number format, bold, fill, alignment, borders, merges, widths,
heights, freeze panes, page setup, print titles, margins), and their LibreOffice pages
were pixel-identical. openpyxl stays here as the *reader* a reviewer's program would be.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from survey.render.annex import annex_xlsx_bytes
from survey.render.bigxlsx import table_xlsx_bytes
from survey.render.office import document_time, xlsx_bytes
from survey.render.spreadsheet import Formula, Style, Workbook, sheet_names

from .conftest import ROOT, need_tools, render_tools

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# CT_Worksheet's children, in the order of the schema (ECMA-376 Part 1, 18.3.1.99)
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                   "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                   "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter"]
STYLES_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
                "colors", "extLst"]


def load(data: bytes):
    """The workbook as openpyxl reads it, with no warning (a warning is what Excel would repair)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_workbook(io.BytesIO(data))


def look(c) -> tuple:
    """A cell as a reviewer sees it: number format, bold, fill, alignment (h, v, wrap), thin sides."""
    b = c.border
    sides = "".join(k for k, s in zip("lrtb", (b.left, b.right, b.top, b.bottom)) if s.style == "thin")
    fill = c.fill.fgColor.rgb[-6:] if c.fill.patternType == "solid" else None
    return (c.number_format, bool(c.font.b), fill, c.alignment.horizontal, c.alignment.vertical,
            bool(c.alignment.wrap_text), sides)


def setup(ws) -> tuple:
    ps, pm = ws.page_setup, ws.page_margins
    return (ws.freeze_panes, ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage, ws.print_title_rows, (pm.left, pm.right, pm.top, pm.bottom))


# -- office.xlsx_bytes -------------------------------------------------------------------

HEAD = ("General", True, "F2F2F2", "center", "center", True, "")
TOP = ("General", False, None, None, "top", True, "")  # text in a wide (≥ 40) column


def test_office_table_cell_by_cell():
    long = "满意" * 40  # 80 CJK characters
    df = pd.DataFrame({"估计值": [0.9743, None], "n": [389, 120], "mean": [4.5, 3.25], "p": [3e-24, 0.0412],
                       "意见": [long, "=HYPERLINK(\"x\")\x07"], "flag": [True, False]})
    ws = load(xlsx_bytes({"表": df}, formats={"表": {"p": "p"}}))["表"]
    assert [look(c) for c in ws[1]] == [HEAD] * 6
    assert [c.value for c in ws[1]] == ["估计值", "n", "mean", "p", "意见", "flag"]
    assert [(c.value, c.data_type) for c in ws[2]] == [(0.9743, "n"), (389, "n"), (4.5, "n"), ("<0.001", "s"),
                                                       (long, "s"), (True, "b")]
    # a formula-looking answer is text; the bell character is dropped
    assert [(c.value, c.data_type) for c in ws[3]] == [(None, "n"), (120, "n"), (3.25, "n"), (0.041, "n"),
                                                       ('=HYPERLINK("x")', "s"), (False, "b")]
    # nor can XML hold a lone surrogate (a bad decode) or U+FFFF: dropped, here and in the large tables
    bad = pd.DataFrame({"t": pd.Series(["a\ud800b\uffff"], dtype=object)})  # Arrow strings cannot hold it
    assert load(xlsx_bytes({"s": bad}))["s"]["A2"].value == "ab"
    assert load(table_xlsx_bytes({"s": bad}))["s"]["A2"].value == "ab"
    plain = ("General", False, None, None, None, False, "")
    assert [look(c) for c in ws[2]] == [("0.00%", *plain[1:]), ("0", *plain[1:]), ("0.00", *plain[1:]), plain,
                                        TOP, plain]
    assert look(ws["D3"])[0] == "0.000"  # "p": three decimals, "<0.001" below
    # widths: 估计值 (header 6 units → 6/2 + 2 = 5; a float counts 9) → 9 × 1.1 + 2 = 11.9; n: 8 (the floor);
    # 意见: 160 units → min(60, …) = 60, wrapped; flag: "False" 5 units → 8
    widths = [ws.column_dimensions[k].width for k in "ABCDEF"]
    assert widths == pytest.approx([11.9, 8, 11.9, 11.9, 60, 8])
    # 160 units in a 60-wide column, 59 a line: 3 lines → 45 pt; row 3 is one line (default height)
    assert ws.row_dimensions[2].height == 45 and ws.row_dimensions[3].height is None
    # 111.7 characters of width > WIDE (110): landscape
    assert setup(ws) == ("A2", 9, "landscape", 1, 0, True, "$1:$1", (0.4, 0.4, 0.6, 0.6))


def test_office_given_widths_formats_and_portrait():
    df = pd.DataFrame({"a": [1.5], "b": ["x"]})
    ws = load(xlsx_bytes({"s": df}, widths={"s": {"b": 45}}, formats={"s": {"a": "0.0"}}))["s"]
    assert ws["A2"].number_format == "0.0" and ws.column_dimensions["B"].width == 45
    assert look(ws["B2"]) == TOP  # a given width of 40 or more wraps too
    assert setup(ws)[2] == "portrait"


def test_office_dates_from_stamp_and_equal_bytes(monkeypatch):
    df = pd.DataFrame({"when": [pd.Timestamp("2021-03-01 08:30")], "a": [1]})
    data = xlsx_bytes({"s": df})
    assert data == xlsx_bytes({"s": df})
    ws = load(data)["s"]
    assert ws["A2"].value.isoformat() == "2021-03-01T08:30:00" and ws["A2"].is_date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    later = xlsx_bytes({"s": df})
    assert {z.date_time for z in zipfile.ZipFile(io.BytesIO(later)).infolist()} == {(2023, 11, 14, 22, 13, 20)}
    assert load(later).properties.created.isoformat() == "2023-11-14T22:13:20"
    with document_time((2024, 6, 1)):
        assert load(xlsx_bytes({"s": df})).properties.modified.isoformat() == "2024-06-01T00:00:00"


# -- annex_xlsx_bytes ------------------------------------------------------------------

# 评分表 of the 2021 evaluation, row by row: C/c centred (bold/not), w wrapped left, T the title;
# inside a merge the cells keep the range's outer sides only (l, r, t, b), '.' none
C, c, w = ("General", True, None, "center", "center", True, "lrtb"), \
    ("General", False, None, "center", "center", True, "lrtb"), ("General", False, None, None, "center", True, "lrtb")
ROW = [c, c, c, c, w, w, c, c]


def edge(sides: str) -> tuple:
    return ("General", False, None, None, None, False, sides)


ANNEX_2021 = {
    1: ([("General", True, None, "center", None, False, "")] + [edge("")] * 7, 28),
    2: ([C] * 8, None),
    3: (ROW, 60), 4: (ROW, 45), 5: ([edge("lr"), edge("lrb"), *ROW[2:]], 30), 6: ([edge("lr"), *ROW[1:]], 30),
    7: ([edge("lr"), *ROW[1:]], 60), 8: ([edge("lr"), *ROW[1:]], 30), 9: ([edge("lr"), edge("lrb"), *ROW[2:]], 60),
    10: ([edge("lrb"), *ROW[1:]], 30), 11: (ROW, 45), 12: ([edge("lr"), edge("lr"), *ROW[2:]], 45),
    13: ([edge("lr"), edge("lr"), *ROW[2:]], 60), 14: ([edge("lr"), edge("lr"), *ROW[2:]], 60),
    15: ([edge("lr"), edge("lrb"), *ROW[2:]], 45), 16: ([edge("lr"), *ROW[1:]], 75),
    17: ([edge("lr"), edge("lr"), *ROW[2:]], 60), 18: ([edge("lr"), edge("lrb"), *ROW[2:]], 45),
    19: ([edge("lr"), *ROW[1:]], 60), 20: ([edge("lr"), *ROW[1:]], 30), 21: ([edge("lrb"), edge("lrb"), *ROW[2:]], 30),
    22: ([C, *[edge("tb")] * 4, edge("rtb"), C, ("0.0#", *C[1:])], None),
    23: ([C, *[edge("tb")] * 4, edge("rtb"), C, edge("rtb")], None),
}


@pytest.fixture(scope="module")
def annex(analysis_2021):
    return load(annex_xlsx_bytes(analysis_2021.scorecard))


def test_annex_table_cell_by_cell(annex):
    ws = annex["评分表"]
    assert ws.max_row == 23 and ws.max_column == 8
    for r, (cells, height) in ANNEX_2021.items():
        assert [look(ws.cell(r, j)) for j in range(1, 9)] == cells, r
        assert ws.row_dimensions[r].height == height, r
    assert ws["A1"].font.sz == 14 and ws["A1"].data_type == "s"
    assert (ws["G22"].value, ws["G22"].data_type, ws["H22"].value) == ("=SUM(G3:G21)", "f", "=SUM(H3:H21)")
    assert [ws.column_dimensions[k].width for k in "ABCDEFGH"] == [10, 12, 16, 9, 42, 50, 7, 7]
    assert sorted(str(m) for m in ws.merged_cells.ranges) == sorted([
        "A1:H1", "A4:A10", "A11:A21", "B4:B5", "B8:B9", "B11:B15", "B16:B18", "B20:B21", "A22:F22", "A23:F23",
        "G23:H23"])
    assert setup(ws) == ("A3", 9, "landscape", 1, 0, True, "$2:$2", (0.5, 0.5, 1, 1))
    assert ws.print_options.horizontalCentered


def test_annex_other_sheets_cell_by_cell(annex):
    assert annex.sheetnames == ["评分表", "得分不确定性", "资金分配", "说明"]
    us = annex["得分不确定性"]
    assert [look(x) for x in us[1]] == [C] * 14
    formats = ["General", "General", "0.00%", "0.00%", "0.00%", "0.0000", "0.0", "General", "General", "General",
               "General", "0.00%", "General", "General"]
    for r in (2, 3):
        assert [look(x) for x in us[r]] == [(f, *w[1:]) for f in formats], r
    assert look(us["A4"]) == ("General", True, None, None, "center", True, "lrtb") and look(us["B4"]) == w
    assert [us.column_dimensions[k].width for k in "ABCDEFGHIJKLMN"] == [22, 6, 9, 11, 11, 8, 10, 18, 6, 9, 9, 9, 30, 40]
    al = annex["资金分配"]
    assert [look(x) for x in al[1]] == [C, C] and all([look(x) for x in row] == [c, ("0.00", *w[1:])]
                                                      for row in al.iter_rows(min_row=2))
    assert (al.column_dimensions["A"].width, al.column_dimensions["B"].width) == (12, 18)
    notes = annex["说明"]
    assert [look(x) for x in notes[1]] == [("General", True, None, None, "center", True, "lrtb")] * 2
    assert (notes.column_dimensions["A"].width, notes.column_dimensions["B"].width) == (12, 90)
    for ws, orientation in ((us, "landscape"), (al, "landscape"), (notes, "portrait")):
        assert setup(ws) == ("A2", 9, orientation, 1, 0, True, "$1:$1", (0.75, 0.75, 1, 1)), ws.title


# -- the parts, as Excel requires them --------------------------------------------------

def check_package(data: bytes) -> None:
    """Content types, relationships, element order, style counts: what Excel checks before it opens a file."""
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert names[0] == "[Content_Types].xml" and "xl/sharedStrings.xml" not in names
    types = ET.fromstring(z.read("[Content_Types].xml"))
    overrides = {o.get("PartName").lstrip("/") for o in types if o.tag.endswith("Override")}
    assert overrides == {n for n in names if n.endswith(".xml") and n != "[Content_Types].xml"}
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    assert {"xl/" + r.get("Target") for r in rels} <= set(names)
    book = ET.fromstring(z.read("xl/workbook.xml"))
    sheets = book.find(f"{MAIN}sheets")
    assert len({s.get("name").casefold() for s in sheets}) == len(sheets)
    assert all(len(s.get("name")) <= 31 and not re.search(r"[\[\]:*?/\\]", s.get("name")) for s in sheets)
    styles = ET.fromstring(z.read("xl/styles.xml"))
    tags = [e.tag.removeprefix(MAIN) for e in styles]
    assert tags == sorted(tags, key=STYLES_ORDER.index)
    for e in styles:
        if e.get("count") is not None:
            assert int(e.get("count")) == len(e), e.tag
    n_xf = len(styles.find(f"{MAIN}cellXfs"))
    for i in range(1, len(sheets) + 1):
        ws = ET.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))
        tags = [e.tag.removeprefix(MAIN) for e in ws]
        assert tags == sorted(tags, key=WORKSHEET_ORDER.index), tags
        rows = [int(r.get("r")) for r in ws.iter(f"{MAIN}row")]
        assert rows == sorted(set(rows))
        assert all(int(x.get("s", 0)) < n_xf for x in ws.iter(f"{MAIN}c"))
        merges = ws.find(f"{MAIN}mergeCells")
        if merges is not None:
            assert int(merges.get("count")) == len(merges)


def test_report_workbooks_are_what_excel_requires(report_2021):
    _, out = report_2021
    for name in ("satisfaction.xlsx", "validity.xlsx", "audit.xlsx", "annex.xlsx"):
        data = (out / name).read_bytes()
        check_package(data)
        load(data)
        zf = zipfile.ZipFile(io.BytesIO(data))
        assert {z.date_time for z in zf.infolist()} == {(2021, 1, 1, 0, 0, 0)}, name
        assert b"Microsoft Excel Compatible" in zf.read("docProps/app.xml")  # LibreOffice lays rows out as Excel
    big = table_xlsx_bytes({"有效问卷": pd.DataFrame({"a": [1, 2], "t": ["=1", None]}), "x" * 40: pd.DataFrame()})
    check_package(big)
    assert load(big).sheetnames == ["有效问卷", "x" * 31]
    head = load(big)["有效问卷"]["A1"].font  # the large tables' header as before: Calibri 11 bold
    assert (head.b, head.sz, head.name) == (True, 11, "Calibri")


def test_sheet_names_excel_accepts():
    assert sheet_names(["a/b", "x" * 40, "X" * 31, "", "说明"]) == ["a_b", "x" * 31, "X" * 30 + "1", "Sheet", "说明"]
    wb = load(xlsx_bytes({"问卷[1]": pd.DataFrame({"a": [1]}), "问卷_1_": pd.DataFrame({"a": [2]})}))
    assert wb.sheetnames == ["问卷_1_", "问卷_1_1"]


def test_workbook_cells_formulas_and_empty_workbook():
    book = Workbook()
    ws = book.add_sheet("s", freeze=0, titles=None)
    ws.put(1, 1, "=1+1")
    ws.put(1, 2, Formula("SUM(C1:C2)"), Style(number_format="0.0"))
    ws.put(1, 3, float("nan"), Style(bold=True))
    data = book.bytes((2021, 1, 1))
    check_package(data)
    got = load(data)["s"]
    assert (got["A1"].data_type, got["B1"].data_type, got["B1"].value) == ("s", "f", "=SUM(C1:C2)")
    assert got["C1"].value is None and got["C1"].font.b and got.freeze_panes is None and got.print_title_rows is None
    assert b"fullCalcOnLoad" in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")  # Excel computes it
    empty = Workbook().bytes((2021, 1, 1))
    check_package(empty)
    assert load(empty).sheetnames == ["Sheet1"]


def test_the_report_writers_need_no_openpyxl():
    code = ("import sys, pandas as pd\n"
            "from survey.render.office import xlsx_bytes\n"
            "from survey.render.bigxlsx import table_xlsx_bytes\n"
            "import survey.render.annex\n"
            "xlsx_bytes({'s': pd.DataFrame({'a': [1]})}); table_xlsx_bytes({'s': pd.DataFrame({'a': [1]})})\n"
            "from survey.render.worker import warm_report\n"
            "warm_report()  # what the report worker imports\n"
            "print(sorted(m for m in sys.modules if m.startswith('openpyxl')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


@pytest.mark.render
def test_libreoffice_prints_the_annex(report_2021, tmp_path):
    """LibreOffice opens annex.xlsx, computes its totals and prints 评分表 on A4 landscape."""
    need_tools("soffice|libreoffice", "pdftotext")
    copy = tmp_path / "annex.xlsx"
    copy.write_bytes((report_2021[1] / "annex.xlsx").read_bytes())
    pdf = render_tools().docxs_to_pdf([copy], tmp_path)[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout  # poppler too
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "2", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "评分表" in text and "合计" in text and "97.0" in text and "优" in text  # the SUM formula, as 0.0#
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+", info), info  # A4 landscape (points)
