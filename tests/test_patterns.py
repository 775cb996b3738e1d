"""A questionnaire's own regular expression (test_submissions.text_pattern) cannot hang the analysis.

Python's re backtracks without a time limit: re.search(r"(a+)+$", "a" * 24 + "!") took 4.3 s here
and doubles with each character. Such a pattern is refused when the questionnaire is loaded;
what that check cannot see stops at a time limit with an error naming the answer.
"""

from __future__ import annotations

import time

import pytest
import yaml

from survey.definitions import patterns
from survey.definitions.patterns import pattern_problem
from survey.definitions.questionnaire import check, load
from survey.errors import DefinitionError
from survey.evaluation.clean import clean
from survey.inputs.read import table_from_rows
from survey.inputs.tidy import tidy

from .conftest import QDIR
from .test_clean import answer, header

SHIPPED = r"(?i)^\s*(测试|test).{0,10}$"  # the examples' pattern


@pytest.mark.parametrize("pattern", [SHIPPED, r"(?:ab)+(cd)*", r"[(+]+x", r"\(a+\)+", r"(a){3}", r"(?P<x>a)b+",
                                     r"^(测试|test)$", r"(?<=a)b+?", r"x{,3}"])
def test_ordinary_patterns_pass(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a*)*", r"(\w+\s?)*$", r"(a|ab)*c", r"((a)+)+", r"(?:a+)+",
                                     r"(a+){2,}", r"(a?)+", r"((a|aa)b?)+"])
def test_repeated_groups_that_repeat_or_branch_are_refused(pattern):
    assert "catastrophic backtracking" in pattern_problem(pattern)


def hostile(tmp_path, pattern):
    data = yaml.safe_load((QDIR / "staff.yaml").read_text(encoding="utf-8"))
    data["cleaning"]["test_submissions"]["text_pattern"] = pattern
    path = tmp_path / "staff.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_hostile_pattern_is_a_one_line_load_error_naming_file_line_pattern_and_fix(tmp_path):
    path = hostile(tmp_path, r"(a+)+$")
    with pytest.raises(DefinitionError) as e:
        load(path)
    msg = str(e.value)
    assert str(path) in msg and "line " in msg and "cleaning.test_submissions.text_pattern" in msg
    assert "'(a+)+$'" in msg and "a+" in msg.split("Write it")[1] and "\n" not in msg
    _, problems = check(path)  # survey questionnaire check says the same
    assert any("(a+)+$" in p for p in problems)


def test_a_pattern_that_is_not_a_regular_expression_is_a_load_error(tmp_path):
    with pytest.raises(DefinitionError, match="not a regular expression"):
        load(hostile(tmp_path, "(测试"))


def test_a_slow_pattern_the_check_lets_through_stops_at_the_time_limit(tmp_path, monkeypatch):
    # cubic in the text's length: about 2e11 steps on this answer with re, minutes to hours
    q = load(hostile(tmp_path, r"[\s\S]*?测[\s\S]*?试[\s\S]*?x"))
    monkeypatch.setattr(patterns, "PATTERN_SECONDS", 0.05)
    rows = [answer(1, "2021/11/03 09:00:00", 200, "1.1.1.1", text="测试" * 3000)]
    started = time.perf_counter()
    with pytest.raises(DefinitionError) as e:
        clean(tidy(table_from_rows([header(), *rows], file="t.xlsx", sheet="工作人员问卷"), q))
    assert time.perf_counter() - started < 30
    msg = str(e.value)
    assert "took over 0.05 s" in msg and "row 2" in msg and "7、" in msg and "simplify the pattern" in msg


def test_the_shipped_pattern_still_marks_a_test_answer():
    rows = [answer(1, "2021/11/03 09:00:00", 200, "1.1.1.1", text="测试"),
            answer(2, "2021/11/03 10:00:00", 200, "2.2.2.2", text="a" * 5000 + "!")]
    c = clean(tidy(table_from_rows([header(), *rows], file="t.xlsx", sheet="工作人员问卷"), load(QDIR / "staff.yaml")))
    flagged = c.audit[c.audit["rule"] == "test_submission"]
    assert list(flagged["row"]) == [2]


def test_a_replicate_weights_pattern_that_backtracks_is_refused():
    from survey.errors import EstimationError
    from survey.stats.replicate import repweight_columns

    columns = ["id", "w", *(f"b{i}" for i in range(1, 4)), "b" * 40]
    assert repweight_columns(columns, ["b[0-9]+"]) == ["b1", "b2", "b3"]
    with pytest.raises(EstimationError, match="catastrophic backtracking"):
        repweight_columns(columns, ["(b+)+[0-9]"])
