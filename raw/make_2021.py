"""Generate the SYNTHETIC 2021 evaluation workbook and its planted truth.

Everything this script writes is made up. No real respondent, interview, IP
address, phone number or ID number is in it; the numbers are random draws from
a fixed seed, shaped to look like a real 2021 Nanjing community-correction
(社区矫正) evaluation so that `survey` can be tested end to end.

Run it from anywhere (all paths are relative to this script's own folder):

    python raw/make_2021.py

It reads the questionnaire definitions ../questionnaires/staff.yaml and
../questionnaires/offender.yaml (item texts, options and numbers, so the
headers stay in sync with them) and writes, next to itself:

* 2021.xlsx        sheets 工作人员问卷 (问卷星 按文本 export, 430 rows),
                   矫正对象访谈 (122 typed interviews), 抽样框 (12 districts),
                   对象构成 (city-wide offender margins), 指标数据 (the facts and
                   evaluator judgements the annex 评分表 is scored from) and
                   资金分配 (the fund allocation as published);
* 2021.truth.json  the planted truth, every count computed from the rows.

Planted truth:

* staff: 430 submissions, 389 valid, 379 of them 非常满意/满意 on the overall
  item (Q6) -> 97.43%.  41 excluded, each by exactly one rule of DOMAIN.md §2:
  too_fast 10 (15-45 s and straight-lined), duplicate 8 (exact copy from the
  same IP 1-9 min after a valid original), incomplete 11 ((跳过) / (空) / empty
  cell on a required item), test_submission 5 (before fieldwork, 来源 链接,
  Q7 starting with 测试/test), out_of_scope 7 (5 非社区矫正工作人员, 2 其他地区).
  Valid look-alikes that must NOT be excluded: about 25 all-非常满意
  straight-liners with normal durations, 4 fast (50-59 s) but varied
  respondents, office IPs shared by 3-6 valid respondents with different
  answers, and 2 identical all-非常满意 pairs from one IP more than 2 h apart.
  Free text includes phone numbers, an 18-digit ID number, a text starting
  with "=" (stored as a text cell, not a formula) and one starting with "+86".
* offender: 122 interviews, 120 complete, all 120 非常满意/满意 on Q9 (100%);
  2 incomplete (Q9 empty).  未接触 on items 6-8.
* frame: staff and offenders per district; offender margins by 矫正类别 and
  性别 that the interview sample deliberately misses a little.

The script checks its own output with an independent implementation of the
cleaning rules and asserts the planted totals before writing anything.  Two
runs give identical files (fixed seed, fixed workbook dates, fixed zip times).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import yaml
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
QDIR = HERE.parent / "questionnaires"
OUT_XLSX, OUT_TRUTH = HERE / "2021.xlsx", HERE / "2021.truth.json"
SEED = 20211215
FIXED_TIME = dt.datetime(2021, 12, 15, 9, 0, 0)

# ---------------------------------------------------------------- frame inputs
STAFF_FRAME = {"玄武区": 38, "秦淮区": 45, "建邺区": 36, "鼓楼区": 48, "栖霞区": 44, "雨花台区": 40,
               "江宁区": 80, "浦口区": 50, "六合区": 46, "溧水区": 38, "高淳区": 34, "江北新区": 51}
OFFENDER_FRAME = {"玄武区": 152, "秦淮区": 236, "建邺区": 198, "鼓楼区": 265, "栖霞区": 312,
                  "雨花台区": 228, "江宁区": 702, "浦口区": 356, "六合区": 383, "溧水区": 287,
                  "高淳区": 251, "江北新区": 436}
FRAME_MARGINS = {"矫正类别": {"缓刑": 0.94, "假释": 0.035, "暂予监外执行": 0.015, "管制": 0.01},
                 "性别": {"男": 0.87, "女": 0.13}}

# ---------------------------------------------------------------- staff plan
N_SUBMISSIONS, N_VALID, N_SATISFIED = 430, 389, 379
EXCLUDED = {"too_fast": 10, "duplicate": 8, "incomplete": 11, "test_submission": 5, "out_of_scope": 7}
N_STRAIGHT, N_FAST_VARIED, N_PAIRS, OFFICE_GROUPS = 21, 4, 2, [3, 4, 5, 6, 4]
UNSAT_OVERALL = ["非常不满意", "不满意", "不满意"] + ["一般"] * 7          # the 10 valid non-satisfied
# (item, value) holes of the 11 incomplete submissions; "Q4"/"Q5" = the whole matrix question
INCOMPLETE_HOLES = [("overall", "(跳过)"), ("overall", "(空)"), ("overall", None), ("overall", "(跳过)"),
                    ("Q5", "(跳过)"), ("h_pay", "(空)"), ("s_it", None), ("Q4", "(跳过)"),
                    ("h_care", "(空)"), ("s_mental", "(跳过)"), ("tenure", "(跳过)")]
TEST_TEXTS = ["测试", "test 问卷预览", "测试一下，请忽略", "Test", "测试提交"]
EVALUATOR_IP = "58.213.118.36(江苏-南京)"
SUGGESTIONS = [
    "人员编制不足，司法所一人多岗，希望增加专职社区矫正工作人员编制。", "社工待遇偏低，人员流动性大，建议提高薪酬。",
    "希望加强业务培训，特别是心理矫治和风险评估方面。", "建议为基层司法所配备执法记录仪等执法装备。",
    "工作量大，台账资料过多，希望精简材料报送。", "希望明确尽职免责的具体情形，减轻基层工作人员的心理压力。",
    "建议引入专业心理咨询师，定期为工作人员做心理疏导。", "电子定位设备经常信号不好，希望升级信息化监管平台。",
    "晋升渠道窄，希望给社工更多职业发展空间。", "夜间和节假日值班多，希望落实调休。",
    "建议公检法司加强协作，信息共享更及时。", "希望加大社区矫正工作的宣传，提高社会认可度。",
    "入户走访存在安全风险，建议两人以上同行并配备防护装备。", "希望增加办公用房，设置专门的宣告室和谈话室。",
    "社工薪酬多年没有调整，希望建立正常增长机制。", "希望多组织外出学习交流，借鉴先进地区经验。",
    "建议完善突发事件应急预案，定期开展演练。", "矫正对象多，人手不够，建议按比例配备工作人员。",
    "希望上级部门多到基层调研，了解实际困难。", "无", "没有意见", "很好",
    "建议加强社会力量参与社区矫正的经费保障。", "希望将社区矫正工作人员纳入执法岗位津贴范围。",
    "建议统一执法服装和标识，增强执法权威。", "系统录入重复，希望省市平台数据打通。",
    "对严重违规的矫正对象，希望简化收监执行程序。", "继续保持。", "希望解决社工社保和公积金缴纳基数偏低的问题。",
    "建议增加公务用车保障，偏远村组走访不便。", "心理压力大，希望单位多关心基层工作人员身心健康。",
    "希望培训更贴近实务，多些案例教学。", "建议设立专项经费，保障教育帮扶活动开展。", "无意见",
    "建议在司法所增加视频监控和一键报警装置。", "希望提高加班补贴标准。"]
# Sensitive or awkward free text planted on valid rows (fake numbers; the ID has a valid check digit).
SPECIAL_TEXTS = ["工资待遇太低，有具体情况请联系我13812345678", "希望增加编制，详情可电话联系15951234567",
                 "本人身份证号320102198503151230，反映社工岗位定级问题，希望尽快解决。",
                 "=建议增加社工编制", "+8613912340000 欢迎回访，希望改善夜间值班制度。"]
EXCLUDED_TEXTS = ["待遇太低。", "希望多些培训机会。", "建议增加人手。"]
IP_PREFIXES = ["112.86", "114.222", "180.110", "180.111", "58.213", "221.226", "49.77", "117.89",
               "121.229", "223.104", "114.221", "58.240"]
OTHER_CITIES = ["江苏-镇江", "江苏-扬州", "安徽-马鞍山", "江苏-苏州"]

# ---------------------------------------------------------------- offender plan
N_INTERVIEWS, N_INT_VALID, SHARE_TOP = 122, 120, 0.70
CATEGORY_COUNTS = {"缓刑": 112, "假释": 6, "暂予监外执行": 3, "管制": 1}
GENDER_COUNTS = {"男": 104, "女": 18}
NA_SHARE = {"e_service": 0.15, "e_counsel": 0.30, "h_help": 0.22}
INTERVIEWERS = {"玄武区": ["王晓燕"], "秦淮区": ["王晓燕"], "建邺区": ["李建国"], "鼓楼区": ["李建国"],
                "栖霞区": ["张敏"], "雨花台区": ["张敏"], "江宁区": ["陈磊", "刘婷"], "浦口区": ["刘婷"],
                "六合区": ["赵志强"], "江北新区": ["赵志强"], "溧水区": ["孙丽华"], "高淳区": ["孙丽华"]}
OFFENDER_SUGGESTIONS = ["希望多组织一些就业培训", "报到时间能否更灵活一些", "工作人员很耐心，没有意见",
                        "希望减少到司法所报到的次数", "电子定位手环充电不方便", "希望帮忙申请低保", "没有", "挺好的"]

# ---------------------------------------------------------------- annex facts (not random)
# 指标数据: (指标, 项目, 数值, 说明, 来源). Transcribed from the 2021 report and its annex
# 附件-1; 说明 is the evaluator's wording that 评分过程 quotes. Sub-item marks are
# inferred from the published 得分 (all full where the row has full marks).
ANNEX = "2021年报告附件-1"
FACTS = [
    ("目标内容", "设有项目目标", 1, "有绩效目标", ANNEX),
    ("目标内容", "项目目标明确", 1, "目标明确", ANNEX),
    ("目标内容", "项目目标细化", 1, "目标细化", ANNEX),
    ("目标内容", "项目目标量化", 1, "目标量化",
     ANNEX + "：评分过程写“目标量化不足扣1分，得3分”，得分栏与总分97.0却按4分计；此处从得分栏（DOMAIN.md §5）"),
    ("项目管理制度", "管理流程制度制定", 2, "管理制度健全", ANNEX),
    ("项目管理制度", "严格执行管理制度", 2, "严格执行相关管理制度", ANNEX),
    ("项目管理实施", "按计划实施", 2, "按计划实施", ANNEX),
    ("项目管理实施", "按计划完成", 2, "按计划完成工作任务", ANNEX),
    ("资金到位", "计划到位", 317, "根据矫正资金的实际分配到位率计算得分", "2021年报告（二）资金情况：市级财政共安排317万元"),
    ("资金到位", "实际到位", 317, None, "2021年报告（二）资金情况：累计支出317万元，使用率100%"),
    ("分配程序", "分配范围合理", 1, "分配各区资金范围充分合理", ANNEX),
    ("分配程序", "分配方式合理", 1, "分配方式充分合理", ANNEX),
    ("分配程序", "与绩效目标直接关联", 1, "与绩效目标达成具有直接关联", ANNEX),
    ("财务管理制度", "扣分", 1, "市级有专项资金管理办法，部分区及以下未制定资金管理办法", ANNEX),
    ("资金使用", "扣分", 1, "各区遵循专项资金使用管理制度，区级以下资金使用合规，无截留挤占挪用情况，"
                          "个别区因资金到账时间较迟未及时使用，部分区矫正资金配比不够合理，人员工资占总额90%以上", ANNEX),
    ("组织构架", "机构健全", 1, "组织机构健全", ANNEX),
    ("组织构架", "分工明确", 1, "权责及分工明确", ANNEX),
    ("完成稳控工作", "达成", 4, "各区严格落实完成稳控工作", ANNEX),
    ("隐患排查", "重点人员排查", 3, "排查重点对象，核对监控信息", ANNEX),
    ("隐患排查", "风险隐患研判", 3, "提供研判记录，落实管控方案", ANNEX),
    ("完成安保工作", "严密组织部署", 2, "完成重点敏感节点安保工作", ANNEX),
    ("完成安保工作", "管控督查到位", 2, "每日定位，每周汇报", ANNEX),
    ("完成安保工作", "远程视频会见", 2, "各项措施落实到位", ANNEX + "（分项说明为推定）"),
    ("重点人员监管", "落实矫正方案", 2, "方案齐全、1人1档", ANNEX),
    ("重点人员监管", "请销假管理", 2, "监管措施落实", ANNEX),
    ("重点人员监管", "联合走访", 4, "有工作台账", ANNEX),
    ("帮扶困难矫正对象", "争取部门支持", 2, "提供帮扶记录，如教育、培训、心理咨询、就业咨询等", ANNEX),
    ("帮扶困难矫正对象", "救助帮扶", 2, "每月大于两次的教育学习培训及思想汇报", ANNEX),
    ("脱管漏管（在逃）率", "未追回", 0, "保障民众人身权、维护民众的财产权益，维护民众的生活秩序",
     ANNEX + "：脱管漏管（在逃）率为0"),
    ("脱管漏管（在逃）率", "已追回", 0, None, ANNEX + "：脱管漏管（在逃）率为0"),
    ("社区矫正工作人员规范执法", "纠正违法通知书", 0, "社区矫正工作人员执法规范，未发生执法违规情况", ANNEX),
    ("社区矫正工作人员规范执法", "检察建议书", 0, None, ANNEX),
    ("再犯罪率", "重新犯罪人数", 0, "社区矫正对象重新犯罪的情况统计", ANNEX + "：再犯罪率为0"),
    ("再犯罪率", "年平均在册人数", sum(OFFENDER_FRAME.values()), None,
     "合成数据：报告未公布在册人数，取抽样框在册社区矫正对象数之和"),
    ("可持续影响", "区总数", 12, None, "2021年报告：主要涉及12个区司法局"),
    ("可持续影响", "启动较慢区数", 2, "开展智慧社区矫正中心创建工作与精准实施普遍、分类、个别“三项”教育，"
                                   "精准实施分级分类管理等任务全市有两个区启动较慢", ANNEX),
]
# 资金分配 as printed in the report's （二）资金情况. The districts add up to 317.03 while the
# published total row says 317.00: kept as published, so that `survey` reports the slip.
ALLOCATION = {"玄武区": 11.10, "秦淮区": 27.04, "建邺区": 17.90, "鼓楼区": 28.50, "栖霞区": 30.19,
              "雨花台区": 20.90, "江宁区": 64.40, "浦口区": 15.84, "六合区": 21.53, "溧水区": 26.08,
              "高淳区": 21.61, "江北新区": 31.94}
ALLOCATION_TOTAL = 317.00
ANNEX_SHEETS = ["指标数据", "资金分配"]

MISSING = {None, "", "(跳过)", "(空)"}
CUTS = (1.0, -0.1, -1.1, -1.9)           # latent-score thresholds between the 5 options


# ================================================================ helpers
def load_q(name):
    return yaml.safe_load((QDIR / f"{name}.yaml").read_text(encoding="utf-8"))


def options(q, item):
    return item.get("options") or q["scales"][item["scale"]]["options"]


def ordinal(y, opts):
    """Map a latent score to one of the 5 satisfaction options (higher = more satisfied)."""
    return opts[sum(y < c for c in CUTS)]


def max_run(values):
    """Longest run of identical consecutive values."""
    best = run = 0
    for k, v in enumerate(values):
        run = run + 1 if k and v == values[k - 1] else 1
        best = max(best, run)
    return best


def largest_remainder(total, weights):
    w = np.asarray(weights, dtype=float)
    quota = total * w / w.sum()
    base = np.floor(quota).astype(int)
    base[np.argsort(-(quota - base), kind="stable")[: total - base.sum()]] += 1
    return [int(x) for x in base]


def staff_layout(q):
    items = {it["id"]: it for it in q["items"]}
    matrix = [it["id"] for it in q["items"] if it["type"] == "matrix_row"]
    required = [it["id"] for it in q["items"] if it["type"] != "text" and it.get("required", True)]
    scale_items = [it["id"] for it in q["items"] if "scale" in it]
    headers = [f"{it['number']}、({it['text']})" if it["type"] == "matrix_row"
               else f"{it['number']}、{it['text']}" for it in q["items"]]
    return items, matrix, required, scale_items, headers


class Staff:
    """Random building blocks for staff submissions."""

    def __init__(self, rng, q):
        self.rng, self.q = rng, q
        self.items, self.matrix, self.required, self.scale_items, self.headers = staff_layout(q)
        self.sat5 = q["scales"]["satisfaction5"]["options"]
        self.screened = {s["item"]: s["exclude"] for s in q["screening"]}    # out-of-scope answers
        self.districts = [d for d in options(q, self.items["district"]) if d not in self.screened["district"]]
        self.roles = [r for r in options(q, self.items["role"]) if r not in self.screened["role"]]
        self.used_ips = {EVALUATOR_IP}
        self.fw_start = dt.datetime.combine(q["fieldwork"]["start"], dt.time())
        self.fw_end = dt.datetime.combine(q["fieldwork"]["end"], dt.time(23, 59, 59))
        days = np.arange(30)
        w = np.exp(-days / 8) + 0.6 * (days == 7) + 0.4 * (days == 14) + 0.3 * (days == 22)
        w *= np.array([0.5 if (self.fw_start + dt.timedelta(days=int(d))).weekday() >= 5 else 1.0 for d in days])
        self.day_p = w / w.sum()
        h = np.array([0.2, 0.1, 0, 0, 0, 0, 0.2, 0.6, 2, 4, 4, 3, 1.5, 2, 3.5, 3.5, 3, 2, 1, 1.5, 2, 1.8, 1, 0.5])
        self.hour_p = h / h.sum()

    def profile(self, district=None):
        rng, headcount = self.rng, np.array([STAFF_FRAME[d] for d in self.districts])
        district = district or str(rng.choice(self.districts, p=headcount / headcount.sum()))
        role = str(rng.choice(self.roles, p=[0.2, 0.45, 0.35]))
        tp = [0.15, 0.35, 0.25, 0.25] if role == "社区矫正社会工作者" else [0.07, 0.2, 0.23, 0.5]
        tenure = str(rng.choice(options(self.q, self.items["tenure"]), p=tp))
        return {"district": district, "role": role, "tenure": tenure}

    def latent_answers(self, prof, z, overall=None):
        """Matrix answers from a latent satisfaction model; pay and career are rated lower."""
        mu = {"h_pay": 0.45, "h_career": 0.45, "h_workload": 0.8, "s_recognition": 0.85, "s_mental": 0.9}
        social = prof["role"] == "社区矫正社会工作者"
        ans = dict(prof)
        while True:                                    # redraw the rare natural straight-liner
            for iid in self.matrix:
                shift = {"h_pay": -0.35, "h_career": -0.2}.get(iid, 0.0) if social else 0.0
                ans[iid] = ordinal(mu.get(iid, 1.1) + shift + z + self.rng.normal(0, 0.6), self.sat5)
            if max_run([ans[i] for i in self.matrix]) < 10:
                break
        if overall is None:
            overall = "非常满意" if z + self.rng.normal(0, 0.5) > -0.2 else "满意"
        ans["overall"], ans["suggestion"] = overall, "(空)"
        return ans

    def constant_answers(self, prof, value):
        return {**prof, **{iid: value for iid in self.matrix}, "overall": value, "suggestion": "(空)"}

    def varied_answers(self, prof):
        """Clearly non-constant answers: no option on 8 or more of the 13 scale items."""
        mix = [["非常满意"] * 5 + ["满意"] * 5 + ["一般"] * 2, ["非常满意"] * 4 + ["满意"] * 6 + ["一般"] * 2,
               ["非常满意"] * 6 + ["满意"] * 4 + ["一般"] + ["不满意"]][int(self.rng.integers(3))]
        vals = list(self.rng.permutation(mix))
        return {**prof, **dict(zip(self.matrix, map(str, vals))), "overall": "满意", "suggestion": "(空)"}

    def time(self, latest=None, day_max=29, hours=range(24)):
        while True:
            d = int(self.rng.choice(30, p=self.day_p))
            t = self.fw_start + dt.timedelta(days=d, hours=int(self.rng.choice(24, p=self.hour_p)),
                                             minutes=int(self.rng.integers(60)), seconds=int(self.rng.integers(60)))
            if d <= day_max and t.hour in hours and t <= (latest or self.fw_end):
                return t

    def duration(self, median=200, low=75):
        if self.rng.random() < 0.02:                       # a few left the page open
            return int(self.rng.integers(900, 4000))
        while True:
            d = round(self.rng.lognormal(np.log(median), 0.4))
            if d >= low:
                return d

    def ip(self, city="江苏-南京"):
        while True:
            a = IP_PREFIXES[int(self.rng.integers(len(IP_PREFIXES)))]
            s = f"{a}.{int(self.rng.integers(1, 255))}.{int(self.rng.integers(2, 255))}({city})"
            if s not in self.used_ips:
                self.used_ips.add(s)
                return s

    def row(self, kind, ans, time, duration, ip=None, source=None):
        source = source or str(self.rng.choice(["微信", "手机提交", "链接"], p=[0.68, 0.22, 0.10]))
        city = "江苏-南京" if self.rng.random() < 0.96 else OTHER_CITIES[int(self.rng.integers(4))]
        return {"kind": kind, "ans": ans, "time": time, "duration": duration, "ip": ip or self.ip(city),
                "source": source, "detail": "N/A" if source == "微信" else "直接访问"}


# ================================================================ sheet 1: staff
def build_staff(rng, q):
    S = Staff(rng, q)
    # Valid respondents: headcount x a district response rate of 62-80%.
    counts = largest_remainder(N_VALID, np.array(list(STAFF_FRAME.values())) * rng.uniform(0.62, 0.80, 12))
    profs = [S.profile(d) for d, n in zip(S.districts, counts) for _ in range(n)]
    z = rng.normal(0, 0.7, N_VALID)
    label = ["generic"] * N_VALID
    for i in np.argsort(z, kind="stable")[: len(UNSAT_OVERALL)]:
        label[i] = "unsat"

    def free():                                       # still-unplanted valid slots, in random order
        return [i for i in rng.permutation(N_VALID) if label[i] == "generic"]

    for i in free()[:N_STRAIGHT]:
        label[i] = "straight"
    for i in free()[:N_FAST_VARIED]:
        label[i] = "fast"
    groups = []                                       # index lists sharing one IP
    for size in OFFICE_GROUPS + [2] * N_PAIRS:
        by_d = defaultdict(list)
        for i in free():
            by_d[profs[i]["district"]].append(i)
        d = next(d for d in rng.permutation(S.districts) if len(by_d[d]) >= size)
        groups.append(by_d[d][:size])
        for i in by_d[d][:size]:
            label[i] = "office" if len(groups) <= len(OFFICE_GROUPS) else "pair"
    originals = free()[:EXCLUDED["duplicate"]]

    rows, unsat_rank = [None] * N_VALID, iter(UNSAT_OVERALL)
    for i in np.argsort(z, kind="stable"):            # lowest z first, so the unsat get the worst overall
        kind = label[i]
        if kind in ("straight", "pair"):
            ans, dur = S.constant_answers(profs[i], "非常满意"), S.duration(140, 90)
        elif kind == "fast":
            ans, dur = S.varied_answers(profs[i]), int(rng.integers(50, 60))
        else:
            ans = S.latent_answers(profs[i], z[i], next(unsat_rank) if kind == "unsat" else None)
            dur = S.duration()
        rows[i] = S.row("valid", ans, S.time(latest=S.fw_end - dt.timedelta(minutes=30)), dur)

    for g in groups:                                   # shared IPs, times close together
        ip, first = S.ip(), S.time(day_max=26, hours=range(9, 16))   # office hours
        if len(g) == 2:                                # identical pair, same profile, > 2 h apart
            rows[g[1]]["ans"] = dict(rows[g[0]]["ans"])
            gaps = [float(rng.uniform(2.5, 6)) * 60]
        else:
            gaps = [float(rng.uniform(2, 8))] + [float(rng.uniform(3, 40)) for _ in g[2:]]
        t = first
        for k, i in enumerate(g):
            t = t + dt.timedelta(seconds=int(gaps[k - 1] * 60)) if k else first
            rows[i].update(ip=ip, time=t)

    # Free text on valid rows (none on straight-liners, pairs or fast-varied).
    writers = [i for i in rng.permutation(N_VALID) if label[i] in ("generic", "unsat", "office")
               and i not in originals[:4]]
    texts = SPECIAL_TEXTS + list(rng.choice(SUGGESTIONS, size=30, replace=False))
    for i, text in zip(writers, texts):
        rows[i]["ans"]["suggestion"] = str(text)

    # Excluded submissions.
    out = []
    for i in originals:                                # duplicate: later copy, same IP, 1-9 min later
        o, dur = rows[i], min(S.duration(), 480)
        out.append({**o, "kind": "duplicate", "ans": dict(o["ans"]), "duration": dur,
                    "time": o["time"] + dt.timedelta(seconds=dur + int(rng.integers(10, 50)))})
    for _ in range(EXCLUDED["too_fast"]):
        v = ["非常满意"] * 7 + ["满意"] * 2 + ["一般"]
        out.append(S.row("too_fast", S.constant_answers(S.profile(), v[int(rng.integers(10))]),
                         S.time(), int(rng.integers(15, 46))))
    for k, (item, hole) in enumerate(INCOMPLETE_HOLES):
        ans = S.latent_answers(S.profile(), rng.normal(0, 0.7))
        targets = [i for i in S.matrix if f"Q{S.items[i]['number']}" == item] if item[0] == "Q" else [item]
        ans.update({t: hole for t in targets})
        if k < 2:
            ans["suggestion"] = EXCLUDED_TEXTS[k]
        out.append(S.row("incomplete", ans, S.time(), S.duration()))
    for k, text in enumerate(TEST_TEXTS):
        t = dt.datetime(2021, 10, 28 + k % 4, 10 + k, int(rng.integers(60)), int(rng.integers(60)))
        ans = {**S.latent_answers(S.profile(), rng.normal(0, 0.7)), "suggestion": text}
        out.append(S.row("test_submission", ans, t, S.duration(),
                         ip=EVALUATOR_IP if k < 3 else S.ip(), source="链接"))
    for k in range(EXCLUDED["out_of_scope"]):
        prof = S.profile()
        if k < 5:
            prof["role"] = S.screened["role"][0]
        else:
            prof["district"] = S.screened["district"][0]
        ans = S.latent_answers(prof, rng.normal(0, 0.7))
        if k == 0:
            ans["suggestion"] = EXCLUDED_TEXTS[2]
        r = S.row("out_of_scope", ans, S.time(), S.duration(),
                  ip=S.ip(OTHER_CITIES[k - 5]) if k >= 5 else None)
        out.append(r)

    allrows = sorted(rows + out, key=lambda r: r["time"])
    for n, r in enumerate(allrows, start=1):
        r["seq"] = n
    return S, allrows


def classify_staff(S, rows):
    """Apply the cleaning rules of staff.yaml independently of the planted labels."""
    c, q = S.q["cleaning"], S.q
    median = float(np.median([r["duration"] for r in rows]))
    fast_below = max(c["too_fast"]["seconds"], c["too_fast"]["median_share"] * median)
    pattern = re.compile(c["test_submissions"]["text_pattern"])
    item_ids = [it["id"] for it in q["items"]]
    key = lambda r: tuple(r["ans"].get(i) for i in item_ids)  # noqa: E731
    for r in rows:
        a, rules = r["ans"], set()
        if any(a.get(i) in MISSING for i in S.required):
            rules.add("incomplete")
        if any(a.get(s["item"]) in s["exclude"] for s in q["screening"]):
            rules.add("out_of_scope")
        text = a.get("suggestion") or ""
        if r["time"] < S.fw_start or pattern.match(text):
            rules.add("test_submission")
        answered = [a[i] for i in S.scale_items if a.get(i) not in MISSING]
        r["straight"] = len(answered) >= c["straightlining"]["min_items"] and len(set(answered)) == 1
        r["fast"] = r["duration"] < fast_below
        if r["fast"] and r["straight"]:
            rules.add("too_fast")
        r["rules"] = rules
    window = dt.timedelta(minutes=c["duplicates"]["window_minutes"])
    for i, r in enumerate(rows):
        for o in rows[:i]:
            if o["ip"] == r["ip"] and r["time"] - o["time"] <= window and key(o) == key(r):
                r["rules"].add("duplicate")
                r["duplicate_of"] = o["seq"]
                break
    return median, fast_below, key


def staff_truth(S, rows):
    median, fast_below, key = classify_staff(S, rows)
    for r in rows:                                     # every row triggers exactly its planted rule
        assert r["rules"] == (set() if r["kind"] == "valid" else {r["kind"]}), (r["seq"], r["kind"], r["rules"])
    valid = [r for r in rows if not r["rules"]]
    sat = set(S.q["scales"]["satisfaction5"]["satisfied"])
    for r in rows:                                     # look-alikes are robust to looser readings
        if not r["rules"]:                             # straight-lined under either DOMAIN.md reading
            assert r["straight"] == (max_run([r["ans"][i] for i in S.matrix]) >= 10)
        if r["fast"] and not r["rules"]:
            assert max(Counter(r["ans"][i] for i in S.scale_items).values()) < 8
        if r["kind"] == "test_submission":
            assert r["time"] < S.fw_start and r["source"] == "链接"
    for i, r in enumerate(rows):                       # same IP within the window: scale answers differ too
        for o in rows[:i]:
            if o["ip"] == r["ip"] and r["time"] - o["time"] <= dt.timedelta(minutes=10) \
                    and r.get("duplicate_of") != o["seq"]:
                assert [o["ans"].get(k) for k in S.scale_items] != [r["ans"].get(k) for k in S.scale_items]
    excluded = {k: [r["seq"] for r in rows if k in r["rules"]] for k in EXCLUDED}
    ip_count = Counter(r["ip"] for r in valid)
    shared = [r for r in valid if ip_count[r["ip"]] > 1]
    pairs = [(a["seq"], b["seq"]) for i, a in enumerate(valid) for b in valid[i + 1:]
             if a["ip"] == b["ip"] and key(a) == key(b)]
    for a, b in pairs:
        assert rows[b - 1]["time"] - rows[a - 1]["time"] > dt.timedelta(hours=2)
    people = Counter(r["ans"]["district"] for r in rows if r["kind"] in ("valid", "too_fast", "incomplete"))
    assert all(people[d] <= n for d, n in STAFF_FRAME.items()), people
    assert min(r["duration"] for r in valid if r["straight"]) > 1.4 * fast_below   # margin for other medians
    n_sat = sum(r["ans"]["overall"] in sat for r in valid)
    assert len(rows) == N_SUBMISSIONS and len(valid) == N_VALID and n_sat == N_SATISFIED
    assert {k: len(v) for k, v in excluded.items()} == EXCLUDED and sum(map(len, excluded.values())) == 41

    texts = {r["seq"]: r["ans"]["suggestion"] for r in valid if r["ans"]["suggestion"] not in MISSING}
    find = lambda rx: [s for s, t in texts.items() if re.search(rx, t)]  # noqa: E731
    by_district = {d: {"valid": sum(r["ans"]["district"] == d for r in valid),
                       "overall_satisfied": sum(r["ans"]["district"] == d and r["ans"]["overall"] in sat
                                                for r in valid)} for d in S.districts}
    return {
        "sheet": "工作人员问卷", "submissions": len(rows), "valid": len(valid), "overall_satisfied": n_sat,
        "overall_rate": round(n_sat / len(valid), 4),
        "excluded": {k: len(v) for k, v in excluded.items()},
        "excluded_total": sum(len(v) for v in excluded.values()),
        "excluded_rows": excluded,
        "duplicate_of": {str(r["seq"]): r["duplicate_of"] for r in rows if "duplicate_of" in r},
        "durations": {"median_all_s": median, "too_fast_below_s": round(fast_below, 2)},
        "lookalikes": {"straightlined_valid": sum(r["straight"] for r in valid),
                       "fast_varied_valid": sum(r["fast"] for r in valid),
                       "shared_ip_valid": len(shared), "shared_ip_addresses": len({r["ip"] for r in shared}),
                       "identical_pairs_far_apart": len(pairs)},
        "lookalike_rows": {"straightlined_valid": [r["seq"] for r in valid if r["straight"]],
                           "fast_varied_valid": [r["seq"] for r in valid if r["fast"]],
                           "shared_ip_valid": [r["seq"] for r in shared],
                           "identical_pairs_far_apart": [list(p) for p in pairs]},
        "by_district": by_district,
        "items_valid": {i: {"answered": sum(r["ans"][i] not in MISSING for r in valid),
                            "satisfied": sum(r["ans"][i] in sat for r in valid)} for i in S.scale_items},
        "free_text_valid": {"nonempty": len(texts),
                            "phone_rows": find(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)"),
                            "id_number_rows": find(r"(?<!\d)\d{17}[\dXx](?!\d)"),
                            "leading_equals_rows": find(r"^="), "leading_plus_rows": find(r"^\+")},
    }


def write_staff(ws, S, rows):
    meta = list(S.q["metadata"].values())
    put_row(ws, 1, meta + S.headers)
    ids = [it["id"] for it in S.q["items"]]
    for r in rows:
        put_row(ws, r["seq"] + 1, [r["seq"], r["time"].strftime("%Y/%m/%d %H:%M:%S"), f"{r['duration']}秒",
                                   r["source"], r["detail"], r["ip"]] + [r["ans"].get(i) for i in ids])
    ws.column_dimensions["B"].width, ws.column_dimensions["F"].width = 20, 28


# ================================================================ sheet 2: offender interviews
def build_offender(rng, q):
    items = {it["id"]: it for it in q["items"]}
    sat5 = q["scales"]["satisfaction5"]["options"]
    districts = options(q, items["district"])
    counts = largest_remainder(N_INTERVIEWS, [OFFENDER_FRAME[d] for d in districts])
    weekdays = [dt.date(2021, 11, 3) + dt.timedelta(days=k) for k in range(36)]
    weekdays = [d for d in weekdays if d.weekday() < 5]           # 11-03 (Wed) .. 12-08 (Wed)
    order = list(rng.permutation(districts))
    rows = []
    for k, d in enumerate(order):                                 # each district visited over ~3 weekdays
        start = round(k * (len(weekdays) - 3) / (len(order) - 1))
        window = weekdays[start:start + 3]
        for j in range(counts[districts.index(d)]):
            day = window[0] if (k == 0 and j == 0) else window[-1] if (k == len(order) - 1 and j == 0) \
                else window[int(rng.integers(len(window)))]
            rows.append({"date": day, "district": str(d), "order": k,
                         "interviewer": str(rng.choice(INTERVIEWERS[d]))})
    rows.sort(key=lambda r: (r["date"], r["order"]))
    category = rng.permutation([c for c, n in CATEGORY_COUNTS.items() for _ in range(n)])
    gender = rng.permutation([g for g, n in GENDER_COUNTS.items() for _ in range(n)])
    z = rng.normal(0, 0.6, N_INTERVIEWS)
    incomplete = set(int(i) for i in rng.choice(N_INTERVIEWS, size=N_INTERVIEWS - N_INT_VALID, replace=False))
    complete = [i for i in range(N_INTERVIEWS) if i not in incomplete]
    rank = sorted(complete, key=lambda i: -(z[i] + rng.normal(0, 0.3)))
    top = set(rank[: round(SHARE_TOP * N_INT_VALID)])
    mu = {"e_service": 1.3, "e_counsel": 1.2, "h_help": 1.0}
    writers = set(int(i) for i in rng.choice(N_INTERVIEWS, size=len(OFFENDER_SUGGESTIONS), replace=False))
    sugg = iter(OFFENDER_SUGGESTIONS)
    na_rows = {iid: set(int(i) for i in rng.choice(N_INTERVIEWS, size=round(share * N_INTERVIEWS), replace=False))
               for iid, share in NA_SHARE.items()}                # exact 未接触 counts on items 6-8
    for i, r in enumerate(rows):
        r.update(id=f"FT2021-{i + 1:03d}", category=str(category[i]), gender=str(gender[i]))
        ans = {"district": r["district"], "category": r["category"], "gender": r["gender"]}
        for it in q["items"]:
            if "number" not in it or it["id"] in ("overall", "suggestion"):
                continue
            na = q["scales"][it["scale"]].get("not_applicable", [])
            if na and i in na_rows[it["id"]]:
                ans[it["id"]] = na[0]
            else:
                ans[it["id"]] = ordinal(mu.get(it["id"], 1.5) + z[i] + rng.normal(0, 0.6), sat5)
        ans["overall"] = None if i in incomplete else ("非常满意" if i in top else "满意")
        ans["suggestion"] = next(sugg) if i in writers else None
        r["ans"] = ans
    return rows


def offender_truth(q, rows):
    required = [it["id"] for it in q["items"] if it["type"] != "text" and it.get("required", True)]
    sat = set(q["scales"]["satisfaction5"]["satisfied"])
    valid = [r for r in rows if all(r["ans"].get(i) not in MISSING for i in required)]
    bad = [r["id"] for r in rows if r not in valid]
    n_sat = sum(r["ans"]["overall"] in sat for r in valid)
    assert len(rows) == N_INTERVIEWS and len(valid) == N_INT_VALID and n_sat == N_INT_VALID
    na = {i: sum(r["ans"][i] == "未接触" for r in valid) for i in NA_SHARE}
    assert all(0.10 <= n / len(valid) <= 0.35 for n in na.values()), na
    dates = [r["date"] for r in rows]
    assert min(dates) == dt.date(2021, 11, 3) and max(dates) == dt.date(2021, 12, 8)
    districts = options(q, q["items"][0])
    return {
        "sheet": "矫正对象访谈", "interviews": len(rows), "valid": len(valid), "overall_satisfied": n_sat,
        "overall_rate": round(n_sat / len(valid), 4), "excluded": {"incomplete": len(bad)},
        "excluded_rows": {"incomplete": bad},
        "overall_top_box_非常满意": sum(r["ans"]["overall"] == "非常满意" for r in valid),
        "not_applicable_valid": na,
        "by_district": {d: {"valid": sum(r["district"] == d for r in valid),
                            "overall_satisfied": sum(r["district"] == d and r["ans"]["overall"] in sat
                                                     for r in valid)} for d in districts},
        "sample_margins_valid": {var: {c: sum(r[key] == c for r in valid) for c in cats}
                                 for var, key, cats in (("矫正类别", "category", CATEGORY_COUNTS),
                                                        ("性别", "gender", GENDER_COUNTS))},
    }


def write_offender(ws, q, rows):
    heads = [it["text"] if "number" not in it else f"{it['number']}.{(it.get('aliases') or [it['text']])[0]}"
             for it in q["items"]]
    put_row(ws, 1, list(q["metadata"].values()) + heads)
    for n, r in enumerate(rows, start=2):
        put_row(ws, n, [r["id"], r["date"], r["interviewer"]] + [r["ans"].get(it["id"]) for it in q["items"]])
        ws.cell(row=n, column=2).number_format = "yyyy/m/d"
    ws.column_dimensions["B"].width = 12


# ================================================================ sheets 3-4: frame and margins
def frame_margins():
    total = sum(OFFENDER_FRAME.values())
    return {var: dict(zip(cats, largest_remainder(total, list(cats.values()))))
            for var, cats in FRAME_MARGINS.items()}


def write_frame(ws):
    put_row(ws, 1, ["区", "工作人员数", "在册社区矫正对象数"])
    for n, d in enumerate(STAFF_FRAME, start=2):
        put_row(ws, n, [d, STAFF_FRAME[d], OFFENDER_FRAME[d]])


def write_margins(ws, margins):
    put_row(ws, 1, ["变量", "类别", "人数"])
    n = 2
    for var, cats in margins.items():
        for cat, count in cats.items():
            put_row(ws, n, [var, cat, count])
            n += 1


# ================================================================ sheets 5-6: annex facts, allocation
def write_facts(ws):
    put_row(ws, 1, ["指标", "项目", "数值", "说明", "来源"])
    for n, row in enumerate(FACTS, start=2):
        put_row(ws, n, list(row))
    for col, width in zip("ABCDE", (22, 16, 10, 60, 50)):
        ws.column_dimensions[col].width = width


def write_allocation(ws):
    put_row(ws, 1, ["各区", "分配金额（万元）"])
    rows = [*list(ALLOCATION.items()), ("全市合计", ALLOCATION_TOTAL)]
    for n, (name, amount) in enumerate(rows, start=2):
        put_row(ws, n, [name, amount])
        ws.cell(row=n, column=2).number_format = "0.00"
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 12, 18


def check_annex_facts():
    keys = [(f[0], f[1]) for f in FACTS]
    assert len(keys) == len(set(keys)), "one row per indicator and item"
    assert list(ALLOCATION) == list(STAFF_FRAME), "districts in the frame's order"
    assert round(sum(ALLOCATION.values()), 2) == 317.03 and ALLOCATION_TOTAL == 317.00  # the published slip


# ================================================================ workbook output
def put_row(ws, row, values):
    for col, v in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        cell.value = v
        if isinstance(v, str):
            cell.data_type = "s"            # text stays text, even "=..." (never a formula)


class _FixedTimeZip(zipfile.ZipFile):
    """Zip archive whose member timestamps are fixed, so the .xlsx is byte-reproducible."""

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        self.writestr(arcname or str(filename), Path(filename).read_bytes())


def save_workbook(wb, path):
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = "raw/make_2021.py (synthetic data)"
    ExcelWriter(wb, _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED)).save()   # save_workbook() would reset `modified`


def main():
    rng = np.random.default_rng(SEED)
    staff_q, offender_q = load_q("staff"), load_q("offender")
    assert list(STAFF_FRAME) == [d for d in staff_q["items"][0]["options"] if d != "其他地区"]
    assert list(STAFF_FRAME) == offender_q["items"][0]["options"]
    S, staff_rows = build_staff(rng, staff_q)
    offender_rows = build_offender(rng, offender_q)
    margins = frame_margins()
    truth = {"synthetic": True, "generator": "raw/make_2021.py", "seed": SEED, "workbook": OUT_XLSX.name,
             "sheets": ["工作人员问卷", "矫正对象访谈", "抽样框", "对象构成"],
             "staff": staff_truth(S, staff_rows), "offender": offender_truth(offender_q, offender_rows),
             "frame": {"staff_total": sum(STAFF_FRAME.values()), "offender_total": sum(OFFENDER_FRAME.values()),
                       "staff_by_district": STAFF_FRAME, "offenders_by_district": OFFENDER_FRAME,
                       "offender_margins": margins}}
    assert truth["staff"]["excluded_total"] + truth["staff"]["valid"] == N_SUBMISSIONS
    assert all(sum(c.values()) == truth["frame"]["offender_total"] for c in margins.values())

    wb = Workbook()
    sheets = [wb.active] + [wb.create_sheet() for _ in range(3)]
    for ws, title in zip(sheets, truth["sheets"]):
        ws.title = title
    write_staff(sheets[0], S, staff_rows)
    write_offender(sheets[1], offender_q, offender_rows)
    write_frame(sheets[2])
    write_margins(sheets[3], margins)
    check_annex_facts()
    write_facts(wb.create_sheet(ANNEX_SHEETS[0]))
    write_allocation(wb.create_sheet(ANNEX_SHEETS[1]))
    save_workbook(wb, OUT_XLSX)
    OUT_TRUTH.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT_XLSX.name} and {OUT_TRUTH.name}: staff {truth['staff']['valid']}/"
          f"{truth['staff']['submissions']} valid, offender {truth['offender']['valid']}/"
          f"{truth['offender']['interviews']} valid")


if __name__ == "__main__":
    main()
