"""Evaluation folders shipped with survey, for ``survey init DIR [--from NAME]``.

Each example is a folder of package data with an ``evaluation.yaml``: ``blank`` is the
skeleton ``survey init`` writes by default (a generic framework and questionnaire to
edit); ``nanjing-2021`` is the reference case, the 2021 Nanjing community-correction
fund (its framework, both questionnaires and the synthetic workbook raw/2021.xlsx).

>>> "nanjing-2021" in example_names() and "blank" in example_names()
True
>>> sorted(example_files("blank"))[:2]
['README.md', 'evaluation.yaml']
"""

from __future__ import annotations

from importlib import resources

from survey.errors import DefinitionError

DEFAULT_EXAMPLE = "blank"
_SKIP = ("__pycache__", "__init__.py")


def _root():
    return resources.files(__name__)


def example_names() -> tuple[str, ...]:
    """The examples shipped, sorted."""
    return tuple(sorted(d.name for d in _root().iterdir()
                        if d.is_dir() and d.joinpath("evaluation.yaml").is_file()))


def example_files(name: str = DEFAULT_EXAMPLE) -> dict[str, bytes]:
    """Every file of an example as relative path (with ``/``) → bytes, sorted by path."""
    names = example_names()
    if name not in names:
        raise DefinitionError(f"unknown example '{name}'", got=name, expected="one of " + ", ".join(names),
                              hint="run `survey init --help` for the examples shipped")
    out: dict[str, bytes] = {}

    def walk(node, prefix: str) -> None:
        for child in node.iterdir():
            if child.name in _SKIP or child.name.endswith(".pyc"):
                continue
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            else:
                out[prefix + child.name] = child.read_bytes()

    walk(_root().joinpath(name), "")
    return dict(sorted(out.items()))
