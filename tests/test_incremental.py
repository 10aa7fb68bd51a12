"""Incremental ingestion: unchanged files, changed files, removal, new papers joining the graph, and
one-at-a-time == all-at-once."""
from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from kg import iris
from kg.cli import app
from kg.pipeline import ingest
from kg.store import Store

runner = CliRunner()
HEAD = "{title}\n\nA. Author and B. Writer\n\n1. Introduction\n\n"


def paper(title: str, body: str, refs: list[str]) -> str:
    return HEAD.format(title=title) + body + "\n\nReferences\n\n" + "\n".join(refs) + "\n"


REF_ARGYRODITE = ("[1] H. Deiseroth, S. Kong, H. Eckert, Li6PS5X: a class of crystalline Li-rich solids with an "
                  "unusually high Li+ mobility, Angew. Chem. Int. Ed. 47 (2008) 755-758. doi:10.1002/anie.200703900")
REF_HALIDE = ("[2] T. Asano, A. Sakai, S. Ouchi, Solid halide electrolytes with high lithium-ion conductivity, "
              "Adv. Mater. 30 (2018) 1803075. doi:10.1002/adma.201803075")
REF_GARNET = ("[2] R. Murugan, V. Thangadurai, W. Weppner, Fast lithium ion conduction in garnet-type "
              "Li7La3Zr2O12, Angew. Chem. Int. Ed. 46 (2007) 7778-7781. doi:10.1002/anie.200701144")

PAPER_A = paper("Argyrodite and halide solid electrolytes for all-solid-state batteries",
                "Li6PS5Cl exhibits an ionic conductivity of 4.96 mS cm⁻¹ at 25 °C [1]. "
                "The activation energy of Li3InCl6 is 0.33 eV [2].", [REF_ARGYRODITE, REF_HALIDE])
PAPER_B = paper("Garnet and argyrodite electrolytes compared in lithium metal cells",
                "The ionic conductivity of Li₆PS₅Cl is 2.2 mS cm⁻¹ at room temperature [1]. "
                "Li7La3Zr2O12 shows an ionic conductivity of 0.5 mS cm⁻¹ at 25 °C [2].",
                [REF_ARGYRODITE.replace("doi:10.1002/anie.200703900", "https://doi.org/10.1002/ANIE.200703900"),
                 REF_GARNET])


@pytest.fixture(scope="module")
def ctx():
    from kg.extract import Extractor
    from kg.ontology import load_lexicon

    return {"lexicon": load_lexicon(), "extractor": Extractor(), "progress": False}


def quads(path) -> set[str]:
    with Store(path, writable=False) as s:
        return set(map(str, s.ox))


def graph_quads(s: Store, doc: str) -> set[str]:
    return set(map(str, s.paper_quads(doc))) | set(map(str, s.paper_quads(doc, rejects=True)))


def nodes_in(s: Store, iri) -> set[str]:
    """Doc ids of the paper graphs that mention ``iri`` (as subject or object)."""
    node = ox.NamedNode(str(iri))
    out = {iris.doc_id_of_graph(q.graph_name.value) for q in s.ox.quads_for_pattern(node, None, None)}
    out |= {iris.doc_id_of_graph(q.graph_name.value) for q in s.ox.quads_for_pattern(None, None, node)}
    return out


def test_one_at_a_time_equals_all_together(corpus_store, tmp_path, ctx):
    """The session's corpus store was built in one `ingest corpus/`; here each paper goes in on its own, in
    reverse order, into a second store: the two stores hold exactly the same quads."""
    files = sorted(CORPUS.glob("*.txt"), reverse=True)
    assert len(files) == 5
    with Store(tmp_path / "one-by-one") as s:
        for f in files:
            rep = ingest([f], s, **ctx)
            assert [p.status for p in rep.papers] == ["ingested"]
    together, one_by_one = quads(corpus_store.path), quads(tmp_path / "one-by-one")
    assert len(together) > 10_000
    assert together == one_by_one


def test_reingest_unchanged_is_a_noop(corpus_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(corpus_store.path, copy, ignore=shutil.ignore_patterns("kg-write.lock"))
    before = quads(copy)
    result = runner.invoke(app, ["--store", str(copy), "ingest", "--no-progress", str(CORPUS)])
    assert result.exit_code == 0, result.output
    rows = [l for l in result.output.splitlines() if "_" in l and "│" in l]
    assert len(rows) == 5 and all("unchanged" in r for r in rows)
    assert quads(copy) == before


def test_changed_file_replaces_the_papers_graph(tmp_path, ctx):
    a, b = tmp_path / "paperA.txt", tmp_path / "paperB.txt"
    a.write_text(PAPER_A, encoding="utf-8")
    b.write_text(PAPER_B, encoding="utf-8")
    with Store(tmp_path / "s") as s:
        ingest([a, b], s, **ctx)
        b_before = graph_quads(s, "paperB")
        old_hash = s.paper_hash("paperA", raw=True)
        # a new version of A: the conductivity value changes, the halide sentence goes, a new sentence comes
        a.write_text(PAPER_A.replace("4.96 mS", "3.10 mS").replace(
            "The activation energy of Li3InCl6 is 0.33 eV [2].", "Li3InCl6 was prepared by ball milling [2]."),
            encoding="utf-8")
        rep = ingest([a, b], s, **ctx)
        assert [(p.doc_id, p.status) for p in rep.papers] == [("paperA", "ingested"), ("paperB", "unchanged")]
        assert s.paper_hash("paperA", raw=True) != old_hash
        new_a = graph_quads(s, "paperA")
        assert graph_quads(s, "paperB") == b_before
        values = {r["v"].value for r in s.select(
            "SELECT ?g ?v WHERE { GRAPH ?g { ?f sse:value ?v } }", {"g": ox.NamedNode(str(iris.graph_iri("paperA")))})}
        assert values == {"0.0031"}  # the old 0.00496 and the 0.33 eV fact are gone
    # the replaced graph is exactly what a fresh ingest of the new file gives: nothing old is left over
    with Store(tmp_path / "fresh") as s:
        ingest([a], s, **ctx)
        assert graph_quads(s, "paperA") == new_a


def test_failed_replace_leaves_the_old_paper(tmp_path, ctx, monkeypatch):
    """The write of a changed paper fails inside its transaction: the store keeps the old version whole."""
    a = tmp_path / "paperA.txt"
    a.write_text(PAPER_A, encoding="utf-8")
    path = tmp_path / "s"
    with Store(path) as s:
        ingest([a], s, **ctx)
    before = quads(path)
    a.write_text(PAPER_A.replace("4.96 mS", "3.10 mS"), encoding="utf-8")
    real = Store.write_paper

    def failing(self, doc_id, qs, **kw):  # DROP + INSERT run, then the request fails: all of it rolls back
        return real(self, doc_id, qs, _extra_update="DROP GRAPH <http://example.org/missing>")

    monkeypatch.setattr(Store, "write_paper", failing)
    with Store(path) as s:
        with pytest.raises(Exception):
            ingest([a], s, **ctx)
    monkeypatch.undo()
    assert quads(path) == before
    with Store(path) as s:  # and the next run picks the change up
        assert [p.status for p in ingest([a], s, **ctx).papers] == ["ingested"]


def test_new_paper_resolves_to_existing_material_and_reference_nodes(corpus_store, tmp_path, ctx):
    """A new paper writes Li₆PS₅Cl with subscripts and cites a corpus paper's reference by its DOI URL in upper
    case: its fact and its citation point at the nodes the corpus already has."""
    store = tmp_path / "store"
    shutil.copytree(corpus_store.path, store, ignore=shutil.ignore_patterns("kg-write.lock"))
    new = tmp_path / "new_paper.txt"
    new.write_text(paper("Sodium closo-borates and argyrodites for solid-state batteries",
                         "The ionic conductivity of Li₆PS₅Cl is 2.2 mS cm⁻¹ at room temperature [1].",
                         ["[1] T.J. Udovic, M. Matsuo, A. Unemoto, Sodium superionic conduction in Na2B12H12, "
                          "Chem. Commun. 50 (2014) 3750-3752, https://doi.org/10.1039/C3CC49805K."]),
                   encoding="utf-8")
    material = iris.material_iri("Li6PS5Cl", "Li6PS5Cl")
    reference = f"{iris.ID}ref/doi/10.1039/c3cc49805k"
    with Store(store) as s:
        had_material = nodes_in(s, material) - {"new_paper"}
        had_reference = nodes_in(s, reference)
        assert had_material and had_reference  # the corpus has both nodes already
        rep = ingest([new], s, **ctx)
        assert [p.status for p in rep.papers] == ["ingested"]
        rows = s.select("SELECT ?g ?m ?r WHERE { GRAPH ?g { ?f a sse:Measurement ; sse:material ?m ; cito:cites ?r } }",
                        {"g": ox.NamedNode(str(iris.graph_iri("new_paper")))})
        assert [(r["m"].value, r["r"].value) for r in rows] == [(str(material), reference)]
        assert nodes_in(s, material) == had_material | {"new_paper"}
        assert nodes_in(s, reference) == had_reference | {"new_paper"}
        # one node, typed once per graph: the union still has exactly one label for it
        labels = s.select("SELECT DISTINCT ?m ?l WHERE { GRAPH ?g { ?m rdfs:label ?l } }", {"m": ox.NamedNode(str(material))})
        assert [r["l"].value for r in labels] == ["Li6PS5Cl"]


def test_remove_deletes_only_what_the_paper_supported(tmp_path, ctx):
    a, b = tmp_path / "paperA.txt", tmp_path / "paperB.txt"
    a.write_text(PAPER_A, encoding="utf-8")
    b.write_text(PAPER_B, encoding="utf-8")
    path = tmp_path / "s"
    with Store(path) as s:
        ingest([a, b], s, **ctx)
        b_quads = graph_quads(s, "paperB")
    shared_material = iris.material_iri("Li6PS5Cl", "Li6PS5Cl")
    only_a_material = iris.material_iri("Li3InCl6", "Li3InCl6")
    shared_ref = f"{iris.ID}ref/doi/10.1002/anie.200703900"
    only_a_ref = f"{iris.ID}ref/doi/10.1002/adma.201803075"
    with Store(path, writable=False) as s:
        assert nodes_in(s, shared_material) == {"paperA", "paperB"}
        assert nodes_in(s, shared_ref) == {"paperA", "paperB"}
        assert nodes_in(s, only_a_material) == {"paperA"} and nodes_in(s, only_a_ref) == {"paperA"}

    result = runner.invoke(app, ["--store", str(path), "remove", "paperA"])
    assert result.exit_code == 0 and "removed paperA" in result.output

    with Store(path, writable=False) as s:
        assert s.papers() == ["paperB"]
        assert set(map(str, s.ox)) == b_quads  # everything left is paper B's, untouched
        assert nodes_in(s, shared_material) == {"paperB"} and nodes_in(s, shared_ref) == {"paperB"}
        assert nodes_in(s, only_a_material) == set() and nodes_in(s, only_a_ref) == set()
        mat = ox.NamedNode(str(shared_material))
        assert bool(s.query("ASK { GRAPH ?g { ?m a sse:Material ; rdfs:label ?l } }", {"m": mat}))
    result = runner.invoke(app, ["--store", str(path), "remove", "paperA"])
    assert result.exit_code == 1 and "no paper 'paperA'" in result.output


def test_ingest_into_a_big_store_does_not_count_the_whole_store(tmp_path, ctx, monkeypatch):
    """Counting a store's triples reads all of it: past COUNT_STORE_MAX_PAPERS papers the ingest report leaves
    it out (None; the CLI shows '-'), so adding a paper costs the same whatever the store's size."""
    import kg.pipeline

    a, b = tmp_path / "paperA.txt", tmp_path / "paperB.txt"
    a.write_text(PAPER_A, encoding="utf-8")
    b.write_text(PAPER_B, encoding="utf-8")
    with Store(tmp_path / "s") as s:
        assert ingest([a], s, **ctx).store_triples == s.triple_count() > 0
        monkeypatch.setattr(kg.pipeline, "COUNT_STORE_MAX_PAPERS", 1)
        rep = ingest([b], s, **ctx)
        assert rep.store_triples is None and rep.totals()["store_triples"] is None
    b.write_text(PAPER_B + "\n", encoding="utf-8")
    result = runner.invoke(app, ["--store", str(tmp_path / "s"), "ingest", "--no-progress", str(b)])
    assert result.exit_code == 0
    assert result.output.rstrip().splitlines()[-2].split("│")[7].strip() == "-"
