"""Import and cleaning at scale: read → tidy → clean → write, for a large 问卷星 按文本 export.

Generates (seeded) an xlsx export of the staff questionnaire with N responses —
realistic metadata, 12 matrix items, an overall item and a suggestion, with a few
duplicates, fast and straight-lined answers — then times each stage of
``survey clean`` once (they are seconds long; run it twice to see the spread) and
prints the peak memory of the process.

    python benchmarks/bench_clean.py [--n 50000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey.definitions.questionnaire import load  # noqa: E402
from survey.evaluation.clean import clean  # noqa: E402
from survey.inputs.read import Workbook  # noqa: E402
from survey.inputs.tidy import tidy  # noqa: E402
from survey.render.report import write_clean  # noqa: E402

META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def generate(n: int, path: Path, seed: int = 1) -> None:
    from openpyxl import Workbook as OpenpyxlWorkbook

    q = load(ROOT / "questionnaires" / "staff.yaml")
    rng = np.random.default_rng(seed)
    head = META + [f"{it.number}、({it.text})" if it.type == "matrix_row" else f"{it.number}、{it.text}"
                   for it in q.items]
    options = np.array(q.scales["satisfaction5"].options)
    answers = options[rng.choice(5, size=(n, 13), p=[0.5, 0.3, 0.12, 0.05, 0.03])]
    lined = rng.random(n) < 0.05
    answers[lined] = options[0]
    seconds = np.where(rng.random(n) < 0.02, rng.integers(15, 60, n), rng.integers(90, 900, n))
    districts = np.array(q.options("district"))[rng.integers(0, 12, n)]
    roles = np.array(q.options("role")[:3])[rng.integers(0, 3, n)]
    tenure = np.array(q.options("tenure"))[rng.integers(0, 4, n)]
    start = np.datetime64("2021-11-01T08:00:00")
    when = start + np.sort(rng.integers(0, 29 * 86400, n)).astype("timedelta64[s]")
    wb = OpenpyxlWorkbook(write_only=True)
    ws = wb.create_sheet("工作人员问卷")
    ws.append(head)
    for i in range(n):
        j = i - 1 if i and rng.random() < 0.005 else i  # a few resubmissions of the previous answers
        ws.append([i + 1, str(when[i]).replace("T", " ").replace("-", "/"), f"{seconds[i]}秒", "微信", "直接访问",
                   f"10.{i % 200}.{(i // 200) % 250}.{i % 7}(江苏-南京)", districts[j], roles[j], tenure[j],
                   *answers[j], "希望增加培训" if i % 5 == 0 else "(空)"])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated export here")
    args = ap.parse_args()
    q = load(ROOT / "questionnaires" / "staff.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        export = args.keep or Path(tmp) / "export.xlsx"
        t0 = time.perf_counter()
        generate(args.n, export)
        print(f"generated {args.n:,} responses in {time.perf_counter() - t0:.1f} s ({export.stat().st_size / 1e6:.1f} MB)")
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
        write_clean(cleaned, Path(tmp) / "out")
        times["write cleaned.xlsx + audit.xlsx"] = time.perf_counter() - t
    for k, v in times.items():
        print(f"  {k:<34} {v:7.2f} s")
    print(f"  {'total':<34} {sum(times.values()):7.2f} s")
    print(f"valid {cleaned.n_valid:,} of {cleaned.returned:,}; audit rows {len(cleaned.audit):,}")
    print(f"peak memory (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
