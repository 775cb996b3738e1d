"""Word tables built as WordprocessingML text (survey.render.wordtable): read back through python-docx."""

import io

import docx
from docx.oxml.ns import qn

from survey.render.wordtable import Cell, TableLayout, add_table, twips


def _doc(cells, layout):
    doc = docx.Document()
    add_table(doc, cells, layout)
    doc.add_paragraph("after")
    buf = io.BytesIO()
    doc.save(buf)
    return docx.Document(io.BytesIO(buf.getvalue()))


def _grid(n_rows=4):
    head = [Cell("区", True, "center"), Cell("项目", True, "center"), Cell("得分", True, "center")]
    rows = [[Cell("甲"), Cell(f"第{i}项"), Cell(str(i), align="center")] for i in range(1, n_rows)]
    return [head, *rows]


def test_the_table_reads_back_with_its_text_in_order_and_before_what_follows():
    doc = _doc(_grid(), TableLayout((2.0, 5.0, 1.5)))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["区", "项目", "得分"]
    assert [c.text for c in table.rows[3].cells] == ["甲", "第3项", "3"]
    body = list(doc.element.body)
    assert body[0].tag == qn("w:tbl") and body[1].tag == qn("w:p") and body[-1].tag == qn("w:sectPr")


def test_widths_are_in_the_grid_and_in_every_cell_a_span_as_wide_as_its_columns():
    cells = _grid()
    doc = _doc(cells, TableLayout((2.0, 5.0, 1.5), vmerge={0: [(1, 3)]}, hspan=((2, 1, 2),)))
    tbl = doc.tables[0]._tbl
    grid = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid == [twips(2.0), twips(5.0), twips(1.5)] == [1134, 2835, 850]
    for tr in tbl.findall(qn("w:tr")):
        j = 0
        for tc in tr.findall(qn("w:tc")):
            span = tc.tcPr.find(qn("w:gridSpan"))
            n = int(span.get(qn("w:val"))) if span is not None else 1
            # a continuation cell of a vertical merge too: Word reads the cells' widths, not the grid
            assert int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) == sum(grid[j:j + n])
            assert tc.tcPr.find(qn("w:vAlign")).get(qn("w:val")) == "center"
            j += n
        assert j == 3


def test_merges_show_the_first_cell_once():
    doc = _doc(_grid(), TableLayout((2.0, 5.0, 1.5), vmerge={0: [(1, 3)]}, hspan=((2, 1, 2),)))
    table = doc.tables[0]
    assert [table.cell(i, 0).text for i in (1, 2, 3)] == ["甲", "甲", "甲"]    # one merged cell, seen from each row
    assert table.cell(1, 0)._tc is table.cell(3, 0)._tc
    assert table.cell(2, 1)._tc is table.cell(2, 2)._tc and table.cell(2, 1).text == "第2项"
    assert len(table.rows[3]._tr.findall(qn("w:tc"))) == 3                      # continuation cell kept in the grid


def test_a_run_crossing_a_rows_span_is_left_unmerged():
    doc = _doc(_grid(), TableLayout((2.0, 5.0, 1.5), vmerge={1: [(1, 3)]}, hspan=((2, 1, 2),)))
    table = doc.tables[0]
    assert table.cell(1, 1).text == "第1项" and table.cell(3, 1).text == "第3项"
    assert table.cell(1, 1)._tc is not table.cell(3, 1)._tc


def test_header_repeats_rows_never_split_and_kept_rows_keep_with_next():
    doc = _doc(_grid(), TableLayout((2.0, 5.0, 1.5), keep=frozenset({1, 2}), shade="F2F2F2"))
    rows = doc.tables[0].rows
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    assert [r._tr.trPr.find(qn("w:tblHeader")) is not None for r in rows] == [True, False, False, False]
    assert [all(p.paragraph_format.keep_with_next for c in r.cells for p in c.paragraphs) for r in rows] == \
        [False, True, True, False]
    shd = rows[0].cells[0]._tc.tcPr.find(qn("w:shd"))
    assert shd.get(qn("w:fill")) == "F2F2F2" and rows[1].cells[0]._tc.tcPr.find(qn("w:shd")) is None


def test_text_keeps_lines_tabs_spaces_and_markup_characters():
    text = "第一行\n 两端有空格 \n甲\t乙 & <丙> \"丁\""
    doc = _doc([[Cell(text, True, "left")]], TableLayout((6.0,), line=1.15, indent_zero=True, size_pt=9))
    cell = doc.tables[0].cell(0, 0)
    assert cell.text == text
    p = cell.paragraphs[0]
    assert p.alignment == 0 and p.paragraph_format.line_spacing == 1.15 and p.paragraph_format.first_line_indent == 0
    assert all(r.bold and r.font.size.pt == 9 for r in p.runs)


def test_bold_is_explicit_both_ways_and_alignment_is_only_set_when_asked():
    doc = _doc([[Cell("a", False, None), Cell("b", True, "center")]], TableLayout((2.0, 2.0)))
    a, b = doc.tables[0].rows[0].cells
    assert a.paragraphs[0].runs[0].bold is False and b.paragraphs[0].runs[0].bold is True
    assert a.paragraphs[0].alignment is None and b.paragraphs[0].alignment == 1


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    # a vertical tab is Word's Shift+Enter pasted into Excel; ESC and NUL come from damaged exports
    doc = _doc([[Cell("甲\x0b乙\x1b丙\x00\ud800丁")]], TableLayout((4.0,)))
    assert doc.tables[0].cell(0, 0).text == "甲乙丙丁"


def test_table_properties_are_in_the_schemas_order():
    # CT_TblPr: tblStyle, …, tblW, jc, …, tblLayout, tblCellMar, tblLook (Word's strict reader checks it)
    doc = _doc(_grid(), TableLayout((2.0, 5.0, 1.5)))
    names = [child.tag.split("}")[1] for child in doc.tables[0]._tbl.tblPr]
    assert names == ["tblStyle", "tblW", "jc", "tblLayout", "tblCellMar", "tblLook"]


def test_merges_outside_the_table_or_overlapping_are_refused():
    import pytest

    from survey.render.wordtable import table_xml

    grid = _grid()
    for layout in (TableLayout((2.0, 5.0, 1.5), hspan=((1, 1, 3),)),            # past the last column
                   TableLayout((2.0, 5.0, 1.5), hspan=((1, 0, 1), (1, 1, 2))),  # two spans share a cell
                   TableLayout((2.0, 5.0, 1.5), vmerge={0: [(2, 9)]})):          # past the last row
        with pytest.raises(ValueError, match="cannot be merged"):
            table_xml(grid, layout)
    with pytest.raises(ValueError, match="every row needs 3 cells"):
        table_xml([*grid, [Cell("短")]], TableLayout((2.0, 5.0, 1.5)))
