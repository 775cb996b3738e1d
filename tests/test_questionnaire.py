"""Loading questionnaire definitions: the shipped ones, and broken files."""

from __future__ import annotations

import re

import pydantic
import pytest

from survey.definitions.questionnaire import check, load, load_dir
from survey.errors import DefinitionError

from .conftest import QDIR

MINIMAL = """
id: demo
title: 演示问卷
source: {sheets: [演示], format: wjx_text}
metadata: {respondent: 序号}
scales:
  sat:
    options: [非常满意, 满意, 一般, 不满意, 非常不满意]
    satisfied: [非常满意, 满意]
    scores: {非常满意: 100, 满意: 80, 一般: 60, 不满意: 40, 非常不满意: 20}
dimensions: [{name: 服务}]
items:
  - {id: q1, number: 1, text: 服务态度, type: single, scale: sat, dimension: 服务}
  - {id: overall, number: 2, text: 总体满意度, type: single, scale: sat}
measures:
  - {id: overall, label: 总体满意率, type: top_box, item: overall, indicator: 满意度}
"""


def write(tmp_path, text, name="q.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_questionnaires_load():
    qs = {q.id: q for q in load_dir(QDIR)}
    assert set(qs) == {"staff", "offender"}
    staff = qs["staff"]
    assert [d.name for d in staff.dimensions] == ["幸福感", "安全感"]
    assert len(staff.scored_items) >= 10
    assert {staff.item(i).dimension for i in staff.scored_items} == {"幸福感", "安全感"}
    assert staff.options("overall")[:2] == ("非常满意", "满意")
    assert [m.indicator for m in staff.measures if m.indicator] == ["社区矫正工作人员满意度"]
    off = qs["offender"]
    assert len(off.scored_items) >= 8
    assert [m.indicator for m in off.measures if m.indicator] == ["社区矫正对象满意度"]
    assert off.scale_of("e_counsel").not_applicable == ("未接触",)


def test_models_are_frozen(tmp_path):
    q = load(write(tmp_path, MINIMAL))
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        q.title = "x"
    assert q.file.endswith("q.yaml")


@pytest.mark.parametrize(
    "old, new, path, words",
    [
        ("satisfied: [非常满意, 满意]", "satisfied: [很满意, 满意]", "scales.sat.satisfied", "unknown option '很满意'"),
        ("scale: sat, dimension: 服务}", "scale: sad, dimension: 服务}", "items[0].scale", "unknown scale 'sad'"),
        ("dimension: 服务}", "dimension: 环境}", "items[0].dimension", "unknown dimension '环境'"),
        ("item: overall, indicator", "item: q9, indicator", "measures[0].item", "unknown item 'q9'"),
        ("type: single, scale: sat, dimension", "type: singel, scale: sat, dimension", "items[0].type", "Input should be"),
        ("title: 演示问卷", "title: 演示问卷\ntitel: x", "titel", "unknown key"),
        ("一般: 60, 不满意", "一般: 60, 差: 1, 不满意", "scales.sat.scores", "unknown option '差'"),
        ("{id: q1,", "{id: overall,", "items[1].id", "used twice"),
    ],
)
def test_broken_definitions_name_the_path(tmp_path, old, new, path, words):
    assert old in MINIMAL
    p = write(tmp_path, MINIMAL.replace(old, new, 1))
    q, problems = check(p)
    assert q is None
    assert any(re.sub(r"^line \d+, ", "", pr).startswith(path) and words in pr for pr in problems), problems
    with pytest.raises(DefinitionError) as err:
        load(p)
    assert str(p) in str(err.value)


def test_a_misspelled_key_gets_its_line_and_the_key_meant(tmp_path):
    text = MINIMAL.replace("title: 演示问卷", "titel: 演示问卷").replace(
        "  - {id: q1, number: 1,", "  - {id: q1, nmuber: 1,")
    text += "weighting:\n  populaton: 人数\n"
    _, problems = check(write(tmp_path, text))
    assert "line 3, titel: unknown key 'titel' — did you mean 'title'?" in problems
    assert "line 13, items[0].nmuber: unknown key 'nmuber' — did you mean 'number'?" in problems
    assert "line 18, weighting.populaton: unknown key 'populaton' — did you mean 'population'?" in problems
    with pytest.raises(DefinitionError) as err:
        load(write(tmp_path, MINIMAL.replace("source:", "sauce:"), "s.yaml"))
    assert "s.yaml: line 4, sauce: unknown key 'sauce' — did you mean 'source'?" in str(err.value)
    _, problems = check(write(tmp_path, MINIMAL + "zzz: 1\n", "z.yaml"))
    assert any("unknown key 'zzz'; allowed here: id, version, title" in p for p in problems)


def test_screening_option_must_exist(tmp_path):
    text = MINIMAL + "screening:\n  - {item: q1, exclude: [不相关], reason: x}\n"
    _, problems = check(write(tmp_path, text))
    assert problems == [
        "line 18, screening[0].exclude: unknown option '不相关' of item 'q1'; "
        "options are 非常满意, 满意, 一般, 不满意, 非常不满意"]


def test_every_problem_is_reported(tmp_path):
    text = MINIMAL.replace("satisfied: [非常满意, 满意]", "satisfied: [很满意]").replace("scale: sat, dim", "scale: x, dim")
    _, problems = check(write(tmp_path, text))
    assert len(problems) >= 2
    with pytest.raises(DefinitionError, match=r"and \d+ more problem"):
        load(write(tmp_path, text))


def test_yaml_syntax_error_names_the_line(tmp_path):
    p = write(tmp_path, "id: x\ntitle: [unclosed\n")
    with pytest.raises(DefinitionError, match=r"line \d+, column \d+: invalid YAML"):
        load(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DefinitionError, match="not found"):
        load(tmp_path / "nope.yaml")
    with pytest.raises(DefinitionError, match="folder not found"):
        load_dir(tmp_path / "nope")
    with pytest.raises(DefinitionError, match="no questionnaire definitions"):
        load_dir(tmp_path)


def test_measure_items_scored_and_dimension():
    staff = load(QDIR / "staff.yaml")
    m = {m.id: m for m in staff.measures}
    assert staff.measure_items(m["overall"]) == ("overall",)
    assert "overall" not in staff.measure_items(m["item_mean"])
    assert staff.measure_items(m["item_mean"]) == staff.scored_items
    assert staff.dimension_items("安全感")[0] == "s_personal"


def test_an_unknown_item_gets_its_line_and_the_item_meant(tmp_path):
    # a cross-reference pydantic cannot see (found by a new-user trial: 'overal' named no line, no fix)
    _, problems = check(write(tmp_path, MINIMAL.replace("item: overall,", "item: overal,")))
    assert problems == ["line 16, measures[0].item: unknown item 'overal' — did you mean 'overall'?"]
    _, problems = check(write(tmp_path, MINIMAL.replace("item: overall,", "item: zz9,"), "z.yaml"))
    assert problems == ["line 16, measures[0].item: unknown item 'zz9'; items are q1, overall"]
