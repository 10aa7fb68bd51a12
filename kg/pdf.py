"""PDF -> the plain text the reader takes (``kg.reader.read_document`` calls ``pdf_text`` for ``.pdf`` files).

Text comes from PDFium (the ``pypdfium2`` package): every character with its box and font size. A small layout
step turns those characters into the kind of text the reader already handles for papers converted from PDF:

* characters -> *segments*: runs on one PDFium line, split where the horizontal gap is wider than
  ``CELL_GAP`` x the font size (a word space is ~0.3 em; the gutter between table columns is wider);
* segments -> *visual lines*: a segment joins a recent line with the same baseline that it does not overlap
  (PDFium emits a table row's cells as separate lines; two text columns are far apart in PDFium's order, so
  they are not merged);
* a line of two or more segments is a table row: its cells are joined with TABs (the reader's table
  syntax); a following line that only continues wrapped cells (it starts in a later column) is folded into
  the row's cells;
* a blank line where the vertical gap is wider than usual or the font size changes (paragraphs, headings),
  and between pages; a bare page number at the top or bottom of a page is dropped.

Line numbers in evidence refer to this text (what ``kg.pdf.pdf_text(path)`` returns), not to PDF pages.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ReadError

MAX_PDF_BYTES = 200 * 1024 * 1024
CELL_GAP = 1.2        # a gap wider than this many font sizes splits a line into cells
BASELINE_TOL = 0.35   # baselines closer than this many font sizes are one line
MERGE_WINDOW = 8      # how many recent lines a segment may join (PDFium's order within a table row)
ROW_BAND = 1.6        # a multi-cell line and a line it does not overlap, baselines closer than this: one row
PARA_GAP = 1.45       # a line pitch wider than this many typical pitches starts a new block
SIZE_CHANGE = 0.15    # a relative font-size change this large starts a new block

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
              "\ufb06": "st", "\u00ad": "-", "\x02": "-", "\ufffe": "-", "\u00a0": " "}


@dataclass
class _Char:
    ch: str
    x0: float   # the loose box (the glyph's advance), so narrow glyphs do not look like gaps
    x1: float
    base: float  # the baseline (the character's origin)
    size: float


@dataclass
class _Segment:
    chars: list[_Char]

    def __post_init__(self) -> None:
        ink = [c for c in self.chars if not c.ch.isspace()] or self.chars
        self.x0 = min(c.x0 for c in ink)
        self.x1 = max(c.x1 for c in ink)
        self.size = statistics.median(c.size for c in ink)
        big = [c.base for c in ink if c.size >= 0.9 * self.size] or [c.base for c in ink]
        self.base = statistics.median(big)  # sub/superscripts (smaller) do not move it
        self.text = " ".join("".join(c.ch for c in self.chars).split())


@dataclass
class _Line:
    segments: list[_Segment]
    base: float = 0.0    # the (top) baseline
    bottom: float = 0.0  # the lowest baseline (a table row with wrapped cells spans several)
    cells: list[str] | None = None  # set once the line is final

    def __post_init__(self) -> None:
        self.base = self.bottom = self.segments[0].base

    @property
    def size(self) -> float:
        return max(s.size for s in self.segments)

    def overlaps(self, seg: _Segment) -> bool:
        return any(seg.x0 < s.x1 - 0.5 and s.x0 < seg.x1 - 0.5 for s in self.segments)


def _page_chars(textpage, raw) -> list[_Char | None]:
    """The page's characters in PDFium's order; None marks a line break PDFium generated."""
    import ctypes

    n = textpage.count_chars()
    out: list[_Char | None] = []
    handle = textpage.raw
    ox, oy = ctypes.c_double(), ctypes.c_double()
    pending_high = None
    for i in range(n):
        code = raw.FPDFText_GetUnicode(handle, i)
        if 0xD800 <= code < 0xDC00:  # a surrogate pair: two indices, one character
            pending_high = code
            continue
        if pending_high is not None and 0xDC00 <= code < 0xE000:
            code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
        pending_high = None
        ch = chr(code) if code else ""
        if ch in ("\r", "\n"):
            if not out or out[-1] is not None:
                out.append(None)
            continue
        if not ch or (ord(ch) < 32 and ch not in "\t\x02"):
            continue
        if raw.FPDFText_IsHyphen(handle, i) == 1:
            ch = "-"
        ch = _LIGATURES.get(ch, ch)
        x0, y0, x1, y1 = textpage.get_charbox(i, loose=True)
        base = oy.value if raw.FPDFText_GetCharOrigin(handle, i, ctypes.byref(ox), ctypes.byref(oy)) else y0
        size = raw.FPDFText_GetFontSize(handle, i) or (y1 - y0) or 10.0
        out.append(_Char(ch, x0, x1, base, float(size)))
    return out


def _segments(chars: list[_Char | None]) -> list[_Segment]:
    """Runs of characters on one PDFium line, split at cell-sized horizontal gaps."""
    segs: list[_Segment] = []
    cur: list[_Char] = []
    last: _Char | None = None

    def flush() -> None:
        nonlocal cur
        if any(not c.ch.isspace() for c in cur):
            segs.append(_Segment(cur))
        cur = []

    for c in chars:
        if c is None:
            flush()
            last = None
            continue
        if c.ch.isspace():
            if cur:
                cur.append(_Char(" ", c.x0, c.x0, c.base, c.size))
            continue
        if last is not None:
            em = max(c.size, last.size)
            gap = c.x0 - last.x1
            if gap > CELL_GAP * em or gap < -2 * em or abs(c.base - last.base) > 0.8 * em:
                flush()
            elif cur and not cur[-1].ch.isspace() and gap > 0.25 * c.size:
                cur.append(_Char(" ", last.x1, c.x0, c.base, c.size))  # a space PDFium did not generate
        cur.append(c)
        last = c
    flush()
    return segs


def _lines(segs: list[_Segment]) -> list[_Line]:
    """Segments -> visual lines: a segment joins a recent line on its baseline that it does not overlap; then
    a multi-cell line and the next line merge when their baselines are closer than a line pitch (cells of one
    table row that are vertically centred beside a wrapped cell)."""
    lines: list[_Line] = []
    for seg in segs:
        target = None
        for line in reversed(lines[-MERGE_WINDOW:]):
            if abs(line.base - seg.base) <= BASELINE_TOL * max(line.size, seg.size) and not line.overlaps(seg):
                target = line
                break
        if target is None:
            lines.append(_Line([seg]))
        else:
            target.segments.append(seg)
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (prev is not None and (len(prev.segments) > 1 or len(line.segments) > 1)
                and abs(prev.base - line.base) < ROW_BAND * max(prev.size, line.size)
                and not any(prev.overlaps(s) for s in line.segments)):
            prev.segments.extend(line.segments)
            prev.base, prev.bottom = max(prev.base, line.base), min(prev.bottom, line.base)
            continue
        out.append(line)
    for line in out:
        line.segments.sort(key=lambda s: s.x0)
    return out


def _fold_wrapped_cells(lines: list[_Line]) -> list[_Line]:
    """A line right under a table row, all of whose segments start inside the row's 2nd..last columns, holds
    the wrapped rest of those cells: append it to them."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and len(prev.segments) >= 2 and len(line.segments) < len(prev.segments):
            cols = prev.segments
            pitch = prev.bottom - line.base
            starts = [s.x0 for s in cols]
            tol = 0.5 * prev.size
            if 0 < pitch <= 1.6 * prev.size and line.segments[0].x0 > cols[0].x1 + tol:
                slots: list[int] | None = []
                for seg in line.segments:
                    k = max((i for i, x in enumerate(starts) if x - tol <= seg.x0), default=None)
                    nxt = starts[k + 1] if k is not None and k + 1 < len(starts) else float("inf")
                    if k is None or k == 0 or seg.x1 > nxt + tol:
                        slots = None
                        break
                    slots.append(k)
                if slots and len(set(slots)) == len(slots):
                    cells = prev.cells or [s.text for s in cols]
                    for k, seg in zip(slots, line.segments):
                        cells[k] = f"{cells[k]} {seg.text}".strip()
                    prev.cells = cells
                    prev.bottom = line.base
                    continue
        out.append(line)
    for line in out:
        if line.cells is None:
            line.cells = [s.text for s in line.segments]
    return out


def _page_text(lines: list[_Line]) -> list[str]:
    """The page's lines as text, with blank lines between blocks."""
    lines = [l for l in lines if any(c.strip() for c in l.cells or [])]
    if not lines:
        return []
    # a bare page number first or last on the page is a running footer/header
    for idx in (-1, 0):
        if lines and len(lines[idx].cells) == 1 and lines[idx].cells[0].strip().isdigit() and len(lines[idx].cells[0].strip()) <= 4:
            lines.pop(idx)
    if not lines:
        return []
    pitches = [a.bottom - b.base for a, b in zip(lines, lines[1:]) if 0 < a.bottom - b.base < 3 * a.size]
    typical = statistics.median(pitches) if pitches else None
    out: list[str] = []
    prev: _Line | None = None
    for line in lines:
        if prev is not None:
            pitch = prev.bottom - line.base
            size_change = abs(line.size - prev.size) / max(prev.size, 1e-6) > SIZE_CHANGE
            gap = typical is not None and pitch > PARA_GAP * typical
            jump = pitch <= 0 or pitch > 3 * prev.size  # a new column or a jump on the page
            rows = len(line.cells) > 1 and len(prev.cells) > 1  # padded table rows stay one table
            if (size_change or gap or jump) and not (rows and 0 < pitch <= 3 * prev.size) and out and out[-1] != "":
                out.append("")
        cells = [" ".join(c.split()) for c in line.cells]
        out.append("\t".join(cells) if len(cells) > 1 else cells[0])
        prev = line
    return out


def pdf_text(source: str | Path | bytes, name: str | None = None) -> str:
    """The text of a PDF (a path or the file's bytes), laid out for the reader (see the module docstring).
    A path is handed to PDFium, which reads the file as it needs it (objects through the cross-reference table),
    so a big PDF is never held in memory whole; files over ``MAX_PDF_BYTES`` are refused before they are opened.
    Raises ``ReadError`` naming the file when it is not a readable PDF or holds no text (a scan)."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise ReadError(str(name or source), "reading PDF needs the pypdfium2 package (pip install pypdfium2)") from exc
    label = str(name or (source if not isinstance(source, bytes) else "<pdf>"))
    if isinstance(source, bytes):
        head, document = source[:1024], source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_PDF_BYTES:
                raise ReadError(label, f"file too large ({size / 1e6:.0f} MB > {MAX_PDF_BYTES // 2**20} MB limit)")
            with path.open("rb") as f:
                head = f.read(1024)
        except OSError as e:
            raise ReadError(label, f"cannot read: {e.strerror}") from None
        document = path
    if not head.lstrip()[:5].startswith(b"%PDF"):
        raise ReadError(label, "not a PDF (no %PDF header)")
    try:
        doc = pdfium.PdfDocument(document)
    except pdfium.PdfiumError as exc:
        raise ReadError(label, f"not a readable PDF: {exc}") from None
    except OSError as e:  # the file went away between the checks and the open
        raise ReadError(label, f"cannot read: {e.strerror or e}") from None
    out: list[str] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            try:
                textpage = page.get_textpage()
                try:
                    lines = _fold_wrapped_cells(_lines(_segments(_page_chars(textpage, raw))))
                    text = _page_text(lines)
                finally:
                    textpage.close()
            finally:
                page.close()
            if text:
                if out:
                    out.append("")
                out.extend(text)
    finally:
        doc.close()
    if not any(l.strip() for l in out):
        raise ReadError(label, "PDF holds no extractable text (a scanned image? run OCR first)")
    return "\n".join(out) + "\n"
