"""The report worker: a process forked before the analysis that imports the report's own modules meanwhile.

``survey analyze`` first imports what both processes need (:func:`shared_imports`:
pandas, the modules an analysis is made of, scipy.special), then forks the worker: while
this process reads the workbook and analyses it, the worker imports matplotlib, finds the
CJK font and loads the modules that draw the charts and write the workbooks, on the second
core; then it takes its job (:func:`survey.render.report.made_aside`).

Forked earlier (before pandas), the worker imported pandas and the analysis modules a second
time: 0.5 s more CPU, and on two cores the worker became the last one ready. Forked later
(after the analysis), its own imports fell into the time after the analysis.

This module imports nothing heavy itself.
"""

from __future__ import annotations


def shared_imports() -> None:
    """Import what the analysing process and the report worker both need, once, before the fork.

    pandas and the modules an analysis is made of (the worker unpickles one), the report
    module, and scipy.special: the analysis's χ² and Cronbach intervals and the reliability
    flags of the tables and charts need it (0.13–0.2 s to import).
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
    import survey.render.report  # noqa: F401


def warm_report() -> None:
    """Import what :func:`survey.render.report.made_aside` needs, before it is asked.

    :func:`shared_imports` (inherited when the parent called it before the fork), matplotlib
    and the CJK font, the charts, and the modules that write the workbooks (SpreadsheetML
    written by :mod:`survey.render.spreadsheet`: no openpyxl).
    """
    shared_imports()
    import survey.render.sheets  # noqa: F401
    from survey.render.charts import warm

    warm()


def report_worker():
    """A :class:`~survey.render.background.Worker` that imports what it needs now and makes its files later.

    Start it before the analysis, after :func:`shared_imports` (``with report_worker() as w:
    ... write_report(a, out, worker=w)``): the imports of :func:`warm_report` run on the
    second core while this process reads and analyses.
    """
    from survey.render.background import Worker

    return Worker(warm_report)
