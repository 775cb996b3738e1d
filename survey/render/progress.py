"""Progress on the console for long steps (reading, cleaning, weighting, writing).

A :class:`Progress` is a plain callable ``progress(step)``: each call ends the
step before and starts a new one. The library takes it as an optional callback
(:func:`survey.pipeline.analyze`'s ``progress=``) and never imports this module.
A step shows up only once it has taken more than ``delay`` seconds (one by
default): a line on stderr with a spinner and the elapsed time, redrawn in place,
then ``✓ step  12.3 s`` when the next step starts. Nothing at all is written when
stderr is not a terminal (pipes, files, CI logs, tests), unless forced with
``enabled=True``.

>>> import io
>>> out = io.StringIO()
>>> with Progress(out, enabled=True, delay=0, interval=60) as progress:
...     progress("reading")
>>> "✓ reading" in out.getvalue()
True
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_CLEAR = "\x1b[K"  # erase to the end of the line


class Progress:
    """Step-by-step progress on a terminal; quiet when ``stream`` is not one."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, delay: float = 1.0,
                 interval: float = 0.2):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self.delay, self.interval = delay, interval
        self._step: str | None = None
        self._start = 0.0
        self._shown = False
        self._tick = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, step: str) -> None:
        """End the current step and start ``step``."""
        if not self.enabled:
            return
        with self._lock:
            self._finish()
            self._step, self._start, self._shown = step, time.perf_counter(), False
            self._draw()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="survey-progress", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """End the current step (its final line stays) and stop redrawing."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._finish()
            self._step = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                self._draw()

    def _draw(self) -> None:
        if self._step is None:
            return
        elapsed = time.perf_counter() - self._start
        if elapsed < self.delay:
            return
        self._tick += 1
        self.stream.write(f"\r{_SPINNER[self._tick % len(_SPINNER)]} {self._step}  {elapsed:.1f} s{_CLEAR}")
        self.stream.flush()
        self._shown = True

    def _finish(self) -> None:
        if self._step is None:
            return
        elapsed = time.perf_counter() - self._start
        if self._shown or elapsed >= self.delay:
            self.stream.write(f"\r✓ {self._step}  {elapsed:.1f} s{_CLEAR}\n")
            self.stream.flush()
