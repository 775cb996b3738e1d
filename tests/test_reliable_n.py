"""The NCHS presentation standard's minimum sample as the user's parameter (issue #14, item 2).

``evaluation.yaml`` ``thresholds.reliable_n`` / ``survey analyze --reliable-n N`` (default 30,
Parker et al. 2017, Vital Health Stat 2(175)) reaches every place that judges or describes
reliability: satisfaction.xlsx's 可靠性 columns and 说明 line, the report's unit tables and
their notes, the charts, and manifest.json. The default run of raw/2021.xlsx stays
byte-identical to reports/2021 (tests/test_previous.py).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.evaluation import Thresholds
from survey.errors import EstimationError
from survey.render.presentation import reliability_note
from survey.render.survey_body import ItemStat, item_levels
from survey.stats.presentation import NCHS, SUPPRESS, Standard, standard_of

from .conftest import ROOT, charts_left_out


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def unit_tables(report_html: Path, caption_part: str) -> list[dict[str, tuple[str, ...]]]:
    """The report.html tables whose caption contains ``caption_part``, in order: unit → its cells."""
    text = report_html.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"<caption>([^<]*)</caption>(.*?)</table>", text, re.S):
        if caption_part in m.group(1):
            rows = [tuple(html.unescape(re.sub("<[^>]+>", "", c)) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S))
                    for r in re.findall(r"<tr>(.*?)</tr>", m.group(2), re.S)]
            out.append({r[0]: r[1:] for r in rows})
    assert out, f"no table '{caption_part}' in {report_html}"
    return out


def reliability_by_unit(xlsx: Path, title_part: str, label: str) -> dict[str, str]:
    """satisfaction.xlsx 满意度: unit → 可靠性（NCHS） of one questionnaire's measure."""
    ws = openpyxl.load_workbook(xlsx, read_only=True)["满意度"]
    rows = list(ws.iter_rows(values_only=True))
    h = rows[0]
    q, lab, unit, rel = (h.index(c) for c in ("问卷", "口径", "分组", "可靠性（NCHS）"))
    return {r[unit]: r[rel] for r in rows[1:] if title_part in str(r[q]) and r[lab] == label}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cli_2021):
    """raw/2021.xlsx analysed with the default standard (the session's CLI run, conftest.cli_2021) and with --reliable-n 5."""
    base = tmp_path_factory.mktemp("reliable")
    out = {"default": cli_2021[0]}
    assert "评分表 total: 97.0/100, 评价等级 优" in cli_2021[1]
    with charts_left_out():  # the charts of --reliable-n 5: test_reliable_n_reaches_the_charts
        res = CliRunner().invoke(main, ["analyze", str(ROOT / "raw" / "2021.xlsx"), "-q", str(ROOT / "questionnaires"),
                                        "-o", str(base / "five"), "--reliable-n", "5"])
    assert res.exit_code == 0, res.output
    assert "评分表 total: 97.0/100, 评价等级 优" in res.output  # the scores never depend on it
    out["five"] = base / "five"
    return out


def test_reliable_n_brings_the_offender_districts_back_into_the_report(runs):
    # Offenders (矫正对象) per district: n = 5 … 23, every one at 100%. With NCHS's 30 each is
    # "—"; with 5, n ≥ 5 passes step 1 and the Korn–Graubard width decides: 江宁区 (23 of 23,
    # KG interval 85.69%–100%, W < 0.30) is shown, starred for review (p = 100%); 玄武区 (5 of 5)
    # has W ≥ 0.30 and stays "—" (step 3 of the standard).
    staff, offenders = unit_tables(runs["default"] / "report.html", "各区总体满意率（未加权）")
    staff5, offenders5 = unit_tables(runs["five"] / "report.html", "各区总体满意率（未加权）")
    assert staff["玄武区"] == ("26", "—", "不予报告") and staff5["玄武区"][:2] == ("26", "100.00%*")
    assert offenders["江宁区"] == ("23", "—", "不予报告")
    assert offenders5["江宁区"] == ("23", "100.00%*", "85.69%–100.00%")
    assert offenders5["玄武区"] == ("5", "—", "不予报告")
    text = (runs["five"] / "report.html").read_text(encoding="utf-8")
    # the note under the table quotes the user's threshold, not NCHS's 30
    assert "样本量或有效样本量不足5、" in text and "样本量或有效样本量不足30" not in text
    manifest = json.loads((runs["five"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["reliable_n"] == 5


def test_reliable_n_reaches_satisfaction_xlsx(runs):
    default = reliability_by_unit(runs["default"] / "satisfaction.xlsx", "对象", "总体满意率")
    five = reliability_by_unit(runs["five"] / "satisfaction.xlsx", "对象", "总体满意率")
    assert default["江宁区"] == "不予报告（样本量或有效样本量不足30）"
    assert five["江宁区"] == "需审慎解读（比例为0%或100%）"
    assert five["玄武区"] == "不予报告（置信区间宽度不低于30个百分点）"
    ws = openpyxl.load_workbook(runs["five"] / "satisfaction.xlsx", read_only=True)["说明"]
    note = next(r[1] for r in ws.iter_rows(values_only=True) if str(r[1]).startswith("可靠性："))
    assert "样本量或有效样本量不足5、" in note


def test_reliable_n_reaches_the_charts():
    from survey.pipeline import analyze
    from survey.render.charts import report_charts

    a = analyze(ROOT / "raw" / "2021.xlsx", ROOT / "questionnaires", reliable_n=5)
    assert a.parameters["reliable_n"] == 5 and standard_of(a).min_n == 5
    charts = report_charts(a)
    assert ("offender", "units") in charts  # the offender units chart exists only when some unit is shown
    assert "带*者需审慎解读" in charts[("offender", "units")].caption


def test_the_folder_key_and_the_option(tmp_path, without_charts):
    folder = tmp_path / "nanjing"
    assert run("init", folder, "--from", "nanjing-2021").exit_code == 0
    p = folder / "evaluation.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("  min_cell: 5", "  min_cell: 5\n  reliable_n: 5"),
                 encoding="utf-8")
    res = run("analyze", folder, "-o", tmp_path / "folder")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "folder" / "manifest.json").read_text(encoding="utf-8"))["parameters"][
        "reliable_n"] == 5
    res = run("analyze", folder, "-o", tmp_path / "option", "--reliable-n", "30")  # the option wins
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "option" / "manifest.json").read_text(encoding="utf-8"))["parameters"][
        "reliable_n"] == 30


def test_the_threshold_is_checked():
    assert Thresholds().reliable_n == 30 == NCHS.min_n  # documented default: NCHS 2017
    with pytest.raises(ValueError):
        Thresholds(reliable_n=0)
    assert run("analyze", ROOT / "raw" / "2021.xlsx", "--reliable-n", "0").exit_code == 2
    with pytest.raises(EstimationError):
        Standard(min_n=-1)
    assert standard_of(None) is NCHS
    assert reliability_note(SUPPRESS, "n_eff", Standard(min_n=12)) == "不予报告（样本量或有效样本量不足12）"


def test_weighted_item_rates_are_judged_on_kish_effective_n():
    # 40 answers, 36 satisfied (p = 0.9). Unweighted: n = n_eff = 40 ≥ 30 passes step 1.
    # Weighted, 10 answers of weight 5 (9 satisfied) and 30 of weight 1 (27 satisfied):
    # Σw = 80, Σw² = 10·25 + 30 = 280, Kish n_eff = 80²/280 = 22.86 < 30 → suppress (n_eff).
    options = ("满意", "不满意")
    plain = ItemStat("q1", "题", None, (36, 4), options, 40, 36, satisfied_options=frozenset({"满意"}))
    weighted = ItemStat("q1", "题", None, (36, 4), options, 40, 36, weighted=(45.0 + 27.0, 5.0 + 3.0),
                        satisfied_options=frozenset({"满意"}), weight_squares=280.0)
    assert weighted.n_eff == pytest.approx(6400 / 280)
    assert weighted.rate == pytest.approx(0.9)
    assert item_levels([plain]) != [SUPPRESS]
    assert item_levels([weighted]) == [SUPPRESS]
    assert item_levels([weighted], Standard(min_n=20)) != [SUPPRESS]


def test_reliable_n_reaches_the_year_over_year_comparison(tmp_path, monkeypatch, without_charts):
    # raw/2022.xlsx (synthetic, raw/make_2022.py) against raw/2021.xlsx: with NCHS's 30, five staff
    # districts (n < 30 in either year) are not compared; with 5 all twelve are, in `survey
    # compare` and in the report's 与上年比较 (analyze --previous), whose note quotes 5.
    monkeypatch.chdir(ROOT)
    default = run("compare", "raw/2021.xlsx", "raw/2022.xlsx", "-o", tmp_path / "c30")
    five = run("compare", "raw/2021.xlsx", "raw/2022.xlsx", "--reliable-n", "5", "-o", tmp_path / "c5")
    assert default.exit_code == 0 and five.exit_code == 0, default.output + five.output
    assert "分区：7个区无显著变化（Holm校正）。5个区的样本量不足" in default.output
    assert "分区：12个区无显著变化（Holm校正）。" in five.output
    assert "7个可比较的区中" in five.output and "4个可比较的区中" in default.output  # unit contrasts
    res = run("analyze", "raw/2022.xlsx", "--previous", "raw/2021.xlsx", "--reliable-n", "5", "-o", tmp_path / "r")
    assert res.exit_code == 0, res.output
    text = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "分区：12个区无显著变化（Holm校正）。" in text
    assert "样本量或有效样本量不足5、" in text and "不足30" not in text
