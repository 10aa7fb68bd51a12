"""Reference lists and body citation markers of papers converted from PDF.

Four reference-list styles are understood (the style of a list is detected from its entry labels):

* ``mdpi`` -- ``1. Schlem, R.; Zeier, W.G. Title. *Adv. Energy Mater.* **2021**, *11*, 2101022. [CrossRef]``
* ``elsevier`` -- ``[2] X. Feng, H.-H. Wu, Title, Nano Res. 15 (1) (2022) 352–360, https://doi.org/...``
* ``rsc`` -- ``1 B. Scrosati and J. Garche, Title, *J. Power Sources*, 2010, **195**, 2419–2430.``
* ``acs`` -- ``(93) Murgia, F.; Černý, R. Title. *Electrochem. Commun.* **2019**, *106*, No. 106534.``

Labels may be missing (an entry then gets the previous number + 1), entries may wrap over several lines,
and ACS text may carry the PDF's line numbers at the start or end of a line; all of that is handled here.

Body markers come in two styles: ``bracket`` (``[52]``, ``[77–79]``, ``[1,206–208]``) and ``superscript``
(``^{1–6}``, ``.⁷``, ``¹²⁻¹⁵``).  Superscripts that are unit exponents, charges or isotope masses are not
citations and are skipped.

Example::

    >>> find_citations("as reported [77–79] and [5]", "bracket")
    [(12, 19, [77, 78, 79]), (24, 27, [5])]

Pure functions, standard library only.
"""
from __future__ import annotations

import re

from kg.models import CitationMarker, Reference

__all__ = [
    "find_reference_section",
    "parse_references",
    "find_citations",
    "detect_style",
    "citation_markers",
    "expand_numbers",
]

# --------------------------------------------------------------------------------------------------
# patterns

_HEADING_RE = re.compile(
    r"^[\W\d_]*(?:notes\s+and\s+references|references(?:\s+and\s+notes)?|bibliography|literature\s+cited)"
    r"[\W_]*$",
    re.IGNORECASE,
)
_LEADING_LINENO_RE = re.compile(r"^(-\s+)?(\d{3,4})\s+")
_TRAILING_LINENO_RE = re.compile(r"\s(\d{3,4})$")
_ENTRY_ACS_RE = re.compile(r"^\s*(?:-\s+)?\((\d{1,4})\)\s+")
_ENTRY_ELSEVIER_RE = re.compile(r"^\s*(?:-\s+)?\[(\d{1,4})\]\s+")
_ENTRY_MDPI_RE = re.compile(r"^\s*(?:-\s+)?(\d{1,4})\.\s+(?=\S)")
_ENTRY_RSC_RE = re.compile(r"^\s*(?:-\s+)?(\d{1,4})\s+(?=[^\W\d_*(\[])")
_ENTRY_BULLET_RE = re.compile(r"^-\s+(?=\S)")
_ENTRY_RES = {"acs": _ENTRY_ACS_RE, "elsevier": _ENTRY_ELSEVIER_RE, "mdpi": _ENTRY_MDPI_RE, "rsc": _ENTRY_RSC_RE}
_STOP_RE = re.compile(
    r"^[\W_]*(?:disclaimer|publisher[’']s\s+note|author\s+biograph|biograph|about\s+the\s+authors?|"
    r"appendix|supplementary\s+(?:materials?|information)|supporting\s+information)\b",
    re.IGNORECASE,
)
_JUNK_LINE_RE = re.compile(
    r"^\s*(?:-\s*)?(?:this\s+journal\s+is\s+©.*|©.*|view\s+article\s+online.*|page\s+\d+\s+of\s+\d+|"
    r"www\.\S+(?:\s+\S+){0,3}|-)\s*$",
    re.IGNORECASE,
)
_CROSSREF_RE = re.compile(r"\s*\[*\s*(?:CrossRef|PubMed|Google Scholar|Green Version)\s*\]*(?:\(#\))?\]*", re.IGNORECASE)
_MD_LINK_RE = re.compile(r"\[([^\]]*)\]\((?:https?://|#)[^)]*\)")
_DOI_RE = re.compile(r"(?:https?://\s?(?:dx\.)?doi\.\s?org/|\bdoi:\s*)\s*(10\.\s?\d{4,9}\s?/.*)", re.IGNORECASE)
_BARE_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s,;]+)")
_URL_RE = re.compile(r"https?://\S+(?:\s(?=\S*/)\S+)*")

# authors
_INITIALS = r"[A-Z][a-z]?['’]?\.(?:\s?-?\s?[A-Za-z][a-z]?['’]?\.)*"
_SURNAME_WORD = r"[^\W\d_][\w'’\-]*"
_AUTHOR_INITIALS_FIRST_RE = re.compile(
    rf"^(?:{_INITIALS})\s?(?:(?:[a-z]{{1,3}}\s)?{_SURNAME_WORD})(?:\s(?:{_SURNAME_WORD}))?(?:\s(?:{_SURNAME_WORD}))?$"
)
_AUTHOR_SURNAME_FIRST_RE = re.compile(rf"^[^,;]{{1,60}},\s?(?:{_INITIALS}|[a-z]\.)$")
_LAST_AUTHOR_THEN_TITLE_RE = re.compile(rf"^([^,;]{{1,60}},\s?{_INITIALS})\s+(?=\S)(.*)$", re.DOTALL)
_SINGLE_NAME_RE = re.compile(r"^[A-Z][^\W\d_]{2,20}$")
_ET_AL_RE = re.compile(r"^et\s+al\.?\s*", re.IGNORECASE)

# years
_BOLD_YEAR_RE = re.compile(r"\*\*\s*((?:19|20)\d\d)[a-z]?\s*\*\*")
_PLAIN_YEAR_RE = re.compile(r"(?<![\w/.\-–])((?:19|20)\d\d)[a-z]?(?=\s*[,;.)]|\s*$)")
_PAREN_YEAR_RE = re.compile(r"\(((?:19|20)\d\d)\)")
_ANY_YEAR_RE = re.compile(r"(?<![\w/.])((?:19|20)\d\d)(?![\w/])")
_RSC_YEAR_RE = re.compile(r",\s*\*{0,2}((?:19|20)\d\d)[a-z]?\*{0,2}\s*(?=,|\.\s*$|\.?\s*$|;)")
_ITALIC_RE = re.compile(r"\*[^*\n]+?\*")
_ELSEVIER_PRE_RE = re.compile(
    r"^(?P<title>.*),\s+(?P<journal>[^,]+?)(?:\s+(?P<vol>[A-Z]?\d+[A-Za-z]?(?:[–-]\d+)?))?"
    r"(?:\s*\((?P<issue>[^()]*)\))?\s*$",
    re.DOTALL,
)
_PAGES_AFTER_PAREN_YEAR_RE = re.compile(r"^\s*,?\s*(?:No\.\s*)?([A-Za-z]?\d+(?:\s*[–-]\s*[A-Za-z]?\d+)?)")
_WEB_RE = re.compile(r"\bAvailable\s+online\b|\(accessed\s+on\b", re.IGNORECASE)

# body markers
_BRACKET_RE = re.compile(r"\[\s*(\d{1,4}(?:\s*[,;–\-−‒—.]\s*\d{1,4})*)\s*\]")
_SUP_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TRANS = str.maketrans(_SUP_DIGITS + "⁻", "0123456789-")
_SUP_UNICODE_RE = re.compile(
    rf"(?<![{_SUP_DIGITS}⁻⁺^])[{_SUP_DIGITS}]+(?:\s?[,⁻–−‒-]\s?[{_SUP_DIGITS}]+)*"
)
_SUP_CARET_RE = re.compile(r"\^\{\s*(\d{1,4}(?:\s*[,–\-−‒⁻]\s*\d{1,4})*)\s*\}")
_DASHES = "–−‒—⁻-"  # keep "-" last: it is used inside a character class
_UNITS = {
    "m", "cm", "mm", "nm", "km", "um", "µm", "μm", "dm", "pm", "Å", "A", "mA", "g", "kg", "mg", "µg", "μg", "L",
    "mL", "s", "ms", "h", "min", "K", "V", "mV", "W", "Wh", "mWh", "kW", "kWh", "J", "kJ", "eV", "meV", "S",
    "mS", "µS", "μS", "Pa", "kPa", "MPa", "GPa", "mol", "mmol", "M", "Hz", "kHz", "MHz", "C", "F", "Ω", "ohm",
    "cc", "ppm", "Ah", "mAh", "μA", "µA", "nA", "°", "dB", "T", "N", "Da", "kDa",
}
_LINENO_PREFIX_RE = re.compile(r"^\d{1,4}\s")
_LINENO_GLUED_RE = re.compile(rf"^\d{{1,4}}(?=\^\{{|[{_SUP_DIGITS}])")
_PREV_WORD_RE = re.compile(r"([^\W\d_]|[µμÅΩ°])+$")
_PREV_TOKEN_RE = re.compile(r"(\S+)\s*$")


# --------------------------------------------------------------------------------------------------
# reference section


def find_reference_section(lines: list[str]) -> int | None:
    """0-based index of the last reference-list heading line, or None.

    >>> find_reference_section(["Intro", "References", "1. A, B. T. *J.* **2020**, *1*, 2."])
    1
    >>> find_reference_section(["699 **REFERENCES**"])
    0
    """
    found = None
    for i, line in enumerate(lines):
        if len(line) <= 60 and _HEADING_RE.match(line.strip()):
            found = i
    return found


def _list_format(lines: list[str]) -> str:
    counts = {name: sum(1 for ln in lines if rx.match(ln)) for name, rx in _ENTRY_RES.items()}
    return max(counts, key=lambda k: counts[k]) if any(counts.values()) else "mdpi"


def _strip_line_numbers(text: str, state: dict) -> str:
    """Remove a PDF line number at the start/end of ``text`` (ACS proofs), tracking the last one seen."""
    last = state.get("last")
    if last is None:
        return text
    m = _LEADING_LINENO_RE.match(text)
    if m:
        n = int(m.group(2))
        rest = text[m.end():]
        if n > last and (n <= last + 15 or _ENTRY_ACS_RE.match(rest)):
            text = (m.group(1) or "") + rest
            state["last"] = last = n
    m = _TRAILING_LINENO_RE.search(text)
    if m:
        n = int(m.group(1))
        if last < n <= last + 15:
            text = text[: m.start()]
            state["last"] = n
    return text


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if not out:
            out = p
        elif out[-1] in "-–/" and not out.endswith(" -"):
            out += p
        else:
            out += " " + p
    return out


def parse_references(lines: list[str], start: int) -> list[Reference]:
    """Parse the reference list that follows the heading at ``lines[start]``.

    ``Reference.raw`` is the entry's text with its label and wrapped lines joined; ``line`` is the 1-based
    line of the entry's first line.  An entry whose label was lost gets the previous number + 1.

    >>> refs = parse_references(["References", "- 1. Doe, J.; Roe, R. A Title. *J. Chem.* **2020**, *5*, 1–9."], 0)
    >>> (refs[0].number, refs[0].authors, refs[0].title, refs[0].journal, refs[0].year, refs[0].pages)
    (1, ['Doe, J.', 'Roe, R.'], 'A Title', 'J. Chem.', 2020, '1–9')
    """
    lineno_state: dict = {}
    m = re.match(r"^\s*(\d{3,4})\s", lines[start]) if 0 <= start < len(lines) else None
    if m:
        lineno_state["last"] = int(m.group(1))
    body = [_strip_line_numbers(line.rstrip(), lineno_state) if line.strip() else "" for line in lines[start + 1:]]
    fmt = _list_format(body)
    entry_re = _ENTRY_RES[fmt]

    entries: list[dict] = []  # {"number", "line", "parts"}
    prev_number = 0
    for offset, text in enumerate(body):
        if not text.strip():
            continue
        if _STOP_RE.match(text):
            break
        if _JUNK_LINE_RE.match(text):
            continue
        line_no = start + 1 + offset + 1
        m = entry_re.match(text)
        number = int(m.group(1)) if m else None
        if number is not None and not (prev_number - 1 <= number <= prev_number + 5 or not entries):
            m, number = None, None  # a number out of sequence: a continuation line that starts with digits
        if m is not None:
            rest = text[m.end():]
            if entries and number == entries[-1]["number"]:
                # a duplicated (often truncated) copy of the same entry: keep the more complete one
                old = _join(entries[-1]["parts"])
                if len(rest.strip()) >= len(old) or rest.strip().startswith(old[: max(10, len(old) // 2)]):
                    entries[-1] = {"number": number, "line": line_no, "parts": [rest]}
                continue
            entries.append({"number": number, "line": line_no, "parts": [rest]})
            prev_number = number
        elif _ENTRY_BULLET_RE.match(text) or not entries:
            rest = _ENTRY_BULLET_RE.sub("", text, count=1)
            if not entries and not rest.strip():
                continue
            prev_number += 1
            entries.append({"number": prev_number, "line": line_no, "parts": [rest]})
        else:
            entries[-1]["parts"].append(text)

    return [_parse_entry(e["number"], _join(e["parts"]), e["line"], fmt) for e in entries]


# --------------------------------------------------------------------------------------------------
# field extraction


def _clean_raw(raw: str) -> str:
    raw = _MD_LINK_RE.sub(lambda m: m.group(1), raw)
    raw = _CROSSREF_RE.sub("", raw)
    return re.sub(r"\s+", " ", raw).strip()


def _strip_marks(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.replace("*", "")
    s = re.sub(r"\s+", " ", s).strip(" ,;:")
    return s or None


def _clean_title(s: str | None) -> str | None:
    s = _strip_marks(s)
    if s is None:
        return None
    s = s.rstrip(" .,")
    return s or None


def _normalize_doi(tail: str) -> str | None:
    tail = tail.split(", ")[0]
    doi = re.sub(r"\s+", "", tail).rstrip(".,;)")
    return doi if re.match(r"^10\.\d{4,9}/\S+$", doi) else None


def _find_doi(raw: str) -> str | None:
    m = _DOI_RE.search(raw)
    if m:
        return _normalize_doi(m.group(1))
    m = _BARE_DOI_RE.search(raw)
    return m.group(1).rstrip(".") if m else None


def _authors_semicolon(text: str) -> tuple[list[str], str]:
    """``Doe, J.; Roe, R.A. Title...`` -> (authors, rest).  MDPI and ACS."""
    segments = text.split("; ")
    authors: list[str] = []
    for i, seg in enumerate(segments):
        later = segments[i + 1:]
        seg_s = _ET_AL_RE.sub("", seg.strip())
        if not seg_s:
            continue
        if later and _AUTHOR_SURNAME_FIRST_RE.match(seg_s):
            authors.append(seg_s)
            continue
        if (
            later
            and _SINGLE_NAME_RE.match(seg_s)
            and (_AUTHOR_SURNAME_FIRST_RE.match(later[0].strip()) or _LAST_AUTHOR_THEN_TITLE_RE.match(later[0].strip()))
        ):
            authors.append(seg_s)  # "Suwarno;" -- a one-name author
            continue
        m = _LAST_AUTHOR_THEN_TITLE_RE.match(seg_s)
        if m:
            authors.append(m.group(1).strip())
            return authors, "; ".join([m.group(2)] + later)
        return authors, "; ".join([seg_s] + later)
    return authors, ""


def _authors_initials_first(text: str) -> tuple[list[str], str]:
    """``B. Scrosati and J. Garche, Title...`` / ``X. Feng, H.-H. Wu, Title...`` -> (authors, rest)."""
    tokens = text.split(", ")
    authors: list[str] = []
    for i, tok in enumerate(tokens):
        tok_s = tok.strip()
        pieces = [p.strip() for p in re.split(r"\s+and\s+", tok_s) if p.strip()]
        if pieces and all(_AUTHOR_INITIALS_FIRST_RE.match(p) for p in pieces):
            authors.extend(pieces)
            continue
        if i == 0 and re.fullmatch(r"[A-Z] [^\W\d_][\w'’\-]+", tok_s):
            authors.append(tok_s)  # "L Zhan" -- the initial lost its dot
            continue
        if (
            authors
            and i + 1 < len(tokens)
            and _SINGLE_NAME_RE.match(tok_s)
            and _AUTHOR_INITIALS_FIRST_RE.match(tokens[i + 1].strip())
        ):
            authors.append(tok_s)  # "Suwarno," -- a one-name author
            continue
        return authors, ", ".join(tokens[i:])
    return authors, ""


def _journal_like(chunk: str) -> bool:
    words = [w for w in chunk.replace("*", "").split() if w not in {"of", "and", "&", "in", "the", "for", "de", "und"}]
    if not words or len(words) > 4:
        return False
    return all(re.match(r"^(?:[A-Z][\w\-’']*\.?|[A-Z]{1,2}|[A-Z][a-z]*[A-Z]\w*\.?)$", w) for w in words)


def _split_title_journal_sentences(pre: str) -> tuple[str | None, str | None]:
    """``Title. Chin. Phys. Lett.`` -> (title, journal) for lists whose journal is not in italics."""
    pre = pre.strip().rstrip(",")
    if not pre:
        return None, None
    # italic journal right before the year (possibly followed by plain abbreviation words)
    italics = list(_ITALIC_RE.finditer(pre))
    if italics:
        last = italics[-1]
        tail = pre[last.end():].strip(" ,")
        bookish = bool(re.match(r"^[\s\d]*[;,]", pre[last.end():])) and bool(tail)
        if not tail or _journal_like(tail) or bookish:
            j_start = last.start()
            k = len(italics) - 1
            while k > 0 and not pre[italics[k - 1].end():italics[k].start()].strip(" ,"):
                k -= 1
                j_start = italics[k].start()
            title = pre[:j_start]
            journal = pre[j_start:]
            m = re.search(r"(?:^|[.?!]\s+)In\s*$", title.strip())
            if m:  # book chapter: "Title. In *Book*; Eds..."
                title = title.strip()[: m.start() + 1]
            if bookish:
                journal = pre[j_start:last.end()]
            if title.strip(" .,"):
                return _clean_title(title), _strip_marks(journal)
            return _clean_title(journal), None
    m = re.search(r"[.?!]\s+In\s+(?=\S)", pre)
    if m:  # book chapter without italics: "Title. In Book Series; Editor, Ed.; Publisher: City,"
        return _clean_title(pre[: m.start() + 1]), _strip_marks(pre[m.end():].split(";")[0])
    chunks = re.split(r"(?<=[.?!])\s+", pre)
    k = len(chunks)
    while k > 1 and _journal_like(chunks[k - 1]):
        k -= 1
    if k == 0 or k == len(chunks):
        if k == len(chunks) and len(chunks) > 1:
            return _clean_title(" ".join(chunks[:-1])), _strip_marks(chunks[-1])
        return _clean_title(pre), None
    return _clean_title(" ".join(chunks[:k])), _strip_marks(" ".join(chunks[k:]))


def _vol_pages(post: str) -> tuple[str | None, str | None]:
    """``, *11*, 2101022. [CrossRef]`` -> ("11", "2101022")."""
    post = post.lstrip("*").strip()
    if not post.startswith(","):
        return None, None
    post = re.sub(r"\bNo\.\s*", "No:", post[1:])
    end = re.search(r"\.(?:\s|$)|;|\[|\bCorrection\b|\bErratum\b", post)
    seg = post[: end.start()] if end else post
    fields = [f.replace("*", "").strip() for f in seg.split(",")]
    fields = [f for f in fields if f]
    vol = pages = None
    if len(fields) >= 2:
        vol, pages = fields[0], fields[1]
    elif len(fields) == 1:
        f = fields[0]
        if f.startswith("No:") or re.search(r"[–-]", f):
            pages = f
        else:
            vol = f
    if pages is not None:
        pages = pages.replace("No:", "").strip() or None
    if vol is not None:
        vol = vol.replace("No:", "").strip() or None
    return vol, pages


def _parse_semicolon_style(raw: str) -> dict:
    """MDPI / ACS entries."""
    authors, rest = _authors_semicolon(raw)
    out: dict = {"authors": authors}
    m = _BOLD_YEAR_RE.search(rest)
    if not m:
        for cand in _PLAIN_YEAR_RE.finditer(rest):
            # skip years inside URLs
            if not re.search(r"https?://\S*$", rest[: cand.start()]):
                m = cand
                break
    if _WEB_RE.search(rest) and (m is None or rest.find("Available") < m.start()):
        title = re.split(r"(?<=[.?!])\s+", rest.split("Available")[0].strip())[0]
        out["title"] = _clean_title(title)
        return out
    if m is None:
        out["title"] = _clean_title(re.split(r"(?<=[.?!])\s+", rest)[0])
        return out
    out["year"] = int(m.group(1))
    pre, post = rest[: m.start()], rest[m.end():]
    if m.re is _PLAIN_YEAR_RE:
        post = post.lstrip("*")
    title, journal = _split_title_journal_sentences(pre)
    # books: "Title*; Publisher: City, 2021." -> the italic title is the work's title
    if journal and ";" in journal and ":" in journal:
        journal = journal.split(";")[0].strip() or None
    out["title"], out["journal"] = title, journal
    out["volume"], out["pages"] = _vol_pages(post)
    return out


def _parse_rsc(raw: str) -> dict:
    authors, rest = _authors_initials_first(raw)
    out: dict = {"authors": authors}
    m = _RSC_YEAR_RE.search(rest)
    if m is None:
        cand = list(_ANY_YEAR_RE.finditer(rest))
        if cand:
            out["year"] = int(cand[0].group(1))
            out["title"] = _clean_title(rest[: cand[0].start()].split(", ")[0])
        else:
            out["title"] = _clean_title(rest.split(", ")[0])
        return out
    out["year"] = int(m.group(1))
    pre, post = rest[: m.start()], rest[m.end():]
    pre = pre.rstrip()
    italics = list(_ITALIC_RE.finditer(pre))
    if italics and italics[-1].end() >= len(pre.rstrip(" ,")):
        k = len(italics) - 1
        j_start = italics[k].start()
        while k > 0 and not pre[italics[k - 1].end():italics[k].start()].strip(" ,"):
            k -= 1
            j_start = italics[k].start()
        title, journal = pre[:j_start], pre[j_start:]
    else:
        parts = pre.split(", ")
        j = len(parts) - 1
        while j > 1 and _journal_like(parts[j - 1]) and "." in parts[j - 1]:
            j -= 1
        title, journal = ", ".join(parts[:j]), ", ".join(parts[j:])
    out["title"], out["journal"] = _clean_title(title), _strip_marks(journal)
    fields = [f.replace("*", "").strip() for f in re.split(r",\s*", post.rstrip(". "))]
    fields = [f for f in fields if f]
    if len(fields) >= 2:
        out["volume"], out["pages"] = fields[0], fields[1].rstrip(".")
    elif len(fields) == 1:
        key = "pages" if re.search(r"[–-]|^[A-Za-z]", fields[0]) else "volume"
        out[key] = fields[0].rstrip(".")
    return out


def _parse_elsevier(raw: str) -> dict:
    authors, rest = _authors_initials_first(raw)
    out: dict = {"authors": authors}
    text = _DOI_RE.split(rest)[0] if _DOI_RE.search(rest) else rest
    text = re.sub(r",?\s*https?://\S*\s*$", "", text.strip())
    m = _PAREN_YEAR_RE.search(text)
    if m is None:
        cand = list(_ANY_YEAR_RE.finditer(text))
        if cand:
            out["year"] = int(cand[-1].group(1))
        out["title"] = _clean_title(text.split(", ")[0])
        return out
    out["year"] = int(m.group(1))
    pre, post = text[: m.start()], text[m.end():]
    pm = _ELSEVIER_PRE_RE.match(pre.rstrip())
    if pm:
        out["title"] = _clean_title(pm.group("title"))
        out["journal"] = _strip_marks(pm.group("journal"))
        out["volume"] = pm.group("vol")
    else:
        out["title"] = _clean_title(pre)
    pg = _PAGES_AFTER_PAREN_YEAR_RE.match(post)
    if pg:
        out["pages"] = re.sub(r"\s+", "", pg.group(1))
    return out


def _parse_entry(number: int, raw_joined: str, line: int, fmt: str) -> Reference:
    raw = _clean_raw(raw_joined)
    doi = _find_doi(raw)
    if fmt == "elsevier":
        fields = _parse_elsevier(raw)
    elif fmt == "rsc":
        fields = _parse_rsc(raw)
    else:
        fields = _parse_semicolon_style(_URL_RE.sub("", raw) if fmt == "acs" else raw)
    return Reference(
        number=number,
        raw=raw,
        line=line,
        authors=fields.get("authors", []),
        title=fields.get("title"),
        journal=fields.get("journal"),
        year=fields.get("year"),
        volume=fields.get("volume"),
        pages=fields.get("pages"),
        doi=doi,
    )


# --------------------------------------------------------------------------------------------------
# body markers


def expand_numbers(spec: str, allow_dot: bool = False) -> list[int] | None:
    """``"1,206–208"`` -> [1, 206, 207, 208]; None when ``spec`` does not read as citation numbers.

    >>> expand_numbers("77–79")
    [77, 78, 79]
    >>> expand_numbers("11.12", allow_dot=True)
    [11, 12]
    """
    spec = spec.translate(_SUP_TRANS).replace(";", ",")
    if "." in spec:
        if not allow_dot:
            return None
        m = re.fullmatch(r"\s*(\d{1,4})\s*\.\s*(\d{1,4})\s*", spec)
        if not m or m.group(1).startswith("0") or m.group(2).startswith("0"):
            return None
        a, b = int(m.group(1)), int(m.group(2))
        return [a, b] if b > a and len(m.group(2)) >= len(m.group(1)) else None
    numbers: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            return None
        bounds = re.split(r"\s*[" + _DASHES + r"]\s*", part)
        if len(bounds) == 1 and bounds[0].isdigit():
            numbers.append(int(bounds[0]))
        elif len(bounds) == 2 and all(b.isdigit() for b in bounds):
            a, b = int(bounds[0]), int(bounds[1])
            if not (a < b <= a + 200):
                return None
            numbers.extend(range(a, b + 1))
        else:
            return None
    if not numbers or any(n <= 0 for n in numbers):
        return None
    return numbers


def _is_unit_or_number_before(prefix: str) -> bool:
    """True when the text right before a superscript is a unit or a number (an exponent, not a citation)."""
    if not prefix:
        return False
    if prefix[-1].isdigit() and prefix[-1].isascii():
        return True
    stripped = prefix.rstrip()
    spaced = len(stripped) < len(prefix)
    if not stripped:
        return False
    m = _PREV_WORD_RE.search(stripped)
    word = m.group(0) if m else ""
    if word and word in _UNITS and (m.start() == 0 or not stripped[m.start() - 1].isalpha()):
        return True
    if spaced:
        tok = _PREV_TOKEN_RE.search(stripped)
        if tok and re.fullmatch(r"[\d.,×x\-−–]+", tok.group(1)):
            return True
        if tok and tok.group(1).strip("()[]") in _UNITS:
            return True
    return False


def _superscript_ok(text: str, start: int, end: int) -> bool:
    prefix = text[:start]
    nxt = text[end:end + 1]
    if nxt and nxt in "⁺⁻+−" or text[end:end + 2] in {"^{", "^+", "^-"}:
        return False  # charge (Li⁺, Mg²⁺, [B12H12]²⁻) or a longer exponent
    if _is_unit_or_number_before(prefix[-80:]):  # only the end matters; searching it all is quadratic
        return False
    prev = prefix[-1:] if prefix else ""
    if nxt and (nxt.isupper() or nxt.isdigit()) and (not prev or prev.isspace() or prev in "([{-–/"):
        return False  # isotope: ²³Na, ^{7}Li, ¹H
    if prev in {"_", "^", "$"}:
        return False
    if re.search(r"(?:^|[^\w\\])[A-Za-z]$", prefix[-3:]):
        return False  # x², a^{2}: a power of a one-letter variable
    if prefix.count("$") % 2 == 1 and prev not in ".,;:":
        return False  # inside $...$ math: (x+1)^{2}
    return True


def find_citations(text: str, style: str) -> list[tuple[int, int, list[int]]]:
    """Citation markers in ``text``: (start, end, numbers) with ranges expanded.

    ``style`` is ``"bracket"`` (``[45,46]``, ``[77–79]``, OCR ``[11.12]``) or ``"superscript"``
    (``^{3–6}``, ``⁷``, ``¹²⁻¹⁵``; unit exponents, charges and isotopes are skipped).

    >>> find_citations("batteries.^{3–6} Moreover 4 mS cm⁻¹ and ²³Na NMR.⁷", "superscript")
    [(10, 16, [3, 4, 5, 6]), (49, 50, [7])]
    """
    out: list[tuple[int, int, list[int]]] = []
    if style == "bracket":
        for m in _BRACKET_RE.finditer(text):
            if m.start() > 0 and text[m.start() - 1] in "^_":
                continue
            nums = expand_numbers(m.group(1), allow_dot=True)
            if nums:
                out.append((m.start(), m.end(), nums))
        return out
    if style != "superscript":
        raise ValueError(f"unknown citation style: {style!r}")
    for m in _SUP_CARET_RE.finditer(text):
        if not _superscript_ok(text, m.start(), m.end()):
            continue
        nums = expand_numbers(m.group(1))
        if nums:
            out.append((m.start(), m.end(), nums))
    for m in _SUP_UNICODE_RE.finditer(text):
        if not _superscript_ok(text, m.start(), m.end()):
            continue
        nums = expand_numbers(m.group(0))
        if nums:
            out.append((m.start(), m.end(), nums))
    out.sort(key=lambda t: t[0])
    return out


def detect_style(lines: list[str], references: list[Reference]) -> str:
    """``"bracket"`` or ``"superscript"``: which kind of marker the body uses.

    Counts markers of either kind (before the reference section) whose numbers all fall within the
    reference list; ties go to ``"bracket"``.

    >>> detect_style(["shown before.^{1,2}", "and here.³"], [])
    'superscript'
    """
    end = find_reference_section(lines)
    body = lines[: end if end is not None else len(lines)]
    highest = max((r.number for r in references), default=0)

    def count(style: str) -> int:
        n = 0
        for line in body:
            for _, _, nums in find_citations(line, style):
                if not highest or max(nums) <= highest:
                    n += 1
        return n

    return "superscript" if count("superscript") > count("bracket") else "bracket"


def citation_markers(lines: list[str], body_end: int, style: str) -> list[CitationMarker]:
    """Every citation marker in ``lines[:body_end]`` with its 1-based line.

    >>> citation_markers(["Intro [5] and [7,8]."], 1, "bracket")[1]
    CitationMarker(numbers=[7, 8], line=1, text='[7,8]')
    """
    body = lines[:body_end]
    nonempty = [ln for ln in body if ln.strip()]
    numbered = bool(nonempty) and sum(1 for ln in nonempty if _LINENO_PREFIX_RE.match(ln)) > 0.3 * len(nonempty)
    out: list[CitationMarker] = []
    for i, line in enumerate(body):
        if numbered:
            # a proof with PDF line numbers: "73^{36–38} and ..." -- the 73 is not a base of an exponent
            m = _LINENO_GLUED_RE.match(line)
            if m:
                line = " " * m.end() + line[m.end():]
        for start, end, nums in find_citations(line, style):
            out.append(CitationMarker(numbers=nums, line=i + 1, text=line[start:end]))
    return out
