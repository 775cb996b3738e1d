"""关键驱动因素 and 四分图 in Chinese, from :class:`survey.evaluation.keydrivers.KeyDrivers`.

:func:`drivers_paragraph` is the paragraph for the report (the importance ranking with
intervals, and the 优先改进 list with the probability that each item is in that
quadrant); :func:`drivers_tables` the sheets for a workbook. Deterministic: the
bootstrap is seeded upstream.
"""

from __future__ import annotations

import pandas as pd

from survey.evaluation.keydrivers import QUADRANT_ZH, KeyDrivers

METHOD_ZH = {"lmg": "LMG（Shapley）分解", "relative_weights": "Johnson相对权数"}


def drivers_paragraph(k: KeyDrivers, top: int = 3) -> str:
    """The 关键驱动因素 paragraph of the report, in Chinese.

    R² and method, the ``top`` items by relative importance (with bootstrap 95% intervals
    when there are replicates), and the 优先改进 items of the 四分图 with the probability
    that each is in that quadrant.
    """
    imp = k.importance.sort_values("share", ascending=False)
    ci = k.replicates > 0
    head = "、".join(
        f"{r['text']}（{r['relative']:.1%}" + (f"，95% CI {r['ci_low']:.1%}–{r['ci_high']:.1%}" if ci else "") + "）"
        for _, r in imp.head(top).iterrows())
    boot = f"，{k.replicates}次bootstrap" if ci else ""
    text = (f"以总体满意度为因变量，{len(imp)}个题项共解释其变异的{k.r2:.2%}（R²，{METHOD_ZH.get(k.method, k.method)}，"
            f"n={k.n}，各题均有效作答者{boot}）。相对重要性居前{min(top, len(imp))}位的是{head}。")
    pr = k.priority
    text += "按重要性—满意度四分图（GB/T 19038-2009附录D，以各题均值为界），"
    if len(pr):
        def prob(r):
            return f"，落在该区的概率{r['p_quadrant']:.0%}" if pd.notna(r["p_quadrant"]) else ""

        text += "优先改进（重要性高、满意度低）：" + "、".join(
            f"{r['text']}（满意率{r['performance']:.2%}{prob(r)}）" for _, r in pr.iterrows()) + "。"
    else:
        text += "没有题目同时处于重要性高于均值、满意度低于均值的修补区。"
    return text


def drivers_tables(k: KeyDrivers) -> dict[str, pd.DataFrame]:
    """The sheets for a workbook: 关键驱动因素 (importance) and 四分图, with Chinese headers."""
    imp = k.importance[["item", "text", "share", "relative", "ci_low", "ci_high", "rank"]].rename(columns={
        "item": "题目", "text": "名称", "share": "R²贡献", "relative": "相对重要性", "ci_low": "下限", "ci_high": "上限",
        "rank": "排名"})
    ipa = k.ipa.assign(quadrant=k.ipa["quadrant"].map(QUADRANT_ZH))[
        ["item", "text", "importance", "performance", "quadrant", "p_quadrant"]].rename(columns={
            "item": "题目", "text": "名称", "importance": "重要性", "performance": "满意率", "quadrant": "象限",
            "p_quadrant": "落在该象限的概率"})
    return {"关键驱动因素": imp, "四分图": ipa}
