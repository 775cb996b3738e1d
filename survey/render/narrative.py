"""The evaluator's own text for the report body: a narrative file beside the inputs.

Only people know a project's background, its achievements, its problems and what
they recommend; the package never writes them. An evaluation may put them in a
Markdown file next to the workbook — ``<workbook stem>.narrative.md`` or
``narrative.md`` in the same folder — with one ``## 名称`` heading per section::

    ## 项目概况
    为进一步保障和促进……（any number of paragraphs, separated by blank lines）

    ## 存在问题
    一是……

The section names the report reads are :data:`SECTIONS`; a heading it does not know
is an error (a typo would otherwise drop the text silently). A section left out
stands in the report as a visible 【待填写：…】 placeholder with the data that bear on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from survey.errors import DefinitionError
from survey.inputs.sidecar import beside, first_file

# name → what the evaluator writes there (the placeholder's wording)
SECTIONS = {
    "项目概况": "项目设立依据、主管部门与实施单位职责、资金用途",
    "资金情况": "资金来源、预算安排、到位与使用情况",
    "绩效目标": "中长期绩效目标与年度绩效目标",
    "评价目的": "本次评价的目的",
    "主要成效": "项目实施取得的主要成效",
    "存在问题": "评价发现的主要问题",
    "相关建议": "针对问题提出的改进建议",
}
_HEADING = re.compile(r"^##\s+(.+?)\s*$")


@dataclass(frozen=True)
class Narrative:
    """Paragraphs by section name; ``file`` is where they came from (None: no file)."""

    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file: str | None = None

    def get(self, name: str) -> tuple[str, ...]:
        return self.sections.get(name, ())


def narrative_path(workbook: str | Path) -> Path | None:
    """The narrative file of an analysis' source.

    For a workbook ``<stem>.narrative.md``, else ``narrative.md`` beside it; for an
    evaluation folder (``survey analyze .`` included) ``narrative.md`` inside it.
    """
    return first_file(beside(Path(workbook).resolve(), "narrative.md"))  # found as a workbook's framework is


def parse_narrative(text: str, *, file: str | None = None) -> Narrative:
    """Sections of a narrative text (see the module docstring for the format)."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    para: list[str] = []

    def flush():
        if current is not None and para:
            sections[current].append("".join(s.strip() for s in para))
        para.clear()

    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _HEADING.match(line)
        if m:
            flush()
            current = m.group(1)
            if current not in SECTIONS:
                raise DefinitionError(f"unknown narrative section '{current}'", file=file, row=lineno,
                                      got=current, expected="one of " + ", ".join(SECTIONS),
                                      hint="rename the heading (## 名称) to one of the report's sections")
            sections.setdefault(current, [])
        elif not line.strip():
            flush()
        elif current is not None:
            para.append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise DefinitionError("narrative text before the first section heading", file=file, row=lineno,
                                  got=line.strip()[:30], expected="a '## 名称' heading first",
                                  hint="start the file with a heading such as '## 项目概况'")
    flush()
    return Narrative({k: tuple(v) for k, v in sections.items() if v}, file)


def read_narrative(workbook: str | Path) -> Narrative:
    """The narrative beside a workbook, or an empty one when there is no file."""
    p = narrative_path(workbook)
    if p is None:
        return Narrative()
    return parse_narrative(p.read_text(encoding="utf-8-sig"), file=str(p))
