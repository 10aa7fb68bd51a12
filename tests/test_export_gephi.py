"""Gephi export: GEXF (1.3 header fixed, 1.2draft) and GraphML parse with networkx and with lxml, counts and
attributes round-trip, edge weights = facts behind them (checked against SPARQL), size/colour present."""
from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

from kg.export_gephi import GEXF_NS, TYPE_COLOURS, XSI_NS, export_gephi, gephi_graph
from kg.store import Store

etree = pytest.importorskip("lxml.etree")

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


@pytest.fixture(scope="module")
def corpus_gephi(corpus_store, tmp_path_factory):
    d = tmp_path_factory.mktemp("gephi")
    with Store(corpus_store.path, writable=False) as s:
        from kg.networkx_view import to_networkx

        base = to_networkx(s)
        files = {
            "gexf": export_gephi(s, d / "kg.gexf", "gexf"),
            "gexf12": export_gephi(s, d / "kg12.gexf", "gexf", gexf_version="1.2draft"),
            "graphml": export_gephi(s, d / "kg.graphml", "graphml"),
            "facts": export_gephi(s, d / "facts.gexf", "gexf", facts=True),
        }
    return {"base": base, "entities": gephi_graph(base), "facts_graph": gephi_graph(base, facts=True), **files}


def _check_plain(g: nx.DiGraph) -> None:
    kinds: dict[str, set] = {}
    for _, d in g.nodes(data=True):
        for k, v in d.items():
            assert v is not None and not isinstance(v, (list, tuple, set, dict)) or k == "viz", (k, v)
            if k != "viz":
                kinds.setdefault(k, set()).add(type(v))
    for _, _, d in g.edges(data=True):
        for k, v in d.items():
            assert v is not None and not isinstance(v, (list, tuple, set, dict)), (k, v)
            kinds.setdefault("edge:" + k, set()).add(type(v))
    for k, ts in kinds.items():
        assert len(ts) == 1, (k, ts)  # one type per attribute


def test_graph_attributes(corpus_gephi):
    for g in (corpus_gephi["entities"], corpus_gephi["facts_graph"]):
        _check_plain(g)
        for n, d in g.nodes(data=True):
            assert d["type"] in TYPE_COLOURS and d["label"] and isinstance(d["family"], str)
            assert d["degree"] == g.degree(n)
            c = d["viz"]["color"]
            assert (c["r"], c["g"], c["b"]) == TYPE_COLOURS[d["type"]]
            assert 4.0 <= d["viz"]["size"] <= 40.0
        for u, v, d in g.edges(data=True):
            assert d["weight"] == max(1, d["facts"]) and d["relation"]
    ent = corpus_gephi["entities"]
    assert not any(d["type"] in ("measurement", "synthesis") for _, d in ent.nodes(data=True))
    # bigger degree, bigger node
    nodes = sorted(ent.nodes(data=True), key=lambda x: x[1]["degree"])
    assert nodes[0][1]["viz"]["size"] <= nodes[-1][1]["viz"]["size"]
    mats = [d for _, d in ent.nodes(data=True) if d["type"] == "material"]
    assert mats and all(d["family"] for d in mats)
    facts = corpus_gephi["facts_graph"]
    fam = [d["family"] for _, d in facts.nodes(data=True) if d["type"] == "measurement"]
    assert fam and sum(1 for f in fam if f) > len(fam) * 0.9


def test_weights_count_facts(corpus_store, corpus_gephi):
    ent = corpus_gephi["entities"]
    with Store(corpus_store.path, writable=False) as s:
        n_meas = int(s.select("SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { GRAPH ?g { ?f a sse:Measurement ; "
                              "sse:property ?p } }")[0]["n"].value)
        per_pair = s.select("SELECT ?m ?p (COUNT(DISTINCT ?f) AS ?n) WHERE { GRAPH ?g { ?f a sse:Measurement ; "
                            "sse:material ?m ; sse:property ?p } } GROUP BY ?m ?p")
        n_mat = int(s.select("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?m a sse:Material } }")[0]["n"].value)
        n_facts = int(s.select("SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { GRAPH ?g { VALUES ?t { sse:Measurement "
                               "sse:SynthesisFact } ?f a ?t } }")[0]["n"].value)
    prop_edges = [(u, v, d) for u, v, d in ent.edges(data=True) if d["relation"] == "property"]
    assert sum(d["facts"] for _, _, d in prop_edges) == n_meas
    for r in per_pair:
        assert ent.edges[r["m"].value, r["p"].value]["facts"] == int(r["n"].value)
    assert sum(1 for _, d in ent.nodes(data=True) if d["type"] == "material") == n_mat
    # every fact is reported in one paper: material -> paper weights add up to the number of facts
    assert sum(d["facts"] for _, _, d in ent.edges(data=True) if d["relation"] == "reported_in") == n_facts
    fam = sum(d["facts"] for _, _, d in ent.edges(data=True) if d["relation"] == "family")
    assert fam == n_facts  # every material has a family; each fact counts once for its material's family


def _gexf_check(path, graph: nx.DiGraph, version: str) -> None:
    tree = etree.parse(str(path))
    root = tree.getroot()
    ns = GEXF_NS[version]
    assert root.tag == f"{{{ns}}}gexf"
    assert root.nsmap[None] == ns and root.nsmap["xsi"] == XSI_NS
    loc = root.get(f"{{{XSI_NS}}}schemaLocation")
    assert loc is not None and loc.split()[0] == ns and loc.split()[1].endswith("gexf.xsd")
    assert root.get("version") == ("1.3" if version == "1.3" else "1.2")
    viz = ns + "/viz"
    nodes = root.findall(f".//{{{ns}}}node")
    edges = root.findall(f".//{{{ns}}}edge")
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    assert all(n.find(f"{{{viz}}}size") is not None and n.find(f"{{{viz}}}color") is not None for n in nodes)
    assert all(float(e.get("weight")) >= 1.0 for e in edges)
    # every attvalue refers to a declared attribute and parses as its declared type
    decl = {(a.getparent().get("class"), a.get("id")): (a.get("title"), a.get("type"))
            for a in root.iter(f"{{{ns}}}attribute")}
    titles = Counter((cls, t) for (cls, _), (t, _) in decl.items())
    assert all(c == 1 for c in titles.values())  # one declaration (so one type) per attribute
    conv = {"long": int, "integer": int, "double": float, "float": float, "boolean": lambda x: x in ("true", "false"),
            "string": str}
    for el, cls in ((nodes, "node"), (edges, "edge")):
        for item in el:
            for av in item.iter(f"{{{ns}}}attvalue"):
                title, type_ = decl[(cls, av.get("for"))]
                assert conv[type_](av.get("value")) is not None
                assert av.get("value") != "None", title


@pytest.mark.parametrize("name,version", [("gexf", "1.3"), ("gexf12", "1.2draft"), ("facts", "1.3")])
def test_gexf_parses_with_lxml_and_networkx(corpus_gephi, name, version):
    res = corpus_gephi[name]
    graph = corpus_gephi["facts_graph" if name == "facts" else "entities"]
    assert (res["nodes"], res["edges"]) == (graph.number_of_nodes(), graph.number_of_edges())
    _gexf_check(res["path"], graph, version)
    back = nx.read_gexf(res["path"], version=version)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    for n, d in graph.nodes(data=True):
        b = back.nodes[n]
        for k, v in d.items():
            if k == "viz":
                assert b["viz"]["size"] == pytest.approx(v["size"])
                assert {c: b["viz"]["color"][c] for c in "rgb"} == {c: v["color"][c] for c in "rgb"}
            else:
                assert b[k] == v, (n, k)
    for u, v, d in graph.edges(data=True):
        b = back.edges[u, v]
        assert b["weight"] == pytest.approx(d["weight"])
        assert {k: b[k] for k in d if k != "weight"} == {k: x for k, x in d.items() if k != "weight"}


def test_graphml_parses_with_lxml_and_networkx(corpus_gephi):
    res = corpus_gephi["graphml"]
    graph = corpus_gephi["entities"]
    root = etree.parse(res["path"]).getroot()
    assert root.tag == f"{{{GRAPHML_NS}}}graphml"
    keys = root.findall(f"{{{GRAPHML_NS}}}key")
    names = Counter((k.get("for"), k.get("attr.name")) for k in keys)
    assert all(c == 1 for c in names.values())
    assert {("node", a) for a in ("type", "family", "label", "size", "r", "g", "b", "degree")} <= set(names)
    assert ("edge", "weight") in names
    assert len(root.findall(f".//{{{GRAPHML_NS}}}node")) == graph.number_of_nodes()
    back = nx.read_graphml(res["path"])
    assert back.is_directed()
    assert (back.number_of_nodes(), back.number_of_edges()) == (graph.number_of_nodes(), graph.number_of_edges())
    for n, d in graph.nodes(data=True):
        b = back.nodes[n]
        assert (b["type"], b["family"], b["label"], b["degree"]) == (d["type"], d["family"], d["label"], d["degree"])
        assert b["size"] == pytest.approx(d["viz"]["size"])
        assert (b["r"], b["g"], b["b"]) == TYPE_COLOURS[d["type"]]
        assert "viz" not in b
    for u, v, d in graph.edges(data=True):
        assert back.edges[u, v]["weight"] == d["weight"] and back.edges[u, v]["facts"] == d["facts"]


def test_cli_export_gephi(corpus_store, tmp_path):
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()
    for name, extra in (("g.gexf", []), ("g.graphml", []), ("h.xml", ["--format", "graphml"])):
        out = tmp_path / name
        res = runner.invoke(app, ["--store", str(corpus_store.path), "export", "gephi", "-o", str(out), *extra])
        assert res.exit_code == 0, res.output
        root = etree.parse(str(out)).getroot()
        assert root.tag.endswith("gexf" if name.endswith(".gexf") else "graphml")
