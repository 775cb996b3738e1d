"""Work drawn on the second core while the first writes: a forked worker, or inline.

The report's charts (matplotlib) take about as long as the xlsx and annex files written
before them, and they depend only on the analysis. :func:`in_background` starts such a
function in a forked child process and returns a callable that gives its result: the
parent goes on writing, then collects the charts. Where the platform cannot fork (Windows,
macOS's default), on one CPU, or when the child fails in any way, the function simply runs
in the calling process when the result is asked for — the result is the same either way,
and an error surfaces as if there were no worker. Warnings the child raised (no CJK font …)
are raised again in the parent, so they are said once, where the user sees them.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable
from typing import Any


def _child(conn, fn: Callable[..., Any], args: tuple) -> None:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args)
        conn.send(("ok", result, [(str(w.message), w.category) for w in caught]))
    except BaseException:  # the parent runs fn itself and meets the error there
        conn.send(("failed", None, []))
    finally:
        conn.close()


def in_background(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Start ``fn(*args)`` in a forked worker when useful; return a function giving its result.

    Parameters
    ----------
    fn : callable
        A function of plain data whose result pickles (the charts: a dict of
        :class:`~survey.render.blocks.Chart`).
    *args
        Its arguments; the forked child sees them without pickling.

    Returns
    -------
    callable
        Called once, with no argument: the result (from the worker, or computed then).
    """
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return lambda: fn(*args)
    try:
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        # daemon: a parent that fails before collecting does not wait for the child at exit
        proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
        with warnings.catch_warnings():  # "fork() in a multi-threaded process": the child only draws
            warnings.simplefilter("ignore", DeprecationWarning)
            proc.start()
        send.close()
    except OSError:
        return lambda: fn(*args)

    def result() -> Any:
        try:
            status, value, said = recv.recv()
        except (EOFError, OSError):
            status, value, said = "failed", None, []
        finally:
            recv.close()
            proc.join()
        if status != "ok":
            return fn(*args)
        for message, category in said:
            warnings.warn(message, category, stacklevel=2)
        return value

    return result
