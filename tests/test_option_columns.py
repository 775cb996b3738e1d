"""Issue 12: the 0/1 option columns of a multiple-choice item never turn junk or a skipped item into 'not chosen'."""

from __future__ import annotations

import numpy as np

from tests.test_tidy import MULTI, _write


def test_invalid_option_cells_are_findings_and_a_blank_item_is_missing(tmp_path):
    from survey.definitions.questionnaire import load as load_q
    from survey.inputs.read import table_from_rows
    from survey.inputs.tidy import tidy

    q = load_q(_write(tmp_path, MULTI))
    head = ["编号", "满意度", "A", "B", "C"]
    rows = [[1, "满意", 1, None, 0],        # blank beside an answer: not chosen
            [2, "满意", 2, 0, 1],           # '2' is not a 0/1 answer
            [3, "满意", "abc", 1, 0],       # nor is 'abc'
            [4, "满意", None, None, None]]  # the whole item blank: skipped, not "nothing chosen"
    raw = table_from_rows([head, *rows], file="m.csv", sheet=None)
    r = tidy(raw, q, columns={"满意度": "sat", "A": "need[1]", "B": "need[2]", "C": "need[3]"})
    got = r.data[["need[1]", "need[2]", "need[3]"]].to_numpy(float)
    assert np.array_equal(got, np.array([[1, 0, 0], [np.nan, 0, 1], [np.nan, 1, 0], [np.nan] * 3]), equal_nan=True)
    bad = r.findings[r.findings["rule"] == "unknown_option"]
    assert sorted(map(str, bad["value"])) == ["2", "abc"]
