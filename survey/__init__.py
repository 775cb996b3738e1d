"""survey — satisfaction surveys for public-fund performance evaluation (财政项目支出绩效评价).

Pipeline stages, in layers (see README "The package is in layers")::

    definitions.questionnaire.load   YAML definition             → Questionnaire
    inputs.read.Workbook             xlsx / csv / sav export     → RawTable
    inputs.tidy.tidy                 RawTable + definition       → Responses
    evaluation.clean.clean           Responses                   → Cleaned (valid responses + audit)
    evaluation.weighting             Responses + frame sheets    → weights + Design
    stats.weights.weight …           any DataFrame + targets     → Weighted (weights + diagnostics)
    evaluation.measures.estimate     Responses (+ Design)        → tidy estimates table
    evaluation.validity.check_survey Cleaned + estimates + frame → SurveyValidity
    evaluation.score.score_framework framework + facts + rates   → Scorecard (the annex, 评分表)
    pipeline.analyze                 a whole workbook            → Analysis
    render.report.write_report       Analysis                    → reports/<name>/

For statisticians: ``Design`` + ``estimate_column`` (R's svymean/svytotal/svyby),
``replicate_estimate`` (jackknife, bootstrap), ``sample_size``.

Importing ``survey`` is cheap; the stages load pandas and friends when used.
"""

__version__ = "0.1.0"

_LAZY = {
    "load_questionnaire": ("definitions.questionnaire", "load"),
    "Workbook": ("inputs.read", "Workbook"),
    "read_table": ("inputs.read", "read_table"),
    "tidy": ("inputs.tidy", "tidy"),
    "clean": ("evaluation.clean", "clean"),
    "Design": ("stats.design", "Design"),
    "estimate": ("evaluation.measures", "estimate"),
    "estimate_column": ("stats.estimate", "estimate_column"),
    "replicate_estimate": ("stats.replicate", "replicate_estimate"),
    "weight": ("stats.weights", "weight"),
    "rake": ("stats.weights", "rake"),
    "poststratify": ("stats.weights", "poststratify"),
    "calibrate": ("stats.weights", "calibrate"),
    "trim": ("stats.weights", "trim"),
    "sample_size": ("stats.sampling", "sample_size"),
    "check_survey": ("evaluation.validity", "check_survey"),
    "score_rate": ("evaluation.score", "score_rate"),
    "score_framework": ("evaluation.score", "score_framework"),
    "read_facts": ("inputs.facts", "read_facts"),
    "audit_annex": ("evaluation.audit", "audit_annex"),
    "analyze": ("pipeline", "analyze"),
    "write_report": ("render.report", "write_report"),
}

__all__ = ["__version__"] + list(_LAZY)  # noqa: RUF005  (ruff reads a starred dict as a non-string)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"survey.{module}"), attr)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
