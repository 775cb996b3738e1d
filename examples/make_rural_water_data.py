"""Make the synthetic inputs of survey/examples/rural-water-2023/raw (fixed seed).

Run: python examples/make_rural_water_data.py [FOLDER].

FOLDER defaults to survey/examples/rural-water-2023; tests/test_examples.py checks that this remakes
the shipped files.

A 腾讯问卷 CSV export of the residents' survey (编号, 开始/结束答题时间, 答题时长, IP, then
``N.题目`` columns holding option text), the frame (各乡镇常住户数, CSV), the facts (指标数据,
xlsx) and the fund allocation (CSV). Nothing here is real: the towns, counts and answers are
made up so that the example runs end to end.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240304
TOWNS = {"城关镇": 5200, "河口镇": 3100, "青石镇": 2600, "柳林乡": 1800, "白沙镇": 2300, "东岭乡": 1500}
SAT = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
QUESTIONS = ["您对自来水的水质是否满意", "您对供水的水量和水压是否满意", "您对供水的稳定性（停水次数）是否满意",
             "您对水价是否满意", "您对管网维修的及时性是否满意", "总体而言，您对农村饮水安全工程是否满意"]
FACTS = [  # 指标, 项目, 数值, 说明
    ("立项依据充分性", "扣分", 0, "立项依据充分"),
    ("绩效目标合理性", "设有绩效目标", 4, ""), ("绩效目标合理性", "目标与资金量匹配", 3, ""),
    ("绩效目标合理性", "目标细化量化", 2, "部分目标未量化"),
    ("资金到位率", "实际到位", 1200, ""), ("资金到位率", "计划到位", 1200, ""),
    ("预算执行率", "预算执行率", 0.93, ""),
    ("工程管理制度", "建设管理制度健全", 5, ""), ("工程管理制度", "运行管护制度落实", 4, "管护台账不全"),
    ("工程完工率", "工程完工率", 1.0, ""),
    ("水质检测合格率", "水质检测合格率", 0.97, ""),
    ("完成及时性", "乡镇总数", 6, ""), ("完成及时性", "未按时完工乡镇数", 1, "东岭乡管网延期"),
    ("工程质量", "达成", 9, "抽查工程质量达标"),
    ("供水安全事故", "水质污染事故", 0, ""), ("供水安全事故", "停水超过24小时", 1, "河口镇管网抢修"),
    ("农村自来水普及率", "农村自来水普及率", 0.92, ""),
]


def answers(rng: np.random.Generator) -> list[list]:
    """The residents' export: 480 answers, a few too fast."""
    rows = [["编号", "开始答题时间", "结束答题时间", "答题时长", "IP", "1.您所在的乡镇",
             *[f"{k}.{q}" for k, q in enumerate(QUESTIONS, start=2)], "8.您对农村供水有什么意见和建议"]]
    towns = list(TOWNS)
    share = np.array(list(TOWNS.values()), dtype=float)
    start = dt.datetime(2024, 3, 4, 8, 0)
    for i in range(480):
        town = towns[rng.choice(len(towns), p=share / share.sum())]
        mood = rng.normal(1.3 if town != "东岭乡" else 0.7, 0.5)
        codes = [int(np.clip(np.round(1.5 - mood + rng.normal(0, 0.7)), 0, 4)) for _ in QUESTIONS]
        secs = int(rng.integers(12, 30)) if i % 97 == 5 else int(rng.integers(90, 600))
        begin = start + dt.timedelta(minutes=int(rng.integers(0, 18 * 24 * 60)))
        rows.append([i + 1, begin.strftime("%Y-%m-%d %H:%M:%S"),
                     (begin + dt.timedelta(seconds=secs)).strftime("%Y-%m-%d %H:%M:%S"), secs,
                     f"10.{i // 250}.{i % 250}.{int(rng.integers(1, 250))}", town, *[SAT[c] for c in codes],
                     "希望水压更稳定" if i % 23 == 0 else ""])
    return rows


def write_csv(path: Path, rows: list[list]) -> None:
    """Rows to a UTF-8 CSV with a BOM, as 腾讯问卷 downloads it."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def main(folder: Path) -> None:
    """Write FOLDER/raw/: the export(s), the frame, the facts and the allocation."""
    from survey.render.office import xlsx_bytes  # deterministic bytes

    raw = folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    write_csv(raw / "residents.csv", answers(rng))
    write_csv(raw / "frame.csv", [["乡镇", "常住户数"], *[[t, n] for t, n in TOWNS.items()]])
    facts = pd.DataFrame(FACTS, columns=["指标", "项目", "数值", "说明"])
    (raw / "facts.xlsx").write_bytes(xlsx_bytes({"指标数据": facts}))
    amounts = [320.0, 210.0, 190.0, 150.0, 180.0, 150.0]
    write_csv(raw / "allocation.csv", [["各乡镇", "分配金额（万元）"], *[[t, a] for t, a in zip(TOWNS, amounts)],
                                       ["合计", sum(amounts)]])


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "survey" / "examples" / "rural-water-2023"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
