"""Shared fixtures: the repository's folders and small helpers to write inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QDIR = ROOT / "questionnaires"
RAW_2021 = ROOT / "raw" / "2021.xlsx"
FRAMEWORK_2021 = ROOT / "raw" / "2021.framework.yaml"  # found beside RAW_2021 (<stem>.framework.yaml)
REF = ROOT / "tests" / "data" / "reference"  # R survey's api samples (see its README)


def framework_beside(book: Path, framework: Path = FRAMEWORK_2021) -> Path:
    """``book`` with ``framework`` copied beside it as ``<book stem>.framework.yaml``, found as raw/2021.xlsx's is.

    A workbook copied or built in a test has no framework of its own: ``survey analyze`` would
    say so (no framework is shipped in the package).
    """
    import shutil

    shutil.copy(framework, book.with_name(f"{book.stem}.framework.yaml"))
    return book


@pytest.fixture(scope="session")
def apistrat():
    import pandas as pd

    return pd.read_csv(REF / "apistrat.csv")


@pytest.fixture(scope="session")
def apiclus1():
    """apiclus1 with two 0/1 columns for the proportion tests (R: as.numeric(x == "Yes"))."""
    import pandas as pd

    d = pd.read_csv(REF / "apiclus1.csv")
    return d.assign(both_yes=(d["both"] == "Yes").astype(float), sch_wide_yes=(d["sch.wide"] == "Yes").astype(float))


@pytest.fixture(scope="session")
def analysis_2021():
    """``analyze(raw/2021.xlsx, questionnaires/)`` with default settings, run once for the session.

    The result is frozen dataclasses over DataFrames: tests read it, never modify it
    (copy a frame before changing it). A test about a fresh run (reproducibility, other
    settings, the CLI) runs the pipeline itself.
    """
    from survey.pipeline import analyze

    return analyze(RAW_2021, QDIR)


@pytest.fixture(scope="session")
def analysis_2021_unweighted():
    """``analyze(raw/2021.xlsx, questionnaires/, weigh=False)``, run once for the session (read it, never modify it)."""
    from survey.pipeline import analyze

    return analyze(RAW_2021, QDIR, weigh=False)


@pytest.fixture(scope="session")
def analysis_rural_water():
    """The shipped example survey/examples/rural-water-2023 analysed as `survey analyze` does (it scores the
    weighted rate), once for the session: read it, never modify it."""
    from survey.evaluation.folder import folder_run
    from survey.pipeline import analyze

    run = folder_run(ROOT / "survey" / "examples" / "rural-water-2023")
    return analyze(run.tables, **run.analysis_options({}))


@pytest.fixture
def write_xlsx(tmp_path):
    """Write ``{sheet: [header, *rows]}`` to an xlsx file in tmp_path; return its path."""

    def _write(sheets: dict[str, list[list]], name: str = "book.xlsx") -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for sheet, rows in sheets.items():
            ws = wb.create_sheet(sheet)
            for row in rows:
                ws.append(row)
        path = tmp_path / name
        wb.save(path)
        return path

    return _write


@pytest.fixture(scope="session")
def report_2021(tmp_path_factory, analysis_2021):
    """The 2021 analysis and the folder its report was written to (shared: analysing takes seconds)."""
    from survey.render.report import write_report

    out = tmp_path_factory.mktemp("report_2021")
    write_report(analysis_2021, out)
    return analysis_2021, out


@pytest.fixture(scope="session")
def cli_2021(tmp_path_factory):
    """``survey analyze raw/2021.xlsx -o OUT`` run from the repository, once for the session: (OUT, console text).

    The command a user types (default questionnaires/ beside raw/); its folder is the one
    tests/test_previous.py compares byte for byte with reports/2021. Tests read it, never
    write into it (copy it first).
    """
    from click.testing import CliRunner

    from survey.cli import main

    out = tmp_path_factory.mktemp("cli_2021") / "r"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        res = CliRunner().invoke(main, ["analyze", "raw/2021.xlsx", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


@pytest.fixture(scope="session")
def example_run(tmp_path_factory):
    """``survey init FOLDER --from NAME`` then ``survey analyze FOLDER``, once per example for the session.

    ``example_run(name)`` gives (FOLDER, console text); FOLDER is named after the example and holds
    its report in reports/NAME. Tests read it, never write into it (copy it, or write with -o elsewhere).
    """
    from click.testing import CliRunner

    from survey.cli import main

    done: dict[str, tuple[Path, str]] = {}

    def _run(name: str) -> tuple[Path, str]:
        if name not in done:
            folder = tmp_path_factory.mktemp("example") / name
            res = CliRunner().invoke(main, ["init", str(folder), "--from", name])
            assert res.exit_code == 0, res.output
            res = CliRunner().invoke(main, ["analyze", str(folder)])
            assert res.exit_code == 0, res.output
            done[name] = folder, res.output
        return done[name]

    return _run


# What each external tool of the `render` tests is, and the Debian package that provides it.
TOOL_PACKAGES = {"soffice": "libreoffice-writer-nogui", "libreoffice": "libreoffice-writer-nogui",
                 "pdftotext": "poppler-utils", "pdfimages": "poppler-utils", "chromium": "chromium",
                 "chromium-browser": "chromium", "google-chrome": "chromium", "cjk-font": "fonts-noto-cjk"}


def need_tools(*names: str) -> None:
    """Skip a `render` test whose external tools are missing ("soffice|libreoffice": either).

    The reason names the packages to install. When SURVEY_RENDER_REQUIRED=1 (set by .ci/run once
    the tools are installed) a missing tool fails the test instead: CI never skips them silently.
    """
    import os
    import shutil

    missing = [n for n in names if not any(shutil.which(x) for x in n.split("|"))]
    if not missing:
        return
    packages = sorted({TOOL_PACKAGES.get(n.split("|")[0], n) for n in missing})
    why = (f"needs {', '.join(missing)}: apt-get install {' '.join(packages)} "
           "(.ci/run installs them); the rest of the suite does not need them")
    if os.environ.get("SURVEY_RENDER_REQUIRED") == "1":
        pytest.fail(why)
    pytest.skip(why)


def need_cjk_font() -> None:
    """Skip (or, under SURVEY_RENDER_REQUIRED=1, fail) a test that draws Chinese text without a CJK font."""
    import os

    from survey.render.charts import cjk_font

    if cjk_font() is None:
        why = "needs a CJK font: apt-get install fonts-noto-cjk (.ci/run installs it)"
        if os.environ.get("SURVEY_RENDER_REQUIRED") == "1":
            pytest.fail(why)
        pytest.skip(why)

