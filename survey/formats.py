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
from dataclasses import dataclass

import pandas as pd

from .errors import DataError, choice_error


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    metadata: dict[str, tuple[str, ...]]
    values: str  # "text" (option text) or "position" (1 = first option)
    skipped_codes: tuple[int, ...] = ()


_WJX_META = {
    "respondent": ("序号",),
    "submitted_at": ("提交答卷时间",),
    "duration": ("所用时间",),
    "source": ("来源",),
    "source_detail": ("来源详情",),
    "ip": ("来自IP",),
}

FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("wjx_text", "问卷星 按文本", _WJX_META, "text"),
        ExportFormat("wjx_code", "问卷星 按序号", _WJX_META, "position", skipped_codes=(-2, -3)),
        ExportFormat("tencent", "腾讯问卷", {
            "respondent": ("编号",),
            "started_at": ("开始答题时间",),
            "submitted_at": ("结束答题时间", "提交时间"),
            "duration": ("答题时长", "答题时长(秒)"),
            "ip": ("IP", "IP地址"),
            "quality_flag": ("清洗数据结果",),
            "invalid_probability": ("智能清洗数据无效概率",),
        }, "text"),
        ExportFormat("interview", "访谈记录", {
            "respondent": ("访谈编号", "编号"),
            "submitted_at": ("访谈日期", "日期"),
            "interviewer": ("访谈员",),
        }, "text"),
        ExportFormat("generic", "其他表格（按问卷定义的列名）", {}, "text"),
    )
}

_NUMERIC = re.compile(r"^-?\d+(\.0+)?$")


def get_format(name: str) -> ExportFormat:
    if name not in FORMATS:
        raise choice_error(DataError, "export format", name, FORMATS)
    return FORMATS[name]


def detect(columns: list[str], data: pd.DataFrame) -> ExportFormat:
    """Guess the export format from the headers (and, for 问卷星, the cells)."""
    cols = {str(c).strip() for c in columns}
    if {"编号", "答题时长"} <= cols or "清洗数据结果" in cols or "智能清洗数据无效概率" in cols:
        return FORMATS["tencent"]
    if {"序号", "提交答卷时间"} <= cols:
        meta = {n for names in _WJX_META.values() for n in names} | {"总分"}
        answers = data[[c for c in data.columns if c not in meta]]
        cells = answers.stack() if answers.size else pd.Series(dtype=object)
        numeric = cells.map(lambda v: isinstance(v, (int, float)) or bool(_NUMERIC.match(str(v))))
        return FORMATS["wjx_code" if len(cells) and numeric.mean() > 0.9 else "wjx_text"]
    if "访谈编号" in cols:
        return FORMATS["interview"]
    return FORMATS["generic"]
