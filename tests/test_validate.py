"""The validation gate (kg.validate.validate) and the SHACL check (kg.validate.shacl_validate)."""
from __future__ import annotations

import dataclasses
import time

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg.facts import Measurement, Reject, Synthesis
from kg.models import CandidateMeasurement, CandidateSynthesis, Evidence
from kg.ontology import SSE, load_lexicon
from kg.validate import all_shapes, property_shapes, shacl_validate, validate

PROV = "http://www.w3.org/ns/prov#"
CITO = "http://purl.org/spar/cito/"
BIBO = "http://purl.org/ontology/bibo/"
UNIT = "http://qudt.org/vocab/unit/"
ID = "https://w3id.org/sse-kg/id/"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


def meas(**kw) -> CandidateMeasurement:
    base = dict(material="Li6PS5Cl", formula="Li₆PS₅Cl", property="ionic_conductivity", value=3.2e-3,
                value_max=None, unit="S/cm", qualifier="=", temperature_c="RT", methods=["EIS"], refs=["1"],
                evidence=Evidence(doc="paperA", line=12, text="Li6PS5Cl shows 3.2 mS/cm at RT [1]."))
    base.update(kw)
    return CandidateMeasurement(**base)


def synth(**kw) -> CandidateSynthesis:
    base = dict(material="Li6PS5Cl", formula="Li6PS5Cl", method="ball-milled", refs=[],
                evidence=Evidence(doc="paperA", line=14, text="Li6PS5Cl was ball-milled."))
    base.update(kw)
    return CandidateSynthesis(**base)


def one_reject(c, lex) -> Reject:
    facts, rejects = validate([c], lex)
    assert facts == [] and len(rejects) == 1
    r = rejects[0]
    assert (r.doc, r.line, r.text) == (c.evidence.doc, c.evidence.line, c.evidence.text)
    assert r.candidate["material"] == c.material
    return r


# ---------------------------------------------------------------------------------------------- good facts

def test_good_measurement(lex):
    facts, rejects = validate([meas()], lex)
    assert rejects == []
    (m,) = facts
    assert isinstance(m, Measurement)
    assert (m.material, m.formula, m.property, m.value, m.unit, m.qualifier, m.temperature_c) == (
        "Li6PS5Cl", "Li6PS5Cl", "ionic_conductivity", 3.2e-3, "S/cm", "=", "RT")
    assert m.methods == ["electrochemical impedance spectroscopy"]  # altLabel -> prefLabel
    assert m.evidence.line == 12 and m.refs == ["1"]


def test_good_synthesis(lex):
    facts, rejects = validate([synth()], lex)
    assert rejects == []
    assert isinstance(facts[0], Synthesis) and facts[0].method == "ball milling"


def test_normalisations(lex):
    facts, rejects = validate([
        meas(qualifier="≈", temperature_c="25"), meas(qualifier="≥", temperature_c=30),
        meas(property="Li+ conductivity"), meas(property="transference_number", unit="", value=0.4, methods=[]),
        meas(property="electrochemical_window", unit="V", value=0.0, value_max=5.0, methods=["LSV"]),
        meas(property="critical_current_density", unit="mA/cm2", value=1.2, methods=[]),
        meas(property="specific_capacity", unit="mAh/g", value=150, methods=[]),
    ], lex)
    assert rejects == []
    assert [f.qualifier for f in facts[:2]] == ["~", ">="]
    assert [f.temperature_c for f in facts[:2]] == [25.0, 30.0]
    assert facts[2].property == "ionic_conductivity"
    assert facts[4].value_max == 5.0 and facts[4].methods == ["linear sweep voltammetry"]


def test_values_on_the_range_limits_pass(lex):
    facts, rejects = validate([meas(value=10.0), meas(value=1e-12), meas(property="transference_number",
                                                                         unit="", value=1.0, methods=[])], lex)
    assert rejects == [] and len(facts) == 3


# ---------------------------------------------------------------------------------------------- one test per reason

def test_unknown_property(lex):
    assert one_reject(meas(property="tensile_strength"), lex).reason == "unknown property 'tensile_strength'"


def test_unknown_unit(lex):
    r = one_reject(meas(unit="blorbs"), lex)
    assert r.reason == "unknown unit 'blorbs' for ionic_conductivity (expected S/cm)"


def test_wrong_dimension(lex):
    r = one_reject(meas(unit="eV"), lex)
    assert r.reason == "unit 'eV' has the wrong dimension for ionic_conductivity (expected S/cm)"


def test_wrong_dimension_of_a_real_unit(lex):
    r = one_reject(meas(unit="furlongs"), lex)
    assert r.reason == "unit 'furlongs' has the wrong dimension for ionic_conductivity (expected S/cm)"


def test_unconverted_unit(lex):
    r = one_reject(meas(unit="mS/cm", value=3.2), lex)
    assert r.reason == "unit 'mS/cm' is not the canonical unit of ionic_conductivity (expected S/cm; not converted)"


def test_unit_for_unitless_property(lex):
    r = one_reject(meas(property="transference_number", unit="%", value=40, methods=[]), lex)
    assert r.reason == "unit '%' is not the canonical unit of transference_number (expected no unit; not converted)"


def test_out_of_range(lex):
    r = one_reject(meas(value=50.0), lex)
    assert r.reason == "ionic_conductivity 50 S/cm outside plausible range 1e-12–10 S/cm"
    r = one_reject(meas(property="activation_energy", unit="eV", value=25.0), lex)
    assert r.reason == "activation_energy 25 eV outside plausible range 0.01–3 eV"
    r = one_reject(meas(property="transference_number", unit="", value=1.5, methods=[]), lex)
    assert r.reason == "transference_number 1.5 outside plausible range 0–1"


def test_value_max_out_of_range(lex):
    r = one_reject(meas(property="electrochemical_window", unit="V", value=0.0, value_max=12.0, methods=[]), lex)
    assert r.reason == "electrochemical_window 12 V outside plausible range -1–10 V"


@pytest.mark.parametrize("bad, shown", [(float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf")])
def test_not_finite(lex, bad, shown):
    assert one_reject(meas(value=bad), lex).reason == f"value {shown} is not a finite number"
    assert one_reject(meas(value=1e-3, value_max=bad), lex).reason == f"value_max {shown} is not a finite number"


def test_value_max_below_value(lex):
    r = one_reject(meas(value=1e-3, value_max=1e-4), lex)
    assert r.reason == "value_max 0.0001 is below value 0.001"


@pytest.mark.parametrize("material", ["", "   "])
def test_empty_material(lex, material):
    assert one_reject(meas(material=material), lex).reason == "empty material"
    assert one_reject(synth(material=material), lex).reason == "empty material"


def test_unknown_method(lex):
    r = one_reject(synth(method="alchemy"), lex)
    assert r.kind == "synthesis"
    assert r.reason == "unknown method 'alchemy' (not an ontology label)"
    r = one_reject(meas(methods=["EIS", "tea-leaf reading"]), lex)
    assert r.reason == "unknown method 'tea-leaf reading' (not an ontology label)"


def test_characterization_method_is_not_a_synthesis(lex):
    r = one_reject(synth(method="XRD"), lex)
    assert r.reason == "method 'x-ray diffraction' is a characterization method, not a synthesis method"


def test_bad_qualifier(lex):
    assert one_reject(meas(qualifier="!="), lex).reason == "unknown qualifier '!='"


def test_bad_temperature(lex):
    r = one_reject(meas(temperature_c="hot"), lex)
    assert r.reason == "temperature 'hot' is neither a number of °C nor RT"
    r = one_reject(meas(temperature_c=-500.0), lex)
    assert r.reason == "temperature -500 °C outside plausible range -273.15–3000 °C"


def test_pydantic_error(lex):
    r = one_reject(meas(evidence=Evidence(doc="paperA", line=0, text="x")), lex)
    assert r.reason == "invalid fact: evidence.line: Input should be greater than or equal to 1"
    r = one_reject(synth(evidence=Evidence(doc="paperA", line=3, text="")), lex)
    assert r.reason.startswith("invalid fact: evidence.text: String should have at least 1 character")


def test_mixed_batch_keeps_order(lex):
    cands = [meas(), meas(value=50.0), synth(), synth(method="alchemy")]
    facts, rejects = validate(cands, lex)
    assert [f.kind for f in facts] == ["measurement", "synthesis"]
    assert [r.kind for r in rejects] == ["measurement", "synthesis"]
    assert rejects[0].candidate == dataclasses.asdict(cands[1])


def test_default_lexicon():
    facts, rejects = validate([meas()])
    assert len(facts) == 1 and rejects == []


# ---------------------------------------------------------------------------------------------- SHACL

def _graph(*, unit=UNIT + "S-PER-CentiM", value=3.2e-3, value_max=None, material=True, method=True,
           line=12, synthesis_method=SSE.BallMilling) -> Graph:
    """A hand-built paper graph with one measurement and one synthesis, in the documented model."""
    g = Graph()
    paper = URIRef(ID + "paper/paperA")
    g.add((paper, RDF.type, URIRef(BIBO + "AcademicArticle")))
    mat = URIRef(ID + "material/Cl1Li6P1S5")
    g.add((mat, RDF.type, SSE.Material))
    g.add((mat, RDF.type, SSE.Sulfide))
    g.add((mat, SSE.formula, Literal("Li6PS5Cl")))
    ref = URIRef(ID + "ref/abc")
    g.add((ref, RDF.type, SSE.Reference))
    g.add((ref, SSE.number, Literal(1, datatype=XSD.integer)))
    ev = URIRef(ID + "evidence/paperA/1")
    g.add((ev, RDF.type, SSE.Evidence))
    g.add((ev, SSE.paper, paper))
    g.add((ev, SSE.line, Literal(line, datatype=XSD.integer)))
    g.add((ev, SSE.text, Literal("Li6PS5Cl shows 3.2 mS/cm at RT [1].")))
    g.add((ev, SSE.source, Literal("text")))
    m = URIRef(ID + "fact/paperA/m1")
    g.add((m, RDF.type, SSE.Measurement))
    if material:
        g.add((m, SSE.material, mat))
    g.add((m, SSE.property, SSE.IonicConductivity))
    g.add((m, SSE.value, Literal(value, datatype=XSD.double)))
    if value_max is not None:
        g.add((m, SSE.valueMax, Literal(value_max, datatype=XSD.double)))
    g.add((m, SSE.unit, URIRef(unit)))
    g.add((m, SSE.qualifier, Literal("=")))
    g.add((m, SSE.atRoomTemperature, Literal(True)))
    if method:
        g.add((m, SSE.method, SSE.EIS))
    g.add((m, URIRef(PROV + "wasDerivedFrom"), ev))
    g.add((m, URIRef(CITO + "cites"), ref))
    s = URIRef(ID + "fact/paperA/s1")
    g.add((s, RDF.type, SSE.SynthesisFact))
    g.add((s, SSE.material, mat))
    g.add((s, SSE.method, synthesis_method))
    g.add((s, URIRef(PROV + "wasDerivedFrom"), ev))
    return g


def test_shacl_valid_graph_conforms():
    g = _graph()
    n = len(g)
    ok, report = shacl_validate(g)
    assert ok, report
    assert report.startswith("SHACL: conforms")
    assert len(g) == n  # the caller's graph is not modified


def test_shacl_wrong_unit():
    ok, report = shacl_validate(_graph(unit=UNIT + "EV"))
    assert not ok
    assert report.startswith("SHACL: 1 violation\n")
    assert "Focus Node: <https://w3id.org/sse-kg/id/fact/paperA/m1>" in report
    assert "Message: ionic_conductivity: unit must be <http://qudt.org/vocab/unit/S-PER-CentiM> (S/cm)" in report


def test_shacl_out_of_range():
    ok, report = shacl_validate(_graph(value=50.0))
    assert not ok
    assert "Message: ionic_conductivity value outside plausible range 1e-12–10 S/cm" in report
    assert "Focus Node: <https://w3id.org/sse-kg/id/fact/paperA/m1>" in report


def test_shacl_value_max_below_value():
    ok, report = shacl_validate(_graph(value=1e-3, value_max=1e-4))
    assert not ok and "Message: sse:valueMax is below sse:value" in report


def test_shacl_missing_material():
    ok, report = shacl_validate(_graph(material=False))
    assert not ok
    assert "Message: a measurement needs exactly one material (an sse:Material node)" in report


def test_shacl_unknown_method_and_bad_evidence():
    ok, report = shacl_validate(_graph(synthesis_method=SSE["method/alchemy"], line=0))
    assert not ok
    assert "a synthesis fact needs exactly one synthesis method of the ontology" in report
    assert "evidence needs exactly one sse:line, an xsd:integer >= 1" in report
    ok, report = shacl_validate(_graph(synthesis_method=SSE.EIS))  # a characterization method
    assert not ok and "synthesis method" in report


def test_property_shapes_follow_the_ontology(lex):
    g = property_shapes(lex)
    shapes = set(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    assert len(shapes) == len(lex.properties)
    assert len(all_shapes()) > len(g)


def test_shacl_is_fast_enough(lex):
    """A paper's worth of facts (300 measurements, 60 syntheses) validates in well under a few seconds."""
    from kg.graph import paper_triples  # the graph builder; skip if it is not there
    from tests.conftest import make_doc

    cands = [meas(material=f"M{i}", formula=None, value=1e-3 * (1 + i % 5),
                  evidence=Evidence(doc="paperA", line=i + 1, text=f"s{i}")) for i in range(300)]
    cands += [synth(material=f"M{i}", evidence=Evidence(doc="paperA", line=i + 1, text=f"t{i}")) for i in range(60)]
    facts, rejects = validate(cands, lex)
    assert rejects == []
    g = paper_triples(make_doc(), facts, lex)
    shacl_validate(g)
    t = time.perf_counter()
    ok, report = shacl_validate(g)
    dt = time.perf_counter() - t
    assert ok, report[:2000]
    assert dt < 3.0
