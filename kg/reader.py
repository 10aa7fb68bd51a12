"""Read a paper from disk and split it into typed blocks with their 1-based source line spans.

>>> doc = read_document(Path("corpus/004_94c3a70fc55f882e.txt"))      # doctest: +SKIP
>>> doc.title[:40], doc.doi
('Enhanced Room-Temperature Ionic Conduct', '10.1021/acsami.1c21113')

Blocks: ``title``, ``authors``, ``doi``, ``front`` (affiliations, keywords, journal lines), ``heading``,
``paragraph`` (lines broken across a page are joined), ``table`` (tab-separated or markdown pipe rows,
section rows marked), ``caption`` (figure/table/scheme), ``footnote`` and ``references``.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path

from kg import bibliography
from kg.errors import ReadError
from kg.models import Block, Document, TableRow

MAX_BYTES = 20 * 1024 * 1024  # a paper's text is well under 2 MB; bigger files are not papers
MAX_LINE_CHARS = 200_000

_HEADING = re.compile(
    r"^(?:#{1,6}\s*)?(?:\*\*)?(?:(?P<num>\d{1,2}\.(?:\d{1,2}\.?){0,3})\s+(?P<title>[A-Z][^\t]{1,118})"
    r"|(?P<word>Abstract|ABSTRACT|Introduction|INTRODUCTION|Conclusions?|CONCLUSIONS?|Acknowledge?ments?|"
    r"ACKNOWLEDGE?MENTS?|Author Contributions|Funding|Conflicts? of Interest|Abbreviations|Data Availability Statement|"
    r"Notes|Author Information|ASSOCIATED CONTENT|AUTHOR INFORMATION|Supporting Information|Results and [Dd]iscussion|"
    r"Experimental(?: Section)?|EXPERIMENTAL SECTION|RESULTS AND DISCUSSION)\b\W*$)(?:\*\*)?\s*$"
)
_CAPTION = re.compile(r"^(?:- )?(?:\*\*)?(?P<kind>Figure|Fig\.|Table|Scheme)\s*(?P<n>\d+|[A-Z]?\d+)(?:\*\*)?(?:[.:|\s]|$)")
_FOOTNOTE = re.compile(r"^(?:- )?(?:\*{1,2}\s|\^\{?[a-z*†‡]\}?\s|[¹²³⁴⁵⁶⁷⁸⁹]\s|[a-z]\s[A-Z])")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s<>\]\)\"'*]+[^\s<>\]\)\"'*.,;])")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_FRONT_SKIP = re.compile(
    r"^(Review|Article|Communication|Contents lists|journal homepage|Cite this|Cite This|Received|Accepted|Revised|"
    r"Published|DOI|Citation|Academic Editor|Copyright|Read Online|ACCESS|Metrics|Article Recommendations|"
    r"Supporting Information|A R T I C L E|Article history|Keywords|KEYWORDS|rsc\.li|https?:|www\.)",
    re.I,
)
# how the rest of a sentence cut by a page break starts: lower case, a bracket, math, a leading space
_CONTINUATION = re.compile(r"\s*[a-z(\[$]|\s+\S")
_SENTENCE_END = re.compile(r"[.!?:;)\]]\s*$|[.!?]\s*\S{0,3}$")


def decode(raw: bytes, path: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM), UTF-16 with BOM, else latin-1 for text that is text."""
    if not raw.strip():
        raise ReadError(path, "empty file (no text)")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ReadError(path, f"broken UTF-16 text: {e.reason} at byte {e.start}") from None
    if raw.startswith(b"\x89PNG") or raw.startswith(b"%PDF") or raw.startswith(b"\xff\xd8\xff") or raw.startswith(b"PK\x03\x04"):
        raise ReadError(path, "binary file (an image, PDF or archive), not text")
    nul = raw.count(b"\x00")
    if nul > len(raw) // 100:
        raise ReadError(path, f"binary file ({nul} NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        text = raw.decode("latin-1")
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f") + sum(
            1 for ch in text if 0x7F <= ord(ch) < 0xA0
        )
        if controls > len(text) // 200:
            line = raw.count(b"\n", 0, e.start) + 1
            raise ReadError(path, f"not text: undecodable bytes (first at byte {e.start})", line) from None
    if nul:
        text = text.replace("\x00", "")
    return text


def read_text(path: Path) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ReadError(str(path), f"cannot read: {e.strerror}") from None
    if size > MAX_BYTES:
        raise ReadError(str(path), f"file too large ({size / 1e6:.0f} MB > {MAX_BYTES // 2**20} MB limit)")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ReadError(str(path), f"cannot read: {e.strerror}") from None
    return decode(raw, str(path))


def read_document(path: Path, doc_id: str | None = None) -> Document:
    """Read one paper (``.txt``/``.md``, or ``.pdf`` via ``kg.pdf``) into a Document with blocks, metadata and
    bibliography."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        from kg.pdf import pdf_text

        text = pdf_text(path)
    else:
        text = read_text(path)
    return parse_document(text, doc_id or path.stem, str(path))


def parse_document(text: str, doc_id: str, path: str = "<text>") -> Document:
    """Split text into a Document. ``read_document`` is the same for a file."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE_CHARS:
            raise ReadError(path, f"line of {len(line)} characters: not a paper's text", i + 1)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc = Document(doc_id=doc_id, path=path, sha256=sha, lines=lines)
    ref_start = bibliography.find_reference_section(lines)
    if ref_start is not None and not any(l.strip() for l in lines[:ref_start]):
        raise ReadError(path, "a reference list with no paper before it (no title, no body text)", ref_start + 1)
    body_end = ref_start if ref_start is not None else len(lines)
    doc.blocks = split_blocks(strip_line_numbers(lines, body_end), body_end)
    _front_matter(doc, body_end)
    if ref_start is not None:
        doc.references = bibliography.parse_references(lines, ref_start)
        doc.blocks.append(
            Block("references", "\n".join(lines[ref_start:]), ref_start + 1, len(lines))
        )
    style = bibliography.detect_style(lines[:body_end], doc.references)
    doc.citations = bibliography.citation_markers(lines, body_end, style)
    return doc


_LINE_NUMBER = re.compile(r"^\d{1,4} (?=\S)(?!°|K\b|%|mS|S cm|mA|mg|h\b|min\b|nm|µm|V\b)")


def strip_line_numbers(lines: list[str], body_end: int) -> list[str]:
    """Remove a manuscript's printed line numbers (``121 **2.1. Synthesis.** NaCB...``).

    Only in a paper where many body lines carry them, so that a line that happens to start with a
    number keeps it.
    """
    body = [l for l in lines[:body_end] if l.strip()]
    numbered = sum(1 for l in body if _LINE_NUMBER.match(l))
    if not body or numbered < 0.2 * len(body):
        return lines
    return [_LINE_NUMBER.sub("", l) if i < body_end else l for i, l in enumerate(lines)]


def _is_table_line(line: str) -> bool:
    return line.count("\t") >= 1 and len([c for c in line.split("\t") if c.strip()]) >= 2 or _is_pipe_row(line)


def _is_pipe_row(line: str) -> bool:
    s = line.strip()
    return s.startswith("|") and s.endswith("|") and s.count("|") >= 3


def _cells(line: str) -> list[str]:
    if _is_pipe_row(line):
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return [c.strip() for c in line.split("\t")]


def split_blocks(lines: list[str], body_end: int) -> list[Block]:
    """Typed blocks of ``lines[:body_end]`` (the body and front matter)."""
    blocks: list[Block] = []
    i = 0
    last_caption: Block | None = None
    while i < body_end:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if _is_table_line(line):
            j = i
            rows: list[TableRow] = []
            # inside a table, a row with one filled cell ("Oxides\t\t\t") is a row too
            while j < body_end and (_is_table_line(lines[j]) or ("\t" in lines[j] and lines[j].strip()) or (
                lines[j].strip() and set(lines[j].strip()) <= set("-|: \t")
            )):
                if not set(lines[j].strip()) <= set("-|: \t"):  # markdown separator rows carry no data
                    rows.append(TableRow(_cells(lines[j]), j + 1))
                j += 1
            _mark_section_rows(rows)
            caption = last_caption.text if last_caption and last_caption.text.lstrip("- *").startswith(("Table", "**Table")) else ""
            blocks.append(Block("table", "\n".join(lines[i:j]), i + 1, j, rows=rows, caption=caption))
            last_caption = None  # a caption introduces one table
            i = j
            continue
        if _CAPTION.match(stripped):
            text = stripped
            if re.fullmatch(r"Table\s*\d+", stripped):  # Elsevier: "Table 1" then the caption paragraph
                k = i + 1
                while k < body_end and not lines[k].strip():
                    k += 1
                if k < body_end and not _is_table_line(lines[k]):
                    text = stripped + ". " + lines[k].strip()
                    block = Block("caption", text, i + 1, k + 1)
                    blocks.append(block)
                    last_caption = block
                    i = k + 1
                    continue
            block = Block("caption", text, i + 1, i + 1)
            blocks.append(block)
            last_caption = block
            i += 1
            continue
        if _HEADING.match(stripped) and len(stripped) < 130 and not stripped.endswith((".", ",")) or stripped.startswith("#"):
            blocks.append(Block("heading", stripped.lstrip("#* ").rstrip("* "), i + 1, i + 1))
            i += 1
            continue
        if _FOOTNOTE.match(stripped) and len(stripped) < 400:
            blocks.append(Block("footnote", stripped, i + 1, i + 1))
            i += 1
            continue
        # a paragraph, joined with the next piece when a page break cut it mid-sentence
        start, parts = i, [line.rstrip()]
        i += 1
        while i < body_end and lines[i].strip() and not _is_special(lines[i]):
            parts.append(lines[i].rstrip())
            i += 1
        carried: list[Block] = []  # captions a page break put inside the paragraph
        while not _SENTENCE_END.search(parts[-1]):
            k, skipped = i, []
            while k < body_end and k - i < 8 and (not lines[k].strip() or _CAPTION.match(lines[k].strip())):
                if lines[k].strip():
                    skipped.append(k)
                k += 1
            if k >= body_end or not _CONTINUATION.match(lines[k]) or _is_special(lines[k]):
                break
            carried += [Block("caption", lines[j].strip(), j + 1, j + 1) for j in skipped]
            parts.extend([""] * (k - i))
            parts.append(lines[k].rstrip())
            i = k + 1
            while i < body_end and lines[i].strip() and not _is_special(lines[i]):
                parts.append(lines[i].rstrip())
                i += 1
        blocks.append(Block("paragraph", "\n".join(parts), start + 1, i))
        blocks.extend(carried)
    return blocks


def _is_special(line: str) -> bool:
    """A line that starts its own block (table row, caption, heading, footnote)."""
    s = line.strip()
    return bool(_is_table_line(line) or _CAPTION.match(s) or _HEADING.match(s) or _FOOTNOTE.match(s) or s.startswith("#"))


def _mark_section_rows(rows: list[TableRow]) -> None:
    """A row with text in its first one or two cells only, inside a wider table, names a group of rows."""
    if len(rows) < 3:
        return
    width = max(len(r.cells) for r in rows)
    for row in rows[1:]:
        filled = [c for c in row.cells if c]
        if width >= 3 and 1 <= len(filled) <= 2 and all(c for c in row.cells[: len(filled)]) and not any(
            re.search(r"\d", c) for c in filled[1:]
        ) and len(filled) < width - 1:
            row.is_section = True


def _front_matter(doc: Document, body_end: int) -> None:
    """Title, authors, DOI, year and journal from the first lines of the paper."""
    head = [(i, l.strip()) for i, l in enumerate(doc.lines[: min(body_end, 80)]) if l.strip()]
    for k, (i, line) in enumerate(head):
        words = line.split()
        if (
            len(words) >= 4
            and not _FRONT_SKIP.match(line)
            and not re.search(r"\(\d{4}\)|@|©|\bVol\b|\d{6,}", line)
            and not line.isupper()
            and len(line) < 300
        ):
            doc.title = line.strip("#* ")
            if k + 1 < len(head):
                doc.authors = _authors(head[k + 1][1])
            break
    front_text = "\n".join(doc.lines[: min(body_end, 120)])
    m = _DOI.search(front_text)
    if m:
        doc.doi = m.group(1)
    for line in doc.lines[: min(body_end, 120)]:
        if re.match(r"\s*(Citation:|Cite this:|Cite This:|Published:|Available online)", line) or re.match(
            r"^[A-Z][A-Za-z .]+ \d+ \((\d{4})\) \d+", line
        ):
            y = _YEAR.search(line)
            if y:
                doc.year = int(y.group(1))
                break
    # an index of blocks by kind keeps later stages from re-scanning
    title_line = next((i for i, l in enumerate(doc.lines) if doc.title and l.strip().strip("#* ") == doc.title), None)
    if title_line is not None:
        for b in doc.blocks:
            if b.line_start == title_line + 1:
                b.kind = "title"
            elif doc.authors and b.line_start == title_line + 2 + _blank_run(doc.lines, title_line + 1):
                b.kind = "authors"


def _blank_run(lines: list[str], i: int) -> int:
    n = 0
    while i + n < len(lines) and not lines[i + n].strip():
        n += 1
    return n


def _authors(line: str) -> list[str]:
    line = re.sub(r"\^\{[^}]*\}|[¹²³⁴⁵⁶⁷⁸⁹⁰*]+|\s[*]\s?D\b|\^[a-z*]+", " ", line)
    parts = re.split(r",\s*|\s+and\s+|\s*;\s*", line)
    return [re.sub(r"\s+", " ", p).strip(" *") for p in parts if len(p.strip(" *")) > 2]
