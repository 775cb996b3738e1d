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


# -- nothing of one evaluation in the package ---------------------------------------------------

ONE_EVALUATION = ("nanjing", "南京", "矫正")  # the reference case: data under survey/examples, raw/, questionnaires/


def _documentation(tree: ast.AST) -> set[int]:
    """ids of the string nodes that document rather than run: docstrings and click ``help=`` texts."""
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    helps = {id(sub) for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "help"
             for sub in ast.walk(k.value)}
    return docs | helps


def _code_words(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant, name and comment of a module, documentation left out."""
    import io
    import tokenize

    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    skip = _documentation(tree)
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip:
            out.append((n.lineno, n.value))
        elif isinstance(n, ast.Name | ast.FunctionDef | ast.ClassDef | ast.Attribute | ast.arg | ast.alias):
            out.append((n.lineno, getattr(n, "id", None) or getattr(n, "name", None) or getattr(n, "attr", None)
                        or getattr(n, "arg", "")))
    out += [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type == tokenize.COMMENT]
    return out


def test_the_package_ships_no_evaluation_outside_its_examples():
    """No framework (or any data file) in the package but the examples a user asks for by name
    (`survey init --from NAME`), and no code naming the reference case: a workbook's framework is
    the one beside it (survey.inputs.sidecar), never one the package falls back to."""
    import tomllib

    data = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()
            and p.suffix not in (".py", ".pyc") and p.relative_to(ROOT).parts[0] != "examples"]
    assert not data, f"data files in the package outside survey/examples: {data}"
    pyproject = tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(pyproject["tool"]["setuptools"]["package-data"]) == {"survey.examples"}
    named = [f"{module_name(p)}:{line}: {text}" for p in FILES if p.relative_to(ROOT).parts[0] != "examples"
             for line, text in _code_words(p) if any(w in text.lower() for w in ONE_EVALUATION)]
    assert not named, "code naming the reference case (data belong in survey/examples, raw/): " + "; ".join(named)


def test_the_guard_sees_code_but_not_documentation(tmp_path):
    p = tmp_path / "m.py"
    p.write_text('"""南京: a docstring."""\nimport click\nFW = "nanjing-2021.yaml"  # 矫正\n'
                 'opt = click.option("--x", help="e.g. 南京")\n\ndef nanjing():\n    """南京"""\n', encoding="utf-8")
    found = [(line, text) for line, text in _code_words(p) if any(w in text.lower() for w in ONE_EVALUATION)]
    assert sorted(found) == [(3, "# 矫正"), (3, "nanjing-2021.yaml"), (6, "nanjing")]
