"""A report folder as last year's (OLD) wherever it was written from: manifest.json records
each input's path relative to the report folder (``from_report``) beside its name and hash.

survey.evaluation.previous (previous_source, from_report), survey.render.report (the manifest).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from survey.cli import main
from survey.evaluation.previous import previous_source

from .conftest import QDIR, RAW_2021, ROOT, framework_beside

RAW_2022 = ROOT / "raw" / "2022.xlsx"


def _strings(value):
    """Every string of a JSON value (to look for machine paths)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_a_report_written_elsewhere_is_last_year_by_its_relative_paths(tmp_path, monkeypatch, without_charts):
    # the inputs in tmp/b, the report written to tmp/a/reports/2021 from tmp/c: the manifest's
    # names (2021.xlsx, staff.yaml) are not under tmp/a, so only the paths from the report find them
    b = tmp_path / "b"
    shutil.copytree(QDIR, b / "questionnaires")
    framework_beside(Path(shutil.copy(RAW_2021, b / "2021.xlsx")))
    (tmp_path / "c").mkdir()
    monkeypatch.chdir(tmp_path / "c")
    res = CliRunner().invoke(main, ["analyze", "../b/2021.xlsx", "-q", "../b/questionnaires",
                                    "-o", "../a/reports/2021"])
    assert res.exit_code == 0, res.output
    report = tmp_path / "a" / "reports" / "2021"
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["workbook"]["path"] == "2021.xlsx"  # the name, as before
    assert manifest["inputs"]["workbook"]["from_report"] == "../../../b/2021.xlsx"
    assert [q["from_report"] for q in manifest["questionnaires"]] == [
        "../../../b/questionnaires/staff.yaml", "../../../b/questionnaires/offender.yaml"]
    assert not any(s.startswith("/") or str(tmp_path) in s for s in _strings(manifest))  # no machine path

    monkeypatch.chdir(tmp_path)  # used from another folder again
    src = previous_source("a/reports/2021")
    assert src.path.resolve() == (b / "2021.xlsx").resolve()
    assert [p.name for p in src.questionnaires or ()] == ["staff.yaml", "offender.yaml"]
    res = CliRunner().invoke(main, ["analyze", str(RAW_2022), "-q", str(QDIR), "--previous", "a/reports/2021",
                                    "-o", "new"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "new" / "report.html").read_text(encoding="utf-8")
    assert "薪酬福利待遇2022年为86.33%，2021年为70.95%，提高15.38个百分点" in html
    res = CliRunner().invoke(main, ["compare", "a/reports/2021", str(RAW_2022), "-q", str(QDIR), "-o", "cmp"])
    assert res.exit_code == 0, res.output
    assert res.output.count("显著提高") == 1 and "与2021年比较" in res.output

    # moved: one line naming the manifest, the input and every place looked at
    (b / "2021.xlsx").rename(b / "moved.xlsx")
    res = CliRunner().invoke(main, ["compare", "a/reports/2021", str(RAW_2022), "-q", str(QDIR), "-o", "cmp"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    line = res.output.strip()
    assert "\n" not in line and "manifest.json" in line and "workbook '2021.xlsx'" in line and "was not found" in line
    assert str(b / "2021.xlsx") in line and "folders above" in line and "files named 2021.xlsx under" in line
    # changed: the SHA-256 check is as before
    (b / "moved.xlsx").rename(b / "2021.xlsx")
    (b / "2021.xlsx").write_bytes((b / "2021.xlsx").read_bytes() + b"\0")
    res = CliRunner().invoke(main, ["compare", "a/reports/2021", str(RAW_2022), "-q", str(QDIR), "-o", "cmp"])
    assert res.exit_code == 1 and "changed since the report was written" in res.output


def test_a_manifest_without_paths_from_the_report_is_resolved_as_before(tmp_path, monkeypatch):
    # a manifest written before from_report was recorded: found from the working folder
    manifest = json.loads((ROOT / "reports" / "2021" / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"]["workbook"].pop("from_report", None)
    for q in manifest["questionnaires"]:
        q.pop("from_report", None)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.chdir(ROOT)
    src = previous_source(tmp_path / "old")
    assert src.path.resolve() == RAW_2021.resolve() and len(src.questionnaires or ()) == 2


def test_the_committed_report_finds_its_inputs_from_anywhere(tmp_path, monkeypatch):
    # reports/2021/manifest.json (committed) holds paths from the report, no machine path
    manifest = json.loads((ROOT / "reports" / "2021" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["workbook"]["from_report"] == "../../raw/2021.xlsx"
    monkeypatch.chdir(tmp_path)
    src = previous_source(ROOT / "reports" / "2021")
    assert src.path.resolve() == RAW_2021.resolve()
    assert [p.resolve() for p in src.questionnaires or ()] == [QDIR / "staff.yaml", QDIR / "offender.yaml"]
