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
                        duration; excluded only when also straight-lined (default),
                        every one (``exclude``) or none, only flagged (``flag``).

Flag-only findings are then recorded on the valid responses: ``too_fast`` (kept
ones, with the reason they are kept), ``straightlining``, ``same_ip`` (each can be
set to exclude), and the findings of the tidy step (``unknown_option``,
``unreadable_value``, ``matched_by_number``, and the plausibility findings of
:mod:`survey.inputs.plausible`: ``implausible_duration``, ``implausible_date``,
``duplicate_id``). Every code has its Chinese label in :data:`RULE_LABELS`, which the
audit and the console show.

Each rule is a function of :data:`RULES` (the pandera / pointblank habit): it takes
the responses, the rows still kept and the questionnaire, and returns its findings
— one row each, columns :data:`FINDING_COLUMNS` (``rule`` is the reason code,
``action`` exclude or flag). :func:`clean` applies them in this order, drops what
each excludes before the next runs, and concatenates the findings into the audit
(:func:`audit_table`). A configured rule that cannot run for want of a column is
said in ``Cleaned.notes`` (:func:`rules_not_run`). A new rule: one function here,
its place in :data:`RULES` (and :data:`RULE_ORDER` if it excludes), its label in
:data:`RULE_LABELS`, its settings in ``survey.definitions.questionnaire.Cleaning``.

Entry point: :func:`clean`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.definitions import patterns
from survey.definitions.questionnaire import Questionnaire
from survey.errors import DefinitionError
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
    "implausible_duration": "答题时长不合理",
    "implausible_date": "提交时间远在调查期外",
    "duplicate_id": "序号重复",
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
        a = self.audit
        gone = set(a.loc[a["action"] == "exclude", "row"])  # a finding on an excluded response is not kept
        flags = a[(a["action"] == "flag") & ~a["row"].isin(gone)].groupby("rule_label").size()
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


def _varied(data: pd.DataFrame, items: tuple[str, ...]) -> pd.Series:
    """Rows with at least two different answers among the scale items."""
    block = data[[c for c in items if c in data.columns]]
    return block.max(axis=1) > block.min(axis=1)


def _cell_findings(responses: Responses) -> dict[tuple[int, str | None], str]:
    """(row, column) → the value a tidy finding quoted."""
    f = responses.findings
    return {(int(r), c): str(v) for r, c, v in zip(f["row"], f["column"], f["value"])}


def _answer_key(data: pd.DataFrame, q: Questionnaire) -> pd.Series:
    cols = [c for it in q.items for c in item_columns(q, data, it.id)]
    # each column hashed as its own type (codes as numbers, texts as texts): equal answers, equal keys,
    # without turning 100,000 × 40 codes into text first
    return pd.util.hash_pandas_object(data[cols], index=False)


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


# -- the findings of one rule --------------------------------------------------------------------

FINDING_COLUMNS = ("rule", "action", "row", "column", "value", "message")
UNANSWERED = "(空/跳过)"  # the audit's value of a required item left empty (an answer not read quotes its text)


class _Finder:
    """One rule's findings, mask by mask; an exclusion hides those rows from the rule's later masks.

    ``column``, ``value`` and ``message`` of :meth:`add` are constants, Series indexed
    like the data (taken whole — the fast path for rules that can hit thousands of
    responses) or functions of the row.
    """

    def __init__(self, rule: str, responses: Responses, kept: pd.Series):
        self.rule, self.data, self.kept = rule, responses.data, kept.copy()
        self.col = responses.columns.get  # the export's header of a tidy column
        self.parts: list[pd.DataFrame] = []

    def add(self, action: str, mask: pd.Series, column=None, value=None, message="") -> None:
        idx = self.data.index[(mask & self.kept).to_numpy()]
        if not len(idx):
            return

        def cells(x):
            if isinstance(x, pd.Series):
                return x.reindex(idx).to_numpy(dtype=object)
            if callable(x):
                return [x(r) for r in idx]
            return [x] * len(idx)

        self.parts.append(pd.DataFrame({"rule": self.rule, "action": action, "row": idx.astype(int),
                                        "column": cells(column), "value": cells(value), "message": cells(message)}))
        if action == "exclude":
            self.kept[idx] = False

    def findings(self) -> pd.DataFrame:
        """The findings, one row each (columns :data:`FINDING_COLUMNS`; none: an empty frame)."""
        return (pd.concat(self.parts, ignore_index=True) if self.parts
                else pd.DataFrame(columns=list(FINDING_COLUMNS)))


# -- the rules, in the order they apply -------------------------------------------------------------
# Each takes (responses, the rows still kept, the questionnaire) and returns its findings.

def test_submission(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """1. Submitted before fieldwork (``action``, default exclude); a test-like text during it: flagged."""
    f, data, t = _Finder("test_submission", responses, kept), responses.data, q.cleaning.test_submissions
    if t is None:
        return f.findings()
    early = pd.Series(False, index=data.index)
    if t.before_fieldwork and q.fieldwork.start is not None and "submitted_at" in data:
        early = (data["submitted_at"] < pd.Timestamp(q.fieldwork.start)).fillna(False)
    marked_item = pd.Series(None, index=data.index, dtype=object)  # the text item carrying a test mark
    if t.text_pattern:
        pat = patterns.compile_pattern(t.text_pattern)
        for it in q.items:
            if it.type == "text" and it.id in data:
                m = pd.Series({r: _marked(pat, v, responses, f.col(it.id), r) for r, v in data[it.id].items()},
                              index=data.index, dtype=bool)
                marked_item[m & marked_item.isna()] = it.id
    marked = marked_item.notna()
    f.add(t.action, early, f.col("submitted_at"), lambda r: str(data.at[r, "submitted_at"]),
          lambda r: f"提交时间早于调查开始（{q.fieldwork.start:%Y-%m-%d}）"
                    + (f"，{marked_item[r]} 填写为测试标记" if marked[r] else ""))
    f.add("flag", marked, lambda r: f.col(marked_item[r]), lambda r: data.at[r, marked_item[r]],
          "调查期间提交，文字疑似测试标记，保留（请人工核对）")
    return f.findings()


def _marked(pat, text, responses: Responses, column, row) -> bool:
    """The test-mark pattern found in one answer; a search past the time limit is an error naming the cell."""
    try:
        return patterns.search(pat, text)
    except TimeoutError:
        q, sheet = responses.questionnaire, f", sheet '{responses.sheet}'" if responses.sheet else ""
        raise DefinitionError(f"text_pattern '{pat.pattern}' took over {patterns.PATTERN_SECONDS:g} s on one answer "
                              "(catastrophic backtracking)", file=q.file, path="cleaning.test_submissions.text_pattern",
                              got=f"{responses.file}{sheet}, row {row}, column '{column}': {len(text)} characters",
                              hint="simplify the pattern: no adjacent repeats of the same characters "
                                   r"(\s*\s*), no repeated group that repeats; a short anchored mark such as "
                                   r"^\s*(测试|test) is enough") from None


def out_of_scope(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """2. A screening answer outside the surveyed population (each ``screening`` entry in turn)."""
    f, data = _Finder("out_of_scope", responses, kept), responses.data
    for s in q.screening:
        if s.item in data:
            opts = q.options(s.item)
            codes = {opts.index(o) + 1 for o in s.exclude}
            f.add("exclude", data[s.item].isin(codes), f.col(s.item),
                  lambda r, s=s, opts=opts: opts[int(data.at[r, s.item]) - 1], s.reason)
    return f.findings()


def platform_flag(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """3. The platform's own quality check (清洗数据结果 / 无效概率), where the export has it."""
    f, data, pf = _Finder("platform_flag", responses, kept), responses.data, q.cleaning.platform_flags
    flag_cols = [c for c in ("quality_flag", "invalid_probability") if c in data]
    if pf is None or not flag_cols:
        return f.findings()
    bad = pd.Series(False, index=data.index)
    if "quality_flag" in data:
        bad |= data["quality_flag"].map(lambda v: isinstance(v, str) and pf.invalid_text in v).astype(bool)
    if "invalid_probability" in data:
        bad |= data["invalid_probability"] >= pf.max_probability
    f.add(pf.action, bad, f.col(flag_cols[0]), lambda r: " / ".join(str(data.at[r, c]) for c in flag_cols),
          f"平台清洗结果为“{pf.invalid_text}”或无效概率≥{pf.max_probability:g}")
    return f.findings()


def incomplete(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """4. A required closed item missing, skipped or unusable (the tidy step's quoted value, if any)."""
    f, data = _Finder("incomplete", responses, kept), responses.data
    required = [it.id for it in q.items if it.is_required and it.type != "text"]
    answered = pd.DataFrame({i: data[item_columns(q, data, i)].notna().all(axis=1) for i in required},
                            index=data.index)

    def missing_items(r):
        return [i for i in required if not answered.at[r, i]]

    quoted = _cell_findings(responses)
    f.add("exclude", ~answered.all(axis=1), lambda r: f.col(missing_items(r)[0]),
          lambda r: quoted.get((r, f.col(missing_items(r)[0])), UNANSWERED),
          lambda r: "必答题未作答或无法识别：" + "、".join(missing_items(r)))
    return f.findings()


def attention(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """5. An attention item (此题请选择…) answered otherwise than asked."""
    f, data = _Finder("attention", responses, kept), responses.data
    for a in q.cleaning.attention:
        if a.item in data:
            opts = q.options(a.item)
            code = opts.index(a.answer) + 1

            def shown(r, a=a, opts=opts):
                return None if pd.isna(data.at[r, a.item]) else opts[int(data.at[r, a.item]) - 1]

            f.add(a.action, data[a.item].notna() & (data[a.item] != code), f.col(a.item), shown,
                  f"注意力题要求选择“{a.answer}”")
    return f.findings()


def logic(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """6. An exclusive option chosen with others; two answers the questionnaire declares incompatible."""
    f, data, lg = _Finder("logic", responses, kept), responses.data, q.cleaning.logic
    if lg is None:
        return f.findings()
    for item_id, exclusive in lg.exclusive.items():
        opts = q.options(item_id)
        cols = {o: f"{item_id}[{opts.index(o) + 1}]" for o in opts}
        if not all(c in data for c in cols.values()):
            continue
        chosen = data[list(cols.values())].fillna(0).astype(bool)
        for o in exclusive:
            others = chosen.drop(columns=cols[o]).any(axis=1)
            f.add(lg.action, chosen[cols[o]] & others, f.col(cols[o]) or f.col(item_id), o, f"“{o}”与其他选项同时选择")
    for c in lg.conflicts:
        f.add(lg.action, _holds(q, data, c.when) & _holds(q, data, c.then), f.col(c.then.item),
              lambda r, c=c: _shown(q, data, c.then.item, r), c.reason)
    return f.findings()


def duplicate(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """7. The same answers from the same IP within the window: the later copies (the first is kept)."""
    f, data, d = _Finder("duplicate", responses, kept), responses.data, q.cleaning.duplicates
    if d is None or "submitted_at" not in data or "ip" not in data:
        return f.findings()
    cand = data[kept].copy()
    cand["_key"] = _answer_key(cand, q).astype(str) + "|" + cand["ip"].astype(str)
    cand = cand.sort_values(["_key", "submitted_at"])
    gap = cand.groupby("_key")["submitted_at"].diff()
    prev_row = pd.Series(cand.index, index=cand.index).groupby(cand["_key"]).shift()
    dup = (gap.notna() & (gap <= pd.Timedelta(minutes=d.window_minutes))).reindex(data.index, fill_value=False)
    hit = dup[dup].index
    text = pd.Series([f"与第{int(p)}行答案相同、来自同一IP，间隔{g.total_seconds() / 60:.1f}分钟"
                      for p, g in zip(prev_row.reindex(hit), gap.reindex(hit))], index=hit, dtype=object)
    f.add(d.action, dup, f.col("respondent"), None, text)
    return f.findings()


def too_fast(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """8. Faster than the floor or the share of the median duration (of the responses still kept).

    ``action``: ``exclude_if_straightlined`` (default) excludes a fast response whose scale
    answers are all the same and flags the others, saying why each is kept; ``exclude``
    excludes every fast one; ``flag`` keeps them all, flagged.
    """
    f, data, tf = _Finder("too_fast", responses, kept), responses.data, q.cleaning.too_fast
    if tf is None or "duration_s" not in data:
        return f.findings()
    dur = data["duration_s"]
    median = float(dur[kept].median()) if kept.any() else np.nan
    limit = tf.seconds if np.isnan(median) else max(tf.seconds, tf.median_share * median)
    fast = dur < limit
    sl = q.cleaning.straightlining
    min_items = sl.min_items if sl else 8
    lined = _straightlined(data, q.scored_items, min_items)
    excluded = {"exclude": fast, "exclude_if_straightlined": fast & lined, "flag": fast & False}[tf.action]
    seconds = dur.map(lambda s: f"{s:.0f}秒", na_action="ignore")
    f.add("exclude", excluded, f.col("duration"), seconds,
          f"答题用时低于{limit:.0f}秒（{tf.seconds:.0f}秒或中位数{median:.0f}秒的{tf.median_share:.0%}）"
          + ("且所有量表题答案相同" if tf.action == "exclude_if_straightlined" else ""))
    head = f"答题用时低于{limit:.0f}秒，"
    if tf.action == "flag":  # kept whatever the answers
        f.add("flag", fast, f.col("duration"), seconds, head + "按设置（too_fast.action: flag）只标记不剔除，保留")
    elif tf.action == "exclude_if_straightlined":  # kept because not straight-lined: say which way
        varied = _varied(data, q.scored_items)
        why = varied.map({True: "答案有差异，保留",
                          False: f"作答的量表题少于{min_items}道，未判定为答案无差异，保留"})
        f.add("flag", fast, f.col("duration"), seconds, head + why)
    return f.findings()


def straightlining(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """Every scale item answered alike (flagged by default) among the responses still kept."""
    f, data, sl = _Finder("straightlining", responses, kept), responses.data, q.cleaning.straightlining
    if sl is None:
        return f.findings()

    lined = _straightlined(data, q.scored_items, sl.min_items)
    f.add(sl.action, lined, None, None, _lined_texts(data.loc[lined.to_numpy()], q))
    return f.findings()


def _lined_texts(rows: pd.DataFrame, q: Questionnaire) -> pd.Series:
    """'12道量表题答案均为“满意”' for each straight-lined row: its answered count and its first answer's text."""
    block = rows[[i for i in q.scored_items if i in rows]]
    answered = block.notna()
    first_item = answered.idxmax(axis=1) if len(block) else pd.Series(dtype=object)
    first = block.bfill(axis=1).iloc[:, 0] if len(block) else pd.Series(dtype=float)
    texts = [f"{n}道量表题答案均为“{q.options(c)[int(v) - 1]}”"
             for n, c, v in zip(answered.sum(axis=1), first_item, first)]
    return pd.Series(texts, index=block.index, dtype=object)


def same_ip(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """Several kept responses from one IP (flagged by default; the IP itself is never output)."""
    f, data, rule = _Finder("same_ip", responses, kept), responses.data, q.cleaning.same_ip
    if rule is None or "ip" not in data:
        return f.findings()
    sizes = data["ip"].map(data.loc[kept, "ip"].value_counts())
    shared = sizes > 1
    text = sizes[shared].map(lambda k: f"与另外{int(k) - 1}份有效问卷来自同一IP（IP不输出）")
    f.add(rule.action, shared.fillna(False).astype(bool), f.col("ip"), None, text)
    return f.findings()


def tidy_findings(responses: Responses, kept: pd.Series, q: Questionnaire) -> pd.DataFrame:
    """The tidy step's findings (unknown option, unreadable value, matched by number), flagged."""
    f = responses.findings
    if not len(f):
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    return pd.DataFrame({"rule": f["rule"].to_numpy(), "action": "flag", "row": f["row"].astype(int).to_numpy(),
                         "column": f["column"].to_numpy(), "value": f["value"].to_numpy(),
                         "message": f["message"].to_numpy()})


RULES = (test_submission, out_of_scope, platform_flag, incomplete, attention, logic, duplicate, too_fast,
         straightlining, same_ip, tidy_findings)
"""The rules in the order they apply; a response is attributed to the first rule that excludes it."""


# The checks an evaluator expects of every questionnaire of a mode (an interview has no duration or IP),
# each with its setting under ``cleaning:``; one left unset is said in ``Cleaned.notes`` (:func:`rules_off`).
EXPECTED_RULES = {"online": ("test_submission", "duplicate", "too_fast", "same_ip"), "interview": ("test_submission",)}
RULE_SETTINGS = {"test_submission": "test_submissions", "duplicate": "duplicates", "too_fast": "too_fast",
                 "same_ip": "same_ip"}
NOT_SET = "未启用{rules}检查（问卷定义未设置）"


def rules_off(q: Questionnaire) -> tuple[str, ...]:
    """The expected checks (:data:`EXPECTED_RULES`) the questionnaire's ``cleaning:`` leaves unset, as rule codes.

    >>> from types import SimpleNamespace as NS
    >>> from survey.definitions.questionnaire import Cleaning
    >>> rules_off(NS(mode="online", cleaning=Cleaning(same_ip={"action": "flag"})))
    ('test_submission', 'duplicate', 'too_fast')
    """
    return tuple(r for r in EXPECTED_RULES.get(q.mode, ()) if getattr(q.cleaning, RULE_SETTINGS[r]) is None)


def rules_not_run(q: Questionnaire, data: pd.DataFrame) -> tuple[str, ...]:
    """The checks that will not run, said and never silently skipped.

    One sentence for the expected checks left unset (:func:`rules_off`), then one per
    configured rule whose columns the export lacks (or has empty).
    """
    off = rules_off(q)
    out = [NOT_SET.format(rules="、".join(RULE_LABELS[r] for r in off))] if off else []
    t = q.cleaning.test_submissions
    needs = {"too_fast": (q.cleaning.too_fast, ["duration_s"], "答题时长"),
             "duplicate": (q.cleaning.duplicates, ["submitted_at", "ip"], "提交时间和IP"),
             "same_ip": (q.cleaning.same_ip, ["ip"], "IP"),
             "test_submission": (t if t is not None and t.before_fieldwork and q.fieldwork.start else None,
                                 ["submitted_at"], "提交时间")}
    for r, (rule, cols, what) in needs.items():
        if rule is None:
            continue
        if not set(cols) <= set(data):
            out.append(f"{RULE_LABELS[r]}规则未执行：导出数据中没有{what}列")
        elif not all(data[c].notna().any() for c in cols):  # an anonymised export: the column is there, empty
            out.append(f"{RULE_LABELS[r]}规则未执行：导出数据的{what}列为空")
    return tuple(out)


def columns_to_check(cleaned: Cleaned, title: str) -> tuple[str, ...]:
    """One sentence per export column matched to a question by its number only, the texts differing.

    Such a column is kept (问卷星 numbers questions as the questionnaire does) but may be
    another question altogether: it is said where the evaluator looks (console, report, manifest),
    not only in the audit.
    """
    rows = cleaned.audit[cleaned.audit["rule"] == "matched_by_number"]
    # the audit's message names the item by its id too; a reader gets the question's own text
    return tuple(f"{title}：导出列“{r.value}”" + re.sub(r"^按题号与 [^（]*（", "按题号与题目（", str(r.message))
                 for r in rows.itertuples())


def audit_table(findings: list[pd.DataFrame], responses: Responses) -> pd.DataFrame:
    """The rules' findings as one audit (:data:`AUDIT_COLUMNS`): labels, pseudonyms, sheet, in rule order."""
    q, data = responses.questionnaire, responses.data
    columns = list(FINDING_COLUMNS)
    parts = [f for f in findings if len(f)]
    audit = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    audit.insert(1, "rule_label", audit["rule"].map(RULE_LABELS).fillna(audit["rule"]))
    ids = data["respondent"].reindex(audit["row"].to_numpy())
    names = {r: pseudonym(q.id, r) for r in ids.dropna().unique()}  # one hash per respondent
    audit.insert(3, "respondent", [names.get(r) if pd.notna(r) else None for r in ids])
    audit.insert(4, "sheet", responses.sheet)
    order = {r: i for i, r in enumerate(RULE_ORDER)}
    audit = audit.sort_values(["action", "rule", "row"], kind="stable",
                              key=lambda s: s.map(order).fillna(len(order)) if s.name == "rule" else s)
    return audit[list(AUDIT_COLUMNS)].reset_index(drop=True)


def clean(responses: Responses, *, issued: int | None = None) -> Cleaned:
    """Apply the questionnaire's valid-questionnaire rules (:data:`RULES`, in order); valid responses + audit.

    ``issued`` (questionnaires issued, 发放) overrides the questionnaire's ``fieldwork.issued``.
    """
    q = responses.questionnaire
    kept = pd.Series(True, index=responses.data.index)
    findings = []
    for rule in RULES:
        found = rule(responses, kept, q)
        findings.append(found)
        excluded = found.loc[found["action"] == "exclude", "row"]
        kept = kept & ~kept.index.isin(excluded)
    return Cleaned(valid=responses.subset(kept), audit=audit_table(findings, responses), returned=responses.n,
                   issued=issued or q.fieldwork.issued, notes=rules_not_run(q, responses.data))
