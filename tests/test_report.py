"""Reports: personal data never leaves, text stays text, files are atomic and reproducible."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from openpyxl import load_workbook

from survey.inputs.privacy import mask_text, pseudonym
from survey.inputs.read import Workbook
from survey.pipeline import analyze
from survey.render import files, report

from .conftest import QDIR, RAW_2021


@pytest.fixture(scope="module")
def written(report_2021):
    """The folder ``write_report`` wrote for the session's 2021 analysis (conftest.report_2021), and its files."""
    out = report_2021[1]
    return out, sorted(p for p in out.iterdir() if p.is_file())


def all_text(path) -> str:
    if path.suffix in (".xlsx", ".docx"):  # both are zipped XML
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return path.read_text(encoding="utf-8")


def raw_personal_data() -> set[str]:
    """Phone numbers, ID numbers and IP addresses present in the raw workbook."""
    found = set()
    wb = Workbook(RAW_2021)
    for sheet in wb.sheet_names:
        for row in wb.rows(sheet):
            for v in row:
                s = str(v)
                found |= set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", s))
                found |= set(re.findall(r"(?<!\d)\d{17}[\dXx](?![\dXx])", s))
                found |= set(re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", s))
    return found


def long_digit_runs(text: str) -> list[str]:
    """Runs of 7+ digits once spaces, dashes, brackets and a +86 prefix are ignored —
    independent of the masking patterns under test."""
    if re.fullmatch(r"[A-Z][0-9a-f]{7}", text):  # a respondent pseudonym
        return []
    text = re.sub(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", "", text)  # dates are not personal
    return re.findall(r"\d{7,}", re.sub(r"(?<=\d)[\s\-()（）]+(?=\d)|\+", "", text))


def string_cells(path) -> list[str]:
    wb = load_workbook(path)
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_no_phone_id_or_ip_reaches_any_output(written):
    out, paths = written
    secrets = raw_personal_data()
    assert len(secrets) > 50  # the raw workbook does carry them (IPs, phones, an ID number)
    for p in paths:
        text = all_text(p)
        leaked = [s for s in secrets if s in text]
        assert not leaked, (p.name, leaked[:3])
        if p.suffix == ".xlsx":
            cells = string_cells(p)
            assert not [c for c in cells if long_digit_runs(c)], p.name
            assert not [c for c in cells if re.search(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", c)], p.name
    # the masked forms are there instead
    sugg = all_text(out / "satisfaction.xlsx")
    assert re.search(r"1[3-9]\d\*{4}\d{4}", sugg) and re.search(r"\d{3}\*{11}\d{3}[\dX]", sugg)


def test_text_starting_with_equals_is_text_not_a_formula(written):
    out, _ = written
    ws = load_workbook(out / "satisfaction.xlsx")["意见建议"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells, "the 2021 workbook plants a suggestion starting with '='"
    assert all(c.data_type == "s" for c in cells)


def test_outputs_are_reproducible(tmp_path, written):
    _out, paths = written
    again = report.write_report(analyze(RAW_2021, QDIR), tmp_path)  # a fresh run, not the shared one
    assert sorted(b.name for b in again) == [a.name for a in paths]
    for b in again:
        assert b.read_bytes() == (_out / b.name).read_bytes(), b.name


def test_manifest_has_relative_paths_and_hashes(written):
    out, _ = written
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["inputs"]["workbook"]["path"].endswith("2021.xlsx")
    assert not m["inputs"]["workbook"]["path"].startswith("/")
    assert len(m["inputs"]["workbook"]["sha256"]) == 64
    assert {q["id"] for q in m["questionnaires"]} == {"staff", "offender"}


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError):
        files.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


@pytest.mark.parametrize(
    "text, masked",
    [
        ("请联系我13812345678", "请联系我138****5678"),
        ("电话 +86 139-1234-5678 谢谢", "电话 +86 139****5678 谢谢"),
        ("身份证320102198503151234", "身份证320***********1234"),
        ("身份证32010219850315123X。", "身份证320***********123X。"),
        ("办公室025-83751234", "办公室025-****1234"),
        ("+8613912340000 欢迎回访", "+86139****0000 欢迎回访"),
        ("(025)83751234", "(025)-****1234"),
        ("旧证320102850315123", "旧证320********5123"),
        ("待遇偏低，希望提高", "待遇偏低，希望提高"),
    ],
)
def test_mask_text(text, masked):
    assert mask_text(text) == masked


def test_pseudonyms_are_stable_and_distinct():
    assert pseudonym("staff", "17") == pseudonym("staff", "17")
    assert pseudonym("staff", "17") != pseudonym("staff", "18") != pseudonym("offender", "17")


def test_column_notes_state_the_analysis_not_2021(analysis_2021):
    from dataclasses import replace

    notes = report.column_notes(analysis_2021, suppress_below=3).set_index("列")["说明"]
    assert notes["备注"] == "样本少于3人的分组不报告估计值"
    assert notes["置信下限 / 置信上限"].endswith("（95%）")
    # the satisfied options and scores of the questionnaires' scales (both 2021 scales agree)
    assert "总体题“非常满意+满意”占比" in notes["口径"] and "（100/80/60/40/20 均值" in notes["口径"]
    # each questionnaire's method and variables, from its definition's weighting section
    weighting = notes["加权…（各加权列）"]
    assert "社区矫正工作人员幸福感和安全感调查按抽样框各区人数事后分层，以区为层、各区总体人数作有限总体校正" in weighting
    assert "社区矫正对象满意度访谈对区、矫正类别、性别迭代加权（raking）" in weighting
    unweighted = replace(analysis_2021, surveys=tuple(replace(s, weights=None) for s in analysis_2021.surveys))
    assert report.column_notes(unweighted).set_index("列").loc["加权…（各加权列）", "说明"].startswith("加权估计：本次未加权")


def test_small_breakdowns_are_suppressed(analysis_2021):
    a = analysis_2021
    full = report.satisfaction_table(a)  # default: fewer than 5 → suppressed; 2021's smallest district has 5
    assert full["note"].isna().all()
    t = report.satisfaction_table(a, suppress_below=6).set_index(["questionnaire", "measure", "level"])
    row = t.loc[("offender", "overall", "玄武区")]
    assert row["n"] == 5 and row["note"] == "样本少于6人，不予报告"
    assert row[["estimate", "ci_low", "ci_high", "estimate_w", "se_w"]].isna().all()
    assert t.loc[("offender", "overall", "全部"), "estimate"] == 1.0  # the overall row is never suppressed


def test_manifest_traces_every_output_and_the_framework(written):
    import hashlib
    import json

    out, paths = written
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for p in paths:
        if p.name != "manifest.json":
            assert manifest["outputs"][p.name] == hashlib.sha256(p.read_bytes()).hexdigest(), p.name
    assert set(manifest["outputs"]) == {p.name for p in paths} - {"manifest.json"}
    assert len(manifest["framework"]["sha256"]) == 64


def test_report_html_is_the_report(written, analysis_2021):
    out, paths = written
    assert "report.html" in {p.name for p in paths}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "本次调查共发放问卷550份" in page
    assert "97.43%" in page and "95.33%–98.60%" in page  # the staff rate and its Wilson interval
    assert re.search(r"<td[^>]*colspan=\"6\"[^>]*>合计</td><td[^>]*>100</td><td[^>]*>97.0</td>", page)
    assert re.search(r"<td[^>]*rowspan=\"\d+\"[^>]*>项目管理</td>", page)  # the annex's merged 一级指标
    assert "克隆巴赫α系数" in page and "<svg" in page and "满分线85%" in page
    assert "alpha=" not in page and "ci_method" not in page  # parameters belong in the manifest
    assert "@page wide { size: A4 landscape" in page and "size: A4;" in page
    # free text only as the quotes of the suggestions table, masked data in them as （略）
    texts = report.suggestions_table(analysis_2021)["text"].dropna()
    assert [t for t in texts if "****" in t] and "（略）" in page and "****" not in page
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", page)


def test_report_html_keeps_each_annex_block_on_one_printed_page(written, analysis_2021):
    # one <tbody> per 一级指标 block of the 评分表 (CSS break-inside: avoid when printed), the 合计 and
    # 评价等级 rows a group each: a page never shows 二级 rows apart from their merged 一级 label
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    annex = next(t for t in re.findall(r"<table.*?</table>", page, flags=re.S) if "<th>评分标准</th>" in t)
    level1 = list(dict.fromkeys(r.level1 for r in analysis_2021.scorecard.rows))
    groups = re.findall(r"<tbody>(.*?)</tbody>", annex, flags=re.S)
    assert len(groups) == len(level1) + 2
    for name, group in zip(level1, groups):
        assert group.startswith("<tr><td") and f">{name}</td>" in group.split("</tr>")[0]
    assert "tr, tbody, figure { break-inside: avoid; }" in page
