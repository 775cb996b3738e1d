"""What a new-user trial found in the outputs a reader sees: English ids and words in Chinese
outputs, and notes that mislead (the audit's 处理 column, the console's notes)."""

from __future__ import annotations

import re

from survey.render.console import survey_note_line
from survey.render.presentation import flag_note
from survey.render.sheets import action_texts

from .test_clean import answer, run

ENGLISH = re.compile(r"[A-Za-z]{3,}")


def incomplete_and_unknown():
    """Row 3 answers the overall item with '很满意', not an option: unknown option, and incomplete."""
    return run([answer(1, "2021/11/05 09:00:00", 200, "1.1.1.1"),
                answer(2, "2021/11/05 09:20:00", 200, "3.3.3.3", overall="很满意")])


def test_an_unknown_option_is_said_in_chinese():
    c = incomplete_and_unknown()
    msg = c.audit.loc[c.audit["rule"] == "unknown_option", "message"].iloc[0]
    assert msg.startswith("“很满意”不是overall的选项，可选：非常满意、满意")
    assert not ENGLISH.search(msg.replace("overall", ""))  # the item id is replaced by its text in audit.xlsx


def test_a_finding_on_an_excluded_response_never_says_kept():
    c = incomplete_and_unknown()
    audit = c.audit.assign(questionnaire="staff")
    shown = dict(zip(zip(audit["rule"], audit["row"]), action_texts(audit)))
    assert shown[("incomplete", 3)] == "剔除"
    assert shown[("unknown_option", 3)] == "标记（已因必答题缺失剔除）"
    assert "保留" not in shown[("unknown_option", 3)]
    assert "无法识别的选项" not in c.flagged_by_rule()  # the console's "flagged, kept" does not count it


def test_a_survey_note_on_the_console_is_framed_in_english():
    assert survey_note_line("managers", "未加权：问卷未定义加权方案") == "note: managers: not weighted (问卷未定义加权方案)"


def test_the_nchs_note_names_the_interval_it_judges_on_and_only_the_marks_present():
    from survey.render.blocks import Table
    from survey.render.survey_body import marked

    both = flag_note()
    assert "Korn–Graubard" in both and "“*”" in both and "“—”" in both
    # every row suppressed (the new user's 各乡镇 table): the note explains "—" only
    table = Table(("乡镇", "有效样本", "满意率", "95%置信区间"),
                  (("城关镇", "12", "—", "不予报告"), ("石桥镇", "16", "—", "不予报告")))
    note = marked(table)[-1].text
    assert "“—”" in note and "*" not in note and "Korn–Graubard" in note
    starred = Table(("乡镇", "有效样本", "满意率", "95%置信区间"), (("城关镇", "40", "100.00%*", "91.24%–100.00%"),))
    note = marked(starred)[-1].text
    assert "“*”" in note and "“—”" not in note
    assert marked(Table(("a", "b"), (("x", "97.43%"),))) == [Table(("a", "b"), (("x", "97.43%"),))]


def test_compare_labels_two_folders_by_their_years_and_warns_when_equal(tmp_path):
    from click.testing import CliRunner

    from survey.cli import main

    for name in ("a", "b", "c"):
        assert CliRunner().invoke(main, ["init", str(tmp_path / name), "--from", "rural-water-2023"]).exit_code == 0
    yaml = tmp_path / "b" / "evaluation.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("year: 2023", "year: 2024", 1), encoding="utf-8")
    res = CliRunner().invoke(main, ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "ab")])
    assert res.exit_code == 0, res.output
    assert "与2023年比较" in res.output and "2024年为" in res.output and "两年相差" in res.output
    assert "与a比较" not in res.output and "年度均为" not in res.output
    same = CliRunner().invoke(main, ["compare", str(tmp_path / "a"), str(tmp_path / "c"), "-o", str(tmp_path / "ac")])
    assert same.exit_code == 0, same.output
    first = same.output.splitlines()[0]
    assert first.startswith("warning: 两次评价的年度均为2023年") and "两年" not in same.output
    assert "与前次比较" in same.output and "两次相差" in same.output


# lower-case words a reader may meet in a sheet: method names as printed and the R package's name
ALLOWED_WORDS = {"logit", "raking", "questionnaires", "yaml", "survey"}
ID_COLUMN = re.compile(r"编号$|^受访者|^工作表$|^文件$")  # ids and pseudonyms, and the user's own file / sheet names


def english_ids(folder) -> list[tuple[str, str, str, str]]:
    """(file, sheet, header, cell) of each cell outside an id column that holds a lower-case word or an
    id with '_' or '(…=…)' — what the package calls a thing, not what the reader calls it."""
    import openpyxl

    hits = []
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            header = rows[0] if rows else ()
            for r in rows:
                if r and isinstance(r[0], str) and r[0].endswith("标识"):  # an id row, last in a 说明 sheet
                    continue
                for j, c in enumerate(r):
                    h = header[j] if j < len(header) else None
                    if not isinstance(c, str) or (isinstance(h, str) and ID_COLUMN.search(h)) or c.startswith("="):
                        continue
                    words = set(re.findall(r"(?<![A-Za-z])[a-z][a-z_]{2,}(?![A-Za-z])", c)) - ALLOWED_WORDS
                    if words or re.search(r"[A-Za-z]+_[A-Za-z]+|\w\(\w+=", c):
                        hits.append((path.name, ws.title, str(h), c))
    return hits


def test_no_english_id_in_a_cell_of_the_2021_report(report_2021):
    assert english_ids(report_2021[1]) == []


def test_no_english_id_in_a_cell_of_a_new_evaluation(example_run):
    folder, _ = example_run("rural-water-2023")  # `survey init --from rural-water-2023` + `survey analyze FOLDER`
    assert english_ids(folder / "reports" / folder.name) == []


def test_the_notes_sheet_explains_the_headers_the_sheets_show(report_2021):
    import pandas as pd

    sheets = pd.read_excel(report_2021[1] / "satisfaction.xlsx", sheet_name=None, engine="openpyxl")
    shown = set(sheets["满意度统计明细"].columns)
    notes = sheets["说明"]
    assert list(notes.columns) == ["列", "说明"]
    named = {part for label in notes["列"] for part in label.split("：")[0].split(" / ")}
    assert named - {"加权…（各加权列）"} <= shown, named - shown
    assert {"问卷", "口径", "样本量", "置信下限", "区间方法", "可靠性（NCHS）"} <= named
    coverage = pd.read_excel(report_2021[1] / "validity.xlsx", sheet_name="区覆盖", engine="openpyxl")
    assert set(coverage["变量"]) == {"区"} and set(coverage["变量编号"]) == {"district"}


def test_unreadable_metadata_is_said_in_chinese():
    rows = [answer(1, "not a date", "abc", "1.1.1.1"), answer(2, "2021/11/05 09:20:00", -5, "3.3.3.3")]
    c = run(rows)
    messages = list(c.audit.loc[c.audit["rule"] == "unreadable_value", "message"])
    assert len(messages) == 3 and not any(ENGLISH.search(m.split("（应如")[0]) for m in messages), messages
