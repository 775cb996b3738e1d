"""The package's shape: layers that only point down the flow, no cycles, no private imports.

The import graph is read from the source with :mod:`ast` (module-level imports and
imports inside functions alike), so a lazy import cannot hide an upward arrow.

Layers, lowest first (README "Where things live")::

    errors, formatting   everyone may import them
    definitions/         questionnaire, framework and rule models, vocabularies, YAML
    inputs/              reading files, export formats, tidying, privacy, frames, facts
    stats/               design, estimators, weights, replicates, sample size, reliability
    evaluation/          cleaning rules, measures, weighting to a frame, validity, scoring, audit
    render/              xlsx / docx / html writers, Chinese sentences, atomic file writing
    pipeline             the chain (never renders)
    cli                  the thin command line
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "survey"

# layer → the layers it may import (its own included)
ALLOWED = {
    "base": {"base"},
    "definitions": {"base", "definitions"},
    "inputs": {"base", "definitions", "inputs"},
    "stats": {"base", "definitions", "stats"},
    "evaluation": {"base", "definitions", "inputs", "stats", "evaluation"},
    "render": {"base", "definitions", "inputs", "stats", "evaluation", "render"},
    "pipeline": {"base", "definitions", "inputs", "stats", "evaluation", "pipeline"},
    "cli": {"base", "definitions", "inputs", "stats", "evaluation", "render", "pipeline", "cli"},
    "package": {"base", "cli"},  # survey/__init__.py (lazy names only) and __main__.py (runs the cli)
}
BASE_MODULES = {"survey.errors", "survey.formatting"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer(module: str) -> str:
    if module in ("survey", "survey.__main__"):
        return "package"
    if module in BASE_MODULES:
        return "base"
    part = module.split(".")[1]
    return part if part in ALLOWED else "base"


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported survey module, names imported from it, line) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("survey"):
                continue
            names = [a.name for a in node.names]
            # `from survey.stats import sampling`: the module imported is survey.stats.sampling
            subs = [n for n in names if (ROOT.parent / Path(*target.split("."), n)).with_suffix(".py").exists()
                    or (ROOT.parent / Path(*target.split("."), n) / "__init__.py").exists()]
            for n in subs:
                out.append((f"{target}.{n}", [], node.lineno))
            rest = [n for n in names if n not in subs]
            if rest or not subs:
                out.append((target, rest, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("survey"):
                    out.append((a.name, [], node.lineno))
    return out


FILES = sorted(ROOT.rglob("*.py"))
GRAPH = {module_name(p): imports(p) for p in FILES}


def test_the_graph_was_read():
    assert "survey.pipeline" in GRAPH and len(GRAPH) > 20
    assert any(t == "survey.errors" for t, _, _ in GRAPH["survey.pipeline"])


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_layers(module):
    mine = layer(module)
    upward = [f"line {line}: {target} ({layer(target)})" for target, _, line in GRAPH[module]
              if target != "survey" and layer(target) not in ALLOWED[mine]]
    assert not upward, f"{module} ({mine}) imports a higher layer: " + "; ".join(upward)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_private_name_is_imported_across_modules(module):
    private = [f"line {line}: {target}.{n}" for target, names, line in GRAPH[module] for n in names
               if n.startswith("_") and n != "__version__" and target != module]
    assert not private, f"{module} imports private names: " + "; ".join(private)


def test_no_import_cycles():
    edges = {m: {t for t, _, _ in deps if t in GRAPH and t != m and t != "survey"} for m, deps in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycle = [*stack[stack.index(t):], t]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


def test_no_module_is_too_long():
    long = {module_name(p): n for p in FILES if (n := len(p.read_text(encoding="utf-8").splitlines())) > 650}
    assert not long, f"modules over 650 lines (split them by concept): {long}"


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = node.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        if len(body) == 1:
            return 0
        first = body[1]
    return (node.end_lineno or node.lineno) - first.lineno + 1


def test_no_function_is_too_long():
    long = []
    for p in FILES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (n := _body_lines(node)) > 60:
                long.append(f"{module_name(p)}.{node.name} ({n} lines)")
    assert not long, "functions over 60 lines (extract helpers): " + "; ".join(long)
