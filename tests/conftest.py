"""Shared fixtures: the repository's folders and small helpers to write inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QDIR = ROOT / "questionnaires"
RAW_2021 = ROOT / "raw" / "2021.xlsx"


@pytest.fixture
def write_xlsx(tmp_path):
    """Write ``{sheet: [header, *rows]}`` to an xlsx file in tmp_path; return its path."""

    def _write(sheets: dict[str, list[list]], name: str = "book.xlsx") -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for sheet, rows in sheets.items():
            ws = wb.create_sheet(sheet)
            for row in rows:
                ws.append(row)
        path = tmp_path / name
        wb.save(path)
        return path

    return _write
