"""Population targets, and where each respondent falls in them.

Weighting methods (:mod:`survey.stats.weights`) take population counts per category
(a *target*) and need, for every respondent, the position of his category among
the targets. This module reads targets (a Series, a mapping, a table typed in a
spreadsheet) into one form — a float Series indexed by the levels as text, a
MultiIndex when variables are crossed — and finds the respondents' positions,
naming the first respondent or category at fault when they do not fit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survey.definitions.cells import is_total_label, number_value
from survey.errors import WeightingError, excel_row


def _levels(data: pd.DataFrame, var: str) -> tuple[np.ndarray, pd.Index]:
    """Each respondent's level of ``var`` as a code into the distinct levels (as text).

    Speed: the column is factorised once and only its few distinct values are
    turned into text (the same ``astype(str)`` as before, applied to the uniques),
    instead of converting and hashing a million strings; matching to the targets
    then works on the distinct levels. Codes follow first appearance, so "the first
    respondent at fault" is the first code at fault.
    """
    if var not in data.columns:
        raise WeightingError(f"no column '{var}' to weight by", expected="one of " + ", ".join(map(str, data.columns[:30])))
    codes, uniques = pd.factorize(data[var], sort=False)
    if len(codes) and codes.min() < 0:  # factorize marks a missing value with −1, as isna() does
        i = int(np.flatnonzero(codes < 0)[0])
        raise WeightingError(f"respondent without a value for '{var}'", column=var, row=excel_row(data, i),
                             hint="every respondent needs a category of each weighting variable")
    return codes, pd.Index(pd.Series(uniques).astype(str).to_numpy(dtype=object))


def _crossed_levels(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.Index]:
    """Like :func:`_levels` for the cells of several crossed variables (levels are tuples)."""
    parts = [_levels(data, v) for v in by]
    if len(parts) == 1:
        return parts[0]
    # One integer per combination of the variables' codes, then factorise those
    # integers (cheap) rather than a column of Python tuples.
    key = np.ravel_multi_index([c for c, _ in parts], [max(len(u), 1) for _, u in parts])
    codes, ukey = pd.factorize(key, sort=False)
    idx = np.unravel_index(ukey, [max(len(u), 1) for _, u in parts])
    keys = [tuple(u[j] for (_, u), j in zip(parts, combo)) for combo in zip(*idx)]
    return codes, pd.MultiIndex.from_tuples(keys) if keys else pd.Index([])


def as_targets(population, by: list[str]) -> pd.Series:
    """Population counts as a Series indexed by string levels (MultiIndex when crossed).

    >>> as_targets(pd.DataFrame({"区": ["A", "B"], "人数": [10, 30]}), ["区"]).to_dict()
    {'A': 10.0, 'B': 30.0}
    """
    if isinstance(population, pd.DataFrame):
        missing = [v for v in by if v not in population.columns]
        counts = [c for c in population.columns if c not in by]
        if missing or len(counts) != 1:
            raise WeightingError("population table needs the weighting variables and one count column",
                                 got=", ".join(map(str, population.columns)), expected=", ".join(by) + " + a count")
        population = population.set_index(by)[counts[0]]
    elif isinstance(population, Mapping):
        population = pd.Series(population)
    if not isinstance(population, pd.Series):
        raise WeightingError("population targets must be a Series, mapping or table", got=type(population).__name__)
    t = pd.to_numeric(population, errors="coerce")
    if t.isna().any() or (t < 0).any():
        bad = t.index[t.isna() | (t < 0)][0]
        raise WeightingError(f"population count of '{bad}' is not a non-negative number", got=population[bad])
    if isinstance(t.index, pd.MultiIndex):
        t.index = pd.MultiIndex.from_tuples([tuple(str(x) for x in k) for k in t.index], names=by)
    else:
        t.index = pd.Index([str(x) for x in t.index], name=by[0])
    if t.index.duplicated().any():
        raise WeightingError(f"population category '{t.index[t.index.duplicated()][0]}' is listed twice")
    return t.astype(float)


def target_positions(data: pd.DataFrame, var: str, targets: pd.Series) -> np.ndarray:
    """Position in ``targets`` (one variable's) of each respondent's level of ``var``.

    Speed: a text column held by Arrow (pandas' default string type) is looked up
    in the few target labels by Arrow itself (``pyarrow.compute.index_in``), one
    hash probe per respondent and no factorising, about a third faster than
    :func:`_levels` + :func:`_match` at a million respondents; the positions are
    the same. Anything else — another dtype, a missing value, a level the targets
    do not list, a target without respondents — goes the general way, which
    names the first respondent or category at fault.

    >>> t = as_targets(pd.Series({"城区": 600, "郊区": 400}), ["区"])
    >>> target_positions(pd.DataFrame({"区": ["郊区", "城区", "郊区"]}), "区", t).tolist()
    [1, 0, 1]
    >>> target_positions(pd.DataFrame({"区": ["郊区", "山区"]}), "区", t)
    Traceback (most recent call last):
    survey.errors.WeightingError: respondents in 区 '山区', which the population targets do not list ...
    """
    if var in data.columns and isinstance(data[var].array, pd.arrays.ArrowStringArray) \
            and not isinstance(targets.index, pd.MultiIndex):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(data[var].array), value_set=pa.array(list(targets.index), type=pa.large_string()))
        if found.null_count == 0:
            pos = found.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
            n, t = np.bincount(pos, minlength=len(targets)), targets.to_numpy()
            if not (((n == 0) & (t > 0)) | ((n > 0) & (t == 0))).any():
                return pos
    return _match(_levels(data, var), targets, var)


def _match(found: tuple[np.ndarray, pd.Index], targets: pd.Series, what: str) -> np.ndarray:
    """Target position of each respondent's level; errors name the category at fault.

    ``found`` is (code per respondent, distinct levels) from :func:`_levels`: only
    the distinct levels are looked up in the targets (speed; same positions).
    """
    codes, keys = found
    upos = pd.Index(targets.index).get_indexer(keys)
    if (upos < 0).any():
        lvl = keys[int(np.flatnonzero(upos < 0)[0])]  # first in order of appearance
        raise WeightingError(f"respondents in {what} '{lvl}', which the population targets do not list",
                             expected="one of " + ", ".join(map(str, targets.index)),
                             hint="add the category to the frame, or fix the respondents' answer")
    pos = upos[codes]
    # Respondents per target: count per distinct level, then add them up per target.
    counts = np.bincount(upos, weights=np.bincount(codes, minlength=len(keys)), minlength=len(targets))
    zero = (counts > 0) & (targets.to_numpy() == 0)
    if zero.any():  # weighting them would give them weight 0, silently dropping them from every estimate
        k = int(np.flatnonzero(zero)[0])
        raise WeightingError(f"{what} '{targets.index[k]}' has population 0 but {int(counts[k])} respondents",
                             got=f"N = 0, n = {int(counts[k])}",
                             hint="correct the population count, or fix the respondents' answer")
    empty = (counts == 0) & (targets.to_numpy() > 0)
    if empty.any():
        lvl = targets.index[int(np.flatnonzero(empty)[0])]
        raise WeightingError(f"{what} '{lvl}' has population {targets.iloc[int(np.flatnonzero(empty)[0])]:g} but no respondents",
                             hint="merge it with a neighbouring category, or drop it from the targets")
    return pos


PARALLEL_ROWS = 200_000  # from this many respondents the margins are looked up side by side


def margin_positions(data: pd.DataFrame, targets: Mapping[str, pd.Series]) -> list[np.ndarray]:
    """:func:`target_positions` of every margin (variable → its targets), in order.

    Speed: with many respondents and more than one core the margins are looked up
    in threads side by side (Arrow's lookup releases the GIL: three margins of a
    million respondents 44 → 26 ms on two cores); the first margin at fault raises,
    as one after the other would.

    >>> t = {"区": as_targets(pd.Series({"A": 6, "B": 4}), ["区"]), "性别": as_targets(pd.Series({"男": 5, "女": 5}), ["性别"])}
    >>> [p.tolist() for p in margin_positions(pd.DataFrame({"区": ["B", "A"], "性别": ["女", "男"]}), t)]
    [[1, 0], [1, 0]]
    """
    import os

    work = list(targets.items())
    cores = os.cpu_count() or 1
    if len(work) > 1 and len(data) >= PARALLEL_ROWS and cores > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(work), cores)) as pool:
            return list(pool.map(lambda vt: target_positions(data, *vt), work))
    return [target_positions(data, v, t) for v, t in work]


def cell_positions(data: pd.DataFrame, by: list[str], targets: pd.Series) -> np.ndarray:
    """Position in ``targets`` of each respondent's cell of the crossed variables ``by``.

    >>> t = as_targets(pd.DataFrame({"区": ["A", "A", "B"], "性别": ["男", "女", "男"], "N": [5, 6, 7]}), ["区", "性别"])
    >>> cell_positions(pd.DataFrame({"区": ["B", "A", "A"], "性别": ["男", "女", "男"]}), ["区", "性别"], t).tolist()
    [2, 1, 0]
    """
    if len(by) == 1:
        return target_positions(data, by[0], targets)
    return _match(_crossed_levels(data, by), targets, " × ".join(by))


VARIABLE_NAMES = ("变量", "variable", "var")
LEVEL_NAMES = ("类别", "level", "category", "类")
COUNT_NAMES = ("人数", "count", "population", "N", "total", "总体", "Freq")


def targets_from_table(table: pd.DataFrame, by: list[str] | None, *, wide: bool, file: str | None = None,
                       count: str | None = None):
    """Population targets from a table as typed in a spreadsheet.

    ``wide=False`` (raking, calibration): long form with columns 变量/variable,
    类别/level and 人数/count → {variable: Series(level → count)}, restricted to ``by``.
    ``wide=True`` (post-stratification): the ``by`` columns and one count column →
    a Series with one entry per cell (a MultiIndex when crossed). ``count`` names the
    count column when the table has several (抽样框: 工作人员数, 在册社区矫正对象数).

    Counts are read with the one cell parser
    (:func:`survey.definitions.cells.number_value`: ``1,520`` and ``1，520`` alike), and
    total rows (合计, 全市合计 … in a level column) are skipped, as in a frame.

    >>> t = pd.DataFrame({"变量": ["性别", "性别", "性别"], "类别": ["男", "女", "合计"], "人数": ["3,300", "5，00", 3800]})
    >>> targets_from_table(t, None, wide=False)["性别"].to_dict()
    {'男': 3300.0, '女': 500.0}
    """
    def pick(names, what):
        if count is not None and what.startswith("人数"):
            names = (count,)
        col = next((c for c in table.columns if str(c).strip() in names), None)
        if col is None:
            raise WeightingError(f"targets have no {what} column", file=file,
                                 got="columns " + ", ".join(map(str, table.columns)), expected=" or ".join(names))
        return col

    def counts(col):
        x = table[col].map(number_value).astype(float)
        bad = x.isna() | (x < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise WeightingError("population count is not a non-negative number", file=file, column=str(col),
                                 row=excel_row(table, i), got=table[col].iloc[i])
        return x.to_numpy(float)

    if table.empty:  # headers only: every later lookup would fail on a column of nothing
        raise WeightingError("the targets table has no rows, only its headers", file=file,
                             got="columns " + ", ".join(map(str, table.columns)),
                             hint="add one row per category with its population count")
    if wide:
        if not by:
            raise WeightingError("cell targets need the columns they are counted by (by=…)", file=file)
        missing = [v for v in by if v not in table.columns]
        if missing:
            raise WeightingError(f"targets have no column '{missing[0]}'", file=file,
                                 got="columns " + ", ".join(map(str, table.columns)))
        table = table[~table[by].map(is_total_label).any(axis=1)]  # a 合计 row is not a cell
        rest = [c for c in table.columns if c not in by]
        col = rest[0] if len(rest) == 1 and count is None else pick(COUNT_NAMES, "人数/count")
        keys = [table[v].astype(str).str.strip() for v in by]
        index = pd.Index(keys[0]) if len(by) == 1 else pd.MultiIndex.from_arrays(keys, names=by)
        return pd.Series(counts(col), index=index)
    vcol, lcol, ccol = pick(VARIABLE_NAMES, "变量/variable"), pick(LEVEL_NAMES, "类别/level"), pick(COUNT_NAMES, "人数/count")
    table = table[~table[lcol].map(is_total_label)]  # a 合计 row is not a level
    values = counts(ccol)
    names = table[vcol].astype(str).str.strip()
    wanted = list(dict.fromkeys(names)) if not by else list(by)
    out = {}
    for v in wanted:
        mask = (names == v).to_numpy()
        if not mask.any():
            raise WeightingError(f"targets have no rows for '{v}'", file=file,
                                 expected="one of " + ", ".join(dict.fromkeys(names)))
        out[v] = pd.Series(values[mask], index=table[lcol].astype(str).str.strip()[mask].to_numpy())
    return out
