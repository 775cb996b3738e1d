"""A unit of the breakdown the frame does not list is said, never weighted or compared as if it were there.

Found by a new user (a county fund with 乡镇 units): a 乡镇 listed in the questionnaire but missing
from the frame (a typo, renamed, merged) gave no word, and the coverage check went on without it.

- Weighted, with respondents there: an error naming the unit, the frame file and the fix, as R's
  ``survey::postStratify`` stops (R 4.2.2, survey 4.1.1:
  ``postStratify(svydesign(ids=~1, data=data.frame(town=c("A","A","B","C"), y=c(1,0,1,1))), ~town,
  data.frame(town=c("A","B"), Freq=c(100, 50)))`` → "Strata in sample absent from population.
  This Can't Happen").
- Unweighted (--no-weights) with respondents there: a warning, and no coverage test against that frame.
- No respondents there: a warning (the frame total and the coverage test leave it out); weights unchanged.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.errors import WeightingError

from .conftest import ROOT

EXAMPLE = ROOT / "survey" / "examples" / "rural-water-2023"


def folder(tmp_path, *, drop: str | None = None, extra_option: str | None = None):
    f = tmp_path / "rw"
    shutil.copytree(EXAMPLE, f, ignore=shutil.ignore_patterns("reports"))
    frame = f / "raw" / "frame.csv"
    if drop:
        frame.write_text("".join(line for line in frame.read_text(encoding="utf-8-sig").splitlines(keepends=True)
                                 if not line.startswith(drop)), encoding="utf-8")
    if extra_option:
        qf = f / "questionnaires" / "residents.yaml"
        text = qf.read_text(encoding="utf-8")
        assert "白沙镇, 东岭乡]" in text
        qf.write_text(text.replace("白沙镇, 东岭乡]", f"白沙镇, 东岭乡, {extra_option}]"), encoding="utf-8")
    return f


def analysed(f, weigh=True):
    from survey.evaluation.folder import folder_run
    from survey.pipeline import analyze

    run = folder_run(f)
    return analyze(run.tables, **run.analysis_options({}), weigh=weigh)


def test_weighting_with_respondents_in_a_unit_the_frame_misses_is_an_error_naming_it(tmp_path):
    f = folder(tmp_path, drop="东岭乡")
    with pytest.raises(WeightingError) as e:
        analysed(f)
    msg = str(e.value)
    assert "the frame lists no 乡镇 '东岭乡'" in msg and "frame.csv" in msg and "residents.csv" in msg
    assert "add a row '东岭乡' with its 常住户数" in msg and "renamed or merged 乡镇" in msg
    res = CliRunner().invoke(main, ["analyze", str(f), "-o", str(tmp_path / "out")])
    assert res.exit_code != 0 and res.output.count("东岭乡") >= 2 and "Traceback" not in res.output


def test_unweighted_with_respondents_in_a_unit_the_frame_misses_warns_and_tests_no_coverage(tmp_path):
    result = analysed(folder(tmp_path, drop="东岭乡"), weigh=False)
    (warning,) = [n for n in result.notes if "东岭乡" in n]
    assert "抽样框" in warning and "frame.csv" in warning and "未按抽样框检验样本代表性" in warning
    assert "请在抽样框中补充或改正该行（常住户数）" in warning
    assert result.surveys[0].validity.coverage is None  # not compared as if the frame were complete


def test_a_listed_unit_without_respondents_the_frame_misses_is_a_warning_and_weights_are_unchanged(tmp_path):
    plain = analysed(folder(tmp_path / "a"))
    assert not [n for n in plain.notes if "抽样框" in n]
    result = analysed(folder(tmp_path / "b", extra_option="西山乡"))
    (warning,) = [n for n in result.notes if "西山乡" in n]
    assert "无受访者" in warning and "抽样框总数与样本代表性检验均不含该乡镇" in warning
    assert (result.surveys[0].weights.weights.to_numpy() == plain.surveys[0].weights.weights.to_numpy()).all()
    res = CliRunner().invoke(main, ["analyze", str(tmp_path / "b" / "rw"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0 and res.output.count("warning: 农村居民饮水安全满意度调查：抽样框") == 1
