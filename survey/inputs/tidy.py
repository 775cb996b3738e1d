"""From a raw export table to tidy responses, guided by the questionnaire.

Export columns are matched to items by question number and normalised text (or an
alias), after a user-supplied column map (``source.columns`` in the questionnaire,
``--columns FILE`` on the command line) has claimed the columns it names; option
text is turned into integer codes (1 = the first option of the scale). The result,
:class:`Responses`, has one row per respondent, indexed by the Excel row, with
standard metadata columns and one column per item.

Cells that cannot be used — an option the questionnaire does not know, a
duration that cannot be parsed — do not stop the run: they become missing values
and a row in ``Responses.findings``, which the cleaning audit carries.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.definitions.questionnaire import Item, Questionnaire
from survey.errors import DataError
from survey.formatting import fmt_count
from survey.inputs import plausible
from survey.inputs.columns import (  # noqa: F401  (load_column_map, parse_header: public here too)
    Match,
    load_column_map,
    match_columns,
    merge_column_maps,
    normalize,
    option_lookup,
    parse_header,
    show_item,
)
from survey.inputs.formats import ExportFormat, detect, get_format, split_fill
from survey.inputs.privacy import is_personal, mask_personal, mask_text
from survey.inputs.read import RawTable

SKIPPED = ("(跳过)", "（跳过）")
BLANK = ("(空)", "（空）")
MULTI_SEP = "┋"
CHOSEN = ("选中", "已选", "已选中", "是", "√", "✓", "yes", "y", "true", "checked", "selected")  # an option column's "chosen"
FINDING_COLUMNS = ("rule", "row", "column", "value", "message")

_PUNCT = re.compile(r"[\s\u3000]+")
_HEADER = re.compile(r"^\s*[QqＱ]?(\d+)\s*(?:[、.．:：)）]|\s)\s*(.*)$", re.S)
_SUB = re.compile(r"^[(（](.*)[)）]$", re.S)
# 问卷星 按序号 option columns of a multiple-choice question: 第6题(运动), 6(运动); 6、题目(运动) is _HEADER
_NTH = re.compile(r"^\s*(?:第\s*(\d+)\s*题|(\d+))\s*[(（](.*)[)）]\s*$", re.S)
_TRAILING_SUB = re.compile(r"^(.*\S)\s*[(（]([^()（）]*)[)）]$", re.S)
FILL_SUFFIX = ".fill"  # the data column of an item's fill-ins: q6.fill
_SEP = re.compile(r"[:：—]|--")
_LETTER = re.compile(r"^\s*[A-Za-z][.．、]\s*")
_IP = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]{3,}:[0-9a-fA-F:]+)")
_DURATION = re.compile(r"^\s*(-)?\s*(?:(\d+(?:\.\d+)?)\s*(?:小时|时|h))?"       # hours
                       r"\s*(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?"               # minutes
                       r"\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s|sec)?)?\s*$", re.I)      # seconds


@dataclass(frozen=True)
class Responses:
    """Tidy responses of one questionnaire.

    ``data``: one row per respondent, indexed by the Excel row; columns
    ``respondent, submitted_at, duration_s, ip, source, interviewer`` (those the
    export has), then one column per item — float codes (1 = first option, NaN =
    no usable answer) for single / matrix items, ``{id}[k]`` 0/1 columns for a
    multiple-choice item, strings for text items.
    """

    questionnaire: Questionnaire
    data: pd.DataFrame = field(repr=False)
    file: str
    sheet: str | None
    columns: dict[str, str]  # item id / metadata field → export column header
    findings: pd.DataFrame = field(repr=False)
    format: str = "generic"  # the export format read (survey.inputs.formats)

    @property
    def n(self) -> int:
        return len(self.data)

    def subset(self, mask) -> Responses:
        """The responses where ``mask`` is true (findings kept for those rows)."""
        data = self.data[mask]
        keep = self.findings["row"].isin(data.index)
        return Responses(self.questionnaire, data, self.file, self.sheet, self.columns, self.findings[keep],
                         self.format)


def _findings(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def parse_duration(v) -> float:
    """``186秒``, ``2分3秒``, ``186`` or a timedelta → seconds (NaN if unreadable)."""
    if v is None:
        return np.nan
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, dt.time):
        return v.hour * 3600 + v.minute * 60 + v.second
    if isinstance(v, (int, float)):
        return float(v)
    m = _DURATION.match(str(v))
    if not m or not any(m.groups()[1:]):
        return np.nan
    h, mi, s = (float(g) if g else 0.0 for g in m.groups()[1:])
    return (-1 if m.group(1) else 1) * (h * 3600 + mi * 60 + s)


def parse_time(v):
    """A submitted-at cell (``2021/11/05 09:32:17``, a datetime, an Excel serial) → Timestamp."""
    if v is None:
        return pd.NaT
    if isinstance(v, (dt.datetime, dt.date)):
        return plausible.safe_time(v)  # year 9999: NaT (a finding), not an exception
    if isinstance(v, (int, float)) and 20000 < v < 80000:  # Excel serial date
        return pd.Timestamp("1899-12-30") + pd.to_timedelta(float(v), unit="D")
    try:
        return pd.Timestamp(str(v).replace("/", "-"))
    except (ValueError, TypeError):
        return pd.NaT


def parse_ip(v) -> str | None:
    """``112.86.23.140(江苏-南京)`` → ``112.86.23.140``."""
    if v is None:
        return None
    m = _IP.search(str(v))
    return m.group(1) if m else str(v)


def tidy(raw: RawTable, q: Questionnaire, *, format: str | ExportFormat | None = None,
         columns: dict[str, str | None] | None = None) -> Responses:
    """Match the export's columns to ``q`` and code every answer.

    ``format`` is a name of :data:`survey.inputs.formats.FORMATS` (or None to detect it).
    ``columns`` is a column map (header → item id / ``id[k]`` / metadata field /
    None) laid over the questionnaire's ``source.columns``; see :func:`match_columns`.
    """
    if raw.data.empty:
        raise DataError(f"no responses below the header (row {raw.header_row})", file=raw.file, sheet=raw.sheet,
                        hint="paste the export's rows under the header, or check you chose the right sheet")
    fmt = format if isinstance(format, ExportFormat) else (
        get_format(format) if format else detect(raw.columns, raw.data, suffix=Path(raw.file).suffix))
    match = match_columns(raw.columns, q, fmt=fmt, file=raw.file, sheet=raw.sheet,
                          column_map=merge_column_maps(q.source.columns, columns), variables=raw.variables)
    src = raw.data
    found: list[dict] = []
    out = _code_metadata(src, match, q, found)
    _code_items(src, match, q, fmt, out, found)
    for item_id in match.by_number:
        it = q.item(item_id)
        found.append(dict(rule="matched_by_number", row=raw.header_row, column=match.items[item_id],
                          value=match.items[item_id],
                          message=f"按题号与 {item_id}（{show_item(it)}）对应，但题目文字不同，请核对"))
    if format is not None:
        _check_forced_format(fmt, [out[i.id] for i in q.items if i.id in out and i.type not in ("text", "multiple")],
                             found, raw)
    data = pd.DataFrame(out, index=src.index)
    placed = {**match.metadata, **match.items}
    return Responses(q, data, raw.file, raw.sheet, placed, _findings(found), fmt.name)


def _unreadable(found: list[dict], mask: pd.Series, values: pd.Series, col: str, message: str) -> None:
    """One ``unreadable_value`` finding per row of ``values`` where ``mask`` holds."""
    for row in values.index[mask]:
        found.append(dict(rule="unreadable_value", row=row, column=col, value=str(values[row]), message=message))


def _each_distinct(values: pd.Series, parse) -> pd.Series:
    """``values.map(parse)``, parsing each distinct value once (exports repeat them a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = pd.Series([parse(u) for u in uniques] + [parse(None)], dtype=object)
    return pd.Series(parsed.to_numpy()[codes], index=values.index)


def _code_metadata(src: pd.DataFrame, match: Match, q: Questionnaire, found: list[dict]) -> dict[str, Any]:
    """The standard metadata columns (duration, times, ip, …) parsed from the matched export columns."""
    out: dict[str, Any] = {}
    for name, col in match.metadata.items():
        values = src[col]
        if name == "duration":
            secs = _each_distinct(values, parse_duration).astype(float)
            _unreadable(found, secs.isna() & values.notna(), values, col,
                        "无法识别的答题时长（应如“186秒”或“2分3秒”）")
            _unreadable(found, secs < 0, values, col, "答题时长为负数")
            out["duration_s"] = secs.where(secs >= 0)
        elif name in ("submitted_at", "started_at"):
            times = pd.to_datetime(_each_distinct(values, parse_time))
            _unreadable(found, times.isna() & values.notna(), values, col,
                        "无法识别的日期时间（应如“2021/11/05 09:32:17”）")
            out[name] = times
        elif name == "ip":
            out["ip"] = _each_distinct(values, parse_ip)
        elif name == "invalid_probability":
            out[name] = pd.to_numeric(values, errors="coerce")
        elif name in ("respondent", "source", "interviewer", "quality_flag"):
            out[name] = values.map(lambda v: None if v is None else str(v))
    if "respondent" not in out:
        out["respondent"] = pd.Series([str(r) for r in src.index], index=src.index)
    if "duration_s" not in out and "started_at" in out and "submitted_at" in out:
        out["duration_s"] = (out["submitted_at"] - out["started_at"]).dt.total_seconds()
    found.extend(plausible.check_metadata(out, src, match.metadata, q.fieldwork))  # blanks absurd durations
    return out


def _code_items(src: pd.DataFrame, match: Match, q: Questionnaire, fmt: ExportFormat,
                out: dict[str, Any], found: list[dict]) -> None:
    """Code each matched item's answers into ``out`` (texts masked when personal; fill-ins beside the codes)."""
    for it in q.items:
        item_col = match.items.get(it.id)
        if item_col is None:
            continue
        values = src[item_col]
        if it.type == "text":
            out[it.id] = values.map(lambda v: None if _is_skipped(v, fmt) else str(v))
            if is_personal(it.text):  # 姓名, 联系电话 …: never carried further than its first character
                out[it.id] = out[it.id].map(mask_personal)
            continue
        elif it.id in match.options:
            out.update(_code_option_columns(src, it, q.options(it.id), match.options[it.id], fmt, found))
        elif it.type == "multiple":
            out.update(_code_multiple(values, it, q.options(it.id), item_col, fmt, found))
        else:
            out[it.id] = _code_single(values, it, q.options(it.id), item_col, fmt, found)
        cols = match.options.get(it.id, {}).values() or [item_col]
        fills = [f for f in (fill_ins(src[c]) for c in cols) if f is not None]
        if fills:  # 其他〖…〗: the item's free text, beside its codes
            out[f"{it.id}{FILL_SUFFIX}"] = fills[0] if len(fills) == 1 else pd.concat(fills, axis=1).apply(
                lambda r: "；".join(x for x in r if x) or None, axis=1)


def _check_forced_format(fmt: ExportFormat, single: list[pd.Series], found: list[dict], raw: RawTable) -> None:
    """A format named by the user that reads none of the answers is an error, not 0 valid responses."""
    unknown = [f for f in found if f["rule"] == "unknown_option"]
    if unknown and single and sum(int(v.notna().sum()) for v in single) == 0:
        guess = detect(raw.columns, raw.data, suffix=Path(raw.file).suffix)
        raise DataError(f"the format '{fmt.name}' ({fmt.label}) reads none of the answers: {fmt_count(len(unknown), 'cell')} "
                        "are not options", file=raw.file, sheet=raw.sheet,
                        got=f"e.g. '{unknown[0]['value']}' in {unknown[0]['column']}",
                        hint=f"leave the format out (detected: {guess.name}, {guess.label}), or name that one "
                             "(--format, or source.format in the questionnaire)")


def _option_code(lookup: dict[str, int], v) -> int | None:
    """The code of a cell's option text, with a letter prefix (``A.非常满意``) dropped if needed."""
    return lookup.get(normalize(v)) or lookup.get(normalize(_LETTER.sub("", str(v))))


def fill_ins(values: pd.Series) -> pd.Series | None:
    """The 〖…〗 fill-ins of a column's cells (ID and phone numbers masked), None when it has none."""
    distinct = pd.unique(values.to_numpy(dtype=object))  # exports repeat a few values: test each once
    if not any(isinstance(v, str) and "〖" in v for v in distinct):
        return None
    return values.map(lambda v: mask_text(split_fill(v)[1]))


def _is_skipped(v, fmt: ExportFormat) -> bool:
    if v is None or str(v).strip() in SKIPPED + BLANK:
        return True
    # −2 / −3 in a 按序号 export, as numbers or — once saved as CSV — as text
    return bool(fmt.skipped_codes) and _as_int(v) in fmt.skipped_codes


def _code_single(values: pd.Series, it: Item, options: tuple[str, ...], col: str, fmt: ExportFormat,
                 found: list[dict]) -> pd.Series:
    """Answers → codes, looked up once per distinct cell value (exports repeat a few values).

    Option text is matched after normalisation, with a letter prefix (``A.非常满意``)
    dropped if needed. A number is an option position only in a 按序号 export; in
    a text export it is an ``unknown_option`` finding (a 按分数 export would
    otherwise reverse the scale silently).
    """
    lookup = option_lookup(options)
    which, cells = pd.factorize(values)  # −1 for an empty cell
    codes = np.full(len(cells) + 1, np.nan)  # the last entry: empty cells
    unknown = np.zeros(len(cells) + 1, dtype=bool)
    for j, cell in enumerate(cells):
        v = split_fill(cell)[0]  # 其他〖free text〗: the option, its fill-in goes to the item's free text
        if _is_skipped(v, fmt):
            continue
        number = _as_int(v)
        if fmt.values == "position" and number is not None:
            k = number if 1 <= number <= len(options) else None
        else:
            k = _option_code(lookup, v)
        if k is None:
            unknown[j] = True
        else:
            codes[j] = float(k)
    coded = pd.Series(codes[which], index=values.index, dtype=float, name=values.name)
    for row, v in values[unknown[which]].items():
        found.append(dict(rule="unknown_option", row=row, column=col, value=str(v),
                          message=f"“{v}”不是{it.id}的选项，可选："
                                  + "、".join(f"{k}={o}" if fmt.values == "position" else o
                                             for k, o in enumerate(options, start=1))))
    return coded


def _as_int(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and float(v).is_integer():
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"-?\d+(\.0+)?", v.strip()):
        return int(float(v))
    return None


NOT_CHOSEN = ("未选", "未选中", "否", "no", "n", "false", "unchecked")  # an option column's "not chosen"


def _code_option_columns(src: pd.DataFrame, it: Item, options, cols: dict[int, str], fmt: ExportFormat,
                         found: list[dict]) -> dict[str, pd.Series]:
    """One 0/1 column per option (按序号 / 腾讯问卷) → ``{id}[k]`` 0/1 columns.

    1 or a "chosen" word is 1, 0 or a "not chosen" word is 0. A blank cell is 0 when
    another option of the same respondent holds an answer, and missing when the whole
    item is blank (a skipped item, not "nothing chosen"). Anything else (``2``,
    ``abc``) is missing and an ``unknown_option`` finding.
    """
    out = {}
    not_chosen = {normalize(c) for c in NOT_CHOSEN}
    blanks: dict[str, np.ndarray] = {}
    for k in range(1, len(options) + 1):
        col = cols.get(k)
        if col is None:
            out[f"{it.id}[{k}]"] = pd.Series(np.nan, index=src.index)
            continue
        v = src[col].map(lambda x: split_fill(x)[0])
        chosen_text = {normalize(options[k - 1]), *(normalize(c) for c in CHOSEN if normalize(c))}

        def code(x, yes=chosen_text):
            if x is None or (isinstance(x, float) and np.isnan(x)) or (isinstance(x, str) and not x.strip()):
                return np.nan
            if _is_skipped(x, fmt):
                return np.nan
            if _as_int(x) == 1 or (isinstance(x, str) and (normalize(x) in yes or x.strip() in CHOSEN)):
                return 1.0
            if _as_int(x) == 0 or (isinstance(x, str) and normalize(x) in not_chosen):
                return 0.0
            return -1.0  # not a 0/1 answer

        coded = v.map(code).astype(float)
        for row in coded.index[coded.to_numpy() == -1]:
            found.append(dict(rule="unknown_option", row=row, column=col, value=v[row],
                              message=f"{it.id}的选项列中的“{v[row]}”既不是选中（1）也不是未选（0）"))
        blank = v.isna().to_numpy() | v.map(lambda x: isinstance(x, str) and not x.strip()).to_numpy()
        blanks[f"{it.id}[{k}]"] = blank
        out[f"{it.id}[{k}]"] = coded.where(coded >= 0)
    answered = np.zeros(len(src), dtype=bool)
    for key in blanks:
        answered |= out[key].notna().to_numpy()
    for key, blank in blanks.items():  # blank beside an answer: not chosen
        out[key] = out[key].mask(pd.Series(blank & answered, index=src.index), 0.0)
    return out


def _code_multiple(values, it: Item, options, col, fmt: ExportFormat, found) -> dict[str, pd.Series]:
    """``A┋B┋其他〖…〗`` (问卷星 按文本) → ``{id}[k]`` 0/1 columns."""
    lookup = option_lookup(options)
    mat = np.full((len(values), len(options)), np.nan)
    for i, (row, v) in enumerate(values.items()):
        if _is_skipped(v, fmt):
            continue
        mat[i] = 0
        for part in str(v).split(MULTI_SEP):
            part = split_fill(part.strip())[0] or ""  # 其他〖free text〗
            k = _option_code(lookup, part)
            if k is None:
                found.append(dict(rule="unknown_option", row=row, column=col, value=part,
                                  message=f"“{part}”不是{it.id}的选项"))
            else:
                mat[i, k - 1] = 1
    return {f"{it.id}[{k}]": pd.Series(mat[:, k - 1], index=values.index) for k in range(1, len(options) + 1)}


def item_columns(q: Questionnaire, data: pd.DataFrame, item_id: str) -> list[str]:
    """The data columns of an item (one, or one per option for a multiple-choice item)."""
    if item_id in data.columns:
        return [item_id]
    return [c for c in data.columns if c.startswith(f"{item_id}[")]


def option_labels(responses: Responses, item_id: str) -> pd.Series:
    """An item's codes as option labels (NaN stays NaN)."""
    opts = np.array(("", *tuple(responses.questionnaire.options(item_id))), dtype=object)
    codes = responses.data[item_id].to_numpy(dtype=float)
    lab = opts[np.where(np.isnan(codes), 0, codes).astype(int)]
    return pd.Series(np.where(np.isnan(codes), None, lab), index=responses.data.index, dtype=object)
