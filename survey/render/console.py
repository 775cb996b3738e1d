"""What the command line prints: each function takes the library's result and returns lines.

The CLI only echoes these lines, so what a user reads in the terminal is built
(and tested) here, from the same numbers as the reports. Functions never print.

The console speaks English around the field's Chinese terms and sentences: a line is
framed as ``warning:`` (check it), ``note:`` (how a number was made) or ``flagged, kept:``;
the reporting sentence, 评分表, 评价等级 and the warnings' own text stay as the
report says them. Counts are pluralised (1 response, 2 responses).

>>> scorecard_total_line(97.0, 100, "优")
'评分表 total: 97.0/100, 评价等级 优'
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from survey.definitions.vocab import OVERALL
from survey.evaluation.clean import RULE_LABELS, UNANSWERED
from survey.evaluation.headline import headlines
from survey.formatting import fmt_count
from survey.render.annex import total_text
from survey.render.survey_body import headline_lines
from survey.render.validity import validity_paragraph

WARNING, NOTE = "warning: ", "note: "

# The plausibility findings of the tidy step (survey.inputs.plausible) that the console warns
# about, each with what was done to the value: a count of the responses, the rule's label, this.
PLAUSIBILITY_WARNINGS = {
    "implausible_duration": "blanked, not used by the 答题过快 rule",
    "implausible_date": "kept: check it",
    "duplicate_id": "each row has its own pseudonym, not merged",
}


def plausibility_lines(cleaned) -> list[str]:
    """``warning: N responses: <label> (<what was done>)`` per plausibility finding of the audit.

    >>> from types import SimpleNamespace
    >>> audit = pd.DataFrame({"rule": ["implausible_duration", "duplicate_id", "duplicate_id"], "row": [3, 5, 6]})
    >>> plausibility_lines(SimpleNamespace(audit=audit))
    ['warning: 1 response: 答题时长不合理 (blanked, not used by the 答题过快 rule)', \
'warning: 2 responses: 序号重复 (each row has its own pseudonym, not merged)']
    """
    a = cleaned.audit
    counts = a[a["rule"].isin(list(PLAUSIBILITY_WARNINGS))].groupby("rule")["row"].nunique()
    return [f"{WARNING}{fmt_count(int(counts[rule]), 'response')}: {RULE_LABELS[rule]} ({done})"
            for rule, done in PLAUSIBILITY_WARNINGS.items() if rule in counts]


def unread_answer_lines(cleaned) -> list[str]:
    """One ``warning:`` for the answers given but not read (text not among the item's options).

    Such a cell counts as unanswered: a required item's makes its response 必答题缺失, silently
    lowering the valid count and moving the rates, unless the console says so.

    >>> audit = pd.DataFrame({"rule": ["incomplete", "incomplete", "unknown_option", "unknown_option"],
    ...                       "sheet": ["s"] * 4, "row": [3, 5, 9, 3], "column": ["2、服务", "2、服务", "4、态度", "2、服务"],
    ...                       "value": ["比较满意", "(空/跳过)", "很满意", "比较满意"]})
    >>> from types import SimpleNamespace
    >>> line, = unread_answer_lines(SimpleNamespace(audit=audit))
    >>> line[:line.index(":", 10)]
    "warning: 2 answers not among the item's options (“比较满意”、“很满意”), first at sheet 's', row 3, column '2、服务'"
    """
    a = cleaned.audit
    unread = a[(a["rule"] == "unknown_option") | ((a["rule"] == "incomplete") & (a["value"] != UNANSWERED))]
    unread = unread.drop_duplicates(["row", "column"])  # an excluded response's cell: flagged and quoted
    if not len(unread):
        return []
    first = unread.iloc[0]
    values = list(pd.unique(unread["value"].astype(str)))
    shown = "、".join(f"“{v}”" for v in values[:3]) + ("…" if len(values) > 3 else "")
    sheet = first.get("sheet")
    valid = getattr(cleaned, "valid", None)  # the export and the questionnaire, named when known
    file, qfile = getattr(valid, "file", None), getattr(getattr(valid, "questionnaire", None), "file", None)
    where = ((f"{file}, " if file else "") + (f"sheet '{sheet}', " if pd.notna(sheet) and sheet else "")
             + f"row {first['row']}, column '{first['column']}'")
    return [f"{WARNING}{fmt_count(len(unread), 'answer')} not among the item's options ({shown}), first at {where}: "
            "read as unanswered (a required item's response excluded as 必答题缺失). Fix: correct the cells, "
            f"or the item's options in {qfile or 'the questionnaire'} (items[].options, or its scale); "
            "audit.xlsx 审核明细 lists each (规则 无法识别的选项)"]


def warning_lines(warnings: Iterable[str]) -> list[str]:
    """``warning: <text>`` for each warning (a year to check, an allocation that does not add up …)."""
    return [f"{WARNING}{w}" for w in warnings]


def clean_lines(path, raw, cleaned) -> list[str]:
    """What `survey clean` prints: the export read, the reporting sentence, notes, warnings, flags kept.

    ``raw`` is the table read (its ``sheet`` and ``encoding`` name where the data came from).
    """
    where = f"{path}" + (f" [{raw.sheet}]" if raw.sheet else "") + (f" ({raw.encoding})" if raw.encoding else "")
    lines = [f"{where}: {cleaned.valid.format} export, {fmt_count(cleaned.returned, 'response')}", cleaned.summary(),
             *(f"{NOTE}{n}" for n in cleaned.notes), *plausibility_lines(cleaned),
             *unread_answer_lines(cleaned)]
    flags = cleaned.flagged_by_rule()
    if flags:
        lines.append("flagged, kept: " + ", ".join(f"{label} {n}" for label, n in flags.items()))
    return lines


def weighted_overall(weighted: pd.DataFrame | None, measure: str) -> pd.Series | None:
    """The overall (all-respondents) row of ``measure`` in a weighted estimates table, if any."""
    if weighted is None:
        return None
    rows = weighted[(weighted["measure"] == measure) & (weighted["domain"] == OVERALL)]
    return rows.iloc[0] if len(rows) else None


def scorecard_total_line(total: float, weight_total: float, grade: str) -> str:
    """评分表 total: 97.0/100, 评价等级 优."""
    return f"评分表 total: {total_text(total)}/{weight_total:g}, 评价等级 {grade}"


# What the console says when no annex is scored (no facts table among the inputs), and how to add one.
NO_ANNEX = (f"{NOTE}no annex (评分表) scored, only the survey-fed indicators: the inputs have no facts table "
            "(指标数据: 指标 | 项目 | 数值 | 说明 | 来源); add that sheet to the workbook, or in an evaluation folder "
            "run `survey template .` and name it under inputs.facts")


def survey_note_line(questionnaire: str, note: str) -> str:
    """A survey's note as a console line: English frame, the note's Chinese words in brackets.

    >>> survey_note_line("managers", "未加权：问卷未定义加权方案")
    'note: managers: not weighted (问卷未定义加权方案)'
    """
    head, sep, rest = note.partition("未加权：")
    if sep and not head:
        return f"{NOTE}{questionnaire}: not weighted ({rest})"
    return f"{NOTE}{questionnaire}: {note}"


def analysis_lines(result) -> list[str]:
    """The console summary of :func:`survey.pipeline.analyze`: sentences, rates, scores, notes.

    Each survey's scored figure (计分口径) is the one every output quotes.
    """
    lines = []
    for s in result.surveys:
        lines.append(f"{s.questionnaire.title} [{s.sheet}]: {s.cleaned.summary()}")
        lines += [f"  {NOTE}{note}" for note in s.cleaned.notes]
        lines += [f"  {w}" for w in (*plausibility_lines(s.cleaned), *unread_answer_lines(s.cleaned))]
    lines.append("")
    for h in headlines(result):  # the scored figure (计分口径), the same in every output
        lines += headline_lines(h)
    for s in result.surveys:
        lines += [survey_note_line(s.questionnaire.id, note) for note in s.notes]
    card = result.scorecard
    if card is not None:
        lines.append(scorecard_total_line(card.total, card.weight_total, card.grade))
        lines += warning_lines(card.warnings)
    else:
        lines.append(NO_ANNEX)
    return lines


def scorecard_lines(card) -> list[str]:
    """Every annex row's score, the total and grade, the score uncertainty and the warnings."""
    lines = [f"{r.name}: {r.score:g}/{r.weight:g}" for r in card.rows]
    lines.append(scorecard_total_line(card.total, card.weight_total, card.grade))
    lines += [f"{u.indicator}: {u.score_low:g}–{u.score_high:g} at the ends of its interval, "
              f"P(full marks) {u.p_full:.2%}" for u in card.uncertainty]
    return lines + warning_lines(card.warnings)


def validity_lines(surveys: Iterable) -> list[str]:
    """For each survey: its title, one line per check (verdict, check, detail), the paragraph."""
    lines = []
    for s in surveys:
        lines.append(f"{s.questionnaire.title}:")
        lines += [f"  {c['verdict']}  {c['check']}: {c['detail']}" for _, c in s.validity.checks.iterrows()]
        lines += [validity_paragraph(s.validity), ""]
    return lines


def audit_lines(findings: pd.DataFrame, annex) -> list[str]:
    """One line per finding of :func:`survey.evaluation.audit.audit_annex`: where, finding, message.

    >>> f = pd.DataFrame([{"sheet": "评分表", "row": 5, "column": "得分", "finding": "score_range",
    ...                    "message": "得分超过分值"}])
    >>> audit_lines(f, "a.xlsx")
    ['a.xlsx [评分表] row 5, column 得分: score_range: 得分超过分值']
    """
    lines = []
    for f in findings.to_dict("records"):
        where = f"{annex} [{f['sheet']}]" + ("" if pd.isna(f["row"]) else f" row {f['row']}")
        where += f", column {f['column']}" if pd.notna(f["column"]) else ""
        lines.append(f"{where}: {f['finding']}: {f['message']}")
    return lines


def sample_size_lines(res, alloc: pd.DataFrame | None = None, *, allocation: str = "proportional",
                      min_per_district: int = 0) -> list[str]:
    """What `survey sample-size` prints: n, each step (or the threshold search), notes, the allocation.

    ``res`` is a :class:`~survey.stats.sampling.SampleSize` (its ``steps()``) or a
    :class:`~survey.stats.sampling.ThresholdSize`; ``alloc`` the table of ``allocate``.
    """
    if hasattr(res, "steps"):
        steps = list(res.steps())
    else:
        before = "—" if res.ci_low_previous is None else format(res.ci_low_previous, ".2%")
        steps = [f"smallest n whose {res.confidence:.0%} {res.method} lower bound stays ≥ {res.threshold:.0%} at a "
                 f"rate of {res.p:.0%}: n = {res.n} (bound {res.ci_low:.2%}; at n = {res.n - 1}: {before})"]
    if res.valid_rate < 1:
        steps.append(f"to issue at a valid rate of {res.valid_rate:.0%}: {res.n_issue}")
    lines = [f"{fmt_count(res.n, 'valid response')}", *("  " + line for line in [*steps, *res.notes] if line)]
    if alloc is not None:
        lines += ["", f"{allocation} allocation (min {min_per_district} per unit):",
                  alloc[["stratum", "population", "quota", "n"]].to_string(index=False, float_format="%.2f")]
    return lines


def written_line(paths: Iterable) -> str:
    """``written: a, b`` — the files an output step wrote."""
    return "written: " + ", ".join(str(p) for p in paths)
