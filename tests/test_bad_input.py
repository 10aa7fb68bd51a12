"""Bad input on every reader path (text, markdown, PDF), through the real ``kg ingest`` in a child process: each
bad file gives one clear message naming it (and the line where that makes sense), the exit code is 1, no
traceback, and the good files beside it still land in the store.

Big files are sparse (``truncate``): fast, and they take no disk. The reader checks the size before reading,
so they are never read into memory (checked with tracemalloc).
"""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from kg.errors import ReadError
from kg.store import Store

GOOD = ("Ionic conductivity of argyrodite solid electrolytes\n\nA. Author and B. Writer\n\n1. Introduction\n\n"
        "Li6PS5Cl exhibits an ionic conductivity of 4.96 mS cm⁻¹ at 25 °C [1].\n\nReferences\n\n"
        "[1] H. Deiseroth, S. Kong, Li6PS5X: a class of crystalline Li-rich solids, Angew. Chem. 47 (2008) 755-758.\n")
MB = 1024 * 1024


def _sparse(path: Path, size: int, head: bytes = b"") -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def _fpdf_paper(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, "Halide solid electrolytes for lithium batteries", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, "A. Author and B. Writer", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 7, "1. Introduction", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, "Halides are stable at high voltage. The activation energy of Li3InCl6 is 0.33 eV [1].",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 5, "References", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, "[1] T. Asano, A. Sakai, Solid halide electrolytes, Adv. Mater. 30 (2018) 1803075.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def build_folder(d: Path) -> dict[str, tuple[Path, str | None]]:
    """name -> (path, expected message after '<path>' or None when the file must be ingested)."""
    d.mkdir()
    rnd = random.Random(7)
    cases: dict[str, tuple[Path, str | None]] = {}

    def add(name: str, data: bytes, expect: str | None) -> Path:
        p = d / name
        p.write_bytes(data)
        cases[name] = (p, expect)
        return p

    # good papers on each reader path (they must land whatever fails beside them)
    add("good_text.txt", GOOD.encode(), None)
    add("good_markdown.md", ("# " + GOOD.replace("1. Introduction", "## 1. Introduction")).encode(), None)
    if _has_fpdf():
        cases["good_pdf.pdf"] = (_fpdf_paper(d / "good_pdf.pdf"), None)
    # decodable oddities: read, not refused
    add("utf16_bom.txt", GOOD.replace("Author", "Müller").encode("utf-16"), None)
    add("latin1.md", GOOD.replace("Li6PS5Cl", "Li6PS5Cl (Müller)").replace("⁻¹", "-1").encode("latin-1"), None)
    add("nul_in_text.txt", GOOD.replace("exhibits", "exhi\x00bits").encode() + b"x" * 200, None)
    add("latex_unbalanced.md", (GOOD.split("1. Introduction")[0] + "1. Introduction\n\n"
                                "$\\text{Li}_{6{PS}_5Cl$ has {1.9 \\times 10^{-3 S cm^{-1}}} at {{{ 25 °C }\n"
                                "\\frac{a}{b \\mathrm{x\n").encode(), None)
    add("ragged_table.txt", (GOOD.split("References")[0] + "Table 1. Conductivities.\nMaterial\tσ (mS cm⁻¹)\tEa (eV)\n"
                             "Li6PS5Cl\t4.96\nLi3InCl6\t1.2\t0.3\t[1]\textra\tcells\n\t\t\t\t\t\n\nEnd of text.\n").encode(),
        None)
    add("no_references.txt", GOOD.split("References")[0].encode(), None)
    # refused, with the reason
    add("empty.txt", b"", ": empty file (no text)")
    add("empty_md.md", b"", ": empty file (no text)")
    add("whitespace.md", b"  \n\t\n   \r\n", ": empty file (no text)")
    add("png.txt", b"\x89PNG\r\n\x1a\n" + rnd.randbytes(2000), ": binary file (an image, PDF or archive), not text")
    add("random.txt", rnd.randbytes(5000), None)  # message depends on the bytes: checked below
    add("nul_bytes.md", b"\x00" * 300 + b"abc", ": binary file (300 NUL bytes), not text")
    add("long_line.txt", b"A title line here\n" + b"x" * 300_000 + b"\n",
        ":2: line of 300000 characters: not a paper's text")
    add("only_references.txt", GOOD[GOOD.index("References"):].encode(),
        ":1: a reference list with no paper before it (no title, no body text)")
    line50 = d / "line_50mb.txt"
    with open(line50, "wb") as fh:  # a real 50 MB single line
        fh.write(b"Li6PS5Cl " * (50 * MB // 9))
    cases["line_50mb.txt"] = (line50, ": file too large (52 MB > 20 MB limit)")
    cases["big_200mb.txt"] = (_sparse(d / "big_200mb.txt", 200 * MB, b"A title\n"), ": file too large (210 MB > 20 MB limit)")
    cases["big_200mb_md.md"] = (_sparse(d / "big_200mb_md.md", 200 * MB), ": file too large (210 MB > 20 MB limit)")
    # PDF path
    add("empty_pdf.pdf", b"", ": not a PDF (no %PDF header)")
    add("png_pdf.pdf", b"\x89PNG\r\n\x1a\n" + rnd.randbytes(500), ": not a PDF (no %PDF header)")
    add("random_pdf.pdf", rnd.randbytes(3000), ": not a PDF (no %PDF header)")
    add("broken_pdf.pdf", b"%PDF-1.7\n" + rnd.randbytes(2000),
        ": not a readable PDF: Failed to load document (PDFium: Data format error).")
    cases["big_pdf.pdf"] = (_sparse(d / "big_pdf.pdf", 200 * MB + 1, b"%PDF-1.7\n"),
                            ": file too large (210 MB > 200 MB limit)")
    # folder oddities
    sub = d / "sub"
    sub.mkdir()
    (sub / "loop").symlink_to("..")  # a symlink loop in the folder
    cases["sub/loop"] = (sub / "loop", f": symlink loop (leads back to {os.path.realpath(d)}); not followed")
    (d / "self_loop.txt").symlink_to("self_loop.txt")
    cases["self_loop.txt"] = (d / "self_loop.txt", ": symlink loop; skipped")
    (d / "dangling.md").symlink_to("gone.md")
    cases["dangling.md"] = (d / "dangling.md", ": broken symlink (its target does not exist); skipped")
    os.mkfifo(d / "fifo.txt")  # reading it would block forever
    cases["fifo.txt"] = (d / "fifo.txt", ": not a regular file (a FIFO, socket or device); skipped")
    # rich markup in names is printed verbatim (a MarkupError killed the whole ingest before)
    add("[bold]markup.txt", b"", ": empty file (no text)")
    (d / "x[").mkdir()
    add("x[/b].txt", b"", ": empty file (no text)")
    return cases


def _has_fpdf() -> bool:
    try:
        import fpdf  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad")
    cases = build_folder(base / "papers")
    store = base / "store"
    kg = Path(sys.executable).parent / "kg"
    proc = subprocess.run([str(kg), "--store", str(store), "ingest", str(base / "papers"), "--no-progress"],
                          capture_output=True, text=True, timeout=240, env={**os.environ, "COLUMNS": "80"})
    return cases, store, proc


def test_exit_code_and_no_traceback(bad_run):
    _, _, proc = bad_run
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "Error" not in proc.stderr  # no exception class names (MarkupError, ZeroDivisionError, ...)


def test_each_bad_file_gets_one_clear_message(bad_run):
    cases, _, proc = bad_run
    lines = proc.stderr.splitlines()
    for name, (path, expect) in cases.items():
        mine = [line for line in lines if line.startswith(f"error {path}:")]
        if expect is None and name != "random.txt":
            assert not mine, (name, mine)
            continue
        assert len(mine) == 1, (name, mine, proc.stderr[-2000:])
        if name == "random.txt":
            assert re.fullmatch(rf"error {re.escape(str(path))}:\d+: not text: undecodable bytes \(first at byte \d+\)",
                                mine[0]), mine
        else:
            assert mine[0] == f"error {path}{expect}", (name, mine[0])
    failed = sum(1 for _, e in cases.values() if e is not None) + 1  # + random.txt
    assert f"{failed} file(s) failed (see the errors above); the others were stored" in proc.stderr


def test_the_good_files_still_land(bad_run):
    cases, store, _ = bad_run
    expected = sorted(p.stem for name, (p, e) in cases.items() if e is None and name != "random.txt")
    from kg.export import read_facts

    with Store(store, writable=False) as s:
        assert s.papers() == expected
        facts = read_facts(s)
        titles = {r["doc"].value: r["t"].value for r in s.select(
            "SELECT ?doc ?t WHERE { GRAPH ?g { ?p dcterms:identifier ?doc ; dcterms:title ?t } }")}
        text = s.select('SELECT ?x WHERE { GRAPH ?g { ?e sse:text ?x FILTER(CONTAINS(?x, "exhibits")) } }')
    by_doc = {}
    for f in facts:
        by_doc.setdefault(f["doc"], []).append(f)
    conductivity = {d for d, fs in by_doc.items() if any(f.get("value") == 0.00496 for f in fs)}
    # UTF-16, latin-1 and the NUL byte are read: their papers hold the same measurement as the plain one
    assert {"good_text", "good_markdown", "utf16_bom", "latin1", "nul_in_text", "no_references"} <= conductivity
    assert titles["utf16_bom"] == titles["good_text"] == "Ionic conductivity of argyrodite solid electrolytes"
    assert all("\x00" not in r["x"].value for r in text)
    if "good_pdf.pdf" in cases:
        assert any(f.get("value") == 0.33 for f in by_doc["good_pdf"])


def test_the_store_is_valid_after_the_bad_run(bad_run):
    from kg.cli import check_store

    _, store, _ = bad_run
    with Store(store, writable=False) as s:
        assert check_store(s, shacl=False) == []


# -- big files are refused before they are read ------------------------------------------------------------------

def test_big_files_are_never_read_into_memory(tmp_path):
    from kg.pdf import pdf_text
    from kg.pipeline import file_sha256
    from kg.reader import read_document, read_text

    big = _sparse(tmp_path / "big.txt", 200 * MB, b"Title\n")
    big_pdf = _sparse(tmp_path / "big.pdf", 200 * MB + 1, b"%PDF-1.7\n")
    tracemalloc.start()
    try:
        for call, path in ((read_text, big), (read_document, big), (pdf_text, big_pdf), (read_document, big_pdf)):
            with pytest.raises(ReadError, match="file too large") as exc:
                call(path)
            assert exc.value.path == str(path)
        file_sha256(big)  # ingest hashes every file first: in 1 MB chunks
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB, peak


def test_symlink_loop_given_directly(tmp_path):
    from kg.pipeline import expand_paths

    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop.name)
    files, failed = expand_paths([loop, tmp_path / "missing.txt"])
    assert files == []
    assert [r.error for r in failed] == [f"{loop}: symlink loop; skipped",
                                         f"{tmp_path / 'missing.txt'}: no such file or directory"]


def test_a_folder_reached_twice_is_no_loop(tmp_path):
    """Two links to one folder (not an ancestor): its files are ingested once and nothing is reported."""
    from kg.pipeline import expand_paths

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.txt").write_text(GOOD)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "link").symlink_to(tmp_path / "a")
    files, failed = expand_paths([tmp_path])
    assert failed == [] and [f.name for f in files] == ["p.txt"]


def test_query_table_prints_values_verbatim(filled_store):
    """A value that looks like rich markup is printed as written (it raised MarkupError or vanished)."""
    from typer.testing import CliRunner

    from kg.cli import app

    res = CliRunner().invoke(app, ["--store", str(filled_store), "query", "--param", "x=[/b] and [bold]y[/bold]",
                                   "SELECT ?x WHERE { }"])
    assert res.exit_code == 0, res.output
    assert "[/b] and [bold]y[/bold]" in res.stdout
