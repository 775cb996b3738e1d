"""Regular expressions written in a definition file, checked before any answer meets them.

A questionnaire may carry a pattern (``cleaning.test_submissions.text_pattern``) that is
searched in every free-text answer. A backtracking engine takes time exponential in the
length of an answer that almost matches a pattern repeating a group which itself repeats or
branches — ``(a+)+$``, ``(\\w+\\s?)*$``, ``(a|ab)*c`` — and polynomial time on adjacent
repeats such as ``\\s*\\s*\\s*x``: one long comment then hangs the analysis (catastrophic
backtracking). Two guards:

- :func:`pattern_problem` refuses, when the file is loaded, a pattern that does not compile
  or that repeats a repeating or branching group, saying how to write it instead;
- :func:`search` searches with the ``regex`` package (re's syntax) and a time limit
  (:data:`PATTERN_SECONDS` per answer), so what the check cannot see stops with an error
  naming the answer instead of hanging. Python's ``re`` has no time limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

# Longest time one search of a definition's pattern in one answer may take (a short mark such as
# 测试 is found in microseconds; a search beyond this is backtracking without end).
PATTERN_SECONDS = 1.0


@dataclass
class _Group:
    start: int
    repeats: bool = False    # holds a quantifier (of any kind)
    branches: bool = False   # holds a top-level | (alternation)


def _class_end(p: str, i: int) -> int:
    """The index after the ``]`` closing the character class opened at ``p[i]``."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":  # a ] first in the class is a literal
        j += 1
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1


def _group_body(p: str, i: int) -> int:
    """The index where the body of the group opened just before ``p[i]`` starts (after ``?:``, ``?P<name>`` …)."""
    if not p.startswith("?", i):
        return i
    i += 1
    if p.startswith("P<", i):
        return p.index(">", i) + 1
    if p.startswith("P=", i):
        return p.index(")", i)
    if p.startswith(("<=", "<!"), i):
        return i + 2
    while i < len(p) and p[i] in "aiLmsux-":
        i += 1
    return i + 1 if i < len(p) and p[i] in ":=!" else i


_BRACES = re.compile(r"\{(\d*)(,?)(\d*)\}")


def _quantifier(p: str, i: int) -> tuple[int, bool] | None:
    """(length, repeats more than once) of the quantifier at ``p[i]``, or None when there is none."""
    c = p[i]
    if c in "*+":
        return 1, True
    if c == "?":
        return 1, False
    if c == "{":
        m = _BRACES.match(p, i)
        if m is None or not (m.group(1) or m.group(3)):
            return None  # a literal {
        lo, comma, hi = m.groups()
        many = (bool(comma) and (not hi or int(hi) > 1)) or (not comma and int(lo or 0) > 1)
        return len(m.group(0)), many
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused, or None: it does not compile, or it repeats a group that repeats or branches.

    >>> pattern_problem(r"(?i)^\\s*(测试|test).{0,10}$") is None
    True
    >>> pattern_problem(r"(a+)+$")[:60]
    "pattern '(a+)+$' repeats the group '(a+)', which itself repe"
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"pattern '{pattern}' is not a regular expression: {exc}"
    stack, last, i = [_Group(-1)], None, 0   # last: the atom a quantifier would apply to (a group or None)
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            last, i = None, i + 2
            continue
        if c == "[":
            last, i = None, _class_end(pattern, i)
            continue
        if c == "(":
            if pattern.startswith("(?#", i):  # a comment
                i = pattern.index(")", i) + 1
                continue
            stack.append(_Group(i))
            last, i = None, _group_body(pattern, i + 1)
            continue
        if c == ")" and len(stack) > 1:
            last = stack.pop()
            stack[-1].repeats |= last.repeats
            stack[-1].branches |= last.branches
            i += 1
            continue
        if c == "|":
            stack[-1].branches = True
            last, i = None, i + 1
            continue
        q = _quantifier(pattern, i)
        if q is None:
            last, i = None, i + 1
            continue
        length, many = q
        if many and last is not None and (last.repeats or last.branches):
            group = pattern[last.start:i]
            what = "itself repeats" if last.repeats else "has alternatives (|) that may match the same text"
            return (f"pattern '{pattern}' repeats the group '{group}', which {what}: on a long answer this "
                    "takes exponential time (catastrophic backtracking). Write it without repeating that group "
                    "(e.g. (a+)+ as a+, (x|y)+ as [xy]+), or anchor a short literal mark such as ^\\s*测试")
        stack[-1].repeats = True
        i += length + (1 if i + length < len(pattern) and pattern[i + length] in "?+" else 0)  # lazy / possessive
        last = None
    return None


def compile_pattern(pattern: str) -> regex.Pattern:
    """``pattern`` compiled for :func:`search` (``regex``'s version 0: the syntax of Python's ``re``)."""
    import regex  # only for a definition with a pattern (38 ms to import)

    return regex.compile(pattern, regex.VERSION0)


def search(pattern: regex.Pattern, text) -> bool:
    """``pattern`` found in ``text`` (a string; anything else is not searched).

    Raises ``TimeoutError`` when the search takes longer than :data:`PATTERN_SECONDS`
    (read at each call): the caller names the answer and the pattern.

    >>> search(compile_pattern(r"^\\s*(测试|test)"), " 测试问卷")
    True
    """
    return isinstance(text, str) and pattern.search(text, timeout=PATTERN_SECONDS) is not None
