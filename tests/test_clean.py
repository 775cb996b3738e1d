"""Valid-questionnaire rules on small hand-made exports (问卷星 按文本 layout)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from survey.definitions.questionnaire import load
from survey.evaluation.clean import clean
from survey.inputs.read import table_from_rows
from survey.inputs.tidy import tidy

from .conftest import QDIR

STAFF = load(QDIR / "staff.yaml")
META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def header():
    return META + [f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}"
                   for it in STAFF.items]


def answer(n, when, secs, ip, matrix=None, overall="满意", text="(空)", district="江宁区", role="司法所工作人员"):
    matrix = matrix or ["满意", "非常满意", "一般", "满意", "非常满意", "满意"] * 2
    return [n, when, f"{secs}秒", "微信", "直接访问", f"{ip}(江苏-南京)", district, role, "1至3年", *matrix, overall, text]


def run(rows):
    return clean(tidy(table_from_rows([header(), *rows], file="t.xlsx", sheet="工作人员问卷"), STAFF))


def by_rule(cleaned, action="exclude"):
    a = cleaned.audit[cleaned.audit["action"] == action]
    return {rule: sorted(g["row"]) for rule, g in a.groupby("rule")}


def test_duplicates_are_later_copies_within_the_window_and_name_the_previous_copy():
    rows = [
        answer(1, "2021/11/05 09:00:00", 200, "1.2.3.4"),
        answer(2, "2021/11/05 15:00:00", 200, "1.2.3.4"),  # same answers, 6 h later: kept
        answer(3, "2021/11/05 15:05:00", 200, "1.2.3.4"),  # 5 min after row 3: a duplicate of it
        answer(4, "2021/11/05 15:06:00", 200, "5.6.7.8"),  # other IP: kept
    ]
    c = run(rows)
    assert by_rule(c) == {"duplicate": [4]}
    msg = c.audit.loc[c.audit["rule"] == "duplicate", "message"].iloc[0]
    assert msg.startswith("与第3行答案相同")
    assert by_rule(c, "flag")["same_ip"] == [2, 3]


def test_too_fast_is_excluded_only_when_straight_lined():
    rows = [answer(i, f"2021/11/05 10:{i:02d}:00", 200, f"10.0.0.{i}") for i in range(1, 9)]
    rows.append(answer(9, "2021/11/05 11:00:00", 20, "10.0.1.9", matrix=["非常满意"] * 12))  # fast + lined
    rows.append(answer(10, "2021/11/05 11:01:00", 20, "10.0.1.10"))  # fast, varied
    rows.append(answer(11, "2021/11/05 11:02:00", 300, "10.0.1.11", matrix=["非常满意"] * 12))  # lined, normal
    c = run(rows)
    assert by_rule(c) == {"too_fast": [10]}
    assert by_rule(c, "flag") == {"straightlining": [12], "too_fast": [11]}


def test_test_submissions_before_fieldwork_are_excluded_during_fieldwork_only_flagged():
    rows = [
        answer(1, "2021/10/30 09:00:00", 200, "1.1.1.1", text="测试"),
        answer(2, "2021/11/03 09:00:00", 200, "2.2.2.2", text="测试环节太多，希望简化"),
        answer(3, "2021/11/03 10:00:00", 200, "3.3.3.3"),
    ]
    c = run(rows)
    assert by_rule(c) == {"test_submission": [2]}
    flagged = c.audit[(c.audit["rule"] == "test_submission") & (c.audit["action"] == "flag")]
    assert list(flagged["row"]) == [3] and flagged["column"].iloc[0].startswith("7、")
    assert c.n_valid == 2


def test_out_of_scope_and_incomplete_in_rule_order():
    rows = [
        answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1", role="其他人员（非社区矫正工作人员）", overall="(跳过)"),
        answer(2, "2021/11/05 09:10:00", 200, "2.2.2.2", overall="(跳过)"),
        answer(3, "2021/11/05 09:20:00", 200, "3.3.3.3", overall="很满意"),
    ]
    c = run(rows)
    # row 2 is out of scope first (attributed once), rows 3 and 4 incomplete
    assert by_rule(c) == {"incomplete": [3, 4], "out_of_scope": [2]}
    assert by_rule(c, "flag") == {"unknown_option": [4]}
    assert c.summary() == ("本次调查共发放问卷550份，回收3份（回收率0.55%），其中有效问卷0份（有效率0.00%，按回收问卷计）；"
                           "剔除非调查对象1份、必答题缺失2份。")


def test_numbers_in_a_text_export_are_findings_not_positions():
    rows = [answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1", overall=5)]  # a 按分数 export: 5 = 非常满意?
    c = run(rows)
    assert by_rule(c) == {"incomplete": [2]}
    assert by_rule(c, "flag") == {"unknown_option": [2]}


def test_a_question_matched_by_number_only_is_in_the_audit():
    cols = header()
    cols[cols.index(next(c for c in cols if c.startswith("6、")))] = "6、您对工作环境是否满意？"
    raw = table_from_rows([cols, answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1")], file="t.xlsx", sheet="s")
    c = clean(tidy(raw, STAFF))
    hit = c.audit[c.audit["rule"] == "matched_by_number"]
    assert list(hit["column"]) == ["6、您对工作环境是否满意？"] and list(hit["row"]) == [1]


@pytest.mark.parametrize("cell, message", [("-5秒", "答题时长为负数"), ("abc", "无法识别的答题时长")])
def test_unreadable_durations_are_flagged(cell, message):
    row = answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1")
    row[2] = cell
    c = run([row])
    f = c.audit[c.audit["rule"] == "unreadable_value"]
    assert message in f["message"].iloc[0] and f["column"].iloc[0] == "所用时间"


# ----------------------------------------------------------------- attention items and logic conflicts

def staff_with_checks(tmp_path):
    """staff.yaml plus an attention item (8), a multiple item with an exclusive option (9) and a conflict."""
    import yaml

    data = yaml.safe_load((QDIR / "staff.yaml").read_text(encoding="utf-8"))
    data["items"] += [
        {"id": "check", "number": 8, "text": "本题为注意力检测题，请选择“满意”", "type": "single", "scale": "satisfaction5"},
        {"id": "training", "number": 9, "text": "您参加过哪些培训", "type": "multiple",
         "options": ["法律业务", "心理矫治", "以上都没有"]},
    ]
    data["cleaning"]["attention"] = [{"item": "check", "answer": "满意"}]
    data["cleaning"]["logic"] = {
        "exclusive": {"training": ["以上都没有"]},
        "conflicts": [{"when": {"item": "tenure", "answers": ["不满1年"]},
                       "then": {"item": "h_career", "answers": ["非常不满意"]},
                       "reason": "测试用冲突：不满1年却评价晋升空间非常不满意"}],
    }
    path = tmp_path / "staff_checks.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load(path)


def test_attention_and_logic_conflicts_are_excluded_in_order(tmp_path):
    q = staff_with_checks(tmp_path)
    head = [*header()[:-1], "7、您对做好社区矫正工作有什么意见和建议？", "8、本题为注意力检测题，请选择“满意”",
            "9、您参加过哪些培训"]
    head = [h for h in head if not h.startswith("8、") or "注意力" in h]

    def row(n, check="满意", training="法律业务┋心理矫治", tenure="1至3年", career="满意"):
        r = answer(n, f"2021/11/05 10:{n:02d}:00", 200, f"10.0.0.{n}")
        r[8] = tenure
        r[12] = career  # h_career is the fourth matrix row
        return [*r, check, training]

    rows = [row(1), row(2, check="非常满意"), row(3, training="以上都没有┋法律业务"), row(4, training="以上都没有"),
            row(5, tenure="不满1年", career="非常不满意"), row(6, tenure="不满1年"),
            row(7, check="非常满意", training="以上都没有┋心理矫治")]  # fails both: attention comes first
    c = clean(tidy(table_from_rows([head, *rows], file="t.xlsx", sheet="工作人员问卷"), q))
    assert by_rule(c) == {"attention": [3, 8], "logic": [4, 6]}
    a = c.audit.set_index("row")
    assert a.at[3, "value"] == "非常满意" and "满意" in a.at[3, "message"]
    assert a.at[4, "message"] == "“以上都没有”与其他选项同时选择"
    assert a.at[6, "value"] == "非常不满意" and a.at[6, "message"].startswith("测试用冲突")
    assert "注意力题未通过2份、逻辑矛盾2份" in c.summary()


def test_checks_naming_unknown_items_or_options_are_definition_errors(tmp_path):
    import yaml

    from survey.errors import DefinitionError

    data = yaml.safe_load((QDIR / "staff.yaml").read_text(encoding="utf-8"))
    data["cleaning"]["attention"] = [{"item": "overall", "answer": "很满意"}]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"cleaning.attention\[0\].*unknown option '很满意'"):
        load(path)


def test_reporting_sentence_with_issued_counts():
    from dataclasses import replace

    rows = [answer(i, f"2021/11/05 10:{i:02d}:00", 200, f"10.0.0.{i}") for i in range(1, 5)]
    c = run(rows)
    assert c.issued == 550  # staff.yaml: fieldwork.issued
    assert c.summary().startswith("本次调查共发放问卷550份，回收4份（回收率0.73%），其中有效问卷4份（有效率100.00%")
    assert replace(c, issued=5).summary().startswith("本次调查共发放问卷5份，回收4份（回收率80.00%）")
    # more returned than issued: the issued count is wrong for this export — say so, no rate above 100%
    text = replace(c, issued=3).summary()
    assert text.startswith("本次调查共回收问卷4份") and "回收数多于设定的发放数3份" in text


def test_rules_that_cannot_run_are_said_not_skipped_silently():
    # An export without 所用时间 and 来自IP: too-fast, duplicate and same-IP rules cannot run.
    keep = [0, 1, 3, 4]  # 序号, 提交答卷时间, 来源, 来源详情
    head = [h for j, h in enumerate(header()) if j >= len(META) or j in keep]
    rows = [[v for j, v in enumerate(answer(i, f"2021/11/05 10:{i:02d}:00", 200, "1.2.3.4"))
             if j >= len(META) or j in keep] for i in range(1, 4)]
    c = clean(tidy(table_from_rows([head, *rows], file="t.xlsx", sheet="工作人员问卷"), STAFF))
    assert c.n_valid == 3
    assert c.notes == ("答题过快规则未执行：导出数据中没有答题时长列", "重复提交规则未执行：导出数据中没有提交时间和IP列",
                       "同一IP多份规则未执行：导出数据中没有IP列")
    assert run([answer(1, "2021/11/05 10:00:00", 200, "1.2.3.4")]).notes == ()



def test_expected_rules_left_unset_are_said_in_one_note():
    # A questionnaire without cleaning: (the blank example before it had one) must not skip
    # 测试问卷 / 重复提交 / 答题过快 / 同一IP多份 silently: one sentence names them.
    bare = STAFF.model_copy(update={"cleaning": type(STAFF.cleaning)()})
    rows = [answer(i, f"2021/11/05 10:{i:02d}:00", 5, "1.2.3.4") for i in range(1, 4)]
    c = clean(tidy(table_from_rows([header(), *rows], file="t.xlsx", sheet="工作人员问卷"), bare))
    assert c.n_valid == 3  # 5 seconds each, same IP: nothing runs, and it is said
    assert c.notes == ("未启用测试问卷、重复提交、答题过快、同一IP多份检查（问卷定义未设置）",)
    # one rule set: only the others are named
    part = bare.model_copy(update={"cleaning": type(STAFF.cleaning)(too_fast=STAFF.cleaning.too_fast)})
    assert C.rules_not_run(part, c.valid.data) == ("未启用测试问卷、重复提交、同一IP多份检查（问卷定义未设置）",)
    # an interview has no duration or IP: only the test-submission check is expected
    interview = bare.model_copy(update={"mode": "interview"})
    assert C.rules_not_run(interview, c.valid.data) == ("未启用测试问卷检查（问卷定义未设置）",)
    assert run([answer(1, "2021/11/05 10:00:00", 200, "1.2.3.4")]).notes == ()  # staff.yaml sets all four


# -- the rules one by one: each takes (responses, rows still kept, questionnaire), returns findings --

from survey.evaluation import clean as C  # noqa: E402


def tidy_rows(rows, q=STAFF):
    return tidy(table_from_rows([header(), *rows], file="t.xlsx", sheet="工作人员问卷"), q)


def with_cleaning(q=STAFF, **settings):
    return q.model_copy(update={"cleaning": q.cleaning.model_copy(update=settings)})


def all_kept(r):
    return pd.Series(True, index=r.data.index)


def rows_of(found, action=None):
    return sorted(found["row"]) if action is None else sorted(found.loc[found["action"] == action, "row"])


def test_the_rules_apply_in_the_documented_order():
    names = [rule.__name__ for rule in C.RULES]
    assert names[:len(C.RULE_ORDER)] == list(C.RULE_ORDER)
    assert names[len(C.RULE_ORDER):] == ["straightlining", "same_ip", "tidy_findings"]
    for rule in C.RULES:  # the module docstring lists them in that order
        assert rule.__doc__, rule.__name__


def test_every_rule_returns_the_finding_columns_even_when_it_finds_nothing():
    r = tidy_rows([answer(1, "2021/11/05 10:00:00", 200, "10.0.0.1")])
    for rule in C.RULES:
        found = rule(r, all_kept(r), STAFF)
        assert list(found.columns) == list(C.FINDING_COLUMNS), rule.__name__
        assert found.empty or set(found["action"]) <= {"exclude", "flag"}


def test_rule_test_submission_alone():
    r = tidy_rows([answer(1, "2021/10/30 09:00:00", 200, "1.1.1.1"),
                   answer(2, "2021/11/03 09:00:00", 200, "2.2.2.2")])
    found = C.test_submission(r, all_kept(r), STAFF)
    assert rows_of(found, "exclude") == [2] and found["message"].iloc[0].startswith("提交时间早于调查开始")


def test_rule_out_of_scope_alone():
    r = tidy_rows([answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1", role="其他人员（非社区矫正工作人员）"),
                   answer(2, "2021/11/05 09:10:00", 200, "2.2.2.2")])
    found = C.out_of_scope(r, all_kept(r), STAFF)
    assert rows_of(found, "exclude") == [2] and found["value"].iloc[0] == "其他人员（非社区矫正工作人员）"


def test_rule_incomplete_alone_and_only_on_kept_rows():
    r = tidy_rows([answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1", overall="(跳过)"),
                   answer(2, "2021/11/05 09:10:00", 200, "2.2.2.2", overall="(跳过)"),
                   answer(3, "2021/11/05 09:20:00", 200, "3.3.3.3")])
    assert rows_of(C.incomplete(r, all_kept(r), STAFF)) == [2, 3]
    kept = all_kept(r)
    kept[2] = False  # excluded by an earlier rule: attributed there, not here
    found = C.incomplete(r, kept, STAFF)
    assert rows_of(found) == [3] and found["message"].iloc[0] == "必答题未作答或无法识别：overall"


def test_rule_duplicate_alone():
    r = tidy_rows([answer(1, "2021/11/05 15:00:00", 200, "1.2.3.4"),
                   answer(2, "2021/11/05 15:05:00", 200, "1.2.3.4")])
    found = C.duplicate(r, all_kept(r), STAFF)
    assert rows_of(found, "exclude") == [3] and found["message"].iloc[0].startswith("与第2行答案相同")


def fast_rows():
    rows = [answer(i, f"2021/11/05 10:{i:02d}:00", 200, f"10.0.0.{i}") for i in range(1, 5)]
    rows.append(answer(5, "2021/11/05 11:00:00", 20, "10.0.1.5", matrix=["非常满意"] * 12))  # fast + lined
    rows.append(answer(6, "2021/11/05 11:01:00", 20, "10.0.1.6"))                            # fast, varied
    return tidy_rows(rows)


@pytest.mark.parametrize("action, excluded, flagged", [
    ("exclude_if_straightlined", [6], [7]),
    ("exclude", [6, 7], []),
    ("flag", [], [6, 7]),
])
def test_rule_too_fast_alone_under_each_action(action, excluded, flagged):
    from survey.definitions.questionnaire import TooFast

    r = fast_rows()
    found = C.too_fast(r, all_kept(r), with_cleaning(too_fast=TooFast(action=action)))
    assert rows_of(found, "exclude") == excluded and rows_of(found, "flag") == flagged


def test_too_fast_under_flag_does_not_claim_the_answers_differ():
    """Under ``action: flag`` a fast response is kept whatever its answers: the note said
    “答案有差异，保留” even for the straight-lined one (row 6), which was false."""
    from survey.definitions.questionnaire import TooFast

    r = fast_rows()
    c = clean(replace(r, questionnaire=with_cleaning(too_fast=TooFast(action="flag"))))
    notes = c.audit[c.audit["rule"] == "too_fast"].set_index("row")["message"]
    assert list(notes.index) == [6, 7]
    assert all("答案有差异" not in m and "只标记不剔除" in m for m in notes)
    assert c.n_valid == 6


def test_too_fast_keeps_saying_why_a_fast_response_is_kept():
    from survey.definitions.questionnaire import TooFast

    r = fast_rows()
    found = C.too_fast(r, all_kept(r), with_cleaning(too_fast=TooFast(action="exclude_if_straightlined")))
    assert found.loc[found["action"] == "flag", "message"].iloc[0].endswith("答案有差异，保留")
    # too few scale items answered to judge straight-lining: not "the answers differ"
    few = tidy_rows([answer(i, f"2021/11/05 10:{i:02d}:00", 200 if i < 5 else 20, f"10.0.0.{i}",
                            matrix=None if i < 5 else ["满意"] * 3 + ["(跳过)"] * 9) for i in range(1, 6)])
    flag = C.too_fast(few, all_kept(few), STAFF)
    assert list(flag["message"]) == ["答题用时低于60秒，作答的量表题少于8道，未判定为答案无差异，保留"]


def test_too_fast_actions_are_exactly_the_models():
    import typing

    from survey.definitions.questionnaire import TooFast

    # every action the model allows has an explicit branch (no silent default)
    allowed = set(typing.get_args(TooFast.model_fields["action"].annotation))
    assert allowed == {"exclude", "flag", "exclude_if_straightlined"}
    with pytest.raises(Exception, match="action"):
        TooFast(action="drop")


def test_rule_straightlining_and_same_ip_alone():
    from survey.definitions.questionnaire import SameIP, Straightlining

    r = tidy_rows([answer(1, "2021/11/05 10:00:00", 200, "1.1.1.1", matrix=["满意"] * 12),
                   answer(2, "2021/11/05 12:00:00", 200, "1.1.1.1")])
    q = with_cleaning(straightlining=Straightlining(), same_ip=SameIP())
    lined = C.straightlining(r, all_kept(r), q)
    assert rows_of(lined, "flag") == [2] and lined["message"].iloc[0] == "12道量表题答案均为“满意”"
    shared = C.same_ip(r, all_kept(r), q)
    assert rows_of(shared, "flag") == [2, 3] and shared["value"].isna().all()  # the IP is never output


def test_rules_not_run_and_issued():
    r = tidy_rows([answer(1, "2021/11/05 10:00:00", 200, "1.2.3.4")])
    assert C.rules_not_run(STAFF, r.data) == ()
    assert C.rules_not_run(STAFF, r.data.drop(columns=["duration_s"])) == ("答题过快规则未执行：导出数据中没有答题时长列",)
    assert clean(r, issued=10).issued == 10 and clean(r).issued == 550


def test_flagged_by_rule():
    c = run([answer(1, "2021/11/05 10:00:00", 200, "1.1.1.1"), answer(2, "2021/11/05 12:00:00", 200, "1.1.1.1")])
    assert c.flagged_by_rule() == {"同一IP多份": 2}


def tiny(q, **columns):
    """Responses of ``q`` straight from columns (rows 2, 3, …), as tidy would give them."""
    from survey.inputs.tidy import FINDING_COLUMNS, Responses

    data = pd.DataFrame(columns, index=range(2, 2 + len(next(iter(columns.values())))))
    return Responses(q, data, "t.csv", None, {c: f"[{c}]" for c in data}, pd.DataFrame(columns=list(FINDING_COLUMNS)))


def test_rule_platform_flag_alone():
    r = tiny(STAFF, quality_flag=["有效", "无效", "有效"], invalid_probability=[0.1, 0.2, 0.7])
    found = C.platform_flag(r, all_kept(r), STAFF)
    assert rows_of(found, "exclude") == [3, 4] and list(found["column"]) == ["[quality_flag]"] * 2
    assert list(found["value"]) == ["无效 / 0.2", "有效 / 0.7"]
    assert C.platform_flag(tiny(STAFF, overall=[1.0]), all_kept(tiny(STAFF, overall=[1.0])), STAFF).empty


def test_rule_attention_and_logic_alone(tmp_path):
    q = staff_with_checks(tmp_path)  # check: choose 满意 (code 2); training: 以上都没有 (3) exclusive
    r = tiny(q, check=[2.0, 1.0, None], tenure=[2.0, 1.0, 1.0], h_career=[2.0, 5.0, 1.0],
             **{"training[1]": [1, 0, 1], "training[2]": [0, 0, 0], "training[3]": [1, 1, 0]})
    att = C.attention(r, all_kept(r), q)
    assert rows_of(att, "exclude") == [3] and att["value"].iloc[0] == "非常满意"  # an unanswered check is no failure
    found = C.logic(r, all_kept(r), q)
    assert rows_of(found, "exclude") == [2, 3]
    assert list(found["message"]) == ["“以上都没有”与其他选项同时选择", "测试用冲突：不满1年却评价晋升空间非常不满意"]
    kept = all_kept(r)
    kept[2] = False  # excluded by attention already: logic reports only what is still kept
    assert rows_of(C.logic(r, kept, q)) == [3]
