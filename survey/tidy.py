"""From a raw export table to tidy responses, guided by the questionnaire.

Export columns are matched to items by question number and normalised text (or an
alias); option text is turned into integer codes (1 = the first option of the
scale). The result, :class:`Responses`, has one row per respondent, indexed by
the Excel row, with standard metadata columns and one column per item.

Cells that cannot be used — an option the questionnaire does not know, a
duration that cannot be parsed — do not stop the run: they become missing values
and a row in ``Responses.findings``, which the cleaning audit carries.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import MatchError
from .questionnaire import Item, Questionnaire
from .read import RawTable

SKIPPED = ("(跳过)", "（跳过）")
BLANK = ("(空)", "（空）")
MULTI_SEP = "┋"
FINDING_COLUMNS = ("rule", "row", "column", "value", "message")
META_COLUMNS = ("respondent", "submitted_at", "duration_s", "ip", "source", "interviewer")

_PUNCT = re.compile(r"[\s\u3000]+")
_HEADER = re.compile(r"^\s*[QqＱ]?(\d+)\s*(?:[、.．:：)）]|\s)\s*(.*)$", re.S)
_SUB = re.compile(r"^[(（](.*)[)）]$", re.S)
_IP = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]{3,}:[0-9a-fA-F:]+)")
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*(?:小时|时|h))?\s*(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s|sec)?)?\s*$", re.I)


def normalize(text: object) -> str:
    """Text for matching: NFKC (full → half width), no spaces or punctuation, lower case."""
    s = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in _PUNCT.sub("", s) if not unicodedata.category(ch).startswith(("P", "S")))


@dataclass(frozen=True)
class Header:
    column: str
    number: int | None
    text: str  # normalised question text, or the matrix row text for `N、(row)`
    is_row: bool


def parse_header(column: str) -> Header:
    """``6、总体…`` → (6, 总体…); ``4、(成就感)`` → (4, 成就感, row); ``区`` → (None, 区)."""
    m = _HEADER.match(column)
    if m and m.group(2):
        number, rest = int(m.group(1)), m.group(2).strip()
        sub = _SUB.match(rest)
        if sub:
            return Header(column, number, normalize(sub.group(1)), True)
        return Header(column, number, normalize(rest), False)
    return Header(column, None, normalize(column), False)


@dataclass(frozen=True)
class Match:
    """Which export column holds each item and each metadata field."""

    items: dict[str, str]
    metadata: dict[str, str]
    by_number: tuple[str, ...] = ()  # items matched by question number only
    unused: tuple[str, ...] = ()  # export columns nobody asked for


def match_columns(columns: list[str], q: Questionnaire, *, file: str | None = None, sheet: str | None = None) -> Match:
    """Match export columns to the questionnaire's metadata fields and items.

    Text (or an alias) decides; the question number breaks ties and, for a single
    or text question whose wording changed, matches alone when it is unambiguous.
    Raises :class:`MatchError` listing the unmatched items and columns when an item
    the questionnaire needs is not in the export.
    """
    headers = [parse_header(c) for c in columns]
    free = {h.column: h for h in headers}
    metadata: dict[str, str] = {}
    for name, col in q.metadata.items():
        key = normalize(col)
        hit = next((h.column for h in free.values() if normalize(h.column) == key), None)
        if hit is not None:
            metadata[name] = hit
            del free[hit]
    items: dict[str, str] = {}
    for it in q.items:
        keys = {normalize(t) for t in (it.text, *it.aliases)}
        cands = [h for h in free.values() if h.text in keys]
        if len(cands) > 1 and it.number is not None:
            cands = [h for h in cands if h.number == it.number] or cands
        if len(cands) > 1:
            raise MatchError(f"item '{it.id}' matches several columns: {', '.join(h.column for h in cands)}",
                             file=file, sheet=sheet, hint="rename the columns or add a distinguishing alias")
        if cands:
            items[it.id] = cands[0].column
            del free[cands[0].column]
    by_number = []
    for it in q.items:
        if it.id in items or it.number is None or it.type == "matrix_row":
            continue
        if sum(o.number == it.number and o.type != "matrix_row" and o.id not in items for o in q.items) != 1:
            continue
        cands = [h for h in free.values() if h.number == it.number and not h.is_row]
        if len(cands) == 1:
            items[it.id] = cands[0].column
            by_number.append(it.id)
            del free[cands[0].column]
    missing = [it for it in q.items if it.id not in items and it.is_required]
    if missing:
        listed = "; ".join(f"{it.id} ({_show(it)})" for it in missing)
        raise MatchError(
            f"{len(missing)} item(s) of questionnaire '{q.id}' not found in the export: {listed}",
            file=file, sheet=sheet,
            got="unmatched columns: " + (", ".join(free) or "(none)"),
            hint=f"rename the columns to the question text, or add the header as an alias in {q.file or 'the questionnaire'}",
        )
    return Match(items=items, metadata=metadata, by_number=tuple(by_number), unused=tuple(free))


def _show(it: Item) -> str:
    num = f"{it.number}、" if it.number else ""
    return f"{num}({it.text})" if it.type == "matrix_row" else f"{num}{it.text}"


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

    @property
    def n(self) -> int:
        return len(self.data)

    def subset(self, mask) -> "Responses":
        """The responses where ``mask`` is true (findings kept for those rows)."""
        data = self.data[mask]
        keep = self.findings["row"].isin(data.index)
        return Responses(self.questionnaire, data, self.file, self.sheet, self.columns, self.findings[keep])


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
    if not m or not any(m.groups()):
        return np.nan
    h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mi * 60 + s


def parse_time(v):
    """A submitted-at cell (``2021/11/05 09:32:17``, a datetime, an Excel serial) → Timestamp."""
    if v is None:
        return pd.NaT
    if isinstance(v, (dt.datetime, dt.date)):
        return pd.Timestamp(v)
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


def tidy(raw: RawTable, q: Questionnaire) -> Responses:
    """Match the export's columns to ``q`` and code every answer."""
    match = match_columns(raw.columns, q, file=raw.file, sheet=raw.sheet)
    src = raw.data
    out: dict[str, object] = {}
    found: list[dict] = []
    for name, col in match.metadata.items():
        values = src[col]
        if name == "duration":
            secs = values.map(parse_duration).astype(float)
            for row in secs.index[secs.isna() & values.notna()]:
                found.append(dict(rule="unreadable_value", row=row, column=col, value=str(values[row]),
                                  message="duration not understood (expected e.g. 186秒 or 2分3秒)"))
            for row in secs.index[secs < 0]:
                found.append(dict(rule="unreadable_value", row=row, column=col, value=str(values[row]),
                                  message="negative duration"))
            out["duration_s"] = secs.where(secs >= 0)
        elif name == "submitted_at":
            times = pd.to_datetime(values.map(parse_time))
            for row in times.index[times.isna() & values.notna()]:
                found.append(dict(rule="unreadable_value", row=row, column=col, value=str(values[row]),
                                  message="date/time not understood (expected e.g. 2021/11/05 09:32:17)"))
            out["submitted_at"] = times
        elif name == "ip":
            out["ip"] = values.map(parse_ip)
        elif name == "respondent":
            out["respondent"] = values.map(lambda v: None if v is None else str(v))
        elif name in ("source", "interviewer"):
            out[name] = values.map(lambda v: None if v is None else str(v))
    if "respondent" not in out:
        out["respondent"] = pd.Series([str(r) for r in src.index], index=src.index)
    for it in q.items:
        col = match.items.get(it.id)
        if col is None:
            continue
        values = src[col]
        if it.type == "text":
            out[it.id] = values.map(lambda v: None if v is None or str(v) in BLANK + SKIPPED else str(v))
        elif it.type == "multiple":
            out.update(_code_multiple(values, it, q.options(it.id), col, found))
        else:
            out[it.id] = _code_single(values, it, q.options(it.id), col, found)
    data = pd.DataFrame(out, index=src.index)
    columns = {**match.metadata, **match.items}
    return Responses(q, data, raw.file, raw.sheet, columns, _findings(found))


def _code_single(values: pd.Series, it: Item, options: tuple[str, ...], col: str, found: list[dict]) -> pd.Series:
    lookup = {normalize(o): k for k, o in enumerate(options, start=1)}
    codes = np.full(len(values), np.nan)
    for i, (row, v) in enumerate(values.items()):
        if v is None or str(v) in SKIPPED + BLANK:
            continue
        k = lookup.get(normalize(v))
        if k is None and isinstance(v, (int, float)) and float(v).is_integer() and 1 <= v <= len(options):
            k = int(v)  # a position code typed by hand
        if k is None:
            found.append(dict(rule="unknown_option", row=row, column=col, value=str(v),
                              message=f"'{v}' is not an option of {it.id}; options are {', '.join(options)}"))
            continue
        codes[i] = k
    return pd.Series(codes, index=values.index)


def _code_multiple(values, it: Item, options, col, found) -> dict[str, pd.Series]:
    lookup = {normalize(o): k for k, o in enumerate(options, start=1)}
    mat = np.full((len(values), len(options)), np.nan)
    for i, (row, v) in enumerate(values.items()):
        if v is None or str(v) in SKIPPED + BLANK:
            continue
        mat[i] = 0
        for part in str(v).split(MULTI_SEP):
            part = re.sub(r"〖.*〗$", "", part.strip())  # 其他〖free text〗
            k = lookup.get(normalize(part))
            if k is None:
                found.append(dict(rule="unknown_option", row=row, column=col, value=part,
                                  message=f"'{part}' is not an option of {it.id}"))
            else:
                mat[i, k - 1] = 1
    return {f"{it.id}[{k}]": pd.Series(mat[:, k - 1], index=values.index) for k in range(1, len(options) + 1)}


def item_columns(q: Questionnaire, data: pd.DataFrame, item_id: str) -> list[str]:
    """The data columns of an item (one, or one per option for a multiple-choice item)."""
    if item_id in data.columns:
        return [item_id]
    return [c for c in data.columns if c.startswith(f"{item_id}[")]
