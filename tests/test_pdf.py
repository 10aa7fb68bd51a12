"""PDF ingest: a small paper is typeset in the test (fpdf2), read back with PDFium and run through the pipeline."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import ReadError
from kg.pdf import pdf_text

TITLE = "Fast lithium-ion conduction in argyrodite and halide solid electrolytes"
BODY = ("Sulfide electrolytes are soft and easy to press into dense pellets at low pressure. Li6PS5Cl exhibits an "
        "ionic conductivity of 4.96 mS/cm at 25 °C [1]. The activation energy of Li3InCl6 is 0.33 eV [2]. "
        "Li3InCl6 was prepared by ball milling [2].")
TABLE = [("Electrolyte", "Ionic conductivity (mS/cm) @RT", "Ea (eV)", "Refs."),
         ("Li6PS5Cl", "4.96", "0.25", "[1]"),
         ("Li10GeP2S12", "12", "0.22", "[3]")]
REFS = [
    "[1] H. Deiseroth, S. Kong, H. Eckert, Li6PS5X: a class of crystalline Li-rich solids with an unusually high "
    "Li+ mobility, Angew. Chem. Int. Ed. 47 (2008) 755-758. doi:10.1002/anie.200703900",
    "[2] T. Asano, A. Sakai, S. Ouchi, Solid halide electrolytes with high lithium-ion conductivity, Adv. Mater. "
    "30 (2018) 1803075. doi:10.1002/adma.201803075",
    "[3] N. Kamaya, K. Homma, A lithium superionic conductor, Nat. Mater. 10 (2011) 682-686. doi:10.1038/nmat3066",
]


def make_pdf(path: Path, *, body: str = BODY, pages: int = 1) -> Path:
    """A one-column paper: title, authors, DOI, a section, a ruled table whose header cell wraps, a caption and
    a numbered reference list (the reference list on the last page)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)

    def para(text, size=10, style="", h=5):
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, h, text, new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    para(TITLE, 14, "B", 8)
    para("A. Author, B. Writer and C. Third")
    para("DOI: 10.1234/test.2024.001")
    pdf.ln(4)
    para("1. Introduction", 12, "B", 7)
    para(body)
    pdf.ln(4)
    para("Table 1. Ionic conductivity and activation energy of the electrolytes.")
    pdf.set_font("Helvetica", "", 10)
    with pdf.table(col_widths=(50, 40, 30, 20), text_align="LEFT") as t:
        for row in TABLE:
            r = t.row()
            for cell in row:
                r.cell(cell)
    for _ in range(pages - 1):
        pdf.add_page()
        para("Further discussion of grain boundaries and interfaces follows in the next section of this work.")
    pdf.ln(4)
    para("References", 12, "B", 7)
    for ref in REFS:
        para(ref)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def paper_pdf(tmp_path_factory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("pdf") / "pdfpaper.pdf")


def test_text_layout(paper_pdf):
    text = pdf_text(paper_pdf)
    lines = text.splitlines()
    assert lines[0] == TITLE
    assert "DOI: 10.1234/test.2024.001" in lines
    # the table comes out as TAB-separated rows; the wrapped header cell ("... @RT" on a second line, the other
    # header cells vertically centred) is folded back into one row
    assert "Electrolyte\tIonic conductivity (mS/cm) @RT\tEa (eV)\tRefs." in lines
    assert "Li6PS5Cl\t4.96\t0.25\t[1]" in lines and "Li10GeP2S12\t12\t0.22\t[3]" in lines
    assert any(l.startswith("[3] N. Kamaya") and l.endswith("doi:10.1038/nmat3066") for l in lines)
    # paragraphs and headings are separated by blank lines; no digits split by a narrow glyph
    assert lines[lines.index("1. Introduction") - 1] == ""
    assert "1 0" not in text


def test_pdf_ingest_facts(paper_pdf, tmp_path):
    from kg.export import read_facts
    from kg.pipeline import ingest
    from kg.store import Store

    with Store(tmp_path / "s") as s:
        rep = ingest([paper_pdf], s, progress=False)
        assert rep.ok and [p.status for p in rep.papers] == ["ingested"]
        p = rep.papers[0]
        assert (p.doc_id, p.references, p.tables) == ("pdfpaper", 3, 1)
        facts = read_facts(s)
        again = ingest([paper_pdf], s, progress=False)  # the file's bytes are unchanged: a no-op
        assert [x.status for x in again.papers] == ["unchanged"]
        meta = s.select("SELECT ?t ?d WHERE { GRAPH ?g { ?p a bibo:AcademicArticle ; dcterms:title ?t ; bibo:doi ?d } }")
    assert [(r["t"].value, r["d"].value) for r in meta] == [(TITLE, "10.1234/test.2024.001")]
    got = {(f["source"], f["material"], f.get("property") or f.get("method"),
            None if f.get("value") is None else round(f["value"], 9), f.get("temperature_c"), tuple(f["cited"]))
           for f in facts}
    assert got >= {
        ("text", "Li6PS5Cl", "ionic_conductivity", 0.00496, 25.0, ("10.1002/anie.200703900",)),
        ("text", "Li3InCl6", "activation_energy", 0.33, None, ("10.1002/adma.201803075",)),
        ("text", "Li3InCl6", "ball milling", None, None, ("10.1002/adma.201803075",)),
        ("table", "Li6PS5Cl", "ionic_conductivity", 0.00496, "RT", ("10.1002/anie.200703900",)),
        ("table", "Li6PS5Cl", "activation_energy", 0.25, None, ("10.1002/anie.200703900",)),
        ("table", "Li10GeP2S12", "ionic_conductivity", 0.012, "RT", ("10.1038/nmat3066",)),
        ("table", "Li10GeP2S12", "activation_energy", 0.22, None, ("10.1038/nmat3066",)),
    }
    # evidence points at the line of the extracted text
    lines = pdf_text(paper_pdf).splitlines()
    for f in facts:
        if f["source"] == "table":
            assert lines[f["line"] - 1].startswith(f["material"] + "\t")
        else:
            assert f["evidence"] in "\n".join(lines[f["line"] - 3:f["line"] + 2])


def test_multi_page_pdf(tmp_path):
    path = make_pdf(tmp_path / "twopages.pdf", pages=2)
    lines = pdf_text(path).splitlines()
    assert "Further discussion of grain boundaries and interfaces follows in the next section of this work." in lines
    assert lines.index("References") > lines.index("Li10GeP2S12\t12\t0.22\t[3]")


def test_bad_pdfs_are_one_clear_error(tmp_path):
    from fpdf import FPDF

    from kg.reader import read_document

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n this is not really a PDF\n")
    with pytest.raises(ReadError, match=r"broken\.pdf: not a readable PDF"):
        read_document(broken)
    notpdf = tmp_path / "notpdf.pdf"
    notpdf.write_text("plain text with a .pdf name\n")
    with pytest.raises(ReadError, match=r"notpdf\.pdf: not a PDF"):
        read_document(notpdf)
    empty = tmp_path / "scan.pdf"
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)  # a drawing, no text: what a scanned page looks like to a text extractor
    pdf.output(str(empty))
    with pytest.raises(ReadError, match=r"scan\.pdf: PDF holds no extractable text"):
        read_document(empty)


def test_a_big_pdf_is_read_through_its_path_not_into_memory(tmp_path):
    """pdf_text(path) hands the path to PDFium, which reads the file as it needs it: a PDF of ~12 MB (an
    incompressible image beside the text) is extracted with a Python-side memory peak far below the file's size
    (reading the file's bytes first would put all of it on the Python heap)."""
    import os
    import tracemalloc

    from fpdf import FPDF
    from PIL import Image

    path = tmp_path / "big-image.pdf"
    noise = Image.frombytes("RGB", (2000, 2000), os.urandom(2000 * 2000 * 3))  # random pixels: no compression
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, BODY, new_x="LMARGIN", new_y="NEXT")
    pdf.image(noise, x=10, y=60, w=100)
    pdf.output(str(path))
    del noise, pdf
    size = path.stat().st_size
    assert size > 10 * 2**20
    tracemalloc.start()
    try:
        text = pdf_text(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Li6PS5Cl exhibits an ionic conductivity" in " ".join(text.split())
    assert peak < size / 4, (peak, size)
    assert pdf_text(path.read_bytes(), name=str(path)) == text  # the bytes form still works, same text
