"""Shared fixtures: the repository's folders and small helpers to write inputs."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from survey.render.background import can_fork

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


@pytest.fixture(scope="session", autouse=True)
def _matplotlib_ready():
    """matplotlib imported, and a chart with Chinese text drawn to SVG and PNG, once in each test process.

    write_report draws its charts in a forked child (survey.render.background). The CLI writes
    one report per process, so its child imports matplotlib once; a test process writes dozens,
    and a child forked from a process without matplotlib imports it (pyplot, the Agg and SVG
    backends, PIL) and loads the CJK font again every time: about 0.6 s of a report's 2.5 s.
    Done here once, the children inherit it. Plain matplotlib, not survey's own drawing, so
    nothing of survey (its once-per-process warnings) is used up.
    """
    import io
    import warnings

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from survey.render.charts import cjk_font

    rc = {"font.family": "sans-serif", "font.sans-serif": [cjk_font() or "DejaVu Sans", "DejaVu Sans"]}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no CJK font: missing glyphs, said by the tests that draw
        fig = Figure(figsize=(2, 1))
        FigureCanvasAgg(fig)
        fig.subplots().set_title("满意率（%）")
        fig.savefig(io.StringIO(), format="svg")
        fig.savefig(io.BytesIO(), format="png")


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


@contextlib.contextmanager
def charts_left_out():
    """The reports written inside leave out the charts (report.docx and report.html go without figures).

    For a run whose test reads its console text, xlsx files, manifest.json or report text, never
    its figures: drawing the charts (matplotlib) is half the cost of a report. The charts
    themselves are checked on the 2021 run and the examples (test_report_charts, the
    byte-identical comparison with reports/2021 in test_previous, the render tests), and every
    run outside this still draws them.
    """
    from survey.render import charts

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(charts, "chart_specs", lambda analysis, suppress_below=None: [])
        yield


@pytest.fixture
def without_charts():
    """The reports this test writes leave out the charts (:func:`charts_left_out`)."""
    with charts_left_out():
        yield


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


def made_once(tmp_path_factory, key: str, make: Callable[[Path], str]) -> tuple[Path, str]:
    """``make(FOLDER)`` (it fills FOLDER, returns a text) once per test run, even across pytest-xdist workers.

    Each xdist worker has a session of its own, so a session fixture runs once per worker. What
    ``make`` leaves is files, so the first worker to ask writes them, with its text beside them,
    into the run's shared temporary folder (beside the workers' basetemps, as pytest-xdist's
    documentation does it, named by the run's id) under a file lock; the other workers wait for
    the lock and read. A worker whose ``make`` failed leaves no ``.done`` file: the next one tries
    again (and fails the same way). Without xdist, or where fcntl is missing, FOLDER is simply
    made in this session's own temporary folder. Returns (FOLDER, text); read it, never write into it.
    """
    import os
    import shutil

    try:
        import fcntl
    except ImportError:  # Windows: each worker makes its own
        fcntl = None
    if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
        folder = tmp_path_factory.mktemp(key) / key
        return folder, make(folder)
    # this run's own folder, even under a --basetemp that earlier runs used too
    shared = tmp_path_factory.getbasetemp().parent / f"made_once-{os.environ.get('PYTEST_XDIST_TESTRUNUID', '')}"
    shared.mkdir(exist_ok=True)
    folder, done = shared / key, shared / f"{key}.done"
    with open(shared / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            text = make(folder)
            done.write_text(text, encoding="utf-8")
    return folder, done.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def report_2021(tmp_path_factory, analysis_2021):
    """The 2021 analysis and the folder its report was written to (shared: analysing takes seconds).

    The folder is written once per test run (:func:`made_once`: one worker writes it, the others read it).
    """
    from survey.render.report import write_report

    def make(out: Path) -> str:
        write_report(analysis_2021, out)
        return ""

    out, _ = made_once(tmp_path_factory, "report_2021", make)
    return analysis_2021, out


def render_tools():
    """tools/render_pages.py as a module (LibreOffice and Chromium to PDF; not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_pages", ROOT / "tools" / "render_pages.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def pdf_2021(tmp_path_factory, request):
    """``pdf_2021(name)``: the PDF of report_2021's report.docx or annex.docx (LibreOffice) or report.html (Chromium).

    Converted once per test run (:func:`made_once`), the two Word files by one LibreOffice start,
    from copies beside the PDFs (the report folder is not written into). Skips, or under
    SURVEY_RENDER_REQUIRED=1 fails, when a tool is missing (:func:`need_tools`).
    """
    tools = render_tools()
    files = {"word": ("report.docx", "annex.docx"), "html": ("report.html",)}
    done: dict[str, Path] = {}

    def make(folder: Path, kind: str) -> str:
        folder.mkdir(parents=True)
        copies = [folder / name for name in files[kind]]
        for copy in copies:
            copy.write_bytes((request.getfixturevalue("report_2021")[1] / copy.name).read_bytes())
        if kind == "word":
            tools.docxs_to_pdf(copies, folder)
        else:
            tools.html_to_pdf(copies[0], folder)
        return ""

    def _pdf(name: str) -> Path:
        kind = next(k for k, names in files.items() if name in names)
        if kind == "word":  # before the report is written: a quick skip
            need_tools("soffice|libreoffice", "pdftotext")
        else:
            need_tools("chromium|chromium-browser|google-chrome", "pdftotext")
        if kind not in done:
            done[kind] = made_once(tmp_path_factory, f"pdf_2021_{kind}", lambda folder: make(folder, kind))[0]
        return done[kind] / (name + ".pdf")

    return _pdf


def _cli(*args: str | Path, cwd: Path | None = None) -> str:
    """``survey ARGS`` in this process (from ``cwd``); its console text, after checking it succeeded."""
    from click.testing import CliRunner

    from survey.cli import main

    with pytest.MonkeyPatch.context() as mp:
        if cwd is not None:
            mp.chdir(cwd)
        res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="session")
def cli_2021(tmp_path_factory):
    """``survey analyze raw/2021.xlsx -o OUT`` run from the repository, once for the test run: (OUT, console text).

    The command a user types (default questionnaires/ beside raw/); its folder is the one
    tests/test_previous.py compares byte for byte with reports/2021. Tests read it, never
    write into it (copy it first). Run once for all xdist workers (:func:`made_once`).
    """
    return made_once(tmp_path_factory, "cli_2021", lambda out: _cli("analyze", "raw/2021.xlsx", "-o", out, cwd=ROOT))


@pytest.fixture(scope="session")
def example_run(tmp_path_factory):
    """``survey init FOLDER --from NAME`` then ``survey analyze FOLDER``, once per example for the test run.

    ``example_run(name)`` gives (FOLDER, console text); FOLDER is named after the example and holds
    its report in reports/NAME. Tests read it, never write into it (copy it, or write with -o elsewhere).
    Run once for all xdist workers (:func:`made_once`).
    """

    def make(folder: Path) -> str:
        _cli("init", folder, "--from", folder.name)
        return _cli("analyze", folder)

    done: dict[str, tuple[Path, str]] = {}

    def _run(name: str) -> tuple[Path, str]:
        if name not in done:
            done[name] = made_once(tmp_path_factory, name, make)
        return done[name]

    return _run


# What each external tool of the `render` tests is, and the Debian package that provides it.
TOOL_PACKAGES = {"soffice": "libreoffice-writer-nogui", "libreoffice": "libreoffice-writer-nogui",
                 "pdftotext": "poppler-utils", "pdfimages": "poppler-utils", "chromium": "chromium",
                 "chromium-browser": "chromium", "google-chrome": "chromium", "cjk-font": "fonts-noto-cjk"}


def _missing(why: str) -> None:
    """A `render` test's tool is missing: skipped with ``why`` (the packages to install), or failed in CI.

    .ci/run sets SURVEY_RENDER_REQUIRED=1 once it has installed the tools, so CI never skips
    them silently; on a developer's machine without LibreOffice or a CJK font the rest of the
    suite still runs.
    """
    import os

    if os.environ.get("SURVEY_RENDER_REQUIRED") == "1":
        pytest.fail(why)
    pytest.skip(why)


def need_tools(*names: str) -> None:
    """Skip a `render` test whose external tools are missing ("soffice|libreoffice": either), naming the packages."""
    import shutil

    missing = [n for n in names if not any(shutil.which(x) for x in n.split("|"))]
    if missing:
        packages = sorted({TOOL_PACKAGES.get(n.split("|")[0], n) for n in missing})
        _missing(f"needs {', '.join(missing)}: apt-get install {' '.join(packages)} "
                 "(.ci/run installs them); the rest of the suite does not need them")


def need_cjk_font() -> None:
    """Skip (or, in CI, fail) a test that draws Chinese text without a CJK font."""
    from survey.render.charts import cjk_font

    if cjk_font() is None:
        _missing("needs a CJK font: apt-get install fonts-noto-cjk (.ci/run installs it)")


# Tests of the forked report worker: where the platform cannot fork, or on one CPU, the worker's job
# runs in the calling process instead (survey.render.background.can_fork), which the other tests cover.
forks = pytest.mark.skipif(
    not can_fork(),
    reason="no forked worker here (one CPU, or a platform without fork): the work runs inline, "
           "which the rest of the suite checks")
