"""The ontology files parse, are consistent, and load into the Lexicon (kg.ontology)."""
from __future__ import annotations

from collections import Counter

import pint
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from kg.chemistry import FAMILIES, classify_family, is_formula, normalize_formula
from kg.ontology import (
    EMMO_ECHEM,
    ONTOLOGY_FILES,
    SSE,
    Lexicon,
    OntologyError,
    load_graph,
    load_lexicon,
)
from kg.paths import ONTOLOGY_DIR

CONTRACT = {
    "ionic_conductivity": "S/cm",
    "electronic_conductivity": "S/cm",
    "activation_energy": "eV",
    "electrochemical_window": "V",
    "transference_number": "",
    "critical_current_density": "mA/cm2",
    "specific_capacity": "mAh/g",
}


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon()


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph()


@pytest.mark.parametrize("name", [*ONTOLOGY_FILES, "shapes.ttl"])
def test_every_file_parses(name):
    g = Graph().parse(ONTOLOGY_DIR / name, format="turtle")
    assert len(g) > 0


def test_load_is_cached(lex):
    assert load_lexicon() is lex
    assert load_lexicon(str(ONTOLOGY_DIR)) is lex


def test_contract_properties(lex):
    for key, unit in CONTRACT.items():
        p = lex.properties[key]
        assert p.key == key
        assert p.canonical_unit == unit
        assert p.iri.startswith(str(SSE))


def test_every_property_has_unit_range_and_dimension(lex):
    ureg = pint.UnitRegistry()
    for p in lex.properties.values():
        assert p.label and p.alt_labels
        assert p.qudt_unit.startswith(("http://qudt.org/vocab/unit/", str(SSE)))
        assert p.min_value < p.max_value
        q = ureg(p.pint_unit)
        if p.dimension == "dimensionless":
            assert q.dimensionless, p.key
        else:
            assert q.dimensionality == ureg.get_dimensionality(p.dimension), p.key
        assert lex.units[p.canonical_unit] == p.qudt_unit


def test_property_ranges(lex):
    P = lex.properties
    assert (P["ionic_conductivity"].min_value, P["ionic_conductivity"].max_value) == (1e-12, 10)
    assert (P["electronic_conductivity"].min_value, P["electronic_conductivity"].max_value) == (1e-16, 1e4)
    assert (P["activation_energy"].min_value, P["activation_energy"].max_value) == (0.01, 3)
    assert (P["electrochemical_window"].min_value, P["electrochemical_window"].max_value) == (-1, 10)
    assert (P["transference_number"].min_value, P["transference_number"].max_value) == (0, 1)
    assert (P["critical_current_density"].min_value, P["critical_current_density"].max_value) == (0, 100)
    assert (P["specific_capacity"].min_value, P["specific_capacity"].max_value) == (0, 5000)
    assert P["ionic_conductivity"].qudt_unit == "http://qudt.org/vocab/unit/S-PER-CentiM"
    assert P["transference_number"].qudt_unit == "http://qudt.org/vocab/unit/UNITLESS"
    assert P["specific_capacity"].qudt_unit == "http://qudt.org/vocab/unit/MilliA-HR-PER-GM"


@pytest.mark.parametrize(
    "text, key",
    [
        ("ionic conductivity", "ionic_conductivity"), ("Li+ conductivity", "ionic_conductivity"),
        ("Li-ion conductivity", "ionic_conductivity"), ("Na+ conductivity", "ionic_conductivity"),
        ("σ", "ionic_conductivity"), ("Total Conductivity", "ionic_conductivity"),
        ("bulk conductivity", "ionic_conductivity"), ("conductivity", "ionic_conductivity"),
        ("activation energy", "activation_energy"), ("Ea", "activation_energy"), ("E_a", "activation_energy"),
        ("migration barrier", "activation_energy"),
        ("electrochemical stability window", "electrochemical_window"),
        ("electrochemical window", "electrochemical_window"), ("stability window", "electrochemical_window"),
        ("potential window", "electrochemical_window"), ("oxidation limit", "electrochemical_window"),
        ("oxidative stability", "electrochemical_window"), ("voltage window", "electrochemical_window"),
        ("electrochemical stability", "electrochemical_window"),
        ("transference number", "transference_number"), ("tLi+", "transference_number"),
        ("t_Li+", "transference_number"), ("tLi⁺", "transference_number"), ("transference", "transference_number"),
        ("critical current density", "critical_current_density"), ("CCD", "critical_current_density"),
        ("specific capacity", "specific_capacity"), ("discharge capacity", "specific_capacity"),
        ("capacity", "specific_capacity"), ("reversible capacity", "specific_capacity"),
        ("theoretical capacity", "specific_capacity"), ("initial discharge capacity", "specific_capacity"),
        ("electronic conductivity", "electronic_conductivity"),
        ("electronic conductivities", "electronic_conductivity"),
        ("ionic_conductivity", "ionic_conductivity"),
    ],
)
def test_property_by_label(lex, text, key):
    assert lex.property_by_label(text).key == key


def test_property_unknown(lex):
    assert lex.property_by_label("tensile strength") is None
    assert lex.property_by_label("") is None


def test_property_labels_unique(graph):
    seen = Counter()
    for s in graph.subjects(RDF.type, SSE.PropertyKind):
        labels = {str(o).casefold() for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(s, p)}
        seen.update(labels)
    assert [lab for lab, n in seen.items() if n > 1] == []


@pytest.mark.parametrize("cls", [SSE.SynthesisMethod, SSE.CharacterizationMethod])
def test_method_labels_unique_within_class(graph, cls):
    seen = Counter()
    for s in graph.subjects(RDF.type, cls):
        prefs = list(graph.objects(s, SKOS.prefLabel))
        assert len(prefs) == 1, s
        labels = {str(o).casefold() for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(s, p)}
        seen.update(labels)
    assert [lab for lab, n in seen.items() if n > 1] == []


def test_every_method_has_a_parent(lex, graph):
    roots = {"synthesis", "modification", "characterization"}
    for m in lex.methods.values():
        assert m.parent_label is not None, m.label
        assert m.parent_label in lex.methods or m.parent_label in roots, m.label
        if m.parent_label in lex.methods:
            assert lex.methods[m.parent_label].kind == m.kind
        assert m.label == m.label.lower() or m.label in ("NASICON",), m.label
        ancestors = lex.method_ancestors(m.label)
        assert ancestors[-1] == m.kind  # the chain ends at the root of its kind


def test_method_hierarchy(lex):
    assert lex.methods["high-energy ball milling"].parent_label == "ball milling"
    assert lex.methods["planetary ball milling"].parent_label == "ball milling"
    assert lex.methods["ball milling"].parent_label == "milling"
    assert lex.methods["chemical vapor deposition"].parent_label == "vapour deposition"
    assert lex.methods["rf sputtering"].parent_label == "sputtering"
    assert lex.methods["sol-gel"].parent_label == "solution synthesis"
    assert lex.methods["annealing"].parent_label == "heat treatment"
    assert lex.methods["spark plasma sintering"].parent_label == "pressing"
    assert lex.methods["ab initio molecular dynamics"].parent_label == "molecular dynamics"
    assert lex.methods["electrochemical impedance spectroscopy"].kind == "characterization"
    assert lex.methods["ball milling"].kind == "synthesis"


@pytest.mark.parametrize(
    "text, label",
    [
        ("ball-milled", "ball milling"), ("ball milling", "ball milling"), ("mechanical milling", "ball milling"),
        ("high-energy mechanical milling", "high-energy ball milling"),
        ("mechanochemically", "mechanochemical synthesis"), ("mechanochemical", "mechanochemical synthesis"),
        ("milled", "milling"), ("CVD", "chemical vapor deposition"), ("ALD", "atomic layer deposition"),
        ("PLD", "pulsed laser deposition"), ("sputtered", "sputtering"), ("electrospun", "electrospinning"),
        ("in-situ polymerization", "in situ polymerization"), ("UV-cured", "uv curing"), ("sol–gel", "sol-gel"),
        ("hot-pressed", "hot pressing"), ("SPS", "spark plasma sintering"), ("annealed", "annealing"),
        ("quenched", "melt quenching"), ("co-melted", "co-melting"), ("infiltrated", "infiltration"),
        ("cast", "solution casting"), ("solid state reaction", "solid-state reaction"),
        ("solid-state synthesis", "solid-state reaction"), ("EIS", "electrochemical impedance spectroscopy"),
        ("XRD", "x-ray diffraction"), ("PFG-NMR", "pfg-nmr"), ("AIMD", "ab initio molecular dynamics"),
        ("CV", "cyclic voltammetry"), ("LSV", "linear sweep voltammetry"), ("DFT", "density functional theory"),
        ("HIGH-ENERGY BALL MILLING", "high-energy ball milling"),
    ],
)
def test_method_by_label(lex, text, label):
    assert lex.method_by_label(text).label == label


def test_method_iris_are_stable(lex):
    assert lex.methods["high-energy ball milling"].iri == str(SSE.HighEnergyBallMilling)
    assert lex.methods["ball milling"].iri == str(SSE.BallMilling)
    assert lex.methods["electrochemical impedance spectroscopy"].iri == str(SSE.EIS)
    assert lex.properties["ionic_conductivity"].iri == str(SSE.IonicConductivity)


@pytest.mark.parametrize(
    "abbr, label, formula, family",
    [
        ("LLZO", "LLZO", "Li7La3Zr2O12", "oxide"), ("LATP", "LATP", "Li1.3Al0.3Ti1.7(PO4)3", "oxide"),
        ("LAGP", "LAGP", "Li1.5Al0.5Ge1.5(PO4)3", "oxide"), ("LGPS", "LGPS", "Li10GeP2S12", "sulfide"),
        ("LLTO", "LLTO", "Li0.33La0.56TiO3", "oxide"), ("LiPON", "LiPON", None, "oxide"),
        ("LPS", "LPS", "Li3PS4", "sulfide"), ("LPSCl", "LPSCl", "Li6PS5Cl", "sulfide"),
        ("LIC", "LIC", "Li3InCl6", "halide"), ("LYC", "LYC", "Li3YCl6", "halide"), ("LYB", "LYB", "Li3YBr6", "halide"),
        ("NMC", "NCM", None, "oxide"), ("LCO", "LCO", "LiCoO2", "oxide"), ("LFP", "LFP", "LiFePO4", "oxide"),
        ("LTO", "LTO", "Li4Ti5O12", "oxide"), ("NCB", "NCB", "NaCB11H12", "hydride"), ("PEO", "PEO", None, "polymer"),
        ("PVDF-HFP", "PVDF-HFP", None, "polymer"), ("LiTFSI", "LiTFSI", "LiC2F6NO4S2", "other"),
        ("SN", "SN", "C4H4N2", "other"), ("Li₆PS₅Cl", "LPSCl", "Li6PS5Cl", "sulfide"),
        ("Li6PS5Cl", "LPSCl", "Li6PS5Cl", "sulfide"), ("llzo", "LLZO", "Li7La3Zr2O12", "oxide"),
    ],
)
def test_material_aliases(lex, abbr, label, formula, family):
    e = lex.alias(abbr)
    assert (e.label, e.formula, e.family) == (label, formula, family)


def test_material_roles(lex):
    assert "SolidElectrolyte" in lex.materials["LLZO"].types
    assert "Salt" in lex.materials["LiTFSI"].types
    assert "CathodeActiveMaterial" in lex.materials["LCO"].types
    assert "AnodeActiveMaterial" in lex.materials["LTO"].types
    assert lex.alias("unobtainium") is None


def test_material_formulas_are_formulas_and_families_agree(lex):
    for e in set(lex.materials.values()):
        assert e.family in FAMILIES
        if e.formula:
            assert is_formula(e.formula), e.label
            assert normalize_formula(e.formula) == e.formula, e.label
            if e.family != "polymer" and "Salt" not in e.types:  # salts: family by role (LiBOB is an oxalate)
                assert classify_family(e.formula, e.formula) == e.family, e.label


@pytest.mark.parametrize(
    "name, family",
    [("sulfide electrolytes", "sulfide"), ("oxide electrolytes", "oxide"), ("halide electrolytes", "halide"),
     ("garnet", "oxide"), ("NASICON", "oxide"), ("perovskite", "oxide"), ("argyrodite", "sulfide")],
)
def test_class_names(lex, name, family):
    assert lex.classes[name] == family
    assert lex.class_family(name.upper()) == family
    assert classify_family(name, None, lex) == family


def test_alignment_iris_present(graph):
    from rdflib.namespace import RDFS

    SKOS_MATCH = (SKOS.exactMatch, SKOS.closeMatch)

    def aligned(s, target):
        return any((s, p, URIRef(target)) in graph for p in (*SKOS_MATCH, RDFS.subClassOf))

    assert aligned(SSE.IonicConductivity, EMMO_ECHEM.electrochemistry_25dabdc2_68bf_4a38_8cbe_11be017358bc)
    assert (SSE.ActivationEnergy, SKOS.closeMatch,
            EMMO_ECHEM.electrochemistry_d7f8cab9_b035_4ecd_be63_292672572526) in graph
    assert aligned(SSE.ElectrochemicalWindow, EMMO_ECHEM.electrochemistry_129926b6_fc30_441d_b359_29b44c988514)
    assert aligned(SSE.SpecificCapacity, EMMO_ECHEM.electrochemistry_1e3dc60d_dd6b_47d6_8161_70004fc5ee30)
    assert aligned(SSE.SolidElectrolyte, EMMO_ECHEM.electrochemistry_0508a114_544a_4f54_a7de_9b947fb4b618)
    assert graph.value(SSE.CriticalCurrentDensity, SKOS.exactMatch) is None  # minted, no EMMO concept


def test_missing_directory_is_an_error(tmp_path):
    with pytest.raises(OntologyError, match="ontology file missing"):
        load_lexicon(tmp_path)


def test_bad_turtle_is_an_error(tmp_path):
    for name in ONTOLOGY_FILES:
        (tmp_path / name).write_text((ONTOLOGY_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "methods.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(OntologyError, match="methods.ttl: does not parse"):
        load_lexicon(tmp_path)


def test_a_chemist_can_add_a_method(tmp_path):
    for name in ONTOLOGY_FILES:
        (tmp_path / name).write_text((ONTOLOGY_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    with open(tmp_path / "methods.ttl", "a", encoding="utf-8") as f:
        f.write('\nsse:CryoMilling a sse:SynthesisMethod, skos:Concept ; skos:prefLabel "cryomilling"@en ;\n'
                '    skos:altLabel "cryo-milled"@en ; skos:broader sse:BallMilling .\n')
    lex = load_lexicon(tmp_path)
    assert lex.method_by_label("cryo-milled").parent_label == "ball milling"
