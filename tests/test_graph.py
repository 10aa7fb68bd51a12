"""Paper graphs and IRIs: deterministic, shared nodes merge, facts contract round trip."""
from __future__ import annotations

import json

import pyoxigraph as ox
from conftest import fake_lexicon, make_doc, make_facts, make_rejects, paper_quads

from kg import iris
from kg.export import export_facts, read_facts
from kg.graph import marker_numbers, paper_triples, rejects_triples
from kg.namespaces import SSE
from kg.store import Store


def test_iris_are_stable_and_the_same_paper_gives_identical_triples():
    a = paper_quads("paperA")
    b = paper_quads("paperA")
    assert sorted(map(str, a)) == sorted(map(str, b))
    assert iris.paper_iri("x y") == iris.paper_iri("x y")
    assert str(iris.graph_iri("paperA")) == "https://w3id.org/sse-kg/id/graph/paperA"
    assert str(iris.rejects_graph_iri("paperA")) == "https://w3id.org/sse-kg/id/rejects/paperA"


def test_material_iri_formula_and_name():
    assert iris.material_iri("Li6PS5Cl", "Li6PS5Cl") == iris.material_iri("argyrodite", "Li$_6$PS$_5$Cl")
    assert str(iris.material_iri("LPSCl  Glass")).endswith("/material/name/lpscl%20glass")
    assert iris.material_iri("LPSCl glass") == iris.material_iri("lpscl GLASS")


def test_reference_iris_merge_across_papers():
    from kg.models import Reference

    r1 = Reference(number=3, raw="x", line=1, authors=["D. Jones"], title="Fast ion conductors!", year=2020)
    r2 = Reference(number=17, raw="y", line=9, authors=["Jones, D."], title="Fast  ion conductors", year=2020)
    assert iris.reference_iri(r1) == iris.reference_iri(r2)
    d = Reference(number=1, raw="z", line=1, doi="https://doi.org/10.1038/ABC.")
    assert str(iris.reference_iri(d)) == "https://w3id.org/sse-kg/id/ref/doi/10.1038/abc"


def test_fact_iris_deduplicate_identical_facts():
    doc = make_doc()
    facts = make_facts()
    g1 = paper_triples(doc, facts, fake_lexicon())
    g2 = paper_triples(doc, facts + [facts[0]], fake_lexicon())
    assert set(g1) == set(g2)
    from kg.namespaces import RDF

    assert len(set(g1.subjects(RDF.type, SSE.Measurement))) == 3


def test_comparison_condition_buckets():
    assert iris.comparison_condition("RT") == "room temperature"
    assert [iris.comparison_condition(t) for t in (20.0, 25.0, 30.0)] == ["room temperature"] * 3
    # otherwise the nearest 5 °C, halves rounded up as SPARQL's ROUND does
    assert [iris.comparison_condition(t) for t in (19.9, 31.0, 57.5, 62.4, -2.5, -7.6, 150.0)] == [
        "20 °C", "30 °C", "60 °C", "60 °C", "0 °C", "-10 °C", "150 °C"]
    assert iris.comparison_condition(None) == "no temperature given"


def test_comparison_groups_join_single_values_across_papers():
    from kg.facts import FactEvidence, Measurement

    def m(doc, material, value, temperature, value_max=None, prop="ionic_conductivity", line=3):
        return Measurement(material=material, formula=material, property=prop, value=value, value_max=value_max,
                           unit="S/cm" if prop == "ionic_conductivity" else "eV", qualifier="=",
                           temperature_c=temperature, evidence=FactEvidence(doc=doc, line=line, text=f"{doc} says {value}"))

    def groups(doc, facts):
        g = paper_triples(make_doc(doc), facts, fake_lexicon())
        return {str(f): str(c) for f, c in g.subject_objects(SSE.comparisonGroup)}, g

    a, ga = groups("pA", [m("pA", "Li3InCl6", 1.5e-3, "RT"), m("pA", "Li3InCl6", 2e-5, 60.0, line=4),
                          m("pA", "Li3InCl6", 1e-3, 25.0, value_max=2e-3, line=5)])
    b, _ = groups("pB", [m("pB", "Li3InCl6", 1e-4, 27.0), m("pB", "Li3InCl6", 0.3, "RT", prop="activation_energy")])
    # RT and 27 °C are one condition, so pA's RT value and pB's 27 °C value share a group; 60 °C is another; the
    # range (value_max) has none; another property of the same material at RT is another group
    assert len(a) == 2 and len(b) == 2
    rt_a, hot_a = sorted(a.values(), key=lambda c: (c not in b.values(), c))
    assert rt_a in b.values() and hot_a not in b.values()
    assert len(set(a.values()) | set(b.values())) == 3
    assert {str(o) for o in ga.objects(None, SSE.condition)} == {"room temperature", "60 °C"}


def test_marker_numbers():
    assert marker_numbers("52") == [52]
    assert marker_numbers("52–54") == [52, 53, 54]
    assert marker_numbers("[3, 5-6]") == [3, 5, 6]
    assert marker_numbers("Smith") == []


def test_same_material_in_two_papers_is_one_node(filled_store):
    with Store(filled_store, writable=False) as s:
        rows = s.select("SELECT DISTINCT ?m WHERE { GRAPH ?g { ?f sse:material ?m ; sse:materialAsWritten \"Li6PS5Cl\" } }")
        assert [r["m"].value for r in rows] == [str(iris.material_iri("Li6PS5Cl", "Li6PS5Cl"))]
        graphs = s.select("SELECT DISTINCT ?g ?m WHERE { GRAPH ?g { ?m a sse:Material } }",
                          {"m": ox.NamedNode(str(iris.material_iri("Li6PS5Cl", "Li6PS5Cl")))})
        assert sorted(r["g"].value for r in graphs) == [str(iris.graph_iri("paperA")), str(iris.graph_iri("paperB"))]
        refs = s.select("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { GRAPH ?g { ?r a sse:Reference } }")
        assert int(refs[0]["n"].value) == 3  # same three references in both papers


def test_rejects_graph():
    g = rejects_triples("paperA", make_rejects())
    assert g.identifier == iris.rejects_graph_iri("paperA")
    (node,) = set(g.subjects(None, SSE.Reject))
    assert json.loads(str(g.value(node, SSE.candidateJson))) == {"material": "X", "unit": "Ω", "value": 5.0}
    assert str(g.value(node, SSE.reason)) == "unit not convertible: Ω"


def test_export_facts_round_trip_every_field(filled_store, tmp_path):
    with Store(filled_store, writable=False) as s:
        rows = read_facts(s)
        out = tmp_path / "f.jsonl"
        assert export_facts(s, "jsonl", out) == 8
        assert export_facts(s, "csv", tmp_path / "f.csv") == 8
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == rows
    assert [(r["doc"], r["line"]) for r in lines] == sorted((r["doc"], r["line"]) for r in lines)
    a = [r for r in lines if r["doc"] == "paperA"]
    by_line = {r["line"]: r for r in a}
    assert by_line[5] == {
        "kind": "measurement", "doc": "paperA", "line": 5, "material": "Li6PS5Cl", "formula": "Li6PS5Cl",
        "material_iri": str(iris.material_iri("Li6PS5Cl", "Li6PS5Cl")), "property": "ionic_conductivity",
        "value": 3.2e-3, "value_max": None, "unit": "S/cm", "qualifier": "~", "temperature_c": "RT",
        "methods": ["EIS"], "refs": ["1"], "cited": ["10.1038/abc"],
        "evidence": "Li6PS5Cl shows ~3.2 mS/cm at RT [1].", "source": "text"}
    assert by_line[12]["value_max"] == 0.3 and by_line[12]["temperature_c"] == 25.0
    assert by_line[12]["formula"] is None and by_line[12]["source"] == "table"
    assert by_line[12]["refs"] == ["2", "3"] and len(by_line[12]["cited"]) == 2
    assert by_line[8]["unit"] == "" and by_line[8]["qualifier"] == "<" and by_line[8]["temperature_c"] is None
    assert by_line[9] == {
        "kind": "synthesis", "doc": "paperA", "line": 9, "material": "Li6PS5Cl", "formula": "Li6PS5Cl",
        "material_iri": str(iris.material_iri("Li6PS5Cl", "Li6PS5Cl")), "method": "ball milling",
        "refs": ["9"], "cited": [None], "evidence": "Li6PS5Cl was prepared by ball milling [9].", "source": "text"}
    # the facts contract agrees with the pydantic facts that went in
    for f in make_facts("paperA"):
        r = by_line[f.evidence.line]
        assert r["material"] == f.material and r["formula"] == f.formula and r["refs"] == f.refs
        if f.kind == "measurement":
            assert (r["property"], r["value"], r["value_max"], r["unit"], r["qualifier"], r["temperature_c"],
                    r["methods"]) == (f.property, f.value, f.value_max, f.unit, f.qualifier, f.temperature_c,
                                      f.methods)
