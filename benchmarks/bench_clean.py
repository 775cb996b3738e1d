"""`survey clean` of a large 问卷星 按文本 export, whole process, beside pandas.read_excel of the same file.

Generates (seeded) an xlsx export with N responses × 40 columns: the six 问卷星
metadata columns, the staff questionnaire's 17 questions (district, role, tenure,
12 matrix rows, overall, suggestion) and 17 more matrix rows of the same scale
(the questionnaire is extended in a temporary copy), with a few resubmissions,
fast and straight-lined answers. Then, in the same run:

1. ``survey clean EXPORT -q staff40.yaml -o OUT`` as a fresh process (read, tidy,
   clean, write cleaned.xlsx + cleaned.csv + audit.xlsx), ``--repeat`` times: wall
   and CPU seconds, peak RSS of the process;
2. the peer: ``pandas.read_excel(EXPORT, engine="openpyxl")`` as a fresh process
   (reading only);
3. ``--stages``: the stages of 1 timed inside this process, and (``--old-writer``) the
   same tables written by the formatted writer of the small report workbooks
   (``office.xlsx_bytes``: a style per cell, row heights; what ``survey clean`` used
   before, then through openpyxl) for comparison.

The export is written with XlsxWriter when it is installed (``pip install xlsxwriter``,
for the benchmark only): a shared-string table, as 问卷星 and Excel write it, which
calamine reads about 1.5× faster than inline strings; without it, with survey's own
writer (inline strings).

    python benchmarks/bench_clean.py [--n 100000] [--repeat 3] [--stages] [--keep FILE]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey.definitions.questionnaire import load  # noqa: E402
from survey.render.bigxlsx import table_xlsx_bytes  # noqa: E402

META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
EXTRA = 17  # matrix rows added to the staff questionnaire: 6 + 17 + 17 = 40 columns


def questionnaire(folder: Path) -> Path:
    """The staff questionnaire with EXTRA more matrix rows under question 5."""
    text = (ROOT / "questionnaires" / "staff.yaml").read_text(encoding="utf-8")
    rows = "".join(f"  - {{id: x_{k:02d}, number: 5, type: matrix_row, scale: satisfaction5, dimension: 安全感,\n"
                   f"     text: 补充评价事项{k:02d}}}\n" for k in range(1, EXTRA + 1))
    anchor = "  - id: overall\n    number: 6\n"
    assert anchor in text
    path = folder / "staff40.yaml"
    path.write_text(text.replace(anchor, rows + anchor), encoding="utf-8")
    return path


def generate(n: int, qfile: Path, path: Path, seed: int = 1) -> None:
    q = load(qfile)
    rng = np.random.default_rng(seed)
    head = META + [f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}"
                   for it in q.items]
    scale = [it for it in q.items if it.type == "matrix_row" or it.id == "overall"]
    options = np.array(q.scales["satisfaction5"].options, dtype=object)
    answers = options[rng.choice(5, size=(n, len(scale)), p=[0.5, 0.3, 0.12, 0.05, 0.03])]
    answers[rng.random(n) < 0.05] = options[0]  # straight-lined
    rep = np.arange(n)
    again = np.flatnonzero(rng.random(n) < 0.005)
    again = again[again > 0]
    answers[again] = answers[again - 1]  # a few resubmissions of the previous answers
    rep[again] = again - 1
    seconds = np.where(rng.random(n) < 0.02, rng.integers(15, 60, n), rng.integers(90, 900, n))
    start = np.datetime64("2021-11-01T08:00:00")
    when = (start + np.sort(rng.integers(0, 29 * 86400, n)).astype("timedelta64[s]")).astype(str)
    i = np.arange(n)
    cols = {
        "序号": i + 1,
        "提交答卷时间": pd.Series(when).str.replace("T", " ").str.replace("-", "/").to_numpy(),
        "所用时间": pd.Series(seconds).astype(str).add("秒").to_numpy(),
        "来源": np.full(n, "微信", dtype=object), "来源详情": np.full(n, "直接访问", dtype=object),
        "来自IP": pd.Series([f"10.{a % 200}.{(a // 200) % 250}.{a % 7}(江苏-南京)" for a in rep]).to_numpy(),
    }
    picks = {"district": q.options("district"), "role": q.options("role")[:3], "tenure": q.options("tenure")}
    for k, it in enumerate(q.items):
        if it.id in picks:
            cols[head[6 + k]] = np.array(picks[it.id], dtype=object)[rng.integers(0, len(picks[it.id]), n)][rep]
        elif it.type == "text":
            cols[head[6 + k]] = np.where(i % 5 == 0, "希望增加培训", "(空)")
        else:
            cols[head[6 + k]] = answers[:, scale.index(it)]
    df = pd.DataFrame(cols)[head]
    try:  # a shared-string table, as 问卷星 and Excel write (readers are faster on it than on inline strings)
        import xlsxwriter
    except ImportError:
        path.write_bytes(table_xlsx_bytes({"工作人员问卷": df}, compresslevel=6))
        return
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    ws = wb.add_worksheet("工作人员问卷")
    ws.write_row(0, 0, head)
    for r, row in enumerate(df.itertuples(index=False, name=None), start=1):
        ws.write_row(r, 0, row)
    wb.close()


def run(cmd: list[str], repeat: int) -> dict:
    """Median wall and CPU seconds and the largest peak RSS (MB) of ``repeat`` runs of a fresh process.

    The child runs under GNU time (``/usr/bin/time -f %M``), which reports its own
    child's peak: Linux carries ``ru_maxrss`` over ``execve``, so a child forked
    straight from this (large) process would report this process's peak instead.
    """
    timer = ["/usr/bin/time", "-f", "PEAK %M"] if Path("/usr/bin/time").exists() else []
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.Popen(timer + cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t)
        cpus.append(usage.ru_utime + usage.ru_stime)
        err = proc.stderr.read().decode()
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{err}")
        peak = [line for line in err.splitlines() if line.startswith("PEAK ")]
        peaks.append(int(peak[-1].split()[1]) / 1024 if peak else usage.ru_maxrss / 1024)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "peak": max(peaks), "runs": walls}


def stages(export: Path, qfile: Path, out: Path, old_writer: bool) -> dict[str, float]:
    from survey.evaluation.clean import clean
    from survey.inputs.read import Workbook
    from survey.inputs.tidy import tidy
    from survey.render.report import cleaned_table, codebook, mask_audit, summary_row, write_clean

    q = load(qfile)
    times = {}
    t = time.perf_counter()
    raw = Workbook(export).table("工作人员问卷")
    times["read (calamine)"] = time.perf_counter() - t
    t = time.perf_counter()
    responses = tidy(raw, q)
    times["tidy (match, code)"] = time.perf_counter() - t
    t = time.perf_counter()
    cleaned = clean(responses)
    times["clean (rules, audit)"] = time.perf_counter() - t
    t = time.perf_counter()
    write_clean(cleaned, out)
    times["write cleaned.xlsx/.csv + audit.xlsx"] = time.perf_counter() - t
    if old_writer:
        from survey.render.office import xlsx_bytes

        t = time.perf_counter()
        xlsx_bytes({"有效问卷": cleaned_table(cleaned.valid), "编码表": codebook(q)})
        xlsx_bytes({"汇总": pd.DataFrame([summary_row(cleaned)]), "审核明细": mask_audit(cleaned.audit)})
        times["(for comparison: the same two xlsx by office.xlsx_bytes)"] = time.perf_counter() - t
    print(f"valid {cleaned.n_valid:,} of {cleaned.returned:,}; audit rows {len(cleaned.audit):,}; "
          f"cleaned table {cleaned_table(cleaned.valid).shape[0]:,} × {cleaned_table(cleaned.valid).shape[1]}")
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, default=1, help="runs of pandas.read_excel (slow)")
    ap.add_argument("--stages", action="store_true", help="also time each stage in this process")
    ap.add_argument("--old-writer", action="store_true", help="with --stages: also the formatted writer (slower)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated export here (reused if present)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        qfile = questionnaire(folder)
        export = args.keep or folder / "export.xlsx"
        if not export.exists():
            t = time.perf_counter()
            generate(args.n, qfile, export)
            print(f"generated {args.n:,} responses in {time.perf_counter() - t:.1f} s")
        head = pd.read_excel(export, nrows=1, engine="calamine")  # size check, not timed
        print(f"export: {export.stat().st_size / 1e6:.1f} MB, {args.n:,} rows × {head.shape[1]} columns")
        py = sys.executable
        ours = run([py, "-m", "survey", "clean", str(export), "-q", str(qfile), "-o", str(folder / "out")], args.repeat)
        peer = run([py, "-c", f"import pandas; pandas.read_excel({str(export)!r}, engine='openpyxl')"],
                   args.peer_repeat)
        print(f"\nwhole processes on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}); "
              "wall/CPU median, peak RSS max")
        print(f"{'':<52}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}   runs (wall s)")
        for name, r in [("survey clean (read, tidy, clean, write 3 files)", ours),
                        ('pandas.read_excel(engine="openpyxl"), read only', peer)]:
            print(f"{name:<52}{r['wall']:8.1f}{r['cpu']:8.1f}{r['peak']:9.0f}   " + " ".join(f"{w:.1f}" for w in r["runs"]))
        print("issue 15 target: survey clean ≤ 15 s including writing, peak ≤ 800 MB")
        if args.stages:
            print("\nstages inside one process:")
            times = stages(export, qfile, folder / "stages", args.old_writer)
            for k, v in times.items():
                print(f"  {k:<44} {v:7.2f} s")
            print(f"peak memory of this process (ru_maxrss): "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
