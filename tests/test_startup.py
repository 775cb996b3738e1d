"""Start-up budget: what the CLI imports (python -X importtime), for --help and for a whole analysis.

Heavy libraries are imported only where used: ``survey --help`` loads no data
library at all, and ``survey analyze`` loads neither statsmodels, pingouin (nor the
seaborn it pulls in) nor scipy.stats — intervals, α and tests go through
``survey.stats.distributions`` (scipy.special). Times are printed by
``benchmarks/bench_startup.py``; here only a generous ceiling guards against an
import creeping back into ``survey.cli``.
"""

from __future__ import annotations

import subprocess
import sys

from .conftest import QDIR, RAW_2021, ROOT

# matplotlib draws the report's charts (survey.render.charts); it is not needed for statistics
HEAVY = {"statsmodels", "pingouin", "seaborn", "scipy.stats", "sklearn"}


def _importtime(args: list[str]) -> dict[str, int]:
    """Cumulative import time in µs of every module the command imported (python -X importtime)."""
    out = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    times = {}
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            times[name.strip()] = int(cumulative)
    return times


def test_help_imports_no_data_library():
    times = _importtime(["-m", "survey", "--help"])
    assert "survey.cli" in times
    loaded = set(times)
    assert not loaded & {"pandas", "numpy", "scipy", "openpyxl", "docx", "pydantic", "yaml", "python_calamine", *HEAVY}
    # ~0.1 s on a quiet 2-core machine; a tenfold margin for a busy one
    assert times["survey.cli"] < 1_000_000


def test_analyze_imports_no_heavy_statistics_library(tmp_path):
    code = ("import sys; from survey.cli import main\n"
            f"try: main(['analyze', {str(RAW_2021)!r}, '-q', {str(QDIR)!r}, '-o', {str(tmp_path / 'r')!r}])\n"
            "except SystemExit as e: assert not e.code, e.code\n")
    times = _importtime(["-c", code])
    assert "survey.pipeline" in times and "docx" in times  # the run went through to the annex
    assert not set(times) & HEAVY, sorted(set(times) & HEAVY)
