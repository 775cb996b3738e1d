"""Sentences of the report body about a survey's statistics, in a reviewer's words.

:func:`reliability_words` turns every row of a survey's reliability table (the whole scale
and each dimension) into one clause of the 调查质量 paragraph.
"""

from __future__ import annotations

import pandas as pd

from survey.definitions.vocab import OVERALL_LEVEL
from survey.evaluation.validity import scale_label


def rate_word(weighted: bool) -> str:
    """The name of a survey's scored rate: '加权满意率' when the weighted rate is scored, else '满意率'.

    >>> rate_word(True), rate_word(False)
    ('加权满意率', '满意率')
    """
    return "加权满意率" if weighted else "满意率"


def reliability_words(rel: pd.DataFrame) -> str:
    """Every reliability row (whole scale and each dimension) as one clause, without a final 。.

    Parameters
    ----------
    rel : DataFrame
        A survey's reliability table (:attr:`survey.evaluation.validity.SurveyValidity.reliability`:
        ``scale, k, cronbach_alpha, threshold, passed, note`` — the whole scale is the
        :data:`~survey.definitions.vocab.OVERALL_LEVEL` row).

    Returns
    -------
    str
        ``量表信度（克隆巴赫α系数）：全部题项0.923，幸福感0.861、安全感0.857，均达到0.7的可接受标准``;
        a scale below the threshold is named (``其中…未达到0.7的可接受标准``), one whose α
        cannot be computed says why. Empty when no row has an α or a reason.

    >>> rel = pd.DataFrame(dict(scale=["全部", "服务", "设施", "帮扶"], cronbach_alpha=[0.91, 0.86, 0.64, None],
    ...                         threshold=0.7, passed=[True, True, False, None],
    ...                         note=["", "", "", "只有1个题项，α至少需要2个题项"]))
    >>> reliability_words(rel)
    '量表信度（克隆巴赫α系数）：全部题项0.910，服务维度0.860、设施维度0.640，其中设施维度未达到0.7的可接受标准；帮扶维度无法计算（只有1个题项，α至少需要2个题项）'
    """
    if rel is None or not len(rel):
        return ""

    def name(r) -> str:
        return scale_label(r["scale"])

    done = [r for _, r in rel.iterrows() if r["passed"] is not None and r["cronbach_alpha"] == r["cronbach_alpha"]]
    undone = [r for _, r in rel.iterrows() if not (r["passed"] is not None and r["cronbach_alpha"] == r["cronbach_alpha"])]
    parts = []
    if done:
        overall = [f"{name(r)}{r['cronbach_alpha']:.3f}" for r in done if r["scale"] == OVERALL_LEVEL]
        dims = [f"{name(r)}{r['cronbach_alpha']:.3f}" for r in done if r["scale"] != OVERALL_LEVEL]
        values = "，".join(x for x in ("、".join(overall), "、".join(dims)) if x)
        threshold = f"{float(done[0]['threshold']):g}"
        failed = [name(r) for r in done if not r["passed"]]
        if not failed:
            verdict = ("均" if len(done) > 1 else "") + f"达到{threshold}的可接受标准"
        elif len(failed) == len(done):
            verdict = ("均" if len(done) > 1 else "") + f"未达到{threshold}的可接受标准"
        else:
            verdict = f"其中{'、'.join(failed)}未达到{threshold}的可接受标准"
        parts.append(f"量表信度（克隆巴赫α系数）：{values}，{verdict}")
    for r in undone:
        why = str(r.get("note") or "").strip()
        parts.append(f"{name(r)}无法计算{'（' + why + '）' if why else 'α系数'}")
    if parts and not done:
        parts[0] = "量表信度（克隆巴赫α系数）：" + parts[0]
    return "；".join(parts)
