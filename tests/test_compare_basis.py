"""`survey compare` states the figures `survey analyze` scores, and writes where analyze writes.

Found by a new user (an evaluation that weights its residents survey to the 乡镇 frame):
compare printed the unweighted rate (92.42%) while analyze scored the weighted one (92.37%),
and wrote comparison.xlsx under ./reports/ instead of the evaluation folder's reports/.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions.vocab import OVERALL_LEVEL
from survey.evaluation.headline import headlines
from survey.evaluation.yoy import compare_analyses

from .conftest import ROOT

EXAMPLE = ROOT / "survey" / "examples" / "rural-water-2023"


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """The rural-water example as this year (2023) and a copy a year earlier with fewer satisfied answers."""
    base = tmp_path_factory.mktemp("rw")
    new, old = base / "rw2023", base / "rw2022"
    for d in (new, old):
        shutil.copytree(EXAMPLE, d, ignore=shutil.ignore_patterns("reports"))
    ev = old / "evaluation.yaml"
    ev.write_text(ev.read_text(encoding="utf-8").replace("year: 2023", "year: 2022")
                  .replace("2024-03-04", "2023-03-06").replace("2024-03-22", "2023-03-24"), encoding="utf-8")
    csv = old / "raw" / "residents.csv"
    data = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    for col in data.columns:
        if col.startswith(("2.", "7.")):
            data.loc[data.index % 6 == 0, col] = "一般"
        if "答题时间" in col:
            data[col] = data[col].str.replace("2024-", "2023-")
    data.to_csv(csv, index=False, encoding="utf-8-sig")
    return old, new


def analysed(folder, weigh=True):
    from survey.evaluation.folder import folder_run
    from survey.pipeline import analyze

    run = folder_run(folder)
    return analyze(run.tables, **run.analysis_options({}), weigh=weigh)


def test_compare_takes_each_years_scored_basis_by_default(two_years):
    a, b = (analysed(f) for f in two_years)
    scored = headlines(b)[0].scored
    assert scored.weighted  # the example's framework scores the weighted rate
    (c,), notes = compare_analyses(a, b)
    assert c.scored and c.weighted and not notes
    overall = c.table[(c.table["family"] == "measure") & (c.table["level"] == OVERALL_LEVEL)].iloc[0]
    assert overall["estimate_new"] == pytest.approx(scored.estimate, rel=1e-12)
    assert overall["estimate_old"] == pytest.approx(headlines(a)[0].scored.estimate, rel=1e-12)
    (u,), _ = compare_analyses(a, b, weighted=False)  # asked for: unweighted, not called 计分口径
    assert not u.scored and not u.weighted


def test_a_year_that_could_not_be_weighted_is_said(two_years):
    a, b = analysed(two_years[0], weigh=False), analysed(two_years[1])
    (c,), notes = compare_analyses(a, b)
    assert not c.weighted and notes == ["农村居民饮水安全满意度调查：上年未加权（无抽样框或不加权），两年按未加权比较"]


def test_compare_cli_says_the_basis_and_writes_in_the_evaluation_folder(two_years, tmp_path, monkeypatch):
    old, new = two_years
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["compare", str(old), str(new)])
    assert res.exit_code == 0, res.output
    assert "（与2022年比较，计分口径，加权，" in res.output
    scored = headlines(analysed(new))[0].scored
    assert f"2023年为{scored.estimate * 100:.2f}%" in res.output
    assert (new / "reports" / "rw2023-vs-rw2022" / "comparison.xlsx").is_file()
    assert not (tmp_path / "reports").exists()
    res = CliRunner().invoke(main, ["compare", str(old), str(new), "--unweighted", "-o", "u"])
    assert res.exit_code == 0 and "（与2022年比较，未加权，" in res.output and (tmp_path / "u" / "comparison.xlsx").is_file()
