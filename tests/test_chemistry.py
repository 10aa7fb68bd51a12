"""Formula parsing, normalization, identity keys and material families (kg.chemistry)."""
from __future__ import annotations

import pytest

from kg.chemistry import (
    ELEMENTS,
    classify_family,
    clean_formula_text,
    formula_elements,
    formula_key,
    is_formula,
    normalize_formula,
    parse_formula,
)


def approx_counts(d):
    return {k: pytest.approx(v) for k, v in d.items()}


def test_elements():
    assert {"H", "Li", "Na", "Cl", "Hf", "La", "Zr", "In"} <= ELEMENTS
    assert len(ELEMENTS) == 103
    assert "Mc" not in ELEMENTS and "X" not in ELEMENTS


@pytest.mark.parametrize(
    "text, counts",
    [
        ("Li7La3Zr2O12", {"Li": 7, "La": 3, "Zr": 2, "O": 12}),
        ("Li2.7In0.7Hf0.3Cl6", {"Li": 2.7, "In": 0.7, "Hf": 0.3, "Cl": 6}),
        ("Li6PS5Cl0.5Br0.5", {"Li": 6, "P": 1, "S": 5, "Cl": 0.5, "Br": 0.5}),
        ("Li₆PS₅Cl", {"Li": 6, "P": 1, "S": 5, "Cl": 1}),
        ("Na4(CB11H12)2(B12H12)", {"Na": 4, "C": 2, "B": 34, "H": 36}),
        ("Li1.3Al0.3Ti1.7(PO4)3", {"Li": 1.3, "Al": 0.3, "Ti": 1.7, "P": 3, "O": 12}),
        ("[BH4]−", {"B": 1, "H": 4}),
        ("[B12H12]2-", {"B": 12, "H": 12}),
        ("[B₁₂H₁₂]²⁻", {"B": 12, "H": 12}),
        ("LiBH4·NH3", {"Li": 1, "B": 1, "H": 7, "N": 1}),
        ("LiBH ₄ ·NH ₃", {"Li": 1, "B": 1, "H": 7, "N": 1}),
        ("90LiBH4·10P2S5", {"Li": 90, "B": 90, "H": 360, "P": 20, "S": 50}),
        ("0.75Li2S·0.25P2S5", {"Li": 1.5, "S": 2, "P": 0.5}),
        ("1/3LiBH4·2/3(0.75Li2S·0.25P2S5)", {"Li": 4 / 3, "B": 1 / 3, "H": 4 / 3, "S": 4 / 3, "P": 1 / 3}),
        ("1.5Li2O-TaCl5", {"Li": 3, "O": 1.5, "Ta": 1, "Cl": 5}),
        ("Li3InCl6·2H2O", {"Li": 3, "In": 1, "Cl": 6, "H": 4, "O": 2}),
        ("Li(BH4)0.75I0.25", {"Li": 1, "B": 0.75, "H": 3, "I": 0.25}),
        ("LiBH₄·1/2NH₃", {"Li": 1, "B": 1, "H": 5.5, "N": 0.5}),
        ("Li4/3Ti5/3O4", {"Li": 4 / 3, "Ti": 5 / 3, "O": 4}),
        ("Li[Ni0.8Co0.1Mn0.1]O2", {"Li": 1, "Ni": 0.8, "Co": 0.1, "Mn": 0.1, "O": 2}),
        (r"$\text{Li}_6\text{PS}_5\text{Cl}$", {"Li": 6, "P": 1, "S": 5, "Cl": 1}),
        ("$Li_{10}GeP_2S_{12}$", {"Li": 10, "Ge": 1, "P": 2, "S": 12}),
        ("Li_{6,4}PS_{5,4}Cl_{0,6}", {"Li": 6.4, "P": 1, "S": 5.4, "Cl": 0.6}),
        ("Li2S", {"Li": 2, "S": 1}),
        ("LiI", {"Li": 1, "I": 1}),
        ("LiCl", {"Li": 1, "Cl": 1}),
        ("NaCl", {"Na": 1, "Cl": 1}),
        ("TiS2", {"Ti": 1, "S": 2}),
        ("LiBH4", {"Li": 1, "B": 1, "H": 4}),
        ("NaOH", {"Na": 1, "O": 1, "H": 1}),
        ("S8", {"S": 8}),
    ],
)
def test_parse_formula(text, counts):
    assert parse_formula(text) == approx_counts(counts)
    assert is_formula(text)


@pytest.mark.parametrize(
    "text", ["Li1+xAlxTi2−x(PO4)3", "Li3−xIn1−xHfxCl6", "Li7−xPS6−xClx", "Li7La3Zr2O12-δ", "(C2H4O)n",
             "Na_{2-x}(CB₁₁H₁₂)_x(B₁₂H₁₂)_{1-x}", "(100-x)(0.6MgS·0.4P2S5)·xMgI2", "(1-x)LiBH4-xCa(BH4)2"],
)
def test_variable_formulas(text):
    assert is_formula(text)
    assert parse_formula(text) is None


def test_variable_coefficient_multiplies_directly():
    assert normalize_formula("(100-x)·(0.6MgS·0.4P2S5)·xMgI2") == "(100-x)(0.6MgS·0.4P2S5)·xMgI2"


@pytest.mark.parametrize(
    "text",
    ["PEO", "LiTFSI", "CNT", "SEI", "NASICON", "LATP", "ASSB", "Fig", "Table", "In", "I", "S", "As", "No", "He",
     "Li", "Na", "LiPON", "LiFSI", "LiBOB", "CV", "SPS", "PS", "SN", "S1", "Li+", "McCa", "NCM811", "SBA-15",
     "CH-1211", "Li6PS5Cl electrolyte", "", "2", "x", "1/3"],
)
def test_not_formulas(text):
    assert not is_formula(text)
    assert parse_formula(text) is None
    assert normalize_formula(text) is None
    assert formula_key(text) is None


@pytest.mark.parametrize(
    "text, normalized",
    [
        ("Li₆PS₅Cl", "Li6PS5Cl"),
        ("Li6PS5Cl", "Li6PS5Cl"),
        (r"$\text{Li}_6\text{PS}_5\text{Cl}$", "Li6PS5Cl"),
        (r"$\mathrm{Li_{7}La_{3}Zr_{2}O_{12}}$", "Li7La3Zr2O12"),
        ("Li_{6,4}PS_{5,4}Cl_{0,6}", "Li6.4PS5.4Cl0.6"),
        ("Li2.0S", "Li2S"),
        ("Li6PS5Cl0.50Br0.50", "Li6PS5Cl0.5Br0.5"),
        ("Li1+xAlxTi2−x(PO4)3", "Li1+xAlxTi2-x(PO4)3"),
        ("Li3−xIn1−xHfxCl6", "Li3-xIn1-xHfxCl6"),
        ("Li7–xPS6–xClx", "Li7-xPS6-xClx"),
        ("90LiBH₄ · 10P₂S₅", "90LiBH4·10P2S5"),
        ("LiBH4⋅NH3", "LiBH4·NH3"),
        (r"LiBH_4 \cdot NH_3", "LiBH4·NH3"),
        ("[BH4]−", "[BH4]"),
        ("1.5Li2O–TaCl5", "1.5Li2O-TaCl5"),
        ("Na4(CB11H12)2(B12H12)", "Na4(CB11H12)2(B12H12)"),
    ],
)
def test_normalize_formula(text, normalized):
    assert normalize_formula(text) == normalized


@pytest.mark.parametrize(
    "text, key",
    [
        ("Li6PS5Cl", "Cl1Li6P1S5"),
        ("Li₆PS₅Cl", "Cl1Li6P1S5"),
        ("Li6ClPS5", "Cl1Li6P1S5"),
        ("Li7La3Zr2O12", "La3Li7O12Zr2"),
        ("Li1.3Al0.3Ti1.7(PO4)3", "Al0.3Li1.3O12P3Ti1.7"),
        ("Li2.0S", "Li2S1"),
        ("0.75Li2S·0.25P2S5", "Li1.5P0.5S2"),
        ("1/3LiBH4·2/3(0.75Li2S·0.25P2S5)", "B0.333333H1.333333Li1.333333P0.333333S1.333333"),
        ("Li7−xPS6−xClx", "Li7-xPS6-xClx"),
    ],
)
def test_formula_key(text, key):
    assert formula_key(text) == key


@pytest.mark.parametrize("text, key, elements", [
    ("Li6PS5[Cl,Br]", "Li6PS5[Cl,Br]", {"Li", "P", "S", "Cl", "Br"}),
    ("Li6PS5[Cl, Br]", "Li6PS5[Cl,Br]", {"Li", "P", "S", "Cl", "Br"}),
    ("Li_{6-x}PS_{5-x}[Cl,Br]_x", "Li6-xPS5-x[Cl,Br]x", {"Li", "P", "S", "Cl", "Br"}),
    ("(Li,Na)3PS4", "(Li,Na)3PS4", {"Li", "Na", "P", "S"}),
])
def test_a_site_shared_by_elements_in_unstated_shares_is_a_variable_formula(text, key, elements):
    assert is_formula(text) and parse_formula(text) is None
    assert formula_key(text) == key and formula_elements(text) == elements


@pytest.mark.parametrize("text", ["[12,13]", "(S,P)", "LiCl,LiBr", "(C,N)"])
def test_commas_elsewhere_make_no_formula(text):
    assert not is_formula(text)


def test_formula_elements_of_variable_formula():
    assert formula_elements("Li3−xIn1−xHfxCl6") == {"Li", "In", "Hf", "Cl"}
    assert formula_elements("PEO") is None


def test_clean_formula_text():
    assert clean_formula_text("Li₃InCl₆") == "Li3InCl6"
    assert clean_formula_text("Na⁺") == "Na"


@pytest.mark.parametrize(
    "material, formula, family",
    [
        ("Li6PS5Cl", None, "sulfide"),
        ("LPSCl", "Li6PS5Cl", "sulfide"),
        ("Li10GeP2S12", None, "sulfide"),
        ("Li7−xPS6−xClx", None, "sulfide"),
        ("Li2S-P2S5", None, "sulfide"),
        ("Li3InCl6", None, "halide"),
        ("Li3−xIn1−xHfxCl6", None, "halide"),
        ("Li3InCl6·2H2O", None, "halide"),
        ("LLZO", "Li7La3Zr2O12", "oxide"),
        ("Li7La3Zr2O12", None, "oxide"),
        ("Li3OCl", None, "oxide"),
        ("Li1+xAlxTi2−x(PO4)3", None, "oxide"),
        ("Li2SO4", None, "oxide"),
        ("LiPON", None, "oxide"),
        ("LiBH4", None, "hydride"),
        ("NaCB11H12", None, "hydride"),
        ("90LiBH4·10P2S5", None, "hydride"),
        ("NH3BH3", None, "hydride"),
        ("MgH2", None, "hydride"),
        ("NaAlH4", None, "hydride"),
        ("PEO", None, "polymer"),
        ("PVDF-HFP", None, "polymer"),
        ("PAN", None, "polymer"),
        ("PMMA", None, "polymer"),
        ("PEO-PMMA", None, "polymer"),
        ("polymer electrolyte", None, "polymer"),
        ("PEO/LiTFSI", None, "composite"),
        ("PEO-LLZO", None, "composite"),
        ("LLZTO-PEO", None, "composite"),
        ("LFP-PEO", None, "composite"),
        ("composite electrolyte", None, "composite"),
        ("sulfide electrolytes", None, "sulfide"),
        ("argyrodite", None, "sulfide"),
        ("halide electrolytes", None, "halide"),
        ("garnet", None, "oxide"),
        ("NASICON", None, "oxide"),
        ("LiTFSI", None, "other"),
        ("Li3N", None, "other"),
        ("something", None, "other"),
        ("", None, "other"),
    ],
)
def test_classify_family(material, formula, family):
    assert classify_family(material, formula) == family


def test_classify_family_uses_lexicon():
    class Entry:
        family, types = "sulfide", ("SolidElectrolyte",)

    class Lex:
        materials = {"XYZ-1": Entry()}
        classes = {"thio-frameworks": "sulfide"}

    assert classify_family("XYZ-1", None, Lex()) == "sulfide"
    assert classify_family("Thio-Frameworks", None, Lex()) == "sulfide"
