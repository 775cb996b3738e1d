"""Docstrings: every public function and class of survey/ says what it is, numpydoc-style;
the statistics, the cell parsing, the number formatting and the measures show a runnable
example (the examples themselves run with the suite: pytest's ``--doctest-modules``).

Public: defined at the top level of its module (not imported there) under a name that
does not start with ``_``. Numpydoc style, as far as a test can see it: a one-line
summary, a blank line before any further text, and section headers (Parameters,
Returns, …) underlined with dashes of their length.
"""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "survey"
# modules whose every public function carries a `>>>` example
WITH_EXAMPLES = ("stats/", "definitions/cells.py", "formatting.py", "evaluation/measures.py")
SECTIONS = ("Parameters", "Returns", "Yields", "Raises", "Warns", "See Also", "Notes", "References", "Examples",
            "Attributes", "Methods", "Other Parameters")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def public_objects() -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                out.append((path, node))
    return out


OBJECTS = public_objects()


def test_the_walk_finds_the_package():
    names = {(p.name, n.name) for p, n in OBJECTS}
    assert ("pipeline.py", "analyze") in names and ("reliability.py", "cronbach") in names
    assert len(OBJECTS) > 200


def style_problems(doc: str | None) -> list[str]:
    if not doc:
        return ["no docstring"]
    lines = doc.splitlines()
    problems = []
    if not lines[0].strip():
        problems.append("the first line is not a summary")
    if len(lines) > 1 and lines[1].strip():
        problems.append("the summary runs over one line (numpydoc: one line, then a blank line)")
    for i, line in enumerate(lines[:-1]):
        if line.strip() in SECTIONS and lines[i + 1].strip() != "-" * len(line.strip()):
            problems.append(f"section '{line.strip()}' is not underlined with dashes")
    return problems


def test_every_public_function_and_class_has_a_numpydoc_docstring():
    bad = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {'; '.join(problems)}"
           for path, node in OBJECTS if (problems := style_problems(ast.get_docstring(node)))]
    assert not bad, "\n".join(bad)


def test_the_style_check_tells_good_from_bad():
    assert style_problems("One line.\n\nMore.\n\nReturns\n-------\nx") == []
    assert style_problems(None) == ["no docstring"]
    assert style_problems("A summary that\nruns on.") != []
    assert style_problems("One line.\n\nReturns\n---\nx") != []


def functions_needing_examples():
    for path, node in OBJECTS:
        rel = path.relative_to(PACKAGE).as_posix()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and rel.startswith(WITH_EXAMPLES):
            yield module_name(path), node.name


@pytest.mark.parametrize(("module", "name"), list(functions_needing_examples()))
def test_public_function_has_a_runnable_example(module, name):
    obj = getattr(importlib.import_module(module), name)
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, module=importlib.import_module(module))
    assert any(t.examples for t in tests), f"{module}.{name} has no `>>>` example"
