"""An answer not among an item's options: one warning naming the export, cell, count and fix; each cell in audit.xlsx.

The cell counts as unanswered (a required item's response is excluded as 必答题缺失). There is no
--strict that would make it an error: none of the run's other data warnings (plausibility, years,
frame gaps) has one, and a strict run belongs to all of them as one option, not to this one alone.
"""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from survey.cli import main


def test_the_warning_names_file_cell_count_and_questionnaire_and_the_audit_lists_every_cell(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "e"), "--from", "rural-water-2023"]).exit_code == 0
    csv = tmp_path / "e" / "raw" / "residents.csv"
    data = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    water, price = (next(c for c in data.columns if c.startswith(k)) for k in ("2.", "5."))
    data.loc[[3, 10], water] = "很满意"   # Excel rows 5 and 12 (header is row 1)
    data.loc[[30], price] = "还行"        # row 32
    data.to_csv(csv, index=False, encoding="utf-8-sig")
    res = runner.invoke(main, ["analyze", str(tmp_path / "e"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    (line,) = [x for x in res.output.splitlines() if "not among the item's options" in x]  # once for the export
    assert "3 answers" in line and "“很满意”、“还行”" in line
    assert f"first at {csv.relative_to(tmp_path / 'e')}, row 5, column '{water}'" in line \
        or f"first at {csv}, row 5, column '{water}'" in line
    assert "questionnaires/residents.yaml" in line and "Fix:" in line and "audit.xlsx" in line
    audit = pd.read_excel(tmp_path / "out" / "audit.xlsx", sheet_name="审核明细", engine="openpyxl")
    dropped = audit[audit["规则编号"] == "unknown_option"]
    assert sorted(zip(dropped["行号"], dropped["列（题目）"], dropped["值"])) == [
        (5, water, "很满意"), (12, water, "很满意"), (32, price, "还行")]
    assert set(dropped["规则"]) == {"无法识别的选项"}
