"""What the definition files (questionnaires, scoring frameworks) share: the frozen
model base, reading the YAML and turning pydantic's errors into located problems.

Both loaders report every problem as ``path.inside.file: message``
(``items[3].scale: unknown scale 'sad'``, ``indicators[5].rule: unknown rule type
'guess'``), and a YAML syntax error as one line with its line and column.

Definitions are strict data: :class:`StrictLoader` refuses a key repeated in one
mapping (a second ``measures:`` silently replacing the first), any tag (``!!python/…``,
``!!binary``, even ``!!str``), and aliases once they would expand past
:data:`MAX_ALIAS_NODES` nodes (a "billion laughs" file); the error names the file,
the line and the key.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import types
import typing
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


MAX_DEFINITION_BYTES = 2**20  # a definition file is a few KB (the largest shipped 10 KB); 1 MB parses in seconds
MAX_ALIAS_NODES = 10_000  # nodes that aliases (*name) may add to a definition file in all


class _StrictProblem(Exception):
    def __init__(self, message: str, line: int, key: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.line, self.key, self.hint = message, line, key, hint


def _size(node, memo: dict) -> int:
    """Nodes in a YAML node's tree, counting a shared node each time it appears."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a recursive alias counts once (PyYAML refuses it anyway)
    n = 1
    if isinstance(node, yaml.SequenceNode):
        n += sum(_size(v, memo) for v in node.value)
    elif isinstance(node, yaml.MappingNode):
        n += sum(_size(k, memo) + _size(v, memo) for k, v in node.value)
    memo[id(node)] = n
    return n


class _NoDuplicateKeys:
    """A YAML constructor that refuses a key written twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: PyYAML's own error follows
                break
            if first is not None:
                raise _StrictProblem(f"key '{key}' appears twice in one mapping (first on line {first})",
                                     key_node.start_mark.line + 1, str(key))
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]

    def construct_yaml_timestamp(self, node):
        """A date that looks like one but is none (2021-13-45, 2021-02-30) is a located problem, not a crash."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except (ValueError, OverflowError) as exc:
            raise _StrictProblem(f"'{node.value}' is not a valid date ({exc})", node.start_mark.line + 1,
                                 hint="write a real date as YYYY-MM-DD (2021-11-30), or quote the text") from None


class StrictLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """PyYAML's safe loader without duplicate keys, tags, or aliases expanding past a small size."""

    def __init__(self, stream):
        super().__init__(stream)
        self._expanded = 0
        self._sizes: dict = {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._expanded += _size(node, self._sizes)
                if self._expanded > MAX_ALIAS_NODES:
                    raise _StrictProblem(f"aliases expand past {MAX_ALIAS_NODES:,} nodes (*{event.anchor})", line)
        elif getattr(event, "tag", None) not in (None, "!"):
            raise _StrictProblem(f"tags are not allowed in a definition file (got {event.tag})", line)
        return super().compose_node(parent, index)


# libyaml's parser (PyYAML's C extension) reads a definition file seven times faster than the
# pure-Python one (5 ms against 46 ms for the 2021 questionnaires and framework); it cannot refuse
# tags and aliases while composing, so it reads only text where none can be: no '!', '&' or '*'
# where a node may start (the line's start, after a space or a flow indicator); a '*' inside a
# word or a regular expression ("\s*") is no alias. Any other text goes through StrictLoader. Keys
# written twice are refused by the same constructor either way.
FastStrictLoader = type("FastStrictLoader", (_NoDuplicateKeys, yaml.CSafeLoader), {}) \
    if getattr(yaml, "__with_libyaml__", False) else None
for _loader in (StrictLoader, FastStrictLoader):
    if _loader is not None:
        _loader.add_constructor("tag:yaml.org,2002:timestamp",  # type: ignore[attr-defined]
                                _NoDuplicateKeys.construct_yaml_timestamp)
_MAY_TAG_OR_ALIAS = re.compile(r"(?:^|[\s\[\]{},:?-])[!&*]", re.M)


def _check_definition_file(p: Path, what: str, shown: str) -> None:
    """A regular file of sane size (a named pipe would hang the read)."""
    import stat

    st = p.stat()  # FileNotFoundError is the caller's
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(str(p))
    if not stat.S_ISREG(st.st_mode):
        raise DefinitionError(f"is not a regular file (a named pipe or device), not a {what} file", file=shown,
                              hint=f"name the {what} .yaml file itself")
    if st.st_size > MAX_DEFINITION_BYTES:
        raise DefinitionError(f"{st.st_size / 2**20:.1f} MB is too large for a {what} file", file=shown,
                              got=f"{st.st_size:,} bytes", expected=f"at most {MAX_DEFINITION_BYTES:,} (1 MB)",
                              hint="check that you named the right file")


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
            _check_definition_file(p, what, shown)
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
        data, lines = _load_strict(text)
    except _StrictProblem as exc:
        at = f"line {exc.line}" + (f", key '{exc.key}'" if exc.key else "")
        raise DefinitionError(exc.message, file=shown, path=at,
                              hint=exc.hint or "write each key once, without tags (!!…) or large anchors") from None
    except (RecursionError, _TooDeep):  # [[[[… thousands deep: the composer recurses once per level
        raise DefinitionError("the YAML nests too deeply (lists or mappings thousands of levels deep)", file=shown,
                              hint="a definition file is a few levels deep: check that this is the right file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DefinitionError(f"invalid YAML: {problem}", file=shown, path=where,
                              hint="fix the YAML syntax (indentation, quotes, colons)") from None
    if not isinstance(data, dict):
        raise DefinitionError(f"expected a mapping of keys ({keys}) at the top level", file=shown,
                              got=type(data).__name__)
    return YamlMapping(data, lines)


class _TooDeep(Exception):
    """libyaml's own limit on nesting (1,000 levels), said as the pure-Python loader's RecursionError is."""


def _load_strict(text: str) -> tuple[Any, dict[tuple, int]]:
    """The data of a YAML text (:class:`StrictLoader`) and the line of every key, from one parse."""
    plain = not _MAY_TAG_OR_ALIAS.search(text)
    loader = FastStrictLoader(text) if plain and FastStrictLoader is not None else StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            if "maximum nesting depth" in str(getattr(exc, "problem", "")):
                raise _TooDeep() from None
            raise
        if node is None:
            return None, {}
        lines = _node_lines(node)
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


class YamlMapping(dict):
    """A definition file's top-level mapping, with the line of every key (``lines``, for messages)."""

    def __init__(self, data: Mapping, lines: Mapping[tuple, int] | None = None):
        super().__init__(data)
        self.lines: Mapping[tuple, int] = lines or {}


def key_lines(text: str) -> dict[tuple, int]:
    r"""The line of every key and list entry of a YAML text, by its path (``("items", 3, "scale")``).

    >>> key_lines("id: a\nitems:\n  - {id: x, scale: s}\n")[("items", 0, "scale")]
    3
    """
    with contextlib.suppress(yaml.YAMLError):  # lines are only a help
        return _node_lines(yaml.compose(text, Loader=yaml.SafeLoader))
    return {}


def _node_lines(root) -> dict[tuple, int]:
    """The line of every key and list entry under a composed YAML node, by its path."""
    out: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    out.setdefault((*path, k.value), k.start_mark.line + 1)
                    walk(v, (*path, k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out.setdefault((*path, i), v.start_mark.line + 1)
                walk(v, (*path, i))

    walk(root, ())
    return out


# pydantic's names of union members in an error's loc ("literal['a','b']", "tuple[str, ...]",
# "function-after[...]", "str"): not keys of the file
_TYPE_LABEL = re.compile(r"^(literal|tuple|list|dict|set|str|int|float|bool|none|nullable|function-\w+|"
                         r"union|chain|lax-or-strict|json-or-python|is-instance|default)(\[.*)?$")


def file_path(loc: tuple, data=None, tags: Mapping[str, Collection[str]] | None = None) -> tuple:
    """The keys and positions of a pydantic error's ``loc`` that are in the file (see :func:`error_path`)."""
    tags = tags or {}
    out: list = []
    node = data
    prev: Any = None  # the previous loc entry: a key (str) or a position (int)
    for p in loc:
        present = (isinstance(node, dict) and p in node) or (
            isinstance(node, (list, tuple)) and isinstance(p, int) and 0 <= p < len(node))
        skip = (prev in tags and p in tags[prev]) or (
            not present and isinstance(p, str) and _TYPE_LABEL.match(p) is not None)
        prev = p
        if skip:
            continue
        out.append(p)
        node = node[p] if present else None
    return tuple(out)


def error_path(loc: tuple, data=None, tags: Mapping[str, Collection[str]] | None = None,
               top: str = "(top level)") -> str:
    """``('items', 3, 'scale')`` → ``items[3].scale``, without pydantic's union labels.

    ``tags``: field name → the tags of its discriminated union (``{"rule": RULE_TYPES}``);
    the tag pydantic puts after such a field is dropped. ``data`` (the file's mapping)
    keeps a key that merely looks like a type label when the file has it. ``top`` is
    the path of an error about the whole file (a model-level check).
    """
    out = ""
    for p in file_path(loc, data, tags):
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or top


def _model_of(annotation, node) -> Any:
    """The model class an annotation holds for the file's ``node``: through Optional, Annotated and
    unions (a tagged one by the node's ``type``); containers are returned as they are."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_of(typing.get_args(annotation)[0], node)
    if origin in (typing.Union, types.UnionType):
        members = [_model_of(a, node) for a in typing.get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        tag = node.get("type") if isinstance(node, dict) else None
        for m in models:
            f = m.model_fields.get("type")
            if f is not None and tag in typing.get_args(f.annotation):
                return m
        containers = [m for m in members if typing.get_origin(m) is not None]
        if isinstance(node, dict) and models:
            return models[0]
        return containers[0] if containers else (members[0] if members else None)
    return annotation


def allowed_keys(model: type[BaseModel], path: tuple, data=None) -> list[str]:
    """The keys a definition allows in the mapping at ``path`` (empty when the path leaves the models)."""
    ann: Any = model
    node = data
    for p in path:
        ann = _model_of(ann, node)
        if isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(p, str):
            field = ann.model_fields.get(p) or next((f for f in ann.model_fields.values() if f.alias == p), None)
            if field is None:
                return []
            ann = field.annotation
        elif typing.get_origin(ann) in (tuple, list) and isinstance(p, int):
            ann = typing.get_args(ann)[0]
        elif typing.get_origin(ann) in (dict, Mapping) and isinstance(p, str):
            ann = typing.get_args(ann)[1]
        else:
            return []
        node = node[p] if isinstance(node, (dict, list)) and _has(node, p) else None
    ann = _model_of(ann, node)
    if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
        return []
    return [f.alias or name for name, f in ann.model_fields.items() if name != "file"]


def _has(node, p) -> bool:
    return p in node if isinstance(node, dict) else isinstance(p, int) and 0 <= p < len(node)


def unknown_name(name: str, allowed: list[str], *, what: str = "key", listing: str = "allowed here:") -> str:
    """``unknown key 'weigth' — did you mean 'weight'?`` (or the names allowed there).

    >>> unknown_name("overal", ["overall", "q1"], what="item", listing="items are")
    "unknown item 'overal' — did you mean 'overall'?"
    >>> unknown_name("zz", ["overall", "q1"], what="item", listing="items are")
    "unknown item 'zz'; items are overall, q1"
    """
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown {what} '{name}' — did you mean '{close[0]}'?"
    if allowed:
        return f"unknown {what} '{name}'; {listing} {', '.join(allowed)}"
    return f"unknown {what} '{name}' (check its spelling)"


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
                        top: str = "(top level)", model: type[BaseModel] | None = None) -> list[tuple[str, str]]:
    """Every error of a validation as (path inside the file, message), in pydantic's order.

    An unknown key's path starts with its line (``line 12, weighting.weigth``) when ``data``
    came from :func:`read_yaml`, and its message names the closest key the definition
    (``model``) allows there: ``unknown key 'weigth' — did you mean 'weight'?``.
    """
    out: list[tuple[str, str]] = []
    lines = getattr(data, "lines", {})
    missing, meant = {}, set()  # a required key reported missing, and the keys a misspelling meant
    for err in exc.errors():
        loc = tuple(err["loc"])
        where, message = error_path(loc, data, tags, top), _message(err)
        path = file_path(loc, data, tags)
        if err.get("type") == "extra_forbidden":
            if path and isinstance(path[-1], str):
                message = unknown_name(path[-1], allowed_keys(model, path[:-1], data) if model is not None else [])
                if "did you mean" in message:
                    meant.add((*path[:-1], message.rsplit("'", 2)[-2]))
            line = lines.get(path)
            where = f"line {line}, {where}" if line else where
        elif err.get("type") == "missing":
            missing[(where, message)] = path
        item = (where, message)
        if item not in out:
            out.append(item)
    # 'title: Field required' beside "unknown key 'titel' — did you mean 'title'?" says it twice
    return [item for item in out if missing.get(item) not in meant]


def problems_error(file: str | None, problems: list[tuple[str, str]], *, hint: str | None = None) -> DefinitionError:
    """One error listing every problem: the first one's path, then ``; path: message`` for the others."""
    (path, first), rest = problems[0], problems[1:]
    message = first + "".join(f"; {p}: {m}" for p, m in rest)
    if rest:
        message = f"{len(problems)} problems: {path}: {message}"
    return DefinitionError(message, file=file, path=None if rest else path, hint=hint)
