"""Work drawn on the second core: survey.render.background (in_background, Worker) and the split charts."""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from pathlib import Path

import pytest

from survey.render.background import Worker, in_background

from .conftest import forks

WARMED: list[str] = []


def _warm() -> None:
    WARMED.append("warm")


def _where(x: int) -> tuple[int, int, tuple[str, ...]]:
    return os.getpid(), x * 2, tuple(WARMED)


def _fails(x: int) -> int:
    raise ValueError(f"bad {x}")


def _warns(x: int) -> int:
    warnings.warn(f"careful {x}", UserWarning, stacklevel=1)
    return x




@forks
def test_in_background_runs_in_another_process_and_returns_the_result():
    pid, value, _ = in_background(_where, 21)()
    assert value == 42 and pid != os.getpid()


def test_in_background_errors_and_warnings_reach_the_caller_as_if_inline():
    with pytest.raises(ValueError, match="bad 3"):
        in_background(_fails, 3)()
    with pytest.warns(UserWarning, match="careful 5"):
        assert in_background(_warns, 5)() == 5


@forks
def test_worker_warms_up_before_the_job_in_its_own_process():
    WARMED.clear()
    with Worker(_warm) as w:
        pid, value, warmed = w.submit(_where, 4)()
    assert (value, warmed) == (8, ("warm",)) and pid != os.getpid()
    assert WARMED == []  # warm ran in the worker, not here


def _nested(x: int) -> tuple[int, int]:
    return os.getpid(), in_background(_where, x)()[0]


@forks
def test_a_worker_job_may_split_itself_with_in_background():
    # write_report's charts: the worker draws half and a copy of it the other half
    with Worker(_warm) as w:
        outer, inner = w.submit(_nested, 1)()
    assert len({os.getpid(), outer, inner}) == 3


def test_worker_runs_the_job_here_when_it_cannot_send_it():
    with Worker(_warm) as w:
        pid, value, _ = w.submit(_where_lambda, (lambda: 3,))()
    assert value == 3 and pid == os.getpid()  # a lambda does not pickle: computed in this process


def _where_lambda(box):
    return os.getpid(), box[0](), ()


def test_worker_errors_and_warnings_reach_the_caller_and_a_second_job_runs_here():
    with Worker(_warm) as w:
        with pytest.raises(ValueError, match="bad 7"):
            w.submit(_fails, 7)()
        pid, value, _ = w.submit(_where, 2)()  # one job per worker: the next one is computed here
    assert value == 4 and pid == os.getpid()
    with Worker(_warm) as w, pytest.warns(UserWarning, match="careful 9"):
        assert w.submit(_warns, 9)() == 9


@forks
def test_a_worker_left_unused_or_uncollected_is_stopped():
    w = Worker(_warm)
    proc = w._proc
    w.close()
    assert proc is not None and not proc.is_alive() and w._proc is None
    w = Worker(_warm)
    proc = w._proc
    w.submit(time.sleep, 60)  # busy, never collected
    t = time.perf_counter()
    w.close()
    assert not proc.is_alive() and time.perf_counter() - t < 10


def test_charts_drawn_side_by_side_are_the_charts_drawn_in_one_process(analysis_2021):
    from survey.render.charts import chart_specs, draw_taken, report_charts
    from survey.render.report import made_aside, table_files
    from survey.render.survey_body import suppress_threshold

    one = report_charts(analysis_2021)
    two, files = made_aside(analysis_2021)
    assert files == table_files(analysis_2021, suppress_threshold(analysis_2021, None))
    assert list(two) == list(one)
    for key in one:
        assert (two[key].caption, two[key].svg, two[key].png) == (one[key].caption, one[key].svg, one[key].png), key
    specs = chart_specs(analysis_2021)
    taken = multiprocessing.Value("i", 0)
    shares = [set(draw_taken(specs, taken)) for _ in range(2)]  # the first takes all, the second finds none left
    assert shares == [set(one), set()]


@forks
def test_two_processes_taking_charts_draw_each_chart_once(analysis_2021):
    from survey.render.background import in_background
    from survey.render.charts import chart_specs, draw_taken

    specs = chart_specs(analysis_2021)
    taken = multiprocessing.Value("i", 0)
    other = in_background(draw_taken, specs, taken)
    mine = draw_taken(specs, taken)
    theirs = other()
    assert set(mine) | set(theirs) == {s.key for s in specs} and not set(mine) & set(theirs)  # each chart once


def test_a_worker_forked_before_the_document_date_was_set_dates_the_annex_as_the_caller(analysis_2021, tmp_path):
    # survey analyze forks its worker before it knows the evaluation's year (document_time)
    import zipfile

    from survey.render.office import document_time
    from survey.render.report import write_report
    from survey.render.worker import report_worker

    with report_worker() as w, document_time((2023, 1, 1)):
        write_report(analysis_2021, tmp_path, worker=w)
    for name in ("annex.xlsx", "annex.docx", "report.docx", "satisfaction.xlsx"):
        core = zipfile.ZipFile(tmp_path / name).read("docProps/core.xml").decode()
        assert "2023-01-01T00:00:00" in core and "2021-01-01" not in core, name


def _slow_warm() -> None:
    time.sleep(3)


@forks
def test_submitting_a_large_job_to_a_worker_still_warming_up_does_not_wait_for_it():
    # the analysis (~270 kB pickled) is more than a pipe holds: the write must not hold this process
    # until the worker has finished its imports
    import numpy as np

    w = Worker(_slow_warm)
    t = time.perf_counter()
    w.submit(_where_lambda, np.ones(2_000_000))  # 16 MB
    took = time.perf_counter() - t
    w.close()  # not collected: stopped
    assert took < 1.5


def test_where_no_process_can_be_forked_the_report_is_the_same(analysis_2021, report_2021, tmp_path, monkeypatch):
    # one CPU, or a platform without fork: the worker and write_report's copies run inline, same bytes
    from survey.render.report import write_report
    from survey.render.worker import report_worker

    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    with report_worker() as w:
        assert w._proc is None
        written = write_report(analysis_2021, tmp_path, worker=w)
    import json

    shared = report_2021[1]
    for path in written:
        if path.name != "manifest.json":  # its paths from the report folder differ
            assert path.read_bytes() == (shared / path.name).read_bytes(), path.name
    outputs = [json.loads((d / "manifest.json").read_text(encoding="utf-8"))["outputs"] for d in (tmp_path, shared)]
    assert outputs[0] == outputs[1] and len(outputs[0]) == len(written) - 1


def _big_later(path: str) -> bytes:
    Path(path).write_text(str(os.getpid()))
    time.sleep(1.0)
    return b"x" * 1_000_000  # more than a pipe holds: the write blocks until someone reads


def _splits_big(path: str) -> bytes:
    return in_background(_big_later, path)()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@forks
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc (Linux)")
def test_a_worker_stopped_mid_job_leaves_no_process_behind(tmp_path):
    # Ctrl-C late in `survey analyze`: the worker is stopped while its copy still draws; the copy's
    # write of a large result must not block for ever on a pipe nobody reads (it held the read end)
    pid_file = tmp_path / "pid"
    w = Worker(_warm)
    w.submit(_splits_big, str(pid_file))
    deadline = time.time() + 20
    while not pid_file.exists() and time.time() < deadline:
        time.sleep(0.05)
    w.close()
    grandchild = int(pid_file.read_text())
    while _running(grandchild) and time.time() < deadline:
        time.sleep(0.1)
    assert not _running(grandchild)


def _big_with_term_elsewhere(n: int) -> bytes:
    # in the worker: SIGTERM can only go to another thread (as the kernel may choose BLAS's), and the
    # result is larger than a pipe holds, so the main thread blocks writing it to a parent not reading
    import signal
    import threading

    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    return b"x" * n


@forks
def test_a_worker_whose_sigterm_went_to_another_thread_is_still_stopped():
    """Found by a Ctrl-C late in `survey analyze`: the parent waited for ever on a worker blocked writing."""
    import threading

    w = Worker(_warm)
    pending = w.submit(_big_with_term_elsewhere, 20_000_000)  # held, not collected: the parent was interrupted
    time.sleep(1.0)  # the worker is writing its result by now
    proc = w._proc
    closer = threading.Thread(target=w.close, daemon=True)
    start = time.time()
    closer.start()
    closer.join(60)
    assert not closer.is_alive(), "close() waited for ever"
    assert time.time() - start < 30 and proc is not None and not proc.is_alive()
    del pending
