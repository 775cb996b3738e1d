"""survey — satisfaction surveys for public-fund performance evaluation (财政项目支出绩效评价).

Pipeline stages, one module each::

    questionnaire.load   YAML definition        → Questionnaire
    read.Workbook        xlsx / csv export      → RawTable
    tidy.tidy            RawTable + definition  → Responses
    clean.clean          Responses              → Cleaned (valid responses + audit)
    estimate.estimate    Responses              → tidy estimates table
    score.score_rate     rate + rule            → Score (得分 and 评分过程)
    pipeline.analyze     a whole workbook       → Analysis
    report.write_report  Analysis               → reports/<name>/*.xlsx

Importing ``survey`` is cheap; the stages load pandas and friends when used.
"""

__version__ = "0.1.0"

_LAZY = {
    "load_questionnaire": ("questionnaire", "load"),
    "Workbook": ("read", "Workbook"),
    "read_table": ("read", "read_table"),
    "tidy": ("tidy", "tidy"),
    "clean": ("clean", "clean"),
    "estimate": ("estimate", "estimate"),
    "score_rate": ("score", "score_rate"),
    "analyze": ("pipeline", "analyze"),
    "write_report": ("report", "write_report"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"survey.{module}"), attr)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
