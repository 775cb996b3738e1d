"""The report worker: a process forked first thing that imports the report's modules meanwhile.

``survey analyze`` starts it before it imports anything heavy of its own: while this
process imports pandas and the analysis modules, reads the workbook and analyses it, the
worker imports matplotlib, scipy.special and the modules that write the workbooks on the
second core; then it takes its job (:func:`survey.render.report.made_aside`).

This module imports nothing heavy itself, so that starting the worker costs only the fork.
"""

from __future__ import annotations


def warm_report() -> None:
    """Import what :func:`survey.render.report.made_aside` needs, before it is asked.

    pandas and the modules an analysis is made of (to unpickle it), matplotlib and the CJK
    font, the modules that write the workbooks (SpreadsheetML written by
    :mod:`survey.render.spreadsheet`: no openpyxl), and scipy.special: the reliability
    flags of the tables and charts need its inverse incomplete beta (0.2 s to import, once
    here rather than in this worker and again in the copy it forks to draw). Not python-docx:
    report.docx and annex.docx are written by the parent.
    """
    import scipy.special  # noqa: F401

    import survey.evaluation.clean
    import survey.evaluation.headline
    import survey.evaluation.measures
    import survey.evaluation.previous
    import survey.evaluation.score
    import survey.evaluation.validity
    import survey.evaluation.weighting
    import survey.inputs.tables
    import survey.inputs.tidy
    import survey.render.report
    import survey.render.sheets  # noqa: F401
    from survey.render.charts import warm

    warm()


def report_worker():
    """A :class:`~survey.render.background.Worker` that imports what it needs now and makes its files later.

    Start it before anything else (``with report_worker() as w: ... write_report(a, out,
    worker=w)``): the imports of :func:`warm_report` run on the second core while this
    process imports, reads and analyses.
    """
    from survey.render.background import Worker

    return Worker(warm_report)
