"""Empty input tables for an evaluation, with the headers the readers expect (``survey template``).

:func:`template_tables` builds, from the questionnaires and the framework: the frame (one row
per unit of the breakdown — the options of each questionnaire's breakdown item — and a
population column per weighted questionnaire), the margins of raked questionnaires (变量 /
类别 / 人数), the facts (指标数据: every row each indicator's rule reads, per
:func:`survey.definitions.reference.fact_rows`, with what 数值 holds and an example) and the
fund allocation (资金分配). The survey-fed indicators (a questionnaire measure names them)
take their rate from the survey and get no fact row.
"""

from __future__ import annotations

import pandas as pd

from survey.definitions.questionnaire import Questionnaire
from survey.definitions.reference import fact_rows
from survey.inputs.facts import AMOUNT_COLUMN, DISTRICT_COLUMN, FACT_COLUMNS, NOTE_COLUMN, SOURCE_COLUMN
from survey.inputs.frame import MARGIN_COLUMNS

HOLDS_COLUMN, EXAMPLE_COLUMN = "填写说明", "示例"  # read by nobody: the reader ignores extra columns


def units(questionnaires) -> list[str]:
    """The units of the breakdown: the options of every questionnaire's breakdown item, in order.

    >>> units([])
    []
    """
    out: list[str] = []
    for q in questionnaires:
        if q.district_item is not None:
            out += [o for o in q.options(q.district_item) if o not in out]
    return out


def frame_table(questionnaires, area_unit: str) -> pd.DataFrame:
    """The frame: a column ``area_unit`` with one row per unit, a population column per weighted questionnaire."""
    columns: dict[str, list] = {area_unit: units(questionnaires)}
    for q in questionnaires:
        if q.weighting is not None:
            columns.setdefault(str(q.weighting.population), [None] * len(columns[area_unit]))
    return pd.DataFrame(columns)


def margins_table(questionnaires: list[Questionnaire]) -> pd.DataFrame | None:
    """变量 / 类别 / 人数 rows for every margin a questionnaire rakes to (None: no raking)."""
    rows = []
    for q in questionnaires:
        for item_id in (q.weighting.margins if q.weighting is not None and q.weighting.margins else ()):
            text = q.item(item_id).text
            rows += [(text, o, None) for o in q.options(item_id) if (text, o, None) not in rows]
    return pd.DataFrame(rows, columns=list(MARGIN_COLUMNS)) if rows else None


def facts_table(framework, questionnaires) -> pd.DataFrame:
    """The 指标数据 rows each indicator's rule reads (survey-fed indicators left out)."""
    fed = {m.indicator for q in questionnaires for m in q.measures if m.indicator}
    n_units = len(units(questionnaires)) or None  # the example of a unit count: the evaluation's own
    rows = []
    for ind in framework.indicators:
        if ind.name in fed:
            continue
        for r in fact_rows(ind.rule, n_units):
            rows.append({FACT_COLUMNS[0]: ind.name, FACT_COLUMNS[1]: r.item, FACT_COLUMNS[2]: None,
                         NOTE_COLUMN: None, SOURCE_COLUMN: None, HOLDS_COLUMN: r.holds, EXAMPLE_COLUMN: r.example})
    columns = [*FACT_COLUMNS, NOTE_COLUMN, SOURCE_COLUMN, HOLDS_COLUMN, EXAMPLE_COLUMN]
    return pd.DataFrame(rows, columns=columns)


def allocation_table(questionnaires, area_unit: str = DISTRICT_COLUMN[1:]) -> pd.DataFrame:
    """各<area_unit> (各区, 各乡镇 …) / 分配金额（万元）: one row per unit and the total row."""
    return pd.DataFrame({f"各{area_unit}": [*units(questionnaires), "合计"], AMOUNT_COLUMN: None})


def template_tables(questionnaires: list[Questionnaire], framework, *, area_unit: str,
                    names: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Every input table but the exports, by sheet name (``names``: frame / margins / facts / allocation → sheet).

    >>> sorted(template_tables([], type("F", (), {"indicators": []})(), area_unit="乡镇"))
    ['抽样框', '指标数据', '资金分配']
    """
    names = {"frame": "抽样框", "margins": "对象构成", "facts": "指标数据", "allocation": "资金分配", **(names or {})}
    out = {names["frame"]: frame_table(questionnaires, area_unit)}
    margins = margins_table(questionnaires)
    if margins is not None:
        out[names["margins"]] = margins
    out[names["facts"]] = facts_table(framework, questionnaires)
    out[names["allocation"]] = allocation_table(questionnaires, area_unit)
    return out


def folder_template(folder, out=None):
    """Where ``survey template FOLDER`` writes, and the tables.

    ``out``, else inputs.workbook when that file is not there yet, else FOLDER/raw/template.xlsx.
    """
    from pathlib import Path

    from survey.evaluation.folder import folder_definitions
    from survey.evaluation.score import load_framework

    inputs, qs = folder_definitions(folder, must_exist=False)
    names = {k: x.sheet for k in ("frame", "margins", "facts", "allocation")
             if (x := getattr(inputs, k)) is not None and x.sheet}
    tables = template_tables(list(qs), load_framework(inputs.framework), area_unit=inputs.evaluation.area_unit,
                             names=names)
    wb = inputs.workbook
    return Path(out) if out else (wb if wb is not None and not wb.exists() else inputs.folder / "raw" / "template.xlsx"), tables
