"""The example evaluations of other fields go from `survey init` to annex.docx with the documented
steps, and their generators (seeded) remake the data they ship."""

from __future__ import annotations

import html
import re
import runpy
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.inputs.read import Workbook, read_table

EXAMPLES = {"rural-water-2023": ("make_rural_water_data.py", "乡镇", 12),
            "school-meals-2023": ("make_school_meals_data.py", "街道", 11)}


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_an_example_runs_from_init_to_the_annex(example_run, name):
    from survey.evaluation.score import load_framework

    folder, out = example_run(name)  # `survey init FOLDER --from NAME` and `survey analyze FOLDER` (conftest)
    assert "12" in run("framework", "check", folder / "framework.yaml") or EXAMPLES[name][2] == 11
    fw = load_framework(folder / "framework.yaml")
    assert len(fw.indicators) == EXAMPLES[name][2] and len({i.rule.type for i in fw.indicators}) >= 5
    run("questionnaire", "check", *sorted((folder / "questionnaires").glob("*.yaml")))
    assert "评分表 total:" in out
    reports = folder / "reports" / folder.name  # the exports are files of their own: named after the folder
    import docx

    text = "\n".join(c.text for t in docx.Document(str(reports / "annex.docx")).tables
                     for r in t.rows for c in r.cells)
    assert "评分" in text
    assert "南京" not in out and "矫正" not in out and "2021" not in out
    # no output file names the reference case or its unit (区间 is an interval, 优势区 … a quadrant)
    found = {f.name: hits for f in sorted(reports.iterdir()) if (hits := reference_words(f))}
    assert found == {}
    assert EXAMPLES[name][1] + "覆盖" in Workbook(reports / "validity.xlsx").sheet_names


REFERENCE_WORDS = re.compile(r"南京|矫正|(?<![\d.])2021(?!\d)|(?<!优势|维持|修补|机会|改进)区(?!间)")


def reference_words(path: Path) -> list[str]:
    """Every 南京 / 矫正 / 2021 / 区 in an output file's text (xlsx and docx: every XML part), with context."""
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as z:
            parts = [html.unescape(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8"))) for n in z.namelist()
                     if n.endswith((".xml", ".rels"))]
    else:
        parts = [path.read_text(encoding="utf-8")]
    return [t[max(0, m.start() - 15):m.end() + 15] for t in parts for m in REFERENCE_WORDS.finditer(t)]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_generator_remakes_the_shipped_data(tmp_path, name):
    root = Path(__file__).resolve().parents[1]
    shipped = root / "survey" / "examples" / name
    runpy.run_path(str(root / "examples" / EXAMPLES[name][0]), run_name="generator")["main"](tmp_path)
    for f in sorted((shipped / "raw").iterdir()):
        if f.suffix in (".csv", ".sav"):
            assert read_table(tmp_path / "raw" / f.name).data.equals(read_table(f).data), f.name
        else:
            made, kept = Workbook(tmp_path / "raw" / f.name), Workbook(f)
            assert made.sheet_names == kept.sheet_names
            for sheet in kept.sheet_names:
                assert made.table(sheet).data.equals(kept.table(sheet).data), (f.name, sheet)
