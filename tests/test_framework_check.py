"""`survey framework check` and the rule reference (`survey framework rules`, docs/rules.md)."""

from __future__ import annotations

import copy
import re
import typing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from survey.cli import main
from survey.definitions import reference
from survey.definitions.rules import RULE_TYPES, Rule
from survey.evaluation.framework_check import check_framework
from survey.examples import example_files

ROOT = Path(__file__).resolve().parents[1]
BLANK = yaml.safe_load(example_files("blank")["framework.yaml"])


def write(tmp_path: Path, data: dict, name: str = "fw.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def edited(**changes) -> dict:
    """The blank example's framework with indicator fields changed: {index: {key: value or None (delete)}}."""
    data = copy.deepcopy(BLANK)
    for i, kv in changes.items():
        ind = data["indicators"][int(i.removeprefix("i"))]
        for k, v in kv.items():
            if v is None:
                ind.pop(k, None)
            else:
                ind[k] = v
    return data


def codes(result) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in result.problems]


@pytest.mark.parametrize("path", [ROOT / "raw/2021.framework.yaml", ROOT / "raw/2022.framework.yaml",
                                  ROOT / "survey/examples/nanjing-2021/framework.yaml",
                                  ROOT / "survey/examples/blank/framework.yaml"])
def test_the_shipped_frameworks_have_no_problems(path):
    result = check_framework(path)
    assert result.ok, [str(p) for p in result.problems]
    assert result.framework is not None


def test_weights_not_adding_up_to_100(tmp_path):
    result = check_framework(write(tmp_path, edited(i0={"weight": 7})))   # 5 → 7: 102
    assert ("indicators", "weights_sum") in codes(result)
    assert "add up to 102, expected 100" in str(result.problems[0])
    assert sum(c == "weights_sum" for _, c in codes(result)) == 1   # reported once, not also by the model


def test_a_missing_or_empty_level(tmp_path):
    result = check_framework(write(tmp_path, edited(i1={"level2": None}, i2={"name": "  "}, i3={"criterion": ""})))
    assert ("indicators[1].level2", "missing_level") in codes(result)
    assert ("indicators[2].name", "missing_level") in codes(result)
    assert ("indicators[3].criterion", "missing_text") in codes(result)


def test_an_unknown_or_invalid_parameter(tmp_path):
    data = edited(i3={"rule": {"type": "per_step", "label": "预算执行率", "threshold": 0.9, "step": 0.01,
                               "points": 0.5, "thresold": 0.8}},
                  i9={"rule": {"type": "step_deduction", "threshold": 0.85, "step": 0, "points": 2}},
                  i4={"rule": {"type": "checklist"}},
                  i5={"rule": {"type": "guess"}})
    result = check_framework(write(tmp_path, data))
    found = codes(result)
    assert ("indicators[3].rule.thresold", "unknown_parameter") in found
    thresold = next(p for p in result.problems if p.path == "indicators[3].rule.thresold")
    assert re.fullmatch(r"line \d+: unknown key 'thresold' — did you mean 'threshold'\?", thresold.message)
    assert ("indicators[9].rule.step", "invalid") in found
    assert ("indicators[4].rule.items", "missing_parameter") in found
    assert ("indicators[5].rule", "unknown_parameter") in found
    assert result.framework is None


@pytest.mark.parametrize("index, change, code, words", [
    # the example: the criterion says 每低5个百分点扣2分, the rule deducts 1
    (9, {"rule": {"type": "step_deduction", "threshold": 0.85, "step": 0.05, "points": 1}},
     "criterion_step", "deducts 2 per 5个百分点, the rule 1 per 5个百分点"),
    # ≥85%满分 against a threshold of 0.9
    (9, {"rule": {"type": "step_deduction", "threshold": 0.9, "step": 0.05, "points": 2}, "target": "≥90%"},
     "criterion_threshold", "full marks at 85%, the rule at threshold 90%"),
    (3, {"criterion": "预算执行率≥90%得满分，每低1个百分点扣1分"}, "criterion_step", "deducts 1 per 1个百分点"),
    (3, {"criterion": "预算执行率≥90%得满分，每高1个百分点扣0.5分"}, "criterion_step", "per step above"),
    (3, {"criterion": "预算执行率≥90%得满分，每低1个百分点扣0.5分，不足1个百分点不扣分"}, "criterion_mode", "as floor"),
    (3, {"criterion": "预算执行率≥90%得满分，每低1个百分点扣0.5分，不足1个百分点按1个百分点计"}, "criterion_mode", None),
    (3, {"criterion": "预算执行率≥90%得满分，每低1个百分点扣0.5分（按比例扣分）"}, "criterion_mode", "as linear"),
    (1, {"criterion": "设有绩效目标（3分），目标明确（3分），目标细化（3分），目标量化（2分）"},
     "criterion_points", "add up to 11, the weight is 10"),
    (1, {"criterion": "设有绩效目标（2分），目标明确（3分），目标细化（3分），目标量化（2分）"},
     "criterion_points", "sub-item 1 2分"),
    (8, {"criterion": "发生重大事故每起扣6分，一般事故每起扣2分，扣完为止"}, "criterion_events", "deducts 2, 6 分"),
    (2, {"criterion": "资金到位率达到95%得满分"}, "criterion_threshold", "the rule's target is 100%"),
    (9, {"target": "80%"}, "target_value", "the 指标值 is 80%, the rule's threshold is 85%"),
])
def test_criterion_and_rule_disagree(tmp_path, index, change, code, words):
    result = check_framework(write(tmp_path, edited(**{f"i{index}": change})))
    mine = [p for p in result.problems if p.code == code]
    if words is None:          # the criterion agrees with the rule: no finding at all
        assert not result.problems, [str(p) for p in result.problems]
        return
    assert mine, [str(p) for p in result.problems]
    assert words in mine[0].message


def test_bands_against_their_criterion(tmp_path):
    nanjing = yaml.safe_load((ROOT / "raw/2021.framework.yaml").read_text(encoding="utf-8"))
    ind = next(i for i in nanjing["indicators"] if i["rule"]["type"] == "bands")
    ind["rule"]["bands"][1]["at_most"] = 0.003          # criterion says 不超过0.2%
    found = [str(p) for p in check_framework(write(tmp_path, nanjing)).problems]
    assert any("band at 0.3%" in f for f in found) and any("names 0.2%" in f for f in found)


def test_a_band_no_value_reaches(tmp_path):
    nanjing = yaml.safe_load((ROOT / "raw/2021.framework.yaml").read_text(encoding="utf-8"))
    i, ind = next((i, x) for i, x in enumerate(nanjing["indicators"]) if x["rule"]["type"] == "bands")
    ind["rule"]["bands"] = [{"at_most": 0.002, "score": 8}, {"below": 0.001, "score": 10}]  # the order swapped
    found = codes(check_framework(write(tmp_path, nanjing)))
    assert (f"indicators[{i}].rule.bands[1]", "invalid") in found


def test_every_problem_at_once(tmp_path):
    data = edited(i0={"weight": 6, "level1": None}, i9={"rule": {"type": "step_deduction", "threshold": 0.85,
                                                                  "step": 0.05, "points": 1, "mod": "ceil"}})
    found = {c for _, c in codes(check_framework(write(tmp_path, data)))}
    assert {"weights_sum", "missing_level", "unknown_parameter"} <= found


def test_unreadable_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("indicators: [\n", encoding="utf-8")
    assert codes(check_framework(p)) == [("(file)", "unreadable")]
    assert codes(check_framework(tmp_path / "none.yaml")) == [("(file)", "unreadable")]


def test_cli_framework_check(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["framework", "check", str(ROOT / "raw/2021.framework.yaml")])
    assert ok.exit_code == 0 and "19 indicators, 100 points" in ok.output
    bad = write(tmp_path, edited(i0={"weight": 7}))
    res = runner.invoke(main, ["framework", "check", str(bad)])
    assert res.exit_code == 1
    assert "weights_sum" in res.output and "Traceback" not in res.output
    # an evaluation folder: the framework its evaluation.yaml names
    assert runner.invoke(main, ["init", str(tmp_path / "ev")]).exit_code == 0
    res = runner.invoke(main, ["framework", "check", str(tmp_path / "ev")])
    assert res.exit_code == 0 and "framework.yaml: ok" in res.output


def test_a_weight_written_as_text_counts(tmp_path):
    data = edited(i0={"weight": "5"})
    assert check_framework(write(tmp_path, data)).ok


# -- the rule reference ----------------------------------------------------------

def test_every_rule_and_parameter_is_in_the_reference():
    text = reference.rule_reference()
    models = reference.rule_models()
    assert set(models) == set(RULE_TYPES)
    assert reference.undocumented() == []
    for rtype, model in models.items():
        section = text.split(f"## `{rtype}`", 1)[1].split("\n## ", 1)[0]
        for name in model.model_fields:
            if name != "type":
                assert f"| `{name}` |" in section, (rtype, name)
        assert "(undocumented)" not in section


def test_the_reference_notices_a_parameter_it_does_not_describe(monkeypatch):
    params = dict(reference.PARAMETERS)
    del params[("per_step", "better")]
    monkeypatch.setattr(reference, "PARAMETERS", params)
    assert reference.undocumented() == ["per_step.better"]
    assert "| `better` | default `higher` | (undocumented)" in reference.rule_reference()


def test_the_reference_examples_are_valid_rules():
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Rule)
    for rtype, (_, _, example) in reference.RULES.items():
        parsed = adapter.validate_python(yaml.safe_load(example))
        assert parsed.type == rtype


def test_docs_rules_md_is_the_generated_reference():
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert docs == reference.rule_reference(), "regenerate it: survey framework rules > docs/rules.md"
    res = CliRunner().invoke(main, ["framework", "rules"])
    assert res.exit_code == 0 and res.output == docs


def test_rule_union_and_rule_types_agree():
    union = typing.get_args(Rule)[0]
    assert len(typing.get_args(union)) == len(RULE_TYPES)


def test_the_framework_and_indicator_keys_are_in_the_reference():
    from survey.evaluation.score import Framework, Indicator

    assert set(reference.FRAMEWORK_KEYS) == set(Framework.model_fields) - {"file"}
    assert set(reference.INDICATOR_KEYS) == set(Indicator.model_fields)


def test_fact_rows_list_what_each_rule_reads():
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Rule)
    for rtype, (_, _, example) in reference.RULES.items():
        rule = adapter.validate_python(yaml.safe_load(example))
        rows = reference.fact_rows(rule)
        assert rows and all(r.holds and r.example for r in rows), rtype
        reads = rule.reads()
        if rtype == "qualitative":
            assert rows[0].item in reads
        elif reads is not None:
            assert [r.item for r in rows] == list(reads), rtype
