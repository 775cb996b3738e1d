"""Careless and hostile inputs through the command line (issue 13, the review round).

Each case ends in one line ``Error: …`` naming the file, exit code 1, no traceback, nothing
written and the inputs unchanged — or, where the input is fine, in the right numbers. The
cases marked "before:" failed so before their fix. Also: the plausibility findings on the
console, their Chinese labels in the audit, the --max-* reading limits and the formula-safe
CSV of `survey estimate`.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import shutil
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.evaluation.clean import RULE_LABELS
from survey.render.files import FORMULA_START

from .conftest import FRAMEWORK_2021, QDIR, RAW_2021, ROOT


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def fingerprint(*paths) -> dict:
    out = {}
    for p in map(Path, paths):
        if p.is_dir():
            out[p] = {c.name: hashlib.sha256(c.read_bytes()).hexdigest() for c in sorted(p.iterdir()) if c.is_file()}
        elif stat.S_ISFIFO(os.lstat(p).st_mode):
            out[p] = "fifo"
        else:
            out[p] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def refused(res, *, names: str, says: str) -> None:
    """One line ``Error: <names>…`` that ``says`` what, exit code 1, no traceback, not a bug."""
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit))
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith(f"Error: {names}"), lines[0]
    assert says in lines[0], lines[0]
    assert "This is a bug" not in lines[0]


@pytest.fixture(scope="module")
def sheets_2021():
    wb = openpyxl.load_workbook(RAW_2021, data_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def save_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def staff_csv(sheets, path: Path, edit=None, encoding="gbk") -> Path:
    rows = [list(r) for r in sheets["工作人员问卷"]]
    lines = pd.DataFrame(rows[1:], columns=rows[0]).to_csv(index=False).splitlines(keepends=True)
    if edit:
        lines = edit(lines)
    path.write_bytes("".join(lines).encode(encoding))
    return path


# -- 1. the plausibility findings: on the console, labelled in the audit ---------------------------

def _tidy_codes() -> set[str]:
    """Every finding code the tidy step can write (rule="…" and _finding("…", …) in survey/inputs)."""
    codes = set()
    for path in (ROOT / "survey" / "inputs").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                codes |= {k.value.value for k in node.keywords
                          if k.arg == "rule" and isinstance(k.value, ast.Constant)}
                if getattr(node.func, "id", None) == "_finding" and isinstance(node.args[0], ast.Constant):
                    codes.add(node.args[0].value)
    return codes


def test_every_tidy_finding_code_has_a_chinese_label():
    codes = _tidy_codes()
    assert {"implausible_duration", "implausible_date", "duplicate_id", "unknown_option"} <= codes
    assert codes <= set(RULE_LABELS), codes - set(RULE_LABELS)
    assert all(label != code and not label.isascii() for code, label in RULE_LABELS.items())


def test_plausibility_findings_are_warnings_on_the_console_and_labels_in_the_audit(sheets_2021, tmp_path, without_charts):
    """before: `survey analyze` said nothing of them, audit.xlsx showed the bare codes."""
    rows = [list(r) for r in sheets_2021["工作人员问卷"]]
    for r in rows[100:112]:
        r[2] = 1e300                      # 所用时间: 12 absurd durations
    rows[120][1] = "2099/12/31 10:00:00"  # 提交答卷时间 far outside the fieldwork
    rows[130][0] = rows[131][0] = rows[132][0] = 9999  # 序号 shared by three rows
    book = save_xlsx(tmp_path / "wb.xlsx", {**sheets_2021, "工作人员问卷": rows})
    res = run("analyze", book, "-q", QDIR, "--framework", FRAMEWORK_2021, "-o", tmp_path / "r")
    assert res.exit_code == 0, res.output
    assert "  warning: 12 responses: 答题时长不合理 (blanked, not used by the 答题过快 rule)" in res.output.splitlines()
    assert "  warning: 1 response: 提交时间远在调查期外 (kept: check it)" in res.output.splitlines()
    assert "  warning: 3 responses: 序号重复 (each row has its own pseudonym, not merged)" in res.output.splitlines()
    audit = pd.read_excel(tmp_path / "r" / "audit.xlsx", sheet_name="审核明细", engine="openpyxl")  # 规则 shows the label
    labels = dict(zip(audit["规则编号"], audit["规则"]))
    assert labels["implausible_duration"] == "答题时长不合理" and labels["duplicate_id"] == "序号重复"
    assert all(code != label for code, label in labels.items())
    cleaned = run("clean", book, "-q", QDIR / "staff.yaml", "-o", tmp_path / "c")
    assert "warning: 12 responses: 答题时长不合理 (blanked, not used by the 答题过快 rule)" in cleaned.output.splitlines()
    # the line of findings kept (flagged, kept) counts 11: one of the 12 responses is excluded by another rule
    assert "答题时长不合理 11" in cleaned.output


def test_allocation_findings_are_warnings_of_analyze(cli_2021):
    _, output = cli_2021  # `survey analyze raw/2021.xlsx -o OUT`, the session's run (conftest)
    assert "warning: 资金分配：各区分配金额合计317.03万元，与全市合计317.00万元不符" in output


# -- 2. every CSV the command line prints or writes is formula-safe --------------------------------

FORMULAS = ['=HYPERLINK("http://x","点我")', "+A1", "-1+2", "@SUM(1)"]


def test_estimate_csv_output_defuses_formula_looking_text(tmp_path):
    """before: `survey estimate --format csv` printed the domains as they were (live in Excel)."""
    data = tmp_path / "d.csv"
    pd.DataFrame({"区": FORMULAS * 2, "y": [1, 0, 1, 1, 0, 1, 1, 1]}).to_csv(data, index=False)
    res = CliRunner().invoke(main, ["estimate", str(data), "--var", "y", "--by", "区", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert not res.stdout_bytes.startswith(b"\xef\xbb\xbf")  # no BOM on stdout (pipes)
    table = pd.read_csv(io.BytesIO(res.stdout_bytes), dtype=str, keep_default_na=False)
    domains = table.loc[table["domain"] == "区", "level"]
    assert sorted(domains) == sorted("'" + f for f in FORMULAS)
    for col in table.columns:
        assert not any(v.startswith(FORMULA_START) for v in table[col]), col


# -- 3. the reading limits on the command line ------------------------------------------------------

def test_every_command_that_reads_a_workbook_takes_the_limit_options():
    reads = [main.commands[c] for c in ("analyze", "validity", "score", "clean", "estimate", "weight", "sample-size",
                                        "audit", "compare")] + [main.commands["framework"].commands["check"]]
    for cmd in reads:
        opts = {o for p in cmd.params for o in p.opts}
        assert {"--max-cells", "--max-xlsx-mb", "--max-file-mb", "--max-ratio", "--max-entries"} <= opts, cmd.name


def test_the_cell_limit_from_the_command_line(tmp_path):
    res = run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "--max-cells", 100, "-o", tmp_path / "c")
    refused(res, names=str(RAW_2021), says="over the limit of 100")
    assert "--max-cells 9913" in res.output and not (tmp_path / "c").exists()
    # the option wins over the environment variable, for this run only
    res = run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "--max-cells", 10_000, "-o", tmp_path / "c",
              env={"SURVEY_MAX_CELLS": "100"})
    assert res.exit_code == 0, res.output
    res = run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", tmp_path / "d", env={"SURVEY_MAX_CELLS": "100"})
    refused(res, names=str(RAW_2021), says="over the limit of 100")


def test_the_expanded_size_limit_from_the_command_line(tmp_path):
    res = run("estimate", RAW_2021, "--var", "数值", "--sheet", "指标数据", "--max-xlsx-mb", 0.01)
    refused(res, names=str(RAW_2021), says="over the limit of 0.01 MB")


# -- 4. the review: careless inputs, each one line, nothing written, inputs unchanged ----------------

def case_empty_questionnaire_sheet(s, tmp):
    return ["analyze", save_xlsx(tmp / "wb.xlsx", {**s, "工作人员问卷": []}), "-q", QDIR, "--framework", FRAMEWORK_2021], \
        "the sheet is empty"


def case_header_only_sheet(s, tmp):
    book = save_xlsx(tmp / "wb.xlsx", {**s, "工作人员问卷": s["工作人员问卷"][:1]})
    return ["analyze", book, "-q", QDIR, "--framework", FRAMEWORK_2021], "no responses below the header"


def case_gbk_csv_with_an_unclosed_quote(s, tmp):
    """before: the quote swallowed 426 lines into one cell: 5 responses, exit 0."""
    def edit(lines):
        cells = lines[5].split(",")
        cells[3] = '"' + cells[3]
        return [*lines[:5], ",".join(cells), *lines[6:]]
    return ["clean", staff_csv(s, tmp / "e.csv", edit), "-q", QDIR / "staff.yaml"], "row 6, column '来源'"


def case_sav_with_duplicate_labels(s, tmp):
    import pyreadstat
    path = tmp / "e.sav"
    pyreadstat.write_sav(pd.DataFrame({"q1": [1.0, 2.0], "q2": [1.0, 2.0]}), str(path),
                         column_labels=["您所在的区", "您所在的区"],
                         variable_value_labels={"q1": {1: "满意", 2: "满意"}, "q2": {1: "满意", 2: "不满意"}})
    return ["clean", path, "-q", QDIR / "staff.yaml"], "have the same label"


def case_yaml_with_a_huge_alias_tree(s, tmp):
    tree = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
    q = tmp / "q.yaml"
    q.write_text(tree + (QDIR / "staff.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return ["clean", RAW_2021, "-q", q], "aliases expand past", q


def case_yaml_nested_thousands_deep(s, tmp):
    """before: RecursionError, "This is a bug"."""
    q = tmp / "q.yaml"
    q.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return ["clean", RAW_2021, "-q", q], "nests too deeply", q


def case_frame_with_a_negative_count(s, tmp):
    frame = [list(r) for r in s["抽样框"]]
    frame[3][1] = -40
    return ["analyze", save_xlsx(tmp / "wb.xlsx", {**s, "抽样框": frame}), "-q", QDIR, "--framework", FRAMEWORK_2021], \
        "row 4, column '工作人员数'"


def case_sample_size_frame_with_a_negative_count(s, tmp):
    (tmp / "f.csv").write_text("区,人数\n玄武区,100\n秦淮区,-5\n", encoding="utf-8")
    return ["sample-size", "--frame", tmp / "f.csv"], "row 3, column '人数'", tmp / "f.csv"


def case_report_folder_is_a_file(s, tmp):
    (tmp / "out").write_text("not a folder")
    return ["clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", tmp / "out"], "the output folder is a file", tmp / "out"


def case_a_file_above_the_report_folder(s, tmp):
    """before: "File exists"."""
    (tmp / "out").write_text("not a folder")
    return (["clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", tmp / "out" / "sub"], "is a file, not a folder",
            tmp / "out" / "sub")


def case_read_only_report_folder(s, tmp):
    """before: the frozen report was swapped out like any other."""
    (tmp / "out").mkdir()
    (tmp / "out" / "audit.xlsx").write_bytes(b"the frozen report")
    os.chmod(tmp / "out", 0o555)
    return ["clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", tmp / "out"], "read-only", tmp / "out"


def case_output_is_the_input(s, tmp):
    """before: `survey weight data.csv -o data.csv` overwrote the data."""
    (tmp / "d.csv").write_text("区,y\nA,1\nB,0\n", encoding="utf-8")
    (tmp / "t.csv").write_text("变量,类别,人数\n区,A,10\n区,B,10\n", encoding="utf-8")
    return ["weight", tmp / "d.csv", "--targets", tmp / "t.csv", "-o", tmp / "d.csv"], "replace an input"


def case_output_is_the_targets(s, tmp):
    """before: overwrote the targets."""
    (tmp / "d.csv").write_text("区,y\nA,1\nB,0\n", encoding="utf-8")
    (tmp / "t.csv").write_text("变量,类别,人数\n区,A,10\n区,B,10\n", encoding="utf-8")
    return ["weight", tmp / "d.csv", "--targets", tmp / "t.csv", "-o", tmp / "t.csv"], "replace an input", tmp / "t.csv"


def case_report_folder_holding_the_input(s, tmp):
    """before: an export named audit.xlsx in the output folder was replaced by the audit."""
    (tmp / "out").mkdir()
    shutil.copy(RAW_2021, tmp / "out" / "audit.xlsx")
    return (["clean", tmp / "out" / "audit.xlsx", "-q", QDIR / "staff.yaml", "-o", tmp / "out"], "replace an input",
            tmp / "out" / "audit.xlsx")


def case_output_is_a_named_pipe(s, tmp):
    """before: a device was renamed over (-o /dev/null replaced the device with a file)."""
    os.mkfifo(tmp / "pipe.csv")
    (tmp / "d.csv").write_text("区,y\nA,1\nB,0\n", encoding="utf-8")
    (tmp / "t.csv").write_text("变量,类别,人数\n区,A,10\n区,B,10\n", encoding="utf-8")
    return (["weight", tmp / "d.csv", "--targets", tmp / "t.csv", "-o", tmp / "pipe.csv"], "device, pipe or socket",
            tmp / "pipe.csv")


def case_the_same_sheet_for_two_questionnaires(s, tmp):
    """before: a copied questionnaire file analysed the staff sheet twice, silently."""
    q = tmp / "q"
    shutil.copytree(QDIR, q)
    text = (q / "staff.yaml").read_text(encoding="utf-8")
    (q / "staff_copy.yaml").write_text(text.replace("id: staff", "id: staff_copy", 1), encoding="utf-8")
    return ["analyze", RAW_2021, "-q", q], "both read sheet '工作人员问卷'", q / "staff_copy.yaml"


def case_the_same_file_as_data_and_targets(s, tmp):
    (tmp / "d.csv").write_text("区,y\nA,1\nB,0\n", encoding="utf-8")
    return ["weight", tmp / "d.csv", "--targets", tmp / "d.csv"], "targets have no 变量/variable column"


def case_estimate_of_an_infinite_value(s, tmp):
    """before: printed an estimate of inf and a -inf–inf interval, exit 0."""
    (tmp / "d.csv").write_text("区,y\nA,inf\nB,1\nC,2\n", encoding="utf-8")
    return ["estimate", tmp / "d.csv", "--var", "y"], "row 2, column 'y'"


def case_estimate_of_an_overflowing_value(s, tmp):
    """before: the bootstrap's squares overflowed: se inf, exit 0."""
    (tmp / "d.csv").write_text("区,y\nA,1e308\nB,1\nC,2\n", encoding="utf-8")
    return ["estimate", tmp / "d.csv", "--var", "y", "--variance", "bootstrap"], "row 2, column 'y'"


def case_questionnaire_that_is_empty(s, tmp):
    """before: "…at the top level: ." (the reason lost)."""
    (tmp / "q.yaml").write_text("", encoding="utf-8")
    return ["clean", RAW_2021, "-q", tmp / "q.yaml"], "at the top level (got NoneType)", tmp / "q.yaml"


CASES = {name[5:]: f for name, f in dict(globals()).items() if name.startswith("case_")}


@pytest.mark.parametrize("name", list(CASES))
def test_careless_inputs_end_in_one_line(name, sheets_2021, tmp_path):
    tmp = tmp_path / "in"
    tmp.mkdir()
    args, says, *named = CASES[name](sheets_2021, tmp)  # the file the line names: the first argument unless said
    inputs = [a for a in args[1:] if isinstance(a, Path) and a.exists() and a != QDIR]
    before = fingerprint(*inputs, *[p for p in tmp.iterdir()])
    out = [] if "-o" in args or args[0] in ("estimate", "sample-size") else ["-o", tmp_path / "report"]
    res = run(*args, *out)
    refused(res, names=str(named[0] if named else args[1]), says=says)
    assert fingerprint(*inputs, *[p for p in tmp.iterdir()]) == before
    assert not (tmp_path / "report").exists()
    assert not [p for p in tmp.rglob(".*")], "nothing left beside the output"
    for p in tmp.iterdir():
        if p.is_dir():
            os.chmod(p, 0o755)  # the read-only folder: let pytest clear it


def test_a_stray_quote_inside_a_cell_is_read_as_text(sheets_2021, tmp_path):
    """A quote in the middle of an unquoted cell (link"x) is a character, not the start of a cell."""
    def edit(lines):
        return [lines[0], lines[1].replace("链接", 'link"x', 1), *lines[2:]]
    res = run("clean", staff_csv(sheets_2021, tmp_path / "e.csv", edit), "-q", QDIR / "staff.yaml",
              "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "(gbk): wjx_text export, 430 responses" in res.output


def test_ctrl_c_while_writing_leaves_the_previous_report(tmp_path, monkeypatch):
    """Ctrl-C at the third report file: one line, exit 130, the old report byte for byte, no leftovers."""
    from survey.render import files

    out = tmp_path / "r"
    assert run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", out, "--issued", 500).exit_code == 0
    before = fingerprint(out)
    calls = []
    real = files._write

    def interrupted(path, data, mode):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(path, data, mode)

    monkeypatch.setattr(files, "_write", interrupted)
    res = run("clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", out)
    assert res.exit_code == 130 and "Traceback" not in res.output
    assert res.output.strip().splitlines() == [
        "interrupted; nothing written: every output is left as it was (outputs are written all or nothing)"]
    assert fingerprint(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
