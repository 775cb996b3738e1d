"""Ctrl-C (SIGINT) at any moment of a command: one line, exit 130, the outputs whole or as they were.

Found by a new-user trial: a Ctrl-C arriving after `survey analyze` had written its report killed
the process in the interpreter's teardown (exit −2, no message). Each test runs the console entry
point (:func:`survey.cli.app.run`) in a subprocess that sends itself SIGINT at one point — while
cleaning, inside the rename that puts the report in place, after the report is written, at the
exit — so the moment is exact; one more sends it from outside, as a user would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from survey.cli.app import INTERRUPTED, interrupted_line

from .conftest import QDIR, RAW_2021, ROOT

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")

# The driver: patch the point where the process sends itself SIGINT, then run the console entry point.
DRIVER = r"""
import atexit, os, signal, sys
from survey.cli import app
from survey.render import files

def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)

# Ctrl-C as from a terminal: a suite run in the background (pytest &, nohup) has SIGINT ignored,
# which this process inherits; then no SIGINT would arrive and the command would exit 0.
signal.signal(signal.SIGINT, signal.default_int_handler)

point, args = sys.argv[1], sys.argv[2:]
if point == "cleaning":
    import survey.evaluation.clean as cleaning
    real_clean = cleaning.clean
    def clean(*a, **k):
        ctrl_c()
        return real_clean(*a, **k)
    cleaning.clean = clean
elif point == "renaming":
    real_rename = os.rename
    def rename(a, b):
        ctrl_c()  # noted while the report is put in place, raised once it is
        return real_rename(a, b)
    files.os = type(os)("os_in_files")
    files.os.__dict__.update(os.__dict__)
    files.os.rename = rename
elif point == "written":
    import survey.render.report as report
    real_write = files.write_files
    def write_files(*a, **k):
        out = real_write(*a, **k)
        ctrl_c()
        return out
    files.write_files = report.write_files = write_files
elif point == "exit":
    atexit.register(ctrl_c)  # run by the exit, after the command
sys.argv = ["survey", *args]
app.run()
"""


def _run(point: str, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", DRIVER, point, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300, check=False)


def _one_line(res: subprocess.CompletedProcess, says: str) -> None:
    assert res.returncode == INTERRUPTED, (res.returncode, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted; ") and says in lines[0], res.stderr
    assert "Traceback" not in res.stderr and "Aborted" not in res.stderr


@pytest.mark.parametrize("point", ["written", "exit"])
def test_ctrl_c_after_analyze_wrote_its_report_says_it_was_written_whole(tmp_path, point):
    out = tmp_path / "r"
    res = _run(point, "analyze", RAW_2021, "-o", out)
    _one_line(res, f"written whole before it: {out}")
    assert {"report.docx", "annex.xlsx", "manifest.json"} <= {p.name for p in out.iterdir()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # nothing beside it (.new-, .old-, lock)


@pytest.mark.parametrize("point, written", [("cleaning", False), ("renaming", True)])
def test_ctrl_c_before_or_while_writing_leaves_the_folder_as_it_was_or_whole(tmp_path, point, written):
    out = tmp_path / "r"
    res = _run(point, "clean", RAW_2021, "-q", QDIR / "staff.yaml", "-o", out, "--issued", 500)
    _one_line(res, f"written whole before it: {out}" if written else "nothing written")
    assert out.exists() == written
    if written:
        assert {"cleaned.csv", "audit.xlsx"} <= {p.name for p in out.iterdir()}, sorted(os.listdir(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == (["r"] if written else [])


def test_ctrl_c_from_outside_never_kills_the_process_nor_leaves_half_a_folder(tmp_path):
    """As a user presses it: as soon as the folder appears, and once more during the exit."""
    out = tmp_path / "r"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "survey", "clean", str(RAW_2021), "-q", str(QDIR / "staff.yaml"),
                             "-o", str(out), "--issued", "500"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not out.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.001)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, INTERRUPTED), (proc.returncode, err)  # 0: it had exited already
    assert "Traceback" not in err
    if proc.returncode == INTERRUPTED:
        assert err.strip() == interrupted_line([out])
    assert {"cleaned.csv", "audit.xlsx"} <= {p.name for p in out.iterdir()}


def test_the_line_says_what_was_written():
    assert interrupted_line([]).startswith("interrupted; nothing written: every output is left as it was")
    assert interrupted_line(["reports/2021"]).startswith("interrupted; written whole before it: reports/2021")
