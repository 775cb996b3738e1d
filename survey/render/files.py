"""Writing files all or nothing: the only place that puts bytes on disk.

Every output is built in memory as bytes and handed to :func:`write_files`, which
writes each to a temporary file beside its target and renames them only when all
are written, so a failed run never leaves a half-written report.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from survey.errors import DataError


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file and a rename."""
    write_files({path: data})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(files: dict[Path, bytes]) -> list[Path]:
    """Write several files all or nothing (as far as a file system allows).

    Every file is first written to a temporary file beside its target; only when
    all are written are they renamed into place, so a failure while writing leaves
    the previous report set untouched.
    """
    temps: dict[Path, str] = {}
    mode = 0o666 & ~_umask()
    try:
        for path, data in files.items():
            if path.parent.exists() and not path.parent.is_dir():
                raise DataError("the output folder is a file", file=path.parent, hint="choose another --out folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                raise DataError("a folder is in the way of the report file", file=path, hint="move the folder away")
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = tmp
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)  # mkstemp makes 0600; a report is for colleagues too
        for path, tmp in temps.items():
            try:
                os.replace(tmp, path)
            except PermissionError:
                raise PermissionError(13, "permission denied (is it open in Excel?)", str(path)) from None
    finally:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)
    return list(files)
