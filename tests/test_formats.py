"""One set of responses, five export formats: the same cleaned data and rates.

The fixtures are built here from the staff sheet of raw/2021.xlsx (问卷星 按文本):
the same answers written as a 问卷星 按序号 export (option positions, −3 for a
skipped question), a 腾讯问卷 CSV in GBK (``N.题目`` headers, ``A.`` option
prefixes, 答题时长 in seconds, its quality columns, a trailing empty column), a
UTF-8-with-BOM CSV of the same, and an SPSS ``.sav`` written with pyreadstat
(ASCII variable names, question texts as variable labels, option positions with
value labels, −3 skipped, dates as SPSS datetimes, durations in seconds).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from survey.definitions.questionnaire import load
from survey.evaluation.clean import clean
from survey.evaluation.measures import estimate
from survey.inputs.formats import FORMATS, detect
from survey.inputs.read import Workbook, read_table
from survey.inputs.tidy import parse_duration, tidy

from .conftest import QDIR, RAW_2021

STAFF = load(QDIR / "staff.yaml")
SKIP = ("(跳过)", "(空)", None)


@pytest.fixture(scope="module")
def text_export():
    return Workbook(RAW_2021).table("工作人员问卷")


def item_of(header: str):
    for it in STAFF.items:
        if header.endswith(f"({it.text})") or header == f"{it.number}、{it.text}":
            return it
    return None


def as_wjx_code(raw) -> list[list]:
    """按序号: positions instead of option text; skipped −3, blank −2; text items unchanged."""
    rows = [list(raw.columns)]
    for _, r in raw.data.iterrows():
        out = []
        for col, v in r.items():
            it = item_of(col)
            if it is None or it.type == "text":
                out.append(v)
            elif v in SKIP:
                out.append(-3 if v == "(跳过)" else -2)
            else:
                out.append(STAFF.options(it.id).index(v) + 1)
        rows.append(out)
    return rows


def as_tencent(raw) -> list[list]:
    """腾讯问卷: 编号/开始/结束/答题时长 first, `N.题目` and `N.题干:子问题` headers, `A.` prefixes."""
    header = ["编号", "开始答题时间", "结束答题时间", "答题时长"]
    items = [c for c in raw.columns if item_of(c)]
    for c in items:
        it = item_of(c)
        header.append(f"{it.number}.请评价以下方面:{it.text}" if it.type == "matrix_row" else f"{it.number}.{it.text}")
    header += ["IP", "清洗数据结果", "智能清洗数据无效概率", ""]
    rows = [header]
    for _, r in raw.data.iterrows():
        end = pd.Timestamp(r["提交答卷时间"].replace("/", "-"))
        secs = int(parse_duration(r["所用时间"]))
        out = [r["序号"], str(end - pd.Timedelta(seconds=secs)), str(end), secs]
        for c in items:
            v, it = r[c], item_of(c)
            if v in SKIP:
                out.append("")
            elif it.type == "text":
                out.append(v)
            else:
                out.append(f"{'ABCDEFGHIJKLMN'[STAFF.options(it.id).index(v)]}.{v}")
        out += [r["来自IP"].split("(")[0], "有效", 0.05, ""]
        rows.append(out)
    return rows


def as_sav(raw, path):
    """SPSS: variables V1…, labels = headers (matrix rows by their sub-question only),
    codes with value labels; (跳过) → −3 (declared missing on the matrix rows, a bare
    code elsewhere), (空) → system missing."""
    import pyreadstat

    data, labels, value_labels, missing = {}, {}, {}, {}
    for j, col in enumerate(raw.columns, start=1):
        name, it, v = f"V{j}", item_of(col), raw.data[col]
        if col == "提交答卷时间":
            data[name] = pd.to_datetime(v.str.replace("/", "-"))
        elif col == "所用时间":
            data[name] = v.map(parse_duration)
        elif col == "序号":
            data[name] = v.astype(float)
        elif it is None or it.type == "text":
            data[name] = v.map(lambda x: "" if x is None else str(x))
        else:
            opts = STAFF.options(it.id)
            data[name] = v.map(lambda x, opts=opts: -3.0 if x == "(跳过)" else float("nan") if x in SKIP
                               else opts.index(x) + 1.0)
            value_labels[name] = {k: o for k, o in enumerate(opts, start=1)}
            if it.type == "matrix_row":
                missing[name] = [-3]
        labels[name] = it.text if it is not None and it.type == "matrix_row" else col
    pyreadstat.write_sav(pd.DataFrame(data), str(path), column_labels=labels, variable_value_labels=value_labels,
                         missing_ranges=missing)
    return path


def write_xlsx(path, rows, sheet="Sheet1"):
    from openpyxl import Workbook as XL

    wb = XL()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"  # a suggestion starting with '=' stays text
    wb.save(path)
    return path


def write_csv(path, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture(scope="module")
def exports(text_export, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formats")
    write_xlsx(tmp / "wjx_code.xlsx", as_wjx_code(text_export), "按序号")
    tencent = as_tencent(text_export)
    return {
        "wjx_text": text_export,
        "wjx_code": read_table(tmp / "wjx_code.xlsx"),
        "tencent_gbk": read_table(write_csv(tmp / "tencent_gbk.csv", tencent, "gbk")),
        "tencent_utf8": read_table(write_csv(tmp / "tencent_utf8.csv", tencent, "utf-8-sig")),
        "spss": read_table(as_sav(text_export, tmp / "export.sav")),
    }


def test_formats_are_detected(exports):
    got = {name: detect(t.columns, t.data, suffix=Path(t.file).suffix).name for name, t in exports.items()}
    assert got == {"wjx_text": "wjx_text", "wjx_code": "wjx_code", "tencent_gbk": "tencent", "tencent_utf8": "tencent",
                   "spss": "spss"}
    assert exports["tencent_gbk"].encoding == "gbk"
    assert exports["tencent_utf8"].encoding == "utf-8"
    interview = Workbook(RAW_2021).table("矫正对象访谈")
    assert detect(interview.columns, interview.data) is FORMATS["interview"]
    # 腾讯问卷 also labels the duration 答题时长(秒): still 腾讯问卷, or the duration,
    # IP and 编号 columns would go unmapped and the too-fast rule silently not run.
    # (An export without the quality-flag columns, as older downloads are.)
    t = exports["tencent_utf8"]
    data = t.data.drop(columns=[c for c in ("清洗数据结果", "智能清洗数据无效概率") if c in t.data])
    data = data.rename(columns={"答题时长": "答题时长(秒)"})
    assert "答题时长(秒)" in data.columns and "编号" in data.columns
    assert detect(list(data.columns), data) is FORMATS["tencent"]


def test_every_format_gives_the_same_cleaned_data(exports):
    items = [c for it in STAFF.items for c in [it.id]]
    results = {}
    for name, raw in exports.items():
        cleaned = clean(tidy(raw, STAFF))
        data = cleaned.valid.data.reset_index(drop=True)
        results[name] = (data[items], cleaned.excluded_by_rule(), estimate(cleaned.valid, measures=["overall"]))
    base_data, base_excluded, base_est = results["wjx_text"]
    assert base_excluded == {"test_submission": 5, "out_of_scope": 7, "incomplete": 11, "duplicate": 8, "too_fast": 10}
    for name, (data, excluded, est) in results.items():
        pd.testing.assert_frame_equal(data, base_data, check_dtype=False, obj=name)
        assert excluded == base_excluded, name
        assert est.at[0, "estimate"] == base_est.at[0, "estimate"] == pytest.approx(379 / 389)


def test_tencent_quality_flags_exclude(exports, tmp_path):
    rows = as_tencent(exports["wjx_text"])
    flag_col, prob_col = rows[0].index("清洗数据结果"), rows[0].index("智能清洗数据无效概率")
    rows[30][flag_col] = "无效（作答时间过短）"
    rows[40][prob_col] = 0.82
    cleaned = clean(tidy(read_table(write_csv(tmp_path / "t.csv", rows, "gbk")), STAFF))
    audit = cleaned.audit[cleaned.audit["rule"] == "platform_flag"]
    assert sorted(audit["row"]) == [31, 41]  # Excel-style rows: header is row 1
    assert (audit["action"] == "exclude").all()


def test_position_out_of_range_is_a_finding(exports, tmp_path):
    rows = as_wjx_code(exports["wjx_text"])
    col = rows[0].index(next(c for c in rows[0] if c.startswith("6、")))
    rows[100][col] = 9
    write_xlsx(tmp_path / "c.xlsx", rows)
    r = tidy(read_table(tmp_path / "c.xlsx"), STAFF)
    f = r.findings[r.findings["rule"] == "unknown_option"]
    assert list(f["row"]) == [101] and "1=非常满意" in f["message"].iloc[0]


def test_format_names_agree_with_the_cli_vocabulary():
    from survey.definitions.vocab import FORMAT_NAMES

    assert tuple(FORMATS) == FORMAT_NAMES
