"""The ``survey`` command group and its error handling.

Every command module (:mod:`survey.cli.evaluate`, :mod:`~survey.cli.statistics`,
:mod:`~survey.cli.folders`) registers its commands on :data:`main`. Errors of the
:class:`~survey.errors.SurveyError` family become one line on stderr and a non-zero
exit, in :class:`SurveyGroup` alone. A Ctrl-C is one line too (:func:`interrupted_line`:
whether the outputs were written whole or left as they were) and exit code 130, whenever
it comes: :func:`run`, the console entry point, also covers the moments after the command.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading

import click

from survey import __version__

INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
_NOTED: list[int] = []  # under run(): Ctrl-Cs noted once the command is done
_UNDER_RUN: list[bool] = []  # non-empty when the process was started by run()


def interrupted_line(written) -> str:
    """The one line a Ctrl-C prints, saying what the command had written whole (``written``: paths).

    >>> interrupted_line([])
    'interrupted; nothing written: every output is left as it was (outputs are written all or nothing)'
    """
    if written:
        return (f"interrupted; written whole before it: {', '.join(map(str, written))} (outputs are written all "
                "or nothing: any other is left as it was)")
    return "interrupted; nothing written: every output is left as it was (outputs are written all or nothing)"


def _written_since(before: int) -> tuple:
    files = sys.modules.get("survey.render.files")  # not imported: nothing written
    return files.written_paths()[before:] if files is not None else ()


def _note_interrupts() -> None:
    """Under :func:`run`, once the command is done: a Ctrl-C is noted (run says it), never raised."""
    if _UNDER_RUN and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda signum, frame: _NOTED.append(signum))
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
        before = len(_written_since(0))
        try:
            with protecting_inputs():  # no output may replace a file the command read
                rv = super().invoke(ctx)
            _note_interrupts()
            return rv
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
        click.echo(interrupted_line(_written_since(before)), err=True)
        raise click.exceptions.Exit(INTERRUPTED)


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


def run() -> None:
    """The console entry point (``survey``, ``python -m survey``): :data:`main`, then the exit.

    Once the command is done a Ctrl-C is noted, not raised, up to the exit: one noted prints
    :func:`interrupted_line` (what was written whole) and exits 130. The exit waits for the
    threads that are not daemons, runs the atexit handlers (multiprocessing's cleanup …),
    flushes the output and leaves at once (``os._exit``): the
    interpreter's teardown (0.3 s after `survey analyze`) is where Python restores the default
    action of SIGINT, so a Ctrl-C there killed the process (exit −2, no message).
    """
    import atexit
    import contextlib

    _UNDER_RUN.append(True)
    noted = _NOTED
    code: int | str | None = 1
    try:
        try:
            main(prog_name="survey")
        except SystemExit as exc:
            code = exc.code
        _note_interrupts()
    except KeyboardInterrupt:  # after the command, before the line above
        _note_interrupts()
        noted.append(signal.SIGINT)
    try:  # what the interpreter's exit does before its teardown; a Ctrl-C is noted meanwhile
        for t in threading.enumerate():
            if t is not threading.current_thread() and not t.daemon:
                t.join()
        atexit._run_exitfuncs()
    finally:
        if noted and code != INTERRUPTED:
            click.echo(interrupted_line(_written_since(0)), err=True)
            code = INTERRUPTED
        if code is not None and not isinstance(code, int):  # SystemExit("message"), as the interpreter does
            click.echo(str(code), err=True)
            code = 1
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`): nothing more to say
                stream.flush()
        os._exit(code or 0)
