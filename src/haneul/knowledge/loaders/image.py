"""Images (PNG, JPEG): their text read with OCR, Korean and English, by Tesseract (Debian's
`tesseract-ocr` and `tesseract-ocr-kor`; the README's setup installs them). The text is then
indexed and cited like any document's. Without Tesseract an image is refused with a reason
that says what to install."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from haneul.knowledge.loaders import LoadedDocument, Section, UnreadableDocumentError, sections

LANGUAGES = "kor+eng"
TIMEOUT_S = 120
# Page segmentation: 3 (automatic, for scanned pages) and 6 (one uniform block: a screenshot
# or a photo of a few lines, which 3 often reads as an empty page or as fragments). Both are
# read and the one Tesseract is more confident of is kept.
MODES = ("3", "6")
INSTALL = "images are read with OCR: install tesseract-ocr and tesseract-ocr-kor on the server"


def _confidence(tsv: str) -> float:
    """The mean word confidence in Tesseract's TSV output (0 when it read no word)."""
    scores = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) >= 12 and cols[0] == "5" and cols[11].strip():
            scores.append(float(cols[10]))
    return sum(scores) / len(scores) if scores else 0.0


def _tesseract(image: Path, mode: str) -> tuple[str, float]:
    """The text Tesseract reads in `mode`, and how confident it is."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise UnreadableDocumentError(f"no OCR engine: {INSTALL}")
    out = image.with_name(f"out{mode}")
    try:
        done = subprocess.run(
            [binary, str(image), str(out), "-l", LANGUAGES, "--psm", mode, "txt", "tsv"],
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnreadableDocumentError(f"OCR took longer than {TIMEOUT_S} s") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if any("kor" in line and "load" in line.lower() for line in why):
            raise UnreadableDocumentError(f"no Korean OCR data: {INSTALL}")
        raise UnreadableDocumentError("not a readable image: " + (why[-1] if why else "OCR failed"))
    text = out.with_suffix(".txt").read_text("utf-8", "replace")
    return text, _confidence(out.with_suffix(".tsv").read_text("utf-8", "replace"))


def ocr_text(data: bytes) -> str:
    """The text of an image (PNG, JPEG, TIFF...): the more confident reading of `MODES`."""
    with tempfile.TemporaryDirectory(prefix="haneul-ocr-") as tmp:
        image = Path(tmp) / "image"
        image.write_bytes(data)
        text, _ = max((_tesseract(image, mode) for mode in MODES), key=lambda r: r[1])
    return text


def load_image(name: str, data: bytes) -> LoadedDocument:
    found = sections([Section(ocr_text(data))])
    if not found:
        raise UnreadableDocumentError("no text found in the image (OCR read nothing)")
    return LoadedDocument(name, "image", found)
