"""Refusing hostile workbooks: time and peak memory of `survey clean` on each (issue 13).

Builds, in a temporary folder, the inputs of tests/hostile_inputs.py that used to cost the
most — a sheet expanding to 1.5 GB (it killed the process with SIGABRT after 13 s at
1.5 GB), the same bomb with a forged size in the zip directory (caught while streaming),
and one stray value at row 1,048,576 (1.1 GB and 15 s) — and runs the real command line
on each in a child process, reporting its wall time, exit code, the one line it printed
and its peak resident memory (``wait4``'s ``ru_maxrss``, imports included). Target: every
refusal in under 5 s and under 500 MB.

    python benchmarks/bench_hostile.py [--unguarded]

``--unguarded`` also reads the stray-cell sheet with python-calamine directly (what
survey did before the guard): expect about 1 GB and 15 s; do not run it on a busy
machine. Not a test: pytest does not collect ``bench_*.py``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import contextlib  # noqa: E402

from survey.errors import DataError  # noqa: E402
from survey.inputs.guard import inspect_xlsx  # noqa: E402
from tests import hostile_inputs as H  # noqa: E402

CASES = {
    "baseline: a good two-row workbook (imports, reading)": H.good_xlsx,
    "1.5 GB-expanding sheet (honest zip directory)": H.bomb_xlsx,
    "1.5 GB-expanding sheet (forged size 1 KB)": lambda d: H.bomb_xlsx(d, declared=1000),
    "stray value at Z1048576": H.stray_cell_xlsx,
    "XML entity bomb": H.entity_bomb_xlsx,
    "named pipe": H.fifo,
}


def guard_alone(path: Path) -> tuple[float, float]:
    """Seconds and traced peak MB of the checks alone, in this process."""
    import tracemalloc

    tracemalloc.start()
    start = time.monotonic()
    with contextlib.suppress(DataError):
        inspect_xlsx(path).check_sheet("Sheet1")
    secs = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return secs, peak


def run(args: list[str]) -> tuple[float, int, str, float]:
    """Wall seconds, exit code, output, peak RSS in MB of one child process."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - start, proc.returncode, out.strip(), usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unguarded", action="store_true", help="also read the stray-cell sheet with calamine directly")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'input':48} {'build s':>8} {'guard s':>8} {'guard MB':>8} {'CLI s':>7} {'peak MB':>8}  exit  message")
        ok = True
        for name, build in CASES.items():
            t = time.monotonic()
            path = build(folder)
            built = time.monotonic() - t
            g_secs, g_peak = guard_alone(path)
            out = folder / "out"
            secs, code, text, peak = run([sys.executable, "-m", "survey", "clean", str(path), "-q",
                                          str(ROOT / "questionnaires" / "staff.yaml"), "--sheet", "Sheet1",
                                          "-o", str(out)])
            if name.startswith("baseline"):
                print(f"{name[:48]:48} {built:8.2f} {g_secs:8.3f} {g_peak:8.1f} {secs:7.2f} {peak:8.0f}  {code:4}  "
                      "(exit 1: not the staff export; the cost of starting survey)")
                continue
            good = code != 0 and secs < 5 and peak < 500 and not out.exists() and "Traceback" not in text
            ok &= good
            line = text.splitlines()[0] if text else ""
            print(f"{name:48} {built:8.2f} {g_secs:8.3f} {g_peak:8.1f} {secs:7.2f} {peak:8.0f}  {code:4}  {line[:150]}")
        print("\nevery refusal under 5 s and 500 MB, nothing written:", "yes" if ok else "NO")
        if opts.unguarded:
            path = H.stray_cell_xlsx(folder)
            code = ("import python_calamine, sys; wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1]); "
                    "rows = wb.get_sheet_by_name('Sheet1').to_python(skip_empty_area=False); print(len(rows))")
            secs, rc, text, peak = run([sys.executable, "-c", code, str(path)])
            print(f"\nunguarded calamine on the stray-cell sheet: {secs:.1f} s, peak {peak:.0f} MB, exit {rc}")


if __name__ == "__main__":
    main()
