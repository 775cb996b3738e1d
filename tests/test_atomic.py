"""All-or-nothing reports (issue 13): a failure at any file leaves the previous report byte-identical;
two runs into one folder are serialised by a lock; every CSV cell that looks like a formula is defused."""

from __future__ import annotations

import csv
import io
import os
import threading

import pandas as pd
import pytest

from survey.errors import DataError
from survey.render import files
from survey.render.files import csv_bytes, folder_lock, write_files


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


REPORT_FILES = ["satisfaction.xlsx", "validity.xlsx", "audit.xlsx", "annex.xlsx", "annex.docx", "report.docx",
                "report.html", "manifest.json"]


@pytest.fixture(scope="module")
def report_files(report_2021):
    """The bytes of the 2021 report, as write_report writes them (the session's report, conftest.report_2021)."""
    return _snapshot(report_2021[1])


def _failing_at(monkeypatch, failing):
    real_write = files._write

    def failing_write(path, data, mode):
        if path.name == failing:
            raise PermissionError(13, "permission denied (is it open in Excel?)", str(path))
        real_write(path, data, mode)

    monkeypatch.setattr(files, "_write", failing_write)


@pytest.mark.parametrize("failing", REPORT_FILES)
def test_a_failure_at_any_report_file_keeps_the_old_report(report_files, tmp_path, monkeypatch, failing):
    assert set(REPORT_FILES) <= set(report_files)
    out = tmp_path / "r"
    write_files({out / name: data for name, data in report_files.items()})  # last year's report
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # a user's file in the folder survives too
    old = _snapshot(out)
    _failing_at(monkeypatch, failing)
    with pytest.raises(PermissionError):  # a new report, every file different
        write_files({out / name: data + b" " for name, data in report_files.items()})
    assert _snapshot(out) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary folder or lock left


@pytest.mark.parametrize("failing", ["satisfaction.xlsx", "manifest.json"])  # the first and the last written
def test_write_report_is_all_or_nothing(analysis_2021, report_files, tmp_path, monkeypatch, failing, without_charts):
    from survey.render.report import write_report

    out = tmp_path / "r"
    write_files({out / name: b"old " + name.encode() for name in report_files})
    old = _snapshot(out)
    _failing_at(monkeypatch, failing)
    with pytest.raises(PermissionError):
        write_report(analysis_2021, out)
    assert _snapshot(out) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_file_that_cannot_be_replaced_leaves_every_old_file(tmp_path, monkeypatch):
    """The issue's case: manifest.json not replaceable (open in Excel) — 6 of 7 files used to be replaced already."""
    out = tmp_path / "r"
    write_files({out / name: b"old " + name.encode() for name in REPORT_FILES})
    old = _snapshot(out)
    real_rename, real_replace = os.rename, os.replace

    def rename(src, dst):  # Windows refuses to move a folder while a file in it is open
        if os.path.samefile(src, out) and (out / "manifest.json").exists():
            raise PermissionError(13, "permission denied", str(out / "manifest.json"))
        real_rename(src, dst)

    def replace(src, dst):
        if str(dst).endswith("manifest.json"):
            raise PermissionError(13, "permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "rename", rename)
    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(PermissionError):
        write_files({out / name: b"new" for name in REPORT_FILES})
    assert _snapshot(out) == old


def test_the_swap_failing_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "r"
    write_files({out / "a.txt": b"old a", out / "b.txt": b"old b"})
    real_rename = os.rename

    def rename(src, dst):
        if str(src).startswith(str(tmp_path / ".r.new-")):
            raise OSError(28, "No space left on device", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(OSError):
        write_files({out / "a.txt": b"new a", out / "b.txt": b"new b"})
    assert _snapshot(out) == {"a.txt": b"old a", "b.txt": b"old b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize("failing", ["a.txt", "b.txt", "c.txt"])
def test_a_folder_that_cannot_be_swapped_gets_its_old_files_back(tmp_path, monkeypatch, failing):
    """A folder holding a sub-folder is written file by file; a failure renames the previous files back."""
    out = tmp_path / "r"
    (out / "sub").mkdir(parents=True)
    write_files({out / "a.txt": b"old a", out / "b.txt": b"old b"})
    old = _snapshot(out)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(failing):
            raise OSError(5, "I/O error", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError):
        write_files({out / "a.txt": b"new a", out / "b.txt": b"new b", out / "c.txt": b"new c"})
    assert _snapshot(out) == old
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "sub"]


def test_a_second_run_waits_then_fails_with_a_clear_message(tmp_path):
    out = tmp_path / "r"
    with folder_lock(out.resolve()), pytest.raises(DataError) as exc:
        write_files({out / "a.txt": b"x", out / "b.txt": b"y"}, lock_timeout=0.3)
    assert "another survey run" in str(exc.value) and ".r.lock" in str(exc.value)
    assert not out.exists()
    write_files({out / "a.txt": b"x", out / "b.txt": b"y"}, lock_timeout=0.3)  # released: the next run writes
    assert not (tmp_path / ".r.lock").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    (tmp_path / ".r.lock").write_text("999999999")
    write_files({tmp_path / "r" / "a.txt": b"x", tmp_path / "r" / "b.txt": b"y"}, lock_timeout=0.3)
    assert (tmp_path / "r" / "a.txt").read_bytes() == b"x"


def test_what_a_killed_run_left_is_recovered(tmp_path):
    """Killed between the two renames: the old report sits in .r.old-…; the next run puts it back first."""
    (tmp_path / ".r.old-abc").mkdir()
    (tmp_path / ".r.old-abc" / "keep.txt").write_bytes(b"old")
    (tmp_path / ".r.new-def").mkdir()
    (tmp_path / ".r.lock").write_text("999999999")
    write_files({tmp_path / "r" / "a.txt": b"x", tmp_path / "r" / "b.txt": b"y"})
    assert _snapshot(tmp_path / "r") == {"a.txt": b"x", "b.txt": b"y", "keep.txt": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_symlinked_report_folder_is_written_through(tmp_path):
    real = tmp_path / "real"
    write_files({real / "a.txt": b"old", real / "b.txt": b"old"})
    (tmp_path / "link").symlink_to(real)
    write_files({tmp_path / "link" / "a.txt": b"new", tmp_path / "link" / "b.txt": b"new"})
    assert (tmp_path / "link").is_symlink() and _snapshot(real) == {"a.txt": b"new", "b.txt": b"new"}


def test_concurrent_runs_do_not_interleave(tmp_path):
    out = tmp_path / "r"
    names = [f"f{i}.txt" for i in range(8)]
    errors = []

    def run(tag: bytes):
        try:
            for _ in range(5):
                write_files({out / n: tag for n in names}, lock_timeout=30)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in (b"A", b"B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    contents = {(out / n).read_bytes() for n in names}
    assert len(contents) == 1  # one run's report, never a mix


# ---- formula-looking text --------------------------------------------------------------------------------------

FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")"]


def test_csv_bytes_defuses_every_formula_and_keeps_numbers():
    table = pd.DataFrame({"text": FORMULAS, "n": range(len(FORMULAS)), "neg": [-1.5] * len(FORMULAS)})
    data = csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["text", "n", "neg"]
    for row, text in zip(rows[1:], FORMULAS):
        assert row[0] == "'" + text
        assert row[2] == "-1.5"  # a number is not text: unchanged
    for row in rows[1:]:
        assert not row[0].startswith(files.FORMULA_START)
