"""kg.networkx_view.to_networkx: node/edge schema on a hand-built store, consistency with SPARQL on the corpus."""
from __future__ import annotations

import io
from collections import Counter

import networkx as nx
import pytest

from kg.networkx_view import NODE_TYPES, to_networkx
from kg.store import Store

ID = "https://w3id.org/sse-kg/id/"
SSE = "https://w3id.org/sse-kg/ontology#"


def _check_plain(g: nx.MultiDiGraph) -> None:
    for n, d in g.nodes(data=True):
        assert d["type"] in NODE_TYPES, n
        assert isinstance(d["label"], str) and d["label"], n
        for k, v in d.items():
            assert v is not None and isinstance(v, (str, int, float, bool)), (n, k, v)
    for u, v, k, d in g.edges(keys=True, data=True):
        assert d["relation"] == k
        for name, x in d.items():
            assert x is not None and isinstance(x, (str, int, float, bool)), (u, v, k, name, x)


def test_schema_on_hand_built_papers(filled_store):
    g = to_networkx(filled_store)  # a path: opened read-only for the call
    _check_plain(g)
    types = Counter(d["type"] for _, d in g.nodes(data=True))
    # conftest: per paper 3 measurements + 1 synthesis; 3 references (shared by DOI / title across papers)
    assert types["paper"] == 2 and types["measurement"] == 6 and types["synthesis"] == 2
    assert types["material"] == 3  # Li6PS5Cl, "lpscl glass", "peo-litfsi" are shared by both papers
    meas = [n for n, d in g.nodes(data=True) if d["type"] == "measurement" and d.get("material_as_written") == "Li6PS5Cl"
            and d["doc_id"] == "paperA"]
    assert len(meas) == 1
    m = g.nodes[meas[0]]
    assert m["value"] == pytest.approx(3.2e-3) and m["unit"] == "S/cm" and m["qualifier"] == "~"
    assert m["at_room_temperature"] is True and "temperature_c" not in m and "value_max" not in m
    assert m["line"] == 5 and m["evidence"].startswith("Li6PS5Cl shows")
    out = {k: v for _, v, k in g.out_edges(meas[0], keys=True)}
    assert out["material"] == iri_material("Li6PS5Cl")
    assert out["property"] == SSE + "IonicConductivity"
    assert out["method"] == SSE + "EIS"
    assert out["reported_in"] == ID + "paper/paperA"
    assert out["cites"] == ID + "ref/doi/10.1038/abc"
    assert g.nodes[out["cites"]]["type"] == "reference"
    # paper -> reference carries the number in that paper's list
    assert g.edges[ID + "paper/paperA", ID + "ref/doi/10.1038/abc", "cites"]["number"] == 1
    # the activation energy keeps its range and temperature
    ea = next(n for n, d in g.nodes(data=True) if d.get("property") == "activation_energy" and d["doc_id"] == "paperB")
    assert g.nodes[ea]["value_max"] == pytest.approx(0.3) and g.nodes[ea]["temperature_c"] == 25.0
    # synthesis fact: material and method
    syn = next(n for n, d in g.nodes(data=True) if d["type"] == "synthesis" and d["doc_id"] == "paperA")
    assert g.nodes[syn]["method"] == "ball milling"
    assert {k for _, _, k in g.out_edges(syn, keys=True)} == {"material", "method", "reported_in"}


def iri_material(text: str) -> str:
    from kg import iris

    return str(iris.material_iri(text, text))


def test_corpus_graph_matches_sparql_and_exports(corpus_store):
    with Store(corpus_store.path, writable=False) as s:
        g = to_networkx(s)
        counts = {r["t"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]: int(r["n"].value) for r in s.select(
            "SELECT ?t (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x a ?t } "
            "VALUES ?t { sse:Measurement sse:SynthesisFact sse:Material bibo:AcademicArticle } } GROUP BY ?t")}
        n_cites = int(s.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?f ?r WHERE { GRAPH ?g { "
                               "?f sse:material ?m ; cito:cites ?r } } }")[0]["n"].value)
    _check_plain(g)
    types = Counter(d["type"] for _, d in g.nodes(data=True))
    assert types["measurement"] == counts["Measurement"]
    assert types["synthesis"] == counts["SynthesisFact"]
    assert types["material"] == counts["Material"]
    assert types["paper"] == counts["AcademicArticle"] == 5
    fact_cites = sum(1 for u, _, k in g.edges(keys=True) if k == "cites" and g.nodes[u]["type"] != "paper")
    assert fact_cites == n_cites
    # every fact has exactly one material and one paper; every measurement one property
    for n, d in g.nodes(data=True):
        if d["type"] in ("measurement", "synthesis"):
            keys = Counter(k for _, _, k in g.out_edges(n, keys=True))
            assert keys["material"] == 1 and keys["reported_in"] == 1, n
            assert keys["property"] == (1 if d["type"] == "measurement" else 0), n
    assert {d["label"] for _, d in g.nodes(data=True) if d["type"] == "family"} <= {
        "oxide", "sulfide", "halide", "hydride", "polymer", "composite", "other"}
    # exporters accept it as is
    nx.write_graphml(g, io.BytesIO())
    nx.write_gexf(g, io.BytesIO())
    nx.node_link_data(g, edges="edges")
