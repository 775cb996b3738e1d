"""Matching an export's columns to the questionnaire's items and metadata fields.

A user's column map (``source.columns`` in the questionnaire, ``--columns FILE``)
claims the columns it names first; the rest are matched by question number
(``N、题目``, ``N.题目``, ``第N题(选项)``, ``N(选项)`` …) and normalised text or
an alias. :func:`match_columns` returns a :class:`Match`; :mod:`survey.inputs.tidy`
codes the answers of the matched columns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from survey.definitions.questionnaire import Item, Questionnaire, column_map_problems
from survey.definitions.vocab import METADATA_FIELDS
from survey.errors import DefinitionError, MatchError
from survey.formatting import fmt_count
from survey.inputs.formats import FORMATS, ExportFormat

_PUNCT = re.compile(r"[\s\u3000]+")
_HEADER = re.compile(r"^\s*[QqＱ]?(\d+)\s*(?:[、.．:：)）]|\s)\s*(.*)$", re.S)
_SUB = re.compile(r"^[(（](.*)[)）]$", re.S)
_NTH = re.compile(r"^\s*(?:第\s*(\d+)\s*题|(\d+))\s*[(（](.*)[)）]\s*$", re.S)
_TRAILING_SUB = re.compile(r"^(.*\S)\s*[(（]([^()（）]*)[)）]$", re.S)
_SEP = re.compile(r"[:：—]|--")
_LETTER = re.compile(r"^\s*[A-Za-z][.．、]\s*")


def normalize(text: object) -> str:
    """Text for matching: NFKC (full → half width), no spaces or punctuation, lower case."""
    s = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in _PUNCT.sub("", s) if not unicodedata.category(ch).startswith(("P", "S")))


@dataclass(frozen=True)
class Header:
    """An export column header read apart: question number, normalised text, matrix row or option."""

    column: str
    number: int | None
    text: str  # normalised question text (for `N、(row)`, the row text)
    is_row: bool  # `N、(row)`: a matrix row or a multiple-choice option column
    sub: str | None = None  # normalised row / option text: `(row)`, or after `题干:` / `题干—`


def parse_header(column: str) -> Header:
    """``6、总体…`` → (6, 总体…); ``4、(成就感)`` → (4, 成就感, row); ``区`` → (None, 区).

    问卷星 按序号 writes a multiple-choice question as one column per option: ``第6题(运动)``
    and ``6(运动)`` are parsed as rows of question 6, ``6、题目(运动)`` keeps ``运动`` as ``sub``.

    ``N.题干:子问题`` (腾讯问卷), ``N、题干—子问题`` and ``题干—子问题`` (a two-row
    header combined by :func:`survey.inputs.read.table_from_rows`) keep the part after the
    separator as ``sub``, so a matrix row or option can match it whatever the stem.
    """
    nth = _NTH.match(column)
    if nth:
        inner = normalize(nth.group(3))
        return Header(column, int(nth.group(1) or nth.group(2)), inner, True, inner)
    m = _HEADER.match(column)
    if m and m.group(2):
        number, rest = int(m.group(1)), m.group(2).strip()
        paren = _SUB.match(rest)
        if paren:
            inner = normalize(paren.group(1))
            return Header(column, number, inner, True, inner)
        parts = _SEP.split(rest)
        sub = normalize(parts[-1]) if len(parts) > 1 and parts[-1].strip() else None
        trailing = _TRAILING_SUB.match(rest)  # 6、题目(选项): an option column of 问卷星 按序号
        if sub is None and trailing:
            sub = normalize(trailing.group(2))
        return Header(column, number, normalize(rest), False, sub)
    parts = _SEP.split(column)
    if len(parts) > 1 and parts[0].strip() and parts[-1].strip():
        return Header(column, None, normalize(column), False, normalize(parts[-1]))
    return Header(column, None, normalize(column), False)


@dataclass(frozen=True)
class Match:
    """Which export column holds each item and each metadata field."""

    items: dict[str, str]
    metadata: dict[str, str]
    by_number: tuple[str, ...] = ()  # items matched by question number only
    unused: tuple[str, ...] = ()  # export columns nobody asked for
    options: dict[str, dict[int, str]] = field(default_factory=dict)  # multiple choice: code → 0/1 column
    mapped: tuple[str, ...] = ()  # export columns placed by the column map (including ignored ones)


def _metadata_names(q: Questionnaire, fmt: ExportFormat) -> dict[str, tuple[str, ...]]:
    names = dict(fmt.metadata)
    for field_name, col in q.metadata.items():  # the questionnaire's names are tried first
        names[field_name] = (col, *names.get(field_name, ()))
    return names


def match_columns(columns: list[str], q: Questionnaire, *, fmt: ExportFormat | None = None,
                  file: str | None = None, sheet: str | None = None,
                  column_map: dict[str, str | None] | None = None,
                  variables: dict[str, str] | None = None) -> Match:
    """Match export columns to the questionnaire's metadata fields and items.

    The ``column_map`` (export header → item id, ``id[k]`` for option k of a
    multiple-choice item, a metadata field, or None to ignore the column) is
    applied first and overrides everything else; a header may also be an SPSS
    variable name (``variables``: header → name). Then text (or an alias) decides;
    the question number breaks ties and, for a single or text question whose
    wording changed, matches alone when it is unambiguous. A multiple-choice
    question exported as one 0/1 column per option (问卷星 按序号, 腾讯问卷) is
    matched option by option. Raises :class:`MatchError` listing the unmatched
    items and columns when an item the questionnaire needs is missing, and when the
    column map names a header the export lacks or a target the questionnaire lacks.
    """
    fmt = fmt or FORMATS["generic"]
    headers = [parse_header(c) for c in columns]
    free = {h.column: h for h in headers}
    metadata: dict[str, str] = {}
    items: dict[str, str] = {}
    options: dict[str, dict[int, str]] = {}
    mapped = _apply_column_map(column_map or {}, list(columns), q, variables or {}, file=file, sheet=sheet)
    for col, target in mapped.items():
        del free[col]
        if target is None:
            continue
        m = _OPTION_TARGET.match(target)
        if m:
            options.setdefault(m.group(1), {})[int(m.group(2))] = col
            items.setdefault(m.group(1), col)
        elif target in METADATA_FIELDS:
            metadata[target] = col
        else:
            items[target] = col
    _match_metadata(q, fmt, free, metadata)
    _match_by_text(q, free, items, options, file=file, sheet=sheet)
    by_number = _match_by_number(q, free, items)
    missing = [it for it in q.items if it.id not in items and it.is_required]
    if missing:
        listed = "; ".join(f"{it.id} ({show_item(it)})" for it in missing)
        raise MatchError(
            f"{fmt_count(len(missing), 'item')} of questionnaire '{q.id}' not found in the export: {listed}",
            file=file, sheet=sheet,
            got="unmatched columns: " + (", ".join(free) or "(none)"),
            hint=f"rename the columns to the question text, or in {q.file or 'the questionnaire'} add the header to "
                 f"the item's `aliases` (items[…].aliases) or map it under source.columns ('<header>': {missing[0].id})",
        )
    return Match(items=items, metadata=metadata, by_number=tuple(by_number), unused=tuple(free), options=options,
                 mapped=tuple(mapped))


def _match_metadata(q: Questionnaire, fmt: ExportFormat, free: dict[str, Header], metadata: dict[str, str]) -> None:
    """Claim a free column for each metadata field not mapped yet, by its (normalised) header."""
    for name, cands in _metadata_names(q, fmt).items():
        if name in metadata:
            continue
        keys = [normalize(c) for c in cands]
        hit = next((h.column for k in keys for h in free.values() if normalize(h.column) == k), None)
        if hit is not None:
            metadata[name] = hit
            del free[hit]


def _match_by_text(q: Questionnaire, free: dict[str, Header], items: dict[str, str],
                   options: dict[str, dict[int, str]], *, file: str | None, sheet: str | None) -> None:
    """Claim free columns for unmatched items by text or alias (the number breaks ties); option columns too."""
    for it in q.items:
        if it.id in items:
            continue
        texts = {normalize(t) for t in (it.text, *it.aliases)}
        hits = [h for h in free.values() if h.text in texts or (it.type == "matrix_row" and h.sub in texts)]
        if len(hits) > 1 and it.number is not None:
            hits = [h for h in hits if h.number == it.number] or hits
        if len(hits) > 1:
            raise MatchError(f"item '{it.id}' matches several columns: {', '.join(h.column for h in hits)}",
                             file=file, sheet=sheet, hint="rename the columns or add a distinguishing alias")
        if hits:
            items[it.id] = hits[0].column
            del free[hits[0].column]
        elif it.type == "multiple":
            per_option = _match_option_columns(it, q.options(it.id), texts, free)
            if per_option:
                options[it.id] = per_option
                items[it.id] = next(iter(per_option.values()))
                for c in per_option.values():
                    del free[c]


def _match_by_number(q: Questionnaire, free: dict[str, Header], items: dict[str, str]) -> list[str]:
    """Claim a free column for a still unmatched single or text item by its number alone, when unambiguous."""
    by_number = []
    for it in q.items:
        if it.id in items or it.number is None or it.type in ("matrix_row", "multiple"):
            continue
        if sum(o.number == it.number and o.type != "matrix_row" and o.id not in items for o in q.items) != 1:
            continue
        same = [h for h in free.values() if h.number == it.number and not h.is_row]
        if len(same) == 1:
            items[it.id] = same[0].column
            by_number.append(it.id)
            del free[same[0].column]
    return by_number


_OPTION_TARGET = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$")


def merge_column_maps(*maps: dict[str, str | None] | None) -> dict[str, str | None]:
    """Column maps combined, later ones winning.

    By header, and by target: a later map that sends another header to the same item
    replaces the earlier entry.
    """
    out: dict[str, str | None] = {}
    for m in maps:
        if not m:
            continue
        targets = {t for t in m.values() if t is not None}
        out = {h: t for h, t in out.items() if h not in m and t not in targets}
        out.update(m)
    return out


def _apply_column_map(column_map: dict[str, str | None], columns: list[str], q: Questionnaire,
                      variables: dict[str, str], *, file, sheet) -> dict[str, str | None]:
    """Export column → target for each entry of the column map (checked against both sides)."""
    if not column_map:
        return {}
    problems = column_map_problems(q, column_map)
    if problems:
        raise MatchError("column map: " + "; ".join(f"'{k}': {m}" for k, m in problems), file=file, sheet=sheet,
                         hint="map each header to an item id, id[k] for option k of a multiple-choice item, "
                              "a metadata field, or null to ignore the column")
    by_var = {name: header for header, name in variables.items()}
    by_norm: dict[str, list[str]] = {}
    for c in columns:
        by_norm.setdefault(normalize(c), []).append(c)
    out: dict[str, str | None] = {}
    missing = []
    for key, target in column_map.items():
        key = str(key)
        if key in columns:
            col = key
        elif key in by_var:
            col = by_var[key]
        elif len(by_norm.get(normalize(key), [])) == 1:
            col = by_norm[normalize(key)][0]
        else:
            missing.append(key)
            continue
        if col in out:
            raise MatchError(f"column map: '{key}' names the column '{col}' a second time", file=file, sheet=sheet,
                             hint="keep one entry per export column")
        out[col] = target
    if missing:
        raise MatchError(
            f"column map names {fmt_count(len(missing), 'header')} not in the export: " + ", ".join(f"'{k}'" for k in missing),
            file=file, sheet=sheet, got="columns found: " + ", ".join(columns),
            hint="copy the header exactly as the export spells it (spaces and full/half width do not matter)")
    return out


def load_column_map(path, q: Questionnaire) -> dict[str, str | None]:
    """A column map file: YAML ``export header: item id | id[k] | metadata field | null``.

    The entries may also sit under a top-level ``columns:`` key (as in a
    questionnaire's ``source.columns``). Raises :class:`DefinitionError` naming the
    file and the entry.
    """
    from survey.definitions.base import read_yaml  # strict YAML: no duplicate keys, tags or alias bombs

    path = Path(path)
    data = read_yaml(path, what="column map", keys="export header: item id")
    if isinstance(data, dict) and set(data) == {"columns"} and isinstance(data["columns"], dict):
        data = data["columns"]
    if not isinstance(data, dict) or not data:
        raise DefinitionError("expected a mapping 'export header: item id'", file=path,
                              got=type(data).__name__, hint="write one 'header: item_id' line per column")
    out: dict[str, str | None] = {}
    for key, target in data.items():
        if target is not None and not isinstance(target, str):
            raise DefinitionError(f"'{key}' maps to {target!r}, not an item id", file=path, path=str(key),
                                  hint="write the item id, id[k], a metadata field or null")
        out[str(key)] = None if target is None else target.strip()
    problems = column_map_problems(q, out)
    if problems:
        key, msg = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DefinitionError(msg + more, file=path, path=key,
                              hint=f"use an item id of {q.file or q.id}, id[k], a metadata field or null")
    return out


def _match_option_columns(it: Item, opts: tuple[str, ...], keys: set[str], free: dict[str, Header]) -> dict[int, str]:
    """Columns ``N、(选项)`` or ``N.题目:选项`` of a multiple-choice item, by option code."""
    by_text = option_lookup(opts)
    found: dict[int, str] = {}
    for h in free.values():
        if h.sub is None or h.sub not in by_text:
            continue
        same_question = (it.number is not None and h.number == it.number) or any(
            h.text.startswith(k) for k in keys)
        if same_question:
            found[by_text[h.sub]] = h.column
    return found


def show_item(it: Item) -> str:
    """An item as an export header would show it (``3、题目``, ``4、(子问题)``), for messages."""
    num = f"{it.number}、" if it.number else ""
    return f"{num}({it.text})" if it.type == "matrix_row" else f"{num}{it.text}"


def option_lookup(options) -> dict[str, int]:
    """Normalised option text → code (1 = first option)."""
    return {normalize(o): k for k, o in enumerate(options, start=1)}
