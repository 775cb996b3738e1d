"""Writing reports: xlsx workbooks and a manifest, atomically and as text.

Only this module (and the CLI) writes files. Every workbook is built in memory,
written to a temporary file beside its target and renamed, so a failed run
never leaves a half-written report. Strings are always written as text cells — a
free-text answer that starts with ``=`` is never a formula — and the files are
byte-for-byte reproducible (fixed document and zip timestamps).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from survey import __version__
from survey.definitions.vocab import OVERALL, SUPPRESS_BELOW
from survey.evaluation.previous import FROM_REPORT, from_report
from survey.formatting import fmt_num, fmt_pct_short
from survey.inputs.privacy import mask_text, pseudonym
from survey.render.bigxlsx import table_xlsx_bytes
from survey.render.blocks import Chart
from survey.render.body import unit_label
from survey.render.files import csv_bytes, write_files
from survey.render.office import stamp, xlsx_bytes
from survey.render.presentation import reliability_column_note, reliability_notes
from survey.render.previous import previous_formats, previous_manifest, previous_sheets
from survey.render.validity import validity_tables
from survey.stats.presentation import NCHS, Standard, flag_estimates, standard_of


def _framework_sha256(file: str | None) -> str | None:
    """Hash of the framework file's text (None for a framework not read from a file)."""
    return _sha256(file) if file and Path(file).is_file() else None


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _inputs_manifest(analysis, out: Path) -> dict:
    """The workbook read, or (an evaluation folder) every input file, with their hashes and their
    paths from the report folder ``out`` (:func:`_input_entry`)."""
    if Path(analysis.workbook).is_file():
        return {"workbook": _input_entry(analysis.workbook, out)}
    return {"folder": _shown_path(analysis.workbook), **_near("folder_", analysis.workbook, out),
            "files": [_input_entry(f, out) for f in getattr(analysis, "input_files", ())]}


def _input_entry(path, out: Path) -> dict:
    """One input of manifest.json: its shown path, its path from the report folder, its SHA-256."""
    return {"path": _shown_path(path), **_near("", path, out), "sha256": _sha256(path)}


def _near(prefix: str, path, out: Path) -> dict:
    """``{prefix}from_report``: where ``survey analyze --previous`` finds the input again from the report folder."""
    rel = from_report(path, out)
    return {f"{prefix}{FROM_REPORT}": rel} if rel else {}


def _shown_path(path: str | Path) -> str:
    """A path fit for a committed manifest: relative to the working folder, else the name."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.name


# -- the tables of an analysis ------------------------------------------------

def indicator_table(analysis) -> pd.DataFrame:
    """The 指标得分 sheet: each survey-fed indicator with its rate, interval, target, 分值, 得分 and 评分过程."""
    rows = []
    for ind in analysis.indicators:
        e, s = ind.estimate, ind.score
        fw = analysis.framework.indicator(s.indicator)
        rows.append({
            "indicator": s.indicator, "questionnaire": ind.questionnaire, "measure": ind.measure,
            "n": int(e["n"]), "rate": e["estimate"], "ci_low": e["ci_low"], "ci_high": e["ci_high"],
            "ci_method": e["ci_method"], "target": fw.target, "weight": s.weight, "score": s.score,
            "step_mode": s.mode, "narrative": s.narrative,
        })
    return pd.DataFrame(rows)


WEIGHTED_COLUMNS = ("n_eff", "estimate", "se", "ci_low", "ci_high", "ci_method", "deff", "reliability")
KEYS = ["questionnaire", "measure", "domain", "level"]




def with_reliability(estimates: pd.DataFrame, standard: Standard = NCHS) -> pd.DataFrame:
    """An estimates table with its NCHS reliability note per row (``reliability``), judged by ``standard``."""
    if estimates.empty:
        return estimates.assign(reliability=pd.Series(dtype=object))
    return estimates.assign(reliability=reliability_notes(flag_estimates(estimates, standard=standard),
                                                                    standard).to_numpy())


def satisfaction_table(analysis, suppress_below: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """Unweighted estimates with the weighted ones beside them (columns ending in ``_w``).

    Breakdown rows (not the overall one) with fewer than ``suppress_below``
    respondents keep their n but lose every estimate, with a note saying why. Every row
    carries its NCHS reliability (``reliability``, ``reliability_w``: 可靠 / 需审慎解读 /
    不予报告 with the reason, :mod:`survey.render.presentation`).
    """
    standard = standard_of(analysis)  # --reliable-n / thresholds.reliable_n
    est = with_reliability(analysis.estimates, standard)
    weighted = analysis.weighted_estimates
    if weighted is not None:
        w = with_reliability(weighted, standard)[KEYS + list(WEIGHTED_COLUMNS)].rename(
            columns={c: f"{c}_w" for c in WEIGHTED_COLUMNS})
        est = est.merge(w, on=KEYS, how="left", sort=False)
    small = (est["domain"] != OVERALL) & (est["n"] < suppress_below)
    values = [c for c in est.columns if c not in (*KEYS, "label", "n", "reliability", "reliability_w")]
    est = est.astype({c: object for c in values})
    est.loc[small, values] = None
    est["note"] = [f"样本少于{suppress_below}人，不予报告" if s else None for s in small]
    return est


def weights_tables(analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weight diagnostics (one row per questionnaire) and achieved against target margins."""
    diag, margins = [], []
    for s in analysis.surveys:
        if s.weights is None:
            diag.append({"questionnaire": s.questionnaire.id, "method": None, "note": "；".join(s.notes)})
            continue
        d = s.weights.diagnostics
        diag.append({"questionnaire": s.questionnaire.id, **{k: v for k, v in d.as_dict().items() if k != "history"},
                     "design": f"strata={s.design.strata}, fpc={s.design.fpc}", "note": "；".join(s.notes)})
        if d.margins is not None:
            margins.append(d.margins.assign(questionnaire=s.questionnaire.id))
    m = pd.concat(margins, ignore_index=True) if margins else pd.DataFrame(
        columns=["questionnaire", "variable", "level", "target", "achieved", "difference"])
    return pd.DataFrame(diag), m[["questionnaire", *[c for c in m.columns if c != "questionnaire"]]]


def weights_detail(analysis) -> pd.DataFrame:
    """Each valid respondent's weight, with the answers it was weighted on and the overall item's answer.

    One row per respondent of each weighted questionnaire: questionnaire, respondent
    (pseudonym, as in audit.xlsx), the export's row, the option chosen for each weighting
    variable and for the overall item, and the weight. The weighted 总体满意率 can be checked
    by hand from it: the weights of the satisfied answers over those of all that count.
    """
    from survey.inputs.tidy import option_labels
    from survey.render.sheets import OVERALL_ANSWER
    from survey.render.survey_body import overall_item

    frames = []
    for s in analysis.surveys:
        if s.weights is None:
            continue
        q, data = s.questionnaire, s.cleaned.valid.data
        margins = s.weights.diagnostics.margins
        shown = [*dict.fromkeys(margins["variable"])] if margins is not None else []
        overall = overall_item(q)
        cols: dict = {"questionnaire": q.id, "respondent": [pseudonym(q.id, r) for r in data["respondent"]],
                      "row": data.index.to_numpy()}
        for key, v in [*((v, v) for v in shown), *([(OVERALL_ANSWER, overall)] if overall is not None else [])]:
            if v in data:  # the option chosen, as the weighting read it
                cols[key] = option_labels(s.cleaned.valid, v).to_numpy() if q.options(v) else data[v].to_numpy()
        cols["weight"] = s.weights.weights.reindex(data.index).to_numpy()
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def suggestions_table(analysis) -> pd.DataFrame:
    """Free-text answers of valid respondents, masked, with pseudonyms."""
    rows = []
    for s in analysis.surveys:
        q, data = s.questionnaire, s.cleaned.valid.data
        district = q.district_item
        for it in q.items:
            if it.type != "text" or it.id not in data:
                continue
            for r, text in data[it.id].dropna().items():
                level = None
                if district and district in data and pd.notna(data.at[r, district]):
                    level = q.options(district)[int(data.at[r, district]) - 1]
                rows.append({"questionnaire": q.id, "respondent": pseudonym(q.id, data.at[r, "respondent"]),
                             "district": level, "item": it.id, "text": mask_text(text)})
    return pd.DataFrame(rows, columns=["questionnaire", "respondent", "district", "item", "text"])


def summary_row(cleaned) -> dict:
    """One line of the audit's 汇总 sheet: counts, exclusions per rule and the report sentence."""
    v = cleaned.valid
    return {"questionnaire": v.questionnaire.id, "file": Path(v.file).name, "sheet": v.sheet, "format": v.format,
            "issued": cleaned.issued, "returned": cleaned.returned,
            "return_rate": cleaned.returned / cleaned.usable_issued() if cleaned.usable_issued() else None,
            "valid": cleaned.n_valid,
            "valid_rate": cleaned.n_valid / cleaned.returned if cleaned.returned else None,
            **{f"excluded_{r}": n for r, n in cleaned.excluded_by_rule().items()},
            "summary": cleaned.summary(), "notes": "；".join(cleaned.notes) or None}


# How each weighting method reads in the notes ({by}: the weighting variables, 、-joined;
# {unit}: what the breakdown unit is called, Questionnaire.unit_word).
WEIGHTING_TEXT = {
    "poststratify": "按抽样框各{unit}人数事后分层",
    "rake": "对{by}迭代加权（raking）",
    "calibrate": "对{by}线性校准",
}


def weighting_note(survey) -> str:
    """How one questionnaire's ``_w`` columns were weighted, from its definition and design.

    The breakdown unit is named as the questionnaire names it (:attr:`Questionnaire.unit_word`).

    >>> from types import SimpleNamespace as NS
    >>> q = NS(title="老人访谈", unit_word="街道", item=lambda i: NS(text={"care": "照护类型"}[i]),
    ...        weighting=NS(method="rake", margins=("care",), trim_upper=None, bounds=None))
    >>> weighting_note(NS(questionnaire=q, design=NS(strata="district", fpc="fpc")))
    '老人访谈对街道、照护类型迭代加权（raking），以街道为层、各街道总体人数作有限总体校正'
    """
    q, w, d = survey.questionnaire, survey.questionnaire.weighting, survey.design
    unit = q.unit_word
    by = "、".join([unit, *(q.item(m).text for m in w.margins)])
    text = q.title + WEIGHTING_TEXT.get(w.method, w.method + "加权（{by}）").format(by=by, unit=unit)
    if w.bounds:
        text += f"（权数调整系数限于{w.bounds[0]:g}–{w.bounds[1]:g}）"
    if w.trim_upper:
        text += f"，权重截尾于均值的{w.trim_upper:g}倍"
    if d is not None and d.strata:
        text += f"，以{unit}为层、" + (f"各{unit}总体人数作有限总体校正" if d.fpc else "不作有限总体校正")
    return text


def scale_words(questionnaires) -> tuple[str, str]:
    """The satisfied options ('非常满意+满意') and option scores ('100/80/60/40/20') the scales define.

    One wording when every scale of the questionnaires agrees, else a pointer to the
    definitions.

    >>> from types import SimpleNamespace as NS
    >>> sc = NS(options=("满意", "一般", "不满意"), satisfied=("满意",), scores={"满意": 100, "一般": 50, "不满意": 0})
    >>> scale_words([NS(scales={"s": sc})])
    ('满意', '100/50/0')
    """
    scales = [sc for q in questionnaires for sc in q.scales.values()]
    satisfied = {"+".join(sc.satisfied) for sc in scales if sc.satisfied}
    scores = {"/".join(fmt_num(sc.scores[o]) for o in sc.options if o in sc.scores) for sc in scales if sc.scores}
    return (satisfied.pop() if len(satisfied) == 1 else "问卷量表定义的满意选项",
            scores.pop() if len(scores) == 1 else "各问卷量表定义的选项分值")


def column_notes(analysis, suppress_below: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """The 说明 sheet of satisfaction.xlsx: what each column means, stated from the analysis.

    The weighting note names each weighted questionnaire's method and variables (its
    definition's ``weighting``), the suppression note the threshold ``suppress_below``
    that :func:`satisfaction_table` applied, the interval note the confidence level,
    the measure note the satisfied options and scores of the questionnaires' scales.
    """
    weighted = [s for s in analysis.surveys if s.weights is not None and s.questionnaire.weighting is not None]
    if weighted:
        w_note = ("加权估计：" + "；".join(weighting_note(s) for s in weighted) +
                  "；标准误为泰勒线性化（对加权变量取校准残差，与 R survey 一致）；"
                  "在 0% 或 100% 时有效样本量取 Kish 有效样本量")
    else:
        w_note = "加权估计：本次未加权（原因见“权重”表）"
    conf = 1 - float(analysis.parameters.get("alpha", 0.05))
    satisfied, scores = scale_words(s.questionnaire for s in analysis.surveys)
    from survey.render.sheets import SATISFACTION as H  # the headers the sheets show: one home

    unit = unit_label(analysis)
    return pd.DataFrame([
        (H["title"], f"问卷标题；{H['questionnaire']}为问卷定义文件（questionnaires/*.yaml）的编号"),
        (H["label"], f"满意度口径：总体满意率（总体题“{satisfied}”占比）；各题满意率均值；满意答案占比；"
                     f"满意度得分指数（{scores} 均值，÷100）；{H['measure']}为口径的编号"),
        (f"{H['level']} / {H['domain']}", f"{H['level']}：全部有效样本或某一{unit}；{H['domain']}：全部，或按{unit}"),
        (H["n"], "总体满意率为总体题的有效作答人数；其余口径为至少作答一题的受访者人数"),
        (H["n_eff"], "有效样本量（汇总口径为线性化方差折算）"),
        (H["estimate"], "估计值（比例）"),
        (H["se"], "标准误"),
        (f"{H['ci_low']} / {H['ci_high']}", f"置信区间下限 / 上限（{fmt_pct_short(conf)}）"),
        (H["ci_method"], "区间方法：Wilson 为 Wilson 区间；“按有效样本量”为在有效样本量上计算；"
                         "t分布为满意度得分指数（均值）按线性化标准误与 t 分布计算"),
        (H["deff"], "设计效应（设计方差 ÷ 同样本量简单随机抽样方差）"),
        ("加权…（各加权列）", w_note),
        (H["note"], f"样本少于{suppress_below}人的分组不报告估计值"),
        (f"{H['reliability']} / {H['reliability_w']}", reliability_column_note(standard_of(analysis))),
        (f"{H['ci_method']}：Korn–Graubard / logit", "复杂抽样比例区间：Korn–Graubard（有效样本量上的 Clopper–Pearson）"
                                                         "与 logit 区间"),
        (f"{H['ci_method']}：含“Kish”", "估计值为 0% 或 100%，方差为零，区间按 Kish 有效样本量计算，宽度不为零"),
        (H["kish_n_eff"], "加权的 Kish 有效样本量（权重的设计效应折算）"),
    ], columns=["列", "说明"])


PRIVATE_COLUMNS = ("ip", "interviewer", "source_detail")


def mask_audit(audit: pd.DataFrame) -> pd.DataFrame:
    """Audit values and messages quote cells: mask phone and ID numbers in both."""
    out = audit.copy()
    for col in ("value", "message"):
        out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else mask_text(str(v)))
    return out


def cleaned_table(responses) -> pd.DataFrame:
    """Valid responses for output: pseudonyms, no IP or names, free text masked, codes kept."""
    q, data = responses.questionnaire, responses.data
    out = data.drop(columns=[c for c in PRIVATE_COLUMNS if c in data.columns])
    out.insert(0, "row", data.index)
    out["respondent"] = data["respondent"].map(lambda r: pseudonym(q.id, r))
    for it in q.items:
        if it.type == "text" and it.id in out:
            out[it.id] = out[it.id].map(mask_text)
    return out.reset_index(drop=True)


def codebook(q) -> pd.DataFrame:
    """Item, code and option text of every closed question."""
    rows = []
    for it in q.items:
        if it.type == "text":
            continue
        sc = q.scale_of(it.id)
        for k, opt in enumerate(q.options(it.id), start=1):
            rows.append({"item": it.id, "text": it.text, "dimension": it.dimension, "code": k, "option": opt,
                         "satisfied": None if sc is None else opt in sc.satisfied,
                         "not_applicable": None if sc is None else opt in sc.not_applicable,
                         "score": None if sc is None else sc.scores.get(opt)})
    return pd.DataFrame(rows)


def write_clean(cleaned, out_dir: str | Path) -> list[Path]:
    """``survey clean``: cleaned.xlsx (valid responses + codebook), cleaned.csv and audit.xlsx."""
    out = Path(out_dir)
    q = cleaned.valid.questionnaire
    audit = mask_audit(cleaned.audit)
    table = cleaned_table(cleaned.valid)
    files = {  # large tables: the fast writer; cleaned.csv for further analysis
        "cleaned.xlsx": table_xlsx_bytes({"有效问卷": table, "编码表": codebook(q)}),
        "cleaned.csv": csv_bytes(table),
        "audit.xlsx": table_xlsx_bytes({
            "汇总": pd.DataFrame([summary_row(cleaned)]),
            "审核明细": audit,
        }),
    }
    return write_files({out / name: data for name, data in files.items()})


def report_docx(analysis, blocks: list | None = None, drawn=None) -> bytes:
    """report.docx: the report body as a Word document (``drawn``: the charts of placeholder blocks, by key)."""
    from survey.render.body import report_title
    from survey.render.outline import report_body
    from survey.render.report_docx import report_docx_bytes

    return report_docx_bytes(report_body(analysis) if blocks is None else blocks, title=report_title(analysis),
                             drawn=drawn)


def annex_files(card) -> dict[str, bytes]:
    """annex.xlsx and annex.docx of a scorecard (none without one)."""
    if card is None:
        return {}
    from survey.render.annex import annex_docx_bytes, annex_xlsx_bytes

    return {"annex.xlsx": annex_xlsx_bytes(card), "annex.docx": annex_docx_bytes(card)}


def table_files(analysis, suppress_below: int) -> dict[str, bytes]:
    """satisfaction.xlsx, validity.xlsx and audit.xlsx."""
    from survey.render import sheets as zh

    audit = pd.concat([s.cleaned.audit.assign(questionnaire=s.questionnaire.id) for s in analysis.surveys],
                      ignore_index=True)
    audit = mask_audit(audit[["questionnaire", *[c for c in audit.columns if c != "questionnaire"]]])
    diag, margins = weights_tables(analysis)
    weights, margins = zh.weights_sheets(diag, margins, analysis)
    validity = validity_tables([s.validity for s in analysis.surveys if s.validity])
    sat = zh.satisfaction_sheet(satisfaction_table(analysis, suppress_below), analysis)
    return {
        "satisfaction.xlsx": xlsx_bytes({
            "满意度": zh.reader_columns(sat),
            "满意度统计明细": sat,
            "指标得分": zh.indicator_sheet(indicator_table(analysis)),
            "权重": weights,
            "权重边际": margins,
            **zh.weights_detail_sheet(weights_detail(analysis), analysis),  # 权重明细, when a survey is weighted
            "意见建议": zh.suggestions_sheet(suggestions_table(analysis), analysis),
            "说明": column_notes(analysis, suppress_below),
            **previous_sheets(analysis),  # 与上年比较, 问卷变化: with --previous only
        }, formats={**zh.FORMATS, **previous_formats(analysis)}),
        "validity.xlsx": xlsx_bytes(zh.validity_sheets(validity, analysis), formats=zh.sheet_formats(validity)),
        "audit.xlsx": xlsx_bytes(zh.audit_sheets(pd.DataFrame([summary_row(s.cleaned) for s in analysis.surveys]),
                                                 audit, analysis)),
    }


def report_documents(analysis, suppress_below: int, specs: list, charts) -> dict[str, bytes]:
    """report.docx and report.html; ``charts()`` gives the charts of ``specs`` drawn (called once needed).

    The body and report.docx are laid out with placeholders while the charts are still
    being drawn elsewhere; report.docx takes them at its end, report.html after.
    """
    from survey.render.charts import placeholders
    from survey.render.outline import report_body
    from survey.render.page import report_html

    blocks = report_body(analysis, suppress_below, charts=placeholders(specs))
    docx = report_docx(analysis, blocks, drawn=charts)
    blocks = [charts()[b.key] if isinstance(b, Chart) and b.key is not None else b for b in blocks]
    return {"report.docx": docx, "report.html": report_html(analysis, blocks)}


def made_aside(analysis, suppress_below: int | None = None, when: tuple[int, ...] | None = None,
               specs: list | None = None) -> tuple[dict, dict[str, bytes]]:
    """What :func:`write_report` leaves to other processes: the charts and the workbooks.

    This process writes satisfaction.xlsx, validity.xlsx and audit.xlsx (:func:`table_files`),
    dated ``when`` (the caller's :func:`~survey.render.office.stamp`: a worker forked before
    the caller set it does not see it), while a forked copy of it draws charts; then it draws
    charts too, each process taking the next chart when done with its last
    (:func:`survey.render.charts.draw_taken`): they finish together. Returns the charts keyed
    in report order, and the files. ``specs``: the caller's
    :func:`~survey.render.charts.chart_specs`, else made here.
    """
    import multiprocessing

    from survey.render.background import in_background
    from survey.render.charts import chart_specs, draw_taken, warm
    from survey.render.office import document_time
    from survey.render.survey_body import suppress_threshold

    warm()  # before the fork: the copy inherits matplotlib, imported once
    suppress_below = suppress_threshold(analysis, suppress_below)
    specs = chart_specs(analysis, suppress_below) if specs is None else specs
    taken = multiprocessing.Value("i", 0)  # the next chart to draw, shared with the copy
    other = in_background(draw_taken, specs, taken)
    with document_time(when):
        files = table_files(analysis, suppress_below)
    both = {**draw_taken(specs, taken), **other()}
    # a copy that failed after taking charts is rerun here and finds none left: draw what is missing
    both.update({spec.key: spec.draw(*spec.args) for spec in specs if spec.key not in both})
    return {spec.key: both[spec.key] for spec in specs}, files



def write_report(analysis, out_dir: str | Path, *, suppress_below: int | None = None, worker=None) -> list[Path]:
    """Write the report files (satisfaction, validity, audit, annex, report.html, manifest.json); return the paths.

    Breakdowns with fewer than ``suppress_below`` respondents are not reported in
    satisfaction.xlsx (:func:`satisfaction_table`, its 说明 sheet says so), report.docx and
    report.html. Default: the analysis's ``min_per_district`` (``--min-per-district``, an
    evaluation folder's ``thresholds.min_cell``), else :data:`SUPPRESS_BELOW`.

    The charts and the workbooks are made by two other processes while this one lays out
    report.docx (:func:`made_aside`): by ``worker`` (:func:`survey.render.worker.report_worker`,
    started before the analysis) when given, else by a forked one. This one then writes the
    annex files while they finish (it was idle for half a second waiting for them).
    """
    from functools import cache

    from survey.render.background import in_background
    from survey.render.charts import chart_specs
    from survey.render.survey_body import suppress_threshold

    suppress_below = suppress_threshold(analysis, suppress_below)
    specs = chart_specs(analysis, suppress_below)  # once: the placeholders here, the drawing there
    start = worker.submit if worker is not None else in_background
    aside = cache(start(made_aside, analysis, suppress_below, stamp(), specs))  # two other processes, meanwhile
    out = Path(out_dir)
    annex = cache(lambda: annex_files(getattr(analysis, "scorecard", None)))  # this process's share

    def charts():  # asked once report.docx is laid out: first this process's own share, then theirs
        annex()
        return aside()[0]

    documents = report_documents(analysis, suppress_below, specs, charts)
    own = annex()  # written here meanwhile even when the report has no charts to ask for
    files = {**aside()[1], **own, **documents}
    manifest = {
        "package": "survey", "version": __version__, "name": analysis.name,
        "inputs": _inputs_manifest(analysis, out),
        "questionnaires": [
            {"id": s.questionnaire.id, "version": s.questionnaire.version, "sheet": s.sheet,
             **_input_entry(s.questionnaire.file, out)}
            for s in analysis.surveys if s.questionnaire.file
        ],
        "framework": {"id": analysis.framework.id, "file": analysis.framework.file,
                      "sha256": _framework_sha256(analysis.framework.file)},
        "parameters": analysis.parameters,
        **previous_manifest(analysis),
        **({"notes": list(analysis.notes)} if getattr(analysis, "notes", ()) else {}),  # e.g. a year to check
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return write_files({out / name: data for name, data in files.items()})
