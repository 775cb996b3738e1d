"""Plausibility of the metadata of a tidy export: findings, never silent.

Careless exports carry durations of 1e300 seconds, dates in the year 9999 and one
序号 typed for three respondents. Each is a finding with a reason code (the audit
shows it; the cleaning keeps the row unless a rule excludes it), and the value that
would mislead later steps is blanked:

- ``implausible_duration``: a duration that is not finite or longer than
  :data:`MAX_DURATION_DAYS` days (or ten times the fieldwork period) — blanked, so it
  cannot move the median the too-fast rule compares with;
- ``implausible_date``: a submission time more than :data:`DATE_SLACK_DAYS` days outside
  the fieldwork period (before 2000 or over a year ahead without one) — kept, said;
- ``duplicate_id``: a respondent id shared by several rows — each row keeps its own
  pseudonym (:func:`survey.inputs.privacy.row_pseudonym`), so three people are never
  merged into one in the outputs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

MAX_DURATION_DAYS = 30
DATE_SLACK_DAYS = 365


def _show(value) -> str:
    return f"{value:.6g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _finding(rule: str, row, column, value, message: str) -> dict:
    return dict(rule=rule, row=row, column=column, value=_show(value), message=message)


def duration_findings(secs: pd.Series, values: pd.Series, column: str, fieldwork) -> tuple[pd.Series, list[dict]]:
    """Durations beyond any fieldwork (or not finite) → findings, and blanked."""
    days = MAX_DURATION_DAYS
    if fieldwork is not None and fieldwork.start and fieldwork.end:
        days = max(days, 10 * ((fieldwork.end - fieldwork.start).days + 1))
    bad = secs.notna() & (~np.isfinite(secs.to_numpy(dtype=float)) | (secs > days * 86400))
    found = [_finding("implausible_duration", row, column, values[row],
                      f"答题时长 {_show(values[row])} 超过 {days} 天，不可信，已视为缺失")
             for row in secs.index[bad]]
    return secs.where(~bad), found


def date_findings(times: pd.Series, values: pd.Series, column: str, fieldwork) -> list[dict]:
    """Submission times far outside the fieldwork period → findings (the values are kept)."""
    start = getattr(fieldwork, "start", None)
    end = getattr(fieldwork, "end", None)
    lo = pd.Timestamp(start) - pd.Timedelta(days=DATE_SLACK_DAYS) if start else pd.Timestamp("2000-01-01")
    hi = (pd.Timestamp(end) + pd.Timedelta(days=DATE_SLACK_DAYS + 1) if end
          else pd.Timestamp(dt.date.today()) + pd.Timedelta(days=366))
    bad = times.notna() & ((times < lo) | (times > hi))
    period = f"调查期 {start}—{end}" if start and end else f"{lo.date()}—{hi.date()}"
    return [_finding("implausible_date", row, column, values[row],
                     f"提交时间 {values[row]} 远在{period}之外，请核对")
            for row in times.index[bad]]


def unique_respondents(ids: pd.Series, column: str | None) -> tuple[pd.Series, list[dict]]:
    """Respondent ids shared by several rows: each such row gets ``id@row<R>``, and a finding."""
    dup = ids.notna() & ids.duplicated(keep=False)
    if not dup.any():
        return ids, []
    found = [_finding("duplicate_id", row, column, ids[row],
                      f"序号 {ids[row]} 出现在多行，各行按行号分别编制假名")
             for row in ids.index[dup]]
    out = ids.copy()
    out[dup] = [f"{v}@row{row}" for row, v in ids[dup].items()]
    return out, found


def check_metadata(out: dict, src: pd.DataFrame, columns: dict[str, str], fieldwork) -> list[dict]:
    """Every check above on tidy's metadata columns ``out``; returns the findings.

    ``out`` is updated in place (durations blanked, repeated ids made unique); ``columns``
    maps a metadata field to its export column."""
    found: list[dict] = []
    if "duration_s" in out:
        col = columns.get("duration")
        values = src[col] if col in src else out["duration_s"]
        out["duration_s"], odd = duration_findings(out["duration_s"], values, col or "duration", fieldwork)
        found += odd
    if "submitted_at" in out and columns.get("submitted_at") in src:
        col = columns["submitted_at"]
        found += date_findings(out["submitted_at"], src[col], col, fieldwork)
    out["respondent"], odd = unique_respondents(out["respondent"], columns.get("respondent"))
    return found + odd


def safe_time(v):
    """A datetime outside pandas' range (year 9999) → NaT instead of an exception."""
    try:
        return pd.Timestamp(v)
    except (ValueError, OverflowError):
        return pd.NaT
