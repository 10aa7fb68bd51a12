"""Facts from tables: the header says what each column holds, one row is one material.

Understands headers like ``σ_Li (mS cm^-1) @RT``, ``Conductivity (S cm^-1)`` with ``(30 °C)`` in the
cells, ``Ionic Conductivity (S cm^-1)`` beside a ``Temp. (°C)`` column, ``Refs.`` columns; section rows
(``SSE with chemical vapor deposition``) give a method to the rows below; a cell with two values gives
two facts.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kg import materials, quantities
from kg.errors import ParseError
from kg.models import Block, CandidateMeasurement, CandidateSynthesis, Evidence
from kg.normalizer import plain

_UNIT_IN_HEADER = re.compile(r"\(([^()]*(?:S|V|eV|mA|mAh|A h|kJ)[^()]*)\)|\[([^\]]+)\]|(mA h g\^-1|mAh g\^-1)")
_MATERIAL_HEADER = re.compile(
    r"\b(?:SSEs?|SEs?|material|electrolyte|composition|compound|polymer|matrix|type|sample|system|CAM|anode|cathode)\b", re.I
)
_SALT_HEADER = re.compile(r"\bsalt\b", re.I)
_FILLER_HEADER = re.compile(r"\b(?:filler|additive)\b", re.I)
_TEMP_HEADER = re.compile(r"^\s*(?:temp\.?|temperature|T)\s*\(?\s*°\s?C\)?\s*$|^T\s?\(°C\)$", re.I)
_ELECTRODE_HEADER = re.compile(r"\b(?:anode|cathode|electrode|CAM|active material)s?\b", re.I)
_CELL_HEADER = re.compile(r"\bcell\b|\bcells\b|cell performance", re.I)
# "TiS2 Li (205 mAh g^-1 @ 0.2 C and 120 °C)": a cell (positive, negative electrode) and its capacity
_CELL_CAPACITY = re.compile(
    rf"\((?P<q>~)?\s?(?P<cap>{quantities._NUM})\s?m\s?A\s?h\s?g\s?\^?-1(?P<rest>[^()]*(?:\([^()]*\)[^()]*)*)\)"
)
_REF_HEADER = re.compile(r"^\s*(?:refs?\.?|references?)\s*$", re.I)
_GARBLED_EXPONENT = re.compile(r"[×x*·]\s?10\s?\^(?!\s?[-+]?\s?[\d({])")
_VALUE_IN_CELL = re.compile(
    rf"(?P<q>~|≈|>|<|≥|≤)?\s?(?P<v>{quantities._VALUE})(?:\s?(?P<rng>–|-|to)\s?(?P<v2>{quantities._VALUE}))?"
    r"(?:\s?[(/]?\s?(?P<t>-?\d+(?:\.\d+)?)\s?~?\s?°\s?C\)?|\s?[(/]\s?(?P<rt>RT|rt)\)?)?"
)


@dataclass
class Column:
    index: int
    property: str | None = None
    unit_factor: float = 1.0
    canonical_unit: str = ""
    header: str = ""


class Vocabulary:
    """The words tables are read with: property labels for headers, method labels for section rows, and each
    property's canonical unit (for values written in prose cells)."""

    def __init__(self, properties: Iterable[tuple[str, str]], methods: Iterable[tuple[str, str]],
                 units: dict[str, str] | None = None):
        self.units = dict(units or {})
        def compiled(pairs, spaces: str, short_exact: bool):
            return [
                (re.compile(r"(?<![\w])" + re.escape(label).replace(r"\ ", spaces) + r"(?![a-z])",
                            0 if short_exact and len(label) <= 4 else re.I), value)
                for label, value in sorted(pairs, key=lambda x: -len(x[0]))
            ]

        self.properties = compiled(properties, r"[\s_]?", short_exact=True)
        self.method_labels = {label.lower(): pref for label, pref in methods}
        self.methods = compiled(self.method_labels.items(), r"\s?", short_exact=False)


def _property_of_header(header: str, property_words: list[tuple[re.Pattern, str]]) -> str | None:
    for pattern, key in property_words:
        if pattern.search(header):
            return key
    unit = _unit_of_header(header, None)
    if unit is not None and unit[1] == "mAh/g":
        return "specific_capacity"  # "Canacity (mA h g^-1)": the unit says it when OCR garbled the word
    return None


def _header_continues(first: list[str], second: list[str]) -> bool:
    """Is ``second`` the lower row of a two-row header: the first row mostly empty group labels, the second
    holding no data values (numbers in parentheses and exponents are units: "(wt%)", "(mA h g^-1)")?"""
    if sum(1 for c in first if not c.strip()) * 2 < len(first):
        return False
    bare = [re.sub(r"\([^()]*\)|\^\s?-?\d+|\{[^{}]*\}", "", c) for c in second]
    return not any(re.search(r"\d", c) for c in bare)


def _unit_of_header(header: str, prop: str | None) -> tuple[float, str] | None:
    m = _UNIT_IN_HEADER.search(header)
    text = next((g for g in (m.groups() if m else ()) if g), None) if m else None
    if text is None and prop == "transference_number":
        return 1.0, ""
    candidates = [text] if text else []
    if prop == "specific_capacity":
        candidates.append("mAh g^-1")
    for cand in candidates:
        found = quantities.find_quantities("1 " + cand.strip())
        if found and found[0].start == 0:
            return found[0].value, found[0].unit
    return None


def table_facts(block: Block, doc_id: str, aliases: dict[str, str | None], words: Vocabulary, style: str,
                expand) -> list[CandidateMeasurement | CandidateSynthesis]:
    """Measurements (and section-row syntheses) of one table block, with their row as evidence."""
    rows = block.rows
    if len(rows) < 2:
        return []
    header = [plain(c) for c in rows[0].cells]
    if len(rows) > 2 and _header_continues(header, [plain(c) for c in rows[1].cells]):
        # a grouped header over two rows ("Cathode | ... | Capacity" above "CAM (wt%) | ... | (mA h g^-1)")
        second = [plain(c) for c in rows[1].cells]
        header = [f"{a} {b}".strip() for a, b in zip(header + [""] * (len(second) - len(header)), second)]
        rows = rows[1:]
    header_text = " ".join(header)
    caption = plain(block.caption)
    rt_header = bool(re.search(r"@\s?RT|\bRT\b|room temperature", header_text)) or bool(
        re.search(r"at room temperature|at RT\b", caption)
    )
    columns: list[Column] = []
    material_col = salt_col = temp_col = ref_col = filler_col = cell_col = None
    for i, h in enumerate(header):
        prop = _property_of_header(h, words.properties)
        if prop:
            unit = _unit_of_header(h, prop)
            if unit is None and prop in ("ionic_conductivity", "electronic_conductivity"):
                unit = _unit_of_header(caption, prop)
            if unit is not None:
                columns.append(Column(i, prop, unit[0], unit[1], h))
            elif prop in ("ionic_conductivity", "electrochemical_window", "activation_energy", "specific_capacity"):
                columns.append(Column(i, prop, 0.0, "", h))  # units in the cells
            continue
        if _CELL_HEADER.search(h) and cell_col is None:
            cell_col = i
        elif _TEMP_HEADER.search(h) and temp_col is None:
            temp_col = i
        elif _REF_HEADER.search(h):
            ref_col = i
        elif material_col is None and _MATERIAL_HEADER.search(h):
            material_col = i
        elif _SALT_HEADER.search(h) and salt_col is None:
            salt_col = i
        elif _FILLER_HEADER.search(h) and filler_col is None:
            filler_col = i
    if not columns and cell_col is None:
        return []
    if material_col is None:
        material_col = _guess_material_column(rows[1:], aliases, {c.index for c in columns})
    electrode_table = material_col is not None and bool(_ELECTRODE_HEADER.search(header[material_col]))
    if material_col is None:
        return []
    out: list[CandidateMeasurement | CandidateSynthesis] = []
    section_method: str | None = None
    for row in rows[1:]:
        cells = [plain(c) for c in row.cells]
        if row.is_section:
            section_method = _method_in(cells, words)
            continue
        if material_col >= len(cells) or not cells[material_col]:
            continue
        if len(cells) < len(header):
            # a ragged row (a PDF merged two cells): the columns right of the material are read from the right
            shift = len(header) - len(cells)
            cells = cells[:material_col + 1] + [""] * shift + cells[material_col + 1:]
        material = _material_of_cell(cells[material_col], aliases)
        if material is None:
            continue
        name, formula = material
        for extra in (filler_col, salt_col):
            if extra is not None and extra < len(cells) and cells[extra] and cells[extra] not in "-–/_":
                name = f"{name}/{cells[extra]}"
                formula = None
        refs = _refs_of_row(cells, ref_col, style, expand)
        row_temp: float | str | None = None
        if temp_col is not None and temp_col < len(cells):
            t = re.match(r"^\s*(-?\d+(?:\.\d+)?)\s*$", cells[temp_col])
            row_temp = float(t.group(1)) if t else ("RT" if cells[temp_col].strip().upper() == "RT" else None)
        # "NaCB11H12 (NCB) milled", "ball-milled Li3PS4": the material cell says how this row's material was made
        made_by = next((label for pattern, label in words.methods if pattern.search(cells[material_col])), None) \
            if _WORD.search(cells[material_col]) else None
        methods = [m for m in (section_method, made_by) if m]
        row_text = "\t".join(row.cells).strip()
        for col in columns:
            if col.index >= len(cells):
                continue
            for value, value_max, qual, temp, unit, end in _values_of_cell(cells[col.index], col):
                t = temp if temp is not None else (row_temp if col.property != "activation_energy" else None)
                if t is None and rt_header and col.property in ("ionic_conductivity", "activation_energy"):
                    t = "RT" if col.property == "ionic_conductivity" or "@" in col.header else None
                owner = _owner_after(cells[col.index], end, aliases) or (name, formula)
                out.append(CandidateMeasurement(
                    owner[0], owner[1], col.property, value, value_max, unit, qual, t, list(methods), list(refs),
                    Evidence(doc_id, row.line, row_text, "table"),
                ))
        read = {c.index for c in columns} | {material_col, ref_col, temp_col, cell_col}
        for i, cell in enumerate(cells):
            if i not in read and cell:
                for prop, value, value_max, qual, unit in _values_in_prose(cell, words):
                    out.append(CandidateMeasurement(
                        name, formula, prop, value, value_max, unit, qual, None, list(methods), list(refs),
                        Evidence(doc_id, row.line, row_text, "table"),
                    ))
        if cell_col is not None and cell_col < len(cells):
            for cathode, value, qual, temp in _cell_capacities(cells[cell_col], aliases):
                # in a table of electrode materials the row's material is the active one; else the cell's positive
                active, active_formula = (name, formula) if electrode_table else (cathode, None)
                out.append(CandidateMeasurement(
                    active, active_formula, "specific_capacity", value, None, "mAh/g", qual, temp, [], list(refs),
                    Evidence(doc_id, row.line, row_text, "table"),
                ))
        for method in dict.fromkeys(methods):
            out.append(CandidateSynthesis(name, formula, method, list(refs), Evidence(doc_id, row.line, row_text, "table")))
    return out


def _cell_capacities(cell: str, aliases) -> list[tuple[str, float, str, float | None]]:
    """(positive electrode, capacity, qualifier, temperature) for each cell written in a table cell."""
    out = []
    pos = 0
    for m in _CELL_CAPACITY.finditer(cell):
        words = cell[pos:m.start()].split()
        pos = m.end()
        if not words:
            continue
        cathode = words[0] if len(words) >= 2 else words[0]
        t = re.search(r"(?:and|@|,)\s?(-?\d+(?:\.\d+)?)\s?°\s?C", m.group("rest"))
        out.append((cathode, float(m.group("cap")), "~" if m.group("q") else "=", float(t.group(1)) if t else None))
    return out


def _values_of_cell(cell: str, col: Column):
    """(value, value_max, qualifier, temperature, canonical unit, end offset) for each value in a cell."""
    if not cell or cell.strip() in {"-", "–", "/", "_", "ND", "N/A", "--"}:
        return
    if _GARBLED_EXPONENT.search(cell):
        return  # "5.72 × 10^-°": the exponent was lost; a value cannot be recovered (ANNOTATION: skip it)
    if col.unit_factor == 0.0:  # the unit is written in the cell
        for q in quantities.find_quantities(cell):
            if q.unit in ("S/cm", "eV", "V", "mAh/g", "mA/cm2"):
                t = re.match(r"\s?\(?\s?(-?\d+(?:\.\d+)?)\s?°\s?C", cell[q.end:])
                yield q.value, q.value_max, q.qualifier, float(t.group(1)) if t else None, q.unit, q.end
        if col.property != "electrochemical_window":
            return
    for m in _VALUE_IN_CELL.finditer(cell):
        if col.unit_factor == 0.0 and not (col.property == "electrochemical_window" and m.group("rng")):
            continue
        # skip numbers glued to words (C-rates "0.5C", cycle counts in parentheses after a first value)
        tail = cell[m.end("v2") if m.group("v2") else m.end("v"):][:3]
        if re.match(r"\s?(?:C\b|wt|%|mA|cycles?)|-[A-Za-z]", tail):
            continue  # "4-butylene": a number inside a word
        start = m.start("q") if m.group("q") else m.start("v")  # the match may begin with a space
        if start > 0 and (cell[start - 1].isalnum() or cell[start - 1] in "(,"):
            continue
        try:
            v = quantities.parse_number(m.group("v"))
            v2 = quantities.parse_number(m.group("v2")) if m.group("v2") else None
        except ParseError:
            continue
        factor = col.unit_factor or 1.0
        unit = col.canonical_unit if col.unit_factor or col.property == "transference_number" else "V"
        if col.property == "transference_number" and not 0 <= v <= 1:
            continue
        qual = {"~": "~", "≈": "~", ">": ">", "<": "<", "≥": ">=", "≤": "<="}.get(m.group("q") or "", "=")
        if qual == "=" and re.search(r"\bup to\s?$", cell[:start], re.I):
            qual = "<="  # "Up to 7": a bound (ANNOTATION C1)
        temp = float(m.group("t")) if m.group("t") else ("RT" if m.group("rt") else None)
        if col.property == "specific_capacity" and temp is None:
            # "171 (0.05C, 150) (25 °C)": the test temperature closes the cell
            t = re.search(r"\(\s?(-?\d+(?:\.\d+)?)\s?°\s?C\s?\)\s*$", cell)
            temp = float(t.group(1)) if t else None
        low, high = quantities._round(v * factor), (quantities._round(v2 * factor) if v2 is not None else None)
        if high is not None and high < low:
            low, high = high, low  # "0.01–0.001": a range written high to low
        yield low, high, qual, temp, unit, m.end()
        if col.property in ("specific_capacity", "transference_number"):
            return  # the rest of such a cell is test conditions (rate, cycles)


def _owner_after(cell: str, end: int, aliases) -> tuple[str, str | None] | None:
    """The material a cell names for one of its values: "<4 for Na3PS4" (else the row's material)."""
    m = re.match(r"\s?for\s", cell[end:])
    if not m:
        return None
    found = materials.find_materials(cell[end + m.end():], aliases, classes=False)
    return (found[0].text, found[0].formula) if found and found[0].start == 0 else None


def _values_in_prose(cell: str, words: Vocabulary):
    """Values a text cell states with their property ("Advantages: ... high oxidation voltage (0–5 V)"):
    a property word in the cell and a value in that property's unit after it."""
    prop_at = [(m.end(), key) for pattern, key in words.properties for m in pattern.finditer(cell)]
    if not prop_at:
        return
    for q in quantities.find_quantities(cell):
        named = [key for end, key in sorted(prop_at) if end <= q.start and words.units.get(key) == q.unit]
        if named:
            yield named[-1], q.value, q.value_max, q.qualifier, q.unit


def _guess_material_column(rows, aliases, taken: set[int]) -> int | None:
    best, best_score = None, 0
    width = max(len(r.cells) for r in rows)
    for i in range(width):
        if i in taken:
            continue
        score = sum(1 for r in rows if i < len(r.cells) and _material_of_cell(plain(r.cells[i]), aliases))
        if score > best_score:
            best, best_score = i, score
    return best if best_score >= max(1, len(rows) // 3) else None


def _material_of_cell(cell: str, aliases) -> tuple[str, str | None] | None:
    cell = re.sub(r"\s?\^\d{1,3}(?:[,–-]\d{1,3})*$", "", cell).strip()  # a trailing superscript citation
    found = materials.find_materials(cell, aliases, classes=False)
    if not found:
        if re.search(r"[A-Za-z]{2,}", cell) and len(cell) < 60 and not re.search(r"\d\s?[×x]\s?10|et al", cell):
            return cell, None  # a name as the table writes it ("Oxide electrolytes", "PTHF")
        return None
    m = found[0]
    if m.start <= 2 and m.end >= len(cell) - 2:
        return m.text, m.formula
    if m.kind != "class" and re.match(r"\s?\(\d+(?:\.\d+)?\s?(?:wt\s?%|%)?(?:\)|$)", cell[m.end:]):
        return m.text, m.formula  # "NCM811 (79.4) VGCF (3)": a composition; the first material is the row's
    if m.kind != "class":
        # "Li3PS4 ball-milled", "NaCB11H12 (NCB) as-prepared": words that say how it was made keep the formula
        how = len(found) == 1 and re.fullmatch(r"[a-z][a-z\s-]*", (cell[:m.start] + cell[m.end:]).strip())
        return (cell if len(cell) < 90 else m.text), (m.formula if cell == m.text or how else None)
    return cell, None


def _refs_of_row(cells: list[str], ref_col: int | None, style: str, expand) -> list[str]:
    if ref_col is not None and ref_col < len(cells):
        m = re.search(r"\[?(\d[\d,–\-\s]*)\]?", cells[ref_col])
        if m and re.search(r"\d", m.group(1)):
            return expand(m.group(1).replace(" ", ""))
    for c in cells[:2]:
        m = re.search(r"(?:et al\.?|\^)\s?\^?(\d{1,3}(?:[,–-]\d{1,3})*)\s*$", c)
        if m:
            return expand(m.group(1))
    return []


_WORD = re.compile(r"[a-z]{4,}")  # a method name has one; most material cells are formulas without


def _method_in(cells: list[str], words: Vocabulary) -> str | None:
    """The method a section row names: "SSE with atomic lay | er deposition" (a PDF split the words
    across cells), "SSE with chemical vapor depostion" (an OCR slip: the closest label wins)."""
    filled = [c for c in cells if c]
    texts = [" ".join(filled), "".join(filled)]
    for text in texts:
        for pattern, label in words.methods:
            if pattern.search(text):
                return label
    phrase = re.split(r"\b(?:with|by|via|using)\s", texts[0])[-1].strip().lower()
    close = difflib.get_close_matches(phrase, list(words.method_labels), n=1, cutoff=0.9)
    return words.method_labels[close[0]] if close else None