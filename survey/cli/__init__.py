"""The ``survey`` command line: a thin layer over the library.

Each command parses its options, calls library functions and prints. Errors of
the :class:`~survey.errors.SurveyError` family become one line on stderr and a
non-zero exit; nothing here computes. Heavy modules are imported inside the
commands, so ``survey --help`` answers at once.

- :mod:`survey.cli.app`         the command group and its error handling;
- :mod:`survey.cli.options`     option groups written once, shared helpers;
- :mod:`survey.cli.evaluate`    analyze, clean, validity, score, audit, questionnaire, compare;
- :mod:`survey.cli.statistics`  estimate, weight, sample-size;
- :mod:`survey.cli.folders`     init, template, framework.
"""

from survey.cli import evaluate, folders, statistics  # noqa: F401  (each registers its commands on main)
from survey.cli.app import main, run

__all__ = ["main", "run"]
