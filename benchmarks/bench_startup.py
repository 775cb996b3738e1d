"""Start-up and small-data speed, whole processes: survey vs svy (or a plain pandas + statsmodels script).

Times each command as a fresh process (interpreter start, imports, work, exit), as
a user meets it, and prints the median of ``--repeat`` rounds, wall-clock and CPU
(user + system of the child and its children: steadier than wall-clock on a shared
machine). Each round runs every command once in turn, so that a machine slowing down
meanwhile weighs on all of them alike:

1. ``survey --help``                              (issue 15: ≤ 0.2 s)
2. ``survey analyze raw/2021.xlsx -o TMP``        (issue 15: ≤ 2.5 s; 5.4 s before the issue)
3. 10,000 respondents (seeded CSV, 12 districts): read the CSV, post-stratify to
   the district counts, proportion satisfied overall and by district with a logit
   interval, strata = district — the same steps in one process each for
   survey (library calls), svy 0.35 (polars) and, when svy is not installed, a
   plain pandas + statsmodels script (Wilson intervals on the weighted counts, no
   design variance: a floor for what any library can do).

With ``--before REV`` (e.g. ``--before 9c46247``) the survey commands also run from
``git archive REV`` in a temporary folder, in the same run, for a before/after.

Bytecode: Python writes a module's compiled bytecode (``__pycache__``) the first time it
imports it and reuses it after, so a user's second and later runs skip compiling. Where
``PYTHONDONTWRITEBYTECODE`` is set (as on this machine) an editable install never gets
one and compiles survey's ~100 modules on every run. The survey sources timed here are copies,
compiled first (``compileall``), as a user's first run would leave them; one more row
times ``analyze`` from a copy without bytecode and with PYTHONDONTWRITEBYTECODE=1, to
show what that costs. (pandas, numpy and the other installed packages were compiled by
pip at install time either way.)

    python benchmarks/bench_startup.py [--repeat 5] [--n 10000] [--before REV]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ["玄武区", "秦淮区", "建邺区", "鼓楼区", "栖霞区", "雨花台区", "江宁区", "浦口区", "六合区", "溧水区",
             "高淳区", "江北新区"]

SURVEY_10K = """
import sys
import pandas as pd
from survey.inputs.read import read_table
from survey.stats.design import Design
from survey.stats.estimate import estimate_column
from survey.stats.weights import poststratify
data = read_table(sys.argv[1]).data
targets = pd.read_csv(sys.argv[2]).set_index("district")["count"]
w = poststratify(data, "district", targets).weights.to_numpy()
est = estimate_column(data.assign(w=w), "satisfied", design=Design(weights="w", strata="district"), by="district",
                      ci_method="logit")
print(est[["domain", "level", "estimate", "se", "ci_low", "ci_high"]].to_csv(index=False))
"""

SVY_10K = """
import sys
import polars as pl
import svy
data = pl.read_csv(sys.argv[1]).with_columns(pl.lit(1.0).alias("base"))
t = pl.read_csv(sys.argv[2])
controls = dict(zip(t["district"].to_list(), [float(x) for x in t["count"].to_list()]))
ps = svy.Sample(data, svy.Design(wgt="base")).weighting.poststratify(controls=controls, cells="district", wgt_name="w")
sample = svy.Sample(ps.data.select(["district", "satisfied", "w"]), svy.Design(stratum="district", wgt="w"))
print(sample.estimation.prop("satisfied", ci_method="logit"))
print(sample.estimation.prop("satisfied", by="district", ci_method="logit"))
"""

PLAIN_10K = """
import sys
import pandas as pd
from statsmodels.stats.proportion import proportion_confint
data = pd.read_csv(sys.argv[1])
targets = pd.read_csv(sys.argv[2]).set_index("district")["count"]
n_h = data["district"].value_counts()
w = data["district"].map(targets / n_h)
rows = []
for level, d in [("overall", data), *data.groupby("district")]:
    ww = w.loc[d.index]
    p = (ww * d["satisfied"]).sum() / ww.sum()
    n_eff = ww.sum() ** 2 / (ww ** 2).sum()
    lo, hi = proportion_confint(p * n_eff, n_eff, method="wilson")
    rows.append((level, p, lo, hi))
print(pd.DataFrame(rows, columns=["level", "estimate", "ci_low", "ci_high"]).to_csv(index=False))
"""


def run_once(cmd: list[str], source: Path | None = None, extra: dict | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of a command (stdout discarded; CPU includes its children).

    ``source``: import survey from that folder instead of the installed package; ``extra``:
    environment variables set for the run.
    """
    env = dict(os.environ, **({"PYTHONPATH": str(source)} if source else {}), **(extra or {}))
    t = time.perf_counter()
    # outside the repository, so that `python -m survey` does not pick up ./survey
    proc = subprocess.Popen(cmd, cwd=tempfile.gettempdir(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def run_interleaved(commands: list[tuple], repeat: int):
    """Median wall and CPU seconds of every command over ``repeat`` rounds, each round running every
    command once in turn: a machine that slows down or speeds up meanwhile (other work, memory
    reclaim) weighs on all commands alike instead of on whichever ran then."""
    walls: dict[str, list[float]] = {c[0]: [] for c in commands}
    cpus: dict[str, list[float]] = {c[0]: [] for c in commands}
    for _ in range(repeat):
        for name, cmd, source, *extra in commands:
            wall, cpu = run_once(cmd, source, *extra)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return [(c[0], statistics.median(walls[c[0]]), statistics.median(cpus[c[0]]), walls[c[0]]) for c in commands]


def make_10k(n: int, folder: Path, seed: int = 15) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    share = rng.dirichlet(np.ones(len(DISTRICTS)) * 5)
    district = np.array(DISTRICTS)[rng.choice(len(DISTRICTS), size=n, p=share)]
    satisfied = (rng.random(n) < 0.9).astype(int)
    data, targets = folder / "respondents.csv", folder / "targets.csv"
    lines = ["district,satisfied"] + [f"{d},{s}" for d, s in zip(district, satisfied)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = rng.integers(2_000, 9_000, len(DISTRICTS))
    targets.write_text("district,count\n" + "".join(f"{d},{c}\n" for d, c in zip(DISTRICTS, counts)), encoding="utf-8")
    return data, targets


def have(module: str) -> str | None:
    out = subprocess.run([sys.executable, "-c", f"import {module}; print({module}.__version__)"], check=False,
                         capture_output=True,
                         text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--n", type=int, default=10_000, help="respondents of the small-data comparison")
    ap.add_argument("--before", default=None, help="a git revision to run the survey commands from too")
    args = ap.parse_args()
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data, targets = make_10k(args.n, folder)
        current = folder / "current"  # a copy, compiled below: the repository's own tree is left as it is
        shutil.copytree(ROOT / "survey", current / "survey", ignore=shutil.ignore_patterns("__pycache__"))
        sources: list[tuple[str, Path]] = [("", current)]
        if args.before:
            old = folder / "before"
            old.mkdir()
            archive = subprocess.run(["git", "archive", args.before, "survey"], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            sources.append((f" [{args.before}]", old))
        for _, source in sources:  # as a user's first run leaves them (see the module's docstring)
            subprocess.run([py, "-m", "compileall", "-q", str(source / "survey")], check=True, stdout=subprocess.DEVNULL)
        bare = folder / "no-bytecode"
        shutil.copytree(ROOT / "survey", bare / "survey", ignore=shutil.ignore_patterns("__pycache__"))
        commands: list[tuple] = []
        for tag, source in sources:
            commands += [
                (f"survey --help{tag}", [py, "-m", "survey", "--help"], source),
                (f"survey analyze raw/2021.xlsx{tag}",
                 [py, "-m", "survey", "analyze", str(ROOT / "raw" / "2021.xlsx"), "-q", str(ROOT / "questionnaires"),
                  "-o", str(folder / f"r{len(commands)}")], source),
                (f"survey: {args.n:,} respondents{tag}", [py, "-c", SURVEY_10K, str(data), str(targets)], source)]
        commands.insert(2, ("survey analyze, no bytecode", [*commands[1][1][:-1], str(folder / "r-bare")], bare,
                            {"PYTHONDONTWRITEBYTECODE": "1"}))
        svy_version = have("svy")
        if svy_version:
            commands.append((f"svy {svy_version}: {args.n:,} respondents", [py, "-c", SVY_10K, str(data), str(targets)],
                             None))
        commands.append((f"pandas + statsmodels: {args.n:,}", [py, "-c", PLAIN_10K, str(data), str(targets)], None))
        rows = run_interleaved(commands, args.repeat)
    print(f"whole processes, median of {args.repeat} interleaved rounds (Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<46}{'wall s':>8}{'CPU s':>8}   runs (wall s)")
    for name, wall, cpu, walls in rows:
        print(f"{name:<46}{wall:8.2f}{cpu:8.2f}   " + " ".join(f"{w:.2f}" for w in walls))
    if not svy_version:
        print("svy is not installed (pip install 'svy==0.35.*'): compared with the plain pandas + statsmodels script only")
    print("issue 15 targets: --help ≤ 0.2 s; analyze ≤ 2.5 s; 10k respondents no slower than svy")


if __name__ == "__main__":
    main()
