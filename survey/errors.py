"""One error hierarchy for the whole package.

Every error says *where* (file, sheet, row as Excel shows it, column, or the path
inside a definition file), what was *got*, what was *expected*, and a *hint* on how
to fix the input. The CLI prints ``str(error)`` on one line and exits non-zero.

    SurveyError
    ├── DefinitionError     a questionnaire / framework file is wrong
    ├── DataError           a raw export or workbook cannot be used as it is
    │   └── MatchError      export columns do not match the questionnaire items
    ├── WeightingError      weights cannot be computed from the frame
    ├── EstimationError     an estimate cannot be computed
    └── ScoringError        an indicator cannot be scored
"""

from __future__ import annotations

import numbers
from os import PathLike


class SurveyError(Exception):
    """Base class: a problem with the user's input, explained and located."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | PathLike[str] | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        path: str | None = None,
        got: object = None,
        expected: object = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = None if file is None else str(file)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.path = path
        self.got = got
        self.expected = expected
        self.hint = hint

    @property
    def where(self) -> str:
        """``file: sheet 'S', row R, column 'C'`` (the parts that are known)."""
        parts = []
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.path is not None:
            parts.append(self.path)
        loc = ", ".join(parts)
        if self.file and loc:
            return f"{self.file}: {loc}"
        return self.file or loc

    def __str__(self) -> str:
        text = self.message
        if self.got is not None:
            text += f" (got {self.got!s}"
            text += f"; expected {self.expected!s})" if self.expected is not None else ")"
        elif self.expected is not None:
            text += f" (expected {self.expected!s})"
        if self.where:
            text = f"{self.where}: {text}"
        if self.hint:  # a message that ends a sentence itself (… did you mean 'x'?) keeps its mark
            text += ("" if text.endswith(("?", "!", "。", "？")) else ".") + f" Fix: {self.hint}"
        return text


class DefinitionError(SurveyError):
    """A questionnaire or framework definition file is invalid."""


class DataError(SurveyError):
    """A raw export, workbook or frame cannot be read or used."""


class MatchError(DataError):
    """Export columns cannot be matched to the questionnaire's items."""


class WeightingError(SurveyError):
    """Weights cannot be computed (empty frame cell, inconsistent margins …)."""


class EstimationError(SurveyError):
    """An estimate cannot be computed (no respondents, unknown method …)."""


class ScoringError(SurveyError):
    """An indicator cannot be scored (bad rule, rate out of range …)."""


def choice_error(kind: type[SurveyError], what: str, got: object, allowed, **where) -> SurveyError:
    """The error for a value outside a closed set of choices, listing them."""
    allowed = list(allowed)
    return kind(
        f"unknown {what} {got!r}",
        expected="one of " + ", ".join(map(str, allowed)),
        **where,
    )


def excel_row(data, i: int) -> int:
    """The row number the user sees for the i-th row of the table ``data``.

    A sheet read by :mod:`survey.inputs.read` is indexed by its Excel rows (index
    name ``row``); any other DataFrame is numbered as if its header were row 1.

    >>> import pandas as pd
    >>> excel_row(pd.DataFrame({"a": [1, 2]}), 1)
    3
    """
    label = data.index[i]
    if data.index.name == "row" and isinstance(label, numbers.Integral):
        return int(label)
    return i + 2


def excel_column(j: int) -> str:
    """The column letters the user sees for the j-th column (from 0).

    >>> excel_column(0), excel_column(25), excel_column(26), excel_column(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s
