"""kg.reader: blocks and 1-based line spans, front matter, the seeds, and bad input."""
from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

import kg.reader
from kg.errors import ReadError
from kg.reader import decode, parse_document, read_document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

PAPER = """A fast sulfide electrolyte for solid-state lithium batteries

Alice Smith, Bob Jones and Carol White

DOI: 10.1234/abc.2021.001

Abstract

We report Li6PS5Cl with an ionic conductivity of 4.96 mS cm⁻¹ at 25 °C [1].

1. Introduction

Solid electrolytes are studied widely [2,3]. The conductivity of sulfide electrolytes is
high, and the oxides are stable

against lithium metal [1].

2.2.1. Synthesis of the powders

Li6PS5Cl was prepared by ball milling [3].

Table 1. Conductivities of the electrolytes.
Electrolyte\tσ (mS cm⁻¹)\tEa (eV)\tRefs.
Sulfide\telectrolytes\t\t
Li6PS5Cl\t4.96\t0.25\t[1]
Li10GeP2S12\t12\t0.22\t[2]

| Material | Window (V) | Ref |
|---|---|---|
| LLZO | 0-6 | [3] |

References

[1] A. Smith, B. Jones, J. Power Sources 10 (2020) 1-10.
[2] C. White, Solid State Ionics 20 (2019) 5-9.
[3] D. Brown, Nature 5 (2018) 100.
"""


@pytest.fixture(scope="module")
def doc():
    return parse_document(PAPER, "hand")


def test_front_matter(doc):
    assert doc.doc_id == "hand"
    assert doc.title == "A fast sulfide electrolyte for solid-state lithium batteries"
    assert doc.authors == ["Alice Smith", "Bob Jones", "Carol White"]
    assert doc.doi == "10.1234/abc.2021.001"
    assert doc.lines[0] == doc.title and len(doc.lines) == 37


def test_block_kinds_and_spans(doc):
    spans = [(b.kind, b.line_start, b.line_end) for b in doc.blocks]
    assert spans == [
        ("title", 1, 1),
        ("authors", 3, 3),
        ("paragraph", 5, 5),
        ("heading", 7, 7),
        ("paragraph", 9, 9),
        ("heading", 11, 11),
        ("paragraph", 13, 16),
        ("heading", 18, 18),
        ("paragraph", 20, 20),
        ("caption", 22, 22),
        ("table", 23, 26),
        ("table", 28, 30),
        ("references", 32, 37),
    ]


def test_headings_text(doc):
    assert [b.text for b in doc.blocks if b.kind == "heading"] == [
        "Abstract", "1. Introduction", "2.2.1. Synthesis of the powders"]


def test_paragraph_broken_across_page_is_joined(doc):
    (para,) = [b for b in doc.blocks if b.line_start == 13]
    assert para.text == (
        "Solid electrolytes are studied widely [2,3]. The conductivity of sulfide electrolytes is\n"
        "high, and the oxides are stable\n\nagainst lithium metal [1]."
    )
    # offsets in the block text map back to source lines
    assert para.line_of(para.text.index("against")) == 16
    assert para.line_of(para.text.index("high")) == 14


def test_tab_table_rows_and_section_row(doc):
    (table,) = [b for b in doc.blocks if b.kind == "table" and b.line_start == 23]
    assert table.caption == "Table 1. Conductivities of the electrolytes."
    assert [(r.cells, r.line, r.is_section) for r in table.rows] == [
        (["Electrolyte", "σ (mS cm⁻¹)", "Ea (eV)", "Refs."], 23, False),
        (["Sulfide", "electrolytes", "", ""], 24, True),
        (["Li6PS5Cl", "4.96", "0.25", "[1]"], 25, False),
        (["Li10GeP2S12", "12", "0.22", "[2]"], 26, False),
    ]


def test_pipe_table(doc):
    (table,) = [b for b in doc.blocks if b.kind == "table" and b.line_start == 28]
    assert [(r.cells, r.line) for r in table.rows] == [(["Material", "Window (V)", "Ref"], 28), (["LLZO", "0-6", "[3]"], 30)]


def test_references_and_citations(doc):
    assert [(r.number, r.line, r.year) for r in doc.references] == [(1, 34, 2020), (2, 35, 2019), (3, 36, 2018)]
    assert [r.authors for r in doc.references] == [["A. Smith", "B. Jones"], ["C. White"], ["D. Brown"]]
    assert [(c.numbers, c.line) for c in doc.citations] == [
        ([1], 9), ([2, 3], 13), ([1], 16), ([3], 20), ([1], 25), ([2], 26), ([3], 30)]


def test_elsevier_table_caption_on_two_lines():
    text = "Some title of a paper here\n\nA. B and C. D\n\nTable 1\n\nConductivity of hydrides.\n\nLiBH4\t1e-8\t[1]\nLiI\t2\t[2]\n"
    d = parse_document(text, "x")
    caps = [(b.kind, b.text, b.line_start, b.line_end) for b in d.blocks if b.kind == "caption"]
    assert caps == [("caption", "Table 1. Conductivity of hydrides.", 5, 7)]
    (table,) = [b for b in d.blocks if b.kind == "table"]
    assert (table.line_start, table.line_end, table.caption) == (9, 10, "Table 1. Conductivity of hydrides.")


def test_crlf_lines():
    d = parse_document("A title with four words\r\n\r\nBody text here.\r\n", "crlf")
    assert d.lines == ["A title with four words", "", "Body text here.", ""]
    assert d.title == "A title with four words"


# --- the seeds -------------------------------------------------------------------------------------

SEEDS = {
    "000": ("Mechanochemical Synthesis of Solid-State Electrolytes", "10.3390/inorganics12020054", 3),
    "001": ("Research Progress on Solid-State Electrolytes in Solid-State Lithium Batteries: Classification, "
            "Ionic Conductive Mechanism, Interfacial Challenges", "10.3390/nano14221773", 6),
    "002": ("Hydrides for solid-state batteries: A review", None, 2),  # Table 1 and Table 2 (its continuation row "\t\t\tLCO ..." stays in it)
    "003": ("Recent advances in all-solid-state batteries for commercialization", "10.1039/d3qm01171b", 4),
    "004": ("Enhanced Room-Temperature Ionic Conductivity of NaCB₁₁H₁₂ via High-Energy Mechanical Milling",
            "10.1021/acsami.1c21113", 1),
}


@pytest.fixture(scope="module")
def seeds():
    return {p: read_document(next(CORPUS.glob(f"{p}_*.txt"))) for p in SEEDS}


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_front_matter_and_tables(prefix, seeds):
    title, doi, n_tables = SEEDS[prefix]
    d = seeds[prefix]
    assert d.title == title
    assert title in d.lines[[b for b in d.blocks if b.kind == "title"][0].line_start - 1]
    assert d.doi == doi
    assert sum(1 for b in d.blocks if b.kind == "table") == n_tables
    assert d.doc_id == next(CORPUS.glob(f"{prefix}_*.txt")).stem
    assert [b.kind for b in d.blocks].count("references") == 1


def test_seed_table_spans(seeds):
    spans = {p: [(b.line_start, b.line_end, len(b.rows)) for b in d.blocks if b.kind == "table"] for p, d in seeds.items()}
    assert spans["001"][0] == (92, 111, 20)
    assert spans["004"] == [(292, 294, 3)]
    t = next(b for b in seeds["001"].blocks if b.kind == "table")
    assert t.caption.startswith("Table 1. The ionic conductivity and the transference number")
    assert t.rows[1].line == 93 and t.rows[1].cells[:3] == ["CA/PEGMEA/SN", "LiTFSI", "25"]


def test_seed_section_rows(seeds):
    tables = [b for b in seeds["003"].blocks if b.kind == "table"]
    sections = [(r.line, r.cells[:2]) for b in tables for r in b.rows if r.is_section]
    assert sections[0] == (197, ["SSE with thin-film", "deposition methods"])
    assert len(sections) == 3


def test_seed_years(seeds):
    assert {p: d.year for p, d in seeds.items() if p != "004"} == {"000": 2024, "001": 2024, "002": 2022, "003": 2024}


# --- bad input -------------------------------------------------------------------------------------


def _write(tmp_path, name, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n  ", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), "binary"),
        ("pdf.txt", b"%PDF-1.4 not text", "binary"),
        ("nul.txt", b"abc\x00def" * 3, "NUL"),
        ("random.txt", bytes(random.Random(7).getrandbits(8) for _ in range(4096)) + bytes(100), "not text"),
        ("controls.txt", bytes(range(256)) * 4, "not text"),
    ],
)
def test_bad_files_raise_read_error_naming_the_file(tmp_path, name, data, words):
    p = _write(tmp_path, name, data)
    with pytest.raises(ReadError) as e:
        read_document(p)
    assert str(p) in str(e.value)
    assert e.value.path == str(p)
    assert words in str(e.value)


def test_missing_file(tmp_path):
    p = tmp_path / "nope.txt"
    with pytest.raises(ReadError) as e:
        read_document(p)
    assert str(p) in str(e.value)


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(kg.reader, "MAX_BYTES", 100)
    p = _write(tmp_path, "big.txt", b"A title of this long paper\n\n" + b"word " * 100)
    with pytest.raises(ReadError) as e:
        read_document(p)
    assert str(p) in str(e.value) and "too large" in str(e.value)


def test_utf16_with_bom_decodes(tmp_path):
    text = "Müller wrote about Li₆PS₅Cl electrolytes\n\nA. Müller\n"
    p = _write(tmp_path, "u16.txt", text.encode("utf-16"))
    d = read_document(p)
    assert d.title == "Müller wrote about Li₆PS₅Cl electrolytes"
    assert d.doc_id == "u16"


def test_latin1_decodes(tmp_path):
    p = _write(tmp_path, "l1.txt", "Electrolytes reviewed by Müller and others\n\nJ. Müller\n".encode("latin-1"))
    d = read_document(p)
    assert d.title == "Electrolytes reviewed by Müller and others"
    assert d.lines[2] == "J. Müller"


@pytest.mark.parametrize(
    "raw, text",
    [
        (codecs.BOM_UTF8 + "Title ü".encode(), "Title ü"),
        ("Müller".encode("utf-16-le") and codecs.BOM_UTF16_LE + "Müller".encode("utf-16-le"), "Müller"),
        (codecs.BOM_UTF16_BE + "Li₆PS₅Cl".encode("utf-16-be"), "Li₆PS₅Cl"),
        ("Müller et al.".encode("latin-1"), "Müller et al."),
        ("plain ascii".encode(), "plain ascii"),
    ],
)
def test_decode(raw, text):
    assert decode(raw, "/x/p.txt") == text


def test_decode_error_names_path():
    with pytest.raises(ReadError, match=r"^/x/p\.txt"):
        decode(b"", "/x/p.txt")


def test_overlong_line_is_rejected():
    with pytest.raises(ReadError) as e:
        parse_document("Title words are here\n" + "x" * (kg.reader.MAX_LINE_CHARS + 1), "long", "/x/long.txt")
    assert str(e.value).startswith("/x/long.txt:2:")
