"""The ``survey`` command group and its error handling.

Every command module (:mod:`survey.cli.evaluate`, :mod:`~survey.cli.statistics`,
:mod:`~survey.cli.folders`) registers its commands on :data:`main`. Errors of the
:class:`~survey.errors.SurveyError` family become one line on stderr and a non-zero
exit, in :class:`SurveyGroup` alone.
"""

from __future__ import annotations

import os
import re
import sys

import click

from survey import __version__

# What a cell or a file name may carry into a message and a terminal would act on: C0/C1 controls
# (a newline breaks the one line; ESC starts a terminal sequence), bidi overrides and isolates (they
# reorder the line as shown: U+202E before "abc" shows "cba"), zero-width marks and the BOM.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def one_line(text: str) -> str:
    """``text`` with every control and bidi character written as an escape (``\\n``, ``\\u202e``)."""
    return _UNSHOWABLE.sub(lambda m: {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
        m.group(), f"\\u{ord(m.group()):04x}"), text)


class SurveyGroup(click.Group):
    """Turns library errors into one-line messages (no traceback) in one place."""

    def invoke(self, ctx):
        from survey.errors import SurveyError
        from survey.inputs.guard import protecting_inputs

        hook = None
        try:
            with protecting_inputs():  # no output may replace a file the command read
                return super().invoke(ctx)
        except KeyboardInterrupt:
            # Ctrl-C: outputs are all or nothing, so say so in one line. A writer's generator cut
            # short (openpyxl's) complains when collected: silence that while the frames go.
            hook, sys.unraisablehook = sys.unraisablehook, lambda unraisable: None
        except SurveyError as exc:
            raise click.ClickException(one_line(str(exc))) from None
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            # (the Python docs' recipe: point stdout at devnull so the final flush cannot fail)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(0) from None
        except PermissionError as exc:
            raise click.ClickException(f"{one_line(str(exc.filename))}: {exc.strerror or 'permission denied'}. Fix: close the "
                                       "file if it is open in Excel, or choose a folder you can write to (--out)") from None
        except OSError as exc:  # read-only file system, a file where a folder should be, disk full …
            raise click.ClickException(f"{one_line(str(exc.filename or ''))}: {exc.strerror or exc}. Fix: check the path, "
                                       "or choose another --out folder") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug, or a library failing on an odd file
            if os.environ.get("SURVEY_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {one_line(str(exc))}. This is a bug in survey or an input it does "
                "not understand; rerun with SURVEY_DEBUG=1 for the traceback and report it") from None
        import gc  # only after an interrupt: the except block (and its traceback's frames) is left

        try:
            gc.collect()
        finally:
            sys.unraisablehook = hook
        raise click.ClickException("interrupted (Ctrl-C). Outputs are written all or nothing: each output folder "
                                   "holds either its previous files or the complete new ones")


@click.group(cls=SurveyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="survey")
def main():
    """Satisfaction surveys for public-fund performance evaluation (财政项目支出绩效评价).

    Turn questionnaire definitions and raw survey exports into cleaned satisfaction
    rates with confidence intervals, with an audit of every exclusion, and score the
    annex indicators.

    \b
    The shipped example:  survey analyze raw/2021.xlsx
    A new evaluation:     survey init FOLDER, survey template FOLDER,
                          fill in FOLDER/raw/, survey analyze FOLDER
    """
