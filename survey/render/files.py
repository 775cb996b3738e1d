"""Writing files all or nothing: the only place that puts bytes on disk.

Every output is built in memory as bytes and handed to :func:`write_files`:

- several files for one folder (a report) are written into a new temporary folder
  beside it (``.<name>.new-…``), together with links to the files of the old folder
  that this run does not replace; only when all are written is the old folder moved
  aside and the new one renamed into its place. Until that rename the previous report
  is untouched, byte for byte; if the rename fails, the old folder is put back.
- a single file is written to a temporary file beside its target and renamed over it.
- a folder that cannot be swapped (it holds sub-folders, or is the working folder)
  gets each file by rename, and a failure renames the previous files back.
- the rename that puts a folder's (or a file's) new content in place and its record in
  :func:`written_paths` are one step for a Ctrl-C: an interrupt arriving during it is raised
  once both are done, so the command can say whether its report was written whole.
- a lock file beside the folder (``.<name>.lock``) serialises runs writing into one
  folder: a second run waits up to ``lock_timeout`` seconds, then fails with a message
  naming the lock; a lock left by a process that no longer runs is taken over, and what
  such a run left beside the folder is cleared (a report it had moved aside is put back).

:func:`csv_bytes` is the one CSV writer: UTF-8 with a BOM (Excel reads it), CRLF line
ends (RFC 4180, so a CR or LF inside a cell is quoted), and formula-looking text
neutralised (see :func:`csv_safe`).
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

from survey.errors import DataError
from survey.inputs.guard import is_input

LOCK_TIMEOUT = 10.0  # seconds a run waits for another run writing the same folder
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells starting so are formulas in spreadsheets


def csv_safe(value):
    """Text that a spreadsheet would take for a formula, prefixed with ``'`` (the OWASP rule).

    >>> csv_safe("=1+2"), csv_safe("-5 分"), csv_safe(-5), csv_safe("好")
    ("'=1+2", "'-5 分", -5, '好')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame, *, index: bool = False) -> bytes:
    """A table as CSV bytes (UTF-8 with BOM) with every formula-looking text cell prefixed by ``'``.

    Float columns holding only whole numbers (item codes with missing answers) are
    written as integers (``1``, not ``1.0``).

    >>> csv_bytes(pd.DataFrame({"a": [1, -2], "t": ["=SUM(A1)", "ok"], "c": [1.0, None]})).decode("utf-8-sig").splitlines()
    ['a,t,c', "1,'=SUM(A1),1", '-2,ok,']
    """
    from survey.render.bigxlsx import is_whole

    safe = table.copy()
    for col in safe.columns:
        if safe[col].dtype.kind == "f" and is_whole(safe[col].to_numpy(dtype=float)):
            safe[col] = safe[col].astype("Int64")
        elif safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col].dtype):
            safe[col] = safe[col].astype(object).map(csv_safe)
    safe.columns = [csv_safe(c) if isinstance(c, str) else c for c in safe.columns]
    if index and (safe.index.dtype == object or pd.api.types.is_string_dtype(safe.index.dtype)):
        safe.index = safe.index.map(csv_safe)
    buf = io.StringIO()
    safe.to_csv(buf, index=index, lineterminator="\r\n")  # RFC 4180; a CR inside a cell is then quoted
    return buf.getvalue().encode("utf-8-sig")


def atomic_write(path: Path, data: bytes, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Write bytes to ``path`` through a temporary file and a rename."""
    write_files({path: data}, lock_timeout=lock_timeout)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode(path: Path) -> int | None:
    """``path``'s mode (following links), or None when nothing is there."""
    try:
        return os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def _check_folder(folder: Path, names) -> None:
    """Refuse, before anything is written: a file where the folder (or one above it) should be, a
    read-only folder (its owner's write bit cleared: a report someone froze, which a swap would
    otherwise replace even so), a folder, a device or a pipe where a file should be (renaming over
    /dev/null would replace the device), and an input of this run (inside ``protecting_inputs``)."""
    # one stat per path: another run may swap the folder (rename it aside, rename the new one in)
    # between two looks, and a folder that vanished for that moment is not a file in the way
    for above in (folder, *folder.parents):
        mode = _mode(above)
        if mode is not None:
            if not stat.S_ISDIR(mode):
                what = "the output folder is a file" if above == folder else f"{above} is a file, not a folder"
                raise DataError(what, file=str(folder), hint="choose another --out folder")
            break
    mode = _mode(folder)
    if mode is not None and stat.S_ISDIR(mode) and not mode & stat.S_IWUSR:
        raise DataError("the output folder is read-only", file=str(folder),
                        hint="make it writable (chmod u+w, or clear Read-only in its properties), "
                             "or choose another --out folder")
    for name in names:
        target = folder / name
        mode = _mode(target)
        if mode is not None and stat.S_ISDIR(mode):
            raise DataError("a folder is in the way of the report file", file=str(target),
                            hint="move the folder away, or choose another --out folder")
        if mode is not None and not stat.S_ISREG(mode):
            raise DataError("the output path is a device, pipe or socket, not a file", file=str(target),
                            hint="name a file to write (for no output at all, write to a temporary folder)")
        if is_input(target):
            raise DataError("the output would replace an input of this run", file=str(target),
                            hint="choose another --out: inputs are never overwritten")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float = LOCK_TIMEOUT):
    """Hold ``.<folder name>.lock`` beside ``folder`` while writing into it."""
    lock = folder.parent / f".{folder.name}.lock"
    if not os.access(folder.parent, os.W_OK) and folder.is_dir():  # e.g. -o . in a folder whose parent is not ours
        lock = folder / ".survey.lock"
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and not _alive(pid):  # left behind by a run that was killed
                lock.unlink(missing_ok=True)
                continue
            if time.monotonic() >= deadline:
                raise DataError(f"another survey run (process {pid or '?'}) is writing this folder", file=str(folder),
                                got=f"lock file {lock}",
                                hint="wait for that run to finish and try again (delete the lock file only if "
                                     "no survey run is active)") from None
            time.sleep(0.1)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        yield lock
    finally:
        lock.unlink(missing_ok=True)


def _write(path: Path, data: bytes, mode: int) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
    os.chmod(path, mode)


_WRITTEN: list[Path] = []  # what this process wrote whole, in order (an interrupt's message says it)


def written_paths() -> tuple[Path, ...]:
    """Every folder (several files) or file :func:`write_files` put in place whole in this process, in order."""
    return tuple(_WRITTEN)


@contextlib.contextmanager
def _committing(path: Path):
    """The block (the renames that put new content in place) and its record are one step for a Ctrl-C.

    A SIGINT arriving inside is noted and raised (by the handler that was in place) once the
    block is done and, if it succeeded, ``path`` is recorded in :func:`written_paths`.
    """
    noted: list[int] = []
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGINT)
        if previous is not None:
            signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        yield
        _WRITTEN.append(path)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
            if noted and callable(previous):
                previous(signal.SIGINT, None)  # the default handler raises KeyboardInterrupt


def _swappable(folder: Path) -> bool:
    """A folder that can be replaced as a whole: absent, or holding only files, and not the working folder."""
    if folder.is_symlink():  # swapping would replace the link, not the folder it points to
        return False
    if not folder.exists():
        return True
    if folder == folder.parent or Path.cwd().is_relative_to(folder) or not os.access(folder.parent, os.W_OK):
        return False
    return all(not e.is_dir(follow_symlinks=False) for e in os.scandir(folder))


def _swap_folder(folder: Path, named: dict[str, bytes], mode: int) -> None:
    """Build the new folder beside the old one, then swap them (see the module's docstring)."""
    new = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        for name, data in named.items():
            _write(new / name, data, mode)
        if not folder.exists():
            os.chmod(new, 0o777 & ~_umask())
            with _committing(folder):
                os.rename(new, folder)
            return
        for entry in os.scandir(folder):  # files of the old folder this run does not write: kept
            if entry.name not in named:
                try:
                    os.link(entry.path, new / entry.name, follow_symlinks=False)
                except OSError:
                    shutil.copy2(entry.path, new / entry.name, follow_symlinks=False)
        os.chmod(new, stat.S_IMODE(os.stat(folder).st_mode))
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
        os.rmdir(old)  # a free name beside the folder
        with _committing(folder):
            os.rename(folder, old)  # fails while a file in it is open on Windows: nothing has changed
            try:
                os.rename(new, folder)
            except BaseException:
                os.rename(old, folder)
                raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if new.exists():
            shutil.rmtree(new, ignore_errors=True)


def _replace_files(folder: Path, named: dict[str, bytes], mode: int) -> None:
    """Each file by rename; on a failure the files already replaced get their previous content back."""
    temps: dict[str, str] = {}
    backups: list[str] = []
    try:
        for name, data in named.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            temps[name] = tmp
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)  # mkstemp makes 0600; a report is for colleagues too
        replaced: list[tuple[Path, str | None]] = []
        with _committing(folder if len(named) > 1 else folder / next(iter(named))), _restoring(replaced):
            for name, tmp in temps.items():
                target = folder / name
                backup = None
                if target.exists():
                    fd, backup = tempfile.mkstemp(prefix=f".{name}.", suffix=".old", dir=folder)
                    os.close(fd)
                    backups.append(backup)
                    shutil.copy2(target, backup)
                try:
                    os.replace(tmp, target)
                except PermissionError:
                    raise PermissionError(13, "permission denied (is it open in Excel?)", str(target)) from None
                replaced.append((target, backup))
    finally:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
        for backup in backups:
            Path(backup).unlink(missing_ok=True)


@contextlib.contextmanager
def _restoring(replaced: list[tuple[Path, str | None]]):
    """On a failure inside, the files already replaced (target, backup) get their previous content back."""
    try:
        yield
    except BaseException:
        for target, backup in reversed(replaced):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        raise


def _recover(folder: Path) -> None:
    """Under the lock: clear what a killed run left beside the folder, and put back a report it had moved aside."""
    olds = sorted(folder.parent.glob(f".{glob.escape(folder.name)}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not folder.exists():  # killed between moving the old report aside and renaming the new one in
        os.rename(olds.pop(), folder)
    for leftover in [*olds, *folder.parent.glob(f".{glob.escape(folder.name)}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def write_files(files: dict[Path, bytes], *, lock_timeout: float = LOCK_TIMEOUT) -> list[Path]:
    """Write several files all or nothing; return their paths (as given).

    Files are grouped by folder; each folder is written under its lock, by swapping in
    a complete new folder when it holds several of the files (see the module's docstring).
    """
    by_folder: dict[Path, dict[str, bytes]] = {}
    for path, data in files.items():
        by_folder.setdefault(Path(path).parent, {})[Path(path).name] = data
    mode = 0o666 & ~_umask()
    by_folder = {Path(os.path.abspath(folder)): named for folder, named in by_folder.items()}
    for folder, named in by_folder.items():  # every refusal before the first write
        _check_folder(folder, named)
    for folder, named in by_folder.items():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(folder, lock_timeout):
            _recover(folder)
            if len(named) > 1 and _swappable(folder):
                _swap_folder(folder, named, mode)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                _replace_files(folder, named, mode)
    return list(files)
