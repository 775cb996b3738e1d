"""Generate the SYNTHETIC 2022 evaluation workbook: a second year for `survey compare`.

Everything here is made up, like raw/make_2021.py, whose building blocks (the
latent-satisfaction model of the staff answers, the interview generator, the frame
and the byte-reproducible writer) it reuses. Run it from anywhere:

    python raw/make_2022.py

It writes, next to itself, 2022.xlsx (sheets 工作人员问卷, 矫正对象访谈, 抽样框,
对象构成; no annex facts) and 2022.truth.json. 2022.framework.yaml beside them is kept by
hand: 2021.framework.yaml with the title's year (tests/test_sidecar.py checks it).

Planted truth (what `survey compare raw/2021.xlsx raw/2022.xlsx` must find):

* ONE real change: the staff item 薪酬福利待遇 (h_pay) — its latent mean rises by
  PAY_RISE = 0.6 (a pay rise), from a top-box rate of about 68% to about 85%.
* Everything else is drawn from the 2021 model with a new seed: the other 12 staff
  items, the staff overall item (10 of the valid respondents, the lowest latent
  scores, are not satisfied, as in 2021), the offender interviews (all satisfied on
  the overall item, as in 2021). Differences there are sampling noise only.
* No exclusions are planted (the cleaning rules are tested on 2021): every staff
  submission and all but two interviews (Q9 empty) are valid.

Two runs give identical files (fixed seed, fixed workbook dates, fixed zip times).
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_2021 as y1  # noqa: E402  (the 2021 generator's building blocks)

OUT_XLSX, OUT_TRUTH = HERE / "2022.xlsx", HERE / "2022.truth.json"
SEED = 20221215
FIXED_TIME = dt.datetime(2022, 12, 15, 9, 0, 0)
SHIFT = dt.timedelta(days=364)          # 2021-11-01 (Mon) → 2022-10-31 (Mon): same weekdays
N_VALID, N_STRAIGHT = 395, 25
PAY_RISE = 0.6                           # the planted change, on the latent scale of h_pay
PLANTED_ITEM = "h_pay"


class Staff2022(y1.Staff):
    """The 2021 staff model, with the latent mean of one item raised."""

    def latent_answers(self, prof, z, overall=None):
        mu = {"h_pay": 0.45 + PAY_RISE, "h_career": 0.45, "h_workload": 0.8, "s_recognition": 0.85, "s_mental": 0.9}
        social = prof["role"] == "社区矫正社会工作者"
        ans = dict(prof)
        while True:
            for iid in self.matrix:
                shift = {"h_pay": -0.35, "h_career": -0.2}.get(iid, 0.0) if social else 0.0
                ans[iid] = y1.ordinal(mu.get(iid, 1.1) + shift + z + self.rng.normal(0, 0.6), self.sat5)
            if y1.max_run([ans[i] for i in self.matrix]) < 10:
                break
        if overall is None:
            overall = "非常满意" if z + self.rng.normal(0, 0.5) > -0.2 else "满意"
        ans["overall"], ans["suggestion"] = overall, "(空)"
        return ans


def build_staff(rng, q):
    S = Staff2022(rng, q)
    counts = y1.largest_remainder(N_VALID, np.array(list(y1.STAFF_FRAME.values())) * rng.uniform(0.62, 0.80, 12))
    profs = [S.profile(d) for d, n in zip(S.districts, counts) for _ in range(n)]
    z = rng.normal(0, 0.7, N_VALID)
    order = np.argsort(z, kind="stable")
    unsat = dict(zip(order[: len(y1.UNSAT_OVERALL)].tolist(), y1.UNSAT_OVERALL))
    straight = set(int(i) for i in rng.permutation([i for i in range(N_VALID) if i not in unsat])[:N_STRAIGHT])
    rows = []
    for i in range(N_VALID):
        if i in straight:
            ans, dur = S.constant_answers(profs[i], "非常满意"), S.duration(140, 90)
        else:
            ans, dur = S.latent_answers(profs[i], z[i], unsat.get(i)), S.duration()
        t = S.time(latest=S.fw_end - dt.timedelta(minutes=30)) + SHIFT
        rows.append(S.row("valid", ans, t, dur))
    writers = [i for i in rng.permutation(N_VALID) if i not in straight]
    for i, text in zip(writers, rng.choice(y1.SUGGESTIONS, size=20, replace=False)):
        rows[i]["ans"]["suggestion"] = str(text)
    rows.sort(key=lambda r: r["time"])
    for n, r in enumerate(rows, start=1):
        r["seq"] = n
    return S, rows


def build_offender(rng, q):
    rows = y1.build_offender(rng, q)
    for i, r in enumerate(rows):
        r["id"] = f"FT2022-{i + 1:03d}"
        r["date"] = r["date"] + SHIFT
    return rows


def rates(rows, items, satisfied, get):
    out = {}
    for i in items:
        answered = [get(r)[i] for r in rows if get(r).get(i) not in y1.MISSING and get(r)[i] != "未接触"]
        out[i] = {"answered": len(answered), "satisfied": sum(a in satisfied for a in answered)}
    return out


def main():
    rng = np.random.default_rng(SEED)
    staff_q, offender_q = y1.load_q("staff"), y1.load_q("offender")
    S, staff_rows = build_staff(rng, staff_q)
    offender_rows = build_offender(rng, offender_q)
    sat = set(staff_q["scales"]["satisfaction5"]["satisfied"])
    staff_items = rates(staff_rows, S.scale_items, sat, lambda r: r["ans"])
    valid_off = [r for r in offender_rows if r["ans"]["overall"] is not None]
    off_items = [it["id"] for it in offender_q["items"] if "scale" in it]
    truth = {
        "synthetic": True, "generator": "raw/make_2022.py", "seed": SEED, "workbook": OUT_XLSX.name,
        "sheets": ["工作人员问卷", "矫正对象访谈", "抽样框", "对象构成"],
        "planted_change": {"questionnaire": "staff", "item": PLANTED_ITEM, "latent_shift": PAY_RISE,
                           "direction": "up"},
        "staff": {"valid": len(staff_rows), "overall_satisfied": staff_items["overall"]["satisfied"],
                  "items_valid": staff_items},
        "offender": {"interviews": len(offender_rows), "valid": len(valid_off),
                     "items_valid": rates(valid_off, off_items, sat, lambda r: r["ans"])},
    }
    assert truth["staff"]["overall_satisfied"] == N_VALID - len(y1.UNSAT_OVERALL)
    assert truth["offender"]["items_valid"]["overall"]["satisfied"] == truth["offender"]["valid"]

    wb = Workbook()
    sheets = [wb.active] + [wb.create_sheet() for _ in range(3)]
    for ws, title in zip(sheets, truth["sheets"]):
        ws.title = title
    y1.write_staff(sheets[0], S, staff_rows)
    y1.write_offender(sheets[1], offender_q, offender_rows)
    y1.write_frame(sheets[2])
    y1.write_margins(sheets[3], y1.frame_margins())
    y1.FIXED_TIME = FIXED_TIME                     # the writer's fixed zip and workbook times
    y1.save_workbook(wb, OUT_XLSX)
    OUT_TRUTH.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    pay = staff_items[PLANTED_ITEM]
    print(f"wrote {OUT_XLSX.name} and {OUT_TRUTH.name}: staff {len(staff_rows)} valid, "
          f"{PLANTED_ITEM} {pay['satisfied']}/{pay['answered']} satisfied; offender {len(valid_off)} valid")


if __name__ == "__main__":
    main()
