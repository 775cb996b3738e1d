"""Nothing leaked, nothing live (issue 13): personal data seeded into an export never reaches an output
(xlsx, docx, html, json, csv, console), formula-looking answers never become formulas, and plausibility
findings (repeated ids, durations, dates) reach the audit."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.render.files import FORMULA_START

from .conftest import QDIR, RAW_2021, framework_beside

SEEDS = [  # (text put into 意见建议, raw strings that must not appear in any output)
    ("请回电13812345678", ["13812345678"]),
    ("身份证320102198503151234", ["320102198503151234"]),
    ("邮箱 zhang.san@example.com 联系", ["zhang.san@example.com", "zhang.san"]),
    ("我的电脑 10.12.34.56 很慢", ["10.12.34.56"]),
    ("QQ：987654321，微信号：abc_1234", ["987654321", "abc_1234"]),
    ("=HYPERLINK(\"http://x\",\"点我\")", []),
    ("+1 意见", []),
    ("-2 意见", []),
    ("@SUM(1,2)", []),
]
PATTERNS = {  # generic shapes of personal data: none may be in an output
    "phone": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    "id": re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"),
    "email": re.compile(r"[\w.+-]*\w@[\w-]+\.[A-Za-z]{2,}", re.ASCII),
    "ipv4": re.compile(r"(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])"),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """raw/2021.xlsx with the seeds in the staff sheet's 意见建议 and three rows sharing one 序号."""
    from openpyxl import load_workbook

    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "seeded.xlsx"
    shutil.copy(RAW_2021, framework_beside(path))
    wb = load_workbook(path)
    ws = wb["工作人员问卷"]
    header = [c.value for c in ws[1]]
    col = next(j for j, h in enumerate(header, start=1) if h and "意见和建议" in str(h))
    for i, (text, _) in enumerate(SEEDS):
        ws.cell(row=100 + i, column=col, value=text).data_type = "s"
        ws.cell(row=2 + i, column=col, value=text).data_type = "s"  # test submissions: in the audit only
    for row in (200, 201, 202):
        ws.cell(row=row, column=1, value=99999)
    wb.save(path)
    runner = CliRunner()
    out = folder / "report"
    res = runner.invoke(main, ["analyze", str(path), "-q", str(QDIR), "-o", str(out)])
    assert res.exit_code == 0, res.output
    clean_out = folder / "clean"
    res2 = runner.invoke(main, ["clean", str(path), "-q", str(QDIR / "staff.yaml"), "--sheet", "工作人员问卷",
                                "-o", str(clean_out)])
    assert res2.exit_code == 0, res2.output
    return {"folder": folder, "input": path, "outputs": sorted([*out.iterdir(), *clean_out.iterdir()]),
            "console": res.output + res2.output}


_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")


def _texts(path) -> str:
    """Every text an output shows (the text runs of xlsx/docx parts; the whole of html/json/csv)."""
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(t for n in z.namelist() for t in _TEXT.findall(z.read(n).decode("utf-8", "replace")))
    return path.read_text(encoding="utf-8-sig")


def test_no_personal_data_in_any_output(seeded):
    assert {p.name for p in seeded["outputs"]} >= {"satisfaction.xlsx", "audit.xlsx", "report.html", "manifest.json",
                                                   "annex.docx", "cleaned.xlsx"}
    for path in [*seeded["outputs"], None]:
        text = seeded["console"] if path is None else _texts(path)
        where = "console" if path is None else path.name
        for _, raws in SEEDS:
            for raw in raws:
                assert raw not in text, f"{raw} in {where}"
        for name, pattern in PATTERNS.items():
            assert not pattern.search(text), f"{name} {pattern.search(text).group(0)!r} in {where}"


def test_the_masked_forms_are_there(seeded):
    sat = pd.read_excel(next(p for p in seeded["outputs"] if p.name == "satisfaction.xlsx"), sheet_name="意见建议",
                        engine="openpyxl")
    column = next(c for c in sat.columns if str(c).startswith("意见和建议"))  # the masked free text
    texts = "\n".join(sat[column].astype(str))
    assert "z***@example.com" in texts and "10.*.*.56" in texts and "QQ：98*******" in texts
    assert "微信号：a*******" in texts and "138****5678" in texts


def test_formula_looking_answers_stay_text_in_every_xlsx(seeded):
    from openpyxl import load_workbook

    formulas = [t for t, _ in SEEDS if t.startswith(FORMULA_START)]
    seen = set()
    for path in seeded["outputs"]:
        if path.suffix != ".xlsx":
            continue
        wb = load_workbook(path)  # not data_only: a formula would show as data_type "f"
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    # the only formulas: the annex's own totals (issue 11: 合计 as a formula)
                    own_total = (path.name == "annex.xlsx" and ws.title == "评分表"
                                 and str(c.value).startswith("=SUM(") and c.column in (7, 8))
                    assert c.data_type != "f" or own_total, f"{path.name} {ws.title}!{c.coordinate}: {c.value}"
                    if isinstance(c.value, str) and c.value in formulas:
                        seen.add(c.value)
    assert seen == set(formulas)  # they are in the outputs, as text


def test_formula_looking_text_in_the_weight_csv(tmp_path):
    data = pd.DataFrame({"区": ["A", "A", "B", "B"], "意见": ["=1+2", "+x", "-y", "@z"], "n": [1, -2, 3, 4]})
    data.to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame({"区": ["A", "B"], "人数": [10, 30]}).to_csv(tmp_path / "t.csv", index=False)
    res = CliRunner().invoke(main, ["weight", str(tmp_path / "d.csv"), "--targets", str(tmp_path / "t.csv"),
                                    "--method", "poststratify", "--by", "区", "-o", str(tmp_path / "w.csv")])
    assert res.exit_code == 0, res.output
    import csv

    rows = list(csv.reader(io.StringIO((tmp_path / "w.csv").read_text(encoding="utf-8-sig"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or re.fullmatch(r"-\d+(\.\d+)?", cell), cell
    assert [r[rows[0].index("意见")] for r in rows[1:]] == ["'=1+2", "'+x", "'-y", "'@z"]


def test_repeated_ids_keep_their_own_pseudonyms_and_are_found(seeded):
    cleaned = pd.read_excel(next(p for p in seeded["outputs"] if p.name == "cleaned.xlsx"), sheet_name="有效问卷",
                            engine="openpyxl")
    rows = cleaned[cleaned["row"].isin([200, 201, 202])]
    assert len(rows) == 3 and rows["respondent"].nunique() == 3
    audit = pd.read_excel(next(p for p in seeded["outputs"] if p.name == "audit.xlsx" and p.parent.name == "clean"),
                          sheet_name="审核明细", engine="openpyxl")
    assert sorted(audit.loc[audit["rule"] == "duplicate_id", "row"]) == [200, 201, 202]


def test_the_input_is_unchanged_by_the_runs(seeded, tmp_path):
    before = seeded["input"].read_bytes()
    CliRunner().invoke(main, ["clean", str(seeded["input"]), "-q", str(QDIR / "staff.yaml"), "--sheet", "工作人员问卷",
                              "-o", str(tmp_path / "again")])
    assert seeded["input"].read_bytes() == before
