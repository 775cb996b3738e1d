"""Export formats: what each survey platform's download looks like.

A format names the platform's metadata columns (respondent id, times, duration,
IP, quality flags), how answers are written (option text, option position, text
with a letter prefix) and how skipped answers and multiple choice look. The
questionnaire's ``metadata`` entries override the format's column names.

:func:`detect` guesses the format of a table from its headers and cells; the
user can always name it (``--format``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from survey.errors import DataError, choice_error


@dataclass(frozen=True)
class ExportFormat:
    """A platform's export: its metadata column names, whether cells hold option text or positions, skip codes."""

    name: str
    label: str
    metadata: dict[str, tuple[str, ...]]
    values: str  # "text" (option text) or "position" (1 = first option)
    skipped_codes: tuple[int, ...] = ()


_WJX_META: dict[str, tuple[str, ...]] = {
    "respondent": ("序号",),
    "submitted_at": ("提交答卷时间",),
    "duration": ("所用时间",),
    "source": ("来源",),
    "source_detail": ("来源详情",),
    "ip": ("来自IP",),
}

_TENCENT_META: dict[str, tuple[str, ...]] = {
    "respondent": ("编号",),
    "started_at": ("开始答题时间",),
    "submitted_at": ("结束答题时间", "提交时间"),
    "duration": ("答题时长", "答题时长(秒)"),
    "ip": ("IP", "IP地址"),
    "quality_flag": ("清洗数据结果",),
    "invalid_probability": ("智能清洗数据无效概率",),
}
_INTERVIEW_META: dict[str, tuple[str, ...]] = {
    "respondent": ("访谈编号", "编号"),
    "submitted_at": ("访谈日期", "日期"),
    "interviewer": ("访谈员",),
}


def _union(*metas: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for m in metas:
        for k, names in m.items():
            out[k] = out.get(k, ()) + tuple(n for n in names if n not in out.get(k, ()))
    return out


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("wjx_text", "问卷星 按文本", _WJX_META, "text"),
        ExportFormat("wjx_code", "问卷星 按序号", _WJX_META, "position", skipped_codes=(-2, -3)),
        ExportFormat("tencent", "腾讯问卷", _TENCENT_META, "text"),
        ExportFormat("interview", "访谈记录", _INTERVIEW_META, "text"),
        # value labels already turned codes into option text (survey.inputs.read.read_sav);
        # the platform's metadata names are all tried, −2 / −3 without a label are skipped
        ExportFormat("spss", "SPSS .sav（值标签）", _union(_WJX_META, _TENCENT_META, _INTERVIEW_META), "text",
                     skipped_codes=(-2, -3)),
        ExportFormat("generic", "其他表格（按问卷定义的列名）", {}, "text"),
    )
}

FILL_IN = re.compile(r"〖(.*?)〗", re.S)  # 其他【请注明】〖free text〗 (问卷星, any option type)


def split_fill(v):
    """A cell's option and its 〖…〗 fill-in; a cell without one → (v, None).

    >>> split_fill("其他【请注明】〖我妈买的。〗"), split_fill("满意")
    (('其他【请注明】', '我妈买的。'), ('满意', None))
    """
    if not isinstance(v, str) or "〖" not in v:
        return v, None
    fills = [f.strip() for f in FILL_IN.findall(v) if f.strip()]
    rest = FILL_IN.sub("", v).strip()
    return (rest or None), ("；".join(fills) or None)


_NUMERIC = re.compile(r"^-?\d+(\.0+)?$")


def get_format(name: str) -> ExportFormat:
    """The export format called ``name`` (one of FORMAT_NAMES); another name is an error listing them.

    >>> get_format("wjx_code").values
    'position'
    """
    if name not in FORMATS:
        raise choice_error(DataError, "export format", name, FORMATS)
    return FORMATS[name]


def detect(columns: list[str], data: pd.DataFrame, *, suffix: str | None = None) -> ExportFormat:
    """Guess the export format from the file type, the headers and (for 问卷星) the cells."""
    if suffix is not None and suffix.lower() in (".sav", ".zsav"):
        return FORMATS["spss"]
    cols = {str(c).strip() for c in columns}
    tencent = _TENCENT_META
    if (("编号" in cols and cols & set(tencent["duration"] + tencent["submitted_at"] + tencent["started_at"]))
            or cols & set(tencent["quality_flag"] + tencent["invalid_probability"])):
        return FORMATS["tencent"]
    if {"序号", "提交答卷时间"} <= cols:
        meta = {n for names in _WJX_META.values() for n in names} | {"总分"}
        # The first 2,000 rows tell positions from option text; no per-cell Python calls.
        # A column is coded when nearly all its answers are numbers (a fill-in 〖…〗 and
        # (空) / (跳过) aside); a 按序号 export has mostly such columns (its text answers aside).
        answers = data[[c for c in data.columns if str(c).strip() not in meta]].head(2000)
        coded = []
        for col in answers.columns:
            cells = answers[col].dropna().astype(str).str.replace(FILL_IN.pattern, "", regex=True).str.strip()
            cells = cells[~cells.isin(("(空)", "（空）", "(跳过)", "（跳过）", ""))]
            if len(cells):
                coded.append(cells.str.fullmatch(_NUMERIC.pattern.strip("^$")).mean() > 0.9)
        return FORMATS["wjx_code" if coded and sum(coded) > len(coded) / 2 else "wjx_text"]
    if "访谈编号" in cols:
        return FORMATS["interview"]
    return FORMATS["generic"]
