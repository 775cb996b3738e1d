"""`survey analyze NEW --previous OLD --key COL` (and evaluation.yaml's ``previous_key``): respondents
of both years compared as paired samples, as `survey compare --key` does.

raw/2022.xlsx shares no respondent with raw/2021.xlsx (its 序号 are row numbers), so the pair is
made here: 2021's staff answering again, the same rows, with 60 of them now satisfied with 薪酬福利待遇.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from survey.cli import main

from .conftest import QDIR, RAW_2021, framework_beside

Z975 = 1.959963984540054  # the normal 0.975 quantile (R: qnorm(0.975))


@pytest.fixture(scope="module")
def made_pair(tmp_path_factory, analysis_2021_unweighted):
    """raw/2021.xlsx with h_pay 满意 in 60 valid staff rows that were not (none a duplicate's partner)."""
    staff = analysis_2021_unweighted.surveys[0].cleaned
    audit = staff.audit
    partners = set(audit.loc[audit["rule"] == "duplicate", "message"].str.extract(r"第(\d+)行")[0].astype(int))
    data = staff.valid.data
    rows = [r for r in data.index[data["h_pay"] > 2] if r not in partners][:60]  # codes 3-5: 一般 … 非常不满意
    wb = load_workbook(RAW_2021)
    ws = wb["工作人员问卷"]
    col = [c.value for c in ws[1]].index("4、(薪酬福利待遇)") + 1
    for r in rows:  # the index is the Excel row
        ws.cell(row=int(r), column=col).value = "满意"
    path = tmp_path_factory.mktemp("pair") / "2022.xlsx"
    wb.save(path)
    framework_beside(path)
    return path, len(rows)


def _row(sheet: pd.DataFrame, item: str) -> pd.Series:
    return sheet[(sheet["指标/题目"] == item) & (sheet["范围"] == "全部")].iloc[0]


def test_analyze_key_pairs_the_respondents_of_both_years(made_pair, tmp_path, without_charts):
    new, changed = made_pair
    assert changed == 60
    res = CliRunner().invoke(main, ["analyze", str(new), "-q", str(QDIR), "--previous", str(RAW_2021),
                                    "--key", "respondent", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    sheet = pd.read_excel(tmp_path / "out" / "satisfaction.xlsx", sheet_name="与上年比较", engine="openpyxl")
    row = _row(sheet, "h_pay")
    # the 389 staff answer again, 60 move to satisfied (p₁₀ = 0, p₀₁ = 60/389): the paired SE is
    # √{[(p₁₀ + p₀₁) − (p₀₁ − p₁₀)²]/n} (Agresti, Categorical Data Analysis, 2nd ed., §10.1.1)
    p01, n = 60 / 389, 389
    assert row["差值"] == pytest.approx(p01, rel=1e-12)
    assert (row["差值上限"] - row["差值下限"]) / (2 * Z975) == pytest.approx(((p01 - p01 ** 2) / n) ** 0.5, rel=1e-9)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous"]["key"] == "respondent"
    assert manifest["previous"]["paired"] == {"staff": 389, "offender": 120}
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "按关联键“respondent”，社区矫正工作人员幸福感和安全感调查对两年均作答的389名受访者按配对样本计算" in html
    assert "社区矫正对象满意度访谈对两年均作答的120名受访者按配对样本计算" in html

    # the same comparison code as `survey compare --key`: the same interval
    res = CliRunner().invoke(main, ["compare", str(RAW_2021), str(new), "-q", str(QDIR), "--key", "respondent",
                                    "-o", str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output
    cmp = pd.read_excel(tmp_path / "cmp" / "comparison.xlsx", sheet_name="staff_与上年比较", engine="openpyxl")
    assert (_row(cmp, "h_pay")["差值下限"], _row(cmp, "h_pay")["差值上限"]) == (row["差值下限"], row["差值上限"])


def test_evaluation_yaml_previous_key_and_a_key_that_links_nobody(made_pair, tmp_path, without_charts):
    new, _ = made_pair
    folder = tmp_path / "nj"
    assert CliRunner().invoke(main, ["init", str(folder), "--from", "nanjing-2021"]).exit_code == 0
    framework_beside(Path(shutil.copy(new, tmp_path / "2022.xlsx")))
    yaml = folder / "evaluation.yaml"
    text = yaml.read_text(encoding="utf-8") + "\nprevious: ../2022.xlsx\n"
    yaml.write_text(text + "previous_key: respondent\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["analyze", str(folder), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous"]["key"] == "respondent" and manifest["previous"]["paired"]["staff"] == 389
    # --key wins over previous_key; a column not in the data is said on the console and in the report
    res = CliRunner().invoke(main, ["analyze", str(folder), "--key", "工号", "-o", str(tmp_path / "out2")])
    assert res.exit_code == 0, res.output
    assert "warning: 社区矫正工作人员幸福感和安全感调查：关联键“工号”不在两年数据中，按独立样本比较" in res.output
    html = (tmp_path / "out2" / "report.html").read_text(encoding="utf-8")
    assert "未识别出两年均作答的受访者，按独立样本计算" in html and "按配对样本计算" not in html
    assert json.loads((tmp_path / "out2" / "manifest.json").read_text(encoding="utf-8"))["previous"]["paired"] == {
        "staff": 0, "offender": 0}


def test_key_without_previous_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["analyze", str(RAW_2021), "-q", str(QDIR), "--key", "respondent",
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "--key links respondents to last year's" in res.output
    assert not (tmp_path / "out").exists()
