"""Hostile and careless inputs (issue 13): refused up front, in one line, cheaply, with nothing written.

The damaged files are built by code in tests/hostile_inputs.py; benchmarks/bench_hostile.py
measures the time and memory of refusing the two expensive ones.
"""

from __future__ import annotations

import hashlib
import os
import resource
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.base import read_yaml
from survey.errors import DataError, DefinitionError
from survey.inputs.guard import Limits, inspect_xlsx
from survey.inputs.read import Workbook, read_table

from . import hostile_inputs as H
from .conftest import QDIR

EXPECTED = {  # what each refusal says (part of the one line)
    "truncated zip": "damaged or truncated",
    "encrypted xlsx": "password-protected",
    "OLE2 .xls named .xlsx": "old Excel 97-2003",
    "OLE2 .xls": "damaged .xls",
    "CSV renamed .xlsx": "text (CSV) file with an .xlsx name",
    "external links": "links to other workbooks",
    "sheet outside the workbook": "lives outside it",
    "XML entity bomb": "declares a DTD or entities",
    "XXE": "declares a DTD or entities",
    "1.5 GB-expanding sheet": "over the limit of 512 MB",
    "stray cell at row 1048576": "Z1048576",
    "FIFO": "named pipe",
}


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    return {name: build(folder) for name, build in H.DAMAGED.items()}


def _fingerprint(path):
    st = os.lstat(path)
    if stat.S_ISFIFO(st.st_mode):
        return "fifo"
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", list(H.DAMAGED))
def test_damaged_inputs_through_the_cli(damaged, name, tmp_path):
    """Exit code 1 (every input error), one line naming the file, no traceback, nothing written, input unchanged."""
    path = damaged[name]
    before = _fingerprint(path)
    out = tmp_path / "report"
    start = time.monotonic()
    res = CliRunner().invoke(main, ["clean", str(path), "-q", str(QDIR / "staff.yaml"), "--sheet", "Sheet1",
                                    "-o", str(out)])
    elapsed = time.monotonic() - start
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith(f"Error: {path}")
    assert EXPECTED[name] in lines[0]
    assert "This is a bug" not in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert _fingerprint(path) == before
    assert elapsed < 5, f"{name}: refused after {elapsed:.1f} s"


def test_the_fifo_is_refused_for_csv_and_sav_too(tmp_path):
    for name in ("pipe.csv", "pipe.sav"):
        with pytest.raises(DataError, match="named pipe"):
            read_table(H.fifo(tmp_path, name))


def test_a_csv_with_a_huge_cell_is_one_located_error(tmp_path):
    path = H.write(tmp_path / "long.csv", b'a,b\n1,2\n3,"' + b"x" * 200_000 + b'"\n')
    with pytest.raises(DataError, match=r"long.csv: row 3: cannot read the CSV \(field larger than field limit"):
        read_table(path)


def test_an_xlsx_named_csv_is_said(tmp_path):
    path = H.write(tmp_path / "export.csv", H.zip_bytes(H.xlsx_parts()))
    with pytest.raises(DataError, match=r"an Excel workbook with a \.csv name"):
        read_table(path)


def test_a_styled_but_empty_cell_far_below_is_not_a_value(tmp_path):
    """Formatting a whole column (<c r="Z1048576" s="0"/>) is not a stray value: the table reads as it is."""
    table = read_table(H.stray_cell_xlsx(tmp_path, styled_only=True))
    assert table.columns == ["a", "b"] and len(table.data) == 1


def test_formatting_over_many_empty_cells_is_not_counted(tmp_path):
    """50,000 styled empty cells under a two-row table: over a 10,000-cell limit as tags, not as values."""
    empties = b"".join(b'<row r="%d"><c r="A%d" s="1"/></row>' % (r, r) for r in range(3, 50_003))
    sheet = H.SHEET_HEAD + H.ROWS[:-len(b"</sheetData>")] + empties + b"</sheetData></worksheet>"
    path = H.write(tmp_path / "styled-many.xlsx", H.zip_bytes(H.xlsx_parts(sheet)))
    table = Workbook(path, limits=Limits(max_cells=10_000)).table("Sheet1")
    assert table.columns == ["a", "b"] and len(table.data) == 1


def test_rows_without_references_are_counted(tmp_path):
    rows = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    path = H.write(tmp_path / "no-r.xlsx", H.zip_bytes(H.xlsx_parts(H.SHEET_HEAD + b"<sheetData>" + rows
                                                                    + b"</sheetData></worksheet>")))
    with pytest.raises(DataError, match="20,000 rows"):
        Workbook(path, limits=Limits(max_cells=10_000)).table("Sheet1")
    assert len(Workbook(path).table("Sheet1").data) == 19_999  # within the default limit: read


def test_the_cell_limit_names_the_sheet_the_cell_and_how_to_raise_it(tmp_path):
    path = H.stray_cell_xlsx(tmp_path, row=20_000, column="B")
    with pytest.raises(DataError) as exc:
        Workbook(path, limits=Limits(max_cells=10_000)).table("Sheet1")
    msg = str(exc.value)
    assert "sheet 'Sheet1'" in msg and "B20000" in msg and "10,000" in msg and "SURVEY_MAX_CELLS=40000" in msg
    assert len(Workbook(path).table("Sheet1").data) == 2  # within the default limit: read, stray row included


def test_limits_from_the_environment(tmp_path, monkeypatch):
    path = H.stray_cell_xlsx(tmp_path, row=2000, column="B")
    monkeypatch.setenv("SURVEY_MAX_CELLS", "1000")
    with pytest.raises(DataError, match="over the limit of 1,000"):
        read_table(path)
    monkeypatch.setenv("SURVEY_MAX_CELLS", "lots")
    with pytest.raises(DataError, match="SURVEY_MAX_CELLS is not a number"):
        read_table(path)


def test_a_bomb_with_a_forged_size_is_caught_while_streaming(tmp_path):
    """The zip directory says 1 KB; the entry expands further: refused, never handed to calamine."""
    path = H.bomb_xlsx(tmp_path, gb=0.6, declared=1000)
    start = time.monotonic()
    with pytest.raises(DataError, match=r"not a readable xlsx workbook|expands more than"):
        inspect_xlsx(path)
    assert time.monotonic() - start < 5


def test_a_bomb_refused_by_ratio_and_by_streaming(tmp_path):
    path = H.bomb_xlsx(tmp_path, gb=0.05)
    with pytest.raises(DataError, match=r"expands .* times its compressed size"):
        inspect_xlsx(path)
    with pytest.raises(DataError, match="over the limit of 10 MB"):
        inspect_xlsx(path, Limits(max_xlsx_mb=10, max_ratio=1e9))
    inspect_xlsx(path, Limits(max_ratio=1e9))  # raised limits: accepted


def test_many_entries(tmp_path):
    parts = H.xlsx_parts(**{f"xl/media/x{i}.bin": b"" for i in range(50)})
    path = H.write(tmp_path / "many.xlsx", H.zip_bytes(parts))
    with pytest.raises(DataError, match="55 zip entries, over the limit of 20"):
        inspect_xlsx(path, Limits(max_entries=20))


def test_refusing_the_bomb_costs_little_memory(tmp_path):
    """The 1.5 GB bomb is refused from the zip directory, without expanding it."""
    path = H.bomb_xlsx(tmp_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DataError):
        Workbook(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KB


def test_a_good_workbook_still_reads(tmp_path):
    table = read_table(H.good_xlsx(tmp_path))
    assert table.columns == ["a", "b"] and table.data.iloc[0].tolist() == [1, 2]


# ---- definitions as strict data ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message, line", [
    ("id: staff\nmeasures: [a]\ntitle: t\nmeasures: [b]\n", "key 'measures' appears twice in one mapping (first on line 2)", 4),
    ("id: staff\nitems:\n  - id: a\n    text: x\n    id: b\n", "key 'id' appears twice", 5),
    ("id: !!python/object/apply:os.system [echo hi]\n", "tags are not allowed", 1),
    ("id: !!binary aGk=\n", "tags are not allowed", 1),
    ("id: !custom x\n", "tags are not allowed", 1),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "aliases expand past 10,000 nodes", 4),
])
def test_yaml_is_strict_data(text, message, line):
    with pytest.raises(DefinitionError) as exc:
        read_yaml(text=text, name="q.yaml", what="questionnaire", keys="id, …")
    msg = str(exc.value)
    assert msg.startswith(f"q.yaml: line {line}") and message in msg


def test_a_fifo_as_a_definition_file_is_refused_not_read(tmp_path):
    path = H.fifo(tmp_path, "staff.yaml")
    with pytest.raises(DefinitionError, match="not a regular file"):
        read_yaml(path, what="questionnaire", keys="id, …")
    res = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
    assert res.exit_code == 1 and "not a regular file" in res.output and "Traceback" not in res.output


def test_small_anchors_are_fine():
    data = read_yaml(text="base: &s {a: 1}\nx: *s\ny: *s\n", name="q.yaml", what="questionnaire", keys="…")
    assert data["x"] == data["y"] == {"a": 1}


def test_the_data_and_the_line_of_each_key_come_from_one_parse():
    """read_yaml composes the text once for both (it used to compose it a second time for the lines)."""
    from survey.definitions.base import key_lines

    text = "base: &b {a: 1}\nx: *b\nitems:\n  - id: q\n    scale: s\n"
    data = read_yaml(text=text, name="q.yaml", what="questionnaire", keys="…")
    assert data == {"base": {"a": 1}, "x": {"a": 1}, "items": [{"id": "q", "scale": "s"}]}
    assert data.lines == key_lines(text)
    assert data.lines[("x",)] == 2 and data.lines[("items", 0, "scale")] == 5


def test_definition_files_read_by_libyaml_are_read_as_by_the_strict_loader():
    # libyaml reads text where no tag, anchor or alias can start; it must give the same data and key
    # lines as the pure-Python StrictLoader, on every definition file shipped
    from survey.definitions import base

    # PyYAML built without libyaml (FastStrictLoader None) reads every file with StrictLoader: the
    # comparison is then of one loader with itself, the rest of the test holds either way
    fast = base.FastStrictLoader or base.StrictLoader
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("questionnaires/*.yaml"), *root.glob("raw/*.yaml"), *root.glob("survey/examples/**/*.yaml")]
    assert len(files) >= 10
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert not base._MAY_TAG_OR_ALIAS.search(text), f  # the shipped files take the fast path
        read = {}
        for loader in (base.StrictLoader, fast):
            ld = loader(text)
            try:
                node = ld.get_single_node()
                read[loader] = (ld.construct_document(node), base._node_lines(node))
            finally:
                ld.dispose()
        assert read[base.StrictLoader] == read[fast], f
    # where a tag or an alias may start, the strict loader reads it (and refuses what it refuses)
    for text in ("a: *x\n", "- !!python/object:os.system x\n", "&a b: 1\n", "k: [*x]\n", "k: {a: *x}\n"):
        assert base._MAY_TAG_OR_ALIAS.search(text), text
    for text in ('p: "(?i)^\\s*(测试|test)"\n', "n: 5*3\n", "url: a&b\n"):
        assert not base._MAY_TAG_OR_ALIAS.search(text), text
    with pytest.raises(DefinitionError, match="twice"):  # the libyaml path refuses a repeated key too
        read_yaml(text="a: 1\na: 2\n", name="q.yaml", what="questionnaire", keys="…")


def test_a_second_measures_key_in_a_questionnaire_is_an_error(tmp_path):
    """The issue's case: a repeated `measures:` silently replaced the first and the annex was scored on it."""
    from survey.definitions.questionnaire import load

    text = (QDIR / "staff.yaml").read_text(encoding="utf-8")
    block = text[text.index("\nmeasures:"):]
    block = block[: block.index("\n", 1 + block.index("\n  - "))]  # `measures:` and its first entry line
    path = tmp_path / "staff.yaml"
    path.write_text(text + block + "\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"staff.yaml: line \d+, key 'measures': key 'measures' appears twice"):
        load(path)


def test_a_forty_column_sheet_is_bounded_without_a_second_read(tmp_path):
    # columns A..AN: the cheap bound is rows × 40 (not × 702, 'ZZ'), so a 100,000-row export is not re-read
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 201):
        ws.append([f"v{r}-{c}" for c in range(40)])
    wb.save(tmp_path / "wide.xlsx")
    info = inspect_xlsx(tmp_path / "wide.xlsx", Limits(max_cells=10_000))
    box = next(iter(info.boxes.values()))
    assert (box.bound_rows, box.bound_cols) == (200, 40)
    info.check_sheet("Sheet")
    assert not box.exact


@pytest.mark.parametrize(("head", "kind"), [(b"\x89PNG\r\n\x1a\nxx", "a PNG image"), (b"%PDF-1.7\n%abc\n", "a PDF document"),
                                            (b"\xff\xd8\xff\xe0\n", "a JPEG image")])
def test_an_image_or_pdf_named_xlsx_is_said_as_such(tmp_path, head, kind):
    # a short PNG head holds no NUL and a newline: it was taken for a CSV file (found by a final trial)
    from survey.errors import DataError
    from survey.inputs.read import read_table

    f = tmp_path / "data.xlsx"
    f.write_bytes(head)
    with pytest.raises(DataError, match=f"this is {kind}, not an xlsx workbook"):
        read_table(f)
