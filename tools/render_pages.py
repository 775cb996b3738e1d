"""Page images of a report folder's report.docx, annex.docx and report.html, for a reviewer without Office.

    python tools/render_pages.py [REPORT_FOLDER] [--out DIR] [--dpi 100]

Converts the Word files to PDF with LibreOffice (``soffice --headless``) and report.html
with headless Chromium (``--print-to-pdf``, the page's A4 print CSS), then writes one PNG
per page with poppler's ``pdftoppm``: ``DIR/report.docx-01.png`` … (default DIR:
REPORT_FOLDER/pages). Needs ``apt-get install libreoffice-writer-nogui chromium
poppler-utils fonts-noto-cjk``; a missing tool is named and its files are skipped.
The PDFs are kept beside the images (``DIR/*.pdf``) for the render tests and for reading.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find(*names: str) -> str | None:
    return next((shutil.which(n) for n in names if shutil.which(n)), None)


def docx_to_pdf(docx: Path, out_dir: Path) -> Path:
    return docxs_to_pdf([docx], out_dir)[0]


def docxs_to_pdf(docxs: list[Path], out_dir: Path) -> list[Path]:
    """Word files to ``out_dir/NAME.docx.pdf``, all by one LibreOffice start (its start-up is most of the time)."""
    soffice = find("soffice", "libreoffice")
    if soffice is None:
        raise FileNotFoundError("soffice (LibreOffice) not found: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as profile:  # a private profile: runs in parallel, never prompts
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out_dir), *map(str, docxs)], check=True, capture_output=True, timeout=240)
    targets = []
    for docx in docxs:
        target = out_dir / (docx.name + ".pdf")
        (out_dir / (docx.stem + ".pdf")).replace(target)
        targets.append(target)
    return targets


def html_to_pdf(html: Path, out_dir: Path) -> Path:
    chrome = find(*CHROMIUM)
    if chrome is None:
        raise FileNotFoundError("chromium not found: apt-get install chromium")
    target = out_dir / (html.name + ".pdf")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={target}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=240)
    return target


def pdf_to_png(pdf: Path, out_dir: Path, dpi: int) -> list[Path]:
    if find("pdftoppm") is None:
        raise FileNotFoundError("pdftoppm not found: apt-get install poppler-utils")
    prefix = out_dir / pdf.name.removesuffix(".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=240)
    return sorted(out_dir.glob(prefix.name + "-*.png"))


def render(folder: Path, out: Path, dpi: int = 100) -> dict[str, list[Path]]:
    """Page images of every renderable file of ``folder``: {file name: [png, …]}."""
    out.mkdir(parents=True, exist_ok=True)
    done: dict[str, list[Path]] = {}
    for name, convert in (("report.docx", docx_to_pdf), ("annex.docx", docx_to_pdf), ("report.html", html_to_pdf)):
        src = folder / name
        if not src.is_file():
            continue
        for old in out.glob(name + "-*.png"):
            old.unlink()
        try:
            pdf = convert(src, out)
            done[name] = pdf_to_png(pdf, out, dpi)
        except FileNotFoundError as exc:
            print(f"{name}: skipped — {exc}", file=sys.stderr)
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default="reports/2021", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args(argv)
    done = render(args.folder, args.out or args.folder / "pages", args.dpi)
    for name, pages in done.items():
        print(f"{name}: {len(pages)} page(s) → {pages[0].parent if pages else '-'}")
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
