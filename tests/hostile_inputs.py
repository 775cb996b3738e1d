"""Damaged, hostile and careless input files, built by code (no binary fixtures).

Used by tests/test_hostile.py and benchmarks/bench_hostile.py. Each builder writes
one file and returns its path.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/xl/workbook.xml" '
                 b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 b'<Override PartName="/xl/worksheets/sheet1.xml" '
                 b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                 b'</Types>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             b'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
SHEET_REL = (b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             b'worksheet" Target="%s"%s/>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
ROWS = (b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t>'
        b'</is></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row></sheetData>')


def _workbook_rels(target: bytes = b"worksheets/sheet1.xml", external: bool = False) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + SHEET_REL % (target, b' TargetMode="External"' if external else b"") + b"</Relationships>")


def xlsx_parts(sheet: bytes | None = None, **extra: bytes) -> dict[str, bytes]:
    """The parts of a minimal one-sheet workbook (Sheet1: a, b / 1, 2)."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
             "xl/_rels/workbook.xml.rels": _workbook_rels(),
             "xl/worksheets/sheet1.xml": sheet if sheet is not None else SHEET_HEAD + ROWS + b"</worksheet>"}
    parts.update(extra)
    return parts


def zip_bytes(parts: dict[str, bytes], raw: dict[str, tuple[bytes, int, int]] | None = None) -> bytes:
    """A zip of ``parts`` (deflated) and ``raw`` entries given as (deflate stream, crc32, declared size)."""
    entries = []
    for name, data in parts.items():
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        entries.append((name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    entries += [(name, *v) for name, v in (raw or {}).items()]
    out, central = bytearray(), bytearray()
    for name, comp, crc, size in entries:
        n = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(comp), size, len(n),
                               0, 0, 0, 0, 0, len(out)) + n
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(comp), size, len(n), 0) + n + comp
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def _piece(data: bytes, final: bool = False) -> bytes:
    """``data`` deflated on its own, ending byte-aligned (pieces concatenate into one stream)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + (c.flush() if final else c.flush(zlib.Z_FULL_FLUSH))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---- the builders -------------------------------------------------------------------------------------------

def good_xlsx(folder: Path) -> Path:
    return write(folder / "good.xlsx", zip_bytes(xlsx_parts()))


def bomb_xlsx(folder: Path, gb: float = 1.5, declared: int | None = None) -> Path:
    """A sheet of identical rows expanding to ``gb`` GB (the issue's 1.6 GB SIGABRT); ``declared`` forges its size.

    The rows are deflated once and the piece repeated, so building it takes a second, not a minute.
    """
    block = b'<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>' * 16384
    times = max(1, int(gb * (1 << 30) / len(block)))
    head, tail = SHEET_HEAD + b"<sheetData>", b"</sheetData></worksheet>"
    stream = _piece(head) + _piece(block) * times + _piece(tail, final=True)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    total = len(head) + len(block) * times + len(tail)
    parts = xlsx_parts()
    del parts["xl/worksheets/sheet1.xml"]
    return write(folder / "bomb.xlsx",
                 zip_bytes(parts, {"xl/worksheets/sheet1.xml": (stream, crc, declared if declared else total)}))


def stray_cell_xlsx(folder: Path, row: int = 1_048_576, column: str = "Z", styled_only: bool = False) -> Path:
    """The table, and one value far below it (a careless keystroke): a 27-million-cell grid if read densely."""
    cell = (b'<c r="%s%d" s="0"/>' if styled_only else b'<c r="%s%d" t="inlineStr"><is><t>x</t></is></c>') % (
        column.encode(), row)
    sheet = (SHEET_HEAD + b'<dimension ref="A1:%s%d"/>' % (column.encode(), row) + ROWS[:-len(b"</sheetData>")]
             + b'<row r="%d">' % row + cell + b"</row></sheetData></worksheet>")
    return write(folder / ("styled.xlsx" if styled_only else "stray.xlsx"), zip_bytes(xlsx_parts(sheet)))


def truncated_xlsx(folder: Path) -> Path:
    data = zip_bytes(xlsx_parts())
    return write(folder / "truncated.xlsx", data[: len(data) // 2])


def ole2(folder: Path, name: str, stream: str) -> Path:
    """An OLE2 compound file header with one directory entry named ``stream``."""
    head = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    entry = stream.encode("utf-16-le").ljust(64, b"\0") + struct.pack("<H", 2 * (len(stream) + 1))
    return write(folder / name, head + entry.ljust(128, b"\0") + bytes(1024))


def encrypted_xlsx(folder: Path) -> Path:
    return ole2(folder, "encrypted.xlsx", "EncryptionInfo")


def xls_as_xlsx(folder: Path) -> Path:
    return ole2(folder, "old.xlsx", "Workbook")


def xls_file(folder: Path) -> Path:
    return ole2(folder, "old.xls", "Workbook")


def csv_as_xlsx(folder: Path) -> Path:
    return write(folder / "export.xlsx", "序号,姓名,满意度\n1,张三,满意\n".encode("utf-8-sig"))


def external_link_xlsx(folder: Path) -> Path:
    parts = xlsx_parts(**{"xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxml'
                                                                  b'formats.org/spreadsheetml/2006/main"/>'})
    return write(folder / "linked.xlsx", zip_bytes(parts))


def external_sheet_xlsx(folder: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/_rels/workbook.xml.rels"] = _workbook_rels(b"file:///etc/passwd", external=True)
    return write(folder / "external-sheet.xlsx", zip_bytes(parts))


def entity_bomb_xlsx(folder: Path) -> Path:
    dtd = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
    sheet = (SHEET_HEAD.replace(b"<worksheet", dtd + b"<worksheet")
             + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    return write(folder / "lolz.xlsx", zip_bytes(xlsx_parts(sheet)))


def xxe_xlsx(folder: Path) -> Path:
    dtd = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    sheet = (SHEET_HEAD.replace(b"<worksheet", dtd + b"<worksheet")
             + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c><c r="B1" t="inlineStr">'
               b'<is><t>b</t></is></c></row></sheetData></worksheet>')
    return write(folder / "xxe.xlsx", zip_bytes(xlsx_parts(sheet)))


def fifo(folder: Path, name: str = "pipe.xlsx") -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


DAMAGED = {
    "truncated zip": truncated_xlsx,
    "encrypted xlsx": encrypted_xlsx,
    "OLE2 .xls named .xlsx": xls_as_xlsx,
    "OLE2 .xls": xls_file,
    "CSV renamed .xlsx": csv_as_xlsx,
    "external links": external_link_xlsx,
    "sheet outside the workbook": external_sheet_xlsx,
    "XML entity bomb": entity_bomb_xlsx,
    "XXE": xxe_xlsx,
    "1.5 GB-expanding sheet": bomb_xlsx,
    "stray cell at row 1048576": stray_cell_xlsx,
    "FIFO": fifo,
}
