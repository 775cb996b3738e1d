"""Valid-questionnaire (有效问卷) rules: which responses count, and an audit of why.

The rules and their thresholds come from the questionnaire's ``cleaning`` and
``screening`` sections (DOMAIN.md §2). They apply in this order, each to the
responses that earlier rules kept, so a response is attributed to the *first*
rule that excludes it:

1. ``test_submission`` – submitted before fieldwork, or free text marking a test;
2. ``out_of_scope``   – a screening answer outside the surveyed population;
3. ``platform_flag``  – the platform's own quality check (腾讯问卷 清洗数据结果 无效,
                        智能清洗数据无效概率 ≥ 0.7), where the export has it;
4. ``incomplete``     – a required item missing, ``(跳过)``, ``(空)`` or unusable;
5. ``attention``      – an attention item (此题请选择…) not answered as asked;
6. ``logic``          – an exclusive option (以上都没有) chosen with others, or two
                        answers the questionnaire declares incompatible;
7. ``duplicate``      – the same answers from the same IP within the time window
                        (the first copy is kept);
8. ``too_fast``       – faster than the absolute floor or the share of the median
                        duration; excluded only when also straight-lined (default).

Flag-only findings are then recorded on the valid responses: ``too_fast`` (not
straight-lined), ``straightlining``, ``same_ip`` (each can be set to exclude),
and the findings of the tidy step (``unknown_option``, ``unreadable_value``,
``matched_by_number``).

Entry point: :func:`clean`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.definitions.questionnaire import Questionnaire
from survey.inputs.privacy import pseudonym
from survey.inputs.tidy import Responses, item_columns

RULE_ORDER = ("test_submission", "out_of_scope", "platform_flag", "incomplete", "attention", "logic",
              "duplicate", "too_fast")
RULE_LABELS = {
    "test_submission": "测试问卷",
    "out_of_scope": "非调查对象",
    "platform_flag": "平台判定无效",
    "incomplete": "必答题缺失",
    "attention": "注意力题未通过",
    "logic": "逻辑矛盾",
    "duplicate": "重复提交",
    "too_fast": "答题过快",
    "straightlining": "答案无差异",
    "same_ip": "同一IP多份",
    "unknown_option": "无法识别的选项",
    "unreadable_value": "无法识别的数据",
    "matched_by_number": "按题号匹配的列",
}
AUDIT_COLUMNS = ("rule", "rule_label", "action", "respondent", "sheet", "row", "column", "value", "message")


@dataclass(frozen=True)
class Cleaned:
    """The valid responses, and one audit row per finding."""

    valid: Responses
    audit: pd.DataFrame = field(repr=False)
    returned: int
    issued: int | None = None  # questionnaires issued (发放): fieldwork.issued unless overridden
    notes: tuple[str, ...] = ()  # configured rules that could not run, and why

    @property
    def n_valid(self) -> int:
        return self.valid.n

    def excluded_by_rule(self) -> dict[str, int]:
        """Exclusions per rule, in the order the rules apply (rules set to exclude last)."""
        counts = self.audit[self.audit["action"] == "exclude"]["rule"].value_counts()
        ordered = [r for r in RULE_ORDER if r in counts] + sorted(r for r in counts.index if r not in RULE_ORDER)
        return {r: int(counts[r]) for r in ordered}

    def flagged_by_rule(self) -> dict[str, int]:
        """Findings flagged but kept (标记但保留), per rule label (in the labels' sort order)."""
        flags = self.audit[self.audit["action"] == "flag"].groupby("rule_label").size()
        return {str(label): int(n) for label, n in flags.items()}

    def usable_issued(self, issued: int | None = None) -> int | None:
        """``issued`` (default ``self.issued``) when it can be: fewer than returned belongs to another survey."""
        issued = issued or self.issued
        return issued if issued and issued >= self.returned else None

    def summary(self, issued: int | None = None) -> str:
        """The report sentence 本次调查共发放问卷X份，回收Y份…，其中有效问卷Z份（有效率b%）.

        ``issued`` defaults to ``self.issued`` (the questionnaire's ``fieldwork.issued``);
        without it the sentence starts at 回收.
        """
        y, z = self.returned, self.n_valid
        rate = f"{z / y:.2%}" if y else "—"
        given, issued = issued or self.issued, self.usable_issued(issued)
        note = ""
        if given and not issued:  # the issued count belongs to another survey: no rate above 100%
            note = f"（回收数多于设定的发放数{given}份，未计算回收率，请核对 fieldwork.issued）"
        if issued:
            head = f"本次调查共发放问卷{issued}份，回收{y}份（回收率{y / issued:.2%}）"
        else:
            head = f"本次调查共回收问卷{y}份"
        text = f"{head}，其中有效问卷{z}份（有效率{rate}，按回收问卷计）{note}"
        parts = [f"{RULE_LABELS[r]}{n}份" for r, n in self.excluded_by_rule().items()]
        if parts:
            text += "；剔除" + "、".join(parts)
        return text + "。"


def _straightlined(data: pd.DataFrame, items: tuple[str, ...], min_items: int) -> pd.Series:
    cols = [c for c in items if c in data.columns]
    if len(cols) < min_items:
        return pd.Series(False, index=data.index)
    block = data[cols]
    answered = block.notna().sum(axis=1)
    return (answered >= min_items) & (block.max(axis=1) == block.min(axis=1))


def _cell_findings(responses: Responses) -> dict[tuple[int, str], str]:
    """(row, column) → the value a tidy finding quoted."""
    f = responses.findings
    return {(int(r), c): str(v) for r, c, v in zip(f["row"], f["column"], f["value"])}


def _answer_key(data: pd.DataFrame, q: Questionnaire) -> pd.Series:
    cols = [c for it in q.items for c in item_columns(q, data, it.id)]
    return pd.util.hash_pandas_object(data[cols].astype(str), index=False)


def _holds(q: Questionnaire, data: pd.DataFrame, cond) -> pd.Series:
    """Rows whose answer to ``cond.item`` is one of ``cond.answers`` (chosen, for a multiple item)."""
    opts = q.options(cond.item)
    codes = [opts.index(a) + 1 for a in cond.answers]
    if q.item(cond.item).type == "multiple":
        cols = [f"{cond.item}[{k}]" for k in codes if f"{cond.item}[{k}]" in data]
        return data[cols].fillna(0).astype(bool).any(axis=1) if cols else pd.Series(False, index=data.index)
    if cond.item not in data:
        return pd.Series(False, index=data.index)
    return data[cond.item].isin(codes)


def _shown(q: Questionnaire, data: pd.DataFrame, item_id: str, r) -> str | None:
    opts = q.options(item_id)
    if q.item(item_id).type == "multiple":
        return "┋".join(o for k, o in enumerate(opts, start=1) if data.get(f"{item_id}[{k}]", pd.Series()).get(r) == 1)
    v = data.at[r, item_id] if item_id in data else None
    return None if v is None or pd.isna(v) else opts[int(v) - 1]


def clean(responses: Responses, *, issued: int | None = None) -> Cleaned:
    """Apply the questionnaire's valid-questionnaire rules; return valid responses + audit.

    ``issued`` (questionnaires issued, 发放) overrides the questionnaire's ``fieldwork.issued``.
    """
    q = responses.questionnaire
    data = responses.data
    rules = q.cleaning
    keep = pd.Series(True, index=data.index)
    parts: list[pd.DataFrame] = []

    def add(rule, action, mask, column=None, value=None, message=""):
        """One audit row per kept response in ``mask``; excluding drops them from ``keep``.

        ``column``, ``value`` and ``message`` are constants, Series indexed like the
        data (taken whole — the fast path for rules that can hit thousands of
        responses) or functions of the row.
        """
        idx = data.index[(mask & keep).to_numpy()]
        if not len(idx):
            return

        def cells(x):
            if isinstance(x, pd.Series):
                return x.reindex(idx).to_numpy(dtype=object)
            if callable(x):
                return [x(r) for r in idx]
            return [x] * len(idx)

        parts.append(pd.DataFrame({"rule": rule, "action": action, "row": idx.astype(int), "column": cells(column),
                                   "value": cells(value), "message": cells(message)}))
        if action == "exclude":
            keep[idx] = False

    def col(name):
        return responses.columns.get(name)

    # 1. test submissions: before fieldwork → excluded; a test-like text during fieldwork → flagged
    t = rules.test_submissions
    if t is not None:
        early = pd.Series(False, index=data.index)
        if t.before_fieldwork and q.fieldwork.start is not None and "submitted_at" in data:
            early = (data["submitted_at"] < pd.Timestamp(q.fieldwork.start)).fillna(False)
        marked_item = pd.Series(None, index=data.index, dtype=object)  # the text item carrying a test mark
        if t.text_pattern:
            pat = re.compile(t.text_pattern)
            for it in q.items:
                if it.type == "text" and it.id in data:
                    m = data[it.id].map(lambda v: isinstance(v, str) and bool(pat.search(v))).astype(bool)
                    marked_item[m & marked_item.isna()] = it.id
        marked = marked_item.notna()
        add("test_submission", t.action, early, col("submitted_at"), lambda r: str(data.at[r, "submitted_at"]),
            lambda r: f"提交时间早于调查开始（{q.fieldwork.start:%Y-%m-%d}）"
                      + (f"，{marked_item[r]} 填写为测试标记" if marked[r] else ""))
        add("test_submission", "flag", marked, lambda r: col(marked_item[r]), lambda r: data.at[r, marked_item[r]],
            "调查期间提交，文字疑似测试标记，保留（请人工核对）")

    # 2. out of scope (screening)
    for s in q.screening:
        if s.item in data:
            opts = q.options(s.item)
            codes = {opts.index(o) + 1 for o in s.exclude}
            add("out_of_scope", "exclude", data[s.item].isin(codes), col(s.item),
                lambda r, s=s, opts=opts: opts[int(data.at[r, s.item]) - 1], s.reason)

    # 3. the platform's quality flags
    pf = rules.platform_flags
    flag_cols = [c for c in ("quality_flag", "invalid_probability") if c in data]
    if pf is not None and flag_cols:
        bad = pd.Series(False, index=data.index)
        if "quality_flag" in data:
            bad |= data["quality_flag"].map(lambda v: isinstance(v, str) and pf.invalid_text in v).astype(bool)
        if "invalid_probability" in data:
            bad |= data["invalid_probability"] >= pf.max_probability
        add("platform_flag", pf.action, bad, col(flag_cols[0]),
            lambda r: " / ".join(str(data.at[r, c]) for c in flag_cols),
            f"平台清洗结果为“{pf.invalid_text}”或无效概率≥{pf.max_probability:g}")

    # 4. incomplete
    required = [it.id for it in q.items if it.is_required and it.type != "text"]
    answered = pd.DataFrame({i: data[item_columns(q, data, i)].notna().all(axis=1) for i in required},
                            index=data.index)
    missing_items = lambda r: [i for i in required if not answered.at[r, i]]  # noqa: E731
    quoted = _cell_findings(responses)
    add("incomplete", "exclude", ~answered.all(axis=1), lambda r: col(missing_items(r)[0]),
        lambda r: quoted.get((r, col(missing_items(r)[0])), "(空/跳过)"),
        lambda r: "必答题未作答或无法识别：" + "、".join(missing_items(r)))

    # 5. attention items
    for a in rules.attention:
        if a.item in data:
            opts = q.options(a.item)
            code = opts.index(a.answer) + 1
            shown = lambda r, a=a, opts=opts: (None if pd.isna(data.at[r, a.item])  # noqa: E731
                                               else opts[int(data.at[r, a.item]) - 1])
            add("attention", a.action, data[a.item].notna() & (data[a.item] != code), col(a.item), shown,
                f"注意力题要求选择“{a.answer}”")

    # 6. logic conflicts
    lg = rules.logic
    if lg is not None:
        for item_id, exclusive in lg.exclusive.items():
            opts = q.options(item_id)
            cols = {o: f"{item_id}[{opts.index(o) + 1}]" for o in opts}
            if not all(c in data for c in cols.values()):
                continue
            chosen = data[list(cols.values())].fillna(0).astype(bool)
            for o in exclusive:
                others = chosen.drop(columns=cols[o]).any(axis=1)
                add("logic", lg.action, chosen[cols[o]] & others, col(cols[o]) or col(item_id), o,
                    f"“{o}”与其他选项同时选择")
        for c in lg.conflicts:
            add("logic", lg.action, _holds(q, data, c.when) & _holds(q, data, c.then), col(c.then.item),
                lambda r, c=c: _shown(q, data, c.then.item, r), c.reason)

    # 7. duplicates: same answers and same IP within the window (later copies)
    d = rules.duplicates
    if d is not None and "submitted_at" in data and "ip" in data:
        cand = data[keep].copy()
        cand["_key"] = _answer_key(cand, q).astype(str) + "|" + cand["ip"].astype(str)
        cand = cand.sort_values(["_key", "submitted_at"])
        gap = cand.groupby("_key")["submitted_at"].diff()
        prev_row = pd.Series(cand.index, index=cand.index).groupby(cand["_key"]).shift()
        dup = (gap.notna() & (gap <= pd.Timedelta(minutes=d.window_minutes))).reindex(data.index, fill_value=False)
        hit = dup[dup].index
        text = pd.Series([f"与第{int(p)}行答案相同、来自同一IP，间隔{g.total_seconds() / 60:.1f}分钟"
                          for p, g in zip(prev_row.reindex(hit), gap.reindex(hit))], index=hit, dtype=object)
        add("duplicate", d.action, dup, col("respondent"), None, text)

    # 8. too fast (excluded when also straight-lined, by default), then flags on the valid responses
    tf, sl = rules.too_fast, rules.straightlining
    lined = _straightlined(data, q.scored_items, sl.min_items if sl else 8)
    if tf is not None and "duration_s" in data:
        dur = data["duration_s"]
        median = float(dur[keep].median()) if keep.any() else np.nan
        limit = tf.seconds if np.isnan(median) else max(tf.seconds, tf.median_share * median)
        fast = dur < limit
        excluded = {"exclude": fast, "exclude_if_straightlined": fast & lined}.get(tf.action, fast & False)
        seconds = dur.map(lambda s: f"{s:.0f}秒", na_action="ignore")
        add("too_fast", "exclude", excluded, col("duration"), seconds,
            f"答题用时低于{limit:.0f}秒（{tf.seconds:.0f}秒或中位数{median:.0f}秒的{tf.median_share:.0%}）"
            + ("且所有量表题答案相同" if tf.action == "exclude_if_straightlined" else ""))
        add("too_fast", "flag", fast, col("duration"), seconds, f"答题用时低于{limit:.0f}秒，答案有差异，保留")
    if sl is not None:
        def lined_text(r):
            answers = data.loc[r, [i for i in q.scored_items if i in data]].dropna()
            first = answers.index[0]
            return f"{len(answers)}道量表题答案均为“{q.options(first)[int(answers.iloc[0]) - 1]}”"

        add("straightlining", sl.action, lined, None, None, lined_text)
    if rules.same_ip is not None and "ip" in data:
        sizes = data["ip"].map(data.loc[keep, "ip"].value_counts())
        shared = sizes > 1
        text = sizes[shared].map(lambda k: f"与另外{int(k) - 1}份有效问卷来自同一IP（IP不输出）")
        add("same_ip", rules.same_ip.action, shared.fillna(False).astype(bool), col("ip"), None, text)
    f = responses.findings
    if len(f):
        parts.append(pd.DataFrame({"rule": f["rule"].to_numpy(), "action": "flag", "row": f["row"].astype(int).to_numpy(),
                                   "column": f["column"].to_numpy(), "value": f["value"].to_numpy(),
                                   "message": f["message"].to_numpy()}))
    # A configured rule whose columns the export lacks is said, never silently skipped.
    needs = {"too_fast": (rules.too_fast, ["duration_s"], "答题时长"),
             "duplicate": (rules.duplicates, ["submitted_at", "ip"], "提交时间和IP"),
             "same_ip": (rules.same_ip, ["ip"], "IP"),
             "test_submission": (t if t is not None and t.before_fieldwork and q.fieldwork.start else None,
                                 ["submitted_at"], "提交时间")}
    notes = tuple(f"{RULE_LABELS[r]}规则未执行：导出数据中没有{what}列"
                  for r, (rule, cols, what) in needs.items() if rule is not None and not set(cols) <= set(data))
    columns = ["rule", "action", "row", "column", "value", "message"]
    audit = (pd.concat(parts, ignore_index=True)[columns] if parts
             else pd.DataFrame(columns=columns))
    audit.insert(1, "rule_label", audit["rule"].map(RULE_LABELS).fillna(audit["rule"]))
    ids = data["respondent"].reindex(audit["row"].to_numpy())
    names = {r: pseudonym(q.id, r) for r in ids.dropna().unique()}  # one hash per respondent
    audit.insert(3, "respondent", [names.get(r) if pd.notna(r) else None for r in ids])
    audit.insert(4, "sheet", responses.sheet)
    order = {r: i for i, r in enumerate(RULE_ORDER)}
    audit = audit.sort_values(["action", "rule", "row"], kind="stable",
                              key=lambda s: s.map(order).fillna(len(order)) if s.name == "rule" else s)
    return Cleaned(valid=responses.subset(keep), audit=audit[list(AUDIT_COLUMNS)].reset_index(drop=True),
                   returned=responses.n, issued=issued or q.fieldwork.issued, notes=notes)
