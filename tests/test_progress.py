"""Console progress (survey.render.progress) and the pipeline's progress callback."""

from __future__ import annotations

import io
import time

from survey.pipeline import analyze
from survey.render.progress import Progress

from .conftest import QDIR, RAW_2021


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with Progress(out, delay=0) as progress:
        progress("reading")
        progress("cleaning")
    assert out.getvalue() == ""


def test_slow_steps_are_shown_quick_ones_are_not():
    out = Terminal()
    with Progress(out, delay=0.05, interval=0.01) as progress:
        progress("quick")
        progress("slow")
        time.sleep(0.2)
        progress("last quick")
    text = out.getvalue()
    assert "quick  " not in text.replace("last quick", "")
    assert "\r✓ slow  0.2 s" in text or "\r✓ slow  0.3 s" in text
    assert "s\x1b[K" in text  # redrawn in place while it runs
    assert "last quick" not in text
    assert text.endswith("\n")


def test_analyze_reports_its_steps_through_a_plain_callable():
    steps: list[str] = []
    analyze(RAW_2021, QDIR, progress=steps.append)
    assert steps[0] == "opening 2021.xlsx"
    assert any(s.endswith(": estimating") for s in steps)
    assert any("weighting" in s for s in steps)
    assert steps[-1] == "scoring"
