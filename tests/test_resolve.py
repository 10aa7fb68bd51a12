"""Entity resolution against the ontology's well-known materials, and its links in the graph."""
import pytest

from kg.ontology import load_lexicon
from kg.reader import parse_document
from kg.extract import Extractor
from kg.graph import paper_triples
from kg.namespaces import SKOS, SSE
from kg.resolve import known_material, parent_material
from kg.validate import validate


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


@pytest.mark.parametrize("material, formula, label", [
    ("Li₆PS₅Cl", "Li6PS5Cl", "LPSCl"),
    ("LLZO", "Li7La3Zr2O12", "LLZO"),
    ("Li7La3Zr2O12", "Li7La3Zr2O12", "LLZO"),
])
def test_known_material(lex, material, formula, label):
    assert known_material(lex, material, formula).label == label


@pytest.mark.parametrize("material, formula, parent", [
    ("Ta-doped LLZO", None, "LLZO"),
    ("Li6.55Ga0.15La3Zr2O12", "Li6.55Ga0.15La3Zr2O12", "LLZO"),
    ("Li5.4PS4.4Cl1.6", "Li5.4PS4.4Cl1.6", "LPSCl"),
])
def test_parent_of_a_variant(lex, material, formula, parent):
    assert parent_material(lex, material, formula).label == parent


@pytest.mark.parametrize("material, formula", [
    ("Li7La3Zr2O12", "Li7La3Zr2O12"),  # a known compound is nobody's variant
    ("LiCl", "LiCl"),
    ("PEO", None),
    ("Li6PS5Cl0.5Br0.5", "Li6PS5Cl0.5Br0.5"),  # LPSCl or LPSBr: not clear, so no link
])
def test_no_parent(lex, material, formula):
    assert parent_material(lex, material, formula) is None


def test_graph_links_variants_and_known_materials(lex):
    text = ("A title of four words\nA. Author\n\n"
            "Li6.55Ga0.15La3Zr2O12 shows an ionic conductivity of 2.06 mS cm⁻¹ at RT [1]. "
            "Li6PS5Cl shows 3 mS cm⁻¹ at 25 °C [2].\n")
    doc = parse_document(text, "demo")
    facts, rejects = validate(Extractor().extract(doc), lex)
    g = paper_triples(doc, facts, lex)
    llzo, lpscl = lex.alias("LLZO").iri, lex.alias("LPSCl").iri
    assert {str(o) for o in g.objects(None, SSE.variantOf)} == {llzo}
    assert {str(o) for o in g.objects(None, SKOS.exactMatch)} == {lpscl}
