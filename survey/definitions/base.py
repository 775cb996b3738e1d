"""What the definition files (questionnaires, scoring frameworks) share: the frozen
model base, reading the YAML and turning pydantic's errors into located problems.

Both loaders report every problem as ``path.inside.file: message``
(``items[3].scale: unknown scale 'sad'``, ``indicators[5].rule: unknown rule type
'guess'``), and a YAML syntax error as one line with its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from survey.errors import DefinitionError


def repeated(names) -> list[str]:
    """The names listed more than once, sorted (for the 'must be unique' checks)."""
    names = list(names)
    return sorted({n for n in names if names.count(n) > 1})


class FrozenModel(BaseModel):
    """Base of every definition model: immutable, unknown keys are errors, text stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def read_yaml(path: str | Path | None = None, *, what: str, keys: str, text: str | None = None,
              name: str | None = None) -> dict:
    """The top-level mapping of a definition file (or of ``text``, shown as ``name``).

    ``what`` names the kind of file in messages ("questionnaire", "framework");
    ``keys`` lists the top-level keys expected, for the error on a non-mapping.
    """
    shown = name or str(path)
    if text is None:
        if path is None:
            raise TypeError("read_yaml needs a path or the text")
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DefinitionError(f"{what} file not found", file=shown,
                                  hint="check the path and the file name") from None
        except IsADirectoryError:
            raise DefinitionError(f"is a folder, not a {what} file", file=shown,
                                  hint="name the .yaml file itself") from None
        except UnicodeDecodeError as exc:
            raise DefinitionError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=shown,
                                  hint="save the file as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DefinitionError(f"invalid YAML: {problem}", file=shown, path=where,
                              hint="fix the YAML syntax (indentation, quotes, colons)") from None
    if not isinstance(data, dict):
        raise DefinitionError(f"expected a mapping of keys ({keys}) at the top level", file=shown,
                              got=type(data).__name__)
    return data


# pydantic's names of union members in an error's loc ("literal['a','b']", "tuple[str, ...]",
# "function-after[...]", "str"): not keys of the file
_TYPE_LABEL = re.compile(r"^(literal|tuple|list|dict|set|str|int|float|bool|none|nullable|function-\w+|"
                         r"union|chain|lax-or-strict|json-or-python|is-instance|default)(\[.*)?$")


def error_path(loc: tuple, data=None, tags: Mapping[str, Collection[str]] | None = None,
               top: str = "(top level)") -> str:
    """``('items', 3, 'scale')`` → ``items[3].scale``, without pydantic's union labels.

    ``tags``: field name → the tags of its discriminated union (``{"rule": RULE_TYPES}``);
    the tag pydantic puts after such a field is dropped. ``data`` (the file's mapping)
    keeps a key that merely looks like a type label when the file has it. ``top`` is
    the path of an error about the whole file (a model-level check).
    """
    tags = tags or {}
    out, node = "", data
    prev: Any = None  # the previous loc entry: a key (str) or a position (int)
    for p in loc:
        present = (isinstance(node, dict) and p in node) or (
            isinstance(node, (list, tuple)) and isinstance(p, int) and 0 <= p < len(node))
        skip = (prev in tags and p in tags[prev]) or (
            not present and isinstance(p, str) and _TYPE_LABEL.match(p) is not None)
        prev = p
        if skip:
            continue
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
        node = node[p] if present else None
    return out or top


def _message(err: Mapping) -> str:
    kind, ctx = err.get("type"), err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key (check its spelling)"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "expected a mapping with its type (type: …) and parameters"
    return err["msg"].removeprefix("Value error, ")


def validation_problems(exc: ValidationError, data=None, *, tags: Mapping[str, Collection[str]] | None = None,
                        top: str = "(top level)") -> list[tuple[str, str]]:
    """Every error of a validation as (path inside the file, message), in pydantic's order."""
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        item = (error_path(tuple(err["loc"]), data, tags, top), _message(err))
        if item not in out:
            out.append(item)
    return out


def problems_error(file: str | None, problems: list[tuple[str, str]], *, hint: str | None = None) -> DefinitionError:
    """One error listing every problem: the first one's path, then ``; path: message`` for the others."""
    (path, first), rest = problems[0], problems[1:]
    message = first + "".join(f"; {p}: {m}" for p, m in rest)
    if rest:
        message = f"{len(problems)} problems: {path}: {message}"
    return DefinitionError(message, file=file, path=None if rest else path, hint=hint)
