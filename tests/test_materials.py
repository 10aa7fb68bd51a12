"""kg.materials: formulas of every kind, composites, aliases, non-materials, cells, class phrases."""
from __future__ import annotations

import pytest

from kg.materials import abbreviation_definitions, classify_token, find_materials


@pytest.fixture(scope="module")
def lex_aliases():
    from kg.nlp import lexicon_aliases
    from kg.ontology import load_lexicon

    return lexicon_aliases(load_lexicon())


def mentions(text, aliases=None):
    return [(m.text, m.formula, m.kind) for m in find_materials(text, aliases or {})]


@pytest.mark.parametrize(
    "formula",
    [
        "Li7La3Zr2O12", "Li2.7In0.7Hf0.3Cl6", "Li6PS5Cl0.5Br0.5", "Li1+xAlxTi2-x(PO4)3", "Na4(CB11H12)2(B12H12)",
        "LiBH4·NH3", "90LiBH4·10P2S5", "1.5Li2O-TaCl5", "LiBH4-LiI", "Li3InCl6", "Li6PS5[Cl,Br]",
    ],
)
def test_formulas(formula):
    text = f"The {formula} was used at RT (Fig. 2)."
    found = find_materials(text, {})
    assert [(m.text, m.formula, m.kind) for m in found] == [(formula, formula, "formula")]
    assert (found[0].start, found[0].end) == (4, 4 + len(formula))


def test_formula_list_and_trailing_punctuation():
    assert mentions("Li6PS5Cl, Li3InCl6 and LiBH4.") == [
        ("Li6PS5Cl", "Li6PS5Cl", "formula"), ("Li3InCl6", "Li3InCl6", "formula"), ("LiBH4", "LiBH4", "formula")]
    assert [(m.text, m.start) for m in find_materials("(Li3PS4)", {})] == [("Li3PS4", 1)]


def test_formula_with_suffix_keeps_the_formula():
    assert mentions("Li6PS5Cl-based cells") == [("Li6PS5Cl", "Li6PS5Cl", "formula")]


@pytest.mark.parametrize(
    "token, expected",
    [
        ("PEO/LiTFSI", ("PEO/LiTFSI", None, "composite")),
        ("PVDF-HFP", ("PVDF-HFP", None, "alias")),
        ("PEO-PVDF/LiNO3", ("PEO-PVDF/LiNO3", None, "composite")),
        ("PEO", ("PEO", None, "alias")),
        ("LLZO", ("LLZO", "Li7La3Zr2O12", "alias")),
        ("LATP", ("LATP", "Li1.3Al0.3Ti1.7(PO4)3", "alias")),
        ("NCB", ("NCB", "NaCB11H12", "alias")),
    ],
)
def test_composites_and_aliases_with_lexicon(token, expected, lex_aliases):
    assert mentions(f"The {token} was used at RT (Fig. 2).", lex_aliases) == [expected]


def test_composite_needs_known_parts():
    assert mentions("PEO/LiTFSI", {"PEO": None, "LiTFSI": "LiC2F6NO4S2"}) == [("PEO/LiTFSI", None, "composite")]


def test_peo_without_lexicon_is_not_a_formula():
    assert mentions("The PEO was used.") == []
    assert classify_token("PEO", {}) is None


@pytest.mark.parametrize("text", ["RT", "Fig", "Fig. 3", "[BH4]-", "P63mc", "7Li", "H2", "SSEs"])
def test_non_materials(text, lex_aliases):
    assert [m for m in find_materials(text, lex_aliases) if m.kind != "class"] == []
    assert classify_token(text, lex_aliases) is None


def test_non_materials_in_a_sentence(lex_aliases):
    assert mentions("The [BH4]- anion in P63mc with 7Li NMR at RT, Fig. 3", lex_aliases) == []


def test_definition_merged_with_formula():
    found = find_materials("garnet Li7La3Zr2O12 (LLZO) is stable", {"LLZO": "Li7La3Zr2O12"})
    assert [(m.text, m.formula, m.kind, m.start, m.end) for m in found] == [
        ("Li7La3Zr2O12 (LLZO)", "Li7La3Zr2O12", "formula", 7, 26)]


def test_definition_merged_for_general_formula(lex_aliases):
    assert mentions("Li1+xAlxTi2-x(PO4)3 (LATP)", lex_aliases) == [
        ("Li1+xAlxTi2-x(PO4)3 (LATP)", "Li1+xAlxTi2-x(PO4)3", "formula")]


@pytest.mark.parametrize(
    "text, expected",
    [
        # the cell names its positive electrode; the electrolyte inside stays, as a part of the cell
        ("The TiS2|LiBH4|Li cell", [("TiS2", "TiS2", "cell", 4, 17), ("LiBH4", "LiBH4", "cell_part", 9, 14)]),
        ("cells TiS2 | LiBH4 | Li were", [("TiS2", "TiS2", "cell", 6, 23), ("LiBH4", "LiBH4", "cell_part", 13, 18)]),
    ],
)
def test_cell_notation(text, expected):
    assert [(m.text, m.formula, m.kind, m.start, m.end) for m in find_materials(text, {})] == expected


def test_class_phrases():
    found = find_materials("in the sulfide SEs and Garnet-type SSEs", {})
    assert [(m.text, m.formula, m.kind, m.start, m.end) for m in found] == [
        ("sulfide SEs", None, "class", 7, 18), ("Garnet-type SSEs", None, "class", 23, 39)]


def test_formula_naming_a_type_is_part_of_the_class():
    found = find_materials("UCl3-type SSEs and Li6PS5Cl-based electrolytes, unlike Li3InCl6 electrolytes", {})
    assert [(m.text, m.formula, m.kind) for m in found] == [
        ("UCl3-type SSEs", None, "class"), ("Li6PS5Cl-based electrolytes", None, "class"),
        ("Li3InCl6", "Li3InCl6", "formula")]


def test_dopant_is_part_of_the_name(lex_aliases):
    found = find_materials("Li3YCl6 and Zr^4+-doped Li3YCl6, Al2O3-doped LiBH4, Ta-doped LLZO and re-doped LiCl",
                           lex_aliases)
    assert [(m.text, m.formula) for m in found] == [
        ("Li3YCl6", "Li3YCl6"), ("Zr^4+-doped Li3YCl6", "Li3YCl6"), ("Al2O3-doped LiBH4", "LiBH4"),
        ("Ta-doped LLZO", "Li7La3Zr2O12"), ("LiCl", "LiCl")]


def test_a_metal_placeholder_the_text_lists():
    found = find_materials("Li7+xP1-xMxS6 (M = Si, Sn) and the metal M", {})
    assert [(m.text, m.formula) for m in found] == [("Li7+xP1-xMxS6 (M = Si, Sn)", "Li7+xP1-xMxS6")]


def test_a_single_electrolyte_named_by_its_abbreviation():
    found = find_materials("an SPE and a CSE, but not SSE research or the SE", {})
    assert [(m.text, m.kind) for m in found] == [("SPE", "class"), ("CSE", "class")]


def test_lowercase_lexicon_names(lex_aliases):
    found = find_materials("graphite anodes, alumina fillers and a polyimide separator, not graphitic carbon", lex_aliases)
    assert [(m.text, m.kind) for m in found] == [("graphite", "alias"), ("alumina", "alias"), ("polyimide", "alias")]


def test_a_film_is_named_with_its_form(lex_aliases):
    found = find_materials("LLZO thin films, a LiF film and Li3PO4 thin-films, but filming LiPON", lex_aliases)
    assert [(m.text, m.formula) for m in found] == [
        ("LLZO thin films", "Li7La3Zr2O12"), ("LiF film", "LiF"), ("Li3PO4 thin-films", "Li3PO4"), ("LiPON", None)]


def test_names_in_words(lex_aliases):
    found = find_materials("Sodium sulfide, lithium lanthanum zirconate and potassium iodides, but not a lithium "
                           "amide-borohydride, lithium salts or lithium metal", lex_aliases)
    assert [(m.text, m.formula) for m in found] == [
        ("Sodium sulfide", None), ("lithium lanthanum zirconate", "Li7La3Zr2O12"), ("potassium iodides", None)]


def test_phase_prefix_is_part_of_the_name():
    found = find_materials("β-Li3PS4, γ-Li3PO4 and a β'' -Al2O3 electrolyte; the β-phase", {})
    assert [(m.text, m.formula, m.kind) for m in found[:3]] == [
        ("β-Li3PS4", "Li3PS4", "formula"), ("γ-Li3PO4", "Li3PO4", "formula"), ("β'' -Al2O3", "Al2O3", "formula")]


@pytest.mark.parametrize("text, cathode, parts", [
    ("Na/Na11Sn2PSe12/C-Se cells", "C-Se", ["Na11Sn2PSe12"]),
    ("LiI@Li/LPSCl/NCM cells", "NCM", ["LPSCl"]),
    ("TiS2/Li3YCl6/Li-In", "TiS2", ["Li3YCl6"]),
    ("S-C-Li3PS4/Li3PS4 SSE/Li-In cell", "S-C-Li3PS4", []),
])
def test_slash_cells_name_their_positive_electrode(text, cathode, parts, lex_aliases):
    found = find_materials(text, {**lex_aliases, "LPSCl": "Li6PS5Cl", "NCM": None})
    assert [m.text for m in found if m.kind == "cell"] == [cathode]
    assert [m.text for m in found if m.kind == "cell_part"] == parts


def test_three_part_composite_is_not_a_cell(lex_aliases):
    found = find_materials("PEO/LiTFSI/LLZO membranes", lex_aliases)
    assert [m.kind for m in found] != [] and "cell" not in [m.kind for m in found]


def test_solvates_with_ligands_from_the_lexicon(lex_aliases):
    found = find_materials("Ca (en)2(BH4)2, Ca(BH4)2-diglyme0.5 and Ca(py)6Cl2; not Ca(xy)2", lex_aliases)
    assert [(m.text, m.kind) for m in found] == [
        ("Ca (en)2(BH4)2", "composite"), ("Ca(BH4)2-diglyme0.5", "composite"), ("Ca(py)6Cl2", "composite")]


def test_host_loaded_with_a_share_of_another_material_is_one_name(lex_aliases):
    found = find_materials("Films of PEO containing 20 wt.% LLZO and PVDF with 5 mol% of LiTFSI; PEO with LiTFSI", lex_aliases)
    assert [(m.text, m.kind) for m in found] == [
        ("PEO containing 20 wt.% LLZO", "composite"), ("PVDF with 5 mol% of LiTFSI", "composite"),
        ("PEO", "alias"), ("LiTFSI", "alias")]


def test_the_whole_recipe_of_a_composite_is_its_name(lex_aliases):
    found = find_materials("a polymer membrane containing 10 wt% of LLZO and 5 wt% of EMIMTFSI; a composite electrolyte "
                           "comprising PVDF and ZrO2; sulfide glasses composed of LiF", lex_aliases)
    assert [(m.text, m.kind) for m in found] == [
        ("polymer membrane containing 10 wt% of LLZO and 5 wt% of EMIMTFSI", "composite"),
        ("composite electrolyte comprising PVDF and ZrO2", "composite"), ("sulfide glasses", "class"),
        ("LiF", "formula")]


def test_halogen_placeholder_x_when_the_text_lists_it(lex_aliases):
    found = find_materials("Li6PS5X (X = Cl, Br) and LiBH4-KX (X = Cl, I); an X-ray and LiX salts", lex_aliases)
    assert [(m.text, m.formula) for m in found] == [
        ("Li6PS5X (X = Cl, Br)", "Li6PS5X"), ("LiBH4-KX (X = Cl, I)", "LiBH4-KX")]


def test_the_form_of_a_composition_is_part_of_its_name(lex_aliases):
    found = find_materials("Li2S–P2S5 glass-ceramics, the Li3PS4–LiI glasses and glassceramics, LiBH4-SiO2 nanocomposites", lex_aliases)
    assert [m.text for m in found] == [
        "Li2S–P2S5 glass-ceramics", "Li3PS4–LiI glasses and glassceramics", "LiBH4-SiO2 nanocomposites"]


def test_classes_can_be_switched_off():
    assert find_materials("in the sulfide SEs", {}, classes=False) == []


def test_docstring_alias_example():
    found = find_materials("Li6PS5Cl and LLZO", aliases={"LLZO": "Li7La3Zr2O12"})
    assert [(m.text, m.formula) for m in found] == [("Li6PS5Cl", "Li6PS5Cl"), ("LLZO", "Li7La3Zr2O12")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("garnet Li7La3Zr2O12 (LLZO) is stable", {"LLZO": "Li7La3Zr2O12"}),
        ("the Li6PS5Cl (LPSC) electrolyte", {"LPSC": "Li6PS5Cl"}),
        ("Li7La3Zr2O12 (LLZO) and later Li6.4La3Zr1.4Ta0.6O12 (LLZO)", {"LLZO": "Li7La3Zr2O12"}),
        ("lithium sulfide (Li2S)", {}),
        ("room temperature (RT)", {}),
    ],
)
def test_abbreviation_definitions(text, expected, lex_aliases):
    assert abbreviation_definitions(text, lex_aliases) == expected


def test_abbreviation_definitions_named_materials(lex_aliases):
    text = "poly(ethylene oxide) (PEO) and solid polymer electrolytes (SPEs)"
    assert abbreviation_definitions(text, {}) == {"PEO": None, "SPEs": None}
    # PEO is already in the lexicon: only the new abbreviation is a definition
    assert abbreviation_definitions(text, lex_aliases) == {"SPEs": None}
