"""Make the synthetic inputs of survey/examples/school-meals-2023/raw (fixed seed).

Run: python examples/make_school_meals_data.py [FOLDER].

FOLDER defaults to survey/examples/school-meals-2023; tests/test_examples.py checks that this remakes
the shipped files.

The parents' survey as a survey firm delivers it: an SPSS ``.sav`` whose variable labels are
the questions (``N、题目``) and whose value labels are the options; and the workbook
raw/data.xlsx with the frame (抽样框: 各街道在校学生数), the facts (指标数据) and the fund
allocation (资金分配). Nothing here is real: the streets, counts and answers are made up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20231106
STREETS = {"东湖街道": 6200, "西城街道": 5400, "南苑街道": 4100, "北岸街道": 3300, "中山街道": 2800}
GRADES = ["小学低年级", "小学高年级", "初中"]
SAT = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
QUESTIONS = ["您对营养餐的口味是否满意", "您对营养餐的营养搭配是否满意", "您对营养餐的分量是否满意",
             "您对营养餐的卫生状况是否满意", "您对送餐的准时性是否满意", "总体而言，您对学生营养餐是否满意"]
FACTS = [  # 指标, 项目, 数值, 说明
    ("立项规范性", "扣分", 0, "程序规范"),
    ("补助标准合理性", "补助标准有测算依据", 5, ""), ("补助标准合理性", "与物价水平相适应", 4, "标准三年未调整"),
    ("资金到位率", "实际到位", 860, ""), ("资金到位率", "计划到位", 860, ""),
    ("预算执行率", "预算执行率", 0.97, ""),
    ("食品安全管理", "食材索证索票", 4, ""), ("食品安全管理", "留样制度", 3, ""),
    ("食品安全管理", "从业人员健康证", 2, "2名从业人员健康证过期"),
    ("供餐覆盖率", "供餐覆盖率", 1.0, ""),
    ("食品抽检不合格率", "食品抽检不合格率", 0.005, ""),
    ("送餐准时率", "送餐准时率", 0.965, ""),
    ("学生营养改善", "达成", 9, "学生体质监测指标改善"),
    ("食品安全事故", "集体食物中毒", 0, ""), ("食品安全事故", "一般食品安全事件", 0, ""),
]


def answers(rng: np.random.Generator) -> pd.DataFrame:
    """410 interviews: codes 1 … k, as SPSS holds them."""
    streets = list(STREETS)
    share = np.array(list(STREETS.values()), dtype=float)
    rows = []
    for i in range(410):
        street = int(rng.choice(len(streets), p=share / share.sum()))
        mood = rng.normal(1.4 if streets[street] != "北岸街道" else 0.8, 0.5)
        codes = [int(np.clip(np.round(1.5 - mood + rng.normal(0, 0.6)), 0, 4)) + 1 for _ in QUESTIONS]
        rows.append([i + 1, street + 1, int(rng.integers(1, 4)), *codes])
    return pd.DataFrame(rows, columns=["ID", "Q1", "Q2", *[f"Q{k}" for k in range(3, 9)]], dtype=float)


def main(folder: Path) -> None:
    """Write FOLDER/raw/: the export(s), the frame, the facts and the allocation."""
    import pyreadstat

    from survey.render.office import xlsx_bytes  # deterministic bytes

    raw = folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    data = answers(np.random.default_rng(SEED))
    labels = ["编号", "1、孩子就读学校所在街道", "2、孩子就读年级",
              *[f"{k}、{q}" for k, q in enumerate(QUESTIONS, start=3)]]
    value_labels = {"Q1": {float(k): s for k, s in enumerate(STREETS, start=1)},
                    "Q2": {float(k): g for k, g in enumerate(GRADES, start=1)},
                    **{f"Q{k}": {float(c): s for c, s in enumerate(SAT, start=1)} for k in range(3, 9)}}
    pyreadstat.write_sav(data, str(raw / "parents.sav"), column_labels=labels, variable_value_labels=value_labels)
    amounts = [250.0, 215.0, 165.0, 130.0, 100.0]
    (raw / "data.xlsx").write_bytes(xlsx_bytes({
        "抽样框": pd.DataFrame({"街道": list(STREETS), "在校学生数": list(STREETS.values())}),
        "指标数据": pd.DataFrame(FACTS, columns=["指标", "项目", "数值", "说明"]),
        "资金分配": pd.DataFrame({"各街道": [*STREETS, "合计"], "分配金额（万元）": [*amounts, sum(amounts)]}),
    }))


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "survey" / "examples" / "school-meals-2023"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
