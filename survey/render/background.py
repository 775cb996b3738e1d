"""Work drawn on the second core while the first writes: a forked worker, or inline.

The report's charts (matplotlib) take about as long as the xlsx and annex files written
before them, and they depend only on the analysis. :func:`in_background` starts such a
function in a forked child process and returns a callable that gives its result: the
parent goes on writing, then collects the charts. Where the platform cannot fork (Windows,
macOS's default), on one CPU, or when the child fails in any way, the function simply runs
in the calling process when the result is asked for — the result is the same either way,
and an error surfaces as if there were no worker. Warnings the child raised (no CJK font …)
are raised again in the parent, so they are said once, where the user sees them.

:class:`Worker` is the same started earlier: forked before the analysis, it imports what
the job needs (matplotlib, 0.3–0.4 s) on the second core while the parent analyses, then
takes the job. The charts themselves are split between the worker and a copy of it
(:func:`survey.render.report.made_aside`, which also writes the workbooks meanwhile).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from typing import Any


def _child(conn, fn: Callable[..., Any], args: tuple, other=None) -> None:
    if other is not None:  # the parent's end, inherited: held here, a write to a parent gone would never end
        other.close()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args)
        reply: tuple = ("ok", result, [(str(w.message), w.category) for w in caught])
    except BaseException:  # the parent runs fn itself and meets the error there
        reply = ("failed", None, [])
    try:
        conn.send(reply)
    except Exception:  # unpicklable, or the parent stopped listening: it computes fn itself if it still wants it
        with contextlib.suppress(OSError):
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
    if not can_fork():
        return lambda: fn(*args)
    try:
        recv, send = multiprocessing.get_context("fork").Pipe(duplex=False)
        proc = _start(_child, (send, fn, args, recv))
        send.close()
    except OSError:
        return lambda: fn(*args)

    def result() -> Any:
        try:
            return _reply(recv, fn, args)
        finally:
            proc.join()

    return result


def can_fork() -> bool:
    """Two CPUs or more, and a platform that forks (else everything runs in the calling process)."""
    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def _start(target: Callable[..., Any], args: tuple):
    """A started forked process running ``target(*args)``."""
    # daemon: a parent that fails before collecting does not wait for the child at exit
    proc = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
    with warnings.catch_warnings():  # "fork() in a multi-threaded process": the child only draws and writes
        warnings.simplefilter("ignore", DeprecationWarning)
        proc.start()
    return proc


def _reply(conn, fn: Callable[..., Any], args: tuple) -> Any:
    """The child's result read from ``conn`` (closed after), its warnings said here; ``fn(*args)`` if it failed."""
    try:
        status, value, said = conn.recv()
    except (EOFError, OSError):
        status, value, said = "failed", None, []
    finally:
        conn.close()
    if status != "ok":
        return fn(*args)
    for message, category in said:
        warnings.warn(message, category, stacklevel=3)
    return value


STOP_WAIT = 3.0  # seconds a stopped worker has to exit on SIGTERM before it is killed


def _stop(signum, frame) -> None:
    raise SystemExit(0)  # unwinds through multiprocessing, which then stops the daemonic children


def _unraisable(unraisable) -> None:
    """The stop raised inside a finaliser (a weakref callback of matplotlib's): Python can only print it
    ("Exception ignored in … SystemExit: 0" on the user's terminal, above the one-line error). Say
    nothing and stop again 10 ms later, from a timer: out of the finaliser, where it unwinds."""
    if isinstance(unraisable.exc_value, SystemExit):
        signal.signal(signal.SIGALRM, _stop)
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        return
    sys.__unraisablehook__(unraisable)


def _serve(conn, warm: Callable[[], Any], other) -> None:
    other.close()  # the parent's end, inherited (see _child)
    # the worker is daemonic (it never outlives the parent), and multiprocessing forbids a daemonic
    # process children of its own; its job may split itself with in_background, whose children it joins
    multiprocessing.current_process().daemon = False
    # Ctrl-C is the parent's to handle (one line, no traceback); leaving its `with` block stops this worker
    # (SIGTERM), and the worker then stops the copy it may have forked
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    sys.unraisablehook = _unraisable
    with contextlib.suppress(Exception):  # a failed warm-up only costs its time: the job meets the error itself
        warm()
    try:
        fn, args = conn.recv()
    except Exception:  # closed without a job (the parent failed or did not need it), or a job that does not
        conn.close()   # unpickle here: the parent computes it itself, as when the worker is gone
        return
    _child(conn, fn, args)


def _send(conn, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the worker is gone: the result's read says so, and the job runs here
        conn.send_bytes(data)


class Worker:
    """A process forked early that runs ``warm()`` (imports) and then waits for one job.

    Start it before slow work of the parent's own (the analysis): the imports it
    needs are done on the second core meanwhile. :meth:`submit` sends the job (its
    arguments pickled: the analysis, ~10 ms) and returns, like :func:`in_background`, a
    callable giving the result; where the worker cannot be used (no fork, one CPU, a
    pickling error, the worker gone) the job runs in the calling process instead.
    Use it as a context manager: leaving it ends the worker, used or not.
    """

    def __init__(self, warm: Callable[[], Any]):
        self._conn = self._proc = None
        self._collected = False
        if not can_fork():
            return
        try:
            self._conn, child = multiprocessing.get_context("fork").Pipe(duplex=True)
            self._proc = _start(_serve, (child, warm, self._conn))
            child.close()
        except OSError:
            self._conn = self._proc = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        """Give the worker ``fn(*args)``; return a function giving its result (computed here if need be)."""
        from multiprocessing.reduction import ForkingPickler

        conn, self._conn = self._conn, None  # one job per worker
        if conn is None:
            return lambda: fn(*args)
        try:
            data = ForkingPickler.dumps((fn, args))
        except Exception:  # not picklable
            conn.close()
            return lambda: fn(*args)
        # Sent from a thread: the job is larger than a pipe holds, and a worker still importing
        # would keep this process waiting on the write instead of going on with its own work.
        sender = threading.Thread(target=_send, args=(conn, data), daemon=True)
        sender.start()

        def result() -> Any:
            sender.join()
            value = _reply(conn, fn, args)
            self._collected = True  # only now: a parent interrupted while waiting stops the busy worker
            return value

        return result

    def close(self) -> None:
        """End the worker: one whose result was collected has exited; any other is stopped (unused or busy).

        Stopped by SIGTERM, and by SIGKILL if it is still there after :data:`STOP_WAIT` seconds: the
        kernel may hand SIGTERM to another of its threads (BLAS's), and a main thread blocked writing
        a result nobody reads then never gets to the handler (found by a Ctrl-C late in analyze).
        """
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if not self._collected:
                self._proc.terminate()
                self._proc.join(STOP_WAIT)
                if self._proc.is_alive():
                    self._proc.kill()
            self._proc.join()
            self._proc = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
